import { sql } from 'kysely';
import type { Db } from '../../db/database.ts';

/** One probe result as stored: compact, keyed by the check's integer `no`. */
export interface ResultRow {
  checkNo: number;
  /** When the probe ran (epoch ms), as measured where it ran: a collector's replay keeps it. */
  at: number;
  /** 0 up, 1 degraded, 2 down. */
  status: 0 | 1 | 2;
  latencyUs: number | null;
  /** Only when it says something: not up, or different from the previous one. */
  message: string | null;
}

export const STATUS_CODE = { up: 0, degraded: 1, down: 2 } as const;
export const STATUS_NAME = ['up', 'degraded', 'down'] as const;

/**
 * Raw results, written in batches. The (check, time) key makes a write idempotent: a batch
 * replayed by a collector after an outage inserts only what is new.
 */
export interface ResultStore {
  /** Inserts the rows in one transaction; returns how many were new. */
  insertBatch(rows: readonly ResultRow[]): Promise<number>;
  /** Deletes raw results older than `before` (retention), check by check along the key; returns how many. */
  purgeBefore(before: number): Promise<number>;
  /** Raw results of one check in [from, to), oldest first. */
  range(checkNo: number, from: number, to: number): Promise<ResultRow[]>;
}

export function resultStore(db: Db): ResultStore {
  return db.dialect === 'sqlite' ? new SqliteResultStore(db) : new PostgresResultStore(db);
}

class SqliteResultStore implements ResultStore {
  constructor(private readonly db: Db) {}

  async insertBatch(rows: readonly ResultRow[]): Promise<number> {
    if (rows.length === 0) return 0;
    // Take Kysely's connection so no Kysely transaction is open on it while we write natively.
    return this.db.kysely.connection().execute(async () => {
      const raw = this.db.sqlite!;
      const stmt = raw.prepare('insert or ignore into check_results (check_no, at, status, latency_us, message) values (?, ?, ?, ?, ?)');
      const tx = raw.transaction((batch: readonly ResultRow[]) => {
        let n = 0;
        for (const r of batch) n += stmt.run(r.checkNo, r.at, r.status, r.latencyUs, r.message).changes;
        return n;
      });
      return tx(rows);
    });
  }

  async purgeBefore(before: number): Promise<number> {
    const nos = await checkNumbers(this.db);
    let total = 0;
    for (let i = 0; i < nos.length; i += 500) {
      total += await this.db.kysely.connection().execute(async () => {
        const raw = this.db.sqlite!;
        const del = raw.prepare('delete from check_results where check_no = ? and at < ?');
        return raw.transaction((slice: number[]) => slice.reduce((n, no) => n + del.run(no, before).changes, 0))(nos.slice(i, i + 500));
      });
    }
    return total;
  }

  async range(checkNo: number, from: number, to: number): Promise<ResultRow[]> {
    const rows = await this.db.kysely
      .selectFrom('check_results')
      .selectAll()
      .where('check_no', '=', checkNo)
      .where('at', '>=', from)
      .where('at', '<', to)
      .orderBy('at')
      .execute();
    return rows.map(toRow);
  }
}

class PostgresResultStore implements ResultStore {
  constructor(private readonly db: Db) {}

  async insertBatch(rows: readonly ResultRow[]): Promise<number> {
    if (rows.length === 0) return 0;
    const r = await sql`
      insert into check_results (check_no, at, status, latency_us, message)
      select * from unnest(${rows.map((x) => x.checkNo)}::int[], ${rows.map((x) => x.at)}::bigint[], ${rows.map((x) => x.status)}::smallint[],
                           ${rows.map((x) => x.latencyUs)}::int[], ${rows.map((x) => x.message)}::text[])
      on conflict do nothing`.execute(this.db.kysely);
    return Number(r.numAffectedRows ?? 0);
  }

  async purgeBefore(before: number): Promise<number> {
    const nos = await checkNumbers(this.db);
    let total = 0;
    for (let i = 0; i < nos.length; i += 500) {
      const r = await sql`delete from check_results where check_no = any(${nos.slice(i, i + 500)}::int[]) and at < ${before}`.execute(this.db.kysely);
      total += Number(r.numAffectedRows ?? 0);
    }
    return total;
  }

  async range(checkNo: number, from: number, to: number): Promise<ResultRow[]> {
    const rows = await this.db.kysely
      .selectFrom('check_results')
      .selectAll()
      .where('check_no', '=', checkNo)
      .where('at', '>=', from)
      .where('at', '<', to)
      .orderBy('at')
      .execute();
    return rows.map(toRow);
  }
}

/** Every check number that may have results, deleted checks included (their rows go too). */
async function checkNumbers(db: Db): Promise<number[]> {
  const rows = await sql<{ no: number }>`select distinct check_no as no from rollups union select no from checks`.execute(db.kysely);
  return rows.rows.map((r) => Number(r.no));
}

function toRow(r: { check_no: number; at: number; status: number; latency_us: number | null; message: string | null }): ResultRow {
  return { checkNo: Number(r.check_no), at: Number(r.at), status: Number(r.status) as 0 | 1 | 2, latencyUs: r.latency_us === null ? null : Number(r.latency_us), message: r.message };
}
