/**
 * Starts the supervision of one process, the right way for its database:
 * - SQLite: the single-process MonitoringEngine (`vigie serve` is the whole product).
 * - PostgreSQL: the ClaimEngine (per-slot claiming shared by every `vigie worker` and `vigie serve`),
 *   plus the LISTEN/NOTIFY bridge that carries live status to every serve process.
 */
import { AppError } from '../../core/errors.ts';
import type { Db } from '../../db/database.ts';
import { ClaimEngine, type ClaimEngineOptions } from './claim-engine.ts';
import { MonitoringEngine } from './engine.ts';
import type { BatchOutcome } from './ingest.ts';
import { PgLiveBridge } from './pg-live.ts';

export interface SupervisionOptions {
  /** `serve` listens for the other processes' live status; `worker` only publishes its own. */
  role: 'serve' | 'worker';
  /** Run checks in this process (a serve process may leave them to workers: false). */
  runChecks?: boolean;
  claim?: ClaimEngineOptions;
  /** Set before the first check runs, so no transition is missed (the same as calling `onTransitions` at once). */
  onTransitions?: (t: BatchOutcome['transitions']) => void | Promise<void>;
}

export interface Supervision {
  readonly kind: 'single-process' | 'claiming';
  /** Lease owner name on PostgreSQL. */
  readonly owner: string | null;
  readonly engine: MonitoringEngine | ClaimEngine | null;
  readonly bridge: PgLiveBridge | null;
  /** Transitions of every applied batch and sweep (alerting subscribes here). */
  onTransitions(fn: (t: BatchOutcome['transitions']) => void | Promise<void>): void;
  stop(): Promise<void>;
}

/** Starts what this process supervises; `stop` ends it cleanly (results flushed, unstarted slots handed back). */
export async function startSupervision(db: Db, opts: SupervisionOptions): Promise<Supervision> {
  const runChecks = opts.runChecks ?? true;
  if (db.dialect === 'sqlite') {
    if (opts.role === 'worker') {
      throw new AppError(400, 'worker_needs_postgres', 'vigie worker shares the checks through PostgreSQL (DATABASE_URL=postgres://…); on SQLite, `vigie serve` runs them itself');
    }
    const engine = runChecks ? new MonitoringEngine(db) : null;
    if (engine && opts.onTransitions) engine.onTransitions = opts.onTransitions;
    await engine?.start();
    return {
      kind: 'single-process', owner: null, engine, bridge: null,
      onTransitions: (fn) => {
        if (engine) engine.onTransitions = fn;
      },
      stop: async () => {
        await engine?.stop();
      },
    };
  }
  const bridge = new PgLiveBridge(db, { publish: true, listen: opts.role === 'serve' });
  await bridge.start();
  const engine = runChecks ? new ClaimEngine(db, opts.claim) : null;
  if (engine && opts.onTransitions) engine.onTransitions = opts.onTransitions;
  engine?.start();
  return {
    kind: 'claiming', owner: engine?.owner ?? null, engine, bridge,
    onTransitions: (fn) => {
      if (engine) engine.onTransitions = fn;
    },
    stop: async () => {
      await engine?.stop();
      await bridge.stop();
    },
  };
}
