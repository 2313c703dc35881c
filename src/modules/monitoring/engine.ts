/**
 * The monitoring engine of one process: loads the checks this process runs, schedules them on one
 * timer, runs their probes with bounded concurrency, and feeds the results to the ingestor; it also
 * applies maintenance windows and sweeps silent checks (unknown) and late heartbeats (down).
 * `vigie serve` runs one; so does each `vigie worker`.
 */
import { parseJson } from '../../core/json.ts';
import type { Db } from '../../db/database.ts';
import { busFor } from './bus.ts';
import { applyResults, Ingestor, sweepSilentChecks, type BatchOutcome, type IncomingResult, type Runtime } from './ingest.ts';
import { sweepMaintenance } from './maintenance-service.ts';
import { probes } from './probes/index.ts';
import type { CheckType, ProbeResult } from './probes/types.ts';
import { Scheduler, type RunOutcome } from './scheduler.ts';

export interface EngineCheck {
  id: string;
  intervalMs: number;
  type: CheckType;
  settings: unknown;
  timeoutMs: number;
  /** The probe's memory between runs (stateful probes). */
  probeState: unknown;
}

export interface EngineOptions {
  /** Probes running at once (network waits dominate: this can be high). */
  concurrency?: number;
  /** How often silent checks and late heartbeats are looked for. */
  sweepMs?: number;
  flushMs?: number;
}

export class MonitoringEngine {
  readonly scheduler: Scheduler<EngineCheck>;
  readonly ingestor: Ingestor;
  private sweepTimer: NodeJS.Timeout | null = null;
  private readonly onChange = (id: string) => void this.reload(id);
  private running = false;

  constructor(
    private readonly db: Db,
    private readonly opts: EngineOptions = {},
  ) {
    this.ingestor = new Ingestor(db, { flushMs: opts.flushMs ?? 250 });
    this.scheduler = new Scheduler<EngineCheck>({ concurrency: opts.concurrency ?? 256, run: (c, slot) => this.runCheck(c, slot) });
  }

  /** Transitions of every applied batch, for alerting. */
  set onTransitions(fn: (t: BatchOutcome['transitions']) => void | Promise<void>) {
    this.ingestor.onTransitions = fn;
  }

  async start(): Promise<void> {
    const rows = await this.db.kysely
      .selectFrom('checks')
      .select(['id', 'type', 'settings', 'interval_s', 'timeout_ms', 'runtime'])
      .where('enabled', '=', 1)
      .where('collector_id', 'is', null)
      .where('type', '!=', 'heartbeat')
      .execute();
    for (const r of rows) this.scheduler.upsert(toEngineCheck(r));
    busFor(this.db).on('checkChanged', this.onChange);
    this.running = true;
    this.scheduler.start();
    const sweep = this.opts.sweepMs ?? 10_000;
    this.sweepTimer = setInterval(() => void this.sweep().catch(() => {}), sweep);
    this.sweepTimer.unref();
  }

  async stop(): Promise<void> {
    this.running = false;
    busFor(this.db).off('checkChanged', this.onChange);
    this.scheduler.stop();
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = null;
    await this.ingestor.close();
  }

  /** Picks up a created, changed or deleted check. */
  async reload(id: string): Promise<void> {
    if (!this.running) return;
    const r = await this.db.kysely
      .selectFrom('checks')
      .select(['id', 'type', 'settings', 'interval_s', 'timeout_ms', 'runtime', 'enabled', 'collector_id'])
      .where('id', '=', id)
      .executeTakeFirst();
    if (!r || r.enabled !== 1 || r.collector_id !== null || r.type === 'heartbeat') this.scheduler.remove(id);
    else this.scheduler.upsert(toEngineCheck(r));
  }

  private async runCheck(c: EngineCheck, slot: RunOutcome): Promise<void> {
    const incoming = await probeOnce(c, slot.startedAt);
    if (incoming.probeState !== undefined) c.probeState = incoming.probeState;
    this.ingestor.push(incoming);
  }

  private async sweep(): Promise<void> {
    const all = await runSweeps(this.db);
    if (all.length && this.ingestor.onTransitions) await this.ingestor.onTransitions(all);
  }
}

/** Runs one check's probe and shapes the result for the ingestor. Probes never throw (`guarded`). */
export async function probeOnce(
  c: { id: string; type: CheckType; settings: unknown; timeoutMs: number; probeState: unknown },
  at: number,
): Promise<IncomingResult> {
  const result: ProbeResult = await probes[c.type].run(c.settings, { timeoutMs: c.timeoutMs, state: c.probeState });
  const incoming: IncomingResult = { checkId: c.id, at, status: result.status, latencyMs: result.latencyMs, message: result.message };
  if (result.state !== undefined) incoming.probeState = result.state;
  return incoming;
}

/**
 * The periodic sweeps, in order, for every engine: maintenance first (a check whose window just
 * began is muted before its silence or late beat counts), then silent checks, then late heartbeats.
 */
export async function runSweeps(db: Db, now = Date.now()): Promise<BatchOutcome['transitions']> {
  const m = await sweepMaintenance(db, now);
  const t = await sweepSilentChecks(db, now);
  const h = await sweepHeartbeats(db, now);
  return [...m, ...t, ...h];
}

function toEngineCheck(r: { id: string; type: string; settings: string; interval_s: number; timeout_ms: number; runtime: string }): EngineCheck {
  const type = r.type as CheckType;
  return {
    id: r.id,
    intervalMs: r.interval_s * 1000,
    type,
    settings: probes[type].settings.parse(parseJson(r.settings, {})),
    timeoutMs: r.timeout_ms,
    probeState: parseJson<Runtime>(r.runtime, {} as Runtime).probe,
  };
}

/**
 * A heartbeat check is down when its beat is late: one `down` result per missed slot (last beat +
 * k × interval + grace), keyed by time so repeated sweeps add nothing twice.
 */
export async function sweepHeartbeats(db: Db, now = Date.now()): Promise<BatchOutcome['transitions']> {
  const rows = await db.kysely
    .selectFrom('checks')
    .select(['id', 'interval_s', 'settings', 'last_result_at', 'created_at'])
    .where('enabled', '=', 1)
    .where('type', '=', 'heartbeat')
    .execute();
  const results: IncomingResult[] = [];
  for (const r of rows) {
    const grace = Number(parseJson<{ grace_s?: number }>(r.settings, {}).grace_s ?? 60) * 1000;
    const iv = r.interval_s * 1000;
    const last = Number(r.last_result_at ?? r.created_at);
    for (let k = 1, at = last + iv + grace; at <= now && k <= 10; k++, at += iv) {
      results.push({ checkId: r.id, at, status: 'down', latencyMs: null, message: `no beat within ${r.interval_s} s + ${grace / 1000} s grace` });
    }
  }
  if (results.length === 0) return [];
  return (await applyResults(db, results)).transitions;
}
