/**
 * The dependency graph of supervision, shared by the board and alerting.
 *
 * Two kinds of edges make a check depend on something:
 * - its parent check (`checks.parent_check_id`);
 * - the assets its asset depends on in the inventory: a relation "A depends_on B" or "A runs_on B"
 *   puts every check of A behind asset B (a server behind the site's firewall, a VM on its host).
 *   `connected_to` and `backs_up` are descriptive and carry no dependency.
 *
 * An asset is a node of its own (`asset:<id>`) whose state comes from its checks: it answers (up)
 * when any of its checks is up or degraded, it is down when none answers and one is down, in
 * maintenance when none answers and one is in maintenance, unknown otherwise (no check, no data).
 * So a firewall whose ping fails while its web console answers does not make what is behind it
 * unreachable. An asset node depends on the assets its asset depends on and on the parent checks of
 * its own checks, so a chain (router check → firewall asset → server) names the highest root.
 *
 * Pure functions here plus one loader (`loadAssetTopology`), one small query per client.
 */
import type { Executor } from '../../db/tx.ts';
import type { DependencyGraph, NodeId } from './dependencies.ts';
import type { CheckStatus } from './state-machine.ts';

/** Inventory relation kinds that put the "from" asset's checks behind the "to" asset. */
export const DEPENDENCY_RELATION_KINDS = ['depends_on', 'runs_on'] as const;

const ASSET_PREFIX = 'asset:';
export const assetNode = (assetId: string): NodeId => ASSET_PREFIX + assetId;
/** The asset id of an asset node, null for a check node. */
export const assetOfNode = (node: NodeId): string | null => (node.startsWith(ASSET_PREFIX) ? node.slice(ASSET_PREFIX.length) : null);

/** Asset → the assets it depends on, and the reverse. */
export interface AssetTopology {
  parents: ReadonlyMap<string, readonly string[]>;
  children: ReadonlyMap<string, readonly string[]>;
}

export const EMPTY_TOPOLOGY: AssetTopology = { parents: new Map(), children: new Map() };

export function topologyFromRelations(relations: readonly { from: string; to: string }[]): AssetTopology {
  const parents = new Map<string, string[]>();
  const children = new Map<string, string[]>();
  const add = (m: Map<string, string[]>, k: string, v: string) => {
    const l = m.get(k);
    if (!l) m.set(k, [v]);
    else if (!l.includes(v)) l.push(v);
  };
  for (const r of relations) {
    if (r.from === r.to) continue;
    add(parents, r.from, r.to);
    add(children, r.to, r.from);
  }
  return { parents, children };
}

/** The client's dependency relations between assets. */
export async function loadAssetTopology(ex: Executor, clientId: string): Promise<AssetTopology> {
  const rows = await ex
    .selectFrom('asset_relations')
    .select(['from_asset_id', 'to_asset_id'])
    .where('client_id', '=', clientId)
    .where('kind', 'in', [...DEPENDENCY_RELATION_KINDS])
    .execute();
  return topologyFromRelations(rows.map((r) => ({ from: r.from_asset_id, to: r.to_asset_id })));
}

/** Every asset reachable from `start` along `step` (start included), cycles cut. */
export function closure(step: ReadonlyMap<string, readonly string[]>, start: Iterable<string>): Set<string> {
  const seen = new Set<string>();
  const queue: string[] = [];
  for (const s of start) if (!seen.has(s)) seen.add(s), queue.push(s);
  for (let i = 0; i < queue.length; i++) {
    for (const n of step.get(queue[i]!) ?? []) if (!seen.has(n)) seen.add(n), queue.push(n);
  }
  return seen;
}

/** An asset's state from its checks' states (see the module comment). */
export function assetState(states: Iterable<CheckStatus>): CheckStatus {
  let down = false;
  let maintenance = false;
  for (const s of states) {
    if (s === 'up' || s === 'degraded') return 'up';
    if (s === 'down') down = true;
    else if (s === 'maintenance') maintenance = true;
  }
  return down ? 'down' : maintenance ? 'maintenance' : 'unknown';
}

/** A check as the graph needs it. */
export interface CheckNodeInput {
  id: string;
  asset_id: string | null;
  parent_check_id: string | null;
  state: CheckStatus;
}

/**
 * The graph and node states over `checks`: check → parent check, check → the assets its asset
 * depends on, asset → the assets it depends on and the parent checks of its checks. An asset node's
 * state comes from the checks of `checks` on that asset, so pass every check of every asset that
 * appears as a parent (see `assetsNeeded`).
 */
export function buildDependencyGraph(checks: Iterable<CheckNodeInput>, topo: AssetTopology): { graph: DependencyGraph; states: Map<NodeId, CheckStatus> } {
  const graph = new Map<NodeId, NodeId[]>();
  const states = new Map<NodeId, CheckStatus>();
  const byAsset = new Map<string, CheckStatus[]>();
  const assetParentsChecks = new Map<string, Set<string>>();
  const addEdge = (child: NodeId, parent: NodeId) => {
    const l = graph.get(child);
    if (!l) graph.set(child, [parent]);
    else if (!l.includes(parent)) l.push(parent);
  };
  const parentAssets = new Set<string>();
  for (const c of checks) {
    states.set(c.id, c.state);
    if (c.parent_check_id) addEdge(c.id, c.parent_check_id);
    if (c.asset_id) {
      const l = byAsset.get(c.asset_id);
      if (l) l.push(c.state);
      else byAsset.set(c.asset_id, [c.state]);
      for (const p of topo.parents.get(c.asset_id) ?? []) {
        addEdge(c.id, assetNode(p));
        parentAssets.add(p);
      }
      if (c.parent_check_id) {
        let s = assetParentsChecks.get(c.asset_id);
        if (!s) assetParentsChecks.set(c.asset_id, (s = new Set()));
        s.add(c.parent_check_id);
      }
    }
  }
  // Asset nodes: every asset that is a parent, and (transitively) the assets those depend on.
  for (const a of closure(topo.parents, parentAssets)) {
    const node = assetNode(a);
    states.set(node, assetState(byAsset.get(a) ?? []));
    for (const p of topo.parents.get(a) ?? []) addEdge(node, assetNode(p));
    for (const pc of assetParentsChecks.get(a) ?? []) addEdge(node, pc);
  }
  return { graph, states };
}

/** The assets whose checks the graph needs for these checks' assets: the ones they depend on, transitively. */
export function assetsNeeded(topo: AssetTopology, assetIds: Iterable<string>): Set<string> {
  const start = new Set<string>();
  for (const a of assetIds) for (const p of topo.parents.get(a) ?? []) start.add(p);
  return closure(topo.parents, start);
}

/**
 * Root causes as check ids: an asset root stands for its checks that are down (in `checks`), so
 * the board can name them; a check root stays itself.
 */
export function rootChecks(roots: readonly NodeId[], downChecksOfAsset: (assetId: string) => readonly string[]): string[] {
  const out = new Set<string>();
  for (const r of roots) {
    const a = assetOfNode(r);
    if (a === null) out.add(r);
    else for (const c of downChecksOfAsset(a)) out.add(c);
  }
  return [...out].sort();
}
