/**
 * Problem management: assets whose incidents recur (at least the contract's
 * `settings.recurring_threshold` incidents, default 3, created in the last 30 days), and problem
 * tickets that group those incidents (each incident's `problem_id` points at its problem).
 *
 * The problem ticket is inserted here, in the same transaction as the links and the journal entry,
 * with the ticket service's numbering (per client max + 1, under the same PostgreSQL advisory lock).
 */
import { sql } from 'kysely';
import { badRequest, notFound } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import type { Db } from '../../db/database.ts';
import type { TicketTable } from '../../db/schema.ts';
import type { Executor } from '../../db/tx.ts';
import { activeContractFor } from '../contracts/service.ts';
import { journaled, type AuditContext } from '../journal/service.ts';
import type { LinkedTicketJson, ProblemCreate, ProblemJson, RecurringAssetJson } from './schema.ts';

const DAY = 86_400_000;
/** The window recurring incidents are counted over. */
export const RECURRING_WINDOW_MS = 30 * DAY;
export const DEFAULT_RECURRING_THRESHOLD = 3;
const DONE_STATES = ['resolved', 'closed'];

const ref = (n: number) => `T-${n}`;

export interface IncidentOnAsset {
  asset_id: string;
  asset_name: string;
  ticket_id: string;
  created_at: number;
  problem_id: string | null;
}

/**
 * Pure: groups incidents by asset and keeps the assets with at least `threshold` of them created in
 * [now − 30 days, now]; most incidents first, then the latest. `problem_id`: the problem the newest
 * linked incident points at, or null.
 */
export function groupRecurring(rows: IncidentOnAsset[], now: number, threshold: number): RecurringAssetJson[] {
  const from = now - RECURRING_WINDOW_MS;
  const by = new Map<string, IncidentOnAsset[]>();
  for (const r of rows) {
    if (r.created_at < from || r.created_at > now) continue;
    const list = by.get(r.asset_id) ?? [];
    if (!list.some((x) => x.ticket_id === r.ticket_id)) list.push(r);
    by.set(r.asset_id, list);
  }
  const out: RecurringAssetJson[] = [];
  for (const [assetId, list] of by) {
    if (list.length < threshold) continue;
    list.sort((a, b) => b.created_at - a.created_at || b.ticket_id.localeCompare(a.ticket_id));
    out.push({
      asset_id: assetId, asset_name: list[0]!.asset_name, incidents: list.length, ticket_ids: list.map((x) => x.ticket_id), last_at: list[0]!.created_at,
      problem_id: list.find((x) => x.problem_id !== null)?.problem_id ?? null,
    });
  }
  return out.sort((a, b) => b.incidents - a.incidents || b.last_at - a.last_at || a.asset_name.localeCompare(b.asset_name));
}

/** The client's threshold: its active contract's `settings.recurring_threshold`, else 3. */
export async function recurringThreshold(ex: Executor, clientId: string, now: number): Promise<number> {
  const c = await activeContractFor(ex, clientId, now);
  return c?.settings.recurring_threshold ?? DEFAULT_RECURRING_THRESHOLD;
}

/**
 * The client's assets with at least `threshold` incident tickets (type incident, linked through
 * `ticket_assets`) created in the 30 days before `now`, with the problem already linked if any.
 * `threshold` absent: the active contract's `settings.recurring_threshold`, else 3.
 */
export async function recurringIncidents(ex: Executor, clientId: string, now: number, threshold?: number): Promise<RecurringAssetJson[]> {
  const min = threshold ?? (await recurringThreshold(ex, clientId, now));
  const rows = await ex
    .selectFrom('ticket_assets as ta')
    .innerJoin('tickets as t', (j) => j.onRef('t.id', '=', 'ta.ticket_id').onRef('t.client_id', '=', 'ta.client_id'))
    .innerJoin('assets as a', (j) => j.onRef('a.id', '=', 'ta.asset_id').onRef('a.client_id', '=', 'ta.client_id'))
    .select(['ta.asset_id', 'a.name as asset_name', 't.id as ticket_id', 't.created_at', 't.problem_id'])
    .where('ta.client_id', '=', clientId)
    .where('t.type', '=', 'incident')
    .where('t.created_at', '>=', now - RECURRING_WINDOW_MS)
    .where('t.created_at', '<=', now)
    .execute();
  return groupRecurring(
    rows.map((r) => ({ ...r, created_at: Number(r.created_at) })),
    now,
    min,
  );
}

