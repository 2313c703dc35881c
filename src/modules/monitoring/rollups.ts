/**
 * Rollups of check results per minute, hour and day (UTC buckets): pure, no I/O.
 *
 * Raw results are kept a few days; rollups are kept for years, so they must answer on their own:
 * counts per state, latency sum, min and max, and a latency histogram with fixed log-spaced
 * buckets, so p50/p95/p99 come out of any merge of rollups with a bounded error (the estimate is in
 * the same bucket as the exact percentile: within one bucket width, about ±16% relative).
 *
 * Merging must be associative and commutative (minute → hour → day, and across workers in any
 * order). Floating-point sums are not associative, so the latency sum is kept in whole
 * microseconds (`sumLatencyUs`, exact integer arithmetic up to 2^53 µs ≈ 285 years of latency);
 * latencies are rounded to the microsecond when summed. Min and max are exact in any order.
 */
import type { ProbeStatus } from './state-machine.ts';

export type Resolution = 'minute' | 'hour' | 'day';

export const RESOLUTION_MS: Record<Resolution, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/** The start of the UTC bucket holding t (floor, also for times before 1970). */
export function bucketStart(t: number, resolution: Resolution): number {
  const size = RESOLUTION_MS[resolution];
  return t - (((t % size) + size) % size);
}

/**
 * Upper edges (exclusive) of the latency buckets, in ms: 40 log-spaced edges from 0.5 ms to 60 s
 * (ratio ≈ 1.35), rounded to 3 significant digits so the stored format is stable and readable.
 * Bucket 0 is [0, 0.5 ms), bucket i is [edge[i-1], edge[i]), and bucket 40 holds 60 s and more.
 */
export const LATENCY_EDGES_MS: readonly number[] = Object.freeze(
  Array.from({ length: 40 }, (_, i) => (i === 39 ? 60_000 : Number((0.5 * Math.pow(120_000, i / 39)).toPrecision(3)))),
);

/** Number of histogram buckets (edges + the overflow bucket). */
export const HISTOGRAM_SIZE = LATENCY_EDGES_MS.length + 1;

