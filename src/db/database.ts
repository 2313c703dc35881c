import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Kysely, Migrator, PostgresDialect, sql, SqliteDialect, type Migration, type MigrationProvider } from 'kysely';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import type { Database } from './schema.ts';
import * as m0001 from './migrations/0001-foundation.ts';
import * as m0002 from './migrations/0002-monitoring.ts';
import * as m0004 from './migrations/0004-alerting.ts';
import * as m0005 from './migrations/0005-collectors.ts';
import * as m0006 from './migrations/0006-collector-alerts.ts';
import * as m0007 from './migrations/0007-servicedesk.ts';
import * as m0008 from './migrations/0008-servicedesk-indexes.ts';
import * as m0009 from './migrations/0009-oncall.ts';
import * as m0003 from './migrations/0003-rollup-jobs.ts';

export type Dialect = 'sqlite' | 'postgres';

export interface Db {
  readonly kysely: Kysely<Database>;
  readonly dialect: Dialect;
  /** The raw better-sqlite3 handle (SQLite only): online backups and bulk loads. */
  readonly sqlite?: SQLite.Database;
  /** The raw pg pool (PostgreSQL only). */
  readonly pool?: pg.Pool;
  close(): Promise<void>;
}

// Epoch-millisecond columns are int8 on PostgreSQL: read them as numbers, they fit in 2^53.
pg.types.setTypeParser(20, (v) => Number(v));

export interface OpenOptions {
  /** `postgres://…`, or `sqlite:<file>`, or a bare file path; `:memory:` for a throwaway SQLite. */
  url: string;
  /** PostgreSQL schema to use (tests run each file in its own). */
  schema?: string;
  poolSize?: number;
}

export function openDatabase(opts: OpenOptions): Db {
  if (/^postgres(ql)?:\/\//.test(opts.url)) {
    const pool = new pg.Pool({
      connectionString: opts.url,
      max: opts.poolSize ?? 10,
      ...(opts.schema ? { options: `-c search_path=${opts.schema}` } : {}),
    });
    const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return { kysely, dialect: 'postgres', pool, close: () => kysely.destroy() };
  }
  const file = opts.url.replace(/^sqlite:/, '');
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const sqlite = new SQLite(file);
  sqlite.pragma('journal_mode = WAL');
  // FULL: a transaction acknowledged to a client survives a crash of the machine, not only of the process.
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const kysely = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  return { kysely, dialect: 'sqlite', sqlite, close: () => kysely.destroy() };
}

/**
 * Kysely's SQLite driver prepares every statement anew; the same few hundred SQL texts come back on
 * every request, so keep their compiled statements (about 15% of an API request's CPU otherwise).
 */
function withStatementCache(sqlite: SQLite.Database) {
  const cache = new Map<string, SQLite.Statement>();
  return {
    prepare(text: string): SQLite.Statement {
      let stmt = cache.get(text);
      if (!stmt) {
        stmt = sqlite.prepare(text);
        if (cache.size >= 2000) cache.clear();
        cache.set(text, stmt);
      }
      return stmt;
    },
    close(): void {
      cache.clear();
      sqlite.close();
    },
  };
}

const migrations: Record<string, Migration> = {
  '0001-foundation': m0001,
  '0002-monitoring': m0002,
  '0004-alerting': m0004,
  '0005-collectors': m0005,
  '0006-collector-alerts': m0006,
  '0007-servicedesk': m0007,
  '0008-servicedesk-indexes': m0008,
  '0009-oncall': m0009,
  '0003-rollup-jobs': m0003,
};

class StaticProvider implements MigrationProvider {
  async getMigrations() {
    return migrations;
  }
}

/** Brings the schema up to date. On PostgreSQL the migrator takes a lock, so instances may start together. */
export async function migrate(db: Db): Promise<string[]> {
  // On PostgreSQL, name the schema of the migration tables: Kysely otherwise looks for them in every
  // schema of the database, and a second Vigie (or any Kysely app) in another schema would hide ours.
  const migrationTableSchema =
    db.dialect === 'postgres' ? ((await sql<{ s: string | null }>`select current_schema() as s`.execute(db.kysely)).rows[0]?.s ?? undefined) : undefined;
  const migrator = new Migrator({ db: db.kysely, provider: new StaticProvider(), ...(migrationTableSchema ? { migrationTableSchema } : {}) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error;
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
