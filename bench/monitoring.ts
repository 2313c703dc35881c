/**
 * npm run bench:monitoring — one Vigie process on SQLite supervises 20,000 checks (half TCP, half
 * HTTP) at a 60 s interval, against a target process on loopback, for 3 minutes (BENCH_SECONDS).
 * Figures: slots due / run / missed, lateness of each run against its slot, CPU and memory of this
 * process (the target runs apart), and the bytes each stored result takes.
 * Last line: {"bench":"monitoring","checks":20000,"interval_s":60,"due":…,"run":…,"missed":…,...}
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { openAndMigrate } from '../src/app/bootstrap.ts';
import { newId } from '../src/core/ids.ts';
import { SYSTEM_CONTEXT } from '../src/modules/journal/service.ts';
import { MonitoringEngine } from '../src/modules/monitoring/engine.ts';
import { initialCheckState } from '../src/modules/monitoring/state-machine.ts';
import { createClient } from '../src/modules/tenancy/service.ts';

const CHECKS = Number(process.env.BENCH_CHECKS ?? 20_000);
const INTERVAL_S = 60;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 180);
const log = (s: string) => console.log(`[bench:monitoring] ${s}`);

const target = spawn(process.execPath, ['bench/target.mjs'], { stdio: ['ignore', 'pipe', 'inherit'] });
const ports: { tcp: number; http: number } = await new Promise((resolve) => createInterface({ input: target.stdout! }).once('line', (l) => resolve(JSON.parse(l))));

const dir = mkdtempSync(join(tmpdir(), 'vigie-bench-mon-'));
const db = await openAndMigrate({ databaseUrl: join(dir, 'vigie.sqlite') });
const client = await createClient(db, SYSTEM_CONTEXT, { name: 'Bench', slug: 'bench' });
log(`seeding ${CHECKS} checks (TCP :${ports.tcp}, HTTP :${ports.http})…`);
const now = Date.now();
const raw = db.sqlite!;
const insert = raw.prepare(
  `insert into checks (id, no, client_id, asset_id, collector_id, parent_check_id, name, type, settings, interval_s, timeout_ms, retries, recovery_threshold, enabled,
     heartbeat_token_hash, state, state_since, runtime, last_result_at, last_status, last_latency_ms, last_message, next_due_at, lease_owner, lease_until, created_at, updated_at)
   values (?, ?, ?, null, null, null, ?, ?, ?, ?, 5000, 2, 1, 1, null, 'unknown', ?, ?, null, null, null, null, ?, null, null, ?, ?)`,
);
const runtime = JSON.stringify({ machine: initialCheckState(now) });
raw.transaction(() => {
  for (let i = 0; i < CHECKS; i++) {
    const http = i % 2 === 1;
    const settings = http ? { url: `http://127.0.0.1:${ports.http}/health/${i}` } : { host: '127.0.0.1', port: ports.tcp };
    insert.run(newId(), i + 1, client.id, `check-${i}`, http ? 'http' : 'tcp', JSON.stringify(settings), INTERVAL_S, now, runtime, now, now, now);
  }
})();

const engine = new MonitoringEngine(db, { concurrency: 512, sweepMs: 10_000 });
const lateness: number[] = [];
engine.scheduler.onStart = (due, started) => lateness.push(started - due);
await engine.start();
log(`running for ${SECONDS} s…`);
const cpu0 = process.cpuUsage();
const t0 = performance.now();
let rssMax = 0;
// CPU after the first interval too: the first minute carries every check's first transition (unknown → up).
let steady: { cpu: NodeJS.CpuUsage; run: number; at: number } | null = null;
const warm = setTimeout(() => (steady = { cpu: process.cpuUsage(), run: engine.scheduler.stats.run, at: performance.now() }), INTERVAL_S * 1000);
const progress = setInterval(() => {
  rssMax = Math.max(rssMax, process.memoryUsage().rss);
  const s = engine.scheduler.stats;
  const sec = Math.round((performance.now() - t0) / 1000);
  const line = `  ${sec} s: due ${s.due}, run ${s.run}, missed ${s.missed}, stored ${engine.ingestor.stats.stored}`;
  if (process.stdout.isTTY) process.stdout.write(`\r${line}   `);
  else if (sec % 30 === 0) console.log(line);
}, 1000);
await new Promise((r) => setTimeout(r, SECONDS * 1000));
clearInterval(progress);
clearTimeout(warm);
const elapsed = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
const s1 = steady as { cpu: NodeJS.CpuUsage; run: number; at: number } | null;
const steadyCpu = s1 ? process.cpuUsage(s1.cpu) : null;
const steadyRun = s1 ? engine.scheduler.stats.run - s1.run : 0;
const steadyS = s1 ? (performance.now() - s1.at) / 1000 : 0;
engine.scheduler.stop();
const stats = { ...engine.scheduler.stats };
await engine.stop();
process.stdout.write('\n');

const count = Number(raw.prepare('select count(*) from check_results').pluck().get());
raw.pragma('wal_checkpoint(TRUNCATE)');
const pages = Number(raw.prepare("select count(*) from dbstat where name = 'check_results'").pluck().get());
const states = raw.prepare('select state, count(*) as n from checks group by state').all();
log(`states: ${JSON.stringify(states)}; ${count} results stored`);
await db.close();
target.kill('SIGTERM');
rmSync(dir, { recursive: true, force: true });

lateness.sort((a, b) => a - b);
const pct = (p: number) => (lateness.length ? lateness[Math.min(lateness.length - 1, Math.floor((p / 100) * lateness.length))]! : null);
console.log(
  JSON.stringify({
    bench: 'monitoring',
    checks: CHECKS,
    interval_s: INTERVAL_S,
    seconds: Math.round(elapsed),
    due: stats.due,
    run: stats.run,
    missed: stats.missed,
    checks_per_s: Math.round(stats.run / elapsed),
    late_p50_ms: pct(50),
    late_p99_ms: pct(99),
    cpu_cores: Math.round(((cpu.user + cpu.system) / 1e6 / elapsed) * 1000) / 1000,
    cpu_ms_per_check: Math.round(((cpu.user + cpu.system) / 1000 / Math.max(1, stats.run)) * 1000) / 1000,
    steady_cpu_cores: steadyCpu ? Math.round(((steadyCpu.user + steadyCpu.system) / 1e6 / steadyS) * 1000) / 1000 : null,
    steady_cpu_ms_per_check: steadyCpu && steadyRun ? Math.round(((steadyCpu.user + steadyCpu.system) / 1000 / steadyRun) * 1000) / 1000 : null,
    rss_mb: Math.round(rssMax / 1048576),
    bytes_per_result: count ? Math.round(((pages * 4096) / count) * 10) / 10 : null,
  }),
);
