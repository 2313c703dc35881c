/**
 * The rollup job: per-minute rollups from raw results, hours from minutes, days from hours, kept in
 * `rollups` (grain 1, 2, 3) with the latency histogram in compact JSON; and the reader that answers
 * a chart from raw results or from the finest rollups that fit.
 *
 * Progress is one watermark W (`job_state`): every minute before W is rolled up; the job rolls the
 * finished minutes up to `now − ROLLUP_LAG_MS`, an hour when its last minute is rolled, a day when
 * its last hour is. Every step RECOMPUTES its buckets from the finer level (never adds to them), so a
 * step run twice — a crash before the watermark moved, two processes racing — writes the same rows.
 *
 * Late results (a collector replaying its backlog with the original timestamps) may land in minutes
 * already rolled. Ingestion cannot know the watermark cheaply, so it marks every result older than
 * `LATE_AFTER_MS` in `rollup_dirty` (check, minute); since the job lags by more than that, a result
 * that is not marked lands in a minute not yet rolled. The job re-rolls marked minutes, and their
 * hour and day when those are already written, then removes each mark unless it was marked again
 * meanwhile (`marked_at` unchanged).
 */
import { sql } from 'kysely';
import type { Db } from '../../db/database.ts';
import type { RollupTable } from '../../db/schema.ts';
import type { Executor } from '../../db/tx.ts';
import { resultStore, STATUS_NAME, type ResultRow } from './result-store.ts';
import { bucketStart, compactHistogram, expandHistogram, latencyPercentile, meanLatencyMs, RESOLUTION_MS, rollUp, rollupResults, type Resolution, type ResultSample, type Rollup } from './rollups.ts';

/** Grain codes of the `rollups` table. */
export const GRAIN: Record<Resolution, number> = { minute: 1, hour: 2, day: 3 };
/** Ingestion marks results older than this as late (they may fall in a rolled-up minute). */
export const LATE_AFTER_MS = 120_000;
/** The job rolls minutes that ended at least this long ago: more than LATE_AFTER_MS, with a margin for clock skew and slow transactions. */
export const ROLLUP_LAG_MS = 180_000;
/** How long each rollup grain is kept (days: for years). The retention job enforces it; the reader relies on it. */
export const ROLLUP_RETENTION_MS: Record<'minute' | 'hour', number> = { minute: 30 * 86_400_000, hour: 400 * 86_400_000 };

const MINUTE = RESOLUTION_MS.minute;
const HOUR = RESOLUTION_MS.hour;
const DAY = RESOLUTION_MS.day;
const WATERMARK = 'rollup.minute_watermark';
/** Checks per query: an IN list the databases turn into index seeks on (check_no, …). */
const SLICE = 500;

// ---------------------------------------------------------------- late results (called by ingestion)

/** Marks the minutes of results older than LATE_AFTER_MS as to re-roll, inside the ingesting transaction. */
export async function markLateMinutes(trx: Executor, db: Db, rows: readonly ResultRow[], now: number): Promise<void> {
  const horizon = now - LATE_AFTER_MS;
  let marks: Map<string, [number, number]> | null = null;
  for (const r of rows) {
    if (r.at >= horizon) continue;
    marks ??= new Map();
    const bucket = bucketStart(r.at, 'minute');
    marks.set(`${r.checkNo}:${bucket}`, [r.checkNo, bucket]);
  }
  if (!marks) return;
  const list = [...marks.values()];
  if (db.dialect === 'sqlite') {
    const stmt = db.sqlite!.prepare('insert into rollup_dirty (check_no, bucket, marked_at) values (?, ?, ?) on conflict (check_no, bucket) do update set marked_at = excluded.marked_at');
    for (const [no, bucket] of list) stmt.run(no, bucket, now);
    return;
  }
  for (let i = 0; i < list.length; i += 10_000) {
    const part = list.slice(i, i + 10_000);
    await sql`
      insert into rollup_dirty (check_no, bucket, marked_at)
      select no, bucket, ${now}::bigint from unnest(${part.map((p) => p[0])}::int[], ${part.map((p) => p[1])}::bigint[]) as u(no, bucket)
      on conflict (check_no, bucket) do update set marked_at = excluded.marked_at`.execute(trx);
  }
}

// ---------------------------------------------------------------- job state and single runner

/** A job's stored progress value, or null. */
export async function getJobState(db: Executor, name: string): Promise<string | null> {
  const row = await db.selectFrom('job_state').select('value').where('name', '=', name).executeTakeFirst();
  return row?.value ?? null;
}

/** Stores a job's progress value. */
export async function setJobState(db: Executor, name: string, value: string): Promise<void> {
  await db
    .insertInto('job_state')
    .values({ name, value, updated_at: Date.now() })
    .onConflict((oc) => oc.column('name').doUpdateSet({ value, updated_at: Date.now() }))
    .execute();
}

