import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256 } from '../../core/crypto.ts';
import type { App } from '../../app/server.ts';
import { describeEachDatabase } from '../../../test/support/databases.ts';
import { assignStaff, login, makeStaff, testServer, twoClients, type Session } from '../../../test/support/world.ts';
import { SYSTEM_CONTEXT } from '../journal/service.ts';
import { CollectorAgent } from './collector/agent.ts';
import { recordContact } from './collector-service.ts';
import { collectorDataOnTheWay, sweepSilentChecks } from './ingest.ts';
import { CheckCreateBody } from './schema.ts';
import { createCheck, periodsOf } from './service.ts';
import { DEFAULT_MACHINE_CONFIG } from './state-machine.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

describe('collectorDataOnTheWay', () => {
  const cfg = { ...DEFAULT_MACHINE_CONFIG, intervalMs: 10_000, graceMs: 30_000 };
  const listening = 1_000_000;
  it('waits for a collector this server has not listened to long enough to blame', () => {
    expect(collectorDataOnTheWay(null, null, listening + 49_999, listening, cfg)).toBe(true);
    expect(collectorDataOnTheWay(listening - 500_000, 0, listening + 50_000, listening, cfg)).toBe(false);
  });
  it('waits while a collector in contact still delivers a backlog, not when its buffer is empty', () => {
    expect(collectorDataOnTheWay(listening + 100_000, 12, listening + 120_000, listening, cfg)).toBe(true);
    expect(collectorDataOnTheWay(listening + 100_000, 0, listening + 120_000, listening, cfg)).toBe(false);
    // In contact long ago: silent, whatever it said then.
    expect(collectorDataOnTheWay(listening + 100_000, 12, listening + 200_000, listening, cfg)).toBe(false);
  });
});

