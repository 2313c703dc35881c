/**
 * Supervision shared by several processes on PostgreSQL (`vigie worker`, `vigie serve`): per-slot
 * claiming.
 *
 * Every process runs a claim loop. Each tick takes, in one short transaction, the server-run checks
 * that are due (or about to be, within the tick), skipping rows another process holds:
 *
 *   SELECT … FROM checks WHERE enabled = 1 AND collector_id IS NULL AND type <> 'heartbeat'
 *     AND next_due_at <= now + lookahead AND (lease_until IS NULL OR lease_until < now)
 *     ORDER BY next_due_at LIMIT n FOR UPDATE SKIP LOCKED
 *
 * and in the same transaction advances each row's `next_due_at` to the check's next slot (on the same
 * stable per-check grid the single-process Scheduler uses) and sets `lease_owner`/`lease_until` to
 * cover the run (until its timeout plus a margin). The row's `next_due_at` is the fence: a slot can be
 * taken once only, by whichever process commits first, whatever the clocks say. The lease keeps the
 * next slot from starting elsewhere while a slow run of this one is still going (like the Scheduler's
 * "missed" rule). A process that dies loses at most the slots it had claimed and not finished; the
 * next slots of those checks are claimed by the others as they come due (after the lease, which ends
 * before the next slot unless the timeout is close to the interval): within two intervals.
 *
 * Results go through the same Ingestor as the single-process engine. Sweeps (maintenance, silent
 * checks, late heartbeats) run in one process at a time, under an advisory lock.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { sql } from 'kysely';
import { parseJson } from '../../core/json.ts';
import type { Db } from '../../db/database.ts';
import { probeOnce, runSweeps } from './engine.ts';
import { Ingestor, type BatchOutcome, type Runtime } from './ingest.ts';
import { probes } from './probes/index.ts';
import type { CheckType } from './probes/types.ts';
import { nextSlot } from './scheduler.ts';

export interface ClaimEngineOptions {
  /** Who holds the leases (unique per process); default host:pid:random. */
  owner?: string;
  /** Probes running at once in this process. */
  concurrency?: number;
  /** Claim loop period (±25 % jitter); checks due before the next tick are claimed ahead and started on time. */
  tickMs?: number;
  /** Most checks claimed per tick. */
  batch?: number;
  /** Added to a run's timeout for its lease. */
  leaseMarginMs?: number;
  sweepMs?: number;
  flushMs?: number;
}

interface Claimed {
  id: string;
  type: CheckType;
  settings: unknown;
  timeoutMs: number;
  probeState: unknown;
  /** When this slot is due (its run starts then, or at once if already late). */
  dueAt: number;
  /** The check's next slot: a run that could not start before it is skipped (that slot is someone's). */
  nextDueAt: number;
}

export interface ClaimEngineStats {
  /** Claim transactions run, and checks claimed by them. */
  claims: number;
  claimed: number;
  /** Runs started, and their lateness (start − due), ms. */
  run: number;
  lateMaxMs: number;
  running: number;
  queued: number;
  /** Slots handed back at a clean stop (claimed, not started). */
  released: number;
  /** Claimed slots skipped because they could not start before the check's next slot (saturation). */
  missed: number;
  failed: number;
}

