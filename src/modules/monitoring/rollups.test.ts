/**
 * Rollups: bucket boundaries in UTC, histogram buckets, examples of rolling and merging; then
 * properties: merging is associative and commutative, rolling up minute → hour → day equals
 * rolling the raw results by day, and percentiles read from any merge of rollups fall in the same
 * histogram bucket as the exact percentile of the raw latencies.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bucketRange,
  bucketStart,
  compactHistogram,
  expandHistogram,
  HISTOGRAM_SIZE,
  LATENCY_EDGES_MS,
  latencyBucket,
  latencyPercentile,
  meanLatencyMs,
  mergeRollups,
  rollUp,
  rollupResults,
  type Resolution,
  type ResultSample,
  type Rollup,
} from './rollups.ts';
import type { ProbeStatus } from './state-machine.ts';

const T = Date.UTC(2025, 5, 15, 13, 47, 12, 345);

describe('rollups', () => {
  it('bucket starts are UTC minute, hour and day boundaries, also before 1970', () => {
    expect(bucketStart(T, 'minute')).toBe(Date.UTC(2025, 5, 15, 13, 47));
    expect(bucketStart(T, 'hour')).toBe(Date.UTC(2025, 5, 15, 13));
    expect(bucketStart(T, 'day')).toBe(Date.UTC(2025, 5, 15));
    expect(bucketStart(-1, 'day')).toBe(-86_400_000);
  });

  it('has about 40 log-spaced buckets from 0.5 ms to 60 s', () => {
    expect(HISTOGRAM_SIZE).toBe(41);
    expect(LATENCY_EDGES_MS[0]).toBe(0.5);
    expect(LATENCY_EDGES_MS[LATENCY_EDGES_MS.length - 1]).toBe(60_000);
    for (let i = 1; i < LATENCY_EDGES_MS.length; i++) {
      const ratio = LATENCY_EDGES_MS[i]! / LATENCY_EDGES_MS[i - 1]!;
      expect(ratio).toBeGreaterThan(1.3);
      expect(ratio).toBeLessThan(1.4);
    }
    expect(latencyBucket(0)).toBe(0);
    expect(latencyBucket(0.5)).toBe(1);
    expect(latencyBucket(59_999)).toBe(39);
    expect(latencyBucket(60_000)).toBe(40);
    expect(latencyBucket(1e9)).toBe(40);
    expect(bucketRange(40)).toEqual({ low: 60_000, high: Infinity });
  });

  it('rolls results per minute with counts, latency sum in µs, min, max and histogram', () => {
    const base = Date.UTC(2025, 0, 1, 10, 0);
    const samples: ResultSample[] = [
      { at: base + 1_000, status: 'up', latencyMs: 12.5 },
      { at: base + 30_000, status: 'degraded', latencyMs: 950.25 },
      { at: base + 59_999, status: 'down', latencyMs: null },
      { at: base + 60_000, status: 'up', latencyMs: 3 },
    ];
    const [first, second] = rollupResults(samples, 'minute');
    expect(first).toMatchObject({ start: base, resolution: 'minute', count: 3, up: 1, degraded: 1, down: 1, sumLatencyUs: 962_750, minLatencyMs: 12.5, maxLatencyMs: 950.25 });
    expect(compactHistogram(first!.histogram)).toEqual([latencyBucket(12.5), 1, ...new Array(latencyBucket(950.25) - latencyBucket(12.5) - 1).fill(0), 1]);
    expect(meanLatencyMs(first!)).toBe(481.375);
    expect(second).toMatchObject({ start: base + 60_000, count: 1 });
    expect(rollUp([first!, second!], 'hour')).toEqual([{ ...mergeRollups({ ...first!, resolution: 'hour' }, { ...second!, start: base, resolution: 'hour' }) }]);
  });

  it('refuses to merge different buckets or roll down', () => {
    const [r] = rollupResults([{ at: T, status: 'up', latencyMs: 1 }], 'minute');
    expect(() => mergeRollups(r!, { ...r!, start: r!.start + 60_000 })).toThrow(RangeError);
    expect(() => rollUp(rollupResults([{ at: T, status: 'up', latencyMs: 1 }], 'day'), 'hour')).toThrow(RangeError);
  });

  it('an empty rollup has no latency figures', () => {
    const [r] = rollupResults([{ at: T, status: 'down', latencyMs: null }], 'hour');
    expect(latencyPercentile(r!, 0.95)).toBeNull();
    expect(meanLatencyMs(r!)).toBeNull();
    expect(compactHistogram(r!.histogram)).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// Properties

/** Latencies spread over the whole range, log-uniformly, in whole microseconds. */
const latencyArb = fc.double({ min: Math.log(0.01), max: Math.log(120_000), noNaN: true }).map((x) => Math.round(Math.exp(x) * 1000) / 1000);
const sampleArb = (from: number, span: number): fc.Arbitrary<ResultSample> =>
  fc.record({
    at: fc.integer({ min: from, max: from + span - 1 }),
    status: fc.constantFrom<ProbeStatus>('up', 'degraded', 'down'),
    latencyMs: fc.option(latencyArb, { nil: null, freq: 5 }),
  });
