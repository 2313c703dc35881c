/**
 * The check state machine: examples of each rule, then properties over random sequences of probe
 * outcomes, silences and maintenance: retries and recovery thresholds are honoured, the reported
 * state changes exactly when a transition is emitted, transitions chain in time, and it is
 * deterministic.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_MACHINE_CONFIG,
  enterMaintenance,
  initialCheckState,
  leaveMaintenance,
  noData,
  step,
  type CheckState,
  type MachineConfig,
  type ProbeStatus,
  type StepResult,
  type Transition,
} from './state-machine.ts';
import { applyTransitions, openPeriods, periodProblems } from './periods.ts';

const MIN = 60_000;
const T0 = Date.UTC(2025, 0, 6, 8, 0);

/** Feeds statuses one minute apart from T0 + 1 min; returns every step result. */
function feed(statuses: ProbeStatus[], config: MachineConfig = DEFAULT_MACHINE_CONFIG, start: CheckState = initialCheckState(T0)): StepResult[] {
  const out: StepResult[] = [];
  let s = start;
  statuses.forEach((status, i) => {
    const r = step(s, { status, at: T0 + (i + 1) * MIN, message: `probe ${i}` }, config);
    out.push(r);
    s = r.state;
  });
  return out;
}
const lastState = (rs: StepResult[]) => rs[rs.length - 1]!.state;
const transitions = (rs: StepResult[]) => rs.flatMap((r) => (r.transition ? [r.transition] : []));

