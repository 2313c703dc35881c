/**
 * State periods and availability: examples of the counting rules, then properties: availability is
 * in [0, 1], splitting a window adds up exactly, adding down time never raises availability, a
 * business service under 'all' is never more available than a member and under 'any' never less,
 * and the combined periods agree instant by instant with the rule applied to the members.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applyTransition,
  applyTransitions,
  availability,
  combineAvailability,
  combineServices,
  openPeriods,
  overlayPeriod,
  periodProblems,
  PeriodError,
  stateAt,
  type AvailabilityOptions,
  type ServiceRule,
  type StatePeriod,
} from './periods.ts';
import type { CheckStatus } from './state-machine.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2025, 2, 1);

/** Builds contiguous periods from [state, duration] pairs; the last is open when `open`. */
function history(start: number, spans: [CheckStatus, number][], open = false): StatePeriod[] {
  let t = start;
  return spans.map(([state, d], i) => {
    const p: StatePeriod = { state, from: t, to: open && i === spans.length - 1 ? null : t + d, cause: 'probe' };
    t += d;
    return p;
  });
}

describe('periods', () => {
  it('a transition closes the open period and opens the next', () => {
    let ps = openPeriods('unknown', T0);
    ps = applyTransition(ps, { from: 'unknown', to: 'up', at: T0 + MIN, cause: 'probe' });
    ps = applyTransition(ps, { from: 'up', to: 'down', at: T0 + HOUR, cause: 'probe' });
    expect(ps).toEqual([
      { state: 'unknown', from: T0, to: T0 + MIN, cause: 'created' },
      { state: 'up', from: T0 + MIN, to: T0 + HOUR, cause: 'probe' },
      { state: 'down', from: T0 + HOUR, to: null, cause: 'probe' },
    ]);
    expect(periodProblems(ps)).toEqual([]);
  });

  it('a transition at the open period\'s start replaces it, merging with the one before', () => {
    let ps = history(T0, [['up', HOUR], ['maintenance', 0]], true);
    ps = applyTransition(ps, { from: 'maintenance', to: 'up', at: T0 + HOUR, cause: 'maintenance_end' });
    expect(ps).toEqual([{ state: 'up', from: T0, to: null, cause: 'probe' }]);
  });

  it('refuses transitions that do not fit the history', () => {
    const ps = openPeriods('up', T0);
    expect(() => applyTransition(ps, { from: 'down', to: 'up', at: T0 + 1, cause: 'probe' })).toThrow(PeriodError);
    expect(() => applyTransition(ps, { from: 'up', to: 'down', at: T0 - 1, cause: 'probe' })).toThrow(PeriodError);
  });

  it('does not mutate its input', () => {
    const ps = openPeriods('up', T0);
    const copy = structuredClone(ps);
    applyTransitions(ps, [{ from: 'up', to: 'down', at: T0 + 5, cause: 'probe' }]);
    expect(ps).toEqual(copy);
  });

  it('stateAt reads the state at an instant', () => {
    const ps = history(T0, [['up', HOUR], ['down', HOUR], ['up', HOUR]], true);
    expect(stateAt(ps, T0 - 1)).toBeNull();
    expect(stateAt(ps, T0)).toBe('up');
    expect(stateAt(ps, T0 + HOUR)).toBe('down');
    expect(stateAt(ps, T0 + 2 * HOUR - 1)).toBe('down');
    expect(stateAt(ps, T0 + 100 * DAY)).toBe('up');
  });
});

describe('availability examples', () => {
  // A 30-day month: 28 days up, 4 h down, 1 day maintenance, 12 h unknown, the rest degraded.
  const month = { from: T0, to: T0 + 30 * DAY };
  const ps = history(T0, [
    ['up', 14 * DAY],
    ['down', 4 * HOUR],
    ['up', 14 * DAY],
    ['maintenance', DAY],
    ['unknown', 12 * HOUR],
    ['degraded', 8 * HOUR],
  ]);

  it('leaves maintenance and unknown out, counts degraded as available', () => {
    const a = availability(ps, month);
    expect(a).toEqual({
      availability: (28 * DAY + 8 * HOUR) / (28 * DAY + 12 * HOUR),
      upMs: 28 * DAY,
      degradedMs: 8 * HOUR,
      downMs: 4 * HOUR,
      unknownMs: 12 * HOUR,
      maintenanceMs: DAY,
      counted: 28 * DAY + 12 * HOUR,
    });
  });

  it('can count unknown as down and degraded as unavailable', () => {
    expect(availability(ps, month, { unknownAs: 'down' }).availability).toBe((28 * DAY + 8 * HOUR) / (29 * DAY));
    expect(availability(ps, month, { degradedAs: 'down' }).availability).toBe((28 * DAY) / (28 * DAY + 12 * HOUR));
  });

  it('clips to the window and runs an open period up to `now`', () => {
    const open = history(T0, [['up', DAY], ['down', DAY]], true);
    const w = { from: T0 + 12 * HOUR, to: T0 + 10 * DAY };
    expect(availability(open, w, { now: T0 + 2 * DAY })).toMatchObject({ upMs: 12 * HOUR, downMs: DAY, counted: 36 * HOUR });
    // Before the history began, nothing is measured.
    expect(availability(open, { from: T0 - DAY, to: T0 }).availability).toBeNull();
  });

  it('a window all in maintenance has no availability rather than 100%', () => {
    expect(availability(history(T0, [['maintenance', DAY]]), { from: T0, to: T0 + DAY }).availability).toBeNull();
  });
});

