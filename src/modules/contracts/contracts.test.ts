import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachDatabase } from '../../../test/support/databases.ts';
import { login, makeClient, makeClientUser, makeStaff, Session, testServer, twoClients } from '../../../test/support/world.ts';
import type { App } from '../../app/server.ts';
import { newId } from '../../core/ids.ts';
import type { Db } from '../../db/database.ts';
import { SYSTEM_CONTEXT } from '../journal/service.ts';
import { addMembership } from '../tenancy/service.ts';
import { ContractBody } from './schema.ts';
import { activeContractFor, calendarRulesProblem, createContract, getContract, localDate, previewContract } from './service.ts';

const H = 3_600_000;
const DAY = 24 * H;
/** A Paris wall-clock time in July (UTC+2) as epoch ms. */
const parisJuly = (day: number, hour: number, minute = 0) => Date.UTC(2026, 6, day, hour - 2, minute);

const WEEKDAY_HOURS = { mon: [['08:00', '18:00']], tue: [['08:00', '18:00']], wed: [['08:00', '18:00']], thu: [['08:00', '18:00']], fri: [['08:00', '18:00']] };
const business = { id: 'business', name: 'Heures ouvrées', time_zone: 'Europe/Paris', hours: WEEKDAY_HOURS, public_holidays: 'fr' };
const always = { id: 'always', name: '24/7', always: true };
const TARGETS = [
  { priority: 1, gti: { value: 30, unit: 'minutes', window: 'always' }, gtr: { value: 4, unit: 'hours', window: 'always' } },
  { priority: 3, gti: { value: 2, unit: 'hours', window: 'business' }, gtr: { value: 8, unit: 'hours', window: 'business' } },
  { priority: 4, gti: null, gtr: { value: 2, unit: 'business_days', window: 'business' }, clock_start: 'qualification' },
];
const body = (over: Record<string, unknown> = {}) => ({
  name: 'Infogérance 2026',
  reference: 'CT-2026-01',
  status: 'active',
  starts_on: '2026-01-01',
  service_level: 'Premium',
  monthly_fee_cents: 450_000,
  windows: [business, always],
  targets: TARGETS,
  ...over,
});

describe('contract rules and preview (pure)', () => {
  it('crosses the 14 July holiday: P3 8 business hours declared Monday 13 July 17:00 is due Wednesday 15 July 15:00', () => {
    const c = ContractBody.parse(body());
    expect(calendarRulesProblem(c)).toBeNull();
    const p = previewContract(c, parisJuly(13, 17));
    expect(p.items.map((i) => i.priority)).toEqual([1, 3, 4]);
    const [p1, p3, p4] = p.items;
    expect(p1!.gti).toEqual({ due_at: parisJuly(13, 17, 30), window: 'always', window_name: '24/7', open_now: true });
    expect(p1!.gtr!.due_at).toBe(parisJuly(13, 21));
    // Mon 17–18 = 1 h, Tue 14 July closed, Wed 08:00 + 1 h (GTI) / + 7 h (GTR).
    expect(p3!.gti).toEqual({ due_at: parisJuly(15, 9), window: 'business', window_name: 'Heures ouvrées', open_now: true });
    expect(p3!.gtr!.due_at).toBe(parisJuly(15, 15));
    // 2 business days: the open days after Monday are Wednesday and Thursday, same time of day.
    expect(p4).toEqual({ priority: 4, gti: null, gtr: { due_at: parisJuly(16, 17), window: 'business', window_name: 'Heures ouvrées', open_now: true } });
  });

  it('does the hand computation of Friday 10 July 17:00: P3 8 h due Monday 13 July 15:00; a window closed at the weekend says when it opens', () => {
    const c = ContractBody.parse(body());
    expect(previewContract(c, parisJuly(10, 17)).items[1]!.gtr!.due_at).toBe(parisJuly(13, 15));
    const sat = previewContract(c, parisJuly(11, 10));
    expect(sat.items[1]!.gti).toMatchObject({ due_at: parisJuly(13, 10), open_now: false });
    expect(sat.windows[0]).toMatchObject({ id: 'business', open_now: false, next_open_at: parisJuly(13, 8) });
    expect(sat.windows[1]).toEqual({ id: 'always', name: '24/7', open_now: true, next_open_at: parisJuly(11, 10), next_week: [[parisJuly(11, 10), parisJuly(11, 10) + 7 * DAY]] });
  });

  it('lists each window’s open intervals over the next 7 days', () => {
    const p = previewContract(ContractBody.parse(body()), parisJuly(13, 17));
    expect(p.windows[0]!.next_week).toEqual([
      [parisJuly(13, 17), parisJuly(13, 18)],
      [parisJuly(15, 8), parisJuly(15, 18)],
      [parisJuly(16, 8), parisJuly(16, 18)],
      [parisJuly(17, 8), parisJuly(17, 18)],
      [parisJuly(20, 8), parisJuly(20, 17)],
    ]);
  });

  it('gives no due time on a window that never opens', () => {
    const c = ContractBody.parse(body({ windows: [{ id: 'never', name: 'Jamais', hours: {} }], targets: [{ priority: 2, gti: null, gtr: { value: 1, unit: 'hours', window: 'never' } }] }));
    const p = previewContract(c, parisJuly(13, 17));
    expect(p.items[0]!.gtr).toEqual({ due_at: null, window: 'never', window_name: 'Jamais', open_now: false });
    expect(p.windows[0]).toMatchObject({ open_now: false, next_open_at: null, next_week: [] });
  });

  it('takes the Paris date of an instant', () => {
    expect(localDate(Date.UTC(2025, 11, 31, 23, 30))).toBe('2026-01-01');
    expect(localDate(Date.UTC(2025, 11, 31, 22, 30))).toBe('2025-12-31');
  });
});

