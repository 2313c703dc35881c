/**
 * `vigie collector`: runs at a client's site and speaks to the Vigie server over outbound HTTPS only.
 *
 * - Pulls its checks (GET /api/v1/collector/checks, with the last ETag: unchanged costs nothing) and
 *   keeps the last copy in its buffer, so a restart while the server is away keeps supervising.
 * - Runs them with the same probes and the same Scheduler as the server (one timer, stable phase,
 *   bounded concurrency).
 * - Writes every result to its local SQLite buffer (group commit every ~100 ms) before anything else
 *   happens to it; pushes numbered batches (POST /api/v1/collector/results); deletes a batch only
 *   after the server's 2xx. A batch is fixed once numbered, so a retry is the same batch, and the
 *   server's receipt (collector, seq) makes it count once.
 * - When the server is unreachable, retries with exponential backoff (capped) and replays the
 *   backlog oldest first, in full batches, with the original timestamps.
 */
import { join } from 'node:path';
import { probes } from '../probes/index.ts';
import type { CheckType } from '../probes/types.ts';
import { Scheduler, type RunOutcome } from '../scheduler.ts';
import { COLLECTOR_BACKLOG_HEADER, COLLECTOR_VERSION_HEADER, LAST_SEQ_HEADER, MAX_RESULTS_PER_BATCH } from '../collector-schema.ts';
import { LocalBuffer, type BufferedResult } from './buffer.ts';

export interface CollectorOptions {
  /** The Vigie server's base URL (https://vigie.example.net). */
  server: string;
  /** This collector's token (vcol_…). */
  token: string;
  /** Where the buffer file lives. */
  dataDir: string;
  version: string;
  /** Append every result produced to this file as JSON lines (diagnostics, fault tests). */
  resultLog?: string | undefined;
  /** Probes at once. */
  concurrency?: number;
  /** In normal operation, one batch about this often. */
  pushEveryMs?: number;
  /** Results are committed to the buffer this often (one fsync per commit). */
  commitEveryMs?: number;
  maxBatch?: number;
  /** Retry delays after a failure: doubling from min to max (default 1 s to 15 s), ±20 % jitter. */
  backoffMinMs?: number;
  backoffMaxMs?: number;
  requestTimeoutMs?: number;
  log?: (line: string) => void;
}

interface WireCheck {
  id: string;
  type: string;
  settings: unknown;
  interval_s: number;
  timeout_ms: number;
}

interface AgentCheck {
  id: string;
  intervalMs: number;
  type: CheckType;
  settings: unknown;
  timeoutMs: number;
  probeState: unknown;
  /** The definition as received, to see whether it changed. */
  def: string;
}

/** About 2 M characters of JSON per batch: under the server's 8 MB body limit whatever the encoding. */
const MAX_BATCH_CHARS = 2_000_000;
const MESSAGE_CHARS = 1000;

export class CollectorAgent {
  readonly buffer: LocalBuffer;
  readonly scheduler: Scheduler<AgentCheck>;
  readonly stats = { produced: 0, batchesSent: 0, resultsSent: 0, duplicates: 0, refused: 0, rejectedBatches: 0, failures: 0, configPulls: 0 };
  private readonly base: string;
  private fresh: BufferedResult[] = [];
  private readonly known = new Map<string, AgentCheck>();
  private running = false;
  private draining = false;
  private drainUntil = 0;
  private etag: string | null = null;
  private pollMs = 30_000;
  private serverLastSeq = 0;
  private synced: boolean;
  private backoffMs: number;
  private failingSince: number | null = null;
  private lastFailureLog = 0;
  private commitTimer: NodeJS.Timeout | null = null;
  private readonly wakers = new Set<() => void>();
  private loops: Promise<void>[] = [];
  private readonly log: (line: string) => void;

