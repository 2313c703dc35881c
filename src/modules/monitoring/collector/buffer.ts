/**
 * The collector's durable local buffer: one SQLite file (WAL, synchronous=FULL), so results survive
 * an outage of the server, of the network, or a restart of the collector itself.
 *
 * - `pending`: results as produced, not yet in a batch.
 * - `batches`: numbered batches, each fixed once numbered — its exact request body is stored, so a
 *   retry sends the same number with the same content, byte for byte. A batch is deleted only after
 *   the server's 2xx for it.
 * - `meta`: the next batch number, the highest the server says it has, the last known checks (a
 *   collector restarted while the server is unreachable keeps running them).
 * - `rejected`: batches the server refused as invalid (4xx other than auth): kept for diagnosis,
 *   never resent, so one bad batch cannot block those behind it.
 *
 * Batches are sealed lazily, when the sender is ready for one: in normal operation about one per
 * push period; after an outage the backlog goes in full batches, oldest first, with its original
 * timestamps.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';

/** One result as the collector produced it (protocol field names). */
export interface BufferedResult {
  check_id: string;
  at: number;
  status: 'up' | 'degraded' | 'down';
  latency_ms: number | null;
  message: string;
  probe_state?: unknown;
}

export interface SealedBatch {
  seq: number;
  /** The exact JSON body to POST. */
  body: string;
  count: number;
}

export interface BufferOptions {
  /** Append every result produced, as a JSON line (diagnostics; the fault tests compare it with the server). */
  resultLog?: string | undefined;
}

export class LocalBuffer {
  private readonly db: SQLite.Database;
  private pendingRows: number;
  private sealedRows: number;
  private readonly insert: SQLite.Statement;
  private readonly addMany: (rows: readonly BufferedResult[]) => void;

  constructor(
    readonly file: string,
    private readonly opts: BufferOptions = {},
  ) {
    mkdirSync(dirname(file), { recursive: true });
    this.db = new SQLite(file);
    this.db.pragma('journal_mode = WAL');
    // FULL: a result reported as buffered is on disk, a power cut included.
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(`
      create table if not exists pending (id integer primary key, check_id text not null, at integer not null, status text not null,
                                          latency_ms real, message text not null, probe_state text);
      create table if not exists batches (seq integer primary key, body text not null, count integer not null, created_at integer not null);
      create table if not exists rejected (seq integer primary key, body text not null, count integer not null, status integer not null,
                                           answer text not null, at integer not null);
      create table if not exists meta (key text primary key, value text not null);
    `);
    this.pendingRows = (this.db.prepare('select count(*) as n from pending').get() as { n: number }).n;
    this.sealedRows = (this.db.prepare('select coalesce(sum(count), 0) as n from batches').get() as { n: number }).n;
    this.insert = this.db.prepare('insert into pending (check_id, at, status, latency_ms, message, probe_state) values (?, ?, ?, ?, ?, ?)');
    this.addMany = this.db.transaction((rows: readonly BufferedResult[]) => {
      for (const r of rows) this.insert.run(r.check_id, r.at, r.status, r.latency_ms, r.message, r.probe_state === undefined ? null : JSON.stringify(r.probe_state));
    });
  }

  /** Results waiting for the server's acknowledgement (pending and sealed). */
  get backlog(): number {
    return this.pendingRows + this.sealedRows;
  }

  get pendingCount(): number {
    return this.pendingRows;
  }

  /** Stores results durably (one transaction); only then are they counted as produced. */
  add(rows: readonly BufferedResult[]): void {
    if (rows.length === 0) return;
    this.addMany(rows);
    this.pendingRows += rows.length;
    if (this.opts.resultLog) appendFileSync(this.opts.resultLog, rows.map((r) => JSON.stringify({ check_id: r.check_id, at: r.at, status: r.status })).join('\n') + '\n');
  }

  /**
   * The oldest batch not yet acknowledged; when there is none, seals one from the oldest pending
   * results (at most `maxResults` and about `maxChars` characters of JSON), numbered at least `minSeq`. Null when empty.
   */
  nextBatch(maxResults: number, maxChars: number, minSeq: number): SealedBatch | null {
    const sealed = this.db.prepare('select seq, body, count from batches order by seq limit 1').get() as SealedBatch | undefined;
    if (sealed) return sealed;
    if (this.pendingRows === 0) return null;
    return this.db.transaction((): SealedBatch | null => {
      const rows = this.db.prepare('select id, check_id, at, status, latency_ms, message, probe_state from pending order by id limit ?').all(maxResults) as {
        id: number; check_id: string; at: number; status: BufferedResult['status']; latency_ms: number | null; message: string; probe_state: string | null;
      }[];
      if (rows.length === 0) return null;
      const items: string[] = [];
      let chars = 0, lastId = 0;
      for (const r of rows) {
        const item: BufferedResult = { check_id: r.check_id, at: r.at, status: r.status, latency_ms: r.latency_ms, message: r.message };
        if (r.probe_state !== null) item.probe_state = JSON.parse(r.probe_state);
        const s = JSON.stringify(item);
        if (items.length && chars + s.length > maxChars) break;
        items.push(s);
        chars += s.length + 1;
        lastId = r.id;
      }
      const next = Number(this.getMeta('next_seq') ?? '1');
      const seq = Math.max(next, minSeq);
      const body = `{"seq":${seq},"results":[${items.join(',')}]}`;
      this.db.prepare('insert into batches (seq, body, count, created_at) values (?, ?, ?, ?)').run(seq, body, items.length, Date.now());
      this.db.prepare('delete from pending where id <= ?').run(lastId);
      this.setMeta('next_seq', String(seq + 1));
      this.pendingRows -= items.length;
      this.sealedRows += items.length;
      return { seq, body, count: items.length };
    })();
  }

  /** The server acknowledged this batch (2xx): it may go. */
  ack(seq: number): void {
    const row = this.db.prepare('select count from batches where seq = ?').get(seq) as { count: number } | undefined;
    if (!row) return;
    this.db.prepare('delete from batches where seq = ?').run(seq);
    this.sealedRows -= row.count;
  }

  /** The server refused this batch as invalid: set it aside (kept in `rejected`), so the rest flows. */
  reject(seq: number, status: number, answer: string): void {
    this.db.transaction(() => {
      const row = this.db.prepare('select body, count from batches where seq = ?').get(seq) as { body: string; count: number } | undefined;
      if (!row) return;
      this.db.prepare('insert or replace into rejected (seq, body, count, status, answer, at) values (?, ?, ?, ?, ?, ?)').run(seq, row.body, row.count, status, answer.slice(0, 2000), Date.now());
      this.db.prepare('delete from batches where seq = ?').run(seq);
      this.sealedRows -= row.count;
    })();
  }

  getMeta(key: string): string | null {
    const r = this.db.prepare('select value from meta where key = ?').get(key) as { value: string } | undefined;
    return r?.value ?? null;
  }

  setMeta(key: string, value: string): void {
    this.db.prepare('insert into meta (key, value) values (?, ?) on conflict (key) do update set value = excluded.value').run(key, value);
  }

  close(): void {
    this.db.close();
  }
}
