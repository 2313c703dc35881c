/**
 * Client-wide reads of supervision: the live board (every check's state at a glance, one query)
 * and the availability of every check over a window (one query for the periods, computed in
 * memory), which the monthly report reads too.
 */
import type { Db } from '../../db/database.ts';
import { effectiveStates, graphFromEdges, type EffectiveStatus } from './dependencies.ts';
import { availability, type StatePeriod } from './periods.ts';
import { presentAvailability, type BoardItemJson } from './presenters.ts';
import type { CheckStatus } from './state-machine.ts';

export type BoardCounts = Record<'up' | 'degraded' | 'down' | 'unknown' | 'maintenance' | 'unreachable', number>;

const BOARD_SQL = `
  select c.id, c.name, c.type, c.asset_id, a.name as asset_name, a.site_id, c.state, c.state_since, c.last_result_at, c.last_latency_ms, c.last_message, c.parent_check_id
  from checks c left join assets a on a.id = c.asset_id
  where c.client_id = $1
  order by c.name`;
type BoardTuple = [string, string, string, string | null, string | null, string | null, string, number, number | null, number | null, string | null, string | null];

/**
 * The board's rows as arrays, in one query: at 20,000 checks, building a row object per check
 * (Kysely's result shape) costs about as much as the query itself. SQLite runs it with a cached
 * prepared statement on Kysely's connection; PostgreSQL with pg's array row mode.
 */
async function boardTuples(db: Db, clientId: string): Promise<BoardTuple[]> {
  if (db.dialect === 'sqlite') {
    return db.kysely.connection().execute(async () => db.sqlite!.prepare(BOARD_SQL.replace('$1', '?')).raw(true).all(clientId) as BoardTuple[]);
  }
  const r = await db.pool!.query<BoardTuple>({ text: BOARD_SQL, values: [clientId], rowMode: 'array' });
  return r.rows;
}

/**
 * The board of a client: each check with its stored state and its effective state (`unreachable`
 * behind a down parent check), the counts per effective state. One indexed query over the client's
 * checks with their assets; the dependency walk is in memory, over the only checks it can change
 * (down or unknown, with a parent) and their ancestors.
 */
export async function loadBoard(db: Db, clientId: string) {
  const rows = await boardTuples(db, clientId);
  const byId = new Map<string, BoardTuple>();
  for (const r of rows) byId.set(r[0], r);
  // Only the client's own checks are looked at: a parent outside them (never expected) counts as unknown.
  const edges: { child: string; parent: string }[] = [];
  const states = new Map<string, CheckStatus>();
  const seen = new Set<string>();
  for (const r of rows) {
    if (!r[11] || (r[6] !== 'down' && r[6] !== 'unknown')) continue;
    for (let cur: BoardTuple | undefined = r; cur && !seen.has(cur[0]); cur = cur[11] ? byId.get(cur[11]) : undefined) {
      seen.add(cur[0]);
      states.set(cur[0], cur[6] as CheckStatus);
      if (cur[11]) edges.push({ child: cur[0], parent: cur[11] });
    }
  }
  const effective = edges.length ? effectiveStates(graphFromEdges(edges), states) : new Map<string, { state: EffectiveStatus; rootCauses: string[] }>();
  const counts: BoardCounts = { up: 0, degraded: 0, down: 0, unknown: 0, maintenance: 0, unreachable: 0 };
  const NONE: string[] = [];
  const items = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    const e = effective.get(r[0]);
    const state = (e?.state ?? r[6]) as EffectiveStatus;
    counts[state]++;
    items[i] = {
      check_id: r[0], name: r[1], type: r[2], asset_id: r[3], asset_name: r[4], site_id: r[5], state: r[6], effective_state: state, root_causes: e?.rootCauses ?? NONE,
      since: Number(r[7]), last_result_at: r[8] === null ? null : Number(r[8]), last_latency_ms: r[9] === null ? null : Number(r[9]), last_message: r[10],
    };
  }
  return { items: items as BoardItemJson[], counts };
}

/**
 * Availability of every check of the client over [from, to): the periods of all its checks in one
 * query, split per check in memory. Checks without any period in the window have availability null.
 */
export async function clientAvailability(db: Db, clientId: string, from: number, to: number, now = Date.now()) {
  const checks = await db.kysely
    .selectFrom('checks')
    .select(['id', 'name', 'type', 'asset_id'])
    .where('client_id', '=', clientId)
    .orderBy('name')
    .orderBy('id')
    .execute();
  const rows = await db.kysely
    .selectFrom('state_periods')
    .select(['check_id', 'state', 'from_at', 'to_at', 'cause'])
    .where('client_id', '=', clientId)
    .where('from_at', '<', to)
    .where((eb) => eb.or([eb('to_at', 'is', null), eb('to_at', '>', from)]))
    .orderBy('check_id')
    .orderBy('from_at')
    .execute();
  const byCheck = new Map<string, StatePeriod[]>();
  for (const r of rows) {
    const p: StatePeriod = { state: r.state as CheckStatus, from: Number(r.from_at), to: r.to_at === null ? null : Number(r.to_at), cause: r.cause as StatePeriod['cause'] };
    const l = byCheck.get(r.check_id);
    if (l) l.push(p);
    else byCheck.set(r.check_id, [p]);
  }
  const items = checks.map((c) => ({
    check_id: c.id, name: c.name, type: c.type, asset_id: c.asset_id,
    ...presentAvailability(availability(byCheck.get(c.id) ?? [], { from, to }, { now })),
  }));
  return { from, to, items };
}

/** Periods of one check (rows as stored) → the pure module's form, empty periods dropped. */
export function toPeriods(rows: readonly { state: string; from: number; to: number | null; cause: string }[]): StatePeriod[] {
  return rows.filter((p) => p.to === null || p.to > p.from).map((p) => ({ state: p.state as CheckStatus, from: p.from, to: p.to, cause: p.cause as StatePeriod['cause'] }));
}