function linked(t: Pick<TicketTable, 'id' | 'number' | 'title' | 'state' | 'priority' | 'created_at' | 'resolved_at'>): LinkedTicketJson {
  return {
    id: t.id, number: Number(t.number), ref: ref(Number(t.number)), title: t.title, state: t.state, priority: Number(t.priority), created_at: Number(t.created_at),
    resolved_at: t.resolved_at === null ? null : Number(t.resolved_at),
  };
}

async function problemJson(ex: Executor, clientId: string, rows: TicketTable[]): Promise<ProblemJson[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const assets = await ex
    .selectFrom('ticket_assets as ta')
    .innerJoin('assets as a', (j) => j.onRef('a.id', '=', 'ta.asset_id').onRef('a.client_id', '=', 'ta.client_id'))
    .select(['ta.ticket_id', 'a.id', 'a.name'])
    .where('ta.client_id', '=', clientId)
    .where('ta.ticket_id', 'in', ids)
    .orderBy('a.name')
    .execute();
  const counts = await ex
    .selectFrom('tickets')
    .select(['problem_id', (e) => e.fn.countAll().as('n')])
    .where('client_id', '=', clientId)
    .where('problem_id', 'in', ids)
    .groupBy('problem_id')
    .execute();
  const n = new Map(counts.map((c) => [c.problem_id, Number(c.n)]));
  return rows.map((r) => ({
    ...linked(r),
    assets: assets.filter((a) => a.ticket_id === r.id).map((a) => ({ id: a.id, name: a.name })),
    incidents: n.get(r.id) ?? 0,
  }));
}

/** The client's problem tickets, newest first: open ones (not resolved nor closed) or all. */
export async function listProblems(db: Db, clientId: string, q: { state: 'open' | 'all' }): Promise<ProblemJson[]> {
  let query = db.kysely.selectFrom('tickets').selectAll().where('client_id', '=', clientId).where('type', '=', 'problem');
  if (q.state === 'open') query = query.where('state', 'not in', DONE_STATES);
  const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(500).execute();
  return problemJson(db.kysely, clientId, rows);
}

/** A problem ticket of the client; 404 when unknown, another client's, or not a problem. */
async function getProblemRow(ex: Executor, clientId: string, ticketId: string): Promise<TicketTable> {
  const t = await ex.selectFrom('tickets').selectAll().where('id', '=', ticketId).where('client_id', '=', clientId).where('type', '=', 'problem').executeTakeFirst();
  if (!t) throw notFound('problem');
  return t;
}

