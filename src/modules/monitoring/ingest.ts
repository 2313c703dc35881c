/**
 * Result ingestion: the one path by which probe results — from this process's scheduler or from a
 * site collector — become stored results, check states, state periods and transitions.
 *
 * Results are buffered and applied in batches, each in ONE transaction: the raw rows, the states of
 * the checks concerned (read back from the database, so several processes can share the work), the
 * periods that close and open, and — for a collector's batch — its receipt (collector, sequence), so
 * a batch sent twice is applied once. Row writes use each database's fast path: prepared statements
 * on SQLite (we hold its only connection inside the transaction), `unnest` arrays on PostgreSQL.
 */
import { sql } from 'kysely';
import { newId } from '../../core/ids.ts';
import { parseJson } from '../../core/json.ts';
import type { Db } from '../../db/database.ts';
import type { Executor } from '../../db/tx.ts';
import { busFor, type LiveState } from './bus.ts';
import { markLateMinutes } from './rollup-job.ts';
import { insertResults, STATUS_CODE, type ResultRow } from './result-store.ts';
import { DEFAULT_MACHINE_CONFIG, initialCheckState, noData, step, type CheckState, type MachineConfig, type ProbeStatus, type Transition } from './state-machine.ts';

/** One result to ingest, with its check's key. */
export interface IncomingResult {
  checkId: string;
  at: number;
  status: ProbeStatus;
  latencyMs: number | null;
  message: string;
  /** A stateful probe's memory to keep for the next run (SNMP counters). */
  probeState?: unknown;
}

/** What a check keeps between runs, in `checks.runtime`. */
export interface Runtime {
  machine: CheckState;
  probe?: unknown;
}

export interface BatchReceipt {
  collectorId: string;
  seq: number;
}

export interface BatchOutcome {
  /** False when this collector batch had already been applied (nothing was written). */
  applied: boolean;
  stored: number;
  transitions: (Transition & { checkId: string; clientId: string })[];
}

/** The machine's settings for one check row. */
export function machineConfigOf(c: { retries: number; recovery_threshold: number; interval_s: number }): MachineConfig {
  return { ...DEFAULT_MACHINE_CONFIG, retries: c.retries, recoveryThreshold: c.recovery_threshold, intervalMs: c.interval_s * 1000 };
}

interface CheckSlice {
  id: string;
  no: number;
  client_id: string;
  retries: number;
  recovery_threshold: number;
  interval_s: number;
  state: string;
  runtime: string;
  last_status: string | null;
}

/**
 * Applies one batch of results in one transaction; results of unknown (deleted) checks are dropped.
 * Within a check, results are applied in time order; one older than the check's last is stored but
 * does not move the state (the machine ignores it).
 */