describeEachDatabase('site collectors', (getDb) => {
  let app: App;
  let w: Awaited<ReturnType<typeof twoClients>>;
  let admin: Session;
  let engineer: Session;
  let technician: Session;
  let userA: Session;
  let tcp: Server;
  let port: number;

  beforeAll(async () => {
    const db = getDb();
    app = await testServer(db);
    w = await twoClients(db);
    admin = await login(app, w.admin);
    engineer = await login(app, w.engineerA);
    const tech = await makeStaff(db, ['technician']);
    await assignStaff(db, w.a.client.id, tech, 'technician');
    technician = await login(app, tech);
    userA = await login(app, w.a.user);
    tcp = createServer((s) => s.end());
    await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', r));
    port = (tcp.address() as { port: number }).port;
  });
  afterAll(async () => {
    await app?.close();
    await new Promise<void>((r) => tcp?.close(() => r()));
  });

  const base = () => `/api/v1/clients/${w.a.client.id}/collectors`;
  const proto = (token: string | null, method: 'GET' | 'POST', url: string, payload?: unknown, headers: Record<string, string> = {}) =>
    app.inject({ method, url, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers }, ...(payload === undefined ? {} : { payload: payload as object }) });

  async function newCollector(name = `Collecteur ${Math.random().toString(36).slice(2, 8)}`) {
    const r = await engineer.post(base(), { name });
    expect(r.statusCode, r.body).toBe(201);
    return r.json() as { id: string; token: string };
  }
  async function tcpCheck(clientId: string, collectorId: string | null, extra: Record<string, unknown> = {}) {
    const input = CheckCreateBody.parse({ name: 'Switch cœur', type: 'tcp', settings: { host: '127.0.0.1', port }, interval_s: 10, timeout_ms: 2000, collector_id: collectorId, ...extra });
    return (await createCheck(getDb(), SYSTEM_CONTEXT, clientId, input)).check;
  }

  it('creates a collector with a token shown once (only its SHA-256 kept), lists and reads it; admin and engineer manage, others read', async () => {
    const db = getDb();
    const r = await engineer.post(base(), { name: 'Collecteur siège' });
    expect(r.statusCode).toBe(201);
    const c = r.json();
    expect(c.token).toMatch(/^vcol_/);
    expect(c).toMatchObject({ name: 'Collecteur siège', status: 'active', last_contact_at: null, checks: 0, client_id: w.a.client.id });
    const row = await db.kysely.selectFrom('collectors').selectAll().where('id', '=', c.id).executeTakeFirstOrThrow();
    expect(row.token_hash).toBe(sha256(c.token));
    const one = await userA.get(`${base()}/${c.id}`);
    expect(one.statusCode).toBe(200);
    expect(one.body).not.toContain(c.token);
    expect(one.body).not.toContain(row.token_hash);
    expect((await userA.get(base())).json().items.map((x: { id: string }) => x.id)).toContain(c.id);
    const journal = await db.kysely.selectFrom('journal').selectAll().where('object_id', '=', c.id).execute();
    expect(journal.map((j) => j.action)).toEqual(['collector.create']);
    expect(journal[0]!.after).not.toContain(c.token);

    expect((await technician.post(base(), { name: 'x' })).statusCode).toBe(403);
    expect((await userA.post(base(), { name: 'x' })).statusCode).toBe(403);
    expect((await userA.delete(`${base()}/${c.id}`)).statusCode).toBe(403);
    expect((await admin.post(base(), { name: 'par admin' })).statusCode).toBe(201);
    // Bad input: 400 with a stable id, nothing created.
    expect((await engineer.post(base(), { name: '' })).json().error.id).toBe('validation_failed');
    const bogusSite = await engineer.post(base(), { name: 'x', site_id: '01900000-0000-7000-8000-000000000000' });
    expect([bogusSite.statusCode, bogusSite.json().error.id]).toEqual([400, 'unknown_site']);
  });

  it('serves a collector its enabled checks with an ETag (304 when unchanged), and records its contact and version', async () => {
    const db = getDb();
    const c = await newCollector();
    const mine = await tcpCheck(w.a.client.id, c.id);
    await tcpCheck(w.a.client.id, c.id, { enabled: false, name: 'désactivé' });
    await tcpCheck(w.a.client.id, null, { name: 'du serveur' });
    expect((await proto(null, 'GET', '/api/v1/collector/checks')).statusCode).toBe(401);
    const bad = await proto('vcol_nope', 'GET', '/api/v1/collector/checks');
    expect([bad.statusCode, bad.json().error.id]).toEqual([401, 'collector_unauthenticated']);

    const r = await proto(c.token, 'GET', '/api/v1/collector/checks', undefined, { 'x-vigie-collector-version': '9.9.9', 'x-vigie-backlog': '42' });
    expect(r.statusCode).toBe(200);
    const body = r.json();
    expect(body.checks).toEqual([{ id: mine.id, type: 'tcp', settings: expect.objectContaining({ host: '127.0.0.1', port }), interval_s: 10, timeout_ms: 2000 }]);
    expect(r.headers.etag).toBe(`"${body.version}"`);
    expect(r.headers['x-vigie-last-seq']).toBe('0');
    const again = await proto(c.token, 'GET', '/api/v1/collector/checks', undefined, { 'if-none-match': r.headers.etag as string });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
    const shown = (await userA.get(`${base()}/${c.id}`)).json();
    expect(shown).toMatchObject({ version: '9.9.9', backlog: 42, checks: 2 });
    expect(shown.last_contact_at).toBeGreaterThan(Date.now() - 10_000);
    // A change of its checks changes the version.
    await tcpCheck(w.a.client.id, c.id, { name: 'nouveau' });
    expect((await proto(c.token, 'GET', '/api/v1/collector/checks', undefined, { 'if-none-match': r.headers.etag as string })).statusCode).toBe(200);
    void db;
  });

  it('applies a numbered batch once, refuses results for checks that are not its own, and validates the payload', async () => {
    const db = getDb();
    const c = await newCollector();
    const other = await newCollector();
    const mine = await tcpCheck(w.a.client.id, c.id);
    const otherCollectors = await tcpCheck(w.a.client.id, other.id);
    const serverRun = await tcpCheck(w.a.client.id, null);
    const ofB = await tcpCheck(w.b.client.id, null);
    const t0 = Date.now() - 60_000;
    const res = (checkId: string, i: number) => ({ check_id: checkId, at: t0 + i * 10_000, status: 'up', latency_ms: 1.25, message: 'TCP open' });
    const batch = { seq: 1, results: [res(mine.id, 0), res(mine.id, 1), res(otherCollectors.id, 0), res(serverRun.id, 0), res(ofB.id, 0)] };
    const r1 = await proto(c.token, 'POST', '/api/v1/collector/results', batch);
    expect(r1.statusCode, r1.body).toBe(200);
    expect(r1.json()).toEqual({ ok: true, applied: true, stored: 2, refused: 3 });
    expect(r1.headers['x-vigie-last-seq']).toBe('1');
    const r2 = await proto(c.token, 'POST', '/api/v1/collector/results', batch);
    expect(r2.json()).toEqual({ ok: true, applied: false, stored: 0, refused: 0 });
    const count = async (no: number) => Number((await db.kysely.selectFrom('check_results').select((e) => e.fn.countAll().as('n')).where('check_no', '=', no).executeTakeFirstOrThrow()).n);
    expect(await count(mine.no)).toBe(2);
    for (const x of [otherCollectors, serverRun, ofB]) {
      expect(await count(x.no)).toBe(0);
      expect((await db.kysely.selectFrom('checks').select('last_result_at').where('id', '=', x.id).executeTakeFirstOrThrow()).last_result_at).toBeNull();
    }
    const row = await db.kysely.selectFrom('checks').selectAll().where('id', '=', mine.id).executeTakeFirstOrThrow();
    expect([row.state, Number(row.last_result_at)]).toEqual(['up', t0 + 10_000]);
    expect((await userA.get(`${base()}/${c.id}`)).json().last_seq).toBe(1);

    // A result dated well in the future (a clock gone wrong) is refused, the others go in.
    const r3 = await proto(c.token, 'POST', '/api/v1/collector/results', { seq: 2, results: [res(mine.id, 2), { ...res(mine.id, 3), at: Date.now() + 3_600_000 }] });
    expect(r3.json()).toEqual({ ok: true, applied: true, stored: 1, refused: 1 });

    // Bad payloads: 4xx with stable ids, nothing written.
    const bad = async (payload: unknown) => {
      const r = await proto(c.token, 'POST', '/api/v1/collector/results', payload);
      return [r.statusCode, r.json().error.id];
    };
    expect(await bad({ seq: 0, results: [] })).toEqual([400, 'validation_failed']);
    expect(await bad({ seq: 3, results: [{ ...res(mine.id, 4), status: 'fine' }] })).toEqual([400, 'validation_failed']);
    expect(await bad({ seq: 3, results: Array.from({ length: 5001 }, (_, i) => res(mine.id, 10 + i)) })).toEqual([400, 'validation_failed']);
    const tooBig = await app.inject({ method: 'POST', url: '/api/v1/collector/results', headers: { authorization: `Bearer ${c.token}`, 'content-type': 'application/json' }, payload: `{"seq":3,"results":[],"pad":"${'x'.repeat(9 * 1024 * 1024)}"}` });
    expect(tooBig.statusCode).toBe(413);
    expect(tooBig.json().error.id).toBeTypeOf('string');
    const unauth = await proto(null, 'POST', '/api/v1/collector/results', { seq: 3, results: [] });
    expect([unauth.statusCode, unauth.json().error.id]).toEqual([401, 'collector_unauthenticated']);
    // An API token of the client is not a collector token.
    expect(await count(mine.no)).toBe(3);
  });

  it('a revoked collector is refused at once; its checks turn unknown, not down, once it has nothing more to send', async () => {
    const db = getDb();
    const c = await newCollector();
    const check = await tcpCheck(w.a.client.id, c.id);
    const t0 = Date.now();
    const results = Array.from({ length: 3 }, (_, i) => ({ check_id: check.id, at: t0 + i * 10_000, status: 'up', latency_ms: 1, message: 'ok' }));
    expect((await proto(c.token, 'POST', '/api/v1/collector/results', { seq: 1, results }, { 'x-vigie-backlog': '0' })).statusCode).toBe(200);
    const del = await engineer.delete(`${base()}/${c.id}`);
    expect(del.statusCode).toBe(200);
    expect(del.json()).toMatchObject({ status: 'revoked' });
    expect((await engineer.delete(`${base()}/${c.id}`)).statusCode).toBe(200);
    expect((await proto(c.token, 'GET', '/api/v1/collector/checks')).statusCode).toBe(401);
    expect((await proto(c.token, 'POST', '/api/v1/collector/results', { seq: 2, results: [] })).statusCode).toBe(401);
    // In contact a moment ago, but with an empty buffer: nothing is on its way, the check is silent.
    await recordContact(db, c.id, { backlog: 0 }, t0 + 70_000);
    const tr = await sweepSilentChecks(db, t0 + 71_000);
    expect(tr.filter((t) => t.checkId === check.id).map((t) => [t.to, t.at - t0])).toEqual([['unknown', 30_000]]);
    const periods = await periodsOf(db, w.a.client.id, check.id, 0, t0 + 100_000);
    expect(periods.map((p) => p.state)).toEqual(['unknown', 'up', 'unknown']);
  });

  it('a collector still delivering its backlog keeps its checks as they are; once silent they turn unknown', async () => {
    const db = getDb();
    const c = await newCollector();
    const check = await tcpCheck(w.a.client.id, c.id);
    const t0 = Date.now();
    await proto(c.token, 'POST', '/api/v1/collector/results', { seq: 1, results: [{ check_id: check.id, at: t0, status: 'up', latency_ms: 1, message: 'ok' }] });
    await recordContact(db, c.id, { backlog: 5000 }, t0 + 60_000);
    expect((await sweepSilentChecks(db, t0 + 61_000)).filter((t) => t.checkId === check.id)).toEqual([]);
    // Two intervals and the grace after its last call without a word from it: unknown, not down.
    expect((await sweepSilentChecks(db, t0 + 60_000 + 50_001)).filter((t) => t.checkId === check.id).map((t) => t.to)).toEqual(['unknown']);
    const row = await db.kysely.selectFrom('checks').select('state').where('id', '=', check.id).executeTakeFirstOrThrow();
    expect(row.state).toBe('unknown');
  });

  it('a real collector agent pulls its checks, runs them, buffers and pushes numbered batches', async () => {
    const db = getDb();
    const c = await newCollector();
    const checks = await Promise.all([0, 1, 2].map(() => tcpCheck(w.a.client.id, c.id)));
    await app.listen({ port: 0, host: '127.0.0.1' });
    const addr = app.server.address() as { port: number };
    const dir = mkdtempSync(join(tmpdir(), 'vigie-collector-'));
    const agent = new CollectorAgent({ server: `http://127.0.0.1:${addr.port}`, token: c.token, dataDir: dir, version: 'test', pushEveryMs: 200, log: () => {} });
    try {
      await agent.start();
      await expect.poll(() => agent.scheduler.size, { timeout: 5000 }).toBe(3);
      await expect
        .poll(async () => Number((await db.kysely.selectFrom('check_results').select((e) => e.fn.countAll().as('n')).where('check_no', 'in', checks.map((k) => k.no)).executeTakeFirstOrThrow()).n), { timeout: 15_000, interval: 250 })
        .toBe(3);
      await agent.stop();
      expect(agent.buffer.backlog).toBe(0);
      expect(agent.stats.batchesSent).toBeGreaterThan(0);
      const shown = (await userA.get(`${base()}/${c.id}`)).json();
      expect(shown).toMatchObject({ version: 'test', backlog: 0 });
      expect(shown.last_seq).toBeGreaterThan(0);
      for (const k of checks) expect((await db.kysely.selectFrom('checks').select('state').where('id', '=', k.id).executeTakeFirstOrThrow()).state).toBe('up');
    } finally {
      await agent.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