/** The incidents linked to a problem of the client, newest first; 404 as `getProblemRow`. */
export async function problemIncidents(db: Db, clientId: string, ticketId: string): Promise<LinkedTicketJson[]> {
  await getProblemRow(db.kysely, clientId, ticketId);
  const rows = await db.kysely
    .selectFrom('tickets')
    .select(['id', 'number', 'title', 'state', 'priority', 'created_at', 'resolved_at'])
    .where('client_id', '=', clientId)
    .where('problem_id', '=', ticketId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
  return rows.map(linked);
}

async function requireClient(ex: Executor, clientId: string) {
  const o = await ex.selectFrom('organisations').select('id').where('id', '=', clientId).where('kind', '=', 'client').executeTakeFirst();
  if (!o) throw notFound('client');
}

/**
 * Opens a problem ticket on an asset and links the incidents to it, in one journaled transaction:
 * the ticket (type problem, state new, source api, priority 3, numbered per client), its asset, a
 * `created` event, `problem_id` on each incident with a `linked_problem` event. 400 `unknown_asset`
 * when the asset is not the client's; 400 `unknown_incident` when an id is not an incident of the
 * client (nothing is changed). An incident already linked to another problem moves to this one
 * (its event records the previous problem).
 */
export async function createProblem(
  db: Db,
  ctx: AuditContext,
  actor: { userId: string | null; name: string },
  clientId: string,
  input: ProblemCreate,
  now = Date.now(),
): Promise<ProblemJson & { incident_ids: string[] }> {
  const incidentIds = [...new Set(input.incident_ids)];
  return journaled(db, ctx, async (trx) => {
    await requireClient(trx, clientId);
    const asset = await trx.selectFrom('assets').select(['id', 'name']).where('id', '=', input.asset_id).where('client_id', '=', clientId).executeTakeFirst();
    if (!asset) throw badRequest('unknown_asset', 'No such asset of this client', { asset_id: input.asset_id });
    const incidents = await trx
      .selectFrom('tickets')
      .select(['id', 'number', 'problem_id'])
      .where('client_id', '=', clientId)
      .where('type', '=', 'incident')
      .where('id', 'in', incidentIds)
      .execute();
    const missing = incidentIds.filter((id) => !incidents.some((i) => i.id === id));
    if (missing.length) throw badRequest('unknown_incident', `Not an incident of this client: ${missing.slice(0, 10).join(', ')}`, { ids: missing });

    if (db.dialect === 'postgres') await sql`select pg_advisory_xact_lock(hashtext(${`vigie.ticket-number:${clientId}`}::text))`.execute(trx);
    const max = await trx.selectFrom('tickets').select((e) => e.fn.max('number').as('n')).where('client_id', '=', clientId).executeTakeFirst();
    const number = Number(max?.n ?? 0) + 1;
    const contract = await activeContractFor(trx, clientId, now);
    const refs = incidents.map((i) => ref(Number(i.number))).sort((a, b) => Number(a.slice(2)) - Number(b.slice(2)));
    const t: TicketTable = {
      id: newId(), client_id: clientId, number, type: 'problem', title: input.title ?? `Incidents récurrents : ${asset.name}`.slice(0, 300),
      description: `Incidents liés : ${refs.join(', ')}`, category: '', impact: 3, urgency: 3, priority: 3, state: 'new', source: 'api', contract_id: contract?.id ?? null,
      requester_user_id: null, requester_name: actor.name.slice(0, 200), requester_email: '', assignee_user_id: null, group_id: null, problem_id: null, alert_subject_id: null,
      external_ref: null, created_at: now, updated_at: now, taken_at: null, restored_at: null, resolved_at: null, closed_at: null, reopened_count: 0, gti_due_at: null,
      gtr_due_at: null, gti_state: null, gtr_state: null, gti_warn_at: null, gtr_warn_at: null,
    };
    await trx.insertInto('tickets').values(t).execute();
    await trx.insertInto('ticket_assets').values({ ticket_id: t.id, asset_id: asset.id, client_id: clientId, created_at: now }).execute();
    const event = (ticketId: string, kind: string, data: Record<string, unknown>) => ({
      id: newId(), client_id: clientId, ticket_id: ticketId, at: now, actor_user_id: actor.userId, actor_name: actor.name.slice(0, 200), kind, data: JSON.stringify(data),
    });
    await trx.insertInto('ticket_events').values(event(t.id, 'created', { number, type: 'problem', priority: 3, impact: 3, urgency: 3, asset_id: asset.id, incident_ids: incidentIds })).execute();
    await trx.updateTable('tickets').set({ problem_id: t.id, updated_at: now }).where('client_id', '=', clientId).where('id', 'in', incidentIds).execute();
    await trx
      .insertInto('ticket_events')
      .values(incidents.map((i) => event(i.id, 'linked_problem', { problem_id: t.id, problem_ref: ref(number), previous_problem_id: i.problem_id })))
      .execute();
    const [json] = await problemJson(trx, clientId, [t]);
    return {
      result: { ...json!, incident_ids: incidentIds },
      journal: {
        clientId, action: 'problem.create', objectType: 'ticket', objectId: t.id,
        after: { number, ref: ref(number), title: t.title, asset_id: asset.id, incident_ids: incidentIds, relinked: incidents.filter((i) => i.problem_id !== null).map((i) => ({ id: i.id, from: i.problem_id })) },
      },
    };
  });
}
