import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachDatabase } from '../../../test/support/databases.ts';
import { login, makeStaff, Session, testServer, twoClients } from '../../../test/support/world.ts';
import type { App } from '../../app/server.ts';
import { sha256 } from '../../core/crypto.ts';
import type { Db } from '../../db/database.ts';
import type { TicketTable } from '../../db/schema.ts';
import { SYSTEM_CONTEXT } from '../journal/service.ts';
import { insertContract, insertTicket } from '../problems/testing.ts';
import { addMembership } from '../tenancy/service.ts';
import { surveyMessage } from './messages.ts';
import { inSample, planSurvey, runSurveyPass, sampleBucket } from './service.ts';

const PUBLIC_URL = 'https://vigie.example.test';
const MIN = 60_000;
const DAY = 86_400_000;
const LINK_RE = /https:\/\/vigie\.example\.test\/survey\/([\w-]+)\?score=(\d)/g;

describe('survey sampling and message (pure)', () => {
  it('puts a ticket in or out of a sample by its id alone', () => {
    const ids = Array.from({ length: 2000 }, (_, i) => `0190${i.toString(16).padStart(4, '0')}-0000-7000-8000-000000000000`);
    for (const id of ids.slice(0, 50)) {
      expect(sampleBucket(id)).toBe(sampleBucket(id));
      expect(inSample(id, 100)).toBe(true);
      expect(inSample(id, 0)).toBe(false);
    }
    const half = ids.filter((id) => inSample(id, 50)).length;
    expect(half).toBeGreaterThan(900);
    expect(half).toBeLessThan(1100);
  });

  it('writes five one-click links in French or English', () => {
    const fr = surveyMessage('fr', { publicUrl: 'https://v.test/', token: 'tok', ref: 'T-7', title: 'VPN', providerName: 'Infogérance SA' });
    expect(fr.subject).toBe('[Vigie] T-7 : votre avis sur notre intervention (VPN)');
    for (let s = 1; s <= 5; s++) expect(fr.text).toContain(`https://v.test/survey/tok?score=${s}`);
    expect(fr.text).toContain('Votre demande T-7 « VPN » a été résolue');
    const en = surveyMessage('en', { publicUrl: 'https://v.test', token: 'tok', ref: 'T-7', title: 'VPN', providerName: '' });
    expect(en.subject).toBe('[Vigie] T-7: how did we do? (VPN)');
    expect(en.text).toContain('5 - Very satisfied: https://v.test/survey/tok?score=5');
  });
});

