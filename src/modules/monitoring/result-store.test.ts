import { expect, it } from 'vitest';
import { describeEachDatabase } from '../../../test/support/databases.ts';
import { resultStore, type ResultRow } from './result-store.ts';
import { newId } from '../../core/ids.ts';
import { makeClient } from '../../../test/support/world.ts';

describeEachDatabase('raw result store', (getDb) => {
  it('inserts batches idempotently, reads ranges in order and purges by age', async () => {
    const db = getDb();
    const store = resultStore(db);
    const client = await makeClient(db);
    const now = Date.now();
    for (const no of [1, 2]) {
      await db.kysely.insertInto('checks').values({
        id: newId(), no, client_id: client.id, asset_id: null, collector_id: null, parent_check_id: null, name: `c${no}`, type: 'tcp', settings: '{}', interval_s: 60,
        timeout_ms: 5000, retries: 1, recovery_threshold: 1, enabled: 1, heartbeat_token_hash: null, state: 'unknown', state_since: now, runtime: '{}',
        last_result_at: null, last_status: null, last_latency_ms: null, last_message: null, next_due_at: now, lease_owner: null, lease_until: null, created_at: now, updated_at: now,
      }).execute();
    }
    const rows: ResultRow[] = [];
    for (let i = 0; i < 1500; i++) rows.push({ checkNo: 1 + (i % 2), at: now - 3_600_000 + i * 1000, status: i % 10 === 0 ? 2 : 0, latencyUs: 1000 + i, message: i % 10 === 0 ? 'refused' : null });
    expect(await store.insertBatch(rows)).toBe(1500);
    // A replayed batch with a few new rows: only the new ones count.
    const replay = [...rows.slice(0, 700), { checkNo: 1, at: now + 1, status: 0 as const, latencyUs: 5, message: null }];
    expect(await store.insertBatch(replay)).toBe(1);
    const r = await store.range(1, now - 3_600_000, now + 10);
    expect(r.length).toBe(751);
    expect(r.every((x, i) => i === 0 || x.at > r[i - 1]!.at)).toBe(true);
    expect(r[0]).toEqual({ checkNo: 1, at: now - 3_600_000, status: 2, latencyUs: 1000, message: 'refused' });
    const cut = now - 3_600_000 + 500 * 1000;
    expect(await store.purgeBefore(cut)).toBe(500);
    expect((await store.range(2, 0, now + 10)).every((x) => x.at >= cut)).toBe(true);
    expect(await store.insertBatch([])).toBe(0);
  });
});
