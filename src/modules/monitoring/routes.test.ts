import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachDatabase } from '../../../test/support/databases.ts';
import { login, Session, testServer, twoClients } from '../../../test/support/world.ts';
import type { App } from '../../app/server.ts';
import type { Db } from '../../db/database.ts';
import { newId } from '../../core/ids.ts';
import { applyResults } from './ingest.ts';
import { resultStore } from './result-store.ts';
import { runRollups, setJobState } from './rollup-job.ts';

type World = Awaited<ReturnType<typeof twoClients>>;
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

/** What "nothing changed" compares for a client: its checks, windows, periods and journal. */
async function footprint(db: Db, clientId: string) {
  const count = async (t: 'checks' | 'maintenance_windows' | 'state_periods' | 'journal') =>
    Number((await db.kysely.selectFrom(t).select((eb) => eb.fn.countAll().as('n')).where('client_id', '=', clientId).executeTakeFirstOrThrow()).n);
  const checks = await db.kysely.selectFrom('checks').select(['id', 'name', 'settings', 'updated_at', 'state']).where('client_id', '=', clientId).orderBy('id').execute();
  const windows = await db.kysely.selectFrom('maintenance_windows').select(['id', 'title', 'spec', 'updated_at']).where('client_id', '=', clientId).orderBy('id').execute();
  return { checks: await count('checks'), windows: await count('maintenance_windows'), periods: await count('state_periods'), journal: await count('journal'), rows: JSON.stringify([checks, windows]) };
}