export async function applyResults(db: Db, results: readonly IncomingResult[], receipt?: BatchReceipt): Promise<BatchOutcome> {
  const outcome = await db.kysely.transaction().execute(async (trx) => {
    if (receipt) {
      const fresh = await insertReceipt(trx, db, receipt, results.length);
      if (!fresh) return { applied: false, stored: 0, transitions: [], live: [] as LiveState[] };
    }
    const byCheck = new Map<string, IncomingResult[]>();
    for (const r of results) {
      const list = byCheck.get(r.checkId);
      if (list) list.push(r);
      else byCheck.set(r.checkId, [r]);
    }
    // On PostgreSQL several processes apply results: lock the checks' rows (in id order, so two batches
    // never wait on each other crosswise) so each machine steps from the state the last one committed.
    const checks = await loadChecks(trx, [...byCheck.keys()].sort(), db.dialect === 'postgres');
    const rows: ResultRow[] = [];
    const updates: CheckUpdate[] = [];
    const transitions: BatchOutcome['transitions'] = [];
    const live: LiveState[] = [];
    for (const c of checks) {
      const list = byCheck.get(c.id)!.sort((a, b) => a.at - b.at);
      const config = machineConfigOf(c);
      const rt = parseJson<Runtime>(c.runtime, { machine: initialCheckState(Date.now()) });
      let machine = rt.machine ?? initialCheckState(Date.now());
      let probeState = rt.probe;
      let prevStatus = c.last_status;
      let last: IncomingResult | null = null;
      for (const r of list) {
        // Keep the message only when it says something: a problem, or the first result after one.
        // "HTTP 200 in 3 ms" every minute would be most of the table's size for nothing.
        const keep = r.status !== 'up' || prevStatus !== 'up' ? r.message.slice(0, 500) : null;
        prevStatus = r.status;
        rows.push({ checkNo: c.no, at: r.at, status: STATUS_CODE[r.status], latencyUs: r.latencyMs === null ? null : Math.round(r.latencyMs * 1000), message: keep });
        const s = step(machine, { status: r.status, at: r.at, message: r.message }, config);
        if (s.ignored) continue;
        machine = s.state;
        last = r;
        if (r.probeState !== undefined) probeState = r.probeState;
        if (s.transition) transitions.push({ ...s.transition, checkId: c.id, clientId: c.client_id });
      }
      if (!last) continue;
      updates.push({
        id: c.id, state: machine.state, stateSince: machine.since, runtime: JSON.stringify(probeState === undefined ? { machine } : { machine, probe: probeState }),
        lastResultAt: last.at, lastStatus: last.status, lastLatencyMs: last.latencyMs, lastMessage: last.message.slice(0, 500),
      });
      live.push({ checkId: c.id, clientId: c.client_id, state: machine.state, since: machine.since, lastResultAt: last.at, lastStatus: last.status, lastLatencyMs: last.latencyMs, lastMessage: last.message });
    }
    const stored = await insertResults(trx, db, rows);
    // Results older than the rollup job's lag may land in minutes it has already rolled: mark them.
    await markLateMinutes(trx, db, rows, Date.now());
    await updateChecks(trx, db, updates);
    await recordTransitions(trx, transitions);
    return { applied: true, stored, transitions, live };
  });
  if (outcome.live.length) busFor(db).emit('live', outcome.live);
  return { applied: outcome.applied, stored: outcome.stored, transitions: outcome.transitions };
}

/** When this process started: a collector is not blamed for a silence nobody was listening to. */
export const LISTENING_SINCE = Date.now();

/**
 * True when a collector check's missing results may still be on their way: the collector has called
 * since we listen, recently, and said results are waiting in its buffer (it replays them oldest
 * first); or we have not listened long enough yet to call it silent (this server was down: the
 * collector kept its results and will push them once it notices we are back).
 */
export function collectorDataOnTheWay(contactAt: number | null, backlog: number | null, now: number, listeningSince: number, config: MachineConfig): boolean {
  const window = 2 * config.intervalMs + config.graceMs;
  const heardSinceListening = contactAt !== null && contactAt >= listeningSince;
  if (!heardSinceListening) return now - listeningSince < window;
  return now - contactAt < window && (backlog ?? 0) > 0;
}

/**
 * Marks checks whose results stopped coming as unknown (collector silent, process stopped): the
 * machine decides, from each check's interval. Heartbeat checks are different: a missing beat is the
 * failure being watched for, so they go down instead (see `sweepHeartbeats`). A collector's check is
 * left alone while its results are on their way (see `collectorDataOnTheWay`). A check that got a
 * result since it was read is left alone too (the update is conditional), so a sweep racing a batch
 * never overwrites the state that batch wrote.
 */