/** The bucket index of a latency (binary search over the edges). */
export function latencyBucket(latencyMs: number): number {
  let lo = 0;
  let hi = LATENCY_EDGES_MS.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (latencyMs < LATENCY_EDGES_MS[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** The latency range [low, high) of a bucket; the overflow bucket's high is Infinity. */
export function bucketRange(index: number): { low: number; high: number } {
  return { low: index === 0 ? 0 : LATENCY_EDGES_MS[index - 1]!, high: index < LATENCY_EDGES_MS.length ? LATENCY_EDGES_MS[index]! : Infinity };
}

/** One check result as the rollups see it. */
export interface ResultSample {
  at: number;
  status: ProbeStatus;
  /** null when the probe measured none (timeout, heartbeat) */
  latencyMs: number | null;
}

/** Aggregate of a check's results over one UTC bucket. */
export interface Rollup {
  /** bucket start, epoch ms UTC */
  start: number;
  resolution: Resolution;
  count: number;
  up: number;
  degraded: number;
  down: number;
  /** latencies summed in whole microseconds (exact, order-free) */
  sumLatencyUs: number;
  /** null when no result had a latency */
  minLatencyMs: number | null;
  maxLatencyMs: number | null;
  /** HISTOGRAM_SIZE counts; its total is the number of results with a latency */
  histogram: number[];
}

/** An empty rollup for a bucket. */
export function emptyRollup(start: number, resolution: Resolution): Rollup {
  return {
    start: bucketStart(start, resolution),
    resolution,
    count: 0,
    up: 0,
    degraded: 0,
    down: 0,
    sumLatencyUs: 0,
    minLatencyMs: null,
    maxLatencyMs: null,
    histogram: new Array<number>(HISTOGRAM_SIZE).fill(0),
  };
}

/** Adds a result to a rollup IN PLACE (the ingestion hot path); the result must fall in its bucket. */
export function accumulate(rollup: Rollup, sample: ResultSample): Rollup {
  rollup.count++;
  rollup[sample.status]++;
  const l = sample.latencyMs;
  if (l !== null && Number.isFinite(l) && l >= 0) {
    rollup.sumLatencyUs += Math.round(l * 1000);
    if (rollup.minLatencyMs === null || l < rollup.minLatencyMs) rollup.minLatencyMs = l;
    if (rollup.maxLatencyMs === null || l > rollup.maxLatencyMs) rollup.maxLatencyMs = l;
    rollup.histogram[latencyBucket(l)]!++;
  }
  return rollup;
}

/** Rolls raw results into rollups of one resolution, one per non-empty bucket, sorted by start. */
export function rollupResults(samples: readonly ResultSample[], resolution: Resolution): Rollup[] {
  const byStart = new Map<number, Rollup>();
  for (const s of samples) {
    const start = bucketStart(s.at, resolution);
    let r = byStart.get(start);
    if (!r) byStart.set(start, (r = emptyRollup(start, resolution)));
    accumulate(r, s);
  }
  return [...byStart.values()].sort((a, b) => a.start - b.start);
}

const minOf = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.min(a, b));
const maxOf = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.max(a, b));

/** Merges two rollups of the same bucket and resolution into a new one (associative, commutative). */
export function mergeRollups(a: Rollup, b: Rollup): Rollup {
  if (a.start !== b.start || a.resolution !== b.resolution) {
    throw new RangeError(`cannot merge rollups of different buckets (${a.resolution}@${a.start}, ${b.resolution}@${b.start})`);
  }
  const histogram = new Array<number>(HISTOGRAM_SIZE);
  for (let i = 0; i < HISTOGRAM_SIZE; i++) histogram[i] = (a.histogram[i] ?? 0) + (b.histogram[i] ?? 0);
  return {
    start: a.start,
    resolution: a.resolution,
    count: a.count + b.count,
    up: a.up + b.up,
    degraded: a.degraded + b.degraded,
    down: a.down + b.down,
    sumLatencyUs: a.sumLatencyUs + b.sumLatencyUs,
    minLatencyMs: minOf(a.minLatencyMs, b.minLatencyMs),
    maxLatencyMs: maxOf(a.maxLatencyMs, b.maxLatencyMs),
    histogram,
  };
}

/** Re-buckets rollups into a coarser resolution (minute → hour → day), merging those that share a bucket. */
export function rollUp(rollups: readonly Rollup[], resolution: Resolution): Rollup[] {
  const byStart = new Map<number, Rollup>();
  for (const r of rollups) {
    if (RESOLUTION_MS[r.resolution] > RESOLUTION_MS[resolution]) throw new RangeError(`cannot roll ${r.resolution} down to ${resolution}`);
    const start = bucketStart(r.start, resolution);
    const moved = { ...r, start, resolution };
    const have = byStart.get(start);
    byStart.set(start, have ? mergeRollups(have, moved) : { ...moved, histogram: r.histogram.slice() });
  }
  return [...byStart.values()].sort((a, b) => a.start - b.start);
}

/** Number of results with a latency (the histogram's total). */
export function latencyCount(r: Rollup): number {
  let n = 0;
  for (const c of r.histogram) n += c;
  return n;
}

/** Mean latency in ms, or null without latencies. */
export function meanLatencyMs(r: Rollup): number | null {
  const n = latencyCount(r);
  return n === 0 ? null : r.sumLatencyUs / n / 1000;
}

/**
 * Estimated latency percentile p (0 < p ≤ 1, nearest-rank) from the histogram: the geometric middle
 * of the bucket holding the rank, kept within the observed [min, max] — so always in the same bucket
 * as the exact nearest-rank percentile. Null without latencies.
 */
export function latencyPercentile(r: Rollup, p: number): number | null {
  const n = latencyCount(r);
  if (n === 0 || r.minLatencyMs === null || r.maxLatencyMs === null) return null;
  const rank = Math.min(n, Math.max(1, Math.ceil(p * n)));
  let seen = 0;
  for (let i = 0; i < HISTOGRAM_SIZE; i++) {
    seen += r.histogram[i]!;
    if (seen >= rank) {
      const { low, high } = bucketRange(i);
      const mid = i === 0 ? high / 2 : high === Infinity ? r.maxLatencyMs : Math.sqrt(low * high);
      return Math.min(r.maxLatencyMs, Math.max(r.minLatencyMs, mid));
    }
  }
  return r.maxLatencyMs;
}

/**
 * A histogram for storage: [first non-zero index, its count, …, last non-zero count], or [] when
 * empty. Latencies of one check cluster in a few buckets, so this is usually 5–15 numbers, not 41.
 */
export function compactHistogram(histogram: readonly number[]): number[] {
  let first = 0;
  while (first < histogram.length && histogram[first] === 0) first++;
  if (first === histogram.length) return [];
  let last = histogram.length - 1;
  while (histogram[last] === 0) last--;
  return [first, ...histogram.slice(first, last + 1)];
}

/** The full HISTOGRAM_SIZE histogram back from compactHistogram's form. */
export function expandHistogram(compact: readonly number[]): number[] {
  const h = new Array<number>(HISTOGRAM_SIZE).fill(0);
  if (compact.length === 0) return h;
  const first = compact[0]!;
  for (let i = 1; i < compact.length; i++) h[first + i - 1] = compact[i]!;
  return h;
}
