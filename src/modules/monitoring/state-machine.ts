/**
 * The check state machine: pure, deterministic, no I/O.
 *
 * A check has an *observed* state, confirmed from its probe outcomes (up, degraded, down) or
 * `unknown` when results stop, and a *reported* state, which is `maintenance` while a maintenance
 * window covers it and the observed state otherwise. Only a change of the reported state is a
 * transition; every transition becomes a state period (periods.ts) and may raise an alert.
 *
 * Rules:
 * - A change is confirmed by a run of consecutive outcomes all on the same side of the current
 *   observed state: `retries + 1` outcomes to get worse (so with retries ≥ 1 a single failure never
 *   downs a check), `recoveryThreshold` outcomes to get better. The state confirmed is the one the
 *   whole run agrees on: the run's outcome nearest to the current state (up, down, down from up with
 *   retries 2 confirms degraded only if one of them was degraded, down only if all three were down).
 * - The transition is dated at the first outcome of the confirming run, not at the confirming one:
 *   the check was down from its first failed probe, and availability is exact time. `confirmedAt`
 *   keeps the moment it became known (when an alert may go out). Dates never go before the current
 *   period's start, so periods stay in order.
 * - Flapping: more than `flapThreshold` unplanned transitions within `flapWindowMs` marks the check
 *   flapping; transitions still happen (the state stays true) but carry `flapping: true` so alerts
 *   are damped. Flapping ends when the window holds at most `flapStopThreshold` changes (hysteresis,
 *   so the flag itself does not flap).
 * - No data: a check with no result for 2 intervals + grace becomes unknown, dated at the moment the
 *   first missing result was due. Unknown is not down.
 * - Maintenance hides the observed state but does not stop it: probes keep being evaluated, so on
 *   leaving maintenance the check goes straight to what the probes say (still down after the
 *   maintenance → down at once).
 * - Outcomes older than the last one accepted are ignored (a collector replays its backlog in order;
 *   anything else is a duplicate or a late straggler, and history is not rewritten here).
 */

/** What one probe says. */
export type ProbeStatus = 'up' | 'degraded' | 'down';
/** What the probes support, maintenance aside. */
export type ObservedStatus = ProbeStatus | 'unknown';
/** The reported (stored) state of a check. `unreachable` is derived from dependencies, never stored. */
export type CheckStatus = ObservedStatus | 'maintenance';
/** Why a transition happened. */
export type TransitionCause = 'created' | 'probe' | 'no_data' | 'maintenance_start' | 'maintenance_end';

/** One probe outcome, at its own time (a collector's results keep their original timestamps). */
export interface ProbeOutcome {
  status: ProbeStatus;
  /** epoch ms UTC */
  at: number;
  /** the probe's own words ("HTTP 503", "timeout after 5000 ms"), carried to the transition */
  message?: string;
}

/** Settings of the machine for one check. */
export interface MachineConfig {
  /** failures tolerated before down: down is confirmed on consecutive failure number retries + 1 */
  retries: number;
  /** consecutive better outcomes needed to leave down or degraded (at least 1) */
  recoveryThreshold: number;
  /** sliding window of the flap detector */
  flapWindowMs: number;
  /** flapping starts when the window holds more than this many transitions */
  flapThreshold: number;
  /** flapping stops when the window holds at most this many transitions */
  flapStopThreshold: number;
  /** the check's interval: results are expected this often */
  intervalMs: number;
  /** extra wait beyond two intervals before declaring no data */
  graceMs: number;
}

export const DEFAULT_MACHINE_CONFIG: MachineConfig = {
  retries: 2,
  recoveryThreshold: 1,
  flapWindowMs: 10 * 60_000,
  flapThreshold: 4,
  flapStopThreshold: 1,
  intervalMs: 60_000,
  graceMs: 30_000,
};

/** A change being confirmed: the state the current run agrees on, its length and first time. */
export interface PendingChange {
  to: ProbeStatus;
  count: number;
  since: number;
}

