/**
 * Fault test: a site collector keeps supervising through a server outage and every result arrives
 * exactly once.
 *
 * Real processes: `vigie serve` on a database file (or a PostgreSQL schema), `vigie collector`
 * running 1,000 TCP checks at a 10 s interval (100 checks/s) against a listener of this test. The
 * server is killed (SIGKILL: it may die between applying a batch and answering it, the worst case
 * for exactly-once) and stays down for a minute — VIGIE_FAULT_OUTAGE_S, or 20 s with
 * VIGIE_FAST_FAULTS=1 — then restarts on the same database and port. The collector's own log of
 * what it produced is then compared with the server's results, check by check: the same results, at
 * the same times, once each, with no gap in any check's series; and the restarted server does not
 * call the collector's checks unknown while their backlog is on its way.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { SYSTEM_CONTEXT } from '../src/modules/journal/service.ts';
import { createCollector } from '../src/modules/monitoring/collector-service.ts';
import { CheckCreateBody } from '../src/modules/monitoring/schema.ts';
import { createCheck } from '../src/modules/monitoring/service.ts';
import { freshDatabaseAtUrl, PG_URL, TEST_DIALECTS } from './support/databases.ts';
import { freePort, sleep, VigieProcess } from './support/vigie-process.ts';
import { makeClient } from './support/world.ts';

const OUTAGE_S = Number(process.env.VIGIE_FAULT_OUTAGE_S ?? (process.env.VIGIE_FAST_FAULTS === '1' ? 20 : 60));
const CHECKS = Number(process.env.VIGIE_FAULT_CHECKS ?? 1000);
const INTERVAL_S = 10;

/** User + system CPU seconds of a process so far (Linux /proc), or null elsewhere. */
function cpuSeconds(pid: number): number | null {
  if (!existsSync(`/proc/${pid}/stat`)) return null;
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}
const lines = (file: string) => readFileSync(file, 'utf8').trim().split('\n').length;

