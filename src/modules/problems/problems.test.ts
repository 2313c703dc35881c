import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachDatabase } from '../../../test/support/databases.ts';
import { login, makeClient, makeClientUser, makeStaff, Session, testServer, twoClients } from '../../../test/support/world.ts';
import type { App } from '../../app/server.ts';
import type { Db } from '../../db/database.ts';
import { SYSTEM_CONTEXT } from '../journal/service.ts';
import { addMembership } from '../tenancy/service.ts';
import { groupRecurring, recurringIncidents } from './service.ts';
import { insertAsset, insertContract, insertTicket } from './testing.ts';

const DAY = 86_400_000;

describe('groupRecurring (pure)', () => {
  const now = Date.UTC(2026, 5, 30);
  const row = (asset: string, ticket: string, daysAgo: number, problem: string | null = null) => ({ asset_id: asset, asset_name: asset.toUpperCase(), ticket_id: ticket, created_at: now - daysAgo * DAY, problem_id: problem });
  it('keeps assets with threshold incidents or more in the 30 days before now', () => {
    const rows = [row('a', 't1', 1), row('a', 't2', 10), row('a', 't3', 29.9), row('b', 't4', 2), row('b', 't5', 3), row('b', 't6', 31), row('c', 't7', 0, 'p1'), row('c', 't8', 5), row('c', 't9', 6), row('c', 't7', 0, 'p1'), row('d', 't10', -1)];
    expect(groupRecurring(rows, now, 3)).toEqual([
      { asset_id: 'c', asset_name: 'C', incidents: 3, ticket_ids: ['t7', 't8', 't9'], last_at: now, problem_id: 'p1' },
      { asset_id: 'a', asset_name: 'A', incidents: 3, ticket_ids: ['t1', 't2', 't3'], last_at: now - DAY, problem_id: null },
    ]);
    expect(groupRecurring(rows, now, 2).map((r) => r.asset_id)).toEqual(['c', 'a', 'b']);
    expect(groupRecurring(rows, now, 4)).toEqual([]);
  });
});

