/**
 * npm run bench:ingest — batched result ingestion into the raw store, on SQLite and PostgreSQL.
 * 20,000 checks' results arrive in batches of 5,000 (what a busy process or a collector flushes);
 * each database gets a fresh store. Last line: {"bench":"ingest","sqlite_per_s":…,"postgres_per_s":…}.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openAndMigrate } from '../src/app/bootstrap.ts';
import type { Db } from '../src/db/database.ts';
import { resultStore, type ResultRow } from '../src/modules/monitoring/result-store.ts';

const TOTAL = Number(process.env.BENCH_RESULTS ?? 1_000_000);
const BATCH = 5000;
const CHECKS = 20_000;
const PG_URL = process.env.VIGIE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

function batches(): ResultRow[][] {
  const out: ResultRow[][] = [];
  const t0 = Date.now() - 86_400_000;
  for (let i = 0; i < TOTAL; i += BATCH) {
    const b: ResultRow[] = [];
    for (let j = i; j < Math.min(TOTAL, i + BATCH); j++) {
      const down = j % 97 === 0;
      b.push({ checkNo: 1 + (j % CHECKS), at: t0 + Math.floor(j / CHECKS) * 60_000 + (j % CHECKS), status: down ? 2 : 0, latencyUs: 800 + (j % 5000), message: down ? 'connection refused' : null });
    }
    out.push(b);
  }
  return out;
}

async function run(db: Db, label: string): Promise<number> {
  const store = resultStore(db);
  const all = batches();
  const t = performance.now();
  let n = 0;
  for (const [i, b] of all.entries()) {
    n += await store.insertBatch(b);
    if (i % 40 === 0) process.stdout.write(`\r${label}: ${n.toLocaleString('en')} results`);
  }
  const s = (performance.now() - t) / 1000;
  process.stdout.write(`\r${label}: ${n.toLocaleString('en')} results in ${s.toFixed(2)} s\n`);
  if (n !== TOTAL) throw new Error(`${label}: ${n} stored, ${TOTAL} expected`);
  return Math.round(n / s);
}

const dir = mkdtempSync(join(tmpdir(), 'vigie-bench-ingest-'));
const file = join(dir, 'vigie.sqlite');
const sqliteDb = await openAndMigrate({ databaseUrl: file });
const sqlitePerS = await run(sqliteDb, 'sqlite');
sqliteDb.sqlite!.pragma('wal_checkpoint(TRUNCATE)');
const pages = Number(sqliteDb.sqlite!.prepare("select count(*) as n from dbstat where name = 'check_results'").pluck().get() ?? 0);
const bytesPerResult = pages ? (pages * 4096) / TOTAL : statSync(file).size / TOTAL;
await sqliteDb.close();
rmSync(dir, { recursive: true, force: true });

let postgresPerS: number | null = null;
const schema = `bench_ingest_${process.pid}`;
const admin = new pg.Client({ connectionString: PG_URL });
try {
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  const pgDb = await openAndMigrate({ databaseUrl: PG_URL }, { schema });
  postgresPerS = await run(pgDb, 'postgres');
  await pgDb.close();
} catch (e) {
  console.warn(`PostgreSQL part skipped: ${(e as Error).message}`);
} finally {
  await admin.query(`drop schema if exists ${schema} cascade`).catch(() => {});
  await admin.end().catch(() => {});
}

console.log(JSON.stringify({ bench: 'ingest', results: TOTAL, batch: BATCH, sqlite_per_s: sqlitePerS, postgres_per_s: postgresPerS, sqlite_bytes_per_result: Math.round(bytesPerResult * 10) / 10 }));
