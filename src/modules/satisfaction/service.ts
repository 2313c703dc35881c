/**
 * Satisfaction surveys: one per resolved ticket sampled by the contract, e-mailed after a delay with
 * five one-click links, answered on a public page (the link's token is the only credential; only
 * its SHA-256 is stored), changeable for 7 days; and the client's results.
 *
 * For the service desk (ticket service), inside the transaction that resolves a ticket:
 * - `planSurvey(trx, ticket, resolvedAt)`.
 * For the scheduler (each minute or so, any number of processes):
 * - `runSurveyPass(db, now, { publicUrl })`.
 */
import { AppError, conflict, notFound } from '../../core/errors.ts';
import { randomToken, sha256 } from '../../core/crypto.ts';
import { newId } from '../../core/ids.ts';
import { localDay } from '../../core/zones.ts';
import type { Db } from '../../db/database.ts';
import type { Executor } from '../../db/tx.ts';
import { activeContractFor, findContract } from '../contracts/service.ts';
import { ContractSettings } from '../contracts/schema.ts';
import { journaled, SYSTEM_CONTEXT, type AuditContext } from '../journal/service.ts';
import { surveyMessage, type SurveyLocale } from './messages.ts';
import type { PublicSurveyJson, SatisfactionJson, SatisfactionQuery, SurveyAnswer, TicketSurveyJson } from './schema.ts';

const MINUTE = 60_000;
const DAY = 86_400_000;
/** How long after sending an answer may be given or changed. */
export const ANSWER_WINDOW_MS = 7 * DAY;
/** Ticket types whose requester is asked (problems and changes are the provider's own work). */
const SURVEYED_TYPES = new Set(['incident', 'request']);
/** A survey goes out only while its ticket stays resolved or closed (a reopened one waits). */
const DONE_STATES = ['resolved', 'closed'];
const DEFAULT_SATISFACTION = ContractSettings.parse({}).satisfaction;

export const ticketRef = (n: number) => `T-${n}`;

/** The ticket as the ticket service has it when it becomes resolved. */
export interface SurveyTicket {
  id: string;
  client_id: string;
  number: number;
  title: string;
  requester_email: string;
  requester_user_id: string | null;
  assignee_user_id: string | null;
  contract_id: string | null;
  /** incident, request, problem, change; absent counts as surveyed */
  type?: string;
}

/**
 * The ticket's sampling bucket 0…99, a pure function of its id: the same ticket is always in or
 * out of a sample, on every process and every retry.
 */
export function sampleBucket(ticketId: string): number {
  return parseInt(sha256(`survey-sample:${ticketId}`).slice(0, 8), 16) % 100;
}

/** True when a ticket falls in a sample of `samplePct` % (0: none, 100: all). */
export function inSample(ticketId: string, samplePct: number): boolean {
  return sampleBucket(ticketId) < samplePct;
}

/** The contract's survey settings for the ticket (its own contract, else the one in force, else the defaults). */
async function surveySettings(ex: Executor, t: SurveyTicket, at: number): Promise<{ sample_pct: number; delay_minutes: number }> {
  const c = t.contract_id ? await findContract(ex, t.client_id, t.contract_id) : await activeContractFor(ex, t.client_id, at);
  return c?.settings.satisfaction ?? DEFAULT_SATISFACTION;
}

/** A placeholder token hash for a survey not sent yet: unique, and no link can ever match it. */
const unsentHash = () => sha256(`unsent:${randomToken()}`);

/**
 * Plans the ticket's survey when it becomes resolved; call it inside the ticket service's
 * transaction (`trx`). Sampled per the contract's `satisfaction.sample_pct` (deterministic per
 * ticket id), to be sent `delay_minutes` after `resolvedAt`. One survey per ticket: a ticket
 * resolved again keeps a survey already sent; one not sent yet is planned again (new delay,
 * current requester and assignee), or dropped when the ticket no longer qualifies.
 * Reasons: `planned`, `replanned`, `already_sent`, `not_sampled`, `no_email`, `not_surveyed_type`,
 * and `dropped_*` when an unsent survey was removed.
 */
