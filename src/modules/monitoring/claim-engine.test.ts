import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openDatabase, type Db } from '../../db/database.ts';
import { freshDatabaseAtUrl, PG_URL, TEST_DIALECTS } from '../../../test/support/databases.ts';
import { makeClient } from '../../../test/support/world.ts';
import { SYSTEM_CONTEXT } from '../journal/service.ts';
import { busFor, type LiveState } from './bus.ts';
import { ClaimEngine } from './claim-engine.ts';
import { applyResults } from './ingest.ts';
import { decodeLive, encodeLive, MAX_NOTIFY_BYTES, PgLiveBridge } from './pg-live.ts';
import { phaseOf } from './scheduler.ts';
import { CheckCreateBody } from './schema.ts';
import { createCheck } from './service.ts';

describe('live payloads for NOTIFY', () => {
  it('are cut under 8,000 bytes and decode to the same states (message cut short)', () => {
    const states: LiveState[] = Array.from({ length: 400 }, (_, i) => ({
      checkId: `01900000-0000-7000-8000-${String(i).padStart(12, '0')}`, clientId: '01900000-0000-7000-8000-00000000000c', state: 'down', since: 1_700_000_000_000 + i,
      lastResultAt: 1_700_000_000_000 + i, lastStatus: 'down', lastLatencyMs: null, lastMessage: `délai dépassé ${'é'.repeat(300)}`,
    }));
    const chunks = encodeLive('origin', states);
    expect(chunks.length).toBeGreaterThan(10);
    for (const c of chunks) expect(Buffer.byteLength(c)).toBeLessThan(MAX_NOTIFY_BYTES);
    const back = chunks.flatMap((c) => decodeLive(c)!.states);
    expect(back.map((s) => s.checkId)).toEqual(states.map((s) => s.checkId));
    expect(back[0]!.lastMessage!.length).toBe(160);
    expect(decodeLive('not json')).toBeNull();
  });
});

const pgOn = TEST_DIALECTS.includes('postgres') && inject('pgAvailable');
if (!pgOn) console.warn(`SKIPPED claim engine and LISTEN/NOTIFY [postgres]: PostgreSQL at ${PG_URL} ${TEST_DIALECTS.includes('postgres') ? 'does not answer' : 'not in VIGIE_TEST_DATABASES'}`);