describe('state machine examples', () => {
  it('a new check is unknown, and its first success makes it up at once', () => {
    const rs = feed(['up']);
    expect(lastState(rs).state).toBe('up');
    expect(transitions(rs)).toEqual([{ from: 'unknown', to: 'up', at: T0 + MIN, confirmedAt: T0 + MIN, cause: 'probe', flapping: false, message: 'probe 0' }]);
  });

  it('with retries 2, down needs three consecutive failures and is dated at the first', () => {
    const rs = feed(['up', 'down', 'down', 'up', 'down', 'down', 'down']);
    const trs = transitions(rs);
    expect(trs.map((t) => t.to)).toEqual(['up', 'down']);
    expect(trs[1]).toMatchObject({ from: 'up', to: 'down', at: T0 + 5 * MIN, confirmedAt: T0 + 7 * MIN, cause: 'probe' });
    expect(lastState(rs).consecutiveFailures).toBe(3);
  });

  it('retries 0 downs on the first failure', () => {
    const rs = feed(['up', 'down'], { ...DEFAULT_MACHINE_CONFIG, retries: 0 });
    expect(lastState(rs).state).toBe('down');
  });

  it('the recovery threshold delays the return to up', () => {
    const config = { ...DEFAULT_MACHINE_CONFIG, retries: 0, recoveryThreshold: 3 };
    // From unknown too, up needs three successes; down needs one failure (retries 0).
    const rs = feed(['up', 'up', 'down', 'up', 'up', 'down', 'up', 'up', 'up'], config);
    expect(rs.map((r) => r.state.state)).toEqual(['unknown', 'unknown', 'down', 'down', 'down', 'down', 'down', 'down', 'up']);
    expect(transitions(rs)[1]).toMatchObject({ from: 'down', to: 'up', at: T0 + 7 * MIN, confirmedAt: T0 + 9 * MIN });
  });

  it('a mixed run confirms what all its outcomes agree on: degraded, not down', () => {
    const rs = feed(['up', 'degraded', 'down', 'down']);
    expect(lastState(rs).state).toBe('degraded');
    expect(transitions(rs)[1]).toMatchObject({ from: 'up', to: 'degraded', at: T0 + 2 * MIN });
    // From degraded, three more downs are needed for down.
    const more = feed(['up', 'degraded', 'down', 'down', 'down', 'down', 'down']);
    expect(lastState(more).state).toBe('down');
  });

  it('from down, a degraded-and-up recovery run confirms degraded', () => {
    const config = { ...DEFAULT_MACHINE_CONFIG, retries: 0, recoveryThreshold: 2 };
    const rs = feed(['down', 'degraded', 'up'], config);
    expect(rs.map((r) => r.state.state)).toEqual(['down', 'down', 'degraded']);
  });

  it('no data for 2 intervals + grace makes the check unknown, dated when the first missing result was due', () => {
    const rs = feed(['up']);
    const s = lastState(rs);
    expect(noData(s, T0 + MIN + 2 * MIN + 29_000).transition).toBeNull();
    const r = noData(s, T0 + MIN + 2 * MIN + 30_000);
    expect(r.state.state).toBe('unknown');
    expect(r.transition).toMatchObject({ from: 'up', to: 'unknown', at: T0 + 2 * MIN, confirmedAt: T0 + 3.5 * MIN, cause: 'no_data' });
    // Already unknown: nothing more.
    expect(noData(r.state, T0 + 60 * MIN).transition).toBeNull();
  });

  it('a never-run check stays unknown without a transition', () => {
    expect(noData(initialCheckState(T0), T0 + 60 * MIN).transition).toBeNull();
  });

  it('maintenance hides the state but probes keep counting; leaving shows what they say', () => {
    const config = { ...DEFAULT_MACHINE_CONFIG, retries: 1 };
    let s = lastState(feed(['up'], config));
    const enter = enterMaintenance(s, T0 + 90_000, config);
    expect(enter.transition).toMatchObject({ from: 'up', to: 'maintenance', at: T0 + 90_000, cause: 'maintenance_start' });
    s = enter.state;
    for (let i = 2; i <= 4; i++) {
      const r = step(s, { status: 'down', at: T0 + i * MIN }, config);
      expect(r.transition).toBeNull();
      expect(r.state.state).toBe('maintenance');
      s = r.state;
    }
    expect(s.observed).toBe('down');
    const leave = leaveMaintenance(s, T0 + 5 * MIN, config);
    expect(leave.transition).toMatchObject({ from: 'maintenance', to: 'down', at: T0 + 5 * MIN, cause: 'maintenance_end' });
    expect(enterMaintenance(enter.state, T0 + 2 * MIN, config).transition).toBeNull();
    expect(leaveMaintenance(leave.state, T0 + 6 * MIN, config).transition).toBeNull();
  });

  it('flapping: more than 4 changes in 10 minutes flags transitions, the state still follows', () => {
    const config = { ...DEFAULT_MACHINE_CONFIG, retries: 0 };
    const seq: ProbeStatus[] = ['up', 'down', 'up', 'down', 'up', 'down', 'up'];
    const rs = feed(seq, config);
    expect(rs.map((r) => r.state.state)).toEqual(seq);
    const trs = transitions(rs);
    expect(trs.map((t) => t.flapping)).toEqual([false, false, false, false, true, true, true]);
    expect(rs.map((r) => r.flap)).toEqual([null, null, null, null, 'started', null, null]);
    // Then stable: flapping stops once the window holds at most one change.
    let s = lastState(rs);
    let stoppedAt: number | null = null;
    for (let i = 8; i < 30 && stoppedAt === null; i++) {
      const r = step(s, { status: 'up', at: T0 + i * MIN }, config);
      if (r.flap === 'stopped') stoppedAt = T0 + i * MIN;
      s = r.state;
    }
    // The last change was confirmed at T0 + 7 min; at T0 + 16 min only it remains in the window.
    expect(stoppedAt).toBe(T0 + 16 * MIN);
  });

  it('ignores an outcome older than the last one accepted', () => {
    const s = lastState(feed(['up', 'up']));
    const r = step(s, { status: 'down', at: T0 + MIN }, DEFAULT_MACHINE_CONFIG);
    expect(r.ignored).toBe(true);
    expect(r.state).toBe(s);
  });
});

// ---------------------------------------------------------------------------------------------
// Properties

