/**
 * The service desk's rules: tickets (creation with their number, priority and clocks), their state
 * machine, public replies and internal notes, the history, and who may see what. Every change is
 * one transaction: the ticket, its event, its clocks' events and rows, the e-mails to send and the
 * journal entry commit together.
 *
 * Visibility: provider staff and the client's referents and auditor see every ticket of the client;
 * a plain client `user` sees the tickets they requested or watch (others are a 404). Internal notes,
 * internal attachments and internal events are never shown to client roles.
 */
import { sql } from 'kysely';
import { AppError, badRequest, conflict, forbidden, notFound } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import { STAFF } from '../../core/policy.ts';
import type { Db } from '../../db/database.ts';
import type { Executor } from '../../db/tx.ts';
import { DEFAULT_PRIORITY_MATRIX } from '../contracts/schema.ts';
import { activeContractFor, findContract, type Contract } from '../contracts/service.ts';
import { appendJournal, journaled, SYSTEM_CONTEXT, type AuditContext, type JournalInput } from '../journal/service.ts';
import { auditContext, isProviderAdmin, rolesOn, type Principal } from '../tenancy/principal.ts';
import { getProviderId } from '../tenancy/service.ts';
import { pageOnCall } from '../oncall/paging.ts';
import { planSurvey } from '../satisfaction/service.ts';
import { clockRows, clockStartOf, CLOCKS, liveClocks, moveClock, recordClockEvent, refreshClock, retargetClock, specFor, startClock, type ClockName } from './clocks.ts';
import { enqueueTicketMail, ticketLink, ticketMessages, type MailKind, type TicketForMail } from './mail.ts';
import { isStaffOn, seesInternal, seesOwnTicketsOnly, servicedeskPolicy } from './policy.ts';
import { presentAttachment, presentComment, presentEvent, presentSummary } from './presenters.ts';
import {
  TICKET_ACTIONS,
  type CommentJson,
  type TicketAction,
  type TicketCreate,
  type TicketEventJson,
  type TicketJson,
  type TicketListQuery,
  type TicketPatch,
  type TicketSource,
  type TicketState,
} from './schema.ts';
import { findTicket, listTicketRows, lockTicket, type FullTicketRow } from './tickets-repository.ts';

/** States in which a raised priority still pages the person on duty. */
const OPEN_FOR_PAGING = ['new', 'taken', 'in_progress', 'waiting'] as const;

/** The service desk's clock: tests pin it to chosen instants. */
export const deskClock = { now: (): number => Date.now() };

/** What the service needs besides the database: the public address (links in e-mails). */
export interface DeskOptions {
  publicUrl?: string;
  /** replaying history (import): no e-mail, no survey */
  silent?: boolean;
}

/** Where each action may start from and where it leads. */
export const TRANSITIONS: Readonly<Record<TicketAction, { from: readonly TicketState[]; to: TicketState }>> = {
  take: { from: ['new'], to: 'taken' },
  start: { from: ['new', 'taken'], to: 'in_progress' },
  wait: { from: ['taken', 'in_progress'], to: 'waiting' },
  resume: { from: ['waiting'], to: 'in_progress' },
  restore: { from: ['taken', 'in_progress', 'waiting'], to: 'restored' },
  resolve: { from: ['restored', 'in_progress'], to: 'resolved' },
  close: { from: ['restored', 'resolved'], to: 'closed' },
  reopen: { from: ['restored', 'resolved', 'closed'], to: 'in_progress' },
};

type TicketRow = Omit<FullTicketRow, 'client_name' | 'assignee_name' | 'group_name'>;

// ---------------------------------------------------------------- who

interface Caller {
  p: Principal;
  staff: boolean;
  /** sees only own / watched tickets */
  ownOnly: boolean;
  /** null: the system (supervision) */
  userId: string | null;
  name: string;
  email: string;
}

async function callerOf(ex: Executor, p: Principal, clientId: string): Promise<Caller> {
  const u = await ex.selectFrom('users').select(['name', 'email']).where('id', '=', p.userId).executeTakeFirst();
  return {
    p,
    staff: isStaffOn(p, clientId),
    ownOnly: seesOwnTicketsOnly(p, clientId),
    userId: p.userId,
    name: p.kind === 'token' ? p.label : (u?.name ?? p.label),
    email: (u?.email ?? '').toLowerCase(),
  };
}

const isReferent = (p: Principal, clientId: string) => rolesOn(p, clientId).some((r) => r === 'technical_referent' || r === 'steering_referent' || r === 'strategic_referent');

async function watches(ex: Executor, ticketId: string, email: string): Promise<boolean> {
  if (!email) return false;
  return !!(await ex.selectFrom('ticket_watchers').select('ticket_id').where('ticket_id', '=', ticketId).where('email', '=', email).executeTakeFirst());
}

/** 404 unless the caller may see this ticket. */
async function assertVisible(ex: Executor, c: Caller, t: { id: string; requester_user_id: string | null }) {
  if (!c.ownOnly) return;
  if (t.requester_user_id === c.userId) return;
  if (await watches(ex, t.id, c.email)) return;
  throw notFound('ticket');
}

/** May the caller reply publicly on this ticket (staff, referents, the requester)? */
function mayReply(c: Caller, clientId: string, t: { requester_user_id: string | null }): boolean {
  return c.staff || servicedeskPolicy.can(c.p, 'tickets.reply', clientId) || (t.requester_user_id !== null && t.requester_user_id === c.userId && servicedeskPolicy.can(c.p, 'tickets.create', clientId));
}

/** May the caller take this action (roles; not whether the state allows it)? */
function mayAct(c: Caller, clientId: string, t: { requester_user_id: string | null }, action: TicketAction): boolean {
  if (c.staff) return true;
  return (action === 'close' || action === 'reopen') && (isReferent(c.p, clientId) || (t.requester_user_id !== null && t.requester_user_id === c.userId && servicedeskPolicy.can(c.p, 'tickets.create', clientId)));
}

/** The actions the caller may take now on this ticket. */
function actionsFor(c: Caller, clientId: string, t: { state: string; requester_user_id: string | null }): TicketAction[] {
  return TICKET_ACTIONS.filter((a) => TRANSITIONS[a].from.includes(t.state as TicketState) && mayAct(c, clientId, t, a) && !(c.p.kind === 'token' && (a === 'take' || (a === 'start' && t.state === 'new'))));
}