/** The rollup watermark: every minute before it is rolled up (null before the first run). */
export async function rollupWatermark(db: Executor): Promise<number | null> {
  const v = await getJobState(db, WATERMARK);
  return v === null ? null : Number(v);
}

const running = new WeakMap<object, Set<string>>();

/**
 * Runs `fn` unless the job `name` is already running: in this process (a slow run overlapping the
 * next tick), or on PostgreSQL in any process sharing the schema (a session advisory lock, released
 * with the connection if the process dies). Resolves `{ ran: false }` when it was skipped.
 */
export async function runExclusive<T>(db: Db, name: string, fn: () => Promise<T>): Promise<{ ran: true; result: T } | { ran: false }> {
  let mine = running.get(db);
  if (!mine) running.set(db, (mine = new Set()));
  if (mine.has(name)) return { ran: false };
  mine.add(name);
  try {
    if (db.dialect !== 'postgres') return { ran: true, result: await fn() };
    // The lock key names the schema too: several Vigie schemas may share one database (tests do).
    const key = `:vigie.job.${name}`;
    const client = await db.pool!.connect();
    try {
      const got = await client.query<{ ok: boolean }>('select pg_try_advisory_lock(hashtext(current_schema() || $1)) as ok', [key]);
      if (!got.rows[0]?.ok) return { ran: false };
      try {
        return { ran: true, result: await fn() };
      } finally {
        await client.query('select pg_advisory_unlock(hashtext(current_schema() || $1))', [key]);
      }
    } finally {
      client.release();
    }
  } finally {
    mine.delete(name);
  }
}

// ---------------------------------------------------------------- storage form

function toRow(checkNo: number, r: Rollup): RollupTable {
  const us = (ms: number | null) => (ms === null ? null : Math.round(ms * 1000));
  return {
    check_no: checkNo, grain: GRAIN[r.resolution], bucket: r.start, count: r.count, up: r.up, degraded: r.degraded, down: r.down, sum_latency_us: r.sumLatencyUs,
    min_latency_us: us(r.minLatencyMs), max_latency_us: us(r.maxLatencyMs), histogram: JSON.stringify(compactHistogram(r.histogram)),
  };
}

const RESOLUTION_OF: Record<number, Resolution> = { 1: 'minute', 2: 'hour', 3: 'day' };

/** A stored rollup row back as a Rollup. */
export function fromRow(row: RollupTable): Rollup {
  const ms = (us: number | null) => (us === null ? null : Number(us) / 1000);
  return {
    start: Number(row.bucket), resolution: RESOLUTION_OF[Number(row.grain)]!, count: Number(row.count), up: Number(row.up), degraded: Number(row.degraded),
    down: Number(row.down), sumLatencyUs: Number(row.sum_latency_us), minLatencyMs: ms(row.min_latency_us), maxLatencyMs: ms(row.max_latency_us),
    histogram: expandHistogram(JSON.parse(row.histogram) as number[]),
  };
}

async function upsertRollups(db: Executor, rows: readonly RollupTable[]): Promise<void> {
  for (let i = 0; i < rows.length; i += SLICE) {
    await db
      .insertInto('rollups')
      .values(rows.slice(i, i + SLICE))
      .onConflict((oc) =>
        oc.columns(['check_no', 'grain', 'bucket']).doUpdateSet((eb) => ({
          count: eb.ref('excluded.count'), up: eb.ref('excluded.up'), degraded: eb.ref('excluded.degraded'), down: eb.ref('excluded.down'),
          sum_latency_us: eb.ref('excluded.sum_latency_us'), min_latency_us: eb.ref('excluded.min_latency_us'), max_latency_us: eb.ref('excluded.max_latency_us'),
          histogram: eb.ref('excluded.histogram'),
        })),
      )
      .execute();
  }
}

function sampleOf(r: { at: number; status: number; latency_us: number | null }): ResultSample {
  return { at: Number(r.at), status: STATUS_NAME[Number(r.status)]!, latencyMs: r.latency_us === null ? null : Number(r.latency_us) / 1000 };
}

function groupBy<T>(items: readonly T[], key: (t: T) => number): Map<number, T[]> {
  const m = new Map<number, T[]>();
  for (const it of items) {
    const k = key(it);
    const l = m.get(k);
    if (l) l.push(it);
    else m.set(k, [it]);
  }
  return m;
}

// ---------------------------------------------------------------- the steps