export async function planSurvey(trx: Executor, ticket: SurveyTicket, resolvedAt: number): Promise<{ planned: boolean; reason: string }> {
  const existing = await trx
    .selectFrom('surveys')
    .select(['id', 'sent_at'])
    .where('ticket_id', '=', ticket.id)
    .where('client_id', '=', ticket.client_id)
    .orderBy('created_at')
    .executeTakeFirst();
  if (existing && existing.sent_at !== null) return { planned: false, reason: 'already_sent' };

  const email = (ticket.requester_email ?? '').trim();
  let refusal: string | null = null;
  if (ticket.type !== undefined && !SURVEYED_TYPES.has(ticket.type)) refusal = 'not_surveyed_type';
  else if (!email) refusal = 'no_email';
  const settings = refusal ? null : await surveySettings(trx, ticket, resolvedAt);
  if (settings && !inSample(ticket.id, settings.sample_pct)) refusal = 'not_sampled';
  if (refusal || !settings) {
    if (existing) {
      await trx.deleteFrom('surveys').where('id', '=', existing.id).where('client_id', '=', ticket.client_id).where('sent_at', 'is', null).execute();
      return { planned: false, reason: `dropped_${refusal}` };
    }
    return { planned: false, reason: refusal ?? 'not_sampled' };
  }

  const sendAt = resolvedAt + settings.delay_minutes * MINUTE;
  if (existing) {
    await trx
      .updateTable('surveys')
      .set({ send_at: sendAt, email, technician_user_id: ticket.assignee_user_id })
      .where('id', '=', existing.id)
      .where('sent_at', 'is', null)
      .execute();
    return { planned: true, reason: 'replanned' };
  }
  await trx
    .insertInto('surveys')
    .values({
      id: newId(), client_id: ticket.client_id, ticket_id: ticket.id, technician_user_id: ticket.assignee_user_id, email, token_hash: unsentHash(),
      send_at: sendAt, sent_at: null, score: null, comment: null, answered_at: null, created_at: resolvedAt,
    })
    .execute();
  return { planned: true, reason: 'planned' };
}

/** The requester's language: their account's locale, found by id or else by address; French by default. */
async function requesterLocale(ex: Executor, userId: string | null, email: string): Promise<SurveyLocale> {
  const byId = userId ? await ex.selectFrom('users').select('locale').where('id', '=', userId).executeTakeFirst() : undefined;
  const u = byId ?? (await ex.selectFrom('users').select('locale').where('email', '=', email.toLowerCase()).executeTakeFirst());
  return u?.locale === 'en' ? 'en' : 'fr';
}

/**
 * Sends the surveys due (`send_at <= now`, not sent, ticket still resolved or closed): a fresh
 * token per survey (only its SHA-256 kept), a `mail_outbox` row (kind `survey`) with the five
 * one-click links, `sent_at` set; journaled (`survey.send`). Safe with several processes: a
 * survey is claimed by a conditional update in the transaction that queues its message.
 */
export async function runSurveyPass(db: Db, now: number, opts: { publicUrl: string }): Promise<{ sent: number }> {
  let sent = 0;
  const provider = await db.kysely.selectFrom('organisations').select('name').where('kind', '=', 'provider').executeTakeFirst();
  for (let batch = 0; batch < 50; batch++) {
    const due = await db.kysely
      .selectFrom('surveys as s')
      .innerJoin('tickets as t', (j) => j.onRef('t.id', '=', 's.ticket_id').onRef('t.client_id', '=', 's.client_id'))
      .innerJoin('organisations as o', 'o.id', 's.client_id')
      .select(['s.id', 's.client_id', 's.ticket_id', 's.email', 't.number', 't.title', 't.requester_user_id', 'o.name as client_name'])
      .where('s.sent_at', 'is', null)
      .where('s.send_at', '<=', now)
      .where('t.state', 'in', DONE_STATES)
      .orderBy('s.send_at')
      .limit(100)
      .execute();
    let progress = 0;
    for (const s of due) {
      const token = randomToken();
      const ok = await journaled(db, SYSTEM_CONTEXT, async (trx) => {
        const claimed = await trx
          .updateTable('surveys')
          .set({ sent_at: now, token_hash: sha256(token) })
          .where('id', '=', s.id)
          .where('sent_at', 'is', null)
          .executeTakeFirst();
        if (Number(claimed.numUpdatedRows) !== 1) return { result: false, journal: [] };
        const locale = await requesterLocale(trx, s.requester_user_id, s.email);
        const msg = surveyMessage(locale, { publicUrl: opts.publicUrl, token, ref: ticketRef(Number(s.number)), title: s.title, providerName: provider?.name ?? '' });
        const mailId = newId();
        await trx
          .insertInto('mail_outbox')
          .values({
            id: mailId, client_id: s.client_id, ticket_id: s.ticket_id, kind: 'survey', recipients: JSON.stringify([s.email]), subject: msg.subject, body: msg.text,
            headers: '{}', status: 'pending', attempts: 0, next_attempt_at: now, last_error: null, sent_at: null, created_at: now,
          })
          .execute();
        return {
          result: true,
          journal: { clientId: s.client_id, action: 'survey.send', objectType: 'survey', objectId: s.id, after: { ticket_id: s.ticket_id, to: s.email, locale, mail_id: mailId } },
        };
      });
      if (ok) sent++;
      progress++;
    }
    if (due.length < 100 || progress === 0) break;
  }
  return { sent };
}

