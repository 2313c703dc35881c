/**
 * Dependencies between supervised nodes: pure, no I/O.
 *
 * A node (a check, an asset, a collector) may depend on parents: the site's firewall, its switch,
 * the collector that runs its checks. When a parent is down, the children behind it cannot be
 * reached: their own down or unknown state is shown as `unreachable`, their data is still recorded
 * (their periods keep their own state), no alert is raised for them, and one alert names the root
 * cause — the highest down ancestor.
 *
 * Rules (the issue is silent on these):
 * - A node that answers (up or degraded) proves the path to it works: a down ancestor beyond it
 *   does not make its descendants unreachable.
 * - With several parents, any blocked path makes the node unreachable (a node behind a firewall
 *   and a collector is unreachable when either is down). Redundant paths are modelled as a business
 *   service (rule 'any'), not here.
 * - Only down and unknown become unreachable; degraded, up and maintenance are shown as they are.
 * - A node with no known state counts as unknown.
 */
import type { CheckStatus } from './state-machine.ts';

export type NodeId = string;
/** child → its parents */
export type DependencyGraph = ReadonlyMap<NodeId, readonly NodeId[]>;
/** A dependency: `child` depends on `parent`. */
export interface DependencyEdge {
  child: NodeId;
  parent: NodeId;
}
/** The state shown for a node: its own, or unreachable behind a down ancestor. */
export type EffectiveStatus = CheckStatus | 'unreachable';

/** A node's shown state and, when unreachable, the down ancestors to blame. */
export interface EffectiveState {
  state: EffectiveStatus;
  /** the highest down ancestors blocking this node (empty when none), sorted */
  rootCauses: NodeId[];
}

/** One alert for simultaneous downs: the root cause and the nodes it made unreachable or down. */
export interface AlertGroup {
  root: NodeId;
  /** the root itself changed in this batch: raise an alert; false: its alert already went out */
  rootChanged: boolean;
  /** the other changed nodes blamed on this root, sorted */
  affected: NodeId[];
}

/** Builds the child → parents map from a list of edges (duplicates dropped). */
export function graphFromEdges(edges: readonly DependencyEdge[]): Map<NodeId, NodeId[]> {
  const graph = new Map<NodeId, NodeId[]>();
  for (const { child, parent } of edges) {
    const parents = graph.get(child);
    if (!parents) graph.set(child, [parent]);
    else if (!parents.includes(parent)) parents.push(parent);
  }
  return graph;
}

/**
 * Computes the blocking roots of every requested node, memoised across calls on the same maps.
 * Iterative post-order walk (no recursion limit on deep chains); a cycle, which checkNoCycle keeps
 * out of stored graphs, is cut where it closes instead of looping.
 */
function makeRootFinder(graph: DependencyGraph, states: ReadonlyMap<NodeId, CheckStatus>) {
  const memo = new Map<NodeId, readonly NodeId[]>();
  const EMPTY: readonly NodeId[] = [];
  const own = (id: NodeId): CheckStatus => states.get(id) ?? 'unknown';

  /** What a parent passes to its children: itself if it is the highest down, its own roots if it does not answer. */
  const blockersOf = (p: NodeId): readonly NodeId[] => {
    const s = own(p);
    const roots = memo.get(p) ?? EMPTY;
    if (s === 'down') return roots.length > 0 ? roots : [p];
    if (s === 'up' || s === 'degraded') return EMPTY;
    return roots;
  };

  return function rootsOf(id: NodeId): readonly NodeId[] {
    const done = memo.get(id);
    if (done) return done;
    const onPath = new Set<NodeId>();
    const stack: { id: NodeId; expanded: boolean }[] = [{ id, expanded: false }];
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      if (memo.has(top.id)) {
        stack.pop();
        continue;
      }
      const parents = graph.get(top.id) ?? EMPTY;
      if (!top.expanded) {
        top.expanded = true;
        onPath.add(top.id);
        for (const p of parents) if (!memo.has(p) && !onPath.has(p)) stack.push({ id: p, expanded: false });
        continue;
      }
      const roots = new Set<NodeId>();
      for (const p of parents) if (!onPath.has(p) || memo.has(p)) for (const r of blockersOf(p)) roots.add(r);
      memo.set(top.id, roots.size === 0 ? EMPTY : [...roots].sort());
      onPath.delete(top.id);
      stack.pop();
    }
    return memo.get(id)!;
  };
}

/** The effective state of each node of `states` (and of every node of the graph): unreachable behind a down ancestor. */
export function effectiveStates(graph: DependencyGraph, states: ReadonlyMap<NodeId, CheckStatus>): Map<NodeId, EffectiveState> {
  const rootsOf = makeRootFinder(graph, states);
  const ids = new Set<NodeId>([...states.keys(), ...graph.keys()]);
  const out = new Map<NodeId, EffectiveState>();
  for (const id of ids) {
    const own = states.get(id) ?? 'unknown';
    const roots = rootsOf(id);
    const blocked = roots.length > 0 && (own === 'down' || own === 'unknown');
    out.set(id, { state: blocked ? 'unreachable' : own, rootCauses: blocked ? [...roots] : [] });
  }
  return out;
}

/**
 * Groups nodes that changed together (typically: just went down) into one alert per root cause:
 * a changed node with no down ancestor is its own root; one behind down ancestors goes under each
 * highest down ancestor. Groups are sorted by root.
 */
export function rootCauses(changed: readonly NodeId[], graph: DependencyGraph, states: ReadonlyMap<NodeId, CheckStatus>): AlertGroup[] {
  const rootsOf = makeRootFinder(graph, states);
  const changedSet = new Set(changed);
  const groups = new Map<NodeId, Set<NodeId>>();
  const groupOf = (root: NodeId) => {
    let g = groups.get(root);
    if (!g) groups.set(root, (g = new Set()));
    return g;
  };
  for (const id of changedSet) {
    const own = states.get(id) ?? 'unknown';
    const roots = own === 'up' || own === 'degraded' ? [] : rootsOf(id);
    if (roots.length === 0) groupOf(id);
    else for (const r of roots) groupOf(r).add(id);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([root, affected]) => ({ root, rootChanged: changedSet.has(root), affected: [...affected].filter((x) => x !== root).sort() }));
}

/** Result of checkNoCycle: ok, or the cycle the new edge would close (child → parent → … → child). */
export type CycleCheck = { ok: true } | { ok: false; cycle: NodeId[] };

/** Would adding `edge` (child depends on parent) close a cycle? Answers with the cycle when it would. */
export function checkNoCycle(graph: DependencyGraph, edge: DependencyEdge): CycleCheck {
  if (edge.child === edge.parent) return { ok: false, cycle: [edge.child, edge.child] };
  // A cycle appears iff the child is already an ancestor of the parent: search upwards from the parent.
  const cameFrom = new Map<NodeId, NodeId | null>([[edge.parent, null]]);
  const queue: NodeId[] = [edge.parent];
  for (let i = 0; i < queue.length; i++) {
    const id = queue[i]!;
    for (const p of graph.get(id) ?? []) {
      if (cameFrom.has(p)) continue;
      cameFrom.set(p, id);
      if (p === edge.child) {
        // Path parent → … → child found upwards; the cycle reads child → parent → … → child.
        const path: NodeId[] = [];
        for (let at: NodeId | null = p; at !== null; at = cameFrom.get(at) ?? null) path.push(at);
        return { ok: false, cycle: [edge.child, ...path.reverse()] };
      }
      queue.push(p);
    }
  }
  return { ok: true };
}