/** Minute rollups of [from, to) for these checks, recomputed from raw results; returns how many. */
async function rollMinutes(db: Db, nos: readonly number[], from: number, to: number): Promise<number> {
  const rows = await db.kysely
    .selectFrom('check_results')
    .select(['check_no', 'at', 'status', 'latency_us'])
    .where('check_no', 'in', nos as number[])
    .where('at', '>=', from)
    .where('at', '<', to)
    .execute();
  const out: RollupTable[] = [];
  for (const [no, list] of groupBy(rows, (r) => Number(r.check_no))) for (const r of rollupResults(list.map(sampleOf), 'minute')) out.push(toRow(no, r));
  await upsertRollups(db.kysely, out);
  return out.length;
}

/** Rollups of `grain` over [from, to) for these checks, recomputed from the next finer grain; returns how many. */
async function rollFromFiner(db: Db, nos: readonly number[], grain: 'hour' | 'day', from: number, to: number): Promise<number> {
  const finer = grain === 'hour' ? GRAIN.minute : GRAIN.hour;
  const rows = await db.kysely
    .selectFrom('rollups')
    .selectAll()
    .where('check_no', 'in', nos as number[])
    .where('grain', '=', finer)
    .where('bucket', '>=', from)
    .where('bucket', '<', to)
    .execute();
  const out: RollupTable[] = [];
  for (const [no, list] of groupBy(rows, (r) => Number(r.check_no))) for (const r of rollUp(list.map(fromRow), grain)) out.push(toRow(no, r));
  await upsertRollups(db.kysely, out);
  return out.length;
}

export interface RollupReport {
  /** Minute, hour and day rows written (re-rolls included). */
  minutes: number;
  hours: number;
  days: number;
  /** Late minutes re-rolled. */
  rerolled: number;
  /** Every minute before this is rolled up. */
  watermark: number;
}

export interface RollupOptions {
  now?: number;
  /** With no watermark yet, how far back to start (default 8 days: the raw results still kept). */
  firstRunBackMs?: number;
}

/**
 * Brings the rollups up to date: re-rolls late minutes, then rolls every finished minute (and the
 * hours and days they complete) up to now − ROLLUP_LAG_MS, an hour at a time, moving the watermark
 * after each hour. Idempotent; run it through `runExclusive` so one process does it.
 */
export async function runRollups(db: Db, opts: RollupOptions = {}): Promise<RollupReport> {
  const now = opts.now ?? Date.now();
  const target = bucketStart(now - ROLLUP_LAG_MS, 'minute');
  const checks = await db.kysely.selectFrom('checks').select(['no', 'created_at']).orderBy('no').execute();
  const nos = checks.map((c) => Number(c.no));
  let w = await rollupWatermark(db.kysely);
  if (w === null) {
    const oldest = checks.reduce((m, c) => Math.min(m, Number(c.created_at)), target);
    w = bucketStart(Math.max(oldest, target - (opts.firstRunBackMs ?? 8 * DAY)), 'minute');
    // Kept at once: raw results before it are not rolled up, and retention may purge them.
    await setJobState(db.kysely, WATERMARK, String(w));
  }
  const report: RollupReport = { minutes: 0, hours: 0, days: 0, rerolled: 0, watermark: w };
  await rerollLate(db, w, report);
  while (w < target) {
    // Steps end on hour boundaries, so each completes at most one hour (and one day).
    const next = Math.min(target, bucketStart(w, 'hour') + HOUR);
    for (let i = 0; i < nos.length; i += SLICE) {
      const slice = nos.slice(i, i + SLICE);
      report.minutes += await rollMinutes(db, slice, w, next);
      if (next % HOUR === 0) {
        report.hours += await rollFromFiner(db, slice, 'hour', next - HOUR, next);
        if (next % DAY === 0) report.days += await rollFromFiner(db, slice, 'day', next - DAY, next);
      }
    }
    w = next;
    await setJobState(db.kysely, WATERMARK, String(w));
  }
  report.watermark = w;
  return report;
}

