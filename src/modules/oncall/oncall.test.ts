import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../../../test/support/databases.ts';
import { login, makeClientUser, makeStaff, Session, testServer, twoClients, type Person } from '../../../test/support/world.ts';
import type { App } from '../../app/server.ts';
import { newId } from '../../core/ids.ts';
import type { Db } from '../../db/database.ts';
import { ContractSettings } from '../contracts/schema.ts';
import { SYSTEM_CONTEXT } from '../journal/service.ts';
import { verifyWebhookSignature, WebhookError, type WebhookRequest } from '../notifications/webhook.ts';
import { addMembership } from '../tenancy/service.ts';
import { pageOnCall, runOncallPass, type TicketToPage } from './paging.ts';

const PUBLIC = 'https://vigie.provider.test/';
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const at = (iso: string) => new Date(iso).getTime();
/** Saturday 14 March 2026, 03:00 in Paris (CET). */
const SAT_3AM = at('2026-03-14T03:00:00+01:00');
/** Monday 16 March 2026, 10:00 in Paris: business hours. */
const MON_10AM = at('2026-03-16T10:00:00+01:00');

const BUSINESS = {
  id: 'business', name: 'Heures ouvrées', time_zone: 'Europe/Paris', always: false, public_holidays: 'fr', closed_days: [],
  hours: Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri'].map((d) => [d, [['08:00', '18:00']]])),
};
const ALWAYS = { id: 'always', name: '24/7', time_zone: 'Europe/Paris', always: true, public_holidays: 'none', closed_days: [], hours: {} };

/** A contract row as the contracts module stores it (JSON columns as text). */
export async function insertContract(db: Db, clientId: string, opts: { windows?: unknown[]; oncall?: Record<string, unknown>; name?: string } = {}) {
  const id = newId();
  const settings = ContractSettings.parse({ oncall: { priorities: [1, 2], business_window: 'business', ack_minutes: 15, ...opts.oncall } });
  await db.kysely
    .insertInto('contracts')
    .values({
      id, client_id: clientId, name: opts.name ?? 'Infogérance 2026', reference: 'C-1', status: 'active', starts_on: '2026-01-01', ends_on: null, service_level: 'standard',
      monthly_fee_cents: 0, currency: 'EUR', transition_until: null, scope: JSON.stringify({ all_assets: true, site_ids: [], asset_ids: [], services: [] }),
      windows: JSON.stringify(opts.windows ?? [BUSINESS, ALWAYS]), targets: '[]', penalties: JSON.stringify({ rate_per_hour_cents: 0, cap_pct: 10 }),
      credits: JSON.stringify({ availability_target_pct: 99.5, tiers: [] }), priority_matrix: JSON.stringify([[1, 1, 2, 3], [1, 2, 3, 3], [2, 3, 3, 4], [3, 3, 4, 4]]),
      settings: JSON.stringify(settings), created_at: Date.now(), updated_at: Date.now(),
    })
    .execute();
  return id;
}

let ticketNumber = 100;
/** A ticket row (what the service desk would have created). */
export async function insertTicket(db: Db, clientId: string, contractId: string | null, priority: number, createdAt: number, state = 'new'): Promise<TicketToPage> {
  const number = ++ticketNumber;
  const t = { id: newId(), client_id: clientId, number, title: `Serveur de fichiers hors service ${number}`, priority, contract_id: contractId };
  await db.kysely
    .insertInto('tickets')
    .values({
      ...t, type: 'incident', description: '', category: '', impact: 1, urgency: 1, state, source: 'portal', requester_user_id: null, requester_name: '', requester_email: '',
      assignee_user_id: null, group_id: null, problem_id: null, alert_subject_id: null, external_ref: null, created_at: createdAt, updated_at: createdAt, taken_at: null,
      restored_at: null, resolved_at: null, closed_at: null, reopened_count: 0, gti_due_at: null, gtr_due_at: null, gti_state: null, gtr_state: null, gti_warn_at: null, gtr_warn_at: null,
    })
    .execute();
  return t;
}

