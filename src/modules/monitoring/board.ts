/**
 * Client-wide reads of supervision: the live board (every check's state at a glance, one query)
 * and the availability of every check over a window (one query for the periods, computed in
 * memory), which the monthly report reads too.
 */
import type { Db } from '../../db/database.ts';
import { effectiveStates, type EffectiveStatus } from './dependencies.ts';
import { availability, type StatePeriod } from './periods.ts';
import { presentAvailability, type BoardItemJson } from './presenters.ts';
import type { CheckStatus } from './state-machine.ts';
import { assetsNeeded, buildDependencyGraph, loadAssetTopology, rootChecks, type AssetTopology } from './topology.ts';

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
 * behind a down parent check or a down asset its asset depends on, see topology.ts), the counts per
 * effective state. One indexed query over the client's checks with their assets, one over its
 * dependency relations; the dependency walk is in memory, over the only checks it can change (down
 * or unknown, with a parent) and their ancestors.
 */
export async function loadBoard(db: Db, clientId: string) {
  const rows = await boardTuples(db, clientId);
  const topo = await loadAssetTopology(db.kysely, clientId);
  const effective = effectiveOnBoard(rows, topo);
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
 * Effective states of the board's checks that a dependency can change, with their root causes as
 * check ids. Only the client's own checks are looked at: a parent outside them (never expected)
 * counts as unknown.
 */
function effectiveOnBoard(rows: readonly BoardTuple[], topo: AssetTopology): Map<string, { state: EffectiveStatus; rootCauses: string[] }> {
  const out = new Map<string, { state: EffectiveStatus; rootCauses: string[] }>();
  const hasParent = (r: BoardTuple) => r[11] !== null || (r[3] !== null && topo.parents.has(r[3]));
  const candidates = rows.filter((r) => (r[6] === 'down' || r[6] === 'unknown') && hasParent(r));
  if (candidates.length === 0) return out;
  const byId = new Map<string, BoardTuple>();
  const byAsset = new Map<string, BoardTuple[]>();
  for (const r of rows) {
    byId.set(r[0], r);
    if (r[3] !== null) {
      const l = byAsset.get(r[3]);
      if (l) l.push(r);
      else byAsset.set(r[3], [r]);
    }
  }
  // The candidates and everything above them: parent checks, and every check of the assets depended on.
  const included = new Map<string, BoardTuple>();
  const assetsDone = new Set<string>();
  const work = [...candidates];
  while (work.length > 0) {
    const r = work.pop()!;
    if (included.has(r[0])) continue;
    included.set(r[0], r);
    const parent = r[11] ? byId.get(r[11]) : undefined;
    if (parent) work.push(parent);
    if (r[3] === null) continue;
    for (const a of assetsNeeded(topo, [r[3]])) {
      if (assetsDone.has(a)) continue;
      assetsDone.add(a);
      for (const c of byAsset.get(a) ?? []) work.push(c);
    }
  }
  const nodes = [...included.values()].map((r) => ({ id: r[0], asset_id: r[3], parent_check_id: r[11], state: r[6] as CheckStatus }));
  const { graph, states } = buildDependencyGraph(nodes, topo);
  const downOf = (assetId: string) => (byAsset.get(assetId) ?? []).filter((c) => c[6] === 'down').map((c) => c[0]);
  const effective = effectiveStates(graph, states);
  for (const c of candidates) {
    const e = effective.get(c[0]);
    if (e && e.state === 'unreachable') out.set(c[0], { state: 'unreachable', rootCauses: rootChecks(e.rootCauses, downOf) });
  }
  return out;
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