/** A lease owner name for this process: host, pid and a random part (a restarted pid is another owner). */
export function processOwnerName(): string {
  return `${hostname().slice(0, 40)}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

export class ClaimEngine {
  readonly owner: string;
  readonly ingestor: Ingestor;
  readonly stats: ClaimEngineStats = { claims: 0, claimed: 0, run: 0, lateMaxMs: 0, running: 0, queued: 0, released: 0, missed: 0, failed: 0 };
  private queue: Claimed[] = [];
  private tickTimer: NodeJS.Timeout | null = null;
  private dispatchTimer: NodeJS.Timeout | null = null;
  private dispatchAt = Infinity;
  private sweepTimer: NodeJS.Timeout | null = null;
  private running = false;
  private ticking: Promise<void> | null = null;
  private more = false;
  /** Parsed settings by check, reused while the stored text is the same (no zod parse per run). */
  private readonly parsedSettings = new Map<string, { raw: string; type: string; value: unknown }>();
  private readonly idle = new Set<() => void>();
  private onTransitionsFn: ((t: BatchOutcome['transitions']) => void | Promise<void>) | null = null;
  private readonly concurrency: number;
  private readonly tickMs: number;
  private readonly batch: number;
  private readonly leaseMarginMs: number;

  constructor(
    private readonly db: Db,
    private readonly opts: ClaimEngineOptions = {},
  ) {
    if (db.dialect !== 'postgres') throw new Error('ClaimEngine runs on PostgreSQL; SQLite uses the single-process MonitoringEngine');
    this.owner = (opts.owner ?? processOwnerName()).slice(0, 64);
    this.concurrency = opts.concurrency ?? 256;
    this.tickMs = opts.tickMs ?? 500;
    this.batch = opts.batch ?? 2000;
    this.leaseMarginMs = opts.leaseMarginMs ?? 5000;
    this.ingestor = new Ingestor(db, { flushMs: opts.flushMs ?? 250 });
  }

  /** Transitions of every applied batch and sweep, for alerting. */
  set onTransitions(fn: (t: BatchOutcome['transitions']) => void | Promise<void>) {
    this.onTransitionsFn = fn;
    this.ingestor.onTransitions = fn;
  }

  start(): void {
    this.running = true;
    this.scheduleTick(0);
    const sweep = this.opts.sweepMs ?? 10_000;
    this.sweepTimer = setInterval(() => void this.sweep().catch(() => {}), sweep);
    this.sweepTimer.unref();
  }

  /** Stops claiming, hands back the slots claimed but not started, waits for runs in progress, flushes results. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.tickTimer) clearTimeout(this.tickTimer);
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    if (this.dispatchTimer) clearTimeout(this.dispatchTimer);
    this.tickTimer = this.sweepTimer = this.dispatchTimer = null;
    await this.ticking;
    const unstarted = this.queue;
    this.queue = [];
    this.stats.queued = 0;
    if (unstarted.length) await this.release(unstarted).catch(() => {});
    while (this.stats.running > 0) await new Promise<void>((r) => this.idle.add(r));
    await this.ingestor.close();
  }

  private scheduleTick(ms: number): void {
    if (!this.running) return;
    this.tickTimer = setTimeout(() => {
      this.ticking = this.tick().finally(() => {
        this.ticking = null;
        // A full claim means more is due: claim again at once (the queue drains as fast as probes start).
        // Otherwise a jittered period, so processes' ticks drift apart and share the slots about evenly
        // (with aligned ticks, the first to claim would take nearly everything due).
        this.scheduleTick(this.more ? 0 : this.tickMs * (0.75 + Math.random() * 0.5));
      });
    }, ms);
  }

  private async tick(): Promise<void> {
    this.more = false;
    // Claim no more than this process can start soon: a saturated process leaves the rest to others.
    const room = Math.min(this.batch, 2 * this.concurrency - this.stats.running - this.queue.length);
    if (room <= 0) return;
    try {
      const got = await this.claim(room, Date.now());
      this.more = got.length === room;
      if (got.length && this.running) {
        for (const c of got) this.queue.push(c);
        this.queue.sort((a, b) => a.dueAt - b.dueAt);
        this.stats.queued = this.queue.length;
        this.dispatch();
      } else if (got.length) {
        await this.release(got);
      }
    } catch {
      // The database is away: nothing was claimed (the transaction rolled back); try at the next tick.
    }
  }

  /** Takes up to `limit` due checks for this process, in one transaction; returns them with their slot. */
  async claim(limit: number, now: number): Promise<Claimed[]> {
    // Ahead by the longest tick period: whatever comes due before the next tick starts on time.
    const horizon = now + this.tickMs * 1.25;
    return this.db.kysely.transaction().execute(async (trx) => {
      // Literal predicates, the same as the partial index `checks_claim`, so the planner can use it.
      const rows = await sql<{ id: string; type: string; settings: string; interval_s: number; timeout_ms: number; runtime: string; next_due_at: number }>`
        select id, type, settings, interval_s, timeout_ms, runtime, next_due_at from checks
        where enabled = 1 and collector_id is null and type <> 'heartbeat'
          and next_due_at <= ${horizon} and (lease_until is null or lease_until < ${now})
        order by next_due_at
        limit ${limit}
        for update skip locked`.execute(trx);
      this.stats.claims++;
      if (rows.rows.length === 0) return [];
      const out: Claimed[] = [];
      const ids: string[] = [], next: number[] = [], lease: number[] = [];
      for (const r of rows.rows) {
        const due = Number(r.next_due_at);
        const runAt = Math.max(due, now);
        const iv = r.interval_s * 1000;
        const nextDueAt = nextSlot(r.id, iv, runAt + 1);
        ids.push(r.id);
        next.push(nextDueAt);
        lease.push(runAt + r.timeout_ms + this.leaseMarginMs);
        const type = r.type as CheckType;
        out.push({
          id: r.id,
          type,
          settings: this.settingsOf(r.id, type, r.settings),
          timeoutMs: r.timeout_ms,
          probeState: parseJson<Runtime>(r.runtime, {} as Runtime).probe,
          dueAt: runAt,
          nextDueAt,
        });
      }
      await sql`
        update checks c set lease_owner = ${this.owner}, lease_until = u.lease_until, next_due_at = u.next_due_at
        from unnest(${ids}::varchar[], ${next}::bigint[], ${lease}::bigint[]) as u(id, next_due_at, lease_until)
        where c.id = u.id`.execute(trx);
      this.stats.claimed += out.length;
      return out;
    });
  }

  /** Settings that no longer parse (a newer schema) make a down result naming them, not a crash. */
  private settingsOf(id: string, type: CheckType, raw: string): unknown {
    const hit = this.parsedSettings.get(id);
    if (hit && hit.raw === raw && hit.type === type) return hit.value;
    const probe = probes[type];
    const parsed = probe?.settings.safeParse(parseJson(raw, {}));
    const value = parsed?.success ? parsed.data : { __invalid: parsed ? parsed.error.issues.map((i) => i.path.join('.') || 'settings').join(', ') : `unknown type ${type}` };
    if (this.parsedSettings.size > 200_000) this.parsedSettings.clear();
    this.parsedSettings.set(id, { raw, type, value });
    return value;
  }

  /** Hands slots back (claimed, never started): due again at their time, lease cleared. */
  private async release(items: Claimed[]): Promise<void> {
    await sql`
      update checks c set next_due_at = u.due, lease_owner = null, lease_until = null
      from unnest(${items.map((i) => i.id)}::varchar[], ${items.map((i) => i.dueAt)}::bigint[]) as u(id, due)
      where c.id = u.id and c.lease_owner = ${this.owner}`.execute(this.db.kysely);
    this.stats.released += items.length;
  }

  /** Starts what is due, within the concurrency bound; one timer for the next one. */
  private dispatch(): void {
    if (this.dispatchTimer) clearTimeout(this.dispatchTimer);
    this.dispatchTimer = null;
    this.dispatchAt = Infinity;
    const now = Date.now();
    let i = 0;
    while (i < this.queue.length && this.stats.running < this.concurrency && this.queue[i]!.dueAt <= now) {
      const c = this.queue[i++]!;
      // Started this late, it would run in its next slot, which is claimable by then: skip it, as
      // the Scheduler skips a slot whose check is still busy. At most one run per slot, always.
      if (now >= c.nextDueAt) this.stats.missed++;
      else this.launch(c, now);
    }
    if (i) this.queue = this.queue.slice(i);
    this.stats.queued = this.queue.length;
    const head = this.queue[0];
    if (head && this.running && this.stats.running < this.concurrency) {
      this.dispatchAt = head.dueAt;
      this.dispatchTimer = setTimeout(() => this.dispatch(), Math.max(0, head.dueAt - Date.now()));
    }
  }

  private launch(c: Claimed, startedAt: number): void {
    this.stats.run++;
    this.stats.running++;
    this.stats.lateMaxMs = Math.max(this.stats.lateMaxMs, startedAt - c.dueAt);
    void this.runCheck(c, startedAt)
      .catch(() => {
        this.stats.failed++;
      })
      .finally(() => {
        this.stats.running--;
        if (this.stats.running === 0) for (const r of this.idle) r();
        this.idle.clear();
        if (this.running) this.dispatch();
      });
  }

  private async runCheck(c: Claimed, startedAt: number): Promise<void> {
    const invalid = (c.settings as { __invalid?: string }).__invalid;
    this.ingestor.push(
      invalid !== undefined
        ? { checkId: c.id, at: startedAt, status: 'down', latencyMs: null, message: `invalid settings: ${invalid}` }
        : await probeOnce(c, startedAt),
    );
  }

  /** Silent checks and late heartbeats, by one process at a time (the others skip this round). */
  async sweep(now = Date.now()): Promise<BatchOutcome['transitions']> {
    const client = await this.db.pool!.connect();
    // Per schema: several Vigie databases (or test schemas) may share one PostgreSQL database.
    const key = `hashtext(current_schema() || ':vigie:sweep')`;
    try {
      const r = await client.query<{ ok: boolean }>(`select pg_try_advisory_lock(${key}) as ok`);
      if (!r.rows[0]?.ok) return [];
      try {
        const all = await runSweeps(this.db, now);
        if (all.length && this.onTransitionsFn) await this.onTransitionsFn(all);
        return all;
      } finally {
        await client.query(`select pg_advisory_unlock(${key})`);
      }
    } finally {
      client.release();
    }
  }
}