/** Everything the machine remembers about one check (serialisable as JSON). */
export interface CheckState {
  /** reported state */
  state: CheckStatus;
  /** start of the current reported state (= start of the open period) */
  since: number;
  /** confirmed from the probes, maintenance aside */
  observed: ObservedStatus;
  inMaintenance: boolean;
  pending: PendingChange | null;
  /** consecutive `down` outcomes, raw (for messages: "3 failures in a row") */
  consecutiveFailures: number;
  /** consecutive `up` outcomes, raw */
  consecutiveSuccesses: number;
  /** time of the last accepted outcome; null before the first */
  lastResultAt: number | null;
  /** confirmation times of recent unplanned transitions, oldest first, within the flap window */
  recentTransitions: number[];
  flapping: boolean;
}

/** A change of the reported state. */
export interface Transition {
  from: CheckStatus;
  to: CheckStatus;
  /** when the new state began (start of the new period) */
  at: number;
  /** when the change was confirmed (≥ at): the time an alert may go out */
  confirmedAt: number;
  cause: TransitionCause;
  /** true when the check is flapping: alerting damps it */
  flapping: boolean;
  message?: string;
}

/** The result of feeding one event to the machine. */
export interface StepResult {
  state: CheckState;
  /** set exactly when the reported state changed */
  transition: Transition | null;
  /** flapping began or ended with this event */
  flap: 'started' | 'stopped' | null;
  /** the outcome was older than the last accepted one and changed nothing */
  ignored: boolean;
}

const SEVERITY: Record<ProbeStatus, number> = { up: 0, degraded: 1, down: 2 };

/** The state of a new check: unknown from its creation. */
export function initialCheckState(createdAt: number): CheckState {
  return {
    state: 'unknown',
    since: createdAt,
    observed: 'unknown',
    inMaintenance: false,
    pending: null,
    consecutiveFailures: 0,
    consecutiveSuccesses: 0,
    lastResultAt: null,
    recentTransitions: [],
    flapping: false,
  };
}

/** Which side of the current observed state an outcome lies. From unknown, only down is "worse". */
function direction(current: ObservedStatus, outcome: ProbeStatus): 'worse' | 'better' {
  if (current === 'unknown') return outcome === 'down' ? 'worse' : 'better';
  return SEVERITY[outcome] > SEVERITY[current] ? 'worse' : 'better';
}

/** Of two outcomes on the same side, the one the whole run supports: the nearer to the current state. */
function agreed(current: ObservedStatus, a: ProbeStatus, b: ProbeStatus): ProbeStatus {
  if (current === 'unknown') return SEVERITY[a] >= SEVERITY[b] ? a : b; // up+degraded → degraded (cautious)
  const c = SEVERITY[current];
  return Math.abs(SEVERITY[a] - c) <= Math.abs(SEVERITY[b] - c) ? a : b;
}

/** Drops flap-window entries older than the window at `now`, returns a fresh array. */
function pruneRecent(recent: readonly number[], now: number, config: MachineConfig): number[] {
  const horizon = now - config.flapWindowMs;
  let i = 0;
  while (i < recent.length && recent[i]! <= horizon) i++;
  return recent.slice(i);
}

/** Re-evaluates the flap flag on `s` (mutated: `s` is always a fresh copy here). */
function updateFlap(s: CheckState, config: MachineConfig): 'started' | 'stopped' | null {
  const n = s.recentTransitions.length;
  if (!s.flapping && n > config.flapThreshold) {
    s.flapping = true;
    return 'started';
  }
  if (s.flapping && n <= config.flapStopThreshold) {
    s.flapping = false;
    return 'stopped';
  }
  return null;
}

/**
 * Moves `s` (a fresh copy) to the reported state `to` at `at`, counting it for flap detection when
 * unplanned; returns the transition, or null when the reported state does not change.
 */
function reportChange(
  s: CheckState,
  to: CheckStatus,
  at: number,
  confirmedAt: number,
  cause: TransitionCause,
  message: string | undefined,
  config: MachineConfig,
): { transition: Transition | null; flap: 'started' | 'stopped' | null } {
  if (to === s.state) return { transition: null, flap: updateFlap(s, config) };
  const from = s.state;
  const when = Math.max(at, s.since); // never before the open period: periods stay ordered
  s.state = to;
  s.since = when;
  if (cause === 'probe' || cause === 'no_data') s.recentTransitions.push(confirmedAt);
  const flap = updateFlap(s, config);
  const transition: Transition = { from, to, at: when, confirmedAt, cause, flapping: s.flapping };
  if (message !== undefined) transition.message = message;
  return { transition, flap };
}