describeEachDatabase('contracts API', (getDb) => {
  let db: Db;
  let app: App;
  let w: Awaited<ReturnType<typeof twoClients>>;
  let referent: Session;
  let steering: Session;
  let strategic: Session;
  let user: Session;
  let auditor: Session;
  let engineer: Session;
  let admin: Session;
  let technician: Session;
  let manager: Session;
  let refB: Session;
  let A: string;
  let B: string;
  let siteA: string;
  let assetA: string;
  let siteB: string;
  let assetB: string;

  beforeAll(async () => {
    db = getDb();
    app = await testServer(db);
    w = await twoClients(db);
    A = `/api/v1/clients/${w.a.client.id}`;
    B = `/api/v1/clients/${w.b.client.id}`;
    const tech = await makeStaff(db, ['technician']);
    await addMembership(db, SYSTEM_CONTEXT, w.a.client.id, tech.id, 'technician');
    const am = await makeStaff(db, ['account_manager']);
    await addMembership(db, SYSTEM_CONTEXT, w.a.client.id, am.id, 'account_manager');
    const steer = await makeClientUser(db, w.a.client.id, ['steering_referent']);
    const strat = await makeClientUser(db, w.a.client.id, ['strategic_referent']);
    [referent, steering, strategic, user, auditor, engineer, admin, technician, manager, refB] = await Promise.all(
      [w.a.referent, steer, strat, w.a.user, w.a.auditor, w.engineerA, w.admin, tech, am, w.b.referent].map((p) => login(app, p)),
    );
    siteA = (await admin.post(`${A}/sites`, { name: 'Siège' })).json().id;
    assetA = (await admin.post(`${A}/assets`, { name: 'srv-ad-01', type: 'server', site_id: siteA })).json().id;
    siteB = (await admin.post(`${B}/sites`, { name: 'Entrepôt' })).json().id;
    assetB = (await admin.post(`${B}/assets`, { name: 'srv-b-01', type: 'server' })).json().id;
    expect([siteA, assetA, siteB, assetB].every(Boolean)).toBe(true);
  });
  afterAll(async () => {
    await app?.close();
  });

  const journalOf = (action: string, clientId = w.a.client.id) =>
    db.kysely.selectFrom('journal').select(['action', 'object_id', 'before', 'after']).where('client_id', '=', clientId).where('action', '=', action).orderBy('seq').execute();
  /** Everything stored about contracts, and the journal's length: what a refusal must leave as it was. */
  const footprint = async () => ({
    contracts: JSON.stringify(await db.kysely.selectFrom('contracts').selectAll().orderBy('id').execute()),
    journal: Number((await db.kysely.selectFrom('journal').select((e) => e.fn.countAll().as('n')).executeTakeFirstOrThrow()).n),
  });

  it('creates, reads, changes and deletes contracts, journaling each change', async () => {
    const created = await manager.post(`${A}/contracts`, body({ scope: { all_assets: false, site_ids: [siteA, siteA], asset_ids: [assetA], services: ['Messagerie', 'ERP'] } }));
    expect(created.statusCode, created.body).toBe(201);
    const c = created.json();
    expect(c).toMatchObject({
      client_id: w.a.client.id, name: 'Infogérance 2026', reference: 'CT-2026-01', status: 'active', starts_on: '2026-01-01', ends_on: null, service_level: 'Premium',
      monthly_fee_cents: 450_000, currency: 'EUR', transition_until: null,
      scope: { all_assets: false, site_ids: [siteA], asset_ids: [assetA], services: ['Messagerie', 'ERP'] },
      penalties: { rate_per_hour_cents: 0, cap_pct: 10 },
      credits: { availability_target_pct: 99.5, tiers: [] },
      priority_matrix: [[1, 1, 2, 3], [1, 2, 3, 3], [2, 3, 3, 4], [3, 3, 4, 4]],
      settings: { satisfaction: { sample_pct: 100, delay_minutes: 60 }, oncall: { priorities: [1, 2], business_window: null, ack_minutes: 15, webhook_url: null }, recurring_threshold: 3 },
    });
    expect(c.windows[0]).toEqual({ id: 'business', name: 'Heures ouvrées', time_zone: 'Europe/Paris', always: false, hours: WEEKDAY_HOURS, public_holidays: 'fr', closed_days: [] });
    expect(c.targets.map((t: { priority: number; clock_start: string }) => [t.priority, t.clock_start])).toEqual([[1, 'declaration'], [3, 'declaration'], [4, 'qualification']]);
    expect(Object.keys(c).sort()).toEqual(
      ['client_id', 'created_at', 'credits', 'currency', 'ends_on', 'id', 'monthly_fee_cents', 'name', 'penalties', 'priority_matrix', 'reference', 'scope', 'service_level', 'settings', 'starts_on', 'status', 'targets', 'transition_until', 'updated_at', 'windows'].sort(),
    );

    const second = await admin.post(`${A}/contracts`, body({ name: 'Avenant hébergement', status: 'draft', starts_on: '2026-09-01', ends_on: '2027-08-31', targets: [] }));
    expect(second.statusCode).toBe(201);
    const list = await auditor.get(`${A}/contracts`);
    expect(list.statusCode).toBe(200);
    expect(list.json().items.map((x: { name: string }) => x.name)).toEqual(['Avenant hébergement', 'Infogérance 2026']);
    const one = await referent.get(`${A}/contracts/${c.id}`);
    expect(one.statusCode).toBe(200);
    expect(one.json()).toEqual(c);

    const patched = await manager.patch(`${A}/contracts/${c.id}`, {
      name: 'Infogérance 2026 (v2)',
      transition_until: '2026-03-31',
      penalties: { rate_per_hour_cents: 15_000, cap_pct: 8 },
      credits: { tiers: [{ below_pct: 99.5, credit_pct: 5 }, { below_pct: 99, credit_pct: 10 }] },
      priority_matrix: [[1, 1, 1, 2], [1, 2, 2, 3], [2, 3, 3, 4], [3, 4, 4, 4]],
      settings: { oncall: { priorities: [2, 1, 1], business_window: 'business', webhook_url: 'https://hooks.provider.test/oncall' } },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json()).toMatchObject({
      name: 'Infogérance 2026 (v2)', reference: 'CT-2026-01', transition_until: '2026-03-31', monthly_fee_cents: 450_000,
      penalties: { rate_per_hour_cents: 15_000, cap_pct: 8 },
      credits: { availability_target_pct: 99.5, tiers: [{ below_pct: 99.5, credit_pct: 5 }, { below_pct: 99, credit_pct: 10 }] },
      priority_matrix: [[1, 1, 1, 2], [1, 2, 2, 3], [2, 3, 3, 4], [3, 4, 4, 4]],
      settings: { oncall: { priorities: [1, 2], business_window: 'business', ack_minutes: 15, webhook_url: 'https://hooks.provider.test/oncall' }, recurring_threshold: 3 },
      scope: { all_assets: false, site_ids: [siteA], asset_ids: [assetA] },
    });
    expect(patched.json().windows).toEqual(c.windows);
    expect(patched.json().updated_at).toBeGreaterThanOrEqual(c.updated_at);
    expect(patched.json().created_at).toBe(c.created_at);

    // The service desk reads it parsed.
    const parsed = await getContract(db.kysely, w.a.client.id, c.id);
    expect(parsed).toMatchObject({ id: c.id, name: 'Infogérance 2026 (v2)', monthly_fee_cents: 450_000, windows: [{ id: 'business' }, { id: 'always' }], targets: [{ priority: 1 }, { priority: 3 }, { priority: 4 }] });
    await expect(getContract(db.kysely, w.b.client.id, c.id)).rejects.toMatchObject({ status: 404 });

    const del = await manager.delete(`${A}/contracts/${second.json().id}`);
    expect(del.statusCode).toBe(204);
    expect((await manager.get(`${A}/contracts/${second.json().id}`)).statusCode).toBe(404);
    expect((await manager.delete(`${A}/contracts/${second.json().id}`)).statusCode).toBe(404);

    expect((await journalOf('contract.create')).map((j) => j.object_id)).toEqual([c.id, second.json().id]);
    const updates = await journalOf('contract.update');
    expect(updates.map((j) => j.object_id)).toEqual([c.id]);
    expect(JSON.parse(updates[0]!.before!).name).toBe('Infogérance 2026');
    expect(JSON.parse(updates[0]!.after!)).toMatchObject({ name: 'Infogérance 2026 (v2)', penalties: { rate_per_hour_cents: 15_000 } });
    const dels = await journalOf('contract.delete');
    expect(dels.map((j) => j.object_id)).toEqual([second.json().id]);
    expect(JSON.parse(dels[0]!.before!).name).toBe('Avenant hébergement');

    await manager.delete(`${A}/contracts/${c.id}`);
  });

  it('refuses bad contracts with a 400 and a stable id, and changes nothing', async () => {
    const good = (await manager.post(`${A}/contracts`, body({ name: 'Bon contrat' }))).json();
    const before = await footprint();
    const cases: [Record<string, unknown>, string][] = [
      [{ windows: [business, { ...always, id: 'business' }] }, 'window_ids_not_unique'],
      [{ targets: [{ priority: 2, gti: null, gtr: { value: 4, unit: 'hours', window: 'nope' } }] }, 'unknown_window'],
      [{ settings: { oncall: { business_window: 'nope' } } }, 'unknown_window'],
      [{ targets: [TARGETS[0], { ...TARGETS[1], priority: 1 }] }, 'duplicate_priority'],
      [{ windows: [{ ...business, time_zone: 'Mars/Olympus_Mons' }, always] }, 'bad_calendar'],
      [{ windows: [{ ...business, hours: { mon: [['08:00', '12:00'], ['11:00', '14:00']] } }, always] }, 'bad_calendar'],
      [{ starts_on: '2026-06-01', ends_on: '2026-05-31' }, 'bad_dates'],
      [{ scope: { all_assets: false, site_ids: [newId()] } }, 'unknown_site'],
      [{ scope: { all_assets: false, site_ids: [siteB] } }, 'unknown_site'],
      [{ scope: { all_assets: false, asset_ids: [assetA, newId()] } }, 'unknown_asset'],
      [{ scope: { all_assets: false, asset_ids: [assetB] } }, 'unknown_asset'],
      [{ windows: [] }, 'validation_failed'],
      [{ windows: [{ ...business, hours: { mon: [['08:00', '25:00']] } }] }, 'validation_failed'],
      [{ windows: [{ ...business, id: 'Heures Ouvrées' }] }, 'validation_failed'],
      [{ targets: [{ priority: 5, gti: null, gtr: null }] }, 'validation_failed'],
      [{ starts_on: '01/01/2026' }, 'validation_failed'],
      [{ status: 'signed' }, 'validation_failed'],
      [{ monthly_fee_cents: 12.5 }, 'validation_failed'],
      [{ priority_matrix: [[1, 1, 2, 3]] }, 'validation_failed'],
      [{ name: '  ' }, 'validation_failed'],
    ];
    for (const [over, id] of cases) {
      const r = await manager.post(`${A}/contracts`, body(over));
      expect([r.statusCode, r.json().error?.id], JSON.stringify(over)).toEqual([400, id]);
      expect(r.json().error.message).toBeTruthy();
    }
    const cal = await manager.post(`${A}/contracts`, body({ windows: [{ ...business, time_zone: 'Mars/Olympus_Mons' }, always] }));
    expect(cal.json().error.details).toEqual([{ window: 'business', problems: [expect.stringContaining('Mars/Olympus_Mons')] }]);
    const site = await manager.post(`${A}/contracts`, body({ scope: { all_assets: false, site_ids: [siteB] } }));
    expect(site.json().error.details).toEqual({ ids: [siteB] });

    const patches: [Record<string, unknown>, string][] = [
      [{ windows: [always] }, 'unknown_window'],
      [{ ends_on: '2025-12-31' }, 'bad_dates'],
      [{ starts_on: '2030-01-01', ends_on: '2029-12-31' }, 'bad_dates'],
      [{ targets: [TARGETS[0], TARGETS[0]] }, 'duplicate_priority'],
      [{ scope: { asset_ids: [assetB] } }, 'unknown_asset'],
      [{}, 'validation_failed'],
      [{ name: null }, 'validation_failed'],
    ];
    for (const [patch, id] of patches) {
      const r = await manager.patch(`${A}/contracts/${good.id}`, patch);
      expect([r.statusCode, r.json().error?.id], JSON.stringify(patch)).toEqual([400, id]);
    }
    expect((await manager.patch(`${A}/contracts/not-an-id`, { name: 'x' })).statusCode).toBe(400);
    expect(await footprint()).toEqual(before);
    expect((await manager.get(`${A}/contracts/${good.id}`)).json()).toEqual(good);
    await manager.delete(`${A}/contracts/${good.id}`);
  });

  it('refuses to delete a contract that tickets refer to (409 contract_has_tickets)', async () => {
    const c = (await manager.post(`${A}/contracts`, body({ name: 'Avec tickets' }))).json();
    const now = Date.now();
    const ticketId = newId();
    await db.kysely
      .insertInto('tickets')
      .values({
        id: ticketId, client_id: w.a.client.id, number: 1, type: 'incident', title: 'Imprimante', description: '', category: '', impact: 3, urgency: 3, priority: 3,
        state: 'new', source: 'portal', contract_id: c.id, requester_user_id: null, requester_name: '', requester_email: '', assignee_user_id: null, group_id: null,
        problem_id: null, alert_subject_id: null, external_ref: null, created_at: now, updated_at: now, taken_at: null, restored_at: null, resolved_at: null,
        closed_at: null, reopened_count: 0, gti_due_at: null, gtr_due_at: null, gti_state: null, gtr_state: null, gti_warn_at: null, gtr_warn_at: null,
      })
      .execute();
    const before = await footprint();
    const r = await manager.delete(`${A}/contracts/${c.id}`);
    expect([r.statusCode, r.json().error.id]).toEqual([409, 'contract_has_tickets']);
    expect(r.json().error.details).toEqual({ tickets: 1 });
    expect(await footprint()).toEqual(before);
    // Ending it is the way.
    expect((await manager.patch(`${A}/contracts/${c.id}`, { status: 'ended', ends_on: '2026-06-30' })).json()).toMatchObject({ status: 'ended', ends_on: '2026-06-30' });
    await db.kysely.deleteFrom('tickets').where('id', '=', ticketId).execute();
    expect((await manager.delete(`${A}/contracts/${c.id}`)).statusCode).toBe(204);
  });

  it('lets staff, referents and the auditor read; only admin and account manager write; plain users see nothing', async () => {
    const c = (await manager.post(`${A}/contracts`, body({ name: 'Par rôle' }))).json();
    const url = `${A}/contracts/${c.id}`;
    for (const [who, s] of [['technical referent', referent], ['steering referent', steering], ['strategic referent', strategic], ['auditor', auditor], ['engineer', engineer], ['technician', technician]] as const) {
      expect((await s.get(`${A}/contracts`)).statusCode, who).toBe(200);
      expect((await s.get(url)).statusCode, who).toBe(200);
      expect((await s.get(`${url}/preview`)).statusCode, who).toBe(200);
      expect((await s.post(`${A}/contracts`, body())).statusCode, who).toBe(403);
      expect((await s.patch(url, { name: 'non' })).statusCode, who).toBe(403);
      expect((await s.delete(url)).statusCode, who).toBe(403);
    }
    for (const r of [await user.get(`${A}/contracts`), await user.get(url), await user.get(`${url}/preview`), await user.post(`${A}/contracts/preview`, body()), await user.post(`${A}/contracts`, body()), await user.delete(url)]) {
      expect(r.statusCode).toBe(403);
    }
    for (const [who, s] of [['admin', admin], ['account manager', manager]] as const) {
      const r = await s.post(`${A}/contracts`, body({ name: `Par ${who}` }));
      expect(r.statusCode, who).toBe(201);
      expect((await s.patch(`${A}/contracts/${r.json().id}`, { reference: 'X' })).statusCode, who).toBe(200);
      expect((await s.delete(`${A}/contracts/${r.json().id}`)).statusCode, who).toBe(204);
    }
    expect((await manager.get(url)).json().name).toBe('Par rôle');
    // Client B's people do not even see that A exists.
    expect((await refB.get(`${A}/contracts`)).statusCode).toBe(404);
    expect((await refB.get(url)).statusCode).toBe(404);
    expect((await refB.get(`${url}/preview`)).statusCode).toBe(404);
    await manager.delete(url);
  });

  it('answers 404 for another client’s contract, under either client’s path', async () => {
    const cb = (await admin.post(`${B}/contracts`, body({ name: 'Contrat de B' }))).json();
    const before = await footprint();
    for (const r of [
      await manager.get(`${A}/contracts/${cb.id}`),
      await manager.get(`${A}/contracts/${cb.id}/preview`),
      await manager.patch(`${A}/contracts/${cb.id}`, { name: 'pris' }),
      await manager.delete(`${A}/contracts/${cb.id}`),
      await manager.get(`${B}/contracts/${cb.id}`),
      await referent.get(`${B}/contracts`),
      await manager.delete(`${B}/contracts/${cb.id}`),
    ]) {
      expect([r.statusCode, r.json().error.id]).toEqual([404, 'not_found']);
      expect(r.body).not.toContain('Contrat de B');
    }
    expect((await manager.get(`${A}/contracts`)).json().items.map((x: { id: string }) => x.id)).not.toContain(cb.id);
    expect(await footprint()).toEqual(before);
    expect((await refB.get(`${B}/contracts/${cb.id}`)).json().name).toBe('Contrat de B');
  });

  it('previews due times of a stored contract and of an unsaved draft, storing nothing', async () => {
    const c = (await manager.post(`${A}/contracts`, body({ name: 'Aperçu' }))).json();
    const at = parisJuly(13, 17);
    const stored = await auditor.get(`${A}/contracts/${c.id}/preview?at=${at}`);
    expect(stored.statusCode, stored.body).toBe(200);
    const p = stored.json();
    expect(p.at).toBe(at);
    expect(p.items).toEqual([
      { priority: 1, gti: { due_at: parisJuly(13, 17, 30), window: 'always', window_name: '24/7', open_now: true }, gtr: { due_at: parisJuly(13, 21), window: 'always', window_name: '24/7', open_now: true } },
      { priority: 3, gti: { due_at: parisJuly(15, 9), window: 'business', window_name: 'Heures ouvrées', open_now: true }, gtr: { due_at: parisJuly(15, 15), window: 'business', window_name: 'Heures ouvrées', open_now: true } },
      { priority: 4, gti: null, gtr: { due_at: parisJuly(16, 17), window: 'business', window_name: 'Heures ouvrées', open_now: true } },
    ]);
    expect(p.windows.map((x: { id: string; open_now: boolean; next_open_at: number }) => [x.id, x.open_now, x.next_open_at])).toEqual([['business', true, at], ['always', true, at]]);
    expect(p.windows[0].next_week).toHaveLength(5);
    expect(p.windows[1].next_week).toEqual([[at, at + 7 * DAY]]);

    // Default: now.
    const t0 = Date.now();
    const now = (await referent.get(`${A}/contracts/${c.id}/preview`)).json();
    expect(now.at).toBeGreaterThanOrEqual(t0);
    expect(now.at).toBeLessThanOrEqual(Date.now());
    expect((await referent.get(`${A}/contracts/${c.id}/preview?at=soon`)).json().error.id).toBe('validation_failed');

    const before = await footprint();
    const draft = await manager.post(`${A}/contracts/preview?at=${at}`, body({ name: 'Brouillon' }));
    expect(draft.statusCode, draft.body).toBe(200);
    expect(draft.json()).toEqual(p);
    // A draft Friday evening on a 24/7-only contract.
    const weekend = await manager.post(`${A}/contracts/preview?at=${parisJuly(10, 17)}`, body({ windows: [business], targets: [{ priority: 2, gti: { value: 8, unit: 'hours', window: 'business' }, gtr: null }] }));
    expect(weekend.json().items).toEqual([{ priority: 2, gti: { due_at: parisJuly(13, 15), window: 'business', window_name: 'Heures ouvrées', open_now: true }, gtr: null }]);
    const bad = await manager.post(`${A}/contracts/preview`, body({ targets: [{ priority: 2, gti: null, gtr: { value: 1, unit: 'hours', window: 'nope' } }] }));
    expect([bad.statusCode, bad.json().error.id]).toEqual([400, 'unknown_window']);
    expect((await manager.post(`${A}/contracts/preview`, body({ windows: [] }))).json().error.id).toBe('validation_failed');
    expect(await footprint()).toEqual(before);
    await manager.delete(`${A}/contracts/${c.id}`);
  });

  it('finds the active contract in force on the Paris date of an instant', async () => {
    const client = await makeClient(db);
    const make = (name: string, status: string, starts_on: string, ends_on: string | null) => createContract(db, SYSTEM_CONTEXT, client.id, ContractBody.parse(body({ name, status, starts_on, ends_on })));
    const first = await make('2026', 'active', '2026-01-01', '2026-12-31');
    const renewal = await make('Renouvellement', 'active', '2026-07-01', null);
    await make('Projet', 'draft', '2026-07-05', null);
    await make('Ancien', 'ended', '2025-01-01', null);
    const at = async (t: number) => (await activeContractFor(db.kysely, client.id, t))?.name ?? null;
    expect(await at(Date.UTC(2026, 5, 15, 12))).toBe(first.name);
    expect(await at(parisJuly(10, 12))).toBe(renewal.name);
    expect(await at(Date.UTC(2027, 1, 1))).toBe(renewal.name);
    // 00:30 in Paris on 1 January is still 31 December in UTC.
    expect(await at(Date.UTC(2025, 11, 31, 23, 30))).toBe(first.name);
    expect(await at(Date.UTC(2025, 11, 31, 22, 30))).toBeNull();
    const got = await activeContractFor(db.kysely, client.id, parisJuly(10, 12));
    expect(got).toMatchObject({ id: renewal.id, client_id: client.id, windows: [{ id: 'business', hours: WEEKDAY_HOURS }, { id: 'always', always: true }], targets: [{ priority: 1 }, { priority: 3 }, { priority: 4 }] });
    expect(await activeContractFor(db.kysely, (await makeClient(db)).id, parisJuly(10, 12))).toBeNull();
  });
});