const HOUR_START = Date.UTC(2025, 5, 15, 13);

/** A random rollup of the given hour bucket, from random samples. */
const hourRollupArb: fc.Arbitrary<Rollup> = fc.array(sampleArb(HOUR_START, 3_600_000), { maxLength: 30 }).map((ss) => {
  const rs = rollupResults(ss, 'hour');
  return rs[0] ?? { ...rollupResults([{ at: HOUR_START, status: 'up', latencyMs: null }], 'hour')[0]!, count: 0, up: 0 };
});

/** Exact nearest-rank percentile. */
function exactPercentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil(p * sorted.length))) - 1]!;
}

describe('rollup properties', () => {
  it('merging is commutative and associative', () => {
    fc.assert(
      fc.property(hourRollupArb, hourRollupArb, hourRollupArb, (a, b, c) => {
        expect(mergeRollups(a, b)).toEqual(mergeRollups(b, a));
        expect(mergeRollups(mergeRollups(a, b), c)).toEqual(mergeRollups(a, mergeRollups(b, c)));
      }),
    );
  });

  it('rolling minutes up to hours and days equals rolling raw results by day, in any order', () => {
    const DAY0 = Date.UTC(2025, 5, 15);
    fc.assert(
      fc.property(fc.array(sampleArb(DAY0, 3 * 86_400_000), { maxLength: 80 }), fc.integer(), (samples, seed) => {
        const minutes = rollupResults(samples, 'minute');
        // Shuffle deterministically: merge order must not matter.
        const shuffled = minutes.map((r, i) => [(i * 7919 + seed) % 1000003, r] as const).sort((x, y) => x[0] - y[0]).map(([, r]) => r);
        const viaHours = rollUp(rollUp(shuffled, 'hour'), 'day');
        expect(viaHours).toEqual(rollupResults(samples, 'day'));
        const total = viaHours.reduce((n, r) => n + r.count, 0);
        expect(total).toBe(samples.length);
      }),
    );
  });

  it('percentiles from merged rollups fall in the same bucket as the exact percentile', () => {
    const resolutions: Resolution[] = ['minute', 'hour', 'day'];
    fc.assert(
      fc.property(
        fc.array(sampleArb(HOUR_START, 3_600_000), { minLength: 1, maxLength: 200 }),
        fc.constantFrom(0.5, 0.9, 0.95, 0.99, 0.999, 1),
        fc.constantFrom(...resolutions),
        (samples, p, res) => {
          const latencies = samples.flatMap((s) => (s.latencyMs === null ? [] : [s.latencyMs]));
          const rollups = rollupResults(samples, 'minute');
          const merged = rollUp(rollups, res === 'minute' ? 'hour' : res);
          if (latencies.length === 0) {
            expect(merged.every((r) => latencyPercentile(r, p) === null)).toBe(true);
            return;
          }
          // Everything is in one hour: one merged rollup holds all the latencies.
          expect(merged).toHaveLength(1);
          const estimate = latencyPercentile(merged[0]!, p)!;
          const exact = exactPercentile(latencies, p);
          // Stronger than "within one bucket": the very same bucket.
          expect(latencyBucket(estimate)).toBe(latencyBucket(exact));
          expect(estimate).toBeGreaterThanOrEqual(Math.min(...latencies));
          expect(estimate).toBeLessThanOrEqual(Math.max(...latencies));
        },
      ),
    );
  });

  it('compact histograms round-trip', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 5 }), { minLength: HISTOGRAM_SIZE, maxLength: HISTOGRAM_SIZE }), (h) => {
        expect(expandHistogram(compactHistogram(h))).toEqual(h);
        expect(compactHistogram(h).length).toBeLessThanOrEqual(HISTOGRAM_SIZE + 1);
      }),
    );
  });
});