  constructor(private readonly opts: CollectorOptions) {
    this.base = opts.server.replace(/\/+$/, '');
    this.log = opts.log ?? ((l) => console.log(`${new Date().toISOString()} ${l}`));
    this.buffer = new LocalBuffer(join(opts.dataDir, 'collector-buffer.sqlite'), { resultLog: opts.resultLog });
    this.scheduler = new Scheduler<AgentCheck>({ concurrency: opts.concurrency ?? 128, run: (c, slot) => this.runCheck(c, slot) });
    this.backoffMs = opts.backoffMinMs ?? 1000;
    this.serverLastSeq = Number(this.buffer.getMeta('server_last_seq') ?? '0');
    this.synced = this.buffer.getMeta('server_last_seq') !== null;
  }

  async start(): Promise<void> {
    this.running = true;
    const cached = this.buffer.getMeta('config');
    if (cached) {
      const c = JSON.parse(cached) as { version: string; poll_s: number; checks: WireCheck[] };
      this.applyConfig(c.checks);
      this.etag = c.version;
      this.log(`running the ${this.scheduler.size} checks last received (version ${c.version.slice(0, 8)}) until the server answers`);
    }
    this.scheduler.start();
    this.commitTimer = setInterval(() => this.commit(), this.opts.commitEveryMs ?? 100);
    this.loops = [this.configLoop(), this.pushLoop()];
  }

  /** Stops the checks, keeps every result produced, and tries to deliver the backlog for up to `drainMs`. */
  async stop(drainMs = 10_000): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.scheduler.stop();
    const deadline = Date.now() + 30_000;
    while (this.scheduler.stats.running > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    if (this.commitTimer) clearInterval(this.commitTimer);
    this.commit();
    this.draining = true;
    this.drainUntil = Date.now() + drainMs;
    this.wake();
    await Promise.all(this.loops);
    this.commit();
    this.buffer.close();
  }

  // ---------------------------------------------------------------- checks

  private async runCheck(c: AgentCheck, slot: RunOutcome): Promise<void> {
    const invalid = (c.settings as { __invalid?: string }).__invalid;
    const r = invalid !== undefined
      ? { status: 'down' as const, latencyMs: null, message: `invalid settings: ${invalid}`, state: undefined }
      : await probes[c.type].run(c.settings, { timeoutMs: c.timeoutMs, state: c.probeState });
    if (r.state !== undefined) c.probeState = r.state;
    const out: BufferedResult = { check_id: c.id, at: slot.startedAt, status: r.status, latency_ms: r.latencyMs, message: r.message.slice(0, MESSAGE_CHARS) };
    if (r.state !== undefined) out.probe_state = r.state;
    this.fresh.push(out);
    this.stats.produced++;
  }

  /** Writes what the probes produced to the buffer, in one transaction. */
  private commit(): void {
    if (this.fresh.length === 0) return;
    const rows = this.fresh;
    this.fresh = [];
    this.buffer.add(rows);
  }

  private applyConfig(checks: WireCheck[]): void {
    const seen = new Set<string>();
    for (const w of checks) {
      seen.add(w.id);
      const def = JSON.stringify(w);
      const existing = this.scheduler.has(w.id) ? this.known.get(w.id) : undefined;
      if (existing && existing.def === def) continue;
      const probe = probes[w.type as CheckType];
      const parsed = probe?.settings.safeParse(w.settings);
      if (!probe) this.log(`check ${w.id}: type "${w.type}" unknown to this collector version: update the collector`);
      const c: AgentCheck = {
        id: w.id,
        intervalMs: w.interval_s * 1000,
        type: w.type as CheckType,
        settings: parsed?.success ? parsed.data : { __invalid: parsed ? parsed.error.issues.map((i) => i.path.join('.') || 'settings').join(', ') : `unknown type ${w.type}` },
        timeoutMs: w.timeout_ms,
        probeState: existing?.probeState,
        def,
      };
      this.known.set(w.id, c);
      this.scheduler.upsert(c);
    }
    for (const id of [...this.known.keys()]) {
      if (!seen.has(id)) {
        this.known.delete(id);
        this.scheduler.remove(id);
      }
    }
  }
  // ---------------------------------------------------------------- server

