import { expect, it } from 'vitest';
import { describeEachDatabase } from '../../../test/support/databases.ts';
import { makeClient } from '../../../test/support/world.ts';
import { SYSTEM_CONTEXT } from '../journal/service.ts';
import { busFor, type LiveState } from './bus.ts';
import { applyResults, Ingestor, sweepSilentChecks, type IncomingResult } from './ingest.ts';
import { createCheck, periodsOf } from './service.ts';
import { CheckCreateBody } from './schema.ts';

describeEachDatabase('result ingestion', (getDb) => {
  async function tcpCheck(clientId: string, retries = 1) {
    const input = CheckCreateBody.parse({ name: 'Pare-feu', type: 'tcp', settings: { host: '127.0.0.1', port: 9 }, retries, interval_s: 10, timeout_ms: 2000 });
    return (await createCheck(getDb(), SYSTEM_CONTEXT, clientId, input)).check;
  }

  it('stores results, confirms a down after the retries, and keeps exact state periods', async () => {
    const db = getDb();
    const client = await makeClient(db);
    const check = await tcpCheck(client.id, 1);
    const t0 = Date.now();
    const r = (i: number, status: IncomingResult['status'], message: string = status) => ({ checkId: check.id, at: t0 + i * 10_000, status, latencyMs: status === 'down' ? null : 1.5, message });
    const live: LiveState[][] = [];
    busFor(db).on('live', (l) => live.push(l));
    let out = await applyResults(db, [r(0, 'up'), r(1, 'up')]);
    expect(out.stored).toBe(2);
    expect(out.transitions.map((t) => t.to)).toEqual(['up']);
    // One failure is tolerated (retries = 1); the second confirms down, dated from the first.
    out = await applyResults(db, [r(2, 'down', 'connection refused')]);
    expect(out.transitions).toEqual([]);
    out = await applyResults(db, [r(3, 'down', 'connection refused'), r(4, 'up', 'ok')]);
    expect(out.transitions.map((t) => [t.to, t.at - t0])).toEqual([['down', 20_000], ['up', 40_000]]);
    const periods = await periodsOf(db, client.id, check.id, 0, t0 + 100_000);
    expect(periods.map((p) => p.state)).toEqual(['unknown', 'up', 'down', 'up']);
    expect(periods[2]!.from - t0).toBe(20_000);
    expect(periods[2]!.to! - t0).toBe(40_000);
    expect(periods[3]!.to).toBeNull();
    const row = await db.kysely.selectFrom('checks').selectAll().where('id', '=', check.id).executeTakeFirstOrThrow();
    expect(row.state).toBe('up');
    expect(Number(row.last_result_at)).toBe(t0 + 40_000);
    expect(live.flat().at(-1)!.state).toBe('up');
    // Only messages that say something are kept: the repeated "up" has none.
    const stored = await db.kysely.selectFrom('check_results').select(['at', 'message']).where('check_no', '=', check.no).orderBy('at').execute();
    expect(stored.map((s) => s.message)).toEqual(['up', null, 'connection refused', 'connection refused', 'ok']);
  });

  it('applies a collector batch exactly once, whatever the replays', async () => {
    const db = getDb();
    const client = await makeClient(db);
    const check = await tcpCheck(client.id);
    const t0 = Date.now();
    const batch = Array.from({ length: 50 }, (_, i) => ({ checkId: check.id, at: t0 + i * 1000, status: 'up' as const, latencyMs: 2, message: 'ok' }));
    const receipt = { collectorId: '01a22600-0000-7000-8000-000000000001', seq: 7 };
    expect((await applyResults(db, batch, receipt)).applied).toBe(true);
    const again = await applyResults(db, batch, receipt);
    expect(again).toMatchObject({ applied: false, stored: 0 });
    // The same results in another batch number: the (check, time) key still refuses duplicates.
    expect((await applyResults(db, batch, { ...receipt, seq: 8 })).stored).toBe(0);
    const n = await db.kysely.selectFrom('check_results').select((e) => e.fn.countAll().as('n')).where('check_no', '=', check.no).executeTakeFirstOrThrow();
    expect(Number(n.n)).toBe(50);
  });

  it('turns a silent check unknown, not down, and the Ingestor batches pushes', async () => {
    const db = getDb();
    const client = await makeClient(db);
    const check = await tcpCheck(client.id);
    const ing = new Ingestor(db, { flushMs: 20 });
    const t0 = Date.now() + 1000;
    for (let i = 0; i < 5; i++) ing.push({ checkId: check.id, at: t0 + i * 10_000, status: 'up', latencyMs: 1, message: 'ok' });
    await ing.close();
    expect(ing.stats).toMatchObject({ received: 5, stored: 5, batches: 1 });
    const tr = await sweepSilentChecks(db, t0 + 40_000 + 2 * 10_000 + 30_000 + 1);
    // (Other tests' checks in this database are swept too: look at ours.)
    expect(tr.filter((t) => t.checkId === check.id).map((t) => t.to)).toEqual(['unknown']);
    expect((await sweepSilentChecks(db, t0 + 40_000 + 2 * 10_000 + 30_000 + 2)).filter((t) => t.checkId === check.id)).toEqual([]);
    const periods = await periodsOf(db, client.id, check.id, 0, t0 + 1_000_000);
    expect(periods.at(-1)).toMatchObject({ state: 'unknown', to: null });
    expect(periods.at(-2)).toMatchObject({ state: 'up', to: t0 + 50_000 });
  });
  it('applies a batch once even when a transition listener fails', async () => {
    const db = getDb();
    const client = await makeClient(db);
    const check = await tcpCheck(client.id, 0);
    const ing = new Ingestor(db, { flushMs: 10 });
    ing.onTransitions = () => {
      throw new Error('listener down');
    };
    const t0 = Date.now() + 1000;
    ing.push({ checkId: check.id, at: t0, status: 'up', latencyMs: 1, message: 'ok' });
    await ing.flush();
    ing.push({ checkId: check.id, at: t0 + 10_000, status: 'down', latencyMs: null, message: 'refused' });
    await ing.close();
    expect(ing.stats).toMatchObject({ received: 2, stored: 2, batches: 2, errors: 2 });
    expect(ing.pending).toBe(0);
    const periods = await periodsOf(db, client.id, check.id, 0, t0 + 100_000);
    expect(periods.map((p) => p.state)).toEqual(['unknown', 'up', 'down']);
  });
});
