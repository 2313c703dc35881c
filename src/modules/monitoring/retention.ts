/**
 * Retention of supervision data, and the schedule of the monitoring's background jobs.
 *
 * Raw results are kept `VIGIE_RAW_RETENTION_DAYS` days (default 7), and purged only once their
 * minutes are rolled up (never past the rollup watermark); minute rollups 30 days, hour rollups 400
 * days, day rollups and state periods for good (availability over years). A longer raw retention
 * stretches the minute and hour retention with it, so a late result can always be re-rolled.
 * Collector batch receipts (the exactly-once ledger) are kept 90 days, and each collector's latest
 * one always: a batch older than that cannot still be waiting in a collector's buffer unacknowledged.
 */
import { AppError } from '../../core/errors.ts';
import type { Db } from '../../db/database.ts';
import { resultStore } from './result-store.ts';
import { GRAIN, ROLLUP_RETENTION_MS, rollupWatermark, runExclusive, runRollups, type RollupReport } from './rollup-job.ts';

const DAY = 86_400_000;
/** How long a collector batch receipt is kept. */
export const RECEIPT_RETENTION_DAYS = 90;

export interface RetentionPolicy {
  rawDays: number;
  minuteDays: number;
  hourDays: number;
}

/** The retention policy from the environment (`VIGIE_RAW_RETENTION_DAYS`, 1 to 3650; default 7). */
export function retentionPolicy(env: NodeJS.ProcessEnv = process.env): RetentionPolicy {
  const text = env.VIGIE_RAW_RETENTION_DAYS;
  const rawDays = text === undefined || text === '' ? 7 : Number(text);
  if (!Number.isInteger(rawDays) || rawDays < 1 || rawDays > 3650) {
    throw new AppError(400, 'invalid_config', `VIGIE_RAW_RETENTION_DAYS must be a whole number of days from 1 to 3650, not "${text}"`);
  }
  const minuteDays = Math.max(ROLLUP_RETENTION_MS.minute / DAY, rawDays + 1);
  return { rawDays, minuteDays, hourDays: Math.max(ROLLUP_RETENTION_MS.hour / DAY, minuteDays + 1) };
}

export interface RetentionReport {
  raw: number;
  minutes: number;
  hours: number;
  lateMarks: number;
  /** Collector batch receipts purged. */
  receipts: number;
  /** Raw results before this instant were purged. */
  rawBefore: number;
}

/** Purges what the policy no longer keeps; raw results only below the rollup watermark. Returns counts per kind. */
export async function runRetention(db: Db, policy: RetentionPolicy = retentionPolicy(), now = Date.now()): Promise<RetentionReport> {
  const watermark = (await rollupWatermark(db.kysely)) ?? 0;
  const rawBefore = Math.min(now - policy.rawDays * DAY, watermark);
  const raw = rawBefore > 0 ? await resultStore(db).purgeBefore(rawBefore) : 0;
  const nos = (await db.kysely.selectFrom('checks').select('no').execute()).map((c) => Number(c.no));
  let minutes = 0, hours = 0;
  for (let i = 0; i < nos.length; i += 500) {
    const slice = nos.slice(i, i + 500);
    const m = await db.kysely.deleteFrom('rollups').where('check_no', 'in', slice).where('grain', '=', GRAIN.minute).where('bucket', '<', now - policy.minuteDays * DAY).executeTakeFirst();
    const h = await db.kysely.deleteFrom('rollups').where('check_no', 'in', slice).where('grain', '=', GRAIN.hour).where('bucket', '<', now - policy.hourDays * DAY).executeTakeFirst();
    minutes += Number(m.numDeletedRows);
    hours += Number(h.numDeletedRows);
  }
  // A late mark whose raw results are purged has nothing left to re-roll.
  const d = await db.kysely.deleteFrom('rollup_dirty').where('bucket', '<', now - policy.rawDays * DAY).executeTakeFirst();
  const r = await db.kysely
    .deleteFrom('collector_batches as b')
    .where('b.received_at', '<', now - RECEIPT_RETENTION_DAYS * DAY)
    .where(({ eb, selectFrom }) =>
      eb('b.seq', '<', selectFrom('collector_batches as l').select((l) => l.fn.max('l.seq').as('m')).whereRef('l.collector_id', '=', 'b.collector_id')),
    )
    .executeTakeFirst();
  return { raw, minutes, hours, lateMarks: Number(d.numDeletedRows), receipts: Number(r.numDeletedRows), rawBefore };
}

export interface MonitoringJobsOptions {
  policy?: RetentionPolicy;
  rollupEveryMs?: number;
  retentionEveryMs?: number;
  /** Where failures go (default: console.error); a failed run is retried at the next tick. */
  onError?: (job: string, err: unknown) => void;
  onRollups?: (r: RollupReport) => void;
}

/**
 * Runs the rollups every minute and the retention every hour (both once at start), each through
 * `runExclusive`: one process at a time does it, on PostgreSQL across every `serve` and `worker`.
 * `stop` clears the timers and waits for a run in progress.
 */
export function startMonitoringJobs(db: Db, opts: MonitoringJobsOptions = {}): { stop: () => Promise<void> } {
  const policy = opts.policy ?? retentionPolicy();
  const onError = opts.onError ?? ((job, err) => console.error(`monitoring job ${job} failed:`, err));
  const inFlight = new Set<Promise<unknown>>();
  let stopped = false;
  const run = (job: string, fn: () => Promise<unknown>) => {
    if (stopped) return;
    const p = runExclusive(db, job, fn)
      .catch((err) => onError(job, err))
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  };
  const rollups = () => run('rollups', async () => opts.onRollups?.(await runRollups(db)));
  const retention = () => run('retention', () => runRetention(db, policy));
  const t1 = setInterval(rollups, opts.rollupEveryMs ?? 60_000);
  const t2 = setInterval(retention, opts.retentionEveryMs ?? 3_600_000);
  t1.unref();
  t2.unref();
  rollups();
  retention();
  return {
    async stop() {
      stopped = true;
      clearInterval(t1);
      clearInterval(t2);
      await Promise.allSettled([...inFlight]);
    },
  };
}