function copy(state: CheckState): CheckState {
  return { ...state, pending: state.pending && { ...state.pending }, recentTransitions: state.recentTransitions.slice() };
}

/** Feeds one probe outcome; returns the new state and the transition when the reported state changes. */
export function step(state: CheckState, outcome: ProbeOutcome, config: MachineConfig = DEFAULT_MACHINE_CONFIG): StepResult {
  if (state.lastResultAt !== null && outcome.at < state.lastResultAt) {
    return { state, transition: null, flap: null, ignored: true };
  }
  const t = outcome.at;
  const s = copy(state);
  s.lastResultAt = t;
  s.recentTransitions = pruneRecent(s.recentTransitions, t, config);
  s.consecutiveFailures = outcome.status === 'down' ? s.consecutiveFailures + 1 : 0;
  s.consecutiveSuccesses = outcome.status === 'up' ? s.consecutiveSuccesses + 1 : 0;

  let confirmed: { to: ProbeStatus; at: number } | null = null;
  if (outcome.status === s.observed) {
    s.pending = null; // the run is broken by an outcome agreeing with the current state
  } else {
    const dir = direction(s.observed, outcome.status);
    const p = s.pending;
    s.pending =
      p && direction(s.observed, p.to) === dir
        ? { to: agreed(s.observed, p.to, outcome.status), count: p.count + 1, since: p.since }
        : { to: outcome.status, count: 1, since: t };
    const needed = dir === 'worse' ? Math.max(0, config.retries) + 1 : Math.max(1, config.recoveryThreshold);
    if (s.pending.count >= needed) {
      confirmed = { to: s.pending.to, at: s.pending.since };
      s.pending = null;
    }
  }

  if (!confirmed) return { state: s, transition: null, flap: updateFlap(s, config), ignored: false };
  s.observed = confirmed.to;
  if (s.inMaintenance) return { state: s, transition: null, flap: updateFlap(s, config), ignored: false };
  const { transition, flap } = reportChange(s, confirmed.to, confirmed.at, t, 'probe', outcome.message, config);
  return { state: s, transition, flap, ignored: false };
}

/** Tells the machine the time is `now` with no new result: unknown once 2 intervals + grace have passed without one. */
export function noData(state: CheckState, now: number, config: MachineConfig = DEFAULT_MACHINE_CONFIG): StepResult {
  // A check never run stays unknown from its creation; one already unknown has nothing to change.
  if (state.observed === 'unknown' || state.lastResultAt === null) return { state, transition: null, flap: null, ignored: false };
  if (now < state.lastResultAt + 2 * config.intervalMs + config.graceMs) return { state, transition: null, flap: null, ignored: false };
  const s = copy(state);
  s.recentTransitions = pruneRecent(s.recentTransitions, now, config);
  s.observed = 'unknown';
  s.pending = null;
  s.consecutiveFailures = 0;
  s.consecutiveSuccesses = 0;
  if (s.inMaintenance) return { state: s, transition: null, flap: updateFlap(s, config), ignored: false };
  // Data stopped when the first missing result was due: the last result vouches for one interval.
  const { transition, flap } = reportChange(s, 'unknown', state.lastResultAt + config.intervalMs, now, 'no_data', undefined, config);
  return { state: s, transition, flap, ignored: false };
}

/** Puts the check under maintenance at `at`: the reported state becomes maintenance, probes keep being evaluated. */
export function enterMaintenance(state: CheckState, at: number, config: MachineConfig = DEFAULT_MACHINE_CONFIG): StepResult {
  if (state.inMaintenance) return { state, transition: null, flap: null, ignored: false };
  const s = copy(state);
  s.inMaintenance = true;
  const { transition, flap } = reportChange(s, 'maintenance', at, at, 'maintenance_start', undefined, config);
  return { state: s, transition, flap, ignored: false };
}

/** Ends maintenance at `at`: the reported state becomes what the probes say now (possibly unknown). */
export function leaveMaintenance(state: CheckState, at: number, config: MachineConfig = DEFAULT_MACHINE_CONFIG): StepResult {
  if (!state.inMaintenance) return { state, transition: null, flap: null, ignored: false };
  const s = copy(state);
  s.inMaintenance = false;
  const { transition, flap } = reportChange(s, s.observed, at, at, 'maintenance_end', undefined, config);
  return { state: s, transition, flap, ignored: false };
}