describeEachDatabase('recurring incidents and problems', (getDb) => {
  let db: Db;
  let app: App;
  let w: Awaited<ReturnType<typeof twoClients>>;
  let A: string;
  let referent: Session, user: Session, auditor: Session, technician: Session, engineer: Session, admin: Session, manager: Session, refB: Session;
  let tech: Awaited<ReturnType<typeof makeStaff>>;

  beforeAll(async () => {
    db = getDb();
    app = await testServer(db);
    w = await twoClients(db);
    A = `/api/v1/clients/${w.a.client.id}`;
    tech = await makeStaff(db, ['technician']);
    await addMembership(db, SYSTEM_CONTEXT, w.a.client.id, tech.id, 'technician');
    const am = await makeStaff(db, ['account_manager']);
    await addMembership(db, SYSTEM_CONTEXT, w.a.client.id, am.id, 'account_manager');
    [referent, user, auditor, technician, engineer, admin, manager, refB] = await Promise.all(
      [w.a.referent, w.a.user, w.a.auditor, tech, w.engineerA, w.admin, am, w.b.referent].map((p) => login(app, p)),
    );
  });
  afterAll(async () => {
    await app?.close();
  });

  const count = async (table: 'tickets' | 'ticket_events' | 'journal') => Number((await db.kysely.selectFrom(table).select((e) => e.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

  it('flags assets with 3 incidents in 30 days, opens a problem linking them, then shows it', async () => {
    const now = Date.now();
    const srv = await insertAsset(db, w.a.client.id, 'SRV-FICHIERS');
    const sw = await insertAsset(db, w.a.client.id, 'SW-CORE');
    const inc = (asset: string, daysAgo: number, type = 'incident') => insertTicket(db, w.a.client.id, { type, created_at: now - daysAgo * DAY, assetIds: [asset], title: `Panne ${asset.slice(-4)}` });
    const i1 = await inc(srv, 1);
    const i2 = await inc(srv, 12);
    const i3 = await inc(srv, 29);
    await inc(srv, 31); // too old
    await inc(srv, 3, 'request'); // not an incident
    await inc(sw, 2);
    await inc(sw, 5);

    expect(await recurringIncidents(db.kysely, w.a.client.id, now)).toEqual([
      { asset_id: srv, asset_name: 'SRV-FICHIERS', incidents: 3, ticket_ids: [i1.id, i2.id, i3.id], last_at: i1.created_at, problem_id: null },
    ]);
    expect((await recurringIncidents(db.kysely, w.a.client.id, now, 2)).map((r) => r.asset_id)).toEqual([srv, sw]);

    const rec = await referent.get(`${A}/problems/recurring`);
    expect(rec.statusCode).toBe(200);
    expect(rec.json()).toMatchObject({ threshold: 3, window_days: 30, items: [{ asset_id: srv, incidents: 3, problem_id: null }] });

    const before = { tickets: await count('tickets'), events: await count('ticket_events') };
    const created = await technician.post(`${A}/problems`, { asset_id: srv, incident_ids: [i1.id, i2.id, i3.id, i1.id] });
    expect(created.statusCode).toBe(201);
    const problem = created.json();
    const maxBefore = Math.max(i1.number, i2.number, i3.number);
    expect(problem).toMatchObject({
      title: 'Incidents récurrents : SRV-FICHIERS', state: 'new', priority: 3, incidents: 3, assets: [{ id: srv, name: 'SRV-FICHIERS' }], incident_ids: [i1.id, i2.id, i3.id],
    });
    expect(problem.number).toBeGreaterThan(maxBefore);
    expect(problem.ref).toBe(`T-${problem.number}`);
    const row = await db.kysely.selectFrom('tickets').selectAll().where('id', '=', problem.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ type: 'problem', state: 'new', source: 'api', priority: 3, client_id: w.a.client.id, problem_id: null });
    expect(await count('tickets')).toBe(before.tickets + 1);
    const linked = await db.kysely.selectFrom('tickets').select(['id', 'problem_id']).where('id', 'in', [i1.id, i2.id, i3.id]).execute();
    expect(linked.every((l) => l.problem_id === problem.id)).toBe(true);
    const events = await db.kysely.selectFrom('ticket_events').select(['ticket_id', 'kind', 'data', 'actor_user_id']).where('ticket_id', 'in', [problem.id, i1.id, i2.id, i3.id]).execute();
    expect(events.filter((e) => e.kind === 'created').map((e) => e.ticket_id)).toEqual([problem.id]);
    expect(events.filter((e) => e.kind === 'linked_problem').map((e) => e.ticket_id).sort()).toEqual([i1.id, i2.id, i3.id].sort());
    expect(JSON.parse(events.find((e) => e.kind === 'linked_problem')!.data)).toMatchObject({ problem_id: problem.id, problem_ref: problem.ref, previous_problem_id: null });
    expect(events.every((e) => e.actor_user_id === tech.id)).toBe(true);
    expect(await count('ticket_events')).toBe(before.events + 4);
    const journal = await db.kysely.selectFrom('journal').select(['action', 'object_id', 'after', 'actor_id']).where('action', '=', 'problem.create').execute();
    expect(journal).toHaveLength(1);
    expect(journal[0]).toMatchObject({ object_id: problem.id, actor_id: tech.id });
    expect(JSON.parse(journal[0]!.after!)).toMatchObject({ asset_id: srv, incident_ids: [i1.id, i2.id, i3.id] });

    // The asset now shows its problem; the problem lists its incidents and is among the open ones.
    expect((await referent.get(`${A}/problems/recurring`)).json().items).toMatchObject([{ asset_id: srv, problem_id: problem.id }]);
    const incidents = await referent.get(`${A}/problems/${problem.id}/incidents`);
    expect(incidents.statusCode).toBe(200);
    expect(incidents.json().items.map((i: { id: string }) => i.id)).toEqual([i1.id, i2.id, i3.id]);
    expect(incidents.json().items[0]).toEqual({ id: i1.id, number: i1.number, ref: `T-${i1.number}`, title: i1.title, state: 'new', priority: 3, created_at: i1.created_at, resolved_at: null });
    const open = (await referent.get(`${A}/problems`)).json().items;
    expect(open.map((p: { id: string }) => p.id)).toContain(problem.id);
    expect(open.find((p: { id: string }) => p.id === problem.id)).toMatchObject({ incidents: 3, assets: [{ name: 'SRV-FICHIERS' }] });
    await db.kysely.updateTable('tickets').set({ state: 'resolved' }).where('id', '=', problem.id).execute();
    expect((await referent.get(`${A}/problems`)).json().items.map((p: { id: string }) => p.id)).not.toContain(problem.id);
    expect((await referent.get(`${A}/problems?state=all`)).json().items.map((p: { id: string }) => p.id)).toContain(problem.id);

    // A second problem with a title moves an incident over, and says from where.
    const moved = await engineer.post(`${A}/problems`, { asset_id: srv, title: 'Disque RAID défaillant', incident_ids: [i1.id] });
    expect(moved.statusCode).toBe(201);
    expect(moved.json()).toMatchObject({ title: 'Disque RAID défaillant', number: problem.number + 1 });
    const ev = await db.kysely.selectFrom('ticket_events').select('data').where('ticket_id', '=', i1.id).where('kind', '=', 'linked_problem').orderBy('at').orderBy('id').execute();
    expect(JSON.parse(ev[1]!.data)).toMatchObject({ problem_id: moved.json().id, previous_problem_id: problem.id });
  });

  it('uses the active contract’s threshold', async () => {
    const fresh = { a: { client: await makeClient(db) } };
    const asset = await insertAsset(db, fresh.a.client.id, 'NAS');
    const now = Date.now();
    for (const d of [1, 2]) await insertTicket(db, fresh.a.client.id, { created_at: now - d * DAY, assetIds: [asset] });
    expect(await recurringIncidents(db.kysely, fresh.a.client.id, now)).toEqual([]);
    await insertContract(db, fresh.a.client.id, { recurring_threshold: 2 });
    expect((await recurringIncidents(db.kysely, fresh.a.client.id, now)).map((r) => r.incidents)).toEqual([2]);
    const s = await login(app, await makeClientUser(db, fresh.a.client.id, ['steering_referent']));
    expect((await s.get(`/api/v1/clients/${fresh.a.client.id}/problems/recurring`)).json()).toMatchObject({ threshold: 2, items: [{ asset_id: asset }] });
  });

  it('refuses incidents of another client, non-incidents and unknown assets, and changes nothing', async () => {
    const now = Date.now();
    const asset = await insertAsset(db, w.a.client.id, 'FW-01');
    const assetB = await insertAsset(db, w.b.client.id, 'FW-B');
    const mine = await insertTicket(db, w.a.client.id, { created_at: now, assetIds: [asset] });
    const request = await insertTicket(db, w.a.client.id, { type: 'request', created_at: now });
    const theirs = await insertTicket(db, w.b.client.id, { created_at: now, assetIds: [assetB] });
    const snapshot = async () => ({
      tickets: await count('tickets'), events: await count('ticket_events'), journal: await count('journal'),
      links: await db.kysely.selectFrom('tickets').select(['id', 'problem_id']).where('id', 'in', [mine.id, request.id, theirs.id]).orderBy('id').execute(),
    });
    const before = await snapshot();
    const cases: [Record<string, unknown>, number, string][] = [
      [{ asset_id: asset, incident_ids: [mine.id, theirs.id] }, 400, 'unknown_incident'],
      [{ asset_id: asset, incident_ids: [mine.id, request.id] }, 400, 'unknown_incident'],
      [{ asset_id: asset, incident_ids: ['01900000-0000-7000-8000-000000000000'] }, 400, 'unknown_incident'],
      [{ asset_id: assetB, incident_ids: [mine.id] }, 400, 'unknown_asset'],
      [{ asset_id: asset, incident_ids: [] }, 400, 'validation_failed'],
      [{ asset_id: asset, incident_ids: [mine.id], title: '  ' }, 400, 'validation_failed'],
      [{ asset_id: 'nope', incident_ids: [mine.id] }, 400, 'validation_failed'],
    ];
    for (const [body, status, id] of cases) {
      const r = await engineer.post(`${A}/problems`, body);
      expect([r.statusCode, r.json().error.id], JSON.stringify(body)).toEqual([status, id]);
    }
    const r = await engineer.post(`${A}/problems`, { asset_id: asset, incident_ids: [mine.id, theirs.id] });
    expect(r.json().error.details).toEqual({ ids: [theirs.id] });

    // Roles: referents and staff read; only admin, engineer and technician open problems.
    const body = { asset_id: asset, incident_ids: [mine.id] };
    for (const [who, s] of [['referent', referent], ['manager', manager], ['user', user], ['auditor', auditor]] as const) {
      expect((await s.post(`${A}/problems`, body)).statusCode, who).toBe(403);
    }
    for (const [who, s] of [['user', user], ['auditor', auditor]] as const) {
      expect((await s.get(`${A}/problems/recurring`)).statusCode, who).toBe(403);
      expect((await s.get(`${A}/problems`)).statusCode, who).toBe(403);
    }
    for (const s of [manager, technician, admin, engineer]) expect((await s.get(`${A}/problems/recurring`)).statusCode).toBe(200);
    // Client B sees nothing of A, and A's problem routes do not reach B's tickets.
    expect((await refB.get(`${A}/problems/recurring`)).statusCode).toBe(404);
    expect((await refB.post(`${A}/problems`, body)).statusCode).toBe(404);
    expect((await referent.get(`${A}/problems/${theirs.id}/incidents`)).statusCode).toBe(404);
    expect((await referent.get(`${A}/problems/${mine.id}/incidents`)).statusCode).toBe(404);
    expect(await snapshot()).toEqual(before);
    // The admin of the provider opens it.
    expect((await admin.post(`${A}/problems`, body)).statusCode).toBe(201);
    const pB = (await refB.get(`/api/v1/clients/${w.b.client.id}/problems?state=all`)).json();
    expect(pB.items).toEqual([]);
  });
});
