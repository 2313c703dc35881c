import { sql } from 'kysely';
import type { Db } from '../../db/database.ts';
import type { Executor } from '../../db/tx.ts';

/** One probe result as stored: compact, keyed by the check's integer `no`. */
export interface ResultRow {
  checkNo: number;
  /** When the probe ran (epoch ms), as measured where it ran: a collector's replay keeps it. */
  at: number;
  /** 0 up, 1 degraded, 2 down. */
  status: 0 | 1 | 2;
  latencyUs: number | null;
  /** Only when it says something: a problem, or the first result after one. */
  message: string | null;
}

export const STATUS_CODE = { up: 0, degraded: 1, down: 2 } as const;
export const STATUS_NAME = ['up', 'degraded', 'down'] as const;

/**
 * Inserts raw rows inside the caller's transaction; returns how many were new. The (check, time)
 * key makes it idempotent: a batch replayed by a collector inserts only what is new. Each
 * database's fast path: prepared statements on SQLite (inside Kysely's transaction we hold its only
 * connection, so native statements join it), `unnest` arrays on PostgreSQL.
 */
export async function insertResults(trx: Executor, db: Db, rows: readonly ResultRow[]): Promise<number> {
  if (rows.length === 0) return 0;
  if (db.dialect === 'sqlite') {
    const stmt = db.sqlite!.prepare('insert or ignore into check_results (check_no, at, status, latency_us, message) values (?, ?, ?, ?, ?)');
    let n = 0;
    for (const r of rows) n += stmt.run(r.checkNo, r.at, r.status, r.latencyUs, r.message).changes;
    return n;
  }
  let n = 0;
  for (let i = 0; i < rows.length; i += 10_000) {
    const part = rows.slice(i, i + 10_000);
    const res = await sql`
      insert into check_results (check_no, at, status, latency_us, message)
      select * from unnest(${part.map((x) => x.checkNo)}::int[], ${part.map((x) => x.at)}::bigint[], ${part.map((x) => x.status)}::smallint[],
                           ${part.map((x) => x.latencyUs)}::int[], ${part.map((x) => x.message)}::text[])
      on conflict do nothing`.execute(trx);
    n += Number(res.numAffectedRows ?? 0);
  }
  return n;
}

/** Raw results, written in batches, read by range, purged by age. */
export interface ResultStore {
  /** Inserts the rows in one transaction; returns how many were new. */
  insertBatch(rows: readonly ResultRow[]): Promise<number>;
  /** Deletes raw results older than `before` (retention), check by check along the key; returns how many. */
  purgeBefore(before: number): Promise<number>;
  /** Raw results of one check in [from, to), oldest first. */
  range(checkNo: number, from: number, to: number): Promise<ResultRow[]>;
}

export function resultStore(db: Db): ResultStore {
  return {
    insertBatch: (rows) => (rows.length === 0 ? Promise.resolve(0) : db.kysely.transaction().execute((trx) => insertResults(trx, db, rows))),

    async purgeBefore(before) {
      const nos = await checkNumbers(db);
      let total = 0;
      for (let i = 0; i < nos.length; i += 500) {
        const slice = nos.slice(i, i + 500);
        total += await db.kysely.transaction().execute(async (trx) => {
          if (db.dialect === 'sqlite') {
            const del = db.sqlite!.prepare('delete from check_results where check_no = ? and at < ?');
            return slice.reduce((n, no) => n + del.run(no, before).changes, 0);
          }
          const r = await sql`delete from check_results where check_no = any(${slice}::int[]) and at < ${before}`.execute(trx);
          return Number(r.numAffectedRows ?? 0);
        });
      }
      return total;
    },

    async range(checkNo, from, to) {
      const rows = await db.kysely.selectFrom('check_results').selectAll().where('check_no', '=', checkNo).where('at', '>=', from).where('at', '<', to).orderBy('at').execute();
      return rows.map((r) => ({
        checkNo: Number(r.check_no), at: Number(r.at), status: Number(r.status) as 0 | 1 | 2, latencyUs: r.latency_us === null ? null : Number(r.latency_us), message: r.message,
      }));
    },
  };
}

/** Every check number that may have results, deleted checks included (their rows go too). */
async function checkNumbers(db: Db): Promise<number[]> {
  const rows = await sql<{ no: number }>`select distinct check_no as no from rollups union select no from checks`.execute(db.kysely);
  return rows.rows.map((r) => Number(r.no));
}