export async function sweepSilentChecks(db: Db, now = Date.now(), opts: { listeningSince?: number } = {}): Promise<BatchOutcome['transitions']> {
  const listeningSince = opts.listeningSince ?? LISTENING_SINCE;
  const candidates = await db.kysely
    .selectFrom('checks as k')
    .leftJoin('collectors as col', 'col.id', 'k.collector_id')
    .select([
      'k.id', 'k.no', 'k.client_id', 'k.retries', 'k.recovery_threshold', 'k.interval_s', 'k.state', 'k.runtime', 'k.last_message', 'k.last_result_at', 'k.collector_id',
      'col.last_contact_at as collector_contact_at', 'col.backlog as collector_backlog',
    ])
    .where('k.enabled', '=', 1)
    .where('k.type', '!=', 'heartbeat')
    .where('k.state', 'not in', ['unknown', 'maintenance'])
    // Only those already past 2 intervals + grace: the machine would leave the others as they are, and
    // reading every check's runtime at every sweep was most of a 20,000-check process's CPU.
    .where(sql<number>`k.last_result_at + 2000 * k.interval_s + ${DEFAULT_MACHINE_CONFIG.graceMs}`, '<=', now)
    // Id order: the same order in which result batches lock checks on PostgreSQL (no crosswise waits).
    .orderBy('k.id')
    .execute();
  const transitions: BatchOutcome['transitions'] = [];
  const live: LiveState[] = [];
  await db.kysely.transaction().execute(async (trx) => {
    for (const c of candidates) {
      const config = machineConfigOf(c);
      const contact = c.collector_contact_at === null ? null : Number(c.collector_contact_at);
      if (c.collector_id !== null && collectorDataOnTheWay(contact, c.collector_backlog === null ? null : Number(c.collector_backlog), now, listeningSince, config)) continue;
      const rt = parseJson<Runtime>(c.runtime, { machine: initialCheckState(now) });
      const s = noData(rt.machine, now, config);
      if (!s.transition) continue;
      const res = await trx
        .updateTable('checks')
        .set({ state: s.state.state, state_since: s.state.since, runtime: JSON.stringify({ ...rt, machine: s.state }) })
        .where('id', '=', c.id)
        .where('last_result_at', '=', c.last_result_at)
        .where('state', '=', c.state)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) continue;
      const t = { ...s.transition, checkId: c.id, clientId: c.client_id };
      transitions.push(t);
      live.push({ checkId: c.id, clientId: c.client_id, state: s.state.state, since: s.state.since, lastResultAt: c.last_result_at === null ? null : Number(c.last_result_at), lastStatus: null, lastLatencyMs: null, lastMessage: c.last_message });
    }
    await recordTransitions(trx, transitions);
  });
  if (live.length) busFor(db).emit('live', live);
  return transitions;
}

// ---------------------------------------------------------------- storage, per dialect

interface CheckUpdate {
  id: string;
  state: string;
  stateSince: number;
  runtime: string;
  lastResultAt: number;
  lastStatus: string;
  lastLatencyMs: number | null;
  lastMessage: string;
}

async function loadChecks(trx: Executor, ids: string[], forUpdate = false): Promise<CheckSlice[]> {
  const out: CheckSlice[] = [];
  for (let i = 0; i < ids.length; i += 500) {
    const q = trx
      .selectFrom('checks')
      .select(['id', 'no', 'client_id', 'retries', 'recovery_threshold', 'interval_s', 'state', 'runtime', 'last_status'])
      .where('id', 'in', ids.slice(i, i + 500))
      .orderBy('id');
    out.push(...(await (forUpdate ? q.forUpdate() : q).execute()));
  }
  return out;
}

async function insertReceipt(trx: Executor, db: Db, r: BatchReceipt, count: number): Promise<boolean> {
  const res = await sql`insert into collector_batches (collector_id, seq, received_at, results) values (${r.collectorId}, ${r.seq}, ${Date.now()}, ${count}) on conflict do nothing`.execute(trx);
  void db;
  return Number(res.numAffectedRows ?? 0) === 1;
}