describeEachDatabase('satisfaction surveys', (getDb) => {
  let db: Db;
  let app: App;
  let w: Awaited<ReturnType<typeof twoClients>>;
  let A: string;
  let tech: Awaited<ReturnType<typeof makeStaff>>;
  let referent: Session, user: Session, auditor: Session, technician: Session, admin: Session, userB: Session, refB: Session;
  let contractA: string;

  beforeAll(async () => {
    db = getDb();
    app = await testServer(db, { publicUrl: `${PUBLIC_URL}/` });
    w = await twoClients(db);
    A = `/api/v1/clients/${w.a.client.id}`;
    tech = await makeStaff(db, ['technician']);
    await addMembership(db, SYSTEM_CONTEXT, w.a.client.id, tech.id, 'technician');
    contractA = await insertContract(db, w.a.client.id, { satisfaction: { sample_pct: 100, delay_minutes: 30 } });
    [referent, user, auditor, technician, admin, userB, refB] = await Promise.all([w.a.referent, w.a.user, w.a.auditor, tech, w.admin, w.b.user, w.b.referent].map((p) => login(app, p)));
  });
  afterAll(async () => {
    await app?.close();
  });

  const resolved = (clientId: string, f: Partial<TicketTable> = {}) =>
    insertTicket(db, clientId, { state: 'resolved', requester_email: 'marie@alpha.test', requester_name: 'Marie', assignee_user_id: tech.id, ...f });
  const plan = (t: TicketTable, at: number) => db.kysely.transaction().execute((trx) => planSurvey(trx, t, at));
  const surveysOf = (ticketId: string) => db.kysely.selectFrom('surveys').selectAll().where('ticket_id', '=', ticketId).execute();
  const outboxOf = (ticketId: string) => db.kysely.selectFrom('mail_outbox').selectAll().where('ticket_id', '=', ticketId).execute();
  const count = async (table: 'surveys' | 'journal' | 'mail_outbox') => Number((await db.kysely.selectFrom(table).select((e) => e.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  /** Plans and sends a survey for a new resolved ticket of client A; the link's token. */
  async function sentSurvey(f: Partial<TicketTable> = {}, at = Date.now() - 60 * MIN): Promise<{ ticket: TicketTable; token: string }> {
    const ticket = await resolved(w.a.client.id, { contract_id: contractA, ...f });
    expect(await plan(ticket, at)).toEqual({ planned: true, reason: 'planned' });
    const s = (await surveysOf(ticket.id))[0]!;
    await runSurveyPass(db, Number(s.send_at), { publicUrl: PUBLIC_URL });
    const [mail] = await outboxOf(ticket.id);
    const token = [...mail!.body.matchAll(LINK_RE)][0]![1]!;
    return { ticket, token };
  }

  it('samples per the contract, deterministically per ticket: 100 %, 0 %, 50 %', async () => {
    const far = Date.UTC(2100, 0, 1);
    const zero = await insertContract(db, w.a.client.id, { status: 'draft', satisfaction: { sample_pct: 0, delay_minutes: 10 } });
    const half = await insertContract(db, w.a.client.id, { status: 'draft', satisfaction: { sample_pct: 50, delay_minutes: 10 } });
    for (let i = 0; i < 5; i++) {
      const t = await resolved(w.a.client.id, { contract_id: contractA });
      expect(await plan(t, far)).toEqual({ planned: true, reason: 'planned' });
      const t0 = await resolved(w.a.client.id, { contract_id: zero });
      expect(await plan(t0, far)).toEqual({ planned: false, reason: 'not_sampled' });
      expect(await surveysOf(t0.id)).toHaveLength(0);
    }
    const halves: { t: TicketTable; planned: boolean }[] = [];
    for (let i = 0; i < 30; i++) {
      const t = await resolved(w.a.client.id, { contract_id: half });
      const r = await plan(t, far);
      expect(r.planned).toBe(inSample(t.id, 50));
      halves.push({ t, planned: r.planned });
    }
    expect(halves.some((h) => h.planned)).toBe(true);
    expect(halves.some((h) => !h.planned)).toBe(true);
    // A retry decides the same, and never makes a second survey.
    for (const h of halves) {
      expect((await plan(h.t, far + 1)).planned).toBe(h.planned);
      expect(await surveysOf(h.t.id)).toHaveLength(h.planned ? 1 : 0);
    }
    // Without a requester address, nothing is planned; problems are not surveyed.
    expect(await plan(await resolved(w.a.client.id, { contract_id: contractA, requester_email: '' }), far)).toEqual({ planned: false, reason: 'no_email' });
    expect(await plan({ ...(await resolved(w.a.client.id, { contract_id: contractA, type: 'problem' })) }, far)).toEqual({ planned: false, reason: 'not_surveyed_type' });
    // No contract on the ticket: the client's active contract decides.
    const t = await resolved(w.a.client.id);
    await plan(t, far);
    expect(Number((await surveysOf(t.id))[0]!.send_at)).toBe(far + 30 * MIN);
  });

  it('sends after the delay, once, with a token kept only as its hash and five links', async () => {
    const t0 = Date.UTC(2026, 0, 10, 9, 0);
    const ticket = await resolved(w.a.client.id, { contract_id: contractA, title: 'Messagerie lente', requester_user_id: w.a.user.id });
    expect(await plan(ticket, t0)).toEqual({ planned: true, reason: 'planned' });
    const [planned] = await surveysOf(ticket.id);
    expect(planned).toMatchObject({ send_at: t0 + 30 * MIN, sent_at: null, technician_user_id: tech.id, email: 'marie@alpha.test', client_id: w.a.client.id });

    expect(await runSurveyPass(db, t0 + 29 * MIN, { publicUrl: PUBLIC_URL })).toEqual({ sent: 0 });
    expect(await outboxOf(ticket.id)).toHaveLength(0);
    expect((await runSurveyPass(db, t0 + 30 * MIN, { publicUrl: PUBLIC_URL })).sent).toBeGreaterThanOrEqual(1);
    expect(await runSurveyPass(db, t0 + 31 * MIN, { publicUrl: PUBLIC_URL })).toEqual({ sent: 0 });

    const mails = await outboxOf(ticket.id);
    expect(mails).toHaveLength(1);
    const mail = mails[0]!;
    expect(mail).toMatchObject({ kind: 'survey', status: 'pending', client_id: w.a.client.id, next_attempt_at: t0 + 30 * MIN, attempts: 0 });
    expect(JSON.parse(mail.recipients)).toEqual(['marie@alpha.test']);
    expect(mail.subject).toBe(`[Vigie] T-${ticket.number} : votre avis sur notre intervention (Messagerie lente)`);
    const links = [...mail.body.matchAll(LINK_RE)];
    expect(links.map((m) => m[2])).toEqual(['1', '2', '3', '4', '5']);
    const token = links[0]![1]!;
    expect(new Set(links.map((m) => m[1]))).toEqual(new Set([token]));
    const [sent] = await surveysOf(ticket.id);
    expect(sent!.sent_at).toBe(t0 + 30 * MIN);
    expect(sent!.token_hash).toBe(sha256(token));
    expect(sent!.token_hash).not.toBe(planned!.token_hash);
    expect(JSON.stringify(sent)).not.toContain(token);
    const journal = await db.kysely.selectFrom('journal').select(['after', 'actor_label']).where('action', '=', 'survey.send').where('object_id', '=', sent!.id).execute();
    expect(journal).toHaveLength(1);
    expect(JSON.stringify(journal)).not.toContain(token);

    // English for a requester whose account is in English.
    await db.kysely.updateTable('users').set({ locale: 'en' }).where('id', '=', w.a.user.id).execute();
    try {
      const en = await resolved(w.a.client.id, { contract_id: contractA, title: 'VPN', requester_user_id: w.a.user.id, requester_email: w.a.user.email });
      await plan(en, t0);
      await runSurveyPass(db, t0 + 30 * MIN, { publicUrl: PUBLIC_URL });
      expect((await outboxOf(en.id))[0]!.subject).toBe(`[Vigie] T-${en.number}: how did we do? (VPN)`);
    } finally {
      await db.kysely.updateTable('users').set({ locale: 'fr' }).where('id', '=', w.a.user.id).execute();
    }

    // Two passes at once: one message.
    const both = await resolved(w.a.client.id, { contract_id: contractA });
    await plan(both, t0 + DAY);
    const r = await Promise.all([runSurveyPass(db, t0 + DAY + 30 * MIN, { publicUrl: PUBLIC_URL }), runSurveyPass(db, t0 + DAY + 30 * MIN, { publicUrl: PUBLIC_URL })]);
    expect(r[0].sent + r[1].sent).toBe(1);
    expect(await outboxOf(both.id)).toHaveLength(1);
  });

  it('waits while a ticket is reopened, plans again an unsent survey, keeps a sent one', async () => {
    const t0 = Date.UTC(2026, 1, 3, 9, 0);
    const ticket = await resolved(w.a.client.id, { contract_id: contractA });
    await plan(ticket, t0);
    await db.kysely.updateTable('tickets').set({ state: 'in_progress' }).where('id', '=', ticket.id).execute();
    expect(await runSurveyPass(db, t0 + 40 * MIN, { publicUrl: PUBLIC_URL })).toEqual({ sent: 0 });
    await db.kysely.updateTable('tickets').set({ state: 'resolved', assignee_user_id: w.engineerA.id }).where('id', '=', ticket.id).execute();
    expect(await plan({ ...ticket, assignee_user_id: w.engineerA.id }, t0 + 2 * DAY)).toEqual({ planned: true, reason: 'replanned' });
    const [again] = await surveysOf(ticket.id);
    expect(again).toMatchObject({ send_at: t0 + 2 * DAY + 30 * MIN, technician_user_id: w.engineerA.id, sent_at: null });
    expect(await runSurveyPass(db, t0 + 2 * DAY + 29 * MIN, { publicUrl: PUBLIC_URL })).toEqual({ sent: 0 });
    expect(await runSurveyPass(db, t0 + 2 * DAY + 30 * MIN, { publicUrl: PUBLIC_URL })).toEqual({ sent: 1 });
    expect(await plan(ticket, t0 + 5 * DAY)).toEqual({ planned: false, reason: 'already_sent' });
    expect(await surveysOf(ticket.id)).toHaveLength(1);
    expect(await outboxOf(ticket.id)).toHaveLength(1);
    // An unsent survey whose ticket lost its requester address is dropped.
    const lost = await resolved(w.a.client.id, { contract_id: contractA });
    await plan(lost, Date.UTC(2100, 0, 1));
    expect(await plan({ ...lost, requester_email: '' }, Date.UTC(2100, 0, 2))).toEqual({ planned: false, reason: 'dropped_no_email' });
    expect(await surveysOf(lost.id)).toHaveLength(0);
  });

  it('records the answer from the public link, lets it change for 7 days, then refuses it', async () => {
    const { ticket, token } = await sentSurvey({ title: 'Poste lent' });
    const anon = new Session(app);
    const url = `/api/v1/surveys/${token}`;
    const first = await anon.get(url);
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ ticket_ref: `T-${ticket.number}`, title: 'Poste lent', client_name: 'Alpha Industrie', score: null, comment: null, answered_at: null, open: true, locale: 'fr' });
    expect(Object.keys(first.json()).sort()).toEqual(['answered_at', 'client_name', 'closes_at', 'comment', 'locale', 'open', 'score', 'ticket_ref', 'title']);

    const one = await anon.post(url, { score: 4 });
    expect(one.statusCode).toBe(200);
    expect(one.json()).toMatchObject({ score: 4, comment: null });
    const two = await anon.post(url, { score: 2, comment: '  Trop long à venir  ' });
    expect(two.json()).toMatchObject({ score: 2, comment: 'Trop long à venir' });
    // A click on another link of the message changes the score and keeps the comment.
    expect((await anon.post(url, { score: 3 })).json()).toMatchObject({ score: 3, comment: 'Trop long à venir' });
    expect((await anon.get(url)).json()).toMatchObject({ score: 3, comment: 'Trop long à venir', answered_at: expect.any(Number) });
    const journal = await db.kysely.selectFrom('journal').select(['actor_label', 'actor_id', 'before', 'after']).where('action', '=', 'survey.answer').where('client_id', '=', w.a.client.id).orderBy('seq').execute();
    const mine = journal.filter((j) => JSON.parse(j.after!).ticket_id === ticket.id);
    expect(mine).toHaveLength(3);
    expect(mine[0]).toMatchObject({ actor_label: 'marie@alpha.test', actor_id: null, before: null });
    expect(JSON.parse(mine[1]!.before!)).toMatchObject({ score: 4 });
    expect(JSON.parse(mine[2]!.after!)).toMatchObject({ score: 3, comment: 'Trop long à venir' });

    // Bad input: 400, nothing changed.
    const before = { surveys: await surveysOf(ticket.id), journal: await count('journal') };
    for (const body of [{ score: 0 }, { score: 6 }, { score: 2.5 }, { score: '5' }, {}, { score: 5, comment: 'x'.repeat(2001) }]) {
      const r = await anon.post(url, body);
      expect([r.statusCode, r.json().error.id], JSON.stringify(body).slice(0, 40)).toEqual([400, 'validation_failed']);
    }
    expect({ surveys: await surveysOf(ticket.id), journal: await count('journal') }).toEqual(before);

    // Unknown or malformed tokens.
    const unknown = await anon.get(`/api/v1/surveys/${'A'.repeat(43)}`);
    expect([unknown.statusCode, unknown.json().error.id]).toEqual([404, 'unknown_survey']);
    expect((await anon.post(`/api/v1/surveys/${'A'.repeat(43)}`, { score: 5 })).json().error.id).toBe('unknown_survey');
    expect((await anon.get('/api/v1/surveys/short')).statusCode).toBe(400);
    // A survey planned but not sent has no link that works.
    const unsent = await resolved(w.a.client.id, { contract_id: contractA });
    await plan(unsent, Date.UTC(2100, 0, 1));

    // Signed-in people use the same link (no CSRF needed: the token is the credential).
    expect((await referent.post(url, { score: 5 })).statusCode).toBe(200);

    // Seven days after sending, the survey is closed.
    const sentAt = Number((await surveysOf(ticket.id))[0]!.sent_at);
    await db.kysely.updateTable('surveys').set({ sent_at: sentAt - 8 * DAY }).where('ticket_id', '=', ticket.id).execute();
    const closed = await anon.post(url, { score: 1 });
    expect([closed.statusCode, closed.json().error.id]).toEqual([409, 'survey_closed']);
    expect((await anon.get(url)).json()).toMatchObject({ score: 5, open: false });
  });

  it('gives the client’s figures by month and technician to staff, referents and the auditor', async () => {
    const base = Date.UTC(2025, 2, 10, 10, 0); // March 2025
    const answers: [number, number, string, string | null][] = [
      // sent at (days from base), score, technician, comment
      [0, 5, tech.id, 'Parfait'],
      [1, 4, tech.id, null],
      [2, 2, w.engineerA.id, 'Lent'],
      [31, 3, w.engineerA.id, null], // April
      [32, 5, tech.id, 'Merci'],
    ];
    for (const [d, score, techId, comment] of answers) {
      const t = await resolved(w.a.client.id, { contract_id: contractA, assignee_user_id: techId });
      await plan(t, base + d * DAY - 30 * MIN);
      await runSurveyPass(db, base + d * DAY, { publicUrl: PUBLIC_URL });
      await db.kysely.updateTable('surveys').set({ score, comment, answered_at: base + d * DAY + 3_600_000 }).where('ticket_id', '=', t.id).execute();
    }
    // Sent but not answered.
    for (const d of [3, 33, 34]) {
      const t = await resolved(w.a.client.id, { contract_id: contractA });
      await plan(t, base + d * DAY - 30 * MIN);
      await runSurveyPass(db, base + d * DAY, { publicUrl: PUBLIC_URL });
    }
    const q = `${A}/satisfaction?from=${Date.UTC(2025, 2, 1)}&to=${Date.UTC(2025, 4, 1)}`;
    const r = await referent.get(q);
    expect(r.statusCode).toBe(200);
    const s = r.json();
    expect(s).toMatchObject({ sent: 8, answered: 5, response_rate: 0.63, average: 3.8, distribution: { 1: 0, 2: 1, 3: 1, 4: 1, 5: 2 } });
    expect(s.by_month).toEqual([
      { month: '2025-03', answered: 3, average: 3.67 },
      { month: '2025-04', answered: 2, average: 4 },
    ]);
    expect(s.by_technician).toEqual([
      { user_id: tech.id, name: expect.stringContaining('Staff'), answered: 3, average: 4.67 },
      { user_id: w.engineerA.id, name: expect.any(String), answered: 2, average: 2.5 },
    ]);
    expect(s.recent.map((x: { score: number; comment: string | null }) => [x.score, x.comment])).toEqual([[5, 'Merci'], [3, null], [2, 'Lent'], [4, null], [5, 'Parfait']]);
    expect(s.recent[0].ref).toMatch(/^T-\d+$/);
    // Only April.
    expect((await referent.get(`${A}/satisfaction?from=${Date.UTC(2025, 3, 1)}&to=${Date.UTC(2025, 4, 1)}`)).json()).toMatchObject({ sent: 4, answered: 2, average: 4 });
    expect((await referent.get(`${A}/satisfaction?from=${Date.UTC(2025, 4, 1)}&to=${Date.UTC(2025, 3, 1)}`)).json().error.id).toBe('validation_failed');
    // Nothing sent in the window.
    expect((await referent.get(`${A}/satisfaction?from=0&to=1000`)).json()).toMatchObject({ sent: 0, answered: 0, response_rate: 0, average: null, by_month: [], by_technician: [], recent: [] });

    for (const [who, sess] of [['auditor', auditor], ['technician', technician], ['admin', admin]] as const) expect((await sess.get(q)).statusCode, who).toBe(200);
    expect((await user.get(q)).statusCode).toBe(403);
    expect((await refB.get(q)).statusCode).toBe(404);
    expect((await refB.get(`/api/v1/clients/${w.b.client.id}/satisfaction`)).json()).toMatchObject({ sent: 0 });
  });

  it('shows a ticket’s survey to its requester and to the client’s broad roles only', async () => {
    const own = await resolved(w.a.client.id, { contract_id: contractA, requester_user_id: w.a.user.id, requester_email: w.a.user.email });
    const other = await resolved(w.a.client.id, { contract_id: contractA });
    const none = await resolved(w.a.client.id, { contract_id: contractA, requester_user_id: w.a.user.id, requester_email: '' });
    await plan(own, Date.UTC(2100, 0, 1));
    await plan(other, Date.UTC(2100, 0, 1));
    const mineUrl = `${A}/tickets/${own.id}/survey`;
    expect((await user.get(mineUrl)).json()).toEqual({ ticket_id: own.id, status: 'planned', send_at: Date.UTC(2100, 0, 1) + 30 * MIN, sent_at: null, score: null, comment: null, answered_at: null });
    expect((await user.get(`${A}/tickets/${none.id}/survey`)).json()).toMatchObject({ status: 'none' });
    expect((await user.get(`${A}/tickets/${other.id}/survey`)).statusCode).toBe(404);
    for (const sess of [referent, auditor, technician, admin]) expect((await sess.get(`${A}/tickets/${other.id}/survey`)).statusCode).toBe(200);

    const { ticket } = await sentSurvey({ requester_user_id: w.a.user.id });
    await db.kysely.updateTable('surveys').set({ score: 4, comment: 'Bien', answered_at: Date.now() }).where('ticket_id', '=', ticket.id).execute();
    expect((await user.get(`${A}/tickets/${ticket.id}/survey`)).json()).toMatchObject({ status: 'answered', score: 4, comment: 'Bien' });

    // Client B's survey: invisible from A, and A's from B.
    const ticketB = await resolved(w.b.client.id, { requester_user_id: w.b.user.id, requester_email: w.b.user.email });
    await plan(ticketB, Date.UTC(2100, 0, 1));
    expect((await userB.get(`/api/v1/clients/${w.b.client.id}/tickets/${ticketB.id}/survey`)).json()).toMatchObject({ status: 'planned' });
    expect((await user.get(`/api/v1/clients/${w.b.client.id}/tickets/${ticketB.id}/survey`)).statusCode).toBe(404);
    expect((await referent.get(`${A}/tickets/${ticketB.id}/survey`)).statusCode).toBe(404);
    expect((await userB.get(mineUrl)).statusCode).toBe(404);
    expect((await new Session(app).get(mineUrl)).statusCode).toBe(401);
  });

  it('rate-limits the public routes per address', async () => {
    const fresh = await testServer(db);
    try {
      const codes: number[] = [];
      for (let i = 0; i < 61; i++) codes.push((await fresh.inject({ method: 'GET', url: `/api/v1/surveys/${'B'.repeat(43)}` })).statusCode);
      expect(codes.slice(0, 60).every((c) => c === 404)).toBe(true);
      expect(codes[60]).toBe(429);
    } finally {
      await fresh.close();
    }
  });
});
