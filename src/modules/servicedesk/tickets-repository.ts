/**
 * Queries of the tickets tables. Every query for a ticket names its client. The lists are one
 * indexed query each (keyset on id desc; the `breaching` queue on (due, id)), with the assignee's,
 * the group's and the client's names joined in, never one query per row.
 */
import { sql, type SqlBool } from 'kysely';
import { badRequest } from '../../core/errors.ts';
import type { Executor } from '../../db/tx.ts';
import type { TicketListQuery } from './schema.ts';

export const OPEN_STATES = ['new', 'taken', 'in_progress', 'waiting', 'restored'] as const;
export const DONE_STATES = ['resolved', 'closed'] as const;

/** The columns a list item shows, with the names joined in. */
export function summarySelect(ex: Executor) {
  return ex
    .selectFrom('tickets as t')
    .innerJoin('organisations as o', 'o.id', 't.client_id')
    .leftJoin('users as au', 'au.id', 't.assignee_user_id')
    .leftJoin('support_groups as g', 'g.id', 't.group_id')
    .select([
      't.id', 't.client_id', 't.number', 't.type', 't.title', 't.category', 't.impact', 't.urgency', 't.priority', 't.state', 't.source', 't.requester_user_id',
      't.requester_name', 't.requester_email', 't.assignee_user_id', 't.group_id', 't.created_at', 't.updated_at', 't.gti_due_at', 't.gtr_due_at', 't.gti_state',
      't.gtr_state', 'o.name as client_name', 'au.name as assignee_name', 'g.name as group_name',
    ]);
}
export type SummaryRow = Awaited<ReturnType<ReturnType<typeof summarySelect>['executeTakeFirstOrThrow']>>;

/** A whole ticket row with the names joined in (client-scoped); undefined when not this client's. */
export async function findTicket(ex: Executor, clientId: string, ticketId: string) {
  return ex
    .selectFrom('tickets as t')
    .innerJoin('organisations as o', 'o.id', 't.client_id')
    .leftJoin('users as au', 'au.id', 't.assignee_user_id')
    .leftJoin('support_groups as g', 'g.id', 't.group_id')
    .selectAll('t')
    .select(['o.name as client_name', 'au.name as assignee_name', 'g.name as group_name'])
    .where('t.id', '=', ticketId)
    .where('t.client_id', '=', clientId)
    .executeTakeFirst();
}
export type FullTicketRow = NonNullable<Awaited<ReturnType<typeof findTicket>>>;

/** The ticket row alone, locked for the transaction on PostgreSQL. */
export async function lockTicket(ex: Executor, dialect: 'sqlite' | 'postgres', clientId: string, ticketId: string) {
  const q = ex.selectFrom('tickets').selectAll().where('id', '=', ticketId).where('client_id', '=', clientId);
  return (dialect === 'postgres' ? q.forUpdate() : q).executeTakeFirst();
}

export interface ListScope {
  /** one client, several, or every client (a provider admin's queue) */
  clientIds: readonly string[] | 'all';
  /** the caller: `mine`, `my_groups` */
  userId: string;
  /** a plain client user: only the tickets they requested or watch */
  own?: { userId: string; email: string } | null;
  now: number;
}

// The state sets as SQL literals (constants): the partial index of the open tickets (migration 0008)
// is used only when the query's WHERE names the same literal list. "Done" is written "not open" so
// the planner walks (client_id, id) newest first, checking the state on the index, instead of
// gathering every closed ticket of the client and sorting them.
const OPEN_SQL = sql<SqlBool>`t.state in ('new', 'taken', 'in_progress', 'waiting', 'restored')`;
const DONE_SQL = sql<SqlBool>`t.state not in ('new', 'taken', 'in_progress', 'waiting', 'restored')`;

const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);
const ID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const invalidCursor = () => badRequest('invalid_cursor', 'This cursor is not valid for this list; start again from the first page');

/** How far ahead the `breaching` queue looks: clocks reaching 75 % within this time. */
export const BREACHING_LOOKAHEAD_MS = 3_600_000;

/**
 * One page of tickets, newest first (the `breaching` queue: soonest due first). Returns the rows
 * and the cursor of the next page (null at the end).
 */
