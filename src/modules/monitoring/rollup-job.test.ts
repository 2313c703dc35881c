import { expect, it } from 'vitest';
import { describeEachDatabase } from '../../../test/support/databases.ts';
import { makeClient } from '../../../test/support/world.ts';
import { openDatabase, type Db } from '../../db/database.ts';
import { SYSTEM_CONTEXT } from '../journal/service.ts';
import { applyResults, type IncomingResult } from './ingest.ts';
import {
  chooseResolution,
  fromRow,
  GRAIN,
  LATE_AFTER_MS,
  readResultSeries,
  ROLLUP_LAG_MS,
  rollupWatermark,
  runExclusive,
  runRollups,
  setJobState,
} from './rollup-job.ts';
import { bucketStart, rollUp, rollupResults, type ResultSample } from './rollups.ts';
import { CheckCreateBody } from './schema.ts';
import { createCheck } from './service.ts';
import { PG_URL } from '../../../test/support/databases.ts';
import { sql } from 'kysely';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

async function storedRollups(db: Db, no: number, grain: number) {
  const rows = await db.kysely.selectFrom('rollups').selectAll().where('check_no', '=', no).where('grain', '=', grain).orderBy('bucket').execute();
  return rows.map(fromRow);
}

describeEachDatabase('rollup job', (getDb, dialect) => {
  it('rolls minutes from raw results, hours and days as they complete, re-rolls a late batch, and the reader picks the grain', async () => {
    const db = getDb();
    const client = await makeClient(db);
    const { check } = await createCheck(db, SYSTEM_CONTEXT, client.id, CheckCreateBody.parse({ name: 'Intranet', type: 'tcp', settings: { host: '192.0.2.7', port: 80 }, retries: 0 }));
    // Two hours of results across a UTC midnight three days ago: every 30 s, latencies 1..10 ms, one down.
    const D = bucketStart(Date.now(), 'day') - 3 * DAY;
    const samples: IncomingResult[] = Array.from({ length: 240 }, (_, i) => ({
      checkId: check.id, at: D - HOUR + i * 30_000, status: i === 100 ? 'down' : 'up', latencyMs: i === 100 ? null : (i % 10) + 1, message: 'r',
    }));
    await applyResults(db, samples);
    // They are older than LATE_AFTER_MS: ingestion marked their minutes as late.
    const marks = await db.kysely.selectFrom('rollup_dirty').select('bucket').where('check_no', '=', check.no).execute();
    expect(marks).toHaveLength(120);

    await setJobState(db.kysely, 'rollup.minute_watermark', String(D - 2 * HOUR));
    const report = await runRollups(db, { now: D + 2 * HOUR + ROLLUP_LAG_MS });
    expect(report.watermark).toBe(D + 2 * HOUR);
    expect(await rollupWatermark(db.kysely)).toBe(D + 2 * HOUR);
    expect(await db.kysely.selectFrom('rollup_dirty').select('bucket').where('check_no', '=', check.no).execute()).toEqual([]);

    const asSamples: ResultSample[] = samples.map((s) => ({ at: s.at, status: s.status, latencyMs: s.latencyMs }));
    const minutes = await storedRollups(db, check.no, GRAIN.minute);
    expect(minutes).toEqual(rollupResults(asSamples, 'minute'));
    expect(minutes).toHaveLength(120);
    const hours = await storedRollups(db, check.no, GRAIN.hour);
    expect(hours).toEqual(rollUp(rollupResults(asSamples, 'minute'), 'hour'));
    expect(hours.map((h) => [h.start - D, h.count, h.down])).toEqual([[-HOUR, 120, 1], [0, 120, 0]]);
    // The day before D is complete (its last hour rolled): written. Day D is not yet.
    const days = await storedRollups(db, check.no, GRAIN.day);
    expect(days.map((d) => [d.start - D, d.count])).toEqual([[-DAY, 120]]);
    // Histograms are stored compactly: a few numbers, not 41.
    const h = await db.kysely.selectFrom('rollups').select('histogram').where('check_no', '=', check.no).where('grain', '=', GRAIN.hour).executeTakeFirstOrThrow();
    expect(JSON.parse(h.histogram).length).toBeLessThan(20);

    // Running again changes nothing.
    const again = await runRollups(db, { now: D + 2 * HOUR + ROLLUP_LAG_MS });
    expect(again).toMatchObject({ minutes: 0, hours: 0, days: 0, rerolled: 0 });

    // A collector replays a backlog: two results with their original times, in minutes already rolled.
    const late: IncomingResult[] = [
      { checkId: check.id, at: D + 10 * MIN + 15_000, status: 'down', latencyMs: null, message: 'late' },
      { checkId: check.id, at: D - 30 * MIN + 15_000, status: 'degraded', latencyMs: 900, message: 'late' },
    ];
    await applyResults(db, late);
    const rerun = await runRollups(db, { now: D + 2 * HOUR + ROLLUP_LAG_MS });
    expect(rerun).toMatchObject({ rerolled: 2, hours: 2, days: 1 });
    const all = [...asSamples, ...late.map((s) => ({ at: s.at, status: s.status, latencyMs: s.latencyMs }))];
    expect(await storedRollups(db, check.no, GRAIN.minute)).toEqual(rollupResults(all, 'minute'));
    expect(await storedRollups(db, check.no, GRAIN.hour)).toEqual(rollUp(rollupResults(all, 'minute'), 'hour'));
    const dayBefore = (await storedRollups(db, check.no, GRAIN.day))[0]!;
    expect([dayBefore.count, dayBefore.degraded, dayBefore.maxLatencyMs]).toEqual([121, 1, 900]);

    // The reader: raw for short ranges; otherwise the finest grain within ~1,500 points.
    const now = Date.now();
    const raw = await readResultSeries(db, check.no, D - HOUR, D + HOUR, now);
    expect(raw.resolution).toBe('raw');
    expect(raw.points).toHaveLength(242);
    const byMinute = await readResultSeries(db, check.no, D - HOUR, D + 23 * HOUR, now);
    expect(byMinute.resolution).toBe('minute');
    expect(byMinute.points).toHaveLength(120);
    expect(byMinute.points.find((p) => p.at === D + 10 * MIN)).toMatchObject({ count: 3, up: 2, down: 1 });

    // A result after the watermark (not rolled yet) still shows, computed on the fly.
    await applyResults(db, [{ checkId: check.id, at: D + 2 * HOUR + 5 * MIN, status: 'up', latencyMs: 4, message: 'fresh' }]);
    const byHour = await readResultSeries(db, check.no, D - 3 * DAY, D + DAY, now);
    expect(byHour.resolution).toBe('hour');
    expect(byHour.points.map((p) => [p.at - D, 'count' in p ? p.count : -1])).toEqual([[-HOUR, 121], [0, 121], [2 * HOUR, 1]]);
    const byDay = await readResultSeries(db, check.no, now - 500 * DAY, now, now);
    expect(byDay.resolution).toBe('day');
    // Day D is not rolled (its end is after the watermark): built from its minutes and the fresh raw result.
    expect(byDay.points.map((p) => [p.at - D, 'count' in p ? p.count : -1])).toEqual([[-DAY, 121], [0, 122]]);
    expect(byDay.points[0]).toMatchObject({ up: 119, degraded: 1, down: 1, max_ms: 900 });
  });

  it('marks only results older than the lag as late', async () => {
    const db = getDb();
    const client = await makeClient(db);
    const { check } = await createCheck(db, SYSTEM_CONTEXT, client.id, CheckCreateBody.parse({ name: 'DNS', type: 'dns', settings: { name: 'example.org' } }));
    const now = Date.now();
    await applyResults(db, [
      { checkId: check.id, at: now - LATE_AFTER_MS + 5_000, status: 'up', latencyMs: 1, message: 'ok' },
      { checkId: check.id, at: now - LATE_AFTER_MS - 65_000, status: 'up', latencyMs: 1, message: 'ok' },
      { checkId: check.id, at: now - LATE_AFTER_MS - 70_000, status: 'up', latencyMs: 1, message: 'ok' },
    ]);
    const marks = await db.kysely.selectFrom('rollup_dirty').select('bucket').where('check_no', '=', check.no).execute();
    expect(new Set(marks.map((m) => Number(m.bucket)))).toEqual(new Set([bucketStart(now - LATE_AFTER_MS - 65_000, 'minute'), bucketStart(now - LATE_AFTER_MS - 70_000, 'minute')]));
  });

  it('chooses the resolution by range and by what each grain keeps', () => {
    const now = Date.UTC(2026, 5, 1);
    expect(chooseResolution(now - 6 * HOUR, now, now)).toBe('raw');
    expect(chooseResolution(now - DAY, now, now)).toBe('minute');
    expect(chooseResolution(now - 2 * DAY, now, now)).toBe('hour');
    expect(chooseResolution(now - 40 * DAY, now - 39 * DAY, now)).toBe('hour');
    expect(chooseResolution(now - 90 * DAY, now, now)).toBe('day');
    expect(chooseResolution(now - 500 * DAY, now - 499 * DAY, now)).toBe('day');
  });

  it('runs a job in one process at a time', async () => {
    const db = getDb();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const first = runExclusive(db, 'test-job', () => gate.then(() => 'done'));
    expect(await runExclusive(db, 'test-job', async () => 'again')).toEqual({ ran: false });
    let other: Db | null = null;
    if (dialect === 'postgres') {
      // Another process: another connection pool on the same schema.
      const schema = (await sql<{ s: string }>`select current_schema() as s`.execute(db.kysely)).rows[0]!.s;
      other = openDatabase({ url: PG_URL, schema });
      expect(await runExclusive(other, 'test-job', async () => 'elsewhere')).toEqual({ ran: false });
      expect(await runExclusive(other, 'another-job', async () => 'free')).toEqual({ ran: true, result: 'free' });
    }
    release();
    expect(await first).toEqual({ ran: true, result: 'done' });
    expect(await runExclusive(other ?? db, 'test-job', async () => 'next')).toEqual({ ran: true, result: 'next' });
    await other?.close();
  });

  it('without a watermark, starts from its oldest check (checks created just now: nothing to catch up)', async () => {
    const db = getDb();
    await db.kysely.deleteFrom('job_state').execute();
    await db.kysely.deleteFrom('rollup_dirty').execute();
    const now = Date.now();
    const r = await runRollups(db, { now });
    expect(r).toEqual({ minutes: 0, hours: 0, days: 0, rerolled: 0, watermark: bucketStart(now - ROLLUP_LAG_MS, 'minute') });
  });
});
