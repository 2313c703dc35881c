/**
 * The live board's event stream (server-sent events) for one client.
 *
 * The page loads the board once, then listens: `event: state` carries a JSON array of the checks
 * that changed (the board item's field names, see `presentLive`), coalesced per check over
 * `coalesceMs` so a burst of results makes one message with the latest of each check; a comment
 * line pings every `pingMs` so proxies keep the connection open and a dead client is noticed. Only
 * the client's own checks are ever sent. A slow reader is not buffered without bound: while the
 * socket is full, changes keep coalescing per check (at most one entry per check) until it drains.
 * Across processes (several `serve` on PostgreSQL) the bus carries other processes' changes when
 * it is fed by LISTEN/NOTIFY.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Db } from '../../db/database.ts';
import { busFor, type LiveState } from './bus.ts';
import { presentLive } from './presenters.ts';

export interface LiveStreamOptions {
  coalesceMs?: number;
  pingMs?: number;
  /** Asked at each ping: false ends the stream (session ended, token revoked). */
  stillAllowed?: () => Promise<boolean>;
}

/** True when the request asks for an event stream (EventSource always does). */
export function wantsEventStream(req: IncomingMessage): boolean {
  return /text\/event-stream/i.test(String(req.headers.accept ?? ''));
}

/**
 * Streams the client's live changes on `res` until the connection closes (or `close()` is called:
 * server shutdown). The response must not have been started; the caller hijacks it from Fastify.
 */
export function openLiveStream(db: Db, clientId: string, req: IncomingMessage, res: ServerResponse, opts: LiveStreamOptions = {}): { close: () => void; done: Promise<void> } {
  const coalesceMs = opts.coalesceMs ?? 500;
  const pingMs = opts.pingMs ?? 15_000;
  const bus = busFor(db);
  const pending = new Map<string, LiveState>();
  let flushTimer: NodeJS.Timeout | null = null;
  let blocked = false;
  let closed = false;
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));

  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    // nginx and similar proxies: do not buffer the stream.
    'x-accel-buffering': 'no',
  });
  res.write('retry: 5000\n: connected\n\n');

  const write = (chunk: string) => {
    if (closed) return;
    if (!res.write(chunk)) blocked = true;
  };

  const flush = () => {
    flushTimer = null;
    if (closed || blocked || pending.size === 0) return;
    const batch = [...pending.values()].map(presentLive);
    pending.clear();
    write(`event: state\ndata: ${JSON.stringify(batch)}\n\n`);
  };

  const onLive = (states: LiveState[]) => {
    let any = false;
    for (const s of states) {
      if (s.clientId !== clientId) continue;
      pending.delete(s.checkId); // re-insert: the map keeps the order of the latest changes
      pending.set(s.checkId, s);
      any = true;
    }
    if (any && !flushTimer && !blocked) flushTimer = setTimeout(flush, coalesceMs);
  };

  const onDrain = () => {
    blocked = false;
    if (pending.size && !flushTimer) flushTimer = setTimeout(flush, coalesceMs);
  };

  const ping = setInterval(() => {
    void (async () => {
      if (opts.stillAllowed && !(await opts.stillAllowed().catch(() => true))) return close();
      if (!blocked) write(': ping\n\n');
    })();
  }, pingMs);

  const close = () => {
    if (closed) return;
    closed = true;
    bus.off('live', onLive);
    clearInterval(ping);
    if (flushTimer) clearTimeout(flushTimer);
    res.off('drain', onDrain);
    pending.clear();
    if (!res.writableEnded) res.end();
    resolveDone();
  };

  bus.on('live', onLive);
  res.on('drain', onDrain);
  req.on('close', close);
  res.on('close', close);
  res.on('error', close);
  return { close, done };
}