describeEachDatabase('monitoring routes', (getDb) => {
  let app: App;
  let w: World;
  let admin: Session, engineerA: Session, refA: Session, userA: Session, auditorA: Session, refB: Session;
  let A: string, B: string;
  let assetA: { id: string; name: string; site_id: string };
  let assetB: { id: string };
  let checkB: string;

  beforeAll(async () => {
    const db = getDb();
    app = await testServer(db, { publicUrl: 'https://vigie.example.fr/' });
    w = await twoClients(db);
    A = w.a.client.id;
    B = w.b.client.id;
    [admin, engineerA, refA, userA, auditorA, refB] = await Promise.all([
      login(app, w.admin), login(app, w.engineerA), login(app, w.a.referent), login(app, w.a.user), login(app, w.a.auditor), login(app, w.b.referent),
    ]);
    const site = (await refA.post(`/api/v1/clients/${A}/sites`, { name: 'Siège' })).json();
    assetA = (await refA.post(`/api/v1/clients/${A}/assets`, { name: 'fw-siege', type: 'firewall', site_id: site.id })).json();
    assetB = (await refB.post(`/api/v1/clients/${B}/assets`, { name: 'srv-beta', type: 'server' })).json();
    const cb = await admin.post(`/api/v1/clients/${B}/checks`, { name: 'B check', type: 'tcp', settings: { host: '10.0.0.2', port: 22 } });
    expect(cb.statusCode).toBe(201);
    checkB = cb.json().id;
  });
  afterAll(async () => {
    await app?.close();
  });

  describe('checks', () => {
    it('create, list with asset names, read, change, delete; every reader sees the same view', async () => {
      const created = await engineerA.post(`/api/v1/clients/${A}/checks`, {
        name: 'Pare-feu HTTPS', type: 'tcp', asset_id: assetA.id, settings: { host: '192.0.2.1', port: 443 }, interval_s: 30, timeout_ms: 5000,
      });
      expect(created.statusCode).toBe(201);
      const c = created.json();
      expect(c).toMatchObject({ client_id: A, name: 'Pare-feu HTTPS', type: 'tcp', asset_id: assetA.id, asset_name: 'fw-siege', state: 'unknown', enabled: true, interval_s: 30 });
      expect(c.settings).toMatchObject({ host: '192.0.2.1', port: 443 });
      expect(c).not.toHaveProperty('heartbeat_url');
      expect(c).not.toHaveProperty('heartbeat_token_hash');
      expect(c).not.toHaveProperty('lease_owner');
      expect(c).not.toHaveProperty('runtime');

      for (const s of [userA, auditorA, refA]) {
        const list = await s.get(`/api/v1/clients/${A}/checks`);
        expect(list.statusCode).toBe(200);
        expect(list.json().items.map((x: { id: string; asset_name: string }) => [x.id, x.asset_name])).toEqual([[c.id, 'fw-siege']]);
      }
      expect((await userA.get(`/api/v1/clients/${A}/checks?asset_id=${assetA.id}&state=unknown`)).json().items).toHaveLength(1);
      expect((await userA.get(`/api/v1/clients/${A}/checks?state=down`)).json().items).toHaveLength(0);
      expect((await auditorA.get(`/api/v1/clients/${A}/checks/${c.id}`)).json()).toMatchObject({ id: c.id, asset_name: 'fw-siege' });

      const changed = await engineerA.patch(`/api/v1/clients/${A}/checks/${c.id}`, { name: 'Pare-feu 443', asset_id: null, enabled: false });
      expect(changed.statusCode).toBe(200);
      expect(changed.json()).toMatchObject({ name: 'Pare-feu 443', asset_id: null, asset_name: null, enabled: false });

      expect((await admin.delete(`/api/v1/clients/${A}/checks/${c.id}`)).json()).toEqual({ ok: true });
      expect((await userA.get(`/api/v1/clients/${A}/checks/${c.id}`)).statusCode).toBe(404);
      const actions = await getDb().kysely.selectFrom('journal').select('action').where('object_id', '=', c.id).orderBy('seq').execute();
      expect(actions.map((a) => a.action)).toEqual(['check.create', 'check.update', 'check.delete']);
    });

    it('a heartbeat check answers its push URL once, built on the public address', async () => {
      const r = await engineerA.post(`/api/v1/clients/${A}/checks`, { name: 'Sauvegarde nuit', type: 'heartbeat', settings: { grace_s: 600 }, interval_s: 86_400, timeout_ms: 1000 });
      expect(r.statusCode).toBe(201);
      expect(r.json().heartbeat_url).toMatch(/^https:\/\/vigie\.example\.fr\/api\/v1\/heartbeat\/hb_[\w-]{40,}$/);
      const again = await userA.get(`/api/v1/clients/${A}/checks/${r.json().id}`);
      expect(again.json()).not.toHaveProperty('heartbeat_url');
      expect(again.body).not.toContain(r.json().heartbeat_url.split('/').at(-1));
    });

    it('refuses bad input and other callers with 4xx and stable ids, changing nothing', async () => {
      const db = getDb();
      const parent = (await engineerA.post(`/api/v1/clients/${A}/checks`, { name: 'Switch', type: 'icmp', settings: { host: '192.0.2.2' } })).json();
      const child = (await engineerA.post(`/api/v1/clients/${A}/checks`, { name: 'Serveur', type: 'icmp', settings: { host: '192.0.2.3' }, parent_check_id: parent.id })).json();
      const before = await footprint(db, A);
      const beforeB = await footprint(db, B);
      const cases: [Session, 'POST' | 'PATCH' | 'DELETE' | 'GET', string, unknown, number, string][] = [
        [engineerA, 'POST', `/api/v1/clients/${A}/checks`, { name: 'x', type: 'tcp', settings: { host: '' } }, 400, 'invalid_settings'],
        [engineerA, 'POST', `/api/v1/clients/${A}/checks`, { name: 'x', type: 'http', settings: {} }, 400, 'invalid_settings'],
        [engineerA, 'POST', `/api/v1/clients/${A}/checks`, { name: 'x', type: 'nope', settings: {} }, 400, 'validation_failed'],
        [engineerA, 'POST', `/api/v1/clients/${A}/checks`, { name: '', type: 'tcp' }, 400, 'validation_failed'],
        [engineerA, 'POST', `/api/v1/clients/${A}/checks`, { name: 'x', type: 'tcp', settings: { host: 'h', port: 1 }, interval_s: 5 }, 400, 'validation_failed'],
        [engineerA, 'POST', `/api/v1/clients/${A}/checks`, { name: 'x', type: 'tcp', settings: { host: 'h', port: 1 }, interval_s: 10, timeout_ms: 20_000 }, 400, 'timeout_exceeds_interval'],
        [engineerA, 'POST', `/api/v1/clients/${A}/checks`, { name: 'x', type: 'tcp', settings: { host: 'h', port: 1 }, asset_id: assetB.id }, 400, 'unknown_asset'],
        [engineerA, 'POST', `/api/v1/clients/${A}/checks`, { name: 'x', type: 'tcp', settings: { host: 'h', port: 1 }, parent_check_id: checkB }, 400, 'unknown_check'],
        [engineerA, 'PATCH', `/api/v1/clients/${A}/checks/${parent.id}`, { parent_check_id: child.id }, 400, 'dependency_cycle'],
        [engineerA, 'PATCH', `/api/v1/clients/${A}/checks/${parent.id}`, { settings: { host: 5 } }, 400, 'invalid_settings'],
        [engineerA, 'DELETE', `/api/v1/clients/${A}/checks/${parent.id}`, undefined, 409, 'check_has_dependants'],
        [refA, 'POST', `/api/v1/clients/${A}/checks`, { name: 'x', type: 'tcp', settings: { host: 'h', port: 1 } }, 403, 'forbidden'],
        [userA, 'PATCH', `/api/v1/clients/${A}/checks/${parent.id}`, { name: 'y' }, 403, 'forbidden'],
        [auditorA, 'DELETE', `/api/v1/clients/${A}/checks/${child.id}`, undefined, 403, 'forbidden'],
        [engineerA, 'GET', `/api/v1/clients/${A}/checks/${checkB}`, undefined, 404, 'not_found'],
        [engineerA, 'PATCH', `/api/v1/clients/${A}/checks/${checkB}`, { name: 'y' }, 404, 'not_found'],
        [engineerA, 'DELETE', `/api/v1/clients/${A}/checks/${checkB}`, undefined, 404, 'not_found'],
        [engineerA, 'GET', `/api/v1/clients/${A}/checks/${checkB}/periods`, undefined, 404, 'not_found'],
        [engineerA, 'GET', `/api/v1/clients/${A}/checks/${checkB}/results`, undefined, 404, 'not_found'],
        [engineerA, 'GET', `/api/v1/clients/${A}/checks/${checkB}/availability`, undefined, 404, 'not_found'],
        [engineerA, 'GET', `/api/v1/clients/${B}/checks`, undefined, 404, 'not_found'],
        [engineerA, 'GET', `/api/v1/clients/${A}/checks/not-an-id`, undefined, 400, 'validation_failed'],
        [engineerA, 'GET', `/api/v1/clients/${A}/checks/${newId()}`, undefined, 404, 'not_found'],
        [engineerA, 'GET', `/api/v1/clients/${A}/checks?state=broken`, undefined, 400, 'validation_failed'],
        [engineerA, 'GET', `/api/v1/clients/${A}/checks/${parent.id}/periods?from=2000&to=1000`, undefined, 400, 'invalid_range'],
      ];
      for (const [s, method, url, body, status, id] of cases) {
        const r = await s.request(method, url, body);
        expect([method, url, r.statusCode, r.json().error?.id]).toEqual([method, url, status, id]);
      }
      const bad = await engineerA.post(`/api/v1/clients/${A}/checks`, { name: 'x', type: 'http', settings: { url: 'not a url' } });
      expect(bad.json().error.details).toEqual(expect.arrayContaining([expect.objectContaining({ path: expect.any(String), message: expect.any(String) })]));
      expect(await footprint(db, A)).toEqual(before);
      expect(await footprint(db, B)).toEqual(beforeB);
    });
  });

  describe('heartbeat push', () => {
    it('records up and down beats with their message, by GET or POST (JSON, form, text, nothing); an unknown token is 404', async () => {
      const db = getDb();
      const r = (await engineerA.post(`/api/v1/clients/${A}/checks`, { name: 'Backup NAS', type: 'heartbeat', retries: 0, interval_s: 3600, timeout_ms: 1000 })).json();
      const path = new URL(r.heartbeat_url).pathname;
      const anon = new Session(app);
      const up = await anon.get(path);
      expect(up.statusCode).toBe(200);
      expect(up.json()).toEqual({ ok: true, state: 'up', recorded: true });

      const down = await anon.post(path, { status: 'down', msg: 'rsync exit 23' });
      expect(down.json()).toMatchObject({ ok: true, state: 'down' });
      let row = await db.kysely.selectFrom('checks').selectAll().where('id', '=', r.id).executeTakeFirstOrThrow();
      expect([row.state, row.last_status, row.last_message]).toEqual(['down', 'down', 'rsync exit 23']);

      await new Promise((res) => setTimeout(res, 2));
      const form = await anon.request('POST', path, 'status=up&msg=backup+OK+12+GB', { 'content-type': 'application/x-www-form-urlencoded' });
      expect(form.json()).toMatchObject({ state: 'up' });
      row = await db.kysely.selectFrom('checks').selectAll().where('id', '=', r.id).executeTakeFirstOrThrow();
      expect(row.last_message).toBe('backup OK 12 GB');

      await new Promise((res) => setTimeout(res, 2));
      const text = await anon.request('POST', `${path}?status=degraded`, 'slow: 3 h', { 'content-type': 'text/plain' });
      expect(text.json()).toMatchObject({ state: 'degraded' });
      await new Promise((res) => setTimeout(res, 2));
      const empty = await anon.request('POST', path);
      expect([empty.statusCode, empty.body]).toEqual([200, expect.any(String)]);
      await new Promise((res) => setTimeout(res, 2));
      expect((await anon.get(`${path}?status=down&msg=disk%20full`)).json()).toMatchObject({ state: 'down' });

      const results = await db.kysely.selectFrom('check_results').select(['status', 'message']).where('check_no', '=', row.no).orderBy('at').execute();
      expect(results.map((x) => x.status)).toEqual([0, 2, 0, 1, 0, 2]);
      expect(results.at(-1)!.message).toBe('disk full');
      const periods = (await userA.get(`/api/v1/clients/${A}/checks/${r.id}/periods`)).json().items;
      expect(periods.map((p: { state: string }) => p.state)).toEqual(['unknown', 'up', 'down', 'up', 'degraded', 'up', 'down']);

      const unknown = await anon.get('/api/v1/heartbeat/hb_doesnotexist_0000000000000000000000000000');
      expect(unknown.statusCode).toBe(404);
      expect(unknown.json().error.id).toBe('unknown_heartbeat');
      expect((await anon.post(path, { status: 'exploded' })).statusCode).toBe(400);
      // A session changes nothing: the token is the credential, and another check's id is not one.
      expect((await refB.get(`/api/v1/heartbeat/${r.id}`)).json().error.id).toBe('unknown_heartbeat');
    });

    it('is rate-limited per token (60 a minute)', async () => {
      const r = (await engineerA.post(`/api/v1/clients/${A}/checks`, { name: 'Cron', type: 'heartbeat', interval_s: 3600, timeout_ms: 1000 })).json();
      const path = new URL(r.heartbeat_url).pathname;
      const anon = new Session(app);
      const codes: number[] = [];
      for (let i = 0; i < 61; i++) codes.push((await anon.get(path)).statusCode);
      expect(codes.slice(0, 60).every((c) => c === 200)).toBe(true);
      expect(codes[60]).toBe(429);
      // Another token is not affected.
      expect((await anon.get('/api/v1/heartbeat/hb_another_token_000000000000000000000000')).statusCode).toBe(404);
    });
  });

  describe('maintenance windows', () => {
    it('create (provider staff and the technical referent), list, read, change, occurrences, delete', async () => {
      const c = (await engineerA.post(`/api/v1/clients/${A}/checks`, { name: 'NAS', type: 'tcp', settings: { host: '192.0.2.9', port: 445 }, asset_id: assetA.id })).json();
      const weekly = { kind: 'weekly', days: [7, 3], start: '02:00', duration_minutes: 240 };
      const created = await refA.post(`/api/v1/clients/${A}/maintenance-windows`, { title: 'Mises à jour', target_type: 'asset', target_id: assetA.id, schedule: weekly });
      expect(created.statusCode).toBe(201);
      const win = created.json();
      expect(win).toMatchObject({
        client_id: A, title: 'Mises à jour', target_type: 'asset', target_id: assetA.id, target_name: 'fw-siege', time_zone: 'Europe/Paris',
        schedule: { kind: 'weekly', days: [3, 7], start: '02:00', duration_minutes: 240, until: null }, active_now: expect.any(Boolean),
      });
      expect(win.next_occurrence.end - win.next_occurrence.start).toBeGreaterThanOrEqual(3 * HOUR);
      const tech = await engineerA.post(`/api/v1/clients/${A}/maintenance-windows`, {
        title: 'Remplacement disque', target_type: 'check', target_id: c.id, time_zone: 'UTC', schedule: { kind: 'once', start: Date.UTC(2030, 0, 1, 8), end: Date.UTC(2030, 0, 1, 10) },
      });
      expect(tech.statusCode).toBe(201);
      const monthly = await admin.post(`/api/v1/clients/${A}/maintenance-windows`, {
        title: 'Redémarrage', target_type: 'site', target_id: assetA.site_id, schedule: { kind: 'monthly', nth: -1, weekday: 6, start: '23:30', duration_minutes: 60, until: Date.UTC(2031, 0, 1) },
      });
      expect(monthly.json().schedule).toEqual({ kind: 'monthly', day: null, nth: -1, weekday: 6, start: '23:30', duration_minutes: 60, until: Date.UTC(2031, 0, 1) });

      const list = (await userA.get(`/api/v1/clients/${A}/maintenance-windows`)).json().items;
      expect(list.map((x: { title: string }) => x.title)).toEqual(['Mises à jour', 'Redémarrage', 'Remplacement disque']);
      // The windows that apply to the check: on it, on its asset, on its asset's site.
      expect((await auditorA.get(`/api/v1/clients/${A}/maintenance-windows?check_id=${c.id}`)).json().items).toHaveLength(3);
      expect((await auditorA.get(`/api/v1/clients/${A}/maintenance-windows?target_id=${c.id}`)).json().items).toHaveLength(1);

      const occ = await userA.get(`/api/v1/clients/${A}/maintenance-windows/${tech.json().id}/occurrences?from=${Date.UTC(2029, 11, 1)}&to=${Date.UTC(2030, 1, 1)}`);
      expect(occ.json().items).toEqual([{ start: Date.UTC(2030, 0, 1, 8), end: Date.UTC(2030, 0, 1, 10) }]);
      // Weekly in Paris: Wednesday and Sunday 02:00–06:00 local, i.e. 00:00–04:00 UTC in summer.
      const wk = (await userA.get(`/api/v1/clients/${A}/maintenance-windows/${win.id}/occurrences?from=${Date.UTC(2026, 6, 1)}&to=${Date.UTC(2026, 6, 8)}`)).json().items;
      expect(wk).toEqual([
        { start: Date.UTC(2026, 6, 1, 0), end: Date.UTC(2026, 6, 1, 4) },
        { start: Date.UTC(2026, 6, 5, 0), end: Date.UTC(2026, 6, 5, 4) },
      ]);
      const dflt = (await userA.get(`/api/v1/clients/${A}/maintenance-windows/${win.id}/occurrences`)).json();
      expect(dflt.to - dflt.from).toBe(30 * DAY);
      expect(dflt.items.length).toBeGreaterThanOrEqual(8);

      const patched = await refA.patch(`/api/v1/clients/${A}/maintenance-windows/${win.id}`, { title: 'Patchs', schedule: { kind: 'weekly', days: [6], start: '22:00', duration_minutes: 120 } });
      expect(patched.statusCode).toBe(200);
      expect(patched.json()).toMatchObject({ title: 'Patchs', schedule: { days: [6], start: '22:00' }, target_id: assetA.id });
      expect((await userA.get(`/api/v1/clients/${A}/maintenance-windows/${win.id}`)).json().title).toBe('Patchs');

      expect((await refA.delete(`/api/v1/clients/${A}/maintenance-windows/${win.id}`)).json()).toEqual({ ok: true });
      expect((await userA.get(`/api/v1/clients/${A}/maintenance-windows/${win.id}`)).statusCode).toBe(404);
      const actions = await getDb().kysely.selectFrom('journal').select('action').where('object_id', '=', win.id).orderBy('seq').execute();
      expect(actions.map((a) => a.action)).toEqual(['maintenance.create', 'maintenance.update', 'maintenance.delete']);
    });

    it('refuses invalid schedules, zones, targets and callers, changing nothing', async () => {
      const db = getDb();
      const ok = (await refA.post(`/api/v1/clients/${A}/maintenance-windows`, { title: 'ok', target_type: 'asset', target_id: assetA.id, schedule: { kind: 'once', start: 1000, end: 2000 } })).json();
      const bWin = (await refB.post(`/api/v1/clients/${B}/maintenance-windows`, { title: 'B', target_type: 'asset', target_id: assetB.id, schedule: { kind: 'once', start: 1000, end: 2000 } })).json();
      const before = await footprint(db, A);
      const beforeB = await footprint(db, B);
      const body = (schedule: unknown, extra: object = {}) => ({ title: 'w', target_type: 'asset', target_id: assetA.id, schedule, ...extra });
      const weekly = { kind: 'weekly', days: [1], start: '02:00', duration_minutes: 60 };
      const base = `/api/v1/clients/${A}/maintenance-windows`;
      const cases: [Session, 'POST' | 'PATCH' | 'DELETE' | 'GET', string, unknown, number, string][] = [
        [refA, 'POST', base, body({ kind: 'once', start: 2000, end: 1000 }), 400, 'invalid_schedule'],
        [refA, 'POST', base, body({ ...weekly, start: '25:00' }), 400, 'invalid_schedule'],
        [refA, 'POST', base, body(weekly, { time_zone: 'Mars/Olympus' }), 400, 'invalid_schedule'],
        [refA, 'POST', base, body({ ...weekly, duration_minutes: 8 * 24 * 60 }), 400, 'invalid_schedule'],
        [refA, 'POST', base, body({ ...weekly, days: [1, 2], duration_minutes: 25 * 60 }), 400, 'invalid_schedule'],
        [refA, 'POST', base, body({ kind: 'monthly', start: '01:00', duration_minutes: 60 }), 400, 'invalid_schedule'],
        [refA, 'POST', base, body({ kind: 'monthly', day: 3, nth: 1, weekday: 1, start: '01:00', duration_minutes: 60 }), 400, 'invalid_schedule'],
        [refA, 'POST', base, body({ kind: 'monthly', nth: 2, start: '01:00', duration_minutes: 60 }), 400, 'invalid_schedule'],
        [refA, 'POST', base, body({ ...weekly, days: [] }), 400, 'validation_failed'],
        [refA, 'POST', base, body({ kind: 'yearly' }), 400, 'validation_failed'],
        [refA, 'POST', base, { ...body(weekly), target_id: assetB.id }, 400, 'unknown_target'],
        [refA, 'POST', base, { ...body(weekly), target_type: 'site', target_id: assetA.id }, 400, 'unknown_target'],
        [refA, 'POST', base, { ...body(weekly), target_type: 'check', target_id: checkB }, 400, 'unknown_target'],
        [refA, 'PATCH', `${base}/${ok.id}`, { target_id: assetB.id }, 400, 'unknown_target'],
        [refA, 'PATCH', `${base}/${ok.id}`, { time_zone: 'Nowhere/Land' }, 400, 'invalid_schedule'],
        [userA, 'POST', base, body(weekly), 403, 'forbidden'],
        [auditorA, 'PATCH', `${base}/${ok.id}`, { title: 'x' }, 403, 'forbidden'],
        [userA, 'DELETE', `${base}/${ok.id}`, undefined, 403, 'forbidden'],
        [refA, 'GET', `${base}/${bWin.id}`, undefined, 404, 'not_found'],
        [refA, 'PATCH', `${base}/${bWin.id}`, { title: 'x' }, 404, 'not_found'],
        [refA, 'DELETE', `${base}/${bWin.id}`, undefined, 404, 'not_found'],
        [refA, 'GET', `${base}/${bWin.id}/occurrences`, undefined, 404, 'not_found'],
        [refA, 'GET', `${base}/${ok.id}/occurrences?from=0&to=${500 * DAY}`, undefined, 400, 'invalid_range'],
        [refA, 'GET', `/api/v1/clients/${B}/maintenance-windows`, undefined, 404, 'not_found'],
      ];
      for (const [s, method, url, b, status, id] of cases) {
        const r = await s.request(method, url, b);
        expect([method, url, JSON.stringify(b), r.statusCode, r.json().error?.id]).toEqual([method, url, JSON.stringify(b), status, id]);
      }
      const tz = await refA.post(base, body(weekly, { time_zone: 'Mars/Olympus' }));
      expect(tz.json().error.details).toEqual([{ path: 'schedule', message: 'unknown time zone Mars/Olympus' }]);
      expect(await footprint(db, A)).toEqual(before);
      expect(await footprint(db, B)).toEqual(beforeB);
    });
  });

  describe('history: periods, availability, results', () => {
    it('reads exact periods and availability, and results raw or rolled up by range', async () => {
      const db = getDb();
      const c = (await engineerA.post(`/api/v1/clients/${A}/checks`, { name: 'Site web', type: 'tcp', settings: { host: '192.0.2.5', port: 80 } })).json();
      // Known history, written as the ingestion writes it: 1 h up, 10 min down, 20 min maintenance, 30 min up, then unknown.
      const t0 = Math.floor(Date.now() / HOUR) * HOUR - 5 * HOUR;
      await db.kysely.deleteFrom('state_periods').where('check_id', '=', c.id).execute();
      const spans: [string, number, number | null, string][] = [
        ['up', t0, t0 + HOUR, 'probe'], ['down', t0 + HOUR, t0 + HOUR + 10 * MIN, 'probe: connection refused'],
        ['maintenance', t0 + HOUR + 10 * MIN, t0 + HOUR + 30 * MIN, 'maintenance_start'], ['up', t0 + HOUR + 30 * MIN, t0 + 2 * HOUR, 'maintenance_end'],
        ['unknown', t0 + 2 * HOUR, null, 'no_data'],
      ];
      for (const [state, from, to, cause] of spans) await db.kysely.insertInto('state_periods').values({ id: newId(), client_id: A, check_id: c.id, state, from_at: from, to_at: to, cause }).execute();

      const periods = (await userA.get(`/api/v1/clients/${A}/checks/${c.id}/periods?from=${t0 + 30 * MIN}&to=${t0 + HOUR + 15 * MIN}`)).json();
      expect(periods.items).toEqual([
        { state: 'up', from: t0, to: t0 + HOUR, cause: 'probe' },
        { state: 'down', from: t0 + HOUR, to: t0 + HOUR + 10 * MIN, cause: 'probe: connection refused' },
        { state: 'maintenance', from: t0 + HOUR + 10 * MIN, to: t0 + HOUR + 30 * MIN, cause: 'maintenance_start' },
      ]);
      const av = (await userA.get(`/api/v1/clients/${A}/checks/${c.id}/availability?from=${t0}&to=${t0 + 3 * HOUR}`)).json();
      expect(av).toEqual({
        from: t0, to: t0 + 3 * HOUR, availability: (90 * MIN) / (100 * MIN), up_ms: 90 * MIN, degraded_ms: 0, down_ms: 10 * MIN, unknown_ms: HOUR, maintenance_ms: 20 * MIN,
      });
      const none = (await userA.get(`/api/v1/clients/${A}/checks/${c.id}/availability?from=${t0 - 2 * HOUR}&to=${t0 - HOUR}`)).json();
      expect(none).toMatchObject({ availability: null, up_ms: 0, unknown_ms: 0 });
      // Default range: the last 24 hours.
      const dflt = (await userA.get(`/api/v1/clients/${A}/checks/${c.id}/availability`)).json();
      expect(dflt.to - dflt.from).toBe(DAY);
      expect(dflt.up_ms).toBe(90 * MIN);

      // The client's availability: every check, one call (the monthly report's source).
      const all = (await auditorA.get(`/api/v1/clients/${A}/availability?from=${t0}&to=${t0 + 3 * HOUR}`)).json();
      const mine = all.items.find((i: { check_id: string }) => i.check_id === c.id);
      expect(mine).toMatchObject({ name: 'Site web', type: 'tcp', availability: 0.9, down_ms: 10 * MIN, maintenance_ms: 20 * MIN });
      expect(all.items.every((i: { check_id: string }) => i.check_id !== checkB)).toBe(true);
      expect(all.items.filter((i: { availability: number | null }) => i.availability === null).length).toBeGreaterThan(0);

      // Results: one every 30 s for 2 h, latency 10 ms, 20 ms every fourth; then rolled up.
      const no = (await db.kysely.selectFrom('checks').select('no').where('id', '=', c.id).executeTakeFirstOrThrow()).no;
      const rows = Array.from({ length: 240 }, (_, i) => ({ checkNo: no, at: t0 + i * 30_000, status: (i === 130 ? 2 : 0) as 0 | 2, latencyUs: i % 4 === 3 ? 20_000 : 10_000, message: null }));
      await resultStore(db).insertBatch(rows);
      await setJobState(db.kysely, 'rollup.minute_watermark', String(t0));
      await runRollups(db);

      const raw = (await userA.get(`/api/v1/clients/${A}/checks/${c.id}/results?from=${t0}&to=${t0 + HOUR}`)).json();
      expect(raw.resolution).toBe('raw');
      expect(raw.points).toHaveLength(120);
      expect(raw.points[3]).toEqual({ at: t0 + 90_000, status: 'up', latency_ms: 20, message: null });

      const day = (await userA.get(`/api/v1/clients/${A}/checks/${c.id}/results?from=${t0 - 10 * HOUR}&to=${t0 + 14 * HOUR}`)).json();
      expect(day.resolution).toBe('minute');
      expect(day.points).toHaveLength(120);
      expect(day.points[0]).toEqual({ at: t0, count: 2, up: 2, degraded: 0, down: 0, mean_ms: 10, p95_ms: 10, max_ms: 10 });
      expect(day.points[1]).toMatchObject({ at: t0 + MIN, count: 2, mean_ms: 15, max_ms: 20 });
      expect(day.points[65]).toMatchObject({ count: 2, up: 1, down: 1 });

      const week = (await userA.get(`/api/v1/clients/${A}/checks/${c.id}/results?from=${t0 - 6 * DAY}&to=${t0 + DAY}`)).json();
      expect(week.resolution).toBe('hour');
      expect(week.points.map((p: { at: number; count: number; down: number }) => [p.at - t0, p.count, p.down])).toEqual([[0, 120, 0], [HOUR, 120, 1]]);
      expect(week.points[0].p95_ms).toBeGreaterThan(17);
      expect(week.points[0].p95_ms).toBeLessThan(23);

      const dflt2 = (await userA.get(`/api/v1/clients/${A}/checks/${c.id}/results`)).json();
      expect(dflt2.to - dflt2.from).toBe(DAY);
      expect(dflt2.resolution).toBe('minute');
    });
  });

  describe('live board', () => {
    it('shows each check with its effective state: a child behind a down parent is unreachable', async () => {
      const db = getDb();
      const mk = async (name: string, parent?: string) =>
        (await engineerA.post(`/api/v1/clients/${A}/checks`, { name: `board ${name}`, type: 'icmp', settings: { host: '192.0.2.40' }, retries: 0, asset_id: assetA.id, parent_check_id: parent ?? null })).json();
      const fw = await mk('firewall');
      const srv = await mk('server', fw.id);
      const web = await mk('web', fw.id);
      const nas = await mk('nas');
      const mnt = await mk('maintained');
      const now = Date.now();
      await applyResults(db, [
        { checkId: fw.id, at: now, status: 'down', latencyMs: null, message: 'timeout' },
        { checkId: srv.id, at: now, status: 'down', latencyMs: null, message: 'timeout' },
        { checkId: web.id, at: now, status: 'up', latencyMs: 3.5, message: 'ok' },
        { checkId: nas.id, at: now, status: 'degraded', latencyMs: 900, message: 'slow' },
      ]);
      await db.kysely.updateTable('checks').set({ state: 'maintenance' }).where('id', '=', mnt.id).execute();
      const board = (await userA.get(`/api/v1/clients/${A}/monitoring/board`)).json();
      const mineOnly = board.items.filter((i: { name: string }) => i.name.startsWith('board '));
      const by = Object.fromEntries(mineOnly.map((i: { name: string }) => [i.name, i]));
      expect(by['board firewall']).toMatchObject({ state: 'down', effective_state: 'down', asset_name: 'fw-siege', site_id: assetA.site_id, last_message: 'timeout' });
      expect(by['board server']).toMatchObject({ state: 'down', effective_state: 'unreachable', root_causes: [fw.id] });
      expect(by['board web']).toMatchObject({ state: 'up', effective_state: 'up', last_latency_ms: 3.5, last_result_at: now });
      expect(by['board nas']).toMatchObject({ effective_state: 'degraded' });
      expect(by['board maintained']).toMatchObject({ effective_state: 'maintenance' });
      expect(Object.keys(by['board web']).sort()).toEqual([
        'asset_id', 'asset_name', 'check_id', 'effective_state', 'last_latency_ms', 'last_message', 'last_result_at', 'name', 'root_causes',
        'since', 'site_id', 'state', 'type',
      ].sort());
      // Counts are over every check of the client, by effective state.
      const expected = { up: 0, degraded: 0, down: 0, unknown: 0, maintenance: 0, unreachable: 0 } as Record<string, number>;
      for (const i of board.items) expected[i.effective_state]!++;
      expect(board.counts).toEqual(expected);
      expect(board.counts.unreachable).toBeGreaterThanOrEqual(1);
      expect(board.items.some((i: { check_id: string }) => i.check_id === checkB)).toBe(false);
      expect((await refB.get(`/api/v1/clients/${A}/monitoring/board`)).statusCode).toBe(404);
    });

    it('a check on an asset that depends on a down asset is unreachable, its root causes the down checks of that asset', async () => {
      const db = getDb();
      const mkAsset = async (name: string) => (await refA.post(`/api/v1/clients/${A}/assets`, { name, type: 'server', site_id: assetA.site_id })).json();
      const sw = await mkAsset('board-switch');
      const srv = await mkAsset('board-srv');
      const rel = await refA.post(`/api/v1/clients/${A}/assets/${srv.id}/relations`, { to_asset_id: sw.id, kind: 'depends_on' });
      expect(rel.statusCode).toBe(201);
      const mk = async (name: string, assetId: string) =>
        (await engineerA.post(`/api/v1/clients/${A}/checks`, { name: `topo ${name}`, type: 'icmp', settings: { host: '192.0.2.41' }, retries: 0, asset_id: assetId })).json();
      const swPing = await mk('switch ping', sw.id);
      const swSnmp = await mk('switch snmp', sw.id);
      const srvHttp = await mk('server http', srv.id);
      const srvSilent = await mk('server never run', srv.id);
      const board = async () => {
        const b = (await userA.get(`/api/v1/clients/${A}/monitoring/board`)).json();
        return Object.fromEntries(b.items.filter((i: { name: string }) => i.name.startsWith('topo ')).map((i: { name: string }) => [i.name, i]));
      };
      const now = Date.now();
      // One of the switch's checks still answers: nothing behind it is blamed on it.
      await applyResults(db, [
        { checkId: swPing.id, at: now, status: 'down', latencyMs: null, message: 'timeout' },
        { checkId: swSnmp.id, at: now, status: 'up', latencyMs: 2, message: 'ok' },
        { checkId: srvHttp.id, at: now, status: 'down', latencyMs: null, message: 'timeout' },
      ]);
      expect((await board())['topo server http']).toMatchObject({ effective_state: 'down', root_causes: [] });
      await applyResults(db, [{ checkId: swSnmp.id, at: now + 1000, status: 'down', latencyMs: null, message: 'timeout' }]);
      const by = await board();
      expect(by['topo server http']).toMatchObject({ state: 'down', effective_state: 'unreachable', root_causes: [swPing.id, swSnmp.id].sort() });
      expect(by['topo server never run']).toMatchObject({ state: 'unknown', effective_state: 'unreachable' });
      expect(by['topo switch ping']).toMatchObject({ effective_state: 'down', root_causes: [] });
    });
  });
});
