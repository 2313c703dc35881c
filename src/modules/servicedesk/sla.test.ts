import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../../../test/support/databases.ts';
import { ALWAYS_WINDOW, insertContract, paris } from '../../../test/support/servicedesk.ts';
import { login, makeStaff, Session, testServer, twoClients } from '../../../test/support/world.ts';
import type { App } from '../../app/server.ts';
import { newId } from '../../core/ids.ts';
import type { Db } from '../../db/database.ts';
import { SYSTEM_CONTEXT } from '../journal/service.ts';
import { addMembership, createApiToken } from '../tenancy/service.ts';
import type { Principal } from '../tenancy/principal.ts';
import { NEVER } from './clocks.ts';
import { runSlaPass } from './jobs.ts';
import { deskClock } from './service.ts';

const realNow = deskClock.now;
const H = 3_600_000;
const M = 60_000;

describeEachDatabase('service desk SLA clocks', (getDb) => {
  let db: Db;
  let app: App;
  let w: Awaited<ReturnType<typeof twoClients>>;
  let engineer: Session;
  let referent: Session;
  let token: Session;
  let admin: Session;
  let A: string;
  let tech: Awaited<ReturnType<typeof makeStaff>>;
  let lead: Awaited<ReturnType<typeof makeStaff>>;
  let manager: Awaited<ReturnType<typeof makeStaff>>;

  beforeAll(async () => {
    db = getDb();
    app = await testServer(db);
    w = await twoClients(db);
    A = `/api/v1/clients/${w.a.client.id}`;
    await insertContract(db, w.a.client.id);
    tech = await makeStaff(db, ['technician']);
    await addMembership(db, SYSTEM_CONTEXT, w.a.client.id, tech.id, 'technician');
    lead = await makeStaff(db, ['engineer']);
    manager = await makeStaff(db, ['account_manager']);
    await addMembership(db, SYSTEM_CONTEXT, w.a.client.id, manager.id, 'account_manager');
    [engineer, referent, admin] = await Promise.all([w.engineerA, w.a.referent, w.admin].map((p) => login(app, p)));
    const t = await createApiToken(db, SYSTEM_CONTEXT, { userId: w.engineerA.id } as Principal, w.a.client.id, { name: 'auto-ack', role: 'engineer', expiresInDays: 30 });
    token = new Session(app, t.secret);
  });
  afterEach(() => {
    deskClock.now = realNow;
  });
  afterAll(async () => {
    await app?.close();
  });

  const at = (text: string) => {
    deskClock.now = () => paris(text);
  };
  const get = async (id: string) => (await engineer.get(`${A}/tickets/${id}`)).json();
  const clock = (t: { clocks: { clock: string }[] }, name: 'gti' | 'gtr') => t.clocks.find((c) => c.clock === name) as Record<string, any>;
  const slaKinds = async (id: string, name: 'gti' | 'gtr') =>
    (await db.kysely.selectFrom('sla_events').select(['kind', 'at', 'data', 'id']).where('ticket_id', '=', id).where('clock', '=', name).orderBy('at').orderBy('id').execute()).map((e) => e.kind);

  it('runs GTI and GTR on business hours: GTI met by a person taking it (not a token), GTR paused while waiting, resumed by the client, met when restored, running again when reopened', async () => {
    at('2026-03-02 09:00'); // a Monday
    const created = await referent.post(`${A}/tickets`, { title: 'Messagerie en panne', impact: 2, urgency: 2 });
    expect(created.statusCode).toBe(201);
    const t = created.json();
    expect(t.priority).toBe(2);
    expect(clock(t, 'gti')).toEqual({
      clock: 'gti', state: 'running', target: { value: 1, unit: 'hours', window: 'business', window_name: 'Heures ouvrées' }, started_at: paris('2026-03-02 09:00'),
      due_at: paris('2026-03-02 10:00'), warn_at: paris('2026-03-02 09:45'), remaining_ms: H, progress: 0, paused_since: null, met_at: null, breached_at: null, now: paris('2026-03-02 09:00'),
    });
    expect(clock(t, 'gtr')).toMatchObject({ state: 'running', due_at: paris('2026-03-02 17:00'), warn_at: paris('2026-03-02 15:00'), remaining_ms: 8 * H });
    expect(t).toMatchObject({ gti_due_at: paris('2026-03-02 10:00'), gtr_due_at: paris('2026-03-02 17:00'), gti_state: 'running', gtr_state: 'running' });

    at('2026-03-02 09:20');
    expect((await token.post(`${A}/tickets/${t.id}/actions`, { action: 'take' })).json().error.id).toBe('not_qualified');
    expect(clock(await get(t.id), 'gti')).toMatchObject({ state: 'running', remaining_ms: 40 * M, progress: 20 / 60 });
    const taken = (await engineer.post(`${A}/tickets/${t.id}/actions`, { action: 'take' })).json();
    expect(clock(taken, 'gti')).toMatchObject({ state: 'met', met_at: paris('2026-03-02 09:20') });
    expect(taken.gti_state).toBe('met');

    at('2026-03-02 11:00');
    const waiting = (await engineer.post(`${A}/tickets/${t.id}/actions`, { action: 'wait', comment: 'Pouvez-vous redémarrer le poste ?' })).json();
    expect(waiting.state).toBe('waiting');
    expect(clock(waiting, 'gtr')).toMatchObject({ state: 'paused', paused_since: paris('2026-03-02 11:00'), remaining_ms: 6 * H });
    expect(waiting).toMatchObject({ gtr_state: 'paused', gtr_due_at: null });
    at('2026-03-02 12:30');
    expect(clock(await get(t.id), 'gtr')).toMatchObject({ state: 'paused', remaining_ms: 6 * H });

    // The client answers at 13:00: work resumes, 6 h left: 13:00–18:00 Monday, then 08:00–09:00 Tuesday.
    at('2026-03-02 13:00');
    expect((await referent.post(`${A}/tickets/${t.id}/comments`, { body: 'C’est fait, toujours en panne' })).statusCode).toBe(201);
    const resumed = await get(t.id);
    expect(resumed.state).toBe('in_progress');
    expect(clock(resumed, 'gtr')).toMatchObject({ state: 'running', paused_since: null, due_at: paris('2026-03-03 09:00'), remaining_ms: 6 * H });

    at('2026-03-03 08:30');
    const restored = (await engineer.post(`${A}/tickets/${t.id}/actions`, { action: 'restore' })).json();
    expect(clock(restored, 'gtr')).toMatchObject({ state: 'met', met_at: paris('2026-03-03 08:30'), remaining_ms: 30 * M });
    expect(restored.gtr_state).toBe('met');

    // Reopened at 10:00: the 30 min left run from 10:00 (the span restored → reopened does not count).
    at('2026-03-03 10:00');
    const reopened = (await referent.post(`${A}/tickets/${t.id}/actions`, { action: 'reopen' })).json();
    expect(reopened).toMatchObject({ state: 'in_progress', reopened_count: 1, gtr_state: 'running', gtr_due_at: paris('2026-03-03 10:30') });
    expect(clock(reopened, 'gti')).toMatchObject({ state: 'met', met_at: paris('2026-03-02 09:20') });
    expect(await slaKinds(t.id, 'gti')).toEqual(['start', 'met']);
    expect(await slaKinds(t.id, 'gtr')).toEqual(['start', 'pause', 'resume', 'met', 'reopen']);
    const row = await db.kysely.selectFrom('sla_clocks').selectAll().where('ticket_id', '=', t.id).where('clock', '=', 'gtr').executeTakeFirstOrThrow();
    expect(row).toMatchObject({ state: 'running', due_at: paris('2026-03-03 10:30'), stopped_at: null, breached_at: null });
    expect(JSON.parse(row.spec).calendar).toMatchObject({ time_zone: 'Europe/Paris', public_holidays: 'fr' });
    const history = (await referent.get(`${A}/tickets/${t.id}/events`)).json().items.map((e: { kind: string }) => e.kind);
    expect(history).toEqual(['created', 'sla.start', 'sla.start', 'sla.met', 'state', 'sla.pause', 'state', 'comment', 'sla.resume', 'state', 'sla.met', 'state', 'sla.reopen', 'state']);
  });

  it('skips public holidays: a P2 declared Good Friday evening is due Tuesday after Easter Monday', async () => {
    at('2026-04-03 17:00');
    const t = (await referent.post(`${A}/tickets`, { title: 'Pâques', impact: 2, urgency: 2 })).json();
    expect(t).toMatchObject({ gti_due_at: paris('2026-04-03 18:00'), gtr_due_at: paris('2026-04-07 15:00') });
  });

  it('starts the clocks at qualification when the contract says so: a priority set by staff, or a take', async () => {
    at('2026-03-09 09:00');
    const a = (await referent.post(`${A}/tickets`, { title: 'À qualifier' })).json();
    expect(a).toMatchObject({ priority: 3, clocks: [], gti_state: null });
    at('2026-03-09 10:00');
    const q = (await engineer.patch(`${A}/tickets/${a.id}`, { priority: 3 })).json();
    expect(clock(q, 'gti')).toMatchObject({ state: 'running', started_at: paris('2026-03-09 10:00'), due_at: paris('2026-03-09 12:00') });
    expect(clock(q, 'gtr')).toMatchObject({ state: 'running', started_at: paris('2026-03-09 10:00') });
    at('2026-03-09 09:00');
    const b = (await referent.post(`${A}/tickets`, { title: 'À prendre' })).json();
    at('2026-03-09 10:30');
    const taken = (await engineer.post(`${A}/tickets/${b.id}/actions`, { action: 'take' })).json();
    expect(clock(taken, 'gti')).toMatchObject({ state: 'met', started_at: paris('2026-03-09 10:30'), met_at: paris('2026-03-09 10:30') });
    expect(clock(taken, 'gtr')).toMatchObject({ state: 'running', started_at: paris('2026-03-09 10:30') });
    // Staff giving the priority at creation qualifies at once.
    const c = (await engineer.post(`${A}/tickets`, { title: 'Qualifié', priority: 3 })).json();
    expect(clock(c, 'gti')).toMatchObject({ started_at: paris('2026-03-09 10:30') });
  });

  it('re-targets both clocks on a priority change, recorded with from, to and reason', async () => {
    at('2026-03-09 09:00');
    const t = (await referent.post(`${A}/tickets`, { title: 'Compta', impact: 2, urgency: 2 })).json();
    at('2026-03-09 09:10');
    const r = await engineer.patch(`${A}/tickets/${t.id}`, { priority: 1, reason: 'Toute la comptabilité est bloquée' });
    expect(r.statusCode, r.body).toBe(200);
    // P1 counts 24/7 as if from the start: GTI 30 min → 09:30, GTR 4 h → 13:00.
    expect(r.json()).toMatchObject({ priority: 1, gti_due_at: paris('2026-03-09 09:30'), gtr_due_at: paris('2026-03-09 13:00') });
    expect(clock(r.json(), 'gti').target).toEqual({ value: 30, unit: 'minutes', window: 'always', window_name: '24/7' });
    const ev = await db.kysely.selectFrom('sla_events').selectAll().where('ticket_id', '=', t.id).where('kind', '=', 'priority_change').orderBy('clock').execute();
    expect(ev.map((e) => [e.clock, Number(e.at)])).toEqual([['gti', paris('2026-03-09 09:10')], ['gtr', paris('2026-03-09 09:10')]]);
    expect(JSON.parse(ev[0]!.data)).toMatchObject({ from: 2, to: 1, reason: 'Toute la comptabilité est bloquée', spec: { target: { window: 'always' }, calendar: ALWAYS_WINDOW.always ? { always: true } : {} } });
    const history = (await referent.get(`${A}/tickets/${t.id}/events`)).json().items;
    expect(history.find((e: { kind: string }) => e.kind === 'priority')).toMatchObject({ data: { from: 2, to: 1, reason: 'Toute la comptabilité est bloquée' } });
    expect(history.find((e: { kind: string }) => e.kind === 'sla.priority_change')).toMatchObject({ data: { clock: 'gti', from: 2, to: 1, target: { value: 30, unit: 'minutes' } } });
    const j = await db.kysely.selectFrom('journal').selectAll().where('object_id', '=', t.id).where('action', '=', 'ticket.update').executeTakeFirstOrThrow();
    expect(j.reason).toBe('Toute la comptabilité est bloquée');
    expect(JSON.parse(j.after!)).toEqual({ priority: 1 });
  });

  it('records breaches and the 75 % and 100 % escalations once each, mails the assignee, the group lead and the account managers, and keeps a breach through a priority change', async () => {
    const group = (await admin.post('/api/v1/support-groups', { name: 'Astreinte', lead_user_id: lead.id, member_ids: [tech.id] })).json();
    at('2026-03-06 17:00'); // Friday; P1 counts 24/7: GTI 30 min (75 % at 17:22:30), GTR 4 h (75 % at 20:00)
    await runSlaPass(db, paris('2026-03-06 17:00')); // what the earlier tests left due
    const t = (await engineer.post(`${A}/tickets`, { title: 'Internet coupé au siège', priority: 1, requester_user_id: w.a.referent.id, assignee_user_id: tech.id, group_id: group.id })).json();
    const escalationMails = async () =>
      (await db.kysely.selectFrom('mail_outbox').selectAll().where('ticket_id', '=', t.id).where('kind', '=', 'escalation').orderBy('created_at').orderBy('id').execute()).map((m) => ({
        to: JSON.parse(m.recipients)[0] as string, subject: m.subject,
      }));
    const pass = (text: string) => runSlaPass(db, paris(text));

    expect(await pass('2026-03-06 17:10')).toMatchObject({ breached: 0, escalations: 0 });
    expect(await pass('2026-03-06 17:23')).toMatchObject({ breached: 0, escalations: 1 });
    expect(await pass('2026-03-06 17:23')).toMatchObject({ checked: 0, breached: 0, escalations: 0 });
    const first = await escalationMails();
    expect(first.map((m) => m.to).sort()).toEqual([tech.email, lead.email, manager.email].sort());
    expect(first[0]!.subject).toBe(`[T-${t.number}] Escalade GTI 75 % : Internet coupé au siège`);

    // Two processes at once take each clock once.
    const [p1, p2] = await Promise.all([pass('2026-03-06 17:31'), pass('2026-03-06 17:31')]);
    expect(p1.breached + p2.breached).toBe(1);
    expect(p1.escalations + p2.escalations).toBe(1);
    expect(await pass('2026-03-06 17:40')).toMatchObject({ breached: 0, escalations: 0 });
    expect((await escalationMails()).length).toBe(6);
    at('2026-03-06 17:40');
    const late = await get(t.id);
    expect(late.gti_state).toBe('breached');
    expect(clock(late, 'gti')).toMatchObject({ state: 'breached', breached_at: paris('2026-03-06 17:30'), remaining_ms: -10 * M });
    const breachEvent = await db.kysely.selectFrom('sla_events').selectAll().where('ticket_id', '=', t.id).where('kind', '=', 'breached').executeTakeFirstOrThrow();
    expect(Number(breachEvent.at)).toBe(paris('2026-03-06 17:30'));
    // Taken late: the GTI stops, breached for good.
    at('2026-03-06 17:45');
    expect(clock((await engineer.post(`${A}/tickets/${t.id}/actions`, { action: 'take' })).json(), 'gti')).toMatchObject({ state: 'breached', met_at: null });

    // A late pass sees the GTR past 75 % and past due at once: one breach, both escalations.
    expect(await pass('2026-03-06 21:05')).toMatchObject({ breached: 1, escalations: 2 });
    expect(await pass('2026-03-06 21:06')).toMatchObject({ checked: 0 });
    expect(await slaKinds(t.id, 'gtr')).toEqual(['start', 'breached', 'escalation', 'escalation']);
    expect((await escalationMails()).length).toBe(12);
    const row = await db.kysely.selectFrom('sla_clocks').selectAll().where('ticket_id', '=', t.id).where('clock', '=', 'gtr').executeTakeFirstOrThrow();
    expect(row).toMatchObject({ state: 'breached', breached_at: paris('2026-03-06 21:00'), escalated: '[75,100]', next_check_at: NEVER });

    // Lowering the priority gives a later target, but the recorded breaches stay.
    at('2026-03-06 21:10');
    const lowered = (await engineer.patch(`${A}/tickets/${t.id}`, { priority: 2, reason: 'Contournement en place' })).json();
    expect(lowered).toMatchObject({ priority: 2, gti_state: 'breached', gtr_state: 'breached' });
    expect(clock(lowered, 'gtr')).toMatchObject({ state: 'breached', breached_at: paris('2026-03-06 21:00'), target: { value: 8, unit: 'hours', window: 'business' } });
    // Nothing mailed to the requester about escalations.
    expect((await escalationMails()).some((m) => m.to === w.a.referent.email)).toBe(false);
    const journal = await db.kysely.selectFrom('journal').select(['action', 'after']).where('object_id', '=', t.id).where('action', '=', 'ticket.sla').orderBy('seq').execute();
    expect(journal.map((j) => JSON.parse(j.after!).items[0].done)).toEqual([['escalation 75'], ['breached', 'escalation 100'], ['breached', 'escalation 75', 'escalation 100']]);
  });

  it('adopts a clock row written without its events or schedule (a bulk load): its start is recorded from the row, then breach and escalations', async () => {
    const clientId = w.b.client.id;
    const start = paris('2026-05-04 08:00');
    await runSlaPass(db, start); // what the earlier tests left due
    const id = newId();
    await db.kysely
      .insertInto('tickets')
      .values({
        id, client_id: clientId, number: 90_001, type: 'incident', title: 'Chargé à la main', description: '', category: '', impact: 1, urgency: 1, priority: 1, state: 'new',
        source: 'import', contract_id: null, requester_user_id: null, requester_name: '', requester_email: '', assignee_user_id: null, group_id: null, problem_id: null,
        alert_subject_id: null, external_ref: null, created_at: start, updated_at: start, taken_at: null, restored_at: null, resolved_at: null, closed_at: null, reopened_count: 0,
        gti_due_at: null, gtr_due_at: start + 4 * H, gti_state: null, gtr_state: 'running', gti_warn_at: null, gtr_warn_at: null,
      })
      .execute();
    const spec = { target: { value: 4, unit: 'hours', window: 'always', window_name: '24/7' }, calendar: ALWAYS_WINDOW };
    await db.kysely
      .insertInto('sla_clocks')
      .values({
        ticket_id: id, clock: 'gtr', client_id: clientId, spec: JSON.stringify(spec), state: 'running', started_at: start, due_at: start + 4 * H, warn_at: start + 3 * H,
        paused_since: null, paused_ms: 0, stopped_at: null, breached_at: null, escalated: '[]', updated_at: start, next_check_at: null,
      })
      .execute();
    expect(await runSlaPass(db, start + 2 * H)).toMatchObject({ checked: 0 });
    expect(await runSlaPass(db, start + 3 * H + M)).toMatchObject({ checked: 1, breached: 0, escalations: 1 });
    expect(await runSlaPass(db, start + 5 * H)).toMatchObject({ checked: 1, breached: 1, escalations: 1 });
    expect(await slaKinds(id, 'gtr')).toEqual(['start', 'escalation', 'breached', 'escalation']);
    const t = await db.kysely.selectFrom('tickets').select(['gtr_state', 'gtr_due_at']).where('id', '=', id).executeTakeFirstOrThrow();
    expect(t).toEqual({ gtr_state: 'breached', gtr_due_at: start + 4 * H });
  });

  it('runs a pass over 50,000 open tickets touching only what is due, well under a second', async () => {
    const clientId = w.b.client.id;
    const base = paris('2026-06-01 09:00');
    const spec = { target: { value: 4, unit: 'hours', window: 'always', window_name: '24/7' }, calendar: ALWAYS_WINDOW };
    const N = 50_000;
    const DUE = 50;
    const startNo = 100_000;
    await runSlaPass(db, base - 3 * H); // what the earlier tests left due
    const t00 = performance.now();
    if (db.dialect === 'postgres') {
      // One statement per table (row-by-row inserts from the test would take most of a minute).
      const id = (g: string) => `'01900000-' || lpad(to_hex(${g}), 4, '0') || '-7000-8000-' || lpad(to_hex(${g}), 12, '0')`;
      const created = `case when g < ${DUE} then ${base - 5 * H} else ${base} end`;
      const specText = JSON.stringify(spec).replace(/'/g, "''");
      await sql.raw(`insert into tickets (id, client_id, number, type, title, description, category, impact, urgency, priority, state, source, requester_name, requester_email,
          created_at, updated_at, reopened_count, gtr_due_at, gtr_state, gtr_warn_at)
        select ${id('g')}, '${clientId}', ${startNo} + g, 'incident', 'Charge ' || g, '', '', 3, 3, 1, 'new', 'api', '', '', ${created}, ${created}, 0,
          ${created} + ${4 * H}, 'running', ${created} + ${3 * H} from generate_series(0, ${N - 1}) as g`).execute(db.kysely);
      await sql.raw(`insert into sla_clocks (ticket_id, clock, client_id, spec, state, started_at, due_at, warn_at, paused_ms, escalated, updated_at, next_check_at)
        select ${id('g')}, 'gtr', '${clientId}', '${specText}', 'running', ${created}, ${created} + ${4 * H}, ${created} + ${3 * H}, 0, '[]', ${created}, ${created} + ${3 * H}
        from generate_series(0, ${N - 1}) as g`).execute(db.kysely);
      await sql.raw(`insert into sla_events (id, client_id, ticket_id, clock, kind, at, data)
        select ${id('g + 1000000')}, '${clientId}', ${id('g')}, 'gtr', 'start', ${created}, '${JSON.stringify({ spec }).replace(/'/g, "''")}' from generate_series(0, ${N - 1}) as g`).execute(db.kysely);
      await sql`analyze`.execute(db.kysely);
    }
    for (let i = 0; db.dialect === 'sqlite' && i < N; i += 500) {
      const tickets = [];
      const clocks = [];
      const events = [];
      for (let k = i; k < Math.min(N, i + 500); k++) {
        const id = newId();
        const due = k < DUE;
        const created = due ? base - 5 * H : base;
        tickets.push({
          id, client_id: clientId, number: startNo + k, type: 'incident', title: `Charge ${k}`, description: '', category: '', impact: 3, urgency: 3, priority: 1, state: 'new', source: 'api',
          contract_id: null, requester_user_id: null, requester_name: '', requester_email: '', assignee_user_id: null, group_id: null, problem_id: null, alert_subject_id: null,
          external_ref: null, created_at: created, updated_at: created, taken_at: null, restored_at: null, resolved_at: null, closed_at: null, reopened_count: 0,
          gti_due_at: null, gtr_due_at: created + 4 * H, gti_state: null, gtr_state: 'running', gti_warn_at: null, gtr_warn_at: created + 3 * H,
        });
        clocks.push({
          ticket_id: id, clock: 'gtr', client_id: clientId, spec: JSON.stringify(spec), state: 'running', started_at: created, due_at: created + 4 * H, warn_at: created + 3 * H,
          paused_since: null, paused_ms: 0, stopped_at: null, breached_at: null, escalated: '[]', updated_at: created, next_check_at: created + 3 * H,
        });
        events.push({ id: newId(), client_id: clientId, ticket_id: id, clock: 'gtr', kind: 'start', at: created, data: JSON.stringify({ spec }) });
      }
      await db.kysely.insertInto('tickets').values(tickets).execute();
      await db.kysely.insertInto('sla_clocks').values(clocks).execute();
      await db.kysely.insertInto('sla_events').values(events).execute();
    }
    console.log(`seeded ${N} tickets in ${(performance.now() - t00).toFixed(0)} ms`);
    const t0 = performance.now();
    const r = await runSlaPass(db, base);
    console.log(`SLA pass over ${N} open tickets, ${DUE} due: ${(performance.now() - t0).toFixed(0)} ms`);
    const ms = performance.now() - t0;
    expect(r).toMatchObject({ checked: DUE, breached: DUE, escalations: 2 * DUE });
    expect(ms).toBeLessThan(1000);
    const t1 = performance.now();
    expect(await runSlaPass(db, base + M)).toMatchObject({ checked: 0 });
    expect(performance.now() - t1).toBeLessThan(50);
  }, 180_000);
});