async function updateChecks(trx: Executor, db: Db, updates: readonly CheckUpdate[]): Promise<void> {
  if (updates.length === 0) return;
  if (db.dialect === 'sqlite') {
    const stmt = db.sqlite!.prepare(
      'update checks set state = ?, state_since = ?, runtime = ?, last_result_at = ?, last_status = ?, last_latency_ms = ?, last_message = ? where id = ?',
    );
    for (const u of updates) stmt.run(u.state, u.stateSince, u.runtime, u.lastResultAt, u.lastStatus, u.lastLatencyMs, u.lastMessage, u.id);
    return;
  }
  for (let i = 0; i < updates.length; i += 5000) {
    const p = updates.slice(i, i + 5000);
    await sql`
      update checks c set state = u.state, state_since = u.since, runtime = u.runtime, last_result_at = u.at, last_status = u.status,
                          last_latency_ms = u.latency, last_message = u.message
      from unnest(${p.map((x) => x.id)}::varchar[], ${p.map((x) => x.state)}::varchar[], ${p.map((x) => x.stateSince)}::bigint[],
                  ${p.map((x) => x.runtime)}::text[], ${p.map((x) => x.lastResultAt)}::bigint[], ${p.map((x) => x.lastStatus)}::varchar[],
                  ${p.map((x) => x.lastLatencyMs)}::real[], ${p.map((x) => x.lastMessage)}::text[])
           as u(id, state, since, runtime, at, status, latency, message)
      where c.id = u.id`.execute(trx);
  }
}

/** Closes each check's open period at the transition and opens the new one (inside the caller's transaction). */
export async function recordTransitions(trx: Executor, transitions: BatchOutcome['transitions']): Promise<void> {
  for (const t of transitions) {
    await trx.updateTable('state_periods').set({ to_at: t.at }).where('check_id', '=', t.checkId).where('to_at', 'is', null).execute();
    await trx
      .insertInto('state_periods')
      .values({ id: newId(), client_id: t.clientId, check_id: t.checkId, state: t.to, from_at: t.at, to_at: null, cause: t.message ? `${t.cause}: ${t.message}`.slice(0, 500) : t.cause })
      .execute();
  }
}

/**
 * Buffers results and applies them in batches: every `flushMs`, or at once when `maxBatch` wait.
 * `close` flushes what is left. A failed flush is retried with the next one (results are kept).
 */
export class Ingestor {
  private buffer: IncomingResult[] = [];
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  /** Called with the transitions of each applied batch (alerting listens here). */
  onTransitions: ((t: BatchOutcome['transitions']) => void | Promise<void>) | null = null;
  stats = { received: 0, stored: 0, batches: 0, errors: 0 };

  constructor(
    private readonly db: Db,
    private readonly opts: { flushMs?: number; maxBatch?: number } = {},
  ) {}

  push(r: IncomingResult): void {
    this.buffer.push(r);
    this.stats.received++;
    if (this.buffer.length >= (this.opts.maxBatch ?? 5000)) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.opts.flushMs ?? 250);
  }

  get pending(): number {
    return this.buffer.length;
  }

  /** Applies everything buffered so far; resolves when it is stored. */
  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    while (this.flushing) await this.flushing;
    if (this.buffer.length === 0) return;
    const batch = this.buffer;
    this.buffer = [];
    this.flushing = (async () => {
      let out: BatchOutcome;
      try {
        out = await applyResults(this.db, batch);
      } catch (e) {
        // Not stored: keep the results for the next flush.
        this.stats.errors++;
        this.buffer = batch.concat(this.buffer);
        this.timer ??= setTimeout(() => void this.flush(), 1000);
        this.flushing = null;
        throw e;
      }
      this.stats.stored += out.stored;
      this.stats.batches++;
      try {
        // Stored whatever a listener does: a failing listener must not get the batch applied twice
        // (alerting's own sweep catches up on what it missed).
        if (out.transitions.length && this.onTransitions) await this.onTransitions(out.transitions);
      } catch {
        this.stats.errors++;
      } finally {
        this.flushing = null;
      }
    })();
    await this.flushing.catch(() => {});
  }

  async close(): Promise<void> {
    await this.flush();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