describe('business services', () => {
  const a = history(T0, [['up', 2 * HOUR], ['down', HOUR], ['up', 3 * HOUR]]);
  const b = history(T0, [['up', HOUR], ['down', 3 * HOUR], ['up', 2 * HOUR]]);
  const c = history(T0, [['up', 4 * HOUR], ['maintenance', HOUR], ['up', HOUR]]);

  it("'all' is down when any member is down", () => {
    expect(combineServices('all', [a, b]).map((p) => [p.state, (p.from - T0) / HOUR, p.to === null ? null : (p.to - T0) / HOUR])).toEqual([
      ['up', 0, 1],
      ['down', 1, 4],
      ['up', 4, 6],
    ]);
  });

  it("'any' is down only when every member is down", () => {
    expect(combineServices('any', [a, b]).map((p) => [p.state, (p.from - T0) / HOUR])).toEqual([
      ['up', 0],
      ['down', 2],
      ['up', 3],
    ]);
  });

  it('k of n, and maintenance of a needed member is maintenance, not down', () => {
    expect(combineServices({ k: 2 }, [a, b, c]).map((p) => [p.state, (p.from - T0) / HOUR])).toEqual([
      ['up', 0],
      ['down', 2],
      ['up', 3],
    ]);
    expect(combineServices('all', [a, c]).map((p) => [p.state, (p.from - T0) / HOUR])).toEqual([
      ['up', 0],
      ['down', 2],
      ['up', 3],
      ['maintenance', 4],
      ['up', 5],
    ]);
  });

  it('a member whose history has not begun counts as unknown', () => {
    const late = history(T0 + HOUR, [['up', 5 * HOUR]], true);
    const open = history(T0, [['up', 6 * HOUR]], true);
    expect(combineServices('all', [open, late])).toEqual([
      { state: 'unknown', from: T0, to: T0 + HOUR, cause: 'rule' },
      { state: 'up', from: T0 + HOUR, to: null, cause: 'rule' },
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// Properties

const STATES: CheckStatus[] = ['up', 'degraded', 'down', 'unknown', 'maintenance'];

/** Random valid histories: 1–25 periods of 1 s … 3 days, neighbours distinct, open or closed. */
const historyArb: fc.Arbitrary<StatePeriod[]> = fc
  .record({
    start: fc.integer({ min: T0 - 5 * DAY, max: T0 + 5 * DAY }),
    spans: fc.array(fc.tuple(fc.constantFrom(...STATES), fc.integer({ min: 1000, max: 3 * DAY })), { minLength: 1, maxLength: 25 }),
    open: fc.boolean(),
  })
  .map(({ start, spans, open }) => {
    const distinct = spans.filter((s, i) => i === 0 || s[0] !== spans[i - 1]![0]);
    return history(start, distinct, open);
  });

const windowArb = fc
  .tuple(fc.integer({ min: T0 - 10 * DAY, max: T0 + 40 * DAY }), fc.integer({ min: 0, max: 30 * DAY }))
  .map(([from, len]) => ({ from, to: from + len }));

const optionsArb: fc.Arbitrary<AvailabilityOptions> = fc.record({
  unknownAs: fc.constantFrom('excluded' as const, 'down' as const),
  degradedAs: fc.constantFrom('up' as const, 'down' as const),
});

const ruleArb: fc.Arbitrary<ServiceRule> = fc.oneof(fc.constant('all' as const), fc.constant('any' as const), fc.integer({ min: 1, max: 5 }).map((k) => ({ k })));

describe('availability properties', () => {
  it('is in [0, 1] (or null when nothing is counted) and the state times add up to the covered time', () => {
    fc.assert(
      fc.property(historyArb, windowArb, optionsArb, (ps, w, opts) => {
        const a = availability(ps, w, opts);
        if (a.counted === 0) expect(a.availability).toBeNull();
        else {
          expect(a.availability).toBeGreaterThanOrEqual(0);
          expect(a.availability).toBeLessThanOrEqual(1);
        }
        // Covered time, computed naively period by period.
        let covered = 0;
        for (const p of ps) covered += Math.max(0, Math.min(p.to ?? w.to, w.to) - Math.max(p.from, w.from));
        expect(a.upMs + a.degradedMs + a.downMs + a.unknownMs + a.maintenanceMs).toBe(covered);
      }),
    );
  });

  it('splitting a window in two and combining the parts by time gives the same result', () => {
    fc.assert(
      fc.property(historyArb, windowArb, fc.double({ min: 0, max: 1, noNaN: true }), optionsArb, (ps, w, f, opts) => {
        const mid = w.from + Math.floor((w.to - w.from) * f);
        const whole = availability(ps, w, opts);
        const parts = combineAvailability(availability(ps, { from: w.from, to: mid }, opts), availability(ps, { from: mid, to: w.to }, opts), opts);
        expect(parts).toEqual(whole);
      }),
    );
  });

  it('adding a down period never raises availability', () => {
    fc.assert(
      fc.property(historyArb, windowArb, windowArb, optionsArb, (ps, w, down, opts) => {
        const before = availability(ps, w, opts);
        const worse = overlayPeriod(ps, { from: down.from, to: down.to, state: 'down' });
        expect(periodProblems(worse)).toEqual([]);
        const after = availability(worse, w, opts);
        if (before.availability !== null && after.availability !== null) {
          expect(after.availability).toBeLessThanOrEqual(before.availability + 1e-12);
        }
        expect(after.downMs).toBeGreaterThanOrEqual(before.downMs);
      }),
    );
  });

  it('overlayPeriod sets exactly the overlaid time and keeps the rest', () => {
    fc.assert(
      fc.property(historyArb, windowArb, fc.array(fc.integer({ min: T0 - 12 * DAY, max: T0 + 80 * DAY }), { maxLength: 30 }), (ps, span, probes) => {
        const out = overlayPeriod(ps, { ...span, state: 'maintenance' });
        expect(periodProblems(out)).toEqual([]);
        for (const t of probes) {
          const was = stateAt(ps, t);
          const inSpan = t >= span.from && t < span.to;
          expect(stateAt(out, t)).toBe(was !== null && inSpan ? 'maintenance' : was);
        }
      }),
    );
  });
});

describe('business service properties', () => {
  const members = fc.array(historyArb, { minLength: 1, maxLength: 5 });

  it('gives valid periods that agree with the rule at every instant', () => {
    fc.assert(
      fc.property(members, ruleArb, fc.array(fc.integer({ min: T0 - 12 * DAY, max: T0 + 80 * DAY }), { maxLength: 40 }), (ms, rule, probes) => {
        const service = combineServices(rule, ms);
        expect(periodProblems(service)).toEqual([]);
        const n = ms.length;
        const k = rule === 'all' ? n : rule === 'any' ? 1 : Math.min(rule.k, n);
        const firstStart = Math.min(...ms.map((p) => p[0]!.from));
        const anyOpen = ms.some((p) => p[p.length - 1]!.to === null);
        const lastEnd = Math.max(...ms.map((p) => p[p.length - 1]!.to ?? -Infinity));
        for (const t of [...probes, ...ms.flatMap((p) => p.map((x) => x.from))]) {
          const states = ms.map((p) => stateAt(p, t) ?? 'unknown');
          const count = (s: CheckStatus) => states.filter((x) => x === s).length;
          const expected: CheckStatus =
            count('up') >= k ? 'up'
            : count('up') + count('degraded') >= k ? 'degraded'
            : n - count('down') < k ? 'down'
            : n - count('down') - count('maintenance') < k ? 'maintenance'
            : 'unknown';
          const inHistory = t >= firstStart && (anyOpen || t < lastEnd);
          expect(stateAt(service, t)).toBe(inHistory ? expected : null);
        }
      }),
    );
  });

  it("'all' is never more available than any member, 'any' never less (default counting)", () => {
    fc.assert(
      fc.property(members, windowArb, (ms, w) => {
        const all = availability(combineServices('all', ms), w).availability;
        const any = availability(combineServices('any', ms), w).availability;
        for (const m of ms) {
          const own = availability(m, w).availability;
          if (own === null) continue;
          if (all !== null) expect(all).toBeLessThanOrEqual(own + 1e-12);
          if (any !== null) expect(any).toBeGreaterThanOrEqual(own - 1e-12);
        }
      }),
    );
  });

  it('needing more members never raises availability', () => {
    fc.assert(
      fc.property(members, windowArb, fc.integer({ min: 1, max: 4 }), (ms, w, k) => {
        const lo = availability(combineServices({ k }, ms), w).availability;
        const hi = availability(combineServices({ k: k + 1 }, ms), w).availability;
        if (lo !== null && hi !== null) expect(hi).toBeLessThanOrEqual(lo + 1e-12);
      }),
    );
  });

  it('a service of one member has the member\'s periods', () => {
    fc.assert(
      fc.property(historyArb, ruleArb, (ps, rule) => {
        const service = combineServices(rule, [ps]);
        expect(service.map(({ state, from, to }) => ({ state, from, to }))).toEqual(ps.map(({ state, from, to }) => ({ state, from, to })));
      }),
    );
  });
});
