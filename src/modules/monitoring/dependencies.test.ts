/**
 * Dependencies: a site behind a firewall and a switch, checks run by a collector. Examples of
 * unreachable children and grouped alerts, cycle refusal; then properties on random DAGs: a node is
 * unreachable exactly when a blocked path leads to a down ancestor, root causes are down nodes with
 * no down ancestor of their own, every changed node lands in exactly the groups of its roots, and
 * any edge checkNoCycle accepts keeps the graph acyclic.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkNoCycle, effectiveStates, graphFromEdges, rootCauses, type DependencyGraph, type NodeId } from './dependencies.ts';
import type { CheckStatus } from './state-machine.ts';

// internet ← firewall ← switch ← {server, printer}; server ← http check; collector ← http check.
const site = graphFromEdges([
  { child: 'firewall', parent: 'internet' },
  { child: 'switch', parent: 'firewall' },
  { child: 'server', parent: 'switch' },
  { child: 'printer', parent: 'switch' },
  { child: 'http', parent: 'server' },
  { child: 'http', parent: 'collector' },
]);
const states = (o: Record<string, CheckStatus>) => new Map(Object.entries(o));
const allUp = { internet: 'up', firewall: 'up', switch: 'up', server: 'up', printer: 'up', http: 'up', collector: 'up' } as const;

describe('dependencies', () => {
  it('children of a down parent are unreachable and blame the highest down ancestor', () => {
    const eff = effectiveStates(site, states({ ...allUp, firewall: 'down', switch: 'down', server: 'down', printer: 'unknown', http: 'down' }));
    expect(eff.get('firewall')).toEqual({ state: 'down', rootCauses: [] });
    expect(eff.get('switch')).toEqual({ state: 'unreachable', rootCauses: ['firewall'] });
    expect(eff.get('printer')).toEqual({ state: 'unreachable', rootCauses: ['firewall'] });
    expect(eff.get('http')).toEqual({ state: 'unreachable', rootCauses: ['firewall'] });
    expect(eff.get('internet')).toEqual({ state: 'up', rootCauses: [] });
  });

  it('a node that answers is shown as it is, and unblocks the path below it', () => {
    const eff = effectiveStates(site, states({ ...allUp, firewall: 'down', switch: 'up', server: 'degraded', http: 'down' }));
    expect(eff.get('switch')!.state).toBe('up');
    expect(eff.get('server')!.state).toBe('degraded');
    expect(eff.get('http')).toEqual({ state: 'down', rootCauses: [] });
  });

  it('a silent collector makes its checks unreachable, with several roots when several paths are blocked', () => {
    const eff = effectiveStates(site, states({ ...allUp, collector: 'down', http: 'unknown' }));
    expect(eff.get('http')).toEqual({ state: 'unreachable', rootCauses: ['collector'] });
    const both = effectiveStates(site, states({ ...allUp, collector: 'down', switch: 'down', server: 'down', http: 'unknown' }));
    expect(both.get('http')!.rootCauses).toEqual(['collector', 'switch']);
  });

  it('maintenance is shown as maintenance, not unreachable', () => {
    expect(effectiveStates(site, states({ ...allUp, firewall: 'down', printer: 'maintenance' })).get('printer')!.state).toBe('maintenance');
  });

  it('groups simultaneous downs into one alert naming the root cause', () => {
    const now = states({ ...allUp, firewall: 'down', switch: 'down', server: 'down', printer: 'down', http: 'down' });
    expect(rootCauses(['http', 'printer', 'switch', 'firewall', 'server'], site, now)).toEqual([
      { root: 'firewall', rootChanged: true, affected: ['http', 'printer', 'server', 'switch'] },
    ]);
    // The firewall went down earlier: the new downs join its alert, no new one.
    expect(rootCauses(['printer'], site, now)).toEqual([{ root: 'firewall', rootChanged: false, affected: ['printer'] }]);
    // Independent failures make separate alerts.
    const two = states({ ...allUp, printer: 'down', collector: 'down', http: 'down' });
    expect(rootCauses(['printer', 'collector', 'http'], site, two)).toEqual([
      { root: 'collector', rootChanged: true, affected: ['http'] },
      { root: 'printer', rootChanged: true, affected: [] },
    ]);
  });

  it('refuses an edge that would close a cycle, naming it', () => {
    expect(checkNoCycle(site, { child: 'internet', parent: 'server' })).toEqual({ ok: false, cycle: ['internet', 'server', 'switch', 'firewall', 'internet'] });
    expect(checkNoCycle(site, { child: 'server', parent: 'server' })).toEqual({ ok: false, cycle: ['server', 'server'] });
    expect(checkNoCycle(site, { child: 'printer', parent: 'collector' })).toEqual({ ok: true });
  });

  it('does not loop on a cyclic graph that slipped through', () => {
    const g = graphFromEdges([{ child: 'a', parent: 'b' }, { child: 'b', parent: 'a' }, { child: 'c', parent: 'a' }]);
    const eff = effectiveStates(g, states({ a: 'down', b: 'down', c: 'down' }));
    expect(eff.get('c')!.state).toBe('unreachable');
  });

  it('handles a chain 10,000 deep without recursion limits', () => {
    const edges = Array.from({ length: 10_000 }, (_, i) => ({ child: `n${i + 1}`, parent: `n${i}` }));
    const s = new Map<string, CheckStatus>(edges.map((e) => [e.child, 'down']));
    s.set('n0', 'down');
    const eff = effectiveStates(graphFromEdges(edges), s);
    expect(eff.get('n10000')).toEqual({ state: 'unreachable', rootCauses: ['n0'] });
  });
});

// ---------------------------------------------------------------------------------------------
// Properties

const STATES: CheckStatus[] = ['up', 'degraded', 'down', 'unknown', 'maintenance'];

/** A random DAG over n0..n(k-1): edges only from a higher index (child) to a lower (parent). */
const dagArb = fc.integer({ min: 1, max: 14 }).chain((k) =>
  fc.record({
    k: fc.constant(k),
    edges: fc.array(fc.tuple(fc.integer({ min: 0, max: k - 1 }), fc.integer({ min: 0, max: k - 1 })), { maxLength: 30 }).map((pairs) =>
      pairs.filter(([a, b]) => a !== b).map(([a, b]) => ({ child: `n${Math.max(a, b)}`, parent: `n${Math.min(a, b)}` })),
    ),
    states: fc.array(fc.constantFrom(...STATES), { minLength: k, maxLength: k }),
  }),
);