(pgOn ? describe : describe.skip)('per-slot claiming and live status across processes [postgres]', () => {
  let h: Awaited<ReturnType<typeof freshDatabaseAtUrl>>;
  let second: Db;
  let tcp: Server;
  let port: number;
  beforeAll(async () => {
    h = await freshDatabaseAtUrl('postgres');
    second = openDatabase({ url: h.url });
    tcp = createServer((s) => s.end());
    await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', r));
    port = (tcp.address() as { port: number }).port;
  });
  afterAll(async () => {
    await second?.close();
    await h?.dispose();
    await new Promise<void>((r) => tcp?.close(() => r()));
  });

  async function checks(n: number, clientId: string) {
    const out = [];
    for (let i = 0; i < n; i++) {
      const input = CheckCreateBody.parse({ name: `port ${i}`, type: 'tcp', settings: { host: '127.0.0.1', port }, interval_s: 10, timeout_ms: 500 });
      out.push((await createCheck(h.db, SYSTEM_CONTEXT, clientId, input)).check);
    }
    return out;
  }

  it('a due slot is claimed once: concurrent claimers never share a check, a lease holds the next slot back until it ends', async () => {
    const client = await makeClient(h.db);
    const mine = await checks(30, client.id);
    const ids = new Set(mine.map((c) => c.id));
    const a = new ClaimEngine(h.db, { owner: 'A' });
    const b = new ClaimEngine(second, { owner: 'B' });
    const now = Date.now() + 1000;
    const got = await Promise.all([a.claim(7, now), b.claim(7, now), a.claim(7, now), b.claim(7, now), a.claim(100, now), b.claim(100, now)]);
    const all = got.flat().map((c) => c.id).filter((id) => ids.has(id));
    expect(new Set(all).size).toBe(all.length);
    expect(all.length).toBe(30);
    const rows = await h.db.kysely.selectFrom('checks').select(['id', 'next_due_at', 'lease_owner', 'lease_until', 'interval_s']).where('client_id', '=', client.id).execute();
    for (const r of rows) {
      // Advanced to the next slot of the check's own grid, leased by whoever took it.
      expect((Number(r.next_due_at) - phaseOf(r.id, 10_000)) % 10_000).toBe(0);
      expect(Number(r.next_due_at)).toBeGreaterThan(now);
      expect(['A', 'B']).toContain(r.lease_owner);
    }
    // Nothing more is due now; at the next slot, the lease (run + timeout + margin) has ended: claimable again.
    expect((await b.claim(100, now)).filter((c) => ids.has(c.id))).toEqual([]);
    await h.db.kysely.updateTable('checks').set({ next_due_at: now }).where('client_id', '=', client.id).execute();
    expect((await b.claim(100, now)).filter((c) => ids.has(c.id))).toEqual([]);
    const later = await b.claim(100, now + 500 + 5000 + 1);
    expect(later.filter((c) => ids.has(c.id)).length).toBe(30);
    await h.db.kysely.updateTable('checks').set({ enabled: 0 }).where('client_id', '=', client.id).execute();
  });

  it('two engines share running checks, each slot run once; a clean stop hands back what it had claimed and not started', async () => {
    const client = await makeClient(h.db);
    const mine = await checks(40, client.id);
    // One-second slots so the test sees many of them (the API's minimum is 10 s; the engine does not care).
    await h.db.kysely.updateTable('checks').set({ interval_s: 1 }).where('client_id', '=', client.id).execute();
    const a = new ClaimEngine(h.db, { owner: 'A2', tickMs: 200, leaseMarginMs: 100, flushMs: 50 });
    const b = new ClaimEngine(second, { owner: 'B2', tickMs: 200, leaseMarginMs: 100, flushMs: 50 });
    const t0 = Date.now();
    a.start();
    b.start();
    await new Promise((r) => setTimeout(r, 6000));
    await Promise.all([a.stop(), b.stop()]);
    const t1 = Date.now();
    expect(a.stats.run).toBeGreaterThan(0);
    expect(b.stats.run).toBeGreaterThan(0);
    const results = await h.db.kysely.selectFrom('check_results').select(['check_no', 'at']).where('check_no', 'in', mine.map((c) => c.no)).execute();
    const byNo = new Map(mine.map((c) => [c.no, c.id]));
    const slots = new Map<string, number>();
    for (const r of results) {
      const id = byNo.get(Number(r.check_no))!;
      const key = `${id}:${Math.floor((Number(r.at) - phaseOf(id, 1000)) / 1000)}`;
      slots.set(key, (slots.get(key) ?? 0) + 1);
    }
    expect([...slots.values()].filter((n) => n > 1)).toEqual([]);
    // Every check ran in (nearly) every slot of the run.
    expect(results.length).toBeGreaterThan(40 * Math.floor((t1 - t0) / 1000 - 2));
    expect(a.stats.run + b.stats.run).toBe(results.length);
    // Nothing is left leased to a stopped engine for a slot it never started.
    const left = await h.db.kysely.selectFrom('checks').select(['next_due_at']).where('client_id', '=', client.id).where('next_due_at', '>', Date.now() + 1000).execute();
    expect(left).toEqual([]);
    await h.db.kysely.updateTable('checks').set({ enabled: 0 }).where('client_id', '=', client.id).execute();
  }, 30_000);

  it('live status published by one process reaches the others once, and never comes back to itself', async () => {
    const p1 = new PgLiveBridge(h.db, { listen: true, publish: true, coalesceMs: 10 });
    const p2 = new PgLiveBridge(second, { listen: true, publish: true, coalesceMs: 10 });
    await p1.start();
    await p2.start();
    const seen1: LiveState[][] = [];
    const seen2: LiveState[][] = [];
    busFor(h.db).on('live', (l) => seen1.push(l));
    busFor(second).on('live', (l) => seen2.push(l));
    try {
      const client = await makeClient(h.db);
      const [check] = await checks(1, client.id);
      await applyResults(h.db, [{ checkId: check!.id, at: Date.now(), status: 'up', latencyMs: 1, message: 'TCP open' }]);
      const many: LiveState[] = Array.from({ length: 300 }, (_, i) => ({
        checkId: `01900000-0000-7000-8000-${String(i).padStart(12, '0')}`, clientId: client.id, state: 'up', since: i, lastResultAt: i, lastStatus: 'up', lastLatencyMs: 1, lastMessage: 'x'.repeat(200),
      }));
      busFor(second).emit('live', many);
      await expect.poll(() => seen2.flat().length, { timeout: 5000 }).toBe(301);
      await expect.poll(() => seen1.flat().length, { timeout: 5000 }).toBe(301);
      await new Promise((r) => setTimeout(r, 300));
      // Each side: its own event once (local), the other's once (from PostgreSQL), nothing echoed.
      expect(seen1.flat().length).toBe(301);
      expect(seen2.flat().length).toBe(301);
      expect(seen2.flat().filter((s) => s.checkId === check!.id).map((s) => s.state)).toEqual(['up']);
      expect(p2.stats.notifications).toBeGreaterThan(5);
      expect(p1.stats.ignoredOwn).toBeGreaterThan(0);
    } finally {
      await p1.stop();
      await p2.stop();
    }
  });
});
