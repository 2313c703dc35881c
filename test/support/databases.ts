import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, inject } from 'vitest';
import { openAndMigrate } from '../../src/app/bootstrap.ts';
import type { Db, Dialect } from '../../src/db/database.ts';

/** Which databases this run covers: VIGIE_TEST_DATABASES=sqlite,postgres (default both). */
export const TEST_DIALECTS: Dialect[] = (process.env.VIGIE_TEST_DATABASES ?? 'sqlite,postgres')
  .split(',')
  .map((s) => s.trim())
  .filter((s): s is Dialect => s === 'sqlite' || s === 'postgres');

export const PG_URL = process.env.VIGIE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

let pgReachable: Promise<boolean> | null = null;
export async function postgresReachable(): Promise<boolean> {
  pgReachable ??= (async () => {
    const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 });
    try {
      await c.connect();
      await c.end();
      return true;
    } catch {
      return false;
    }
  })();
  return pgReachable;
}

/**
 * A fresh, migrated database of the given dialect: an in-memory SQLite, or a new schema in the
 * PostgreSQL test database (dropped by `dispose`). When PostgreSQL is down outside CI, returns null.
 */
export async function freshDatabase(dialect: Dialect): Promise<{ db: Db; dispose: () => Promise<void> } | null> {
  if (dialect === 'sqlite') {
    const db = await openAndMigrate({ databaseUrl: ':memory:' });
    return { db, dispose: () => db.close() };
  }
  if (!(await postgresReachable())) {
    if (process.env.VIGIE_REQUIRE_POSTGRES === '1') throw new Error(`PostgreSQL is required (VIGIE_REQUIRE_POSTGRES=1) but ${PG_URL} does not answer`);
    return null;
  }
  const schema = `vt_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  const db = await openAndMigrate({ databaseUrl: PG_URL }, { schema });
  return {
    db,
    dispose: async () => {
      await db.close();
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      await c.query(`drop schema ${schema} cascade`);
      await c.end();
    },
  };
}

/**
 * Like `freshDatabase`, but one another process can open through a URL too (the CLI, a server):
 * a SQLite file in a temporary folder, or a new PostgreSQL schema named in the URL
 * (`?options=-c search_path=<schema>`). `dispose` closes it and removes the file or the schema.
 */
export async function freshDatabaseAtUrl(dialect: Dialect): Promise<{ db: Db; url: string; dataDir: string; dispose: () => Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'vigie-test-'));
  if (dialect === 'sqlite') {
    const url = join(dataDir, 'vigie.sqlite');
    const db = await openAndMigrate({ databaseUrl: url });
    return { db, url, dataDir, dispose: async () => { await db.close(); rmSync(dataDir, { recursive: true, force: true }); } };
  }
  const schema = `vt_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  const url = `${PG_URL}${PG_URL.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  const drop = async () => {
    rmSync(dataDir, { recursive: true, force: true });
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    await c.query(`drop schema if exists ${schema} cascade`);
    await c.end();
  };
  let db: Db;
  try {
    db = await openAndMigrate({ databaseUrl: url });
  } catch (err) {
    await drop();
    throw err;
  }
  return {
    db,
    url,
    dataDir,
    dispose: async () => {
      await db.close();
      await drop();
    },
  };
}

/**
 * Runs a suite once per database. The suite gets a getter for the current database. When
 * PostgreSQL is not reachable (probed once in test/global-setup.ts) and not required, the
 * PostgreSQL block is skipped and says why.
 */
export function describeEachDatabase(name: string, suite: (getDb: () => Db, dialect: Dialect) => void) {
  for (const dialect of TEST_DIALECTS) {
    if (dialect === 'postgres' && !inject('pgAvailable')) {
      if (process.env.VIGIE_REQUIRE_POSTGRES === '1') throw new Error(`PostgreSQL is required but ${PG_URL} does not answer`);
      console.warn(`SKIPPED ${name} [postgres]: PostgreSQL at ${PG_URL} does not answer (VIGIE_REQUIRE_POSTGRES=1 makes this fail)`);
      describe.skip(`${name} [postgres] (PostgreSQL not reachable)`, () => suite(() => { throw new Error('unreachable'); }, dialect));
      continue;
    }
    describe(`${name} [${dialect}]`, () => {
      let handle: Awaited<ReturnType<typeof freshDatabase>> = null;
      beforeAll(async () => {
        handle = await freshDatabase(dialect);
      });
      afterAll(async () => {
        await handle?.dispose();
      });
      suite(() => handle!.db, dialect);
    });
  }
}

declare module 'vitest' {
  export interface ProvidedContext {
    pgAvailable: boolean;
  }
}