describeEachDatabase('on-call duty (astreinte)', (getDb) => {
  let db: Db;
  let app: App;
  let w: Awaited<ReturnType<typeof twoClients>>;
  let A: string;
  let contractA: string;
  let contractB: string;
  let first: Person; // engineer, rank 0
  let second: Person; // engineer, rank 1
  let manager: Person; // account manager of A
  let tech: Person; // technician of A
  let outsider: Person; // engineer of B only
  let engineer: Session, referent: Session, user: Session, auditor: Session, refB: Session, managerS: Session, techS: Session, admin: Session;

  const page = (t: TicketToPage, now: number) => db.kysely.transaction().execute((trx) => pageOnCall(trx, t, now, { publicUrl: PUBLIC }));
  const pagesOf = (ticketId: string) => db.kysely.selectFrom('oncall_pages').selectAll().where('ticket_id', '=', ticketId).orderBy('paged_at').orderBy('level').orderBy('user_id').execute();
  const mailsOf = (ticketId: string) => db.kysely.selectFrom('mail_outbox').selectAll().where('ticket_id', '=', ticketId).orderBy('created_at').execute();
  /** Stands down the pages left open by earlier tests: a pass works on every client's pages. */
  const quiet = () =>
    db.kysely.updateTable('oncall_pages').set({ superseded_at: 1 }).where('acked_at', 'is', null).where('escalated_at', 'is', null).where('superseded_at', 'is', null).execute();
  const tokenIn = (body: string) => /\/oncall\/ack\/(vgp_[\w-]+)/.exec(body)![1]!;
  const count = async (table: 'oncall_shifts' | 'journal' | 'oncall_pages' | 'mail_outbox') =>
    Number((await db.kysely.selectFrom(table).select((e) => e.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  const journalOf = (action: string) =>
    db.kysely.selectFrom('journal').select(['action', 'object_id', 'actor_id', 'before', 'after']).where('action', '=', action).orderBy('seq').execute();

  beforeAll(async () => {
    db = getDb();
    app = await testServer(db);
    w = await twoClients(db);
    A = `/api/v1/clients/${w.a.client.id}`;
    first = await makeStaff(db, ['engineer']);
    second = await makeStaff(db, ['engineer']);
    manager = await makeStaff(db, ['account_manager']);
    tech = await makeStaff(db, ['technician']);
    outsider = await makeStaff(db, ['engineer']);
    await addMembership(db, SYSTEM_CONTEXT, w.a.client.id, first.id, 'engineer');
    await addMembership(db, SYSTEM_CONTEXT, w.a.client.id, second.id, 'engineer');
    await addMembership(db, SYSTEM_CONTEXT, w.a.client.id, manager.id, 'account_manager');
    await addMembership(db, SYSTEM_CONTEXT, w.a.client.id, tech.id, 'technician');
    await addMembership(db, SYSTEM_CONTEXT, w.b.client.id, outsider.id, 'engineer');
    contractA = await insertContract(db, w.a.client.id);
    contractB = await insertContract(db, w.b.client.id);
    [engineer, referent, user, auditor, refB, managerS, techS, admin] = await Promise.all(
      [w.engineerA, w.a.referent, w.a.user, w.a.auditor, w.b.referent, manager, tech, w.admin].map((p) => login(app, p)),
    );
    // The weekend rota of A: Friday 18:00 → Monday 08:00, first then second.
    for (const [who, rank] of [[first, 0], [second, 1]] as const) {
      const r = await engineer.post(`${A}/contracts/${contractA}/oncall-shifts`, {
        user_id: who.id, rank, starts_at: at('2026-03-13T18:00:00+01:00'), ends_at: at('2026-03-16T08:00:00+01:00'),
      });
      expect(r.statusCode, r.body).toBe(201);
    }
  });
  afterAll(async () => {
    await app?.close();
  });

  it('keeps the rota: lists shifts with names, changes and deletes them, journaling each change', async () => {
    const list = await referent.get(`${A}/contracts/${contractA}/oncall-shifts?from=${at('2026-03-01T00:00:00Z')}&to=${at('2026-04-01T00:00:00Z')}`);
    expect(list.statusCode).toBe(200);
    expect(list.json().items.map((s: { user_id: string; rank: number; user_name: string }) => [s.user_id, s.rank, s.user_name])).toEqual([
      [first.id, 0, `Staff ${first.email}`],
      [second.id, 1, `Staff ${second.email}`],
    ]);
    expect(Object.keys(list.json().items[0]).sort()).toEqual(['client_id', 'contract_id', 'created_at', 'ends_at', 'id', 'rank', 'starts_at', 'user_id', 'user_name']);

    const extra = await managerS.post(`${A}/contracts/${contractA}/oncall-shifts`, { user_id: tech.id, starts_at: at('2026-05-01T18:00:00Z'), ends_at: at('2026-05-02T06:00:00Z') });
    expect(extra.statusCode).toBe(201);
    expect(extra.json()).toMatchObject({ rank: 0, user_id: tech.id, contract_id: contractA });
    const id = extra.json().id;
    const patched = await engineer.patch(`${A}/oncall-shifts/${id}`, { rank: 2, ends_at: at('2026-05-02T08:00:00Z') });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({ rank: 2, ends_at: at('2026-05-02T08:00:00Z') });
    expect((await admin.delete(`${A}/oncall-shifts/${id}`)).statusCode).toBe(204);
    expect((await admin.delete(`${A}/oncall-shifts/${id}`)).statusCode).toBe(404);
    expect((await journalOf('oncall_shift.create')).map((j) => j.object_id)).toContain(id);
    const [upd] = (await journalOf('oncall_shift.update')).filter((j) => j.object_id === id);
    expect([JSON.parse(upd!.before!).rank, JSON.parse(upd!.after!).rank]).toEqual([0, 2]);
    expect((await journalOf('oncall_shift.delete')).map((j) => j.object_id)).toEqual([id]);
  });

  it('tells who is on duty now, in rank order, and the next handover', async () => {
    const now = Date.now();
    const mk = (who: Person, rank: number, s: number, e: number) => engineer.post(`${A}/contracts/${contractA}/oncall-shifts`, { user_id: who.id, rank, starts_at: s, ends_at: e });
    const ids = [
      (await mk(second, 1, now - HOUR, now + 5 * HOUR)).json().id,
      (await mk(first, 0, now - 2 * HOUR, now + 3 * HOUR)).json().id,
      (await mk(tech, 0, now + 3 * HOUR, now + 10 * HOUR)).json().id,
    ];
    const r = await techS.get(`${A}/oncall/now`);
    expect(r.statusCode).toBe(200);
    const c = r.json().contracts.find((x: { contract_id: string }) => x.contract_id === contractA);
    expect(c.on_duty.map((d: { user_id: string; rank: number }) => [d.user_id, d.rank])).toEqual([[first.id, 0], [second.id, 1]]);
    expect(c.next_handover).toBe(now + 3 * HOUR);
    expect(r.json().next_handover).toBe(now + 3 * HOUR);
    for (const id of ids) expect((await engineer.delete(`${A}/oncall-shifts/${id}`)).statusCode).toBe(204);
  });

  it('creates a weekly rotation that hands over at 09:00 local time on both sides of the DST change', async () => {
    const r = await engineer.post(`${A}/contracts/${contractA}/oncall-shifts/rotation`, {
      user_ids: [first.id, second.id], from: '2026-03-23', weeks: 3, handover_day: 'mon', handover_time: '09:00', time_zone: 'Europe/Paris',
    });
    expect(r.statusCode, r.body).toBe(201);
    expect(r.json().items.map((s: { user_id: string; starts_at: number; ends_at: number }) => [s.user_id, s.starts_at, s.ends_at])).toEqual([
      [first.id, at('2026-03-23T09:00:00+01:00'), at('2026-03-30T09:00:00+02:00')],
      [second.id, at('2026-03-30T09:00:00+02:00'), at('2026-04-06T09:00:00+02:00')],
      [first.id, at('2026-04-06T09:00:00+02:00'), at('2026-04-13T09:00:00+02:00')],
    ]);
    const created = await journalOf('oncall_shift.create');
    expect(created.filter((j) => JSON.parse(j.after!).rotation)).toHaveLength(3);
    for (const s of r.json().items) await engineer.delete(`${A}/oncall-shifts/${s.id}`);
  });

  it('refuses bad input with a 400 and a stable id, and changes nothing', async () => {
    const shift = (await engineer.post(`${A}/contracts/${contractA}/oncall-shifts`, { user_id: first.id, starts_at: at('2026-06-01T00:00:00Z'), ends_at: at('2026-06-02T00:00:00Z') })).json();
    const before = { shifts: await count('oncall_shifts'), journal: await count('journal') };
    const s0 = at('2026-07-01T00:00:00Z');
    const cases: [Record<string, unknown>, string][] = [
      [{ user_id: first.id, starts_at: s0, ends_at: s0 }, 'bad_range'],
      [{ user_id: first.id, starts_at: s0, ends_at: s0 - HOUR }, 'bad_range'],
      [{ user_id: first.id, starts_at: s0, ends_at: s0 + 31 * DAY + 1 }, 'shift_too_long'],
      [{ user_id: w.a.referent.id, starts_at: s0, ends_at: s0 + HOUR }, 'not_on_duty_roster'],
      [{ user_id: outsider.id, starts_at: s0, ends_at: s0 + HOUR }, 'not_on_duty_roster'],
      [{ user_id: newId(), starts_at: s0, ends_at: s0 + HOUR }, 'not_on_duty_roster'],
      [{ user_id: first.id, starts_at: s0, ends_at: s0 + HOUR, rank: 10 }, 'validation_failed'],
      [{ user_id: first.id, starts_at: s0, ends_at: s0 + HOUR, colour: 'red' }, 'validation_failed'],
      [{ user_id: 'nope', starts_at: s0, ends_at: s0 + HOUR }, 'validation_failed'],
      [{ user_id: first.id, starts_at: 'tomorrow', ends_at: s0 + HOUR }, 'validation_failed'],
      [{ starts_at: s0, ends_at: s0 + HOUR }, 'validation_failed'],
    ];
    for (const [body, id] of cases) {
      const r = await engineer.post(`${A}/contracts/${contractA}/oncall-shifts`, body);
      expect([r.statusCode, r.json().error.id], JSON.stringify(body)).toEqual([400, id]);
      expect(r.json().error.message).toBeTruthy();
    }
    const rot = { user_ids: [first.id], from: '2026-07-06', weeks: 2, handover_day: 'mon', handover_time: '09:00', time_zone: 'Europe/Paris' };
    const rotCases: [Record<string, unknown>, string][] = [
      [{ time_zone: 'Mars/Olympus' }, 'invalid_time_zone'],
      [{ from: '2026-02-30' }, 'bad_date'],
      [{ user_ids: [first.id, outsider.id] }, 'not_on_duty_roster'],
      [{ user_ids: [first.id, first.id] }, 'validation_failed'],
      [{ user_ids: [] }, 'validation_failed'],
      [{ handover_day: 'monday' }, 'validation_failed'],
      [{ handover_time: '25:00' }, 'bad_time'],
      [{ from: '1 March' }, 'bad_date'],
      [{ weeks: 53 }, 'validation_failed'],
    ];
    for (const [patch, id] of rotCases) {
      const r = await engineer.post(`${A}/contracts/${contractA}/oncall-shifts/rotation`, { ...rot, ...patch });
      expect([r.statusCode, r.json().error.id], JSON.stringify(patch)).toEqual([400, id]);
    }
    for (const [body, id] of [
      [{ ends_at: shift.starts_at }, 'bad_range'],
      [{ user_id: outsider.id }, 'not_on_duty_roster'],
      [{}, 'nothing_to_change'],
      [{ rank: -1 }, 'validation_failed'],
    ] as const) {
      const r = await engineer.patch(`${A}/oncall-shifts/${shift.id}`, body);
      expect([r.statusCode, r.json().error.id], JSON.stringify(body)).toEqual([400, id]);
    }
    expect((await engineer.get(`${A}/oncall/stats?from=10&to=5`)).json().error.id).toBe('bad_range');
    expect((await engineer.get(`${A}/oncall/stats?from=abc`)).json().error.id).toBe('validation_failed');
    expect({ shifts: await count('oncall_shifts'), journal: await count('journal') }).toEqual(before);
    expect((await engineer.get(`${A}/contracts/${contractA}/oncall-shifts?from=${shift.starts_at}&to=${shift.ends_at}`)).json().items).toMatchObject([{ id: shift.id, user_id: first.id }]);
    await engineer.delete(`${A}/oncall-shifts/${shift.id}`);
  });

  it('pages the first person on duty for a P1 on Saturday night, not in business hours, not for a P3', async () => {
    const p1 = await insertTicket(db, w.a.client.id, contractA, 1, SAT_3AM);
    expect(await page(p1, SAT_3AM)).toEqual({ paged: true, reason: 'paged', user_id: first.id, page_id: expect.any(String) });
    const [row] = await pagesOf(p1.id);
    expect(row).toMatchObject({ client_id: w.a.client.id, user_id: first.id, level: 1, acked_at: null, escalated_at: null, webhook_state: null });
    expect(Number(row!.paged_at)).toBe(SAT_3AM);
    const [mail] = await mailsOf(p1.id);
    expect(mail).toMatchObject({ kind: 'page', status: 'pending', client_id: w.a.client.id, subject: `[Astreinte] P1 T-${p1.number} ${p1.title}` });
    expect(Number(mail!.next_attempt_at)).toBe(SAT_3AM);
    expect(JSON.parse(mail!.recipients)).toEqual([first.email]);
    const token = tokenIn(mail!.body);
    expect(mail!.body).toContain(`https://vigie.provider.test/oncall/ack/${token}`);
    expect(mail!.body).toContain(`https://vigie.provider.test/clients/${w.a.client.id}/tickets/${p1.id}`);
    // Only the hash of the token is kept on the page.
    expect(row!.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(row)).not.toContain(token);
    // Paged once: a second call (priority raised again) does not page anew.
    expect(await page(p1, SAT_3AM + MIN)).toEqual({ paged: false, reason: 'already_paged' });

    const monday = await insertTicket(db, w.a.client.id, contractA, 1, MON_10AM);
    expect(await page(monday, MON_10AM)).toEqual({ paged: false, reason: 'business_hours' });
    const p3 = await insertTicket(db, w.a.client.id, contractA, 3, SAT_3AM);
    expect(await page(p3, SAT_3AM)).toEqual({ paged: false, reason: 'priority_not_paged' });
    const nextSat = await insertTicket(db, w.a.client.id, contractA, 2, SAT_3AM + 7 * DAY);
    expect(await page(nextSat, SAT_3AM + 7 * DAY)).toEqual({ paged: false, reason: 'nobody_on_duty' });
    const noContract = await insertTicket(db, w.a.client.id, null, 1, SAT_3AM);
    expect(await page(noContract, SAT_3AM)).toEqual({ paged: false, reason: 'no_contract' });
    // Another client's contract id on a ticket of A finds nothing.
    expect(await page({ ...noContract, contract_id: contractB }, SAT_3AM)).toEqual({ paged: false, reason: 'no_contract' });
    for (const t of [monday, p3, nextSat, noContract]) expect(await pagesOf(t.id)).toEqual([]);
  });

  it('acknowledges by the link’s token: idempotent, journaled, only that page; unknown tokens are 404', async () => {
    const t1 = await insertTicket(db, w.a.client.id, contractA, 1, SAT_3AM + HOUR);
    const t2 = await insertTicket(db, w.a.client.id, contractA, 2, SAT_3AM + HOUR);
    await page(t1, SAT_3AM + HOUR);
    await page(t2, SAT_3AM + HOUR);
    const token1 = tokenIn((await mailsOf(t1.id))[0]!.body);
    const anon = new Session(app);
    const shown = await anon.get(`/api/v1/oncall/ack/${token1}`);
    expect(shown.statusCode).toBe(200);
    expect(shown.json()).toMatchObject({ level: 1, acked_at: null, ticket: { id: t1.id, ref: `T-${t1.number}`, title: t1.title, priority: 1 }, client: { name: 'Alpha Industrie' }, person: { id: first.id } });
    expect((await pagesOf(t1.id))[0]!.acked_at).toBeNull();

    const ack = await anon.post(`/api/v1/oncall/ack/${token1}`);
    expect(ack.statusCode).toBe(200);
    expect(ack.json()).toMatchObject({ already_acknowledged: false, ticket: { id: t1.id } });
    const ackedAt = ack.json().acked_at;
    expect(ackedAt).toBeGreaterThan(0);
    const again = await anon.post(`/api/v1/oncall/ack/${token1}`);
    expect(again.json()).toMatchObject({ already_acknowledged: true, acked_at: ackedAt });
    // The other ticket's page is untouched.
    expect((await pagesOf(t2.id))[0]!.acked_at).toBeNull();
    const acks = (await journalOf('oncall.ack')).filter((j) => JSON.parse(j.after!).ticket_id === t1.id);
    expect(acks).toHaveLength(1);
    expect(acks[0]!.actor_id).toBe(first.id);

    for (const bad of ['vgp_not-a-real-token-at-all-000000', `${token1}x`]) {
      const r = await anon.post(`/api/v1/oncall/ack/${bad}`);
      expect([r.statusCode, r.json().error.id]).toEqual([404, 'unknown_page']);
      expect((await anon.get(`/api/v1/oncall/ack/${bad}`)).statusCode).toBe(404);
    }
    expect((await anon.post('/api/v1/oncall/ack/short')).statusCode).toBe(400);
    // The link is rate-limited per address like sign-in.
    const strict = await testServer(db, { loginRateLimit: { max: 3, windowMs: 60_000 } });
    try {
      const codes: number[] = [];
      for (let i = 0; i < 4; i++) codes.push((await new Session(strict).get(`/api/v1/oncall/ack/vgp_guess_${i}_000000000000000000`)).statusCode);
      expect(codes).toEqual([404, 404, 404, 429]);
    } finally {
      await strict.close();
    }
    // Once acknowledged, a ticket is not paged again.
    expect(await page(t1, SAT_3AM + 2 * HOUR)).toEqual({ paged: false, reason: 'already_acknowledged' });
  });

  it('escalates an unanswered page to the next rank after 15 minutes, once, then to the account manager', async () => {
    await quiet();
    const t0 = SAT_3AM + 3 * HOUR;
    const t = await insertTicket(db, w.a.client.id, contractA, 1, t0);
    await page(t, t0);
    const pass = (now: number) => runOncallPass(db, now, { publicUrl: PUBLIC });
    expect((await pass(t0 + 15 * MIN - 1)).escalated).toBe(0);
    expect(await pagesOf(t.id)).toHaveLength(1);
    // Two processes at once: the page is escalated once.
    const both = await Promise.all([pass(t0 + 15 * MIN), pass(t0 + 15 * MIN)]);
    expect(both[0].escalated + both[1].escalated).toBe(1);
    expect((await pass(t0 + 16 * MIN)).escalated).toBe(0);
    let pages = await pagesOf(t.id);
    expect(pages.map((p) => [p.user_id, p.level, Number(p.paged_at), p.escalated_at === null ? null : Number(p.escalated_at)])).toEqual([
      [first.id, 1, t0, t0 + 15 * MIN],
      [second.id, 2, t0 + 15 * MIN, null],
    ]);
    const mails = await mailsOf(t.id);
    expect(mails.map((m) => JSON.parse(m.recipients)[0])).toEqual([first.email, second.email]);
    expect(mails[1]!.subject).toBe(`[Astreinte] P1 T-${t.number} ${t.title} (escalade, niveau 2)`);

    // Nobody left on duty: the client's account manager.
    expect((await pass(t0 + 30 * MIN)).escalated).toBe(1);
    pages = await pagesOf(t.id);
    expect(pages.map((p) => [p.user_id, p.level])).toEqual([[first.id, 1], [second.id, 2], [manager.id, 3]]);
    expect(JSON.parse((await mailsOf(t.id))[2]!.recipients)).toEqual([manager.email]);
    const esc = (await journalOf('oncall.escalate')).filter((j) => JSON.parse(j.after!).ticket_id === t.id).map((j) => JSON.parse(j.after!));
    expect(esc).toEqual([
      { ticket_id: t.id, from_level: 1, to_level: 2, to: 'on_duty', paged_user_ids: [second.id] },
      { ticket_id: t.id, from_level: 2, to_level: 3, to: 'account_managers', paged_user_ids: [manager.id] },
    ]);

    // The account manager acknowledges in the app; a late acknowledgement by the first still counts for them.
    expect((await techS.post(`${A}/tickets/${t.id}/oncall-ack`)).json().error.id).toBe('unknown_page');
    expect((await refB.post(`${A}/tickets/${t.id}/oncall-ack`)).statusCode).toBe(404);
    expect((await referent.post(`${A}/tickets/${t.id}/oncall-ack`)).statusCode).toBe(403);
    const inApp = await managerS.post(`${A}/tickets/${t.id}/oncall-ack`);
    expect(inApp.statusCode).toBe(200);
    expect(inApp.json()).toMatchObject({ level: 3, already_acknowledged: false, person: { id: manager.id } });
    expect((await managerS.post(`${A}/tickets/${t.id}/oncall-ack`)).json()).toMatchObject({ already_acknowledged: true });
    expect((await pass(t0 + 2 * HOUR)).escalated).toBe(0);
    expect(await pagesOf(t.id)).toHaveLength(3);
  });

  it('stands pages down when another page of the ticket is acknowledged or the ticket is resolved', async () => {
    await quiet();
    const t0 = SAT_3AM + 4 * HOUR;
    const t = await insertTicket(db, w.a.client.id, contractA, 1, t0);
    await page(t, t0);
    await runOncallPass(db, t0 + 15 * MIN, { publicUrl: PUBLIC });
    // The first person acknowledges late: the second's page is stood down, nobody else is paged.
    const token1 = tokenIn((await mailsOf(t.id))[0]!.body);
    expect((await new Session(app).post(`/api/v1/oncall/ack/${token1}`)).statusCode).toBe(200);
    const [p1, p2] = await pagesOf(t.id);
    expect(p1!.acked_at).not.toBeNull();
    expect(p2!.superseded_at).not.toBeNull();
    expect((await runOncallPass(db, t0 + HOUR, { publicUrl: PUBLIC })).escalated).toBe(0);
    expect(await pagesOf(t.id)).toHaveLength(2);

    await quiet();
    const r = await insertTicket(db, w.a.client.id, contractA, 1, t0);
    await page(r, t0);
    await db.kysely.updateTable('tickets').set({ state: 'resolved' }).where('id', '=', r.id).execute();
    expect((await runOncallPass(db, t0 + HOUR, { publicUrl: PUBLIC })).escalated).toBe(0);
    expect((await pagesOf(r.id)).map((p) => p.superseded_at !== null)).toEqual([true]);
  });

  it('posts a signed webhook for each page after the transaction, retrying failures', async () => {
    await quiet();
    const hookContract = await insertContract(db, w.a.client.id, { name: 'Hébergement 24/7', windows: [ALWAYS], oncall: { business_window: null, webhook_url: 'https://pager.alpha.test/hook' } });
    await engineer.post(`${A}/contracts/${hookContract}/oncall-shifts`, { user_id: second.id, starts_at: MON_10AM - HOUR, ends_at: MON_10AM + HOUR });
    expect((await referent.get(`${A}/contracts/${hookContract}/oncall-webhook`)).json()).toMatchObject({ webhook_url: 'https://pager.alpha.test/hook', has_secret: false });
    expect((await referent.post(`${A}/contracts/${hookContract}/oncall-webhook/secret`)).statusCode).toBe(403);
    const secret = (await engineer.post(`${A}/contracts/${hookContract}/oncall-webhook/secret`)).json().secret as string;
    expect(secret).toMatch(/^vgw_/);
    expect((await journalOf('oncall.webhook_secret')).map((j) => j.object_id)).toEqual([hookContract]);
    expect(JSON.stringify(await journalOf('oncall.webhook_secret'))).not.toContain(secret);

    // A 24/7 contract pages even on Monday morning.
    const t = await insertTicket(db, w.a.client.id, hookContract, 2, MON_10AM);
    expect(await page(t, MON_10AM)).toMatchObject({ paged: true, user_id: second.id });
    expect((await pagesOf(t.id))[0]).toMatchObject({ webhook_state: 'pending' });
    const got: WebhookRequest[] = [];
    let fail = true;
    const webhook = async (req: WebhookRequest) => {
      got.push(req);
      if (fail) throw new WebhookError('HTTP 503', false, 503);
      return { status: 200 };
    };
    await runOncallPass(db, MON_10AM, { publicUrl: PUBLIC, webhook });
    expect((await pagesOf(t.id))[0]).toMatchObject({ webhook_state: 'pending', webhook_attempts: 1, webhook_error: 'HTTP 503' });
    fail = false;
    expect((await runOncallPass(db, MON_10AM + 10_000, { publicUrl: PUBLIC, webhook })).webhooks_sent).toBe(0); // not due yet
    expect((await runOncallPass(db, MON_10AM + 30_000, { publicUrl: PUBLIC, webhook })).webhooks_sent).toBe(1);
    expect(got).toHaveLength(2);
    const req = got[1]!;
    expect(req).toMatchObject({ url: 'https://pager.alpha.test/hook', event: 'oncall.page', deliveryId: (await pagesOf(t.id))[0]!.id, secret });
    const raw = JSON.stringify(req.body);
    expect(verifyWebhookSignature(secret, raw, `sha256=${(await import('node:crypto')).createHmac('sha256', secret).update(raw).digest('hex')}`)).toBe(true);
    expect(req.body).toMatchObject({ event: 'oncall.page', page: { level: 1, ack_minutes: 15 }, ticket: { id: t.id, ref: `T-${t.number}`, priority: 2 }, person: { id: second.id } });
    const row = (await pagesOf(t.id))[0]!;
    expect(row).toMatchObject({ webhook_state: 'sent', webhook_body: null, webhook_error: null });
    expect((await runOncallPass(db, MON_10AM + 5 * MIN, { publicUrl: PUBLIC, webhook })).webhooks_sent).toBe(0);
  });

  it('computes the on-call efficiency figures of a period', async () => {
    const base = at('2026-01-10T02:00:00Z');
    const t = await insertTicket(db, w.a.client.id, contractA, 1, base);
    const rows: [Person, number, number | null, boolean][] = [
      [first, 0, 5, false],
      [first, 1, 20, false],
      [second, 2, 10, false],
      [second, 3, null, false],
      [tech, 4, null, true], // stood down: left out
    ];
    for (const [who, i, ack, superseded] of rows) {
      const paged = base + i * HOUR;
      await db.kysely
        .insertInto('oncall_pages')
        .values({
          id: newId(), client_id: w.a.client.id, ticket_id: t.id, user_id: who.id, level: 1, token_hash: newId().replace(/-/g, '').padEnd(64, '0'), paged_at: paged,
          acked_at: ack === null ? null : paged + ack * MIN, escalated_at: null, superseded_at: superseded ? paged + MIN : null,
          webhook_state: null, webhook_attempts: 0, webhook_next_at: null, webhook_error: null, webhook_body: null,
        })
        .execute();
    }
    const r = await referent.get(`${A}/oncall/stats?from=${base}&to=${base + DAY}`);
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ from: base, to: base + DAY, pages: 4, acked: 3, median_ack_ms: 10 * MIN, p90_ack_ms: 20 * MIN, within_target: 2, share_within_target: 0.5 });
    expect(r.json().by_person).toEqual([
      { user_id: first.id, name: `Staff ${first.email}`, pages: 2, acked: 2, median_ack_ms: 12.5 * MIN, p90_ack_ms: 20 * MIN, within_target: 1, share_within_target: 0.5 },
      { user_id: second.id, name: `Staff ${second.email}`, pages: 2, acked: 1, median_ack_ms: 10 * MIN, p90_ack_ms: 10 * MIN, within_target: 1, share_within_target: 0.5 },
    ].sort((a, b) => a.name.localeCompare(b.name)));
    expect((await refB.get(`/api/v1/clients/${w.b.client.id}/oncall/stats?from=${base}&to=${base + DAY}`)).json()).toMatchObject({ pages: 0, by_person: [] });
  });

  it('lets provider staff and the technical referent read; admin, account manager and engineer write; other clients’ ids are 404', async () => {
    const body = { user_id: first.id, starts_at: at('2026-08-01T00:00:00Z'), ends_at: at('2026-08-02T00:00:00Z') };
    const list = `${A}/contracts/${contractA}/oncall-shifts`;
    for (const [who, s] of [['referent', referent], ['technician', techS]] as const) {
      for (const url of [list, `${A}/oncall/now`, `${A}/oncall/stats`, `${A}/contracts/${contractA}/oncall-webhook`]) expect((await s.get(url)).statusCode, `${who} ${url}`).toBe(200);
      expect((await s.post(list, body)).statusCode, who).toBe(403);
    }
    for (const [who, s] of [['user', user], ['auditor', auditor]] as const) {
      for (const url of [list, `${A}/oncall/now`, `${A}/oncall/stats`]) expect((await s.get(url)).statusCode, `${who} ${url}`).toBe(403);
    }
    let shiftId = '';
    for (const [who, s] of [['engineer', engineer], ['manager', managerS], ['admin', admin]] as const) {
      const r = await s.post(list, body);
      expect(r.statusCode, who).toBe(201);
      shiftId = r.json().id;
      expect((await referent.patch(`${A}/oncall-shifts/${shiftId}`, { rank: 1 })).statusCode).toBe(403);
      expect((await techS.delete(`${A}/oncall-shifts/${shiftId}`)).statusCode).toBe(403);
      expect((await s.delete(`${A}/oncall-shifts/${shiftId}`)).statusCode, who).toBe(204);
    }
    // Who may be put on duty: A's provider staff (and provider admins), not client users nor B's staff.
    const roster = (await managerS.get(`${A}/oncall/roster`)).json().items.map((p: { id: string }) => p.id);
    expect(roster).toEqual(expect.arrayContaining([first.id, second.id, manager.id, tech.id, w.engineerA.id, w.admin.id]));
    expect(roster).not.toContain(outsider.id);
    expect(roster).not.toContain(w.a.referent.id);
    expect((await user.get(`${A}/oncall/roster`)).statusCode).toBe(403);
    expect((await refB.get(`${A}/oncall/roster`)).statusCode).toBe(404);
    // B's people do not see A; A's ids under B's URL (and B's under A's) are 404.
    expect((await refB.get(`${A}/oncall/now`)).statusCode).toBe(404);
    expect((await refB.post(list, body)).statusCode).toBe(404);
    const shiftB = await db.kysely
      .insertInto('oncall_shifts')
      .values({ id: newId(), client_id: w.b.client.id, contract_id: contractB, user_id: outsider.id, rank: 0, starts_at: body.starts_at, ends_at: body.ends_at, created_at: Date.now() })
      .returning('id')
      .executeTakeFirstOrThrow();
    expect((await admin.get(`${A}/contracts/${contractB}/oncall-shifts`)).statusCode).toBe(404);
    expect((await admin.post(`${A}/contracts/${contractB}/oncall-shifts`, body)).statusCode).toBe(404);
    expect((await admin.post(`${A}/contracts/${contractB}/oncall-shifts/rotation`, { user_ids: [first.id], from: '2026-08-03', weeks: 1, handover_day: 'mon', handover_time: '09:00' })).statusCode).toBe(404);
    expect((await admin.get(`${A}/contracts/${contractB}/oncall-webhook`)).statusCode).toBe(404);
    expect((await admin.post(`${A}/contracts/${contractB}/oncall-webhook/secret`)).statusCode).toBe(404);
    expect((await admin.patch(`${A}/oncall-shifts/${shiftB.id}`, { rank: 3 })).statusCode).toBe(404);
    expect((await admin.delete(`${A}/oncall-shifts/${shiftB.id}`)).statusCode).toBe(404);
    expect((await engineer.get(`/api/v1/clients/${w.b.client.id}/contracts/${contractB}/oncall-shifts`)).statusCode).toBe(404);
    const stillB = await db.kysely.selectFrom('oncall_shifts').selectAll().where('id', '=', shiftB.id).executeTakeFirstOrThrow();
    expect(Number(stillB.rank)).toBe(0);
    // The shift of B under B's own URL is real (positive control).
    expect((await admin.get(`/api/v1/clients/${w.b.client.id}/contracts/${contractB}/oncall-shifts?from=${body.starts_at}`)).json().items.map((s: { id: string }) => s.id)).toEqual([shiftB.id]);
    // A user of B's ticket: acknowledging through A's URL finds nothing.
    const tB = await insertTicket(db, w.b.client.id, contractB, 1, SAT_3AM);
    expect((await admin.post(`${A}/tickets/${tB.id}/oncall-ack`)).statusCode).toBe(404);
  });
});