/** Re-rolls the minutes marked late (and their hour and day once written); removes marks not renewed meanwhile. */
async function rerollLate(db: Db, watermark: number, report: RollupReport): Promise<void> {
  const marks = await db.kysely.selectFrom('rollup_dirty').selectAll().orderBy('check_no').orderBy('bucket').limit(50_000).execute();
  if (marks.length === 0) return;
  const store = resultStore(db);
  for (const [no, list] of groupBy(marks, (m) => Number(m.check_no))) {
    const buckets = list.map((m) => Number(m.bucket));
    const first = Math.min(...buckets);
    const last = Math.max(...buckets) + MINUTE;
    const raw = await store.range(no, first, last);
    const wanted = new Set(buckets);
    const samples = raw.filter((r) => wanted.has(bucketStart(r.at, 'minute'))).map((r) => sampleOf({ at: r.at, status: r.status, latency_us: r.latencyUs }));
    // A minute whose raw results are gone (purged, check deleted) keeps the rollup it has.
    const minutes = rollupResults(samples, 'minute');
    await upsertRollups(db.kysely, minutes.map((r) => toRow(no, r)));
    report.minutes += minutes.length;
    report.rerolled += minutes.length;
    // Hours and days already written (complete before the watermark) are recomputed; the others will be when they complete.
    for (const hour of new Set(minutes.map((m) => bucketStart(m.start, 'hour')))) {
      if (hour + HOUR <= watermark) report.hours += await rollFromFiner(db, [no], 'hour', hour, hour + HOUR);
    }
    for (const day of new Set(minutes.map((m) => bucketStart(m.start, 'day')))) {
      if (day + DAY <= watermark) report.days += await rollFromFiner(db, [no], 'day', day, day + DAY);
    }
  }
  for (const m of marks) {
    await db.kysely.deleteFrom('rollup_dirty').where('check_no', '=', m.check_no).where('bucket', '=', m.bucket).where('marked_at', '=', m.marked_at).execute();
  }
}

// ---------------------------------------------------------------- reading a chart

/** Ranges up to this length are answered with raw results. */
export const RAW_RANGE_MS = 6 * HOUR;
/** Rollup charts use the finest grain giving at most this many points. */
export const MAX_POINTS = 1500;

export type SeriesResolution = 'raw' | Resolution;

export interface RawPoint {
  at: number;
  status: 'up' | 'degraded' | 'down';
  latency_ms: number | null;
  message: string | null;
}

export interface RollupPoint {
  at: number;
  count: number;
  up: number;
  degraded: number;
  down: number;
  mean_ms: number | null;
  p95_ms: number | null;
  max_ms: number | null;
}

/** The resolution a chart of [from, to) is drawn at, knowing what each grain keeps. */
export function chooseResolution(from: number, to: number, now: number): SeriesResolution {
  const span = to - from;
  if (span <= RAW_RANGE_MS) return 'raw';
  for (const res of ['minute', 'hour'] as const) {
    if (from < now - ROLLUP_RETENTION_MS[res]) continue;
    if (span / RESOLUTION_MS[res] <= MAX_POINTS) return res;
  }
  return 'day';
}

function presentPoint(r: Rollup): RollupPoint {
  const round = (x: number | null) => (x === null ? null : Math.round(x * 1000) / 1000);
  return { at: r.start, count: r.count, up: r.up, degraded: r.degraded, down: r.down, mean_ms: round(meanLatencyMs(r)), p95_ms: round(latencyPercentile(r, 0.95)), max_ms: r.maxLatencyMs };
}

/**
 * A check's results over [from, to) for a chart: raw points for short ranges, otherwise one point
 * per bucket of the chosen grain — stored rollups where the job has written them, and for the
 * freshest buckets the same aggregates computed on the fly from minute rollups and raw results.
 */
export async function readResultSeries(db: Db, checkNo: number, from: number, to: number, now = Date.now()): Promise<{ resolution: SeriesResolution; points: RawPoint[] | RollupPoint[] }> {
  const resolution = chooseResolution(from, to, now);
  if (resolution === 'raw') {
    const raw = await resultStore(db).range(checkNo, from, to);
    return {
      resolution,
      points: raw.map((r) => ({ at: r.at, status: STATUS_NAME[r.status], latency_ms: r.latencyUs === null ? null : r.latencyUs / 1000, message: r.message })),
    };
  }
  const w = (await rollupWatermark(db.kysely)) ?? 0;
  const start = bucketStart(from, resolution);
  // Buckets of this grain before `done` are stored; the later ones are built from finer data.
  const done = Math.max(start, bucketStart(w, resolution));
  const stored = await db.kysely
    .selectFrom('rollups')
    .selectAll()
    .where('check_no', '=', checkNo)
    .where('grain', '=', GRAIN[resolution])
    .where('bucket', '>=', start)
    .where('bucket', '<', Math.min(to, done))
    .orderBy('bucket')
    .execute();
  const points = stored.map(fromRow);
  if (to > done) {
    const minutes = (
      await db.kysely
        .selectFrom('rollups')
        .selectAll()
        .where('check_no', '=', checkNo)
        .where('grain', '=', GRAIN.minute)
        .where('bucket', '>=', done)
        .where('bucket', '<', Math.min(to, w))
        .execute()
    ).map(fromRow);
    const rawFrom = Math.max(done, w);
    const raw = rawFrom < to ? await resultStore(db).range(checkNo, rawFrom, to) : [];
    const fresh = rollupResults(raw.map((r) => sampleOf({ at: r.at, status: r.status, latency_us: r.latencyUs })), 'minute');
    points.push(...rollUp([...minutes, ...fresh], resolution));
  }
  return { resolution, points: points.map(presentPoint) };
}
