import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../../../test/support/databases.ts';
import { makeClient } from '../../../test/support/world.ts';
import { SYSTEM_CONTEXT } from '../journal/service.ts';
import { MonitoringEngine, sweepHeartbeats } from './engine.ts';
import { applyResults } from './ingest.ts';
import { CheckCreateBody } from './schema.ts';
import { createCheck, periodsOf, updateCheck } from './service.ts';

let server: Server;
let port: number;
beforeAll(async () => {
  server = createServer((s) => s.end());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as { port: number }).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describeEachDatabase('monitoring engine', (getDb) => {
  it('runs a TCP check against a real listener and records it up; stops running a disabled check', async () => {
    const db = getDb();
    const client = await makeClient(db);
    const engine = new MonitoringEngine(db, { flushMs: 20 });
    await engine.start();
    try {
      const { check } = await createCheck(db, SYSTEM_CONTEXT, client.id, CheckCreateBody.parse({ name: 'Port', type: 'tcp', settings: { host: '127.0.0.1', port }, interval_s: 10, timeout_ms: 2000 }));
      // The bus tells the engine at once; the first slot falls within one interval.
      await expect.poll(() => engine.scheduler.has(check.id)).toBe(true);
      await expect
        .poll(async () => (await db.kysely.selectFrom('checks').select('state').where('id', '=', check.id).executeTakeFirstOrThrow()).state, { timeout: 15_000, interval: 200 })
        .toBe('up');
      const row = await db.kysely.selectFrom('checks').selectAll().where('id', '=', check.id).executeTakeFirstOrThrow();
      expect(row.last_status).toBe('up');
      expect(Number(row.last_latency_ms)).toBeGreaterThan(0);
      await updateCheck(db, SYSTEM_CONTEXT, client.id, check.id, { enabled: false });
      await expect.poll(() => engine.scheduler.has(check.id)).toBe(false);
    } finally {
      await engine.stop();
    }
  }, 30_000);

  it('puts a heartbeat check down when beats stop, one result per missed slot, and up again on a beat', async () => {
    const db = getDb();
    const client = await makeClient(db);
    const { check, heartbeatSecret } = await createCheck(db, SYSTEM_CONTEXT, client.id, CheckCreateBody.parse({ name: 'Sauvegarde', type: 'heartbeat', settings: { grace_s: 30 }, interval_s: 3600, retries: 0 }));
    expect(heartbeatSecret).toMatch(/^hb_/);
    const t0 = Date.now();
    await applyResults(db, [{ checkId: check.id, at: t0, status: 'up', latencyMs: null, message: 'backup ok' }]);
    expect(await sweepHeartbeats(db, t0 + 3_600_000)).toEqual([]);
    const tr = await sweepHeartbeats(db, t0 + 3_600_000 + 30_000);
    expect(tr.filter((t) => t.checkId === check.id).map((t) => t.to)).toEqual(['down']);
    expect(await sweepHeartbeats(db, t0 + 3_600_000 + 40_000)).toEqual([]);
    await applyResults(db, [{ checkId: check.id, at: t0 + 4_000_000, status: 'up', latencyMs: null, message: 'backup ok' }]);
    const periods = await periodsOf(db, client.id, check.id, 0, t0 + 5_000_000);
    expect(periods.map((p) => p.state)).toEqual(['unknown', 'up', 'down', 'up']);
    expect(periods[2]!.from).toBe(t0 + 3_630_000);
  });
});