/**
 * Brute force, path by path: on each upward path, the highest down node before the first node that
 * answers is a candidate; the roots are the candidates not themselves blocked by a higher down node.
 */
function bruteRoots(graph: DependencyGraph, st: Map<NodeId, CheckStatus>, id: NodeId): NodeId[] {
  const candidates = new Set<NodeId>();
  const walk = (node: NodeId, highestDown: NodeId | null) => {
    const parents = graph.get(node) ?? [];
    if (parents.length === 0 && highestDown) candidates.add(highestDown);
    for (const p of parents) {
      const s = st.get(p) ?? 'unknown';
      if (s === 'up' || s === 'degraded') {
        if (highestDown) candidates.add(highestDown);
        continue;
      }
      walk(p, s === 'down' ? p : highestDown);
    }
  };
  walk(id, null);
  return [...candidates].filter((c) => bruteRoots(graph, st, c).length === 0).sort();
}

describe('dependency properties', () => {
  it('effective states match a brute-force walk of every path', () => {
    fc.assert(
      fc.property(dagArb, ({ k, edges, states: ss }) => {
        const graph = graphFromEdges(edges);
        const st = new Map<NodeId, CheckStatus>(ss.map((s, i) => [`n${i}`, s] as const));
        const eff = effectiveStates(graph, st);
        for (let i = 0; i < k; i++) {
          const id = `n${i}`;
          const own = st.get(id)!;
          const roots = bruteRoots(graph, st, id);
          const blocked = roots.length > 0 && (own === 'down' || own === 'unknown');
          expect(eff.get(id)).toEqual({ state: blocked ? 'unreachable' : own, rootCauses: blocked ? roots : [] });
          // Roots are down, with no down ancestor blocking them.
          for (const r of eff.get(id)!.rootCauses) {
            expect(st.get(r)).toBe('down');
            expect(eff.get(r)!.state).toBe('down');
          }
        }
      }),
    );
  });

  it('every changed node lands in the groups of its roots, or heads its own', () => {
    fc.assert(
      fc.property(dagArb, fc.array(fc.integer({ min: 0, max: 13 })), ({ k, edges, states: ss }, picks) => {
        const graph = graphFromEdges(edges);
        const st = new Map<NodeId, CheckStatus>(ss.map((s, i) => [`n${i}`, s] as const));
        const changed = [...new Set(picks.filter((i) => i < k).map((i) => `n${i}`))];
        const groups = rootCauses(changed, graph, st);
        const eff = effectiveStates(graph, st);
        for (const id of changed) {
          const own = st.get(id)!;
          const roots = own === 'up' || own === 'degraded' ? [] : bruteRoots(graph, st, id);
          const holding = groups.filter((g) => g.root === id || g.affected.includes(id)).map((g) => g.root).sort();
          expect(holding).toEqual(roots.length === 0 ? [id] : roots);
        }
        for (const g of groups) expect(g.rootChanged).toBe(changed.includes(g.root));
        expect(eff.size).toBeGreaterThanOrEqual(k);
      }),
    );
  });

  it('edges accepted by checkNoCycle keep the graph acyclic; refused ones name a real cycle', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 7 })), { maxLength: 40 }), (pairs) => {
        const edges: { child: string; parent: string }[] = [];
        for (const [a, b] of pairs) {
          const edge = { child: `n${a}`, parent: `n${b}` };
          const graph = graphFromEdges(edges);
          const res = checkNoCycle(graph, edge);
          if (res.ok) edges.push(edge);
          else {
            // The cycle starts with the new edge and follows existing edges back to the child.
            expect(res.cycle[0]).toBe(edge.child);
            expect(res.cycle[1]).toBe(edge.parent);
            expect(res.cycle[res.cycle.length - 1]).toBe(edge.child);
            for (let i = 1; i + 1 < res.cycle.length; i++) expect(graph.get(res.cycle[i]!) ?? []).toContain(res.cycle[i + 1]);
          }
        }
        // Acyclic: a topological order exists (Kahn).
        const graph = graphFromEdges(edges);
        const nodes = new Set(edges.flatMap((e) => [e.child, e.parent]));
        const pending = new Map([...nodes].map((n) => [n, (graph.get(n) ?? []).length]));
        const queue = [...nodes].filter((n) => pending.get(n) === 0);
        let seen = 0;
        while (queue.length) {
          const n = queue.pop()!;
          seen++;
          for (const [c, ps] of graph) if (ps.includes(n)) { pending.set(c, pending.get(c)! - 1); if (pending.get(c) === 0) queue.push(c); }
        }
        expect(seen).toBe(nodes.size);
      }),
    );
  });
});