export async function listTicketRows(ex: Executor, dialect: 'sqlite' | 'postgres', scope: ListScope, f: TicketListQuery & { client_id?: string | undefined }) {
  let q = summarySelect(ex);
  if (scope.clientIds !== 'all') {
    if (scope.clientIds.length === 0) return { rows: [] as (SummaryRow & { sort_due?: number | null })[], next: null };
    q = scope.clientIds.length === 1 ? q.where('t.client_id', '=', scope.clientIds[0]!) : q.where('t.client_id', 'in', [...scope.clientIds]);
  }
  if (f.client_id) q = q.where('t.client_id', '=', f.client_id);
  if (scope.own) {
    const own = scope.own;
    q = q.where((e) =>
      e.or([
        e('t.requester_user_id', '=', own.userId),
        e.exists(e.selectFrom('ticket_watchers as w').select('w.ticket_id').whereRef('w.ticket_id', '=', 't.id').where('w.email', '=', own.email.toLowerCase())),
      ]),
    );
  }
  switch (f.queue) {
    case 'open':
      q = q.where(OPEN_SQL);
      break;
    case 'closed':
      q = q.where(DONE_SQL);
      break;
    case 'mine':
      q = q.where('t.assignee_user_id', '=', scope.userId);
      break;
    case 'my_groups':
      q = q.where('t.group_id', 'in', (e) => e.selectFrom('support_group_members as m').select('m.group_id').where('m.user_id', '=', scope.userId));
      break;
    case 'unassigned':
      // Written so that no index serves it: the (few) open tickets are walked, not every unassigned one.
      q = q.where(sql<SqlBool>`coalesce(t.assignee_user_id, '') = ''`).where(OPEN_SQL);
      break;
    case 'breaching':
      q = q.where(OPEN_SQL);
      break;
    case 'all':
      break;
  }
  if (f.state) q = q.where('t.state', '=', f.state);
  if (f.type) q = q.where('t.type', '=', f.type);
  if (f.priority !== undefined) q = q.where('t.priority', '=', f.priority);
  if (f.asset_id) {
    const assetId = f.asset_id;
    q = q.where((e) => e.exists(e.selectFrom('ticket_assets as ta').select('ta.ticket_id').whereRef('ta.ticket_id', '=', 't.id').where('ta.asset_id', '=', assetId)));
  }
  const needle = f.q?.trim();
  if (needle) {
    const num = /^(?:t-?)?(\d{1,9})$/i.exec(needle);
    const pattern = `%${likeEscape(needle.toLowerCase())}%`;
    const titleMatch = dialect === 'postgres' ? sql<SqlBool>`lower(t.title) like ${pattern} escape '\\'` : sql<SqlBool>`t.title like ${pattern} escape '\\'`;
    if (num && /^t/i.test(needle)) q = q.where('t.number', '=', Number(num[1]));
    else if (num) q = q.where((e) => e.or([e('t.number', '=', Number(num[1])), titleMatch]));
    else q = q.where(titleMatch);
  }
  const limit = f.limit;
  if (f.queue === 'breaching') {
    const horizon = scope.now + BREACHING_LOOKAHEAD_MS;
    // A clock is "breaching" when running and its 75 % falls within the hour, or already breached.
    const gti = sql<number | null>`case when t.gti_state = 'breached' or (t.gti_state = 'running' and t.gti_warn_at <= ${horizon}) then t.gti_due_at end`;
    const gtr = sql<number | null>`case when t.gtr_state = 'breached' or (t.gtr_state = 'running' and t.gtr_warn_at <= ${horizon}) then t.gtr_due_at end`;
    const due = dialect === 'postgres' ? sql<number>`least(${gti}, ${gtr})` : sql<number>`min(coalesce(${gti}, ${gtr}), coalesce(${gtr}, ${gti}))`;
    let bq = q.select(due.as('sort_due')).where(sql<SqlBool>`((${gti}) is not null or (${gtr}) is not null)`);
    if (f.cursor) {
      const m = /^(\d{1,16})\.([0-9a-f-]{36})$/.exec(f.cursor);
      if (!m || !ID_RE.test(m[2]!)) throw invalidCursor();
      const d = Number(m[1]);
      bq = bq.where(sql<SqlBool>`(${due} > ${d} or (${due} = ${d} and t.id > ${m[2]!}))`);
    }
    const rows = await bq.orderBy(due, 'asc').orderBy('t.id', 'asc').limit(limit + 1).execute();
    const more = rows.length > limit;
    const page = more ? rows.slice(0, limit) : rows;
    const last = page[page.length - 1];
    return { rows: page, next: more && last ? `${Number(last.sort_due)}.${last.id}` : null };
  }
  if (f.cursor) {
    if (!ID_RE.test(f.cursor)) throw invalidCursor();
    q = q.where('t.id', '<', f.cursor);
  }
  const rows = await q.orderBy('t.id', 'desc').limit(limit + 1).execute();
  const more = rows.length > limit;
  const page = more ? rows.slice(0, limit) : rows;
  return { rows: page, next: more ? page[page.length - 1]!.id : null };
}
