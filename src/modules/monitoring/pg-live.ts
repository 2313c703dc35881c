/**
 * Live status across processes on PostgreSQL: the `live` events of this process's bus (results and
 * state changes applied here, by a worker or a serve process) are published with NOTIFY, and every
 * serve process LISTENs and re-emits what the others published on its own bus, where the live board
 * picks it up like a local event.
 *
 * - Payloads stay small (check, client, state, since, last result; the message cut short) and are
 *   cut in chunks under PostgreSQL's 8,000-byte limit; states of one check within a short window are
 *   coalesced (the last one wins).
 * - Each process stamps what it publishes with its origin id and ignores its own notifications (it
 *   has emitted them locally already), and never republishes what it received: no echo, no loop.
 * - The channel is per schema, so several Vigie databases (or test schemas) in one PostgreSQL
 *   database do not hear each other.
 * - Best effort, like any live feed: while the listening connection is down (it reconnects with
 *   backoff), events are missed; a board reloads the current states when it (re)connects.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { sql } from 'kysely';
import type { Db } from '../../db/database.ts';
import { busFor, type LiveState } from './bus.ts';

/** PostgreSQL refuses NOTIFY payloads of 8,000 bytes or more. */
export const MAX_NOTIFY_BYTES = 7900;
const MESSAGE_CHARS = 160;

type Tuple = [checkId: string, clientId: string, state: string, since: number, lastResultAt: number | null, lastStatus: string | null, lastLatencyMs: number | null, lastMessage: string | null];

/** Cuts states into NOTIFY payloads, each under `max` bytes: `{"o":origin,"s":[tuple,…]}`. */
export function encodeLive(origin: string, states: readonly LiveState[], max = MAX_NOTIFY_BYTES): string[] {
  const head = `{"o":${JSON.stringify(origin)},"s":[`;
  const out: string[] = [];
  let parts: string[] = [];
  let bytes = Buffer.byteLength(head) + 2;
  for (const s of states) {
    const t: Tuple = [s.checkId, s.clientId, s.state, s.since, s.lastResultAt, s.lastStatus, s.lastLatencyMs === null ? null : Math.round(s.lastLatencyMs * 1000) / 1000, s.lastMessage === null ? null : s.lastMessage.slice(0, MESSAGE_CHARS)];
    const item = JSON.stringify(t);
    const n = Buffer.byteLength(item) + 1;
    if (parts.length && bytes + n > max) {
      out.push(`${head}${parts.join(',')}]}`);
      parts = [];
      bytes = Buffer.byteLength(head) + 2;
    }
    parts.push(item);
    bytes += n;
  }
  if (parts.length) out.push(`${head}${parts.join(',')}]}`);
  return out;
}

/** The inverse of `encodeLive` for one payload; null when it is not one of ours. */
export function decodeLive(payload: string): { origin: string; states: LiveState[] } | null {
  try {
    const m = JSON.parse(payload) as { o?: unknown; s?: unknown };
    if (typeof m.o !== 'string' || !Array.isArray(m.s)) return null;
    const states = (m.s as Tuple[]).map(([checkId, clientId, state, since, lastResultAt, lastStatus, lastLatencyMs, lastMessage]) => ({
      checkId, clientId, state, since, lastResultAt, lastStatus, lastLatencyMs, lastMessage,
    })) as LiveState[];
    return { origin: m.o, states };
  } catch {
    return null;
  }
}

export interface PgLiveOptions {
  /** Publish this process's live events (every process that applies results). */
  publish?: boolean;
  /** Hear the others' and re-emit them here (serve processes: they have live boards). */
  listen?: boolean;
  /** States are gathered this long before publishing (fewer, fuller notifications). */
  coalesceMs?: number;
}

export class PgLiveBridge {
  /** This process's stamp on what it publishes. */
  readonly origin = randomBytes(8).toString('hex');
  readonly stats = { published: 0, notifications: 0, received: 0, ignoredOwn: 0, reconnects: 0 };
  private channel = '';
  private listener: pg.Client | null = null;
  private stopped = false;
  private pending = new Map<string, LiveState>();
  private flushTimer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();
  private retryMs = 500;
  /** Arrays this bridge emitted from other processes: never published again. */
  private readonly fromElsewhere = new WeakSet<object>();
  private readonly onLocal = (states: LiveState[]) => {
    if (this.fromElsewhere.has(states)) return;
    for (const s of states) this.pending.set(s.checkId, s);
    this.flushTimer ??= setTimeout(() => {
      this.flushTimer = null;
      this.flushing = this.flushing.then(() => this.flush()).catch(() => {});
    }, this.opts.coalesceMs ?? 50);
  };

  constructor(
    private readonly db: Db,
    private readonly opts: PgLiveOptions = {},
  ) {
    if (db.dialect !== 'postgres') throw new Error('PgLiveBridge needs PostgreSQL');
  }

  /** The channel of this database's schema (lower case, within the 63-character identifier limit). */
  static async channelOf(db: Db): Promise<string> {
    const r = await sql<{ s: string }>`select current_schema() as s`.execute(db.kysely);
    return `vigie_live_${(r.rows[0]?.s ?? 'public').toLowerCase().replace(/[^a-z0-9_]/g, '_')}`.slice(0, 63);
  }

  async start(): Promise<void> {
    this.channel = await PgLiveBridge.channelOf(this.db);
    if (this.opts.publish !== false) busFor(this.db).on('live', this.onLocal);
    if (this.opts.listen !== false) await this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    busFor(this.db).off('live', this.onLocal);
    if (this.flushTimer) {
      clearTimeout(this.flushTimer);
      this.flushTimer = null;
      this.flushing = this.flushing.then(() => this.flush()).catch(() => {});
    }
    await this.flushing;
    const l = this.listener;
    this.listener = null;
    await l?.end().catch(() => {});
  }

  private async flush(): Promise<void> {
    if (this.pending.size === 0) return;
    const states = [...this.pending.values()];
    this.pending = new Map();
    const chunks = encodeLive(this.origin, states);
    // One statement, in order: NOTIFY keeps the order of one transaction's notifications.
    await sql`select pg_notify(${this.channel}, p) from unnest(${chunks}::text[]) with ordinality as x(p, i) order by i`.execute(this.db.kysely);
    this.stats.published += states.length;
    this.stats.notifications += chunks.length;
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new pg.Client(this.db.pool!.options);
    client.on('notification', (msg) => {
      if (msg.channel !== this.channel || !msg.payload) return;
      const m = decodeLive(msg.payload);
      if (!m) return;
      if (m.origin === this.origin) {
        this.stats.ignoredOwn++;
        return;
      }
      this.stats.received += m.states.length;
      this.fromElsewhere.add(m.states);
      busFor(this.db).emit('live', m.states);
    });
    const lost = () => {
      if (this.listener !== client) return;
      this.listener = null;
      client.end().catch(() => {});
      this.reconnectLater();
    };
    client.on('error', lost);
    client.on('end', lost);
    try {
      await client.connect();
      await client.query(`listen "${this.channel}"`);
      if (this.stopped) {
        await client.end();
        return;
      }
      this.listener = client;
      this.retryMs = 500;
    } catch {
      client.end().catch(() => {});
      this.reconnectLater();
    }
  }

  private reconnectLater(): void {
    if (this.stopped) return;
    this.stats.reconnects++;
    const wait = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, 30_000);
    setTimeout(() => void this.connect(), wait).unref();
  }
}