// ---------------------------------------------------------------- public answer

const unknownSurvey = () => new AppError(404, 'unknown_survey', 'No such survey (the link may be incomplete)');

async function findByToken(ex: Executor, token: string) {
  const row = await ex
    .selectFrom('surveys as s')
    .innerJoin('tickets as t', (j) => j.onRef('t.id', '=', 's.ticket_id').onRef('t.client_id', '=', 's.client_id'))
    .innerJoin('organisations as o', 'o.id', 's.client_id')
    .select(['s.id', 's.client_id', 's.ticket_id', 's.email', 's.sent_at', 's.score', 's.comment', 's.answered_at', 't.number', 't.title', 't.requester_user_id', 'o.name as client_name'])
    .where('s.token_hash', '=', sha256(token))
    .where('s.sent_at', 'is not', null)
    .executeTakeFirst();
  if (!row) throw unknownSurvey();
  return row;
}

type SurveyRow = Awaited<ReturnType<typeof findByToken>>;

async function present(ex: Executor, r: SurveyRow, now: number): Promise<PublicSurveyJson> {
  const closes = Number(r.sent_at) + ANSWER_WINDOW_MS;
  return {
    ticket_ref: ticketRef(Number(r.number)), title: r.title, client_name: r.client_name, score: r.score === null ? null : Number(r.score), comment: r.comment,
    answered_at: r.answered_at === null ? null : Number(r.answered_at), closes_at: closes, open: now <= closes,
    locale: await requesterLocale(ex, r.requester_user_id, r.email),
  };
}

/** The survey behind a link's token, for its public page; 404 `unknown_survey`. */
export async function publicSurvey(db: Db, token: string, now = Date.now()): Promise<PublicSurveyJson> {
  return present(db.kysely, await findByToken(db.kysely, token), now);
}

/**
 * Records (or changes) the answer behind a link's token: score, and the comment when given ("" clears
 * it). 404 `unknown_survey`; 409 `survey_closed` more than 7 days after sending. Journaled
 * (`survey.answer`) with the requester's address as the actor.
 */
export async function answerSurvey(db: Db, token: string, answer: SurveyAnswer, opts: { ip: string | null; now?: number }): Promise<PublicSurveyJson> {
  const now = opts.now ?? Date.now();
  const found = await findByToken(db.kysely, token);
  const ctx: AuditContext = { actorId: null, actorLabel: found.email, ip: opts.ip, reason: null };
  return journaled(db, ctx, async (trx) => {
    const r = await findByToken(trx, token);
    if (now > Number(r.sent_at) + ANSWER_WINDOW_MS) throw conflict('survey_closed', 'This survey is closed: answers can be given or changed for 7 days after it was sent', { closed_at: Number(r.sent_at) + ANSWER_WINDOW_MS });
    const comment = answer.comment === undefined ? r.comment : answer.comment.trim() === '' ? null : answer.comment.trim();
    await trx.updateTable('surveys').set({ score: answer.score, comment, answered_at: now }).where('id', '=', r.id).where('client_id', '=', r.client_id).execute();
    const after = { ...r, score: answer.score, comment, answered_at: now };
    return {
      result: await present(trx, after, now),
      journal: {
        clientId: r.client_id, action: 'survey.answer', objectType: 'survey', objectId: r.id,
        before: r.answered_at === null ? null : { ticket_id: r.ticket_id, score: r.score, comment: r.comment },
        after: { ticket_id: r.ticket_id, score: answer.score, comment },
      },
    };
  });
}

// ---------------------------------------------------------------- results

/** 'YYYY-MM' of an instant in Paris. */
function parisMonth(t: number): string {
  return new Date(localDay(t, 'Europe/Paris') * DAY).toISOString().slice(0, 7);
}

const round2 = (x: number) => Math.round(x * 100) / 100;
const mean = (xs: number[]) => (xs.length ? round2(xs.reduce((a, b) => a + b, 0) / xs.length) : null);

