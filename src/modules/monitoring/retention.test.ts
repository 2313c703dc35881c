import { newId } from '../../core/ids.ts';
import { describe, expect, it } from 'vitest';
import { describeEachDatabase } from '../../../test/support/databases.ts';
import { makeClient } from '../../../test/support/world.ts';
import type { Db } from '../../db/database.ts';
import { SYSTEM_CONTEXT } from '../journal/service.ts';
import { retentionPolicy, runRetention, startMonitoringJobs } from './retention.ts';
import { resultStore } from './result-store.ts';
import { GRAIN, rollupWatermark, setJobState } from './rollup-job.ts';
import { CheckCreateBody } from './schema.ts';
import { createCheck } from './service.ts';

const MIN = 60_000;
const DAY = 86_400_000;

describe('retention policy', () => {
  it('reads VIGIE_RAW_RETENTION_DAYS (default 7) and keeps rollups at least a day longer than raw results', () => {
    expect(retentionPolicy({})).toEqual({ rawDays: 7, minuteDays: 30, hourDays: 400 });
    expect(retentionPolicy({ VIGIE_RAW_RETENTION_DAYS: '14' })).toEqual({ rawDays: 14, minuteDays: 30, hourDays: 400 });
    expect(retentionPolicy({ VIGIE_RAW_RETENTION_DAYS: '90' })).toEqual({ rawDays: 90, minuteDays: 91, hourDays: 400 });
    for (const bad of ['0', '-3', '2.5', 'week', '5000']) expect(() => retentionPolicy({ VIGIE_RAW_RETENTION_DAYS: bad })).toThrow(/VIGIE_RAW_RETENTION_DAYS/);
  });
});

describeEachDatabase('retention', (getDb) => {
  async function checkNo(db: Db) {
    const client = await makeClient(db);
    const { check } = await createCheck(db, SYSTEM_CONTEXT, client.id, CheckCreateBody.parse({ name: 'Messagerie', type: 'tcp', settings: { host: '192.0.2.8', port: 25 } }));
    return check.no;
  }
  const rollup = (no: number, grain: number, bucket: number) => ({
    check_no: no, grain, bucket, count: 1, up: 1, degraded: 0, down: 0, sum_latency_us: 1000, min_latency_us: 1000, max_latency_us: 1000, histogram: '[5,1]',
  });

  it('purges raw results past N days only below the rollup watermark, minute rollups past 30 days, hours past 400, keeps days', async () => {
    const db = getDb();
    const no = await checkNo(db);
    const now = Date.now();
    const at = (days: number) => Math.floor((now - days * DAY) / MIN) * MIN;
    await resultStore(db).insertBatch([10, 8, 1].map((d) => ({ checkNo: no, at: at(d), status: 0 as const, latencyUs: 1000, message: null })));
    await db.kysely.insertInto('rollups').values([rollup(no, GRAIN.minute, at(31)), rollup(no, GRAIN.minute, at(29)), rollup(no, GRAIN.hour, at(401)), rollup(no, GRAIN.hour, at(399)), rollup(no, GRAIN.day, at(3000))]).execute();
    await db.kysely.insertInto('rollup_dirty').values([{ check_no: no, bucket: at(8), marked_at: now }, { check_no: no, bucket: at(1), marked_at: now }]).execute();
    const policy = retentionPolicy({});

    // Rolled up only until 9 days ago: the 8-day-old result is past retention but not rolled, so it stays.
    await setJobState(db.kysely, 'rollup.minute_watermark', String(at(9)));
    const first = await runRetention(db, policy, now);
    expect(first).toMatchObject({ raw: 1, minutes: 1, hours: 1, lateMarks: 1, rawBefore: at(9) });
    const left = async () => (await resultStore(db).range(no, 0, now + 1)).map((r) => r.at);
    expect(await left()).toEqual([at(8), at(1)]);
    const grains = await db.kysely.selectFrom('rollups').select(['grain', 'bucket']).where('check_no', '=', no).orderBy('grain').execute();
    expect(grains.map((g) => [Number(g.grain), Number(g.bucket)])).toEqual([[1, at(29)], [2, at(399)], [3, at(3000)]]);
    expect((await db.kysely.selectFrom('rollup_dirty').select('bucket').where('check_no', '=', no).execute()).map((d) => Number(d.bucket))).toEqual([at(1)]);

    await setJobState(db.kysely, 'rollup.minute_watermark', String(at(0)));
    const second = await runRetention(db, policy, now);
    expect(second).toMatchObject({ raw: 1, minutes: 0, hours: 0, rawBefore: now - 7 * DAY });
    expect(await left()).toEqual([at(1)]);
    expect(await runRetention(db, policy, now)).toMatchObject({ raw: 0, minutes: 0, hours: 0, lateMarks: 0 });
  });

  it('purges collector batch receipts after 90 days, always keeping each collector\'s latest', async () => {
    const db = getDb();
    const now = Date.now();
    const [c1, c2] = [newId(), newId()];
    const receipt = (collector_id: string, seq: number, days: number) => ({ collector_id, seq, received_at: now - days * DAY, results: 10 });
    await db.kysely.insertInto('collector_batches').values([receipt(c1, 1, 200), receipt(c1, 2, 95), receipt(c1, 3, 10), receipt(c2, 7, 120), receipt(c2, 8, 100)]).execute();
    const r = await runRetention(db, retentionPolicy({}), now);
    expect(r.receipts).toBe(3);
    const left = await db.kysely.selectFrom('collector_batches').select(['collector_id', 'seq']).where('collector_id', 'in', [c1, c2]).orderBy('collector_id').orderBy('seq').execute();
    expect(left.map((x) => [x.collector_id, Number(x.seq)])).toEqual([[c1, 3], [c2, 8]].sort((a, b) => String(a[0]).localeCompare(String(b[0]))));
  });

  it('the jobs run at start, then on their timers, and stop cleanly', async () => {
    const db = getDb();
    await db.kysely.deleteFrom('job_state').execute();
    const reports: number[] = [];
    const jobs = startMonitoringJobs(db, { rollupEveryMs: 30, retentionEveryMs: 50, onRollups: (r) => void reports.push(r.watermark), onError: (job, err) => reports.push(-1) && console.error(job, err) });
    await expect.poll(() => reports.length, { timeout: 5000 }).toBeGreaterThanOrEqual(3);
    await jobs.stop();
    const n = reports.length;
    await new Promise((r) => setTimeout(r, 100));
    expect(reports.length).toBe(n);
    expect(reports.every((w) => w > 0)).toBe(true);
    expect(await rollupWatermark(db.kysely)).toBe(reports.at(-1));
  });
});