  /** `inFlight`: results of the request's own batch, not counted in the backlog it reports. */
  private async request(method: 'GET' | 'POST', path: string, body?: string, extra: Record<string, string> = {}, inFlight = 0): Promise<Response> {
    return fetch(`${this.base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.opts.token}`,
        [COLLECTOR_VERSION_HEADER]: this.opts.version,
        [COLLECTOR_BACKLOG_HEADER]: String(this.buffer.backlog + this.fresh.length - inFlight),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...extra,
      },
      ...(body === undefined ? {} : { body }),
      signal: AbortSignal.timeout(this.opts.requestTimeoutMs ?? 30_000),
    });
  }

  private noteLastSeq(res: Response): void {
    const n = Number(res.headers.get(LAST_SEQ_HEADER));
    if (!Number.isSafeInteger(n) || n < 0) return;
    if (!this.synced) {
      this.synced = true;
      this.buffer.setMeta('server_last_seq', String(n));
    }
    if (n > this.serverLastSeq) {
      this.serverLastSeq = n;
      // Only worth a write when the server is ahead of our own numbering (a new or restored buffer).
      if (n >= Number(this.buffer.getMeta('next_seq') ?? '1')) this.buffer.setMeta('server_last_seq', String(n));
    }
  }

  private async configLoop(): Promise<void> {
    while (this.running) {
      try {
        await this.pullConfig();
      } catch (e) {
        this.failed(`config: ${(e as Error).message}`);
      }
      await this.sleep(this.pollMs);
    }
  }

  private async pullConfig(): Promise<void> {
    const res = await this.request('GET', '/api/v1/collector/checks', undefined, this.etag ? { 'if-none-match': `"${this.etag}"` } : {});
    this.stats.configPulls++;
    if (res.status === 401) throw new Error(`the server refuses this collector's token (${await res.text()}): was it revoked?`);
    this.noteLastSeq(res);
    if (res.status === 304) return;
    if (!res.ok) throw new Error(`HTTP ${res.status} ${(await res.text()).slice(0, 200)}`);
    const c = (await res.json()) as { version: string; poll_s: number; checks: WireCheck[] };
    const first = this.etag === null;
    this.applyConfig(c.checks);
    this.etag = c.version;
    this.pollMs = Math.max(5, c.poll_s) * 1000;
    this.buffer.setMeta('config', JSON.stringify({ version: c.version, poll_s: c.poll_s, checks: c.checks }));
    this.log(`${first ? 'received' : 'updated'} configuration ${c.version.slice(0, 8)}: ${this.scheduler.size} checks`);
    // The pusher waits for the first contact before numbering batches: wake it.
    this.wake();
  }

  private async pushLoop(): Promise<void> {
    for (;;) {
      if (!this.running && !(this.draining && Date.now() < this.drainUntil && this.buffer.backlog > 0)) return;
      // Numbering waits until the server has told us the last number it has (a new buffer must not
      // reuse numbers the server already holds for this collector).
      if (!this.synced) {
        if (!this.running) return;
        await this.sleep(this.backoffMs);
        continue;
      }
      this.commit();
      const batch = this.buffer.nextBatch(this.opts.maxBatch ?? MAX_RESULTS_PER_BATCH, MAX_BATCH_CHARS, this.serverLastSeq + 1);
      if (!batch) {
        if (!this.running) return;
        await this.sleep(this.opts.pushEveryMs ?? 1000);
        continue;
      }
      let ok = false;
      try {
        const res = await this.request('POST', '/api/v1/collector/results', batch.body, {}, batch.count);
        this.noteLastSeq(res);
        const text = await res.text();
        if (res.ok) {
          const a = JSON.parse(text) as { applied: boolean; stored: number; refused: number };
          this.buffer.ack(batch.seq);
          ok = true;
          this.stats.batchesSent++;
          this.stats.resultsSent += batch.count;
          if (!a.applied) this.stats.duplicates++;
          if (a.refused) {
            this.stats.refused += a.refused;
            this.log(`batch ${batch.seq}: the server refused ${a.refused} results (checks no longer assigned to this collector)`);
          }
          this.recovered();
        } else if (res.status === 400 || res.status === 413 || res.status === 422) {
          // The batch itself is invalid: resending it cannot help, and it must not block the others.
          this.buffer.reject(batch.seq, res.status, text);
          this.stats.rejectedBatches++;
          this.log(`batch ${batch.seq} (${batch.count} results) rejected by the server, set aside in the buffer's "rejected" table: HTTP ${res.status} ${text.slice(0, 300)}`);
          ok = true;
        } else {
          this.failed(`results: HTTP ${res.status} ${text.slice(0, 200)}`);
        }
      } catch (e) {
        this.failed(`results: ${(e as Error).message}`);
      }
      if (!ok) {
        if (!this.running) return; // draining: one failure ends the attempt, the buffer keeps the rest
        await this.sleep(this.jittered(this.backoffMs));
        this.backoffMs = Math.min(this.backoffMs * 2, this.opts.backoffMaxMs ?? 15_000);
        continue;
      }
      // A full batch means a backlog: send the next at once. Otherwise let results gather.
      if (this.running && this.buffer.pendingCount < (this.opts.maxBatch ?? MAX_RESULTS_PER_BATCH)) await this.sleep(this.opts.pushEveryMs ?? 1000);
    }
  }

  private jittered(ms: number): number {
    return Math.round(ms * (0.8 + Math.random() * 0.4));
  }

  private failed(why: string): void {
    this.stats.failures++;
    const now = Date.now();
    if (this.failingSince === null) {
      this.failingSince = now;
      this.lastFailureLog = now;
      this.log(`server unreachable (${why}); results are kept in the buffer (backlog ${this.buffer.backlog}) and retried with backoff`);
    } else if (now - this.lastFailureLog > 60_000) {
      this.lastFailureLog = now;
      this.log(`server still unreachable after ${Math.round((now - this.failingSince) / 1000)} s (${why}); backlog ${this.buffer.backlog}`);
    }
  }

  private recovered(): void {
    this.backoffMs = this.opts.backoffMinMs ?? 1000;
    if (this.failingSince !== null) {
      this.log(`server reachable again after ${Math.round((Date.now() - this.failingSince) / 1000)} s: delivering the backlog (${this.buffer.backlog} results)`);
      this.failingSince = null;
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t);
        this.wakers.delete(done);
        resolve();
      };
      const t = setTimeout(done, ms);
      this.wakers.add(done);
    });
  }

  private wake(): void {
    for (const w of [...this.wakers]) w();
  }
}

/** Runs a collector until SIGINT or SIGTERM, then stops it cleanly (results kept, backlog pushed if possible). */
export async function runCollector(opts: CollectorOptions): Promise<void> {
  const url = new URL(opts.server);
  const log = opts.log ?? ((l: string) => console.log(`${new Date().toISOString()} ${l}`));
  if (url.protocol !== 'https:' && !['localhost', '127.0.0.1', '[::1]'].includes(url.hostname)) {
    log(`warning: ${url.origin} is plain HTTP: the token and results cross the network unencrypted; use https://`);
  }
  const agent = new CollectorAgent({ ...opts, log });
  log(`Vigie collector ${opts.version}: server ${url.origin}, buffer ${agent.buffer.file} (backlog ${agent.buffer.backlog})`);
  await agent.start();
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      log(`${signal} received: stopping (pushing what is buffered, for up to 10 s)…`);
      void agent.stop().then(() => {
        log(`stopped; ${agent.buffer.backlog === 0 ? 'nothing left in the buffer' : 'the rest stays in the buffer for the next start'}`);
        resolve();
      });
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
  });
}