for (const dialect of TEST_DIALECTS) {
  const available = dialect === 'sqlite' || inject('pgAvailable');
  if (!available) console.warn(`SKIPPED collector outage fault test [postgres]: PostgreSQL at ${PG_URL} does not answer`);
  (available ? describe : describe.skip)(`a collector through a server outage: every result exactly once [${dialect}]`, () => {
    let h: Awaited<ReturnType<typeof freshDatabaseAtUrl>> | null = null;
    let target: Server | null = null;
    const procs: VigieProcess[] = [];
    afterAll(async () => {
      for (const p of procs) await p.kill('SIGKILL');
      await h?.dispose();
      await new Promise<void>((r) => (target ? target.close(() => r()) : r()));
    });

    it(`${CHECKS} checks at ${INTERVAL_S} s, server down ${OUTAGE_S} s`, async () => {
      const t = { start: Date.now() } as Record<string, number>;
      h = await freshDatabaseAtUrl(dialect);
      const db = h.db;
      target = createServer((s) => s.end());
      await new Promise<void>((r) => target!.listen(0, '127.0.0.1', r));
      const targetPort = (target.address() as { port: number }).port;

      const client = await makeClient(db);
      const { collector, token } = await createCollector(db, SYSTEM_CONTEXT, client.id, { name: 'Collecteur entrepôt' });
      for (let i = 0; i < CHECKS; i++) {
        const input = CheckCreateBody.parse({ name: `port ${i}`, type: 'tcp', settings: { host: '127.0.0.1', port: targetPort }, interval_s: INTERVAL_S, timeout_ms: 2000, collector_id: collector.id });
        await createCheck(db, SYSTEM_CONTEXT, client.id, input);
      }
      t.seeded = Date.now();

      const port = await freePort();
      const serverEnv = { DATABASE_URL: h.url, DATA_DIR: h.dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', VIGIE_WEB_DIR: '/nonexistent' };
      const startServer = async (n: number) => {
        const s = new VigieProcess(`vigie serve #${n}`, ['serve'], serverEnv);
        procs.push(s);
        await s.waitFor(/Vigie is running at/);
        return s;
      };
      const first = await startServer(1);
      const resultLog = join(h.dataDir, 'collector-results.jsonl');
      const collectorDir = join(h.dataDir, 'collector');
      const col = new VigieProcess('vigie collector', ['collector', '--server', `http://127.0.0.1:${port}`, '--token', token, '--data-dir', collectorDir, '--result-log', resultLog], {});
      procs.push(col);
      await col.waitFor(/received configuration \w+: (\d+) checks/, 30_000);

      const storedCount = async () =>
        Number((await sql<{ n: number }>`select count(*) as n from check_results r join checks c on c.no = r.check_no where c.client_id = ${client.id}`.execute(db.kysely)).rows[0]!.n);
      const checksWithResults = async () =>
        Number((await sql<{ n: number }>`select count(*) as n from checks where client_id = ${client.id} and last_result_at is not null`.execute(db.kysely)).rows[0]!.n);
      // Every check has run and been delivered at least once.
      for (const deadline = Date.now() + 3 * INTERVAL_S * 1000; (await checksWithResults()) < CHECKS; ) {
        if (Date.now() > deadline) throw new Error(`only ${await checksWithResults()} of ${CHECKS} checks have results\n${col.stdout}\n${col.stderr}`);
        await sleep(250);
      }
      t.flowing = Date.now();
      // CPU of the collector in steady state, from here to its stop (its start-up compiles TypeScript).
      const cpuAtFlowing = cpuSeconds(col.proc.pid!);
      const producedAtFlowing = lines(resultLog);
      await sleep(3000);

      // The outage: killed mid-stream, down for OUTAGE_S, restarted on the same database and port.
      t.kill = Date.now();
      await first.kill('SIGKILL');
      const storedAtKill = await storedCount();
      await sleep(OUTAGE_S * 1000);
      t.restart = Date.now();
      await startServer(2);
      t.restarted = Date.now();

      // Everything produced before the restart reaches the server (the backlog replay).
      const producedBefore = (at: number) =>
        readFileSync(resultLog, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { check_id: string; at: number }).filter((r) => r.at < at).length;
      const expectedBacklog = producedBefore(t.restart);
      const storedBefore = async (at: number) =>
        Number((await sql<{ n: number }>`select count(*) as n from check_results r join checks c on c.no = r.check_no where c.client_id = ${client.id} and r.at < ${at}`.execute(db.kysely)).rows[0]!.n);
      for (const deadline = Date.now() + 90_000; (await storedBefore(t.restart)) < expectedBacklog; ) {
        if (Date.now() > deadline) throw new Error(`backlog not delivered: ${await storedBefore(t.restart)} of ${expectedBacklog}\n${col.stdout}\n${col.stderr}`);
        await sleep(200);
      }
      t.replayed = Date.now();
      await sleep(3000);

      const cpuAtEnd = cpuSeconds(col.proc.pid!);
      const producedAtEnd = lines(resultLog);

      // A clean stop of the collector pushes what it still holds.
      t.collectorStop = Date.now();
      await col.kill('SIGTERM');
      expect((await col.exited).code, col.stdout + col.stderr).toBe(0);
      t.collectorStopped = Date.now();

      // --- the comparison
      const buffer = new SQLite(join(collectorDir, 'collector-buffer.sqlite'), { readonly: true });
      const left = (buffer.prepare('select (select count(*) from pending) + (select coalesce(sum(count), 0) from batches) as n').get() as { n: number }).n;
      const rejected = (buffer.prepare('select count(*) as n from rejected').get() as { n: number }).n;
      buffer.close();
      expect({ left, rejected }).toEqual({ left: 0, rejected: 0 });

      const produced = readFileSync(resultLog, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { check_id: string; at: number });
      const rows = (
        await sql<{ id: string; at: number }>`select c.id, r.at from check_results r join checks c on c.no = r.check_no where c.client_id = ${client.id}`.execute(db.kysely)
      ).rows;
      const key = (id: string, at: number) => `${id}@${Number(at)}`;
      const producedKeys = produced.map((r) => key(r.check_id, r.at));
      const storedKeys = rows.map((r) => key(r.id, r.at));
      // No duplicate on either side, and the same set: nothing lost, nothing invented.
      expect(new Set(producedKeys).size).toBe(producedKeys.length);
      expect(new Set(storedKeys).size).toBe(storedKeys.length);
      const storedSet = new Set(storedKeys);
      const producedSet = new Set(producedKeys);
      const missing = producedKeys.filter((k) => !storedSet.has(k));
      const extra = storedKeys.filter((k) => !producedSet.has(k));
      expect({ missing: missing.length, extra: extra.length, firstMissing: missing.slice(0, 5) }).toEqual({ missing: 0, extra: 0, firstMissing: [] });

      // Per check: the same count on both sides, and no gap in its series (the outage included).
      const perCheck = new Map<string, number[]>();
      for (const r of produced) (perCheck.get(r.check_id) ?? perCheck.set(r.check_id, []).get(r.check_id)!).push(r.at);
      const storedPerCheck = new Map<string, number>();
      for (const r of rows) storedPerCheck.set(r.id, (storedPerCheck.get(r.id) ?? 0) + 1);
      expect(perCheck.size).toBe(CHECKS);
      let maxGap = 0;
      const countMismatches: string[] = [];
      for (const [id, ats] of perCheck) {
        ats.sort((a, b) => a - b);
        for (let i = 1; i < ats.length; i++) maxGap = Math.max(maxGap, ats[i]! - ats[i - 1]!);
        if (storedPerCheck.get(id) !== ats.length) countMismatches.push(`${id}: produced ${ats.length}, stored ${storedPerCheck.get(id) ?? 0}`);
        // It kept running while the server was down (the outage is at least one interval).
        if (!ats.some((a) => a > t.kill && a < t.restart)) countMismatches.push(`${id}: no result produced during the outage`);
      }
      expect(countMismatches).toEqual([]);
      // A missed slot would leave a gap of about two intervals; lateness under load stays well below half of one.
      expect(maxGap).toBeLessThan(1.5 * INTERVAL_S * 1000);

      // Its checks never turned unknown: the restarted server waited for the backlog rather than blame the collector.
      const unknowns = await db.kysely.selectFrom('state_periods').select(['check_id', 'from_at', 'cause']).where('client_id', '=', client.id).where('cause', 'like', 'no_data%').execute();
      expect(unknowns).toEqual([]);
      const c = await db.kysely.selectFrom('collectors').selectAll().where('id', '=', collector.id).executeTakeFirstOrThrow();
      expect(Number(c.last_contact_at)).toBeGreaterThan(t.restart);
      expect(Number(c.backlog)).toBe(0);
      const receipts = Number((await db.kysely.selectFrom('collector_batches').select((e) => e.fn.countAll().as('n')).where('collector_id', '=', collector.id).executeTakeFirstOrThrow()).n);
      expect(Number(c.last_seq)).toBe(receipts);
      expect(col.stdout).toMatch(/server unreachable/);
      expect(col.stdout).toMatch(/server reachable again/);

      const summary = {
        fault: 'collector-outage', dialect, checks: CHECKS, interval_s: INTERVAL_S, outage_s: OUTAGE_S, produced: produced.length, stored: rows.length,
        stored_at_kill: storedAtKill, backlog_at_restart: expectedBacklog - storedAtKill, batches: receipts, max_gap_ms: maxGap,
        replay_s: (t.replayed - t.restart) / 1000, restart_s: (t.restarted - t.restart) / 1000, drain_s: (t.collectorStopped - t.collectorStop) / 1000,
        total_s: (Date.now() - t.start) / 1000,
        collector_cpu_ms_per_result: cpuAtEnd === null || cpuAtFlowing === null ? null : Math.round(((cpuAtEnd - cpuAtFlowing) * 1e6) / (producedAtEnd - producedAtFlowing)) / 1000,
      };
      console.log(JSON.stringify(summary));
    }, (OUTAGE_S + 240) * 1000);
  });
}