async function requireClient(ex: Executor, clientId: string) {
  const o = await ex.selectFrom('organisations').select('id').where('id', '=', clientId).where('kind', '=', 'client').executeTakeFirst();
  if (!o) throw notFound('client');
}

/**
 * The client's satisfaction over the surveys sent in [from, to) (default: the 12 months before
 * now): response rate, average, distribution, per month of answer, per technician, last answers.
 */
export async function satisfactionResults(db: Db, clientId: string, q: SatisfactionQuery, now = Date.now()): Promise<SatisfactionJson> {
  await requireClient(db.kysely, clientId);
  const to = q.to ?? now;
  const from = q.from ?? to - 365 * DAY;
  const rows = await db.kysely
    .selectFrom('surveys as s')
    .innerJoin('tickets as t', (j) => j.onRef('t.id', '=', 's.ticket_id').onRef('t.client_id', '=', 's.client_id'))
    .select(['s.ticket_id', 's.technician_user_id', 's.score', 's.comment', 's.answered_at', 't.number'])
    .where('s.client_id', '=', clientId)
    .where('s.sent_at', '>=', from)
    .where('s.sent_at', '<', to)
    .execute();
  const answered = rows
    .filter((r) => r.score !== null && r.answered_at !== null)
    .map((r) => ({ ...r, score: Number(r.score), answered_at: Number(r.answered_at) }));
  const distribution = { '1': 0, '2': 0, '3': 0, '4': 0, '5': 0 } as SatisfactionJson['distribution'];
  for (const a of answered) distribution[String(a.score) as keyof typeof distribution]++;

  const months = new Map<string, number[]>();
  for (const a of answered) {
    const m = parisMonth(a.answered_at);
    months.set(m, [...(months.get(m) ?? []), a.score]);
  }
  const techs = new Map<string | null, number[]>();
  for (const a of answered) techs.set(a.technician_user_id, [...(techs.get(a.technician_user_id) ?? []), a.score]);
  const ids = [...techs.keys()].filter((x): x is string => x !== null);
  const names = new Map(
    ids.length ? (await db.kysely.selectFrom('users').select(['id', 'name', 'email']).where('id', 'in', ids).execute()).map((u) => [u.id, u.name || u.email]) : [],
  );

  return {
    from, to, sent: rows.length, answered: answered.length, response_rate: rows.length ? round2(answered.length / rows.length) : 0,
    average: mean(answered.map((a) => a.score)), distribution,
    by_month: [...months.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([month, s]) => ({ month, answered: s.length, average: mean(s)! })),
    by_technician: [...techs.entries()]
      .map(([user_id, s]) => ({ user_id, name: user_id ? (names.get(user_id) ?? '') : '', answered: s.length, average: mean(s)! }))
      .sort((a, b) => b.answered - a.answered || b.average - a.average || a.name.localeCompare(b.name)),
    recent: answered
      .sort((a, b) => b.answered_at - a.answered_at)
      .slice(0, 20)
      .map((a) => ({ ticket_id: a.ticket_id, ref: ticketRef(Number(a.number)), score: a.score, comment: a.comment, answered_at: a.answered_at })),
  };
}

/**
 * A ticket's survey (status none, planned, sent or answered). `ownOnly`: the caller sees only
 * tickets they requested (a plain user); another ticket, or one of another client, is a 404.
 */
export async function ticketSurvey(db: Db, clientId: string, ticketId: string, viewer: { userId: string; ownOnly: boolean }): Promise<TicketSurveyJson> {
  const t = await db.kysely.selectFrom('tickets').select(['id', 'requester_user_id']).where('id', '=', ticketId).where('client_id', '=', clientId).executeTakeFirst();
  if (!t || (viewer.ownOnly && t.requester_user_id !== viewer.userId)) throw notFound('ticket');
  const s = await db.kysely
    .selectFrom('surveys')
    .select(['send_at', 'sent_at', 'score', 'comment', 'answered_at'])
    .where('ticket_id', '=', ticketId)
    .where('client_id', '=', clientId)
    .orderBy('created_at')
    .executeTakeFirst();
  if (!s) return { ticket_id: ticketId, status: 'none', send_at: null, sent_at: null, score: null, comment: null, answered_at: null };
  const n = (x: number | null) => (x === null ? null : Number(x));
  return {
    ticket_id: ticketId, status: s.answered_at !== null ? 'answered' : s.sent_at !== null ? 'sent' : 'planned',
    send_at: Number(s.send_at), sent_at: n(s.sent_at), score: n(s.score), comment: s.comment, answered_at: n(s.answered_at),
  };
}
