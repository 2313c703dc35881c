import { describe, expect, it } from 'vitest';
import { effectiveStates } from './dependencies.ts';
import type { CheckStatus } from './state-machine.ts';
import { assetNode, assetState, assetsNeeded, buildDependencyGraph, rootChecks, topologyFromRelations, type CheckNodeInput } from './topology.ts';

const chk = (id: string, asset_id: string | null, state: CheckStatus, parent_check_id: string | null = null): CheckNodeInput => ({ id, asset_id, parent_check_id, state });

describe('supervision topology: asset relations as dependencies', () => {
  it('an asset answers when any of its checks does; down only when none answers and one is down', () => {
    expect(assetState(['down', 'up'])).toBe('up');
    expect(assetState(['down', 'degraded'])).toBe('up');
    expect(assetState(['down', 'unknown'])).toBe('down');
    expect(assetState(['maintenance', 'unknown'])).toBe('maintenance');
    expect(assetState(['down', 'maintenance'])).toBe('down');
    expect(assetState([])).toBe('unknown');
  });

  it('checks of an asset behind a down asset are unreachable; the highest root is named through a chain of checks and assets', () => {
    // router check (no asset) ← firewall asset (its ping has the router as parent) ← server asset ← vm asset (runs_on)
    const topo = topologyFromRelations([
      { from: 'srv', to: 'fw' },
      { from: 'vm', to: 'srv' },
    ]);
    const checks = [
      chk('router', null, 'down'),
      chk('fw-ping', 'fw', 'down', 'router'),
      chk('fw-web', 'fw', 'down'),
      chk('srv-http', 'srv', 'down'),
      chk('vm-app', 'vm', 'unknown'),
    ];
    const { graph, states } = buildDependencyGraph(checks, topo);
    expect(states.get(assetNode('fw'))).toBe('down');
    const eff = effectiveStates(graph, states);
    expect(eff.get('fw-ping')).toEqual({ state: 'unreachable', rootCauses: ['router'] });
    expect(eff.get('fw-web')).toEqual({ state: 'down', rootCauses: [] });
    // The firewall asset is behind the router through its ping's parent: everything further is blamed on the router.
    expect(eff.get('srv-http')).toEqual({ state: 'unreachable', rootCauses: ['router'] });
    expect(eff.get('vm-app')).toEqual({ state: 'unreachable', rootCauses: ['router'] });

    // The router answers again: the firewall is the root for what is behind it.
    const back = buildDependencyGraph(checks.map((c) => (c.id === 'router' ? { ...c, state: 'up' as const } : c)), topo);
    const eff2 = effectiveStates(back.graph, back.states);
    expect(eff2.get('fw-ping')!.state).toBe('down');
    expect(eff2.get('srv-http')).toEqual({ state: 'unreachable', rootCauses: [assetNode('fw')] });
    expect(rootChecks(eff2.get('vm-app')!.rootCauses, (a) => (a === 'fw' ? ['fw-web', 'fw-ping'] : []))).toEqual(['fw-ping', 'fw-web']);

    // A check of the firewall answers: nothing behind the firewall is blamed on it.
    const partly = buildDependencyGraph(checks.map((c) => (c.id === 'fw-web' ? { ...c, state: 'up' as const } : c)), topo);
    expect(effectiveStates(partly.graph, partly.states).get('srv-http')!.state).toBe('down');
  });

  it('finds the assets a set of assets needs, transitively, and survives a loop', () => {
    const topo = topologyFromRelations([
      { from: 'a', to: 'b' },
      { from: 'b', to: 'c' },
      { from: 'c', to: 'a' },
      { from: 'x', to: 'x' },
    ]);
    expect([...assetsNeeded(topo, ['a'])].sort()).toEqual(['a', 'b', 'c']);
    expect(topo.parents.has('x')).toBe(false);
    const { graph, states } = buildDependencyGraph([chk('1', 'a', 'down'), chk('2', 'b', 'down'), chk('3', 'c', 'down')], topo);
    const eff = effectiveStates(graph, states);
    for (const id of ['1', '2', '3']) expect(['down', 'unreachable']).toContain(eff.get(id)!.state);
  });
});