type Op =
  | { kind: 'probe'; status: ProbeStatus; gap: number }
  | { kind: 'silence'; gap: number }
  | { kind: 'enter'; gap: number }
  | { kind: 'leave'; gap: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 12, arbitrary: fc.record({ kind: fc.constant('probe' as const), status: fc.constantFrom<ProbeStatus>('up', 'degraded', 'down'), gap: fc.integer({ min: 0, max: 3 * MIN }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('silence' as const), gap: fc.integer({ min: 0, max: 10 * MIN }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('enter' as const), gap: fc.integer({ min: 0, max: MIN }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('leave' as const), gap: fc.integer({ min: 0, max: MIN }) }) },
);

const configArb: fc.Arbitrary<MachineConfig> = fc.record({
  retries: fc.integer({ min: 0, max: 4 }),
  recoveryThreshold: fc.integer({ min: 1, max: 4 }),
  flapWindowMs: fc.constantFrom(5 * MIN, 10 * MIN),
  flapThreshold: fc.integer({ min: 2, max: 6 }),
  flapStopThreshold: fc.integer({ min: 0, max: 2 }),
  intervalMs: fc.constantFrom(MIN, 30_000),
  graceMs: fc.constantFrom(0, 30_000),
});

interface Trace {
  before: CheckState;
  op: Op;
  result: StepResult;
  /** for probes: the statuses of all probe outcomes accepted so far, latest last */
  history: ProbeStatus[];
}

/** Runs a sequence of operations, time advancing by each op's gap. */
function run(ops: Op[], config: MachineConfig): Trace[] {
  let s = initialCheckState(T0);
  let t = T0;
  const history: ProbeStatus[] = [];
  const traces: Trace[] = [];
  for (const op of ops) {
    t += op.gap;
    let result: StepResult;
    switch (op.kind) {
      case 'probe':
        result = step(s, { status: op.status, at: t }, config);
        if (!result.ignored) history.push(op.status);
        break;
      case 'silence': result = noData(s, t, config); break;
      case 'enter': result = enterMaintenance(s, t, config); break;
      case 'leave': result = leaveMaintenance(s, t, config); break;
    }
    traces.push({ before: s, op, result, history: history.slice() });
    s = result.state;
  }
  return traces;
}

describe('state machine properties', () => {
  it('the reported state changes exactly when a transition is emitted, and transitions chain', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 80 }), configArb, (ops, config) => {
        for (const { before, result } of run(ops, config)) {
          const changed = result.state.state !== before.state;
          expect(result.transition !== null).toBe(changed);
          if (result.transition) {
            expect(result.transition.from).toBe(before.state);
            expect(result.transition.to).toBe(result.state.state);
            expect(result.transition.at).toBeGreaterThanOrEqual(before.since);
            expect(result.transition.confirmedAt).toBeGreaterThanOrEqual(result.transition.at);
            expect(result.state.since).toBe(result.transition.at);
          } else {
            expect(result.state.since).toBe(before.since);
          }
          // Reported = maintenance while in maintenance, the observed state otherwise.
          expect(result.state.state).toBe(result.state.inMaintenance ? 'maintenance' : result.state.observed);
        }
      }),
    );
  });

  it('retries are honoured: a probe-confirmed down follows at least retries + 1 consecutive failures', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 80 }), configArb, (ops, config) => {
        for (const { before, op, result, history } of run(ops, config)) {
          if (op.kind !== 'probe' || result.ignored) continue;
          if (result.state.observed === 'down' && before.observed !== 'down') {
            const tail = history.slice(-(config.retries + 1));
            expect(tail.length).toBe(config.retries + 1);
            expect(tail.every((x) => x === 'down')).toBe(true);
          }
          if (result.state.observed === 'up' && before.observed !== 'up') {
            const tail = history.slice(-config.recoveryThreshold);
            expect(tail.length).toBe(config.recoveryThreshold);
            expect(tail.every((x) => x === 'up')).toBe(true);
          }
        }
      }),
    );
  });

  it('a single failure never downs a check with retries ≥ 1', () => {
    // Isolated failures: never two downs in a row.
    const isolated = fc.array(fc.constantFrom<ProbeStatus>('up', 'degraded', 'down'), { maxLength: 60 }).map((xs) => xs.map((x, i) => (x === 'down' && xs[i - 1] === 'down' ? 'up' : x)));
    fc.assert(
      fc.property(isolated, fc.integer({ min: 1, max: 5 }), (statuses, retries) => {
        const rs = feed(statuses, { ...DEFAULT_MACHINE_CONFIG, retries });
        expect(rs.every((r) => r.state.state !== 'down')).toBe(true);
      }),
    );
  });

  it('with retries 0 and recovery 1 the state follows every outcome, flapping or not', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom<ProbeStatus>('up', 'degraded', 'down'), { minLength: 1, maxLength: 60 }), (statuses) => {
        const rs = feed(statuses, { ...DEFAULT_MACHINE_CONFIG, retries: 0, recoveryThreshold: 1 });
        rs.forEach((r, i) => expect(r.state.state).toBe(statuses[i]));
      }),
    );
  });

  it('is deterministic', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 60 }), configArb, (ops, config) => {
        expect(run(ops, config)).toEqual(run(ops, config));
      }),
    );
  });

  it('its transitions build a valid period history ending in the current state', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 80 }), configArb, (ops, config) => {
        const traces = run(ops, config);
        const trs: Transition[] = traces.flatMap((t) => (t.result.transition ? [t.result.transition] : []));
        const periods = applyTransitions(openPeriods('unknown', T0), trs);
        expect(periodProblems(periods)).toEqual([]);
        const final = traces.length ? traces[traces.length - 1]!.result.state : initialCheckState(T0);
        expect(periods[periods.length - 1]!.state).toBe(final.state);
      }),
    );
  });
});