// ---------------------------------------------------------------- checks of references

async function requireClient(ex: Executor, clientId: string) {
  const o = await ex.selectFrom('organisations').select(['id', 'name']).where('id', '=', clientId).where('kind', '=', 'client').executeTakeFirst();
  if (!o) throw notFound('client');
  return o;
}

async function checkAssets(ex: Executor, clientId: string, ids: readonly string[]) {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return [];
  const found = await ex.selectFrom('assets').select('id').where('client_id', '=', clientId).where('id', 'in', unique).execute();
  const have = new Set(found.map((r) => r.id));
  const missing = unique.filter((id) => !have.has(id));
  if (missing.length) throw badRequest('unknown_asset', 'These assets are not this client\'s', { asset_ids: missing });
  return unique;
}

/** A user who may be assigned the client's tickets: staff with a role on the client, or a provider admin. */
async function checkAssignee(ex: Executor, clientId: string, userId: string) {
  const providerId = await getProviderId(ex);
  const m = await ex
    .selectFrom('memberships as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .select('m.id')
    .where('m.user_id', '=', userId)
    .where('u.disabled_at', 'is', null)
    .where((e) => e.or([e.and([e('m.organisation_id', '=', clientId), e('m.role', 'in', [...STAFF])]), e.and([e('m.organisation_id', '=', providerId), e('m.role', '=', 'admin')])]))
    .executeTakeFirst();
  if (!m) throw badRequest('unknown_assignee', 'The assignee must be provider staff working on this client', { user_id: userId });
}

async function checkGroup(ex: Executor, groupId: string) {
  const g = await ex.selectFrom('support_groups').select('id').where('id', '=', groupId).executeTakeFirst();
  if (!g) throw badRequest('unknown_group', 'No such support group', { group_id: groupId });
}

async function checkRequester(ex: Executor, clientId: string, userId: string) {
  const u = await ex
    .selectFrom('users as u')
    .innerJoin('memberships as m', 'm.user_id', 'u.id')
    .select(['u.id', 'u.name', 'u.email'])
    .where('u.id', '=', userId)
    .where('m.organisation_id', '=', clientId)
    .executeTakeFirst();
  if (!u) throw badRequest('unknown_requester', 'The requester must be a user of this client', { user_id: userId });
  return u;
}

async function setWatchers(ex: Executor, clientId: string, ticketId: string, emails: readonly string[]) {
  await ex.deleteFrom('ticket_watchers').where('ticket_id', '=', ticketId).where('client_id', '=', clientId).execute();
  const list = [...new Set(emails.map((e) => e.trim().toLowerCase()).filter(Boolean))];
  if (list.length === 0) return list;
  const users = await ex.selectFrom('users').select(['id', 'email']).where('email', 'in', list).execute();
  const byEmail = new Map(users.map((u) => [u.email.toLowerCase(), u.id]));
  await ex.insertInto('ticket_watchers').values(list.map((email) => ({ ticket_id: ticketId, email, client_id: clientId, user_id: byEmail.get(email) ?? null }))).execute();
  return list;
}

async function watcherEmails(ex: Executor, ticketId: string): Promise<string[]> {
  return (await ex.selectFrom('ticket_watchers').select('email').where('ticket_id', '=', ticketId).orderBy('email').execute()).map((r) => r.email);
}

async function addEvent(ex: Executor, t: { id: string; client_id: string }, c: { userId: string | null; name: string }, kind: string, data: Record<string, unknown>, at: number) {
  await ex
    .insertInto('ticket_events')
    .values({ id: newId(), client_id: t.client_id, ticket_id: t.id, at, actor_user_id: c.userId, actor_name: c.name.slice(0, 200), kind, data: JSON.stringify(data) })
    .execute();
}

/** The client-side audience of a ticket's e-mails: requester and watchers. */
async function audience(ex: Executor, t: { id: string; requester_email: string }): Promise<string[]> {
  return [t.requester_email, ...(await watcherEmails(ex, t.id))].filter(Boolean);
}

function forMail(t: TicketRow): TicketForMail {
  return { id: t.id, client_id: t.client_id, number: Number(t.number), title: t.title, description: t.description, priority: Number(t.priority), state: t.state };
}

async function mail(ex: Executor, kind: MailKind, t: TicketRow, to: string[], exclude: string[], extra: { author?: string; body?: string; from?: string; to?: string }, opts: DeskOptions, now: number) {
  if (opts.silent) return;
  await enqueueTicketMail(ex, to, exclude, { kind, ticket: forMail(t), link: ticketLink(opts.publicUrl ?? '', t), ...extra }, now);
}

async function lockClientNumbers(ex: Executor, db: Db, clientId: string) {
  if (db.dialect === 'postgres') await sql`select pg_advisory_xact_lock(hashtext(${`vigie.ticket-number:${clientId}`}::text))`.execute(ex);
}

async function contractOf(ex: Executor, t: { client_id: string; contract_id: string | null }): Promise<Contract | null> {
  return t.contract_id ? findContract(ex, t.client_id, t.contract_id) : null;
}

/**
 * Starts the ticket's clocks that have a target for its priority and are not started yet, at `at`
 * (a clock whose milestone is already behind it is met at once).
 */
async function startClocks(ex: Executor, t: TicketRow, contract: Contract | null, at: number, now: number, reason: string) {
  const existing = await clockRows(ex, t.id);
  for (const clock of CLOCKS) {
    if (existing.has(clock)) continue;
    const s = specFor(contract, Number(t.priority), clock);
    if (!s) continue;
    await startClock(ex, t.client_id, t.id, clock, s.spec, at, now, { priority: Number(t.priority), reason });
    const milestone = clock === 'gti' ? t.taken_at : t.restored_at;
    if (milestone !== null && milestone !== undefined) await moveClock(ex, t.client_id, t.id, clock, 'met', Math.max(Number(milestone), at));
  }
}

/**
 * Pages the person on duty for a ticket that calls for it (priority and hours per the contract's
 * on-call settings). Records a ticket event when someone was paged, or when nobody was on duty to be.
 */
async function pageIfNeeded(trx: Executor, t: TicketRow, now: number, opts: DeskOptions) {
  const r = await pageOnCall(trx, { id: t.id, client_id: t.client_id, number: Number(t.number), title: t.title, priority: Number(t.priority), contract_id: t.contract_id }, now, {
    publicUrl: opts.publicUrl ?? '',
  });
  if (r.paged || r.reason === 'nobody_on_duty') {
    await addEvent(trx, t, { userId: null, name: 'Astreinte' }, 'oncall', { paged: r.paged, reason: r.reason, ...(r.user_id ? { user_id: r.user_id } : {}) }, now);
  }
}

// ---------------------------------------------------------------- reading

/** The full ticket as the caller may see it; 404 when not this client's or not visible to the caller. */
export async function getTicket(db: Db, p: Principal, clientId: string, ticketId: string, now = deskClock.now()): Promise<TicketJson> {
  servicedeskPolicy.authorize(p, 'tickets.read', clientId);
  const ex = db.kysely;
  const c = await callerOf(ex, p, clientId);
  const t = await findTicket(ex, clientId, ticketId);
  if (!t) throw notFound('ticket');
  await assertVisible(ex, c, t);
  return presentFull(ex, c, t, now);
}

async function presentFull(ex: Executor, c: Caller, t: FullTicketRow, now: number): Promise<TicketJson> {
  const assets = await ex
    .selectFrom('ticket_assets as ta')
    .innerJoin('assets as a', (j) => j.onRef('a.id', '=', 'ta.asset_id').onRef('a.client_id', '=', 'ta.client_id'))
    .select(['a.id', 'a.name', 'a.type', 'a.criticality'])
    .where('ta.ticket_id', '=', t.id)
    .where('ta.client_id', '=', t.client_id)
    .orderBy('a.name')
    .execute();
  const n = (x: number | null) => (x === null ? null : Number(x));
  return {
    ...presentSummary(t),
    description: t.description,
    contract_id: t.contract_id,
    problem_id: t.problem_id,
    assets: assets.map((a) => ({ id: a.id, name: a.name, type: a.type, criticality: Number(a.criticality) })),
    watchers: await watcherEmails(ex, t.id),
    taken_at: n(t.taken_at),
    restored_at: n(t.restored_at),
    resolved_at: n(t.resolved_at),
    closed_at: n(t.closed_at),
    reopened_count: Number(t.reopened_count),
    clocks: await liveClocks(ex, t.id, now),
    actions: actionsFor(c, t.client_id, t),
  };
}

/** One page of a client's tickets for the caller (a plain user: their own and watched ones). */
export async function listTickets(db: Db, p: Principal, clientId: string, query: TicketListQuery, now = deskClock.now()) {
  servicedeskPolicy.authorize(p, 'tickets.read', clientId);
  await requireClient(db.kysely, clientId);
  const own = seesOwnTicketsOnly(p, clientId) ? { userId: p.userId, email: ((await db.kysely.selectFrom('users').select('email').where('id', '=', p.userId).executeTakeFirst())?.email ?? '').toLowerCase() } : null;
  const { rows, next } = await listTicketRows(db.kysely, db.dialect, { clientIds: [clientId], userId: p.userId, own, now }, query);
  return { items: rows.map((r) => presentSummary(r)), next_cursor: next };
}

/** The provider's queue: tickets of every client the caller works on (staff only), with the client's name. */
export async function listQueue(db: Db, p: Principal, query: TicketListQuery & { client_id?: string | undefined }, now = deskClock.now()) {
  if (!(p.kind === 'user' && p.isProviderStaff)) throw forbidden('Provider staff only');
  let clientIds: string[] | 'all';
  if (isProviderAdmin(p)) clientIds = 'all';
  else clientIds = [...p.clientRoles.keys()].filter((id) => isStaffOn(p, id));
  if (query.client_id && clientIds !== 'all' && !clientIds.includes(query.client_id)) return { items: [], next_cursor: null };
  const { rows, next } = await listTicketRows(db.kysely, db.dialect, { clientIds, userId: p.userId, own: null, now }, query);
  return { items: rows.map((r) => presentSummary(r, true)), next_cursor: next };
}

/** The comments of a ticket, oldest first, with their attachments (internal ones for staff only). */
export async function listComments(db: Db, p: Principal, clientId: string, ticketId: string): Promise<CommentJson[]> {
  servicedeskPolicy.authorize(p, 'tickets.read', clientId);
  const ex = db.kysely;
  const c = await callerOf(ex, p, clientId);
  const t = await findTicket(ex, clientId, ticketId);
  if (!t) throw notFound('ticket');
  await assertVisible(ex, c, t);
  const internal = seesInternal(p, clientId);
  let cq = ex.selectFrom('ticket_comments').selectAll().where('ticket_id', '=', ticketId).where('client_id', '=', clientId);
  if (!internal) cq = cq.where('public', '=', 1);
  const comments = await cq.orderBy('at').orderBy('id').execute();
  let aq = ex.selectFrom('ticket_attachments').selectAll().where('ticket_id', '=', ticketId).where('client_id', '=', clientId);
  if (!internal) aq = aq.where('internal', '=', 0);
  const atts = await aq.orderBy('at').orderBy('id').execute();
  return comments.map((cm) => presentComment(cm, atts.filter((a) => a.comment_id === cm.id).map(presentAttachment)));
}

/** The attachments of a ticket not tied to a comment (and all, for listing), as the caller may see them. */
export async function listAttachments(db: Db, p: Principal, clientId: string, ticketId: string) {
  servicedeskPolicy.authorize(p, 'tickets.read', clientId);
  const ex = db.kysely;
  const c = await callerOf(ex, p, clientId);
  const t = await findTicket(ex, clientId, ticketId);
  if (!t) throw notFound('ticket');
  await assertVisible(ex, c, t);
  let aq = ex.selectFrom('ticket_attachments').selectAll().where('ticket_id', '=', ticketId).where('client_id', '=', clientId);
  if (!seesInternal(p, clientId)) aq = aq.where('internal', '=', 0);
  return (await aq.orderBy('at').orderBy('id').execute()).map(presentAttachment);
}

/** The history: ticket events and SLA events, in time order; internal ones for staff only. */
export async function listEvents(db: Db, p: Principal, clientId: string, ticketId: string): Promise<{ items: (TicketEventJson & { source: 'ticket' | 'sla'; clock?: string })[] }> {
  servicedeskPolicy.authorize(p, 'tickets.read', clientId);
  const ex = db.kysely;
  const c = await callerOf(ex, p, clientId);
  const t = await findTicket(ex, clientId, ticketId);
  if (!t) throw notFound('ticket');
  await assertVisible(ex, c, t);
  const internal = seesInternal(p, clientId);
  const events = await ex.selectFrom('ticket_events').selectAll().where('ticket_id', '=', ticketId).where('client_id', '=', clientId).orderBy('at').orderBy('id').execute();
  const sla = await ex.selectFrom('sla_events').selectAll().where('ticket_id', '=', ticketId).where('client_id', '=', clientId).orderBy('at').orderBy('id').execute();
  const items: (TicketEventJson & { source: 'ticket' | 'sla'; clock?: string })[] = [];
  for (const e of events) {
    const j = presentEvent(e);
    if (!internal && j.data.internal === true) continue;
    items.push({ ...j, source: 'ticket' });
  }
  for (const e of sla) {
    const data = JSON.parse(e.data || '{}') as Record<string, unknown>;
    // The calendar snapshot is long and says nothing new: the target is enough in the history.
    const spec = data.spec as { target?: unknown } | null | undefined;
    if (spec !== undefined) data.target = spec?.target ?? null;
    delete data.spec;
    // Who was told of an escalation is the provider's business.
    if (!internal) delete data.recipients;
    items.push({ id: e.id, at: Number(e.at), actor: { user_id: null, name: 'SLA' }, kind: `sla.${e.kind}`, data: { clock: e.clock, ...data }, source: 'sla', clock: e.clock });
  }
  items.sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { items };
}

/** The e-mails written for a ticket, with their status (staff only). */
export async function listMessages(db: Db, p: Principal, clientId: string, ticketId: string) {
  servicedeskPolicy.authorize(p, 'tickets.work', clientId);
  const t = await findTicket(db.kysely, clientId, ticketId);
  if (!t) throw notFound('ticket');
  return { items: await ticketMessages(db.kysely, clientId, ticketId) };
}

// ---------------------------------------------------------------- creating

/** Opens a ticket: numbered per client, prioritised, under the contract in force, clocks started as it says. Journaled. */
export async function createTicket(db: Db, p: Principal, clientId: string, input: TicketCreate, opts: DeskOptions = {}): Promise<TicketJson> {
  servicedeskPolicy.authorize(p, 'tickets.create', clientId);
  const now = deskClock.now();
  const id = await journaled(db, auditContext(p), (trx) => createTicketTx(trx, db, p, clientId, input, opts, now));
  return getTicket(db, p, clientId, id, now);
}

/**
 * Opens a ticket inside the caller's transaction (e-mail intake): the same rules as `createTicket`,
 * its journal entry written with `audit`. Returns the ticket's id.
 */
export async function createTicketInTransaction(
  trx: Executor, db: Db, p: Principal, audit: AuditContext, clientId: string, input: TicketCreate, opts: DeskOptions, now: number, extra: { source?: TicketSource } = {},
): Promise<string> {
  servicedeskPolicy.authorize(p, 'tickets.create', clientId);
  const r = await createTicketTx(trx, db, p, clientId, input, opts, now, extra);
  await appendJournal(trx, db.dialect, audit, r.journal);
  return r.result;
}

async function createTicketTx(
  trx: Executor, db: Db, p: Principal, clientId: string, input: TicketCreate, opts: DeskOptions, now: number, extra: { source?: TicketSource } = {},
): Promise<{ result: string; journal: JournalInput }> {
  await requireClient(trx, clientId);
  const c = await callerOf(trx, p, clientId);
  const assetIds = await checkAssets(trx, clientId, input.asset_ids);
  let requester = { user_id: c.userId, name: c.name, email: c.email };
  if (c.staff) {
    if (input.requester_user_id) {
      const u = await checkRequester(trx, clientId, input.requester_user_id);
      requester = { user_id: u.id, name: u.name, email: u.email.toLowerCase() };
    } else if (input.requester_email) {
      requester = { user_id: null, name: input.requester_name ?? input.requester_email, email: input.requester_email.toLowerCase() };
    }
    if (input.assignee_user_id) await checkAssignee(trx, clientId, input.assignee_user_id);
    if (input.group_id) await checkGroup(trx, input.group_id);
  }
  const contract = await activeContractFor(trx, clientId, now);
  const matrix = contract?.priority_matrix ?? DEFAULT_PRIORITY_MATRIX;
  const qualified = c.staff && input.priority !== undefined;
  const priority = qualified ? input.priority! : matrix[input.impact - 1]![input.urgency - 1]!;
  await lockClientNumbers(trx, db, clientId);
  const max = await trx.selectFrom('tickets').select((e) => e.fn.max('number').as('n')).where('client_id', '=', clientId).executeTakeFirst();
  const number = Number(max?.n ?? 0) + 1;
  const t: TicketRow = {
    id: newId(), client_id: clientId, number, type: input.type, title: input.title, description: input.description, category: input.category, impact: input.impact,
    urgency: input.urgency, priority, state: 'new', source: extra.source ?? (c.staff && input.source ? input.source : p.kind === 'token' ? 'api' : 'portal'), contract_id: contract?.id ?? null,
    requester_user_id: requester.user_id, requester_name: requester.name.slice(0, 200), requester_email: requester.email, assignee_user_id: c.staff ? (input.assignee_user_id ?? null) : null,
    group_id: c.staff ? (input.group_id ?? null) : null, problem_id: null, alert_subject_id: null, external_ref: null, created_at: now, updated_at: now, taken_at: null,
    restored_at: null, resolved_at: null, closed_at: null, reopened_count: 0, gti_due_at: null, gtr_due_at: null, gti_state: null, gtr_state: null, gti_warn_at: null, gtr_warn_at: null,
  };
  await trx.insertInto('tickets').values(t).execute();
  if (assetIds.length) await trx.insertInto('ticket_assets').values(assetIds.map((a) => ({ ticket_id: t.id, asset_id: a, client_id: clientId, created_at: now }))).execute();
  const watchers = await setWatchers(trx, clientId, t.id, input.watchers);
  await addEvent(trx, t, c, 'created', { number, priority, impact: input.impact, urgency: input.urgency, type: input.type, qualified, contract_id: t.contract_id }, now);
  const mode = clockStartOf(contract, priority);
  if (mode === 'declaration' || (mode === 'qualification' && qualified)) await startClocks(trx, t, contract, now, now, mode);
  await pageIfNeeded(trx, t, now, opts);
  await mail(trx, 'created', t, await audience(trx, t), [c.email], {}, opts, now);
  return {
    result: t.id,
    journal: {
      clientId, action: 'ticket.create', objectType: 'ticket', objectId: t.id,
      after: { number, type: t.type, title: t.title, priority, impact: t.impact, urgency: t.urgency, requester: requester.email, assets: assetIds, watchers, contract_id: t.contract_id },
    },
  };
}

// ---------------------------------------------------------------- changing

/** Changes a ticket's fields (staff); a priority change (or a first priority set: qualification) moves the clocks, recorded. Journaled. */
export async function patchTicket(db: Db, p: Principal, clientId: string, ticketId: string, patch: TicketPatch, opts: DeskOptions = {}): Promise<TicketJson> {
  servicedeskPolicy.authorize(p, 'tickets.work', clientId);
  const now = deskClock.now();
  await journaled(db, auditContext(p, patch.reason ?? null), async (trx) => {
    const c = await callerOf(trx, p, clientId);
    const t = await lockTicket(trx, db.dialect, clientId, ticketId);
    if (!t) throw notFound('ticket');
    const changes: Record<string, { from: unknown; to: unknown }> = {};
    const set: Partial<TicketRow> = {};
    const field = <K extends keyof TicketRow>(k: K, v: TicketRow[K] | undefined) => {
      if (v === undefined || v === t[k]) return;
      changes[k] = { from: t[k], to: v };
      (set as Record<string, unknown>)[k] = v;
    };
    field('title', patch.title);
    field('description', patch.description);
    field('category', patch.category);
    field('type', patch.type);
    field('impact', patch.impact);
    field('urgency', patch.urgency);
    if (patch.assignee_user_id !== undefined && patch.assignee_user_id !== null) await checkAssignee(trx, clientId, patch.assignee_user_id);
    field('assignee_user_id', patch.assignee_user_id);
    if (patch.group_id) await checkGroup(trx, patch.group_id);
    field('group_id', patch.group_id);
    if (patch.problem_id) {
      if (patch.problem_id === t.id) throw badRequest('unknown_problem', 'A ticket cannot be its own problem');
      const pr = await trx.selectFrom('tickets').select('id').where('id', '=', patch.problem_id).where('client_id', '=', clientId).executeTakeFirst();
      if (!pr) throw badRequest('unknown_problem', 'No such ticket of this client', { problem_id: patch.problem_id });
    }
    field('problem_id', patch.problem_id);
    let assets: string[] | null = null;
    if (patch.asset_ids) assets = await checkAssets(trx, clientId, patch.asset_ids);
    const contract = await contractOf(trx, t);
    const matrix = contract?.priority_matrix ?? DEFAULT_PRIORITY_MATRIX;
    const impact = patch.impact ?? Number(t.impact);
    const urgency = patch.urgency ?? Number(t.urgency);
    const newPriority = patch.priority ?? (patch.impact !== undefined || patch.urgency !== undefined ? matrix[impact - 1]![urgency - 1]! : Number(t.priority));
    const oldPriority = Number(t.priority);
    field('priority', newPriority);

    if (assets) {
      const before = (await trx.selectFrom('ticket_assets').select('asset_id').where('ticket_id', '=', t.id).execute()).map((r) => r.asset_id).sort();
      if (JSON.stringify(before) !== JSON.stringify([...assets].sort())) {
        await trx.deleteFrom('ticket_assets').where('ticket_id', '=', t.id).where('client_id', '=', clientId).execute();
        if (assets.length) await trx.insertInto('ticket_assets').values(assets.map((a) => ({ ticket_id: t.id, asset_id: a, client_id: clientId, created_at: now }))).execute();
        changes.asset_ids = { from: before, to: [...assets].sort() };
      }
    }
    if (patch.watchers) {
      const before = await watcherEmails(trx, t.id);
      const after = [...new Set(patch.watchers.map((e) => e.trim().toLowerCase()))].sort();
      if (JSON.stringify(before) !== JSON.stringify(after)) {
        await setWatchers(trx, clientId, t.id, after);
        changes.watchers = { from: before, to: after };
      }
    }
    const qualifying = patch.priority !== undefined;
    if (Object.keys(changes).length === 0 && !qualifying) return { result: null, journal: [] };
    await trx.updateTable('tickets').set({ ...set, updated_at: now }).where('id', '=', t.id).where('client_id', '=', clientId).execute();
    const after: TicketRow = { ...t, ...set, updated_at: now } as TicketRow;

    // Clocks: re-target started ones on a priority change; start those due (qualification, or a target that appears).
    if (newPriority !== oldPriority) {
      const rows = await clockRows(trx, t.id);
      for (const clock of CLOCKS) {
        if (!rows.has(clock)) continue;
        const s = specFor(contract, newPriority, clock);
        await retargetClock(trx, clientId, t.id, clock, s?.spec ?? null, now, { from: oldPriority, to: newPriority, reason: patch.reason ?? '', by: c.name });
      }
    }
    const mode = clockStartOf(contract, newPriority);
    if (mode === 'qualification' && qualifying) await startClocks(trx, after, contract, now, now, 'qualification');
    else if (mode === 'declaration') await startClocks(trx, after, contract, Number(t.created_at), now, 'declaration');

    for (const [k, v] of Object.entries(changes)) {
      const kind = k === 'priority' ? 'priority' : k === 'assignee_user_id' ? 'assigned' : k === 'group_id' ? 'group' : k === 'watchers' ? 'watchers' : k === 'asset_ids' ? 'assets' : 'updated';
      await addEvent(trx, t, c, kind, kind === 'updated' ? { field: k, from: v.from, to: v.to } : { from: v.from, to: v.to, ...(k === 'priority' ? { reason: patch.reason ?? '' } : {}) }, now);
    }
    if (qualifying && !changes.priority) await addEvent(trx, t, c, 'qualified', { priority: newPriority }, now);
    // A raised priority may call for the person on duty (a P3 that turns out to be a P1 at night).
    if (newPriority < oldPriority && (OPEN_FOR_PAGING as readonly string[]).includes(t.state)) await pageIfNeeded(trx, after, now, opts);
    return {
      result: null,
      journal: { clientId, action: 'ticket.update', objectType: 'ticket', objectId: t.id, before: Object.fromEntries(Object.entries(changes).map(([k, v]) => [k, v.from])), after: Object.fromEntries(Object.entries(changes).map(([k, v]) => [k, v.to])) },
    };
  });
  return getTicket(db, p, clientId, ticketId, now);
}

/**
 * Moves a ticket through its life (take, start, wait, resume, restore, resolve, close, reopen),
 * moving its clocks; an optional public reply goes with it. 409 `invalid_transition` (details
 * {from, action}) when the state does not allow the action; nothing is changed then. Journaled.
 */
export async function actOnTicket(db: Db, p: Principal, clientId: string, ticketId: string, body: { action: TicketAction; comment?: string | undefined }, opts: DeskOptions = {}): Promise<TicketJson> {
  servicedeskPolicy.authorize(p, 'tickets.read', clientId);
  const now = deskClock.now();
  await journaled(db, auditContext(p), async (trx) => {
    const c = await callerOf(trx, p, clientId);
    const t = await lockTicket(trx, db.dialect, clientId, ticketId);
    if (!t) throw notFound('ticket');
    await assertVisible(trx, c, t);
    const action = body.action;
    if (!mayAct(c, clientId, t, action)) throw forbidden('You may not do this on this ticket');
    const from = t.state as TicketState;
    const rule = TRANSITIONS[action];
    if (!rule.from.includes(from)) throw conflict('invalid_transition', `A ticket in state ${from} cannot be moved by "${action}"`, { from, action });
    const takes = action === 'take' || (action === 'start' && from === 'new');
    if (takes && p.kind !== 'user') throw new AppError(403, 'not_qualified', 'Taking a ticket in charge takes a person: an API token (an automatic acknowledgement) cannot');
    await applyTransition(trx, c, t as TicketRow, action, now, body.comment, opts);
    return { result: null, journal: { clientId, action: `ticket.${action}`, objectType: 'ticket', objectId: t.id, before: { state: from }, after: { state: rule.to } } };
  });
  return getTicket(db, p, clientId, ticketId, now);
}

async function applyTransition(trx: Executor, c: Caller, t: TicketRow, action: TicketAction, now: number, comment: string | undefined, opts: DeskOptions) {
  const from = t.state as TicketState;
  const to = TRANSITIONS[action].to;
  const takes = action === 'take' || (action === 'start' && from === 'new');
  const set: Partial<TicketRow> = { state: to, updated_at: now };
  const contract = await contractOf(trx, t);
  if (takes) {
    set.taken_at = now;
    if (!t.assignee_user_id && c.staff && c.p.kind === 'user' && c.userId) set.assignee_user_id = c.userId;
    // Taking a ticket in charge qualifies it: the clocks that start at qualification start now.
    if (clockStartOf(contract, Number(t.priority)) === 'qualification') await startClocks(trx, t, contract, now, now, 'qualification');
  }
  const data = { action, by: c.name };
  switch (action) {
    case 'take':
    case 'start':
      if (takes) await moveClock(trx, t.client_id, t.id, 'gti', 'met', now, data);
      break;
    case 'wait':
      await moveClock(trx, t.client_id, t.id, 'gtr', 'pause', now, data);
      break;
    case 'resume':
      await moveClock(trx, t.client_id, t.id, 'gtr', 'resume', now, data);
      break;
    case 'restore':
      set.restored_at = now;
      await moveClock(trx, t.client_id, t.id, 'gti', 'met', now, data);
      await moveClock(trx, t.client_id, t.id, 'gtr', 'met', now, data);
      break;
    case 'resolve':
    case 'close':
      if (action === 'resolve') set.resolved_at = now;
      else set.closed_at = now;
      if (t.restored_at === null) set.restored_at = now;
      await moveClock(trx, t.client_id, t.id, 'gti', 'met', now, data);
      await moveClock(trx, t.client_id, t.id, 'gtr', 'met', now, data);
      break;
    case 'reopen':
      set.restored_at = null;
      set.resolved_at = null;
      set.closed_at = null;
      set.reopened_count = Number(t.reopened_count) + 1;
      await moveClock(trx, t.client_id, t.id, 'gtr', 'reopen', now, data);
      break;
  }
  await trx.updateTable('tickets').set(set).where('id', '=', t.id).where('client_id', '=', t.client_id).execute();
  const after = { ...t, ...set } as TicketRow;
  // Resolved (or closed without having been resolved): the requester may be asked how it went.
  if (!opts.silent && (action === 'resolve' || (action === 'close' && t.resolved_at === null))) {
    await planSurvey(trx, { id: t.id, client_id: t.client_id, number: Number(t.number), title: t.title, requester_email: t.requester_email, requester_user_id: t.requester_user_id, assignee_user_id: after.assignee_user_id, contract_id: t.contract_id, type: t.type }, now);
  }
  let commentId: string | null = null;
  if (comment && comment.trim()) commentId = await insertComment(trx, c, t, comment.trim(), true, now);
  await addEvent(trx, t, c, 'state', { action, from, to, ...(commentId ? { comment_id: commentId } : {}), ...(set.assignee_user_id ? { assignee_user_id: set.assignee_user_id } : {}) }, now);
  await mail(trx, 'state', after, await audience(trx, t), [c.email], { from, to, ...(comment?.trim() ? { body: comment.trim() } : {}) }, opts, now);
}

async function insertComment(trx: Executor, c: Caller, t: { id: string; client_id: string }, body: string, isPublic: boolean, now: number, source: 'app' | 'email' | 'import' = 'app'): Promise<string> {
  const id = newId();
  await trx
    .insertInto('ticket_comments')
    .values({ id, client_id: t.client_id, ticket_id: t.id, at: now, author_user_id: c.userId, author_name: c.name.slice(0, 200), author_email: c.email, public: isPublic ? 1 : 0, body, source })
    .execute();
  return id;
}

/**
 * Adds a public reply (staff, referents, the requester) or an internal note (staff). A public reply
 * by the client while the ticket waits on them resumes it (GTR resumes). Journaled; replies are mailed.
 */
export async function addComment(db: Db, p: Principal, clientId: string, ticketId: string, body: { body: string; public: boolean }, opts: DeskOptions = {}): Promise<CommentJson> {
  servicedeskPolicy.authorize(p, 'tickets.read', clientId);
  const now = deskClock.now();
  const id = await journaled(db, auditContext(p), (trx) => addCommentTx(trx, db, p, clientId, ticketId, body, opts, now, 'app'));
  const row = await db.kysely.selectFrom('ticket_comments').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  return presentComment(row, []);
}

/**
 * Adds a reply inside the caller's transaction (e-mail intake): the same rules as `addComment`, its
 * journal entry written with `audit`. Returns the comment's id.
 */
export async function addCommentInTransaction(
  trx: Executor, db: Db, p: Principal, audit: AuditContext, clientId: string, ticketId: string, body: { body: string; public: boolean }, opts: DeskOptions, now: number, source: 'app' | 'email' = 'email',
): Promise<string> {
  servicedeskPolicy.authorize(p, 'tickets.read', clientId);
  const r = await addCommentTx(trx, db, p, clientId, ticketId, body, opts, now, source);
  for (const j of r.journal) await appendJournal(trx, db.dialect, audit, j);
  return r.result;
}

async function addCommentTx(
  trx: Executor, db: Db, p: Principal, clientId: string, ticketId: string, body: { body: string; public: boolean }, opts: DeskOptions, now: number, source: 'app' | 'email',
): Promise<{ result: string; journal: JournalInput[] }> {
  const c = await callerOf(trx, p, clientId);
  const t = (await lockTicket(trx, db.dialect, clientId, ticketId)) as TicketRow | undefined;
  if (!t) throw notFound('ticket');
  await assertVisible(trx, c, t);
  if (!body.public && !c.staff) throw forbidden('Only provider staff write internal notes');
  if (body.public && !mayReply(c, clientId, t)) throw forbidden('You may not reply on this ticket');
  const cid = await insertComment(trx, c, t, body.body, body.public, now, source);
  await addEvent(trx, t, c, 'comment', { comment_id: cid, public: body.public, ...(body.public ? {} : { internal: true }) }, now);
  await trx.updateTable('tickets').set({ updated_at: now }).where('id', '=', t.id).execute();
  if (body.public) {
    const staffTo: string[] = [];
    if (!c.staff && t.assignee_user_id) {
      const a = await trx.selectFrom('users').select('email').where('id', '=', t.assignee_user_id).executeTakeFirst();
      if (a) staffTo.push(a.email);
    }
    await mail(trx, 'reply', t, [...(await audience(trx, t)), ...staffTo], [c.email], { author: c.name, body: body.body }, opts, now);
  }
  const journal: JournalInput[] = [{ clientId, action: body.public ? 'ticket.reply' : 'ticket.note', objectType: 'ticket', objectId: t.id, after: { comment_id: cid, public: body.public } }];
  // The client answered while the desk waited on them: work resumes, and so does the GTR clock.
  if (body.public && !c.staff && t.state === 'waiting') {
    await applyTransition(trx, c, t, 'resume', now, undefined, opts);
    journal.push({ clientId, action: 'ticket.resume', objectType: 'ticket', objectId: t.id, before: { state: 'waiting' }, after: { state: 'in_progress', by_reply: cid } });
  }
  return { result: cid, journal };
}

/** Re-derives every clock of a ticket at `now` (after an import or a repair). */
export async function refreshTicketClocks(ex: Executor, ticketId: string, now: number) {
  for (const clock of CLOCKS as readonly ClockName[]) await refreshClock(ex, ticketId, clock, now);
}

// ---------------------------------------------------------------- the system's hand (supervision → tickets)

/** The desk itself acting (supervision): staff rights, no person, no e-mail address. */
function systemCaller(): Caller {
  const p: Principal = {
    kind: 'token', userId: '', tokenId: null, sessionId: null, label: 'Supervision', locale: 'fr', isProviderStaff: false, providerRoles: [], clientRoles: new Map(), ip: '',
  };
  return { p, staff: true, ownOnly: false, userId: null, name: 'Supervision', email: '' };
}

export interface SystemIncident {
  title: string;
  description: string;
  priority: number;
  assetIds: string[];
  /** the alert root this incident is about */
  alertSubjectId: string | null;
  category?: string;
}

/**
 * Opens an incident from supervision inside the caller's transaction: numbered, under the contract
 * in force, its priority set by the desk (a qualification: every clock of the contract starts now).
 * Journaled as the system. Returns the ticket's id.
 */
export async function systemOpenIncident(trx: Executor, db: Db, clientId: string, input: SystemIncident, now: number, opts: DeskOptions = {}): Promise<string> {
  const c = systemCaller();
  const assetIds = await checkAssets(trx, clientId, input.assetIds);
  const contract = await activeContractFor(trx, clientId, now);
  await lockClientNumbers(trx, db, clientId);
  const max = await trx.selectFrom('tickets').select((e) => e.fn.max('number').as('n')).where('client_id', '=', clientId).executeTakeFirst();
  const number = Number(max?.n ?? 0) + 1;
  const t: TicketRow = {
    id: newId(), client_id: clientId, number, type: 'incident', title: input.title.slice(0, 300), description: input.description, category: (input.category ?? '').slice(0, 100),
    impact: input.priority, urgency: input.priority, priority: input.priority, state: 'new', source: 'monitoring', contract_id: contract?.id ?? null, requester_user_id: null,
    requester_name: 'Supervision', requester_email: '', assignee_user_id: null, group_id: null, problem_id: null, alert_subject_id: input.alertSubjectId, external_ref: null,
    created_at: now, updated_at: now, taken_at: null, restored_at: null, resolved_at: null, closed_at: null, reopened_count: 0, gti_due_at: null, gtr_due_at: null, gti_state: null,
    gtr_state: null, gti_warn_at: null, gtr_warn_at: null,
  };
  await trx.insertInto('tickets').values(t).execute();
  if (assetIds.length) await trx.insertInto('ticket_assets').values(assetIds.map((a) => ({ ticket_id: t.id, asset_id: a, client_id: clientId, created_at: now }))).execute();
  await addEvent(trx, t, c, 'created', { number, priority: t.priority, source: 'monitoring', qualified: true, contract_id: t.contract_id }, now);
  if (clockStartOf(contract, t.priority)) await startClocks(trx, t, contract, now, now, 'monitoring');
  await pageIfNeeded(trx, t, now, opts);
  await mail(trx, 'created', t, await audience(trx, t), [], {}, opts, now);
  await appendJournal(trx, db.dialect, SYSTEM_CONTEXT, {
    clientId, action: 'ticket.create', objectType: 'ticket', objectId: t.id, after: { number, type: t.type, title: t.title, priority: t.priority, source: 'monitoring', assets: assetIds },
  });
  return t.id;
}

/** Adds an internal note from the system (no e-mail) inside the caller's transaction. */
export async function systemNote(trx: Executor, db: Db, clientId: string, ticketId: string, text: string, now: number): Promise<void> {
  const c = systemCaller();
  const t = await lockTicket(trx, db.dialect, clientId, ticketId);
  if (!t) throw notFound('ticket');
  const cid = await insertComment(trx, c, t, text, false, now);
  await addEvent(trx, t, c, 'comment', { comment_id: cid, public: false, internal: true }, now);
  await trx.updateTable('tickets').set({ updated_at: now }).where('id', '=', t.id).execute();
  await appendJournal(trx, db.dialect, SYSTEM_CONTEXT, { clientId, action: 'ticket.note', objectType: 'ticket', objectId: t.id, after: { comment_id: cid, public: false } });
}

/**
 * Moves a ticket as the system, inside the caller's transaction, with a public comment. Follows the
 * state machine, with one addition for supervision: `restore` from `new` (the outage ended before
 * anyone took the ticket: GTI and GTR stop). 409 `invalid_transition` otherwise.
 */
export async function systemAct(trx: Executor, db: Db, clientId: string, ticketId: string, action: TicketAction, comment: string, now: number, opts: DeskOptions = {}): Promise<void> {
  const c = systemCaller();
  const t = (await lockTicket(trx, db.dialect, clientId, ticketId)) as TicketRow | undefined;
  if (!t) throw notFound('ticket');
  const from = t.state as TicketState;
  const allowed = TRANSITIONS[action].from.includes(from) || (action === 'restore' && from === 'new');
  if (!allowed || action === 'take' || (action === 'start' && from === 'new')) throw conflict('invalid_transition', `A ticket in state ${from} cannot be moved by "${action}"`, { from, action });
  await applyTransition(trx, c, t, action, now, comment, opts);
  await appendJournal(trx, db.dialect, SYSTEM_CONTEXT, { clientId, action: `ticket.${action}`, objectType: 'ticket', objectId: t.id, before: { state: from }, after: { state: TRANSITIONS[action].to } });
}

// ---------------------------------------------------------------- history from the previous provider

/** A historical ticket with its people and assets resolved (import.ts). */
export interface ResolvedImport {
  external_ref: string;
  type: string;
  title: string;
  description: string;
  category: string;
  priority: number;
  impact: number;
  urgency: number;
  requester: { user_id: string | null; name: string; email: string };
  assignee_user_id: string | null;
  asset_ids: string[];
  created_at: number;
  history: { at: number; state: TicketState; action: TicketAction }[];
}

/**
 * Creates one historical ticket inside the caller's transaction and replays its history at the
 * original instants through the live state machine and SLA clocks (contract in force at its
 * declaration; clocks that start at qualification start when it was first taken in charge), without
 * e-mails, pages or surveys. Returns its id and number.
 */
export async function replayImportedTicket(trx: Executor, db: Db, p: Principal, clientId: string, r: ResolvedImport, now: number): Promise<{ id: string; number: number }> {
  const c = await callerOf(trx, p, clientId);
  const silent: DeskOptions = { silent: true };
  const contract = await activeContractFor(trx, clientId, r.created_at);
  const matrix = contract?.priority_matrix ?? DEFAULT_PRIORITY_MATRIX;
  const priority = r.priority >= 1 && r.priority <= 4 ? r.priority : matrix[r.impact - 1]![r.urgency - 1]!;
  await lockClientNumbers(trx, db, clientId);
  const max = await trx.selectFrom('tickets').select((e) => e.fn.max('number').as('n')).where('client_id', '=', clientId).executeTakeFirst();
  const number = Number(max?.n ?? 0) + 1;
  let t: TicketRow = {
    id: newId(r.created_at), client_id: clientId, number, type: r.type, title: r.title.slice(0, 300), description: r.description, category: r.category.slice(0, 100), impact: r.impact,
    urgency: r.urgency, priority, state: 'new', source: 'import', contract_id: contract?.id ?? null, requester_user_id: r.requester.user_id, requester_name: r.requester.name.slice(0, 200),
    requester_email: r.requester.email, assignee_user_id: r.assignee_user_id, group_id: null, problem_id: null, alert_subject_id: null, external_ref: r.external_ref,
    created_at: r.created_at, updated_at: r.created_at, taken_at: null, restored_at: null, resolved_at: null, closed_at: null, reopened_count: 0, gti_due_at: null, gtr_due_at: null,
    gti_state: null, gtr_state: null, gti_warn_at: null, gtr_warn_at: null,
  };
  await trx.insertInto('tickets').values(t).execute();
  if (r.asset_ids.length) await trx.insertInto('ticket_assets').values(r.asset_ids.map((a) => ({ ticket_id: t.id, asset_id: a, client_id: clientId, created_at: r.created_at }))).execute();
  await addEvent(trx, t, c, 'created', { number, priority, impact: r.impact, urgency: r.urgency, type: r.type, imported: true, external_ref: r.external_ref, contract_id: t.contract_id }, r.created_at);
  const mode = clockStartOf(contract, priority);
  if (mode === 'declaration') await startClocks(trx, t, contract, r.created_at, r.created_at, 'declaration');
  for (const h of r.history) {
    const takes = h.action === 'take' || (h.action === 'start' && t.state === 'new');
    if (takes && mode === 'qualification') await startClocks(trx, t, contract, h.at, h.at, 'qualification');
    // The live transition, at its original instant (a historical take is a person's: the previous provider's technician).
    await applyTransition(trx, c, t, h.action, h.at, undefined, silent);
    t = (await trx.selectFrom('tickets').selectAll().where('id', '=', t.id).executeTakeFirstOrThrow()) as TicketRow;
  }
  // Deadlines that passed before the clock stopped (or before now) are recorded as breaches, at the due instant.
  for (const clock of CLOCKS) {
    const st = await refreshClock(trx, t.id, clock, now);
    if (st && st.breached_at !== null && Number.isFinite(st.breached_at)) {
      await recordClockEvent(trx, clientId, t.id, clock, 'breached', Math.min(st.breached_at, now), { imported: true });
      await refreshClock(trx, t.id, clock, now);
    }
  }
  return { id: t.id, number };
}
