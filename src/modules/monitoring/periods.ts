/**
 * State periods and availability: pure, no I/O.
 *
 * A check's history is a list of periods {state, from, to, cause}, in time order, contiguous (each
 * period ends where the next begins), the last one possibly open (`to: null`), no two neighbours
 * with the same state and no empty period. Availability is computed from the exact time each state
 * lasted, never from counts of samples.
 *
 * Availability rules (defaults chosen where the issue is silent):
 * - maintenance time is left out of the measured time (it is planned, the contract excludes it);
 * - unknown (no data) is reported apart and left out too by default — unknown is not down — with
 *   an option to count it as down for contracts that say so;
 * - degraded counts as available by default (the service answers, only slowly), with an option to
 *   count it as unavailable;
 * - time not covered by any period (before the check existed, after `now`) is not measured at all.
 * - a window with no measured time has availability `null`, not 100%: "no data" must stay visible.
 */
import type { CheckStatus, Transition, TransitionCause } from './state-machine.ts';

/** Why a period began: a check's transition cause, or `rule` for a business service's combined periods. */
export type PeriodCause = TransitionCause | 'rule' | 'overlay';

/** One span of one state. */
export interface StatePeriod {
  state: CheckStatus;
  /** epoch ms, inclusive */
  from: number;
  /** epoch ms, exclusive; null while the period is open (the current state) */
  to: number | null;
  cause: PeriodCause;
}

/** A half-open time window [from, to). */
export interface TimeWindow {
  from: number;
  to: number;
}

/** How states count towards availability. */
export interface AvailabilityOptions {
  /** 'excluded' (default): unknown time is out of the measured time; 'down': counted as unavailable */
  unknownAs?: 'excluded' | 'down';
  /** 'up' (default): degraded time is available; 'down': unavailable */
  degradedAs?: 'up' | 'down';
  /** an open period ends here (default: the window's end) */
  now?: number;
}

/** Time spent in each state within a window, and the resulting availability. */
export interface Availability {
  /** available / counted, in [0, 1]; null when no time was counted */
  availability: number | null;
  upMs: number;
  degradedMs: number;
  downMs: number;
  unknownMs: number;
  maintenanceMs: number;
  /** the measured time: the denominator */
  counted: number;
}

/** Thrown on a transition or period list that breaks the period invariants (a bug upstream). */
export class PeriodError extends Error {
  override name = 'PeriodError';
}

/** The history of a new check: one open period from `at`. */
export function openPeriods(state: CheckStatus, at: number, cause: PeriodCause = 'created'): StatePeriod[] {
  return [{ state, from: at, to: null, cause }];
}

/** Appends a transition in place to a mutable list (the core of applyTransition(s)). */
function applyInPlace(list: StatePeriod[], tr: Pick<Transition, 'from' | 'to' | 'at' | 'cause'>): void {
  const last = list[list.length - 1];
  if (!last) {
    list.push({ state: tr.to, from: tr.at, to: null, cause: tr.cause });
    return;
  }
  if (last.to !== null) throw new PeriodError('the last period is closed: the history has ended');
  if (last.state !== tr.from) throw new PeriodError(`transition from ${tr.from} but the open period is ${last.state}`);
  if (tr.at < last.from) throw new PeriodError(`transition at ${tr.at} before the open period's start ${last.from}`);
  if (tr.from === tr.to) return;
  if (tr.at === last.from) {
    // The open period would be empty: replace it, merging with its predecessor if they now agree.
    const prev = list[list.length - 2];
    if (prev && prev.state === tr.to) {
      list.pop();
      list[list.length - 1] = { ...prev, to: null };
    } else {
      list[list.length - 1] = { state: tr.to, from: tr.at, to: null, cause: tr.cause };
    }
    return;
  }
  list[list.length - 1] = { ...last, to: tr.at };
  list.push({ state: tr.to, from: tr.at, to: null, cause: tr.cause });
}

/** Closes the open period at the transition and opens the new one; returns a new list. */
export function applyTransition(periods: readonly StatePeriod[], tr: Pick<Transition, 'from' | 'to' | 'at' | 'cause'>): StatePeriod[] {
  const list = periods.slice();
  applyInPlace(list, tr);
  return list;
}

/** Applies transitions in order; returns a new list. */
export function applyTransitions(periods: readonly StatePeriod[], trs: readonly Pick<Transition, 'from' | 'to' | 'at' | 'cause'>[]): StatePeriod[] {
  const list = periods.slice();
  for (const tr of trs) applyInPlace(list, tr);
  return list;
}

/** Lists the broken invariants of a period list (empty when valid). */
export function periodProblems(periods: readonly StatePeriod[]): string[] {
  const problems: string[] = [];
  periods.forEach((p, i) => {
    const next = periods[i + 1];
    if (p.to === null && next) problems.push(`period ${i} is open but not last`);
    if (p.to !== null && p.to <= p.from) problems.push(`period ${i} is empty or reversed`);
    if (next && p.to !== null && p.to !== next.from) problems.push(`gap or overlap between periods ${i} and ${i + 1}`);
    if (next && next.state === p.state) problems.push(`periods ${i} and ${i + 1} have the same state`);
  });
  return problems;
}

/** Index of the first period ending after `t` (periods sorted and contiguous); length when none. */
function firstEndingAfter(periods: readonly StatePeriod[], t: number): number {
  let lo = 0;
  let hi = periods.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const to = periods[mid]!.to;
    if (to !== null && to <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The state at instant t, or null outside the history. */
export function stateAt(periods: readonly StatePeriod[], t: number): CheckStatus | null {
  const p = periods[firstEndingAfter(periods, t)];
  return p && p.from <= t ? p.state : null;
}

/** Time per state and availability of a period list over a window [from, to). O(log n + periods in the window). */
export function availability(periods: readonly StatePeriod[], window: TimeWindow, options: AvailabilityOptions = {}): Availability {
  const end = Math.min(window.to, options.now ?? window.to);
  let upMs = 0, degradedMs = 0, downMs = 0, unknownMs = 0, maintenanceMs = 0;
  for (let i = firstEndingAfter(periods, window.from); i < periods.length; i++) {
    const p = periods[i]!;
    if (p.from >= end) break;
    const a = p.from > window.from ? p.from : window.from;
    const pTo = p.to === null ? end : p.to;
    const b = pTo < end ? pTo : end;
    if (b <= a) continue;
    const d = b - a;
    switch (p.state) {
      case 'up': upMs += d; break;
      case 'degraded': degradedMs += d; break;
      case 'down': downMs += d; break;
      case 'unknown': unknownMs += d; break;
      case 'maintenance': maintenanceMs += d; break;
    }
  }
  return summarise(upMs, degradedMs, downMs, unknownMs, maintenanceMs, options);
}

/** Builds the Availability record from the time per state, under the counting options. */
export function summarise(upMs: number, degradedMs: number, downMs: number, unknownMs: number, maintenanceMs: number, options: AvailabilityOptions = {}): Availability {
  const available = upMs + (options.degradedAs === 'down' ? 0 : degradedMs);
  const counted = upMs + degradedMs + downMs + (options.unknownAs === 'down' ? unknownMs : 0);
  return {
    availability: counted > 0 ? available / counted : null,
    upMs,
    degradedMs,
    downMs,
    unknownMs,
    maintenanceMs,
    counted,
  };
}

/** Adds two Availability records of disjoint windows, weighting by time (exact: the ms are integers). */
export function combineAvailability(a: Availability, b: Availability, options: AvailabilityOptions = {}): Availability {
  return summarise(a.upMs + b.upMs, a.degradedMs + b.degradedMs, a.downMs + b.downMs, a.unknownMs + b.unknownMs, a.maintenanceMs + b.maintenanceMs, options);
}

/**
 * Replaces the states over [from, to) by `state` (a retroactive maintenance window, a replayed
 * backlog rewriting an unknown span); only time already covered by the history changes. Returns a new list.
 */
export function overlayPeriod(periods: readonly StatePeriod[], span: { from: number; to: number; state: CheckStatus; cause?: PeriodCause }): StatePeriod[] {
  const first = periods[0];
  if (!first || span.to <= span.from) return periods.slice();
  const from = Math.max(span.from, first.from);
  const lastP = periods[periods.length - 1]!;
  const to = lastP.to === null ? span.to : Math.min(span.to, lastP.to);
  if (to <= from) return periods.slice();
  const cause = span.cause ?? 'overlay';
  const out: StatePeriod[] = [];
  const push = (p: StatePeriod) => {
    const prev = out[out.length - 1];
    if (prev && prev.state === p.state) out[out.length - 1] = { ...prev, to: p.to };
    else out.push(p);
  };
  let placed = false;
  for (const p of periods) {
    const pTo = p.to ?? Infinity;
    if (pTo <= from || p.from >= to) {
      if (!placed && p.from >= to) {
        push({ state: span.state, from, to, cause });
        placed = true;
      }
      push(p);
      continue;
    }
    if (p.from < from) push({ ...p, to: from });
    if (!placed) {
      push({ state: span.state, from, to, cause });
      placed = true;
    }
    if (pTo > to) push({ ...p, from: to, to: p.to, cause: p.cause });
  }
  if (!placed) push({ state: span.state, from, to, cause });
  return out;
}

/** How a business service's state follows from its members: all, any, or at least k of n. */
export type ServiceRule = 'all' | 'any' | { k: number };

/** Members needed for the rule to hold (at least 1, at most n). */
function needed(rule: ServiceRule, n: number): number {
  if (rule === 'all') return n;
  if (rule === 'any') return 1;
  return Math.max(1, Math.min(Math.floor(rule.k), n));
}

const STATE_INDEX: Record<CheckStatus, number> = { up: 0, degraded: 1, down: 2, unknown: 3, maintenance: 4 };
const UNKNOWN = 3;

/**
 * The service's state from how many members are in each state, needing `k` available members:
 * up when k are up; degraded when k are up or degraded; down when the down members alone break
 * the rule (even if every unknown or maintenance member were up: unplanned failures are not
 * excused by a maintenance elsewhere); maintenance when only members under maintenance stand
 * between the rule and success; unknown otherwise.
 */
function serviceState(counts: Int32Array, n: number, k: number): CheckStatus {
  const up = counts[0]!, degraded = counts[1]!, down = counts[2]!, maintenance = counts[4]!;
  if (up >= k) return 'up';
  if (up + degraded >= k) return 'degraded';
  if (n - down < k) return 'down';
  if (n - down - maintenance < k) return 'maintenance';
  return 'unknown';
}

/**
 * A business service's own periods from its members' periods and the rule, by one sweep over the
 * members' merged change points: O(P log P) for P periods in all. Outside a member's history the
 * member counts as unknown. The result starts at the earliest member start; it is open when some
 * member's history is open, and otherwise ends when the last member's history ends.
 */
export function combineServices(rule: ServiceRule, periodsPerCheck: readonly (readonly StatePeriod[])[]): StatePeriod[] {
  const n = periodsPerCheck.length;
  if (n === 0) return [];
  const k = needed(rule, n);
  // Events (time, member, state entered), packed in parallel typed arrays and sorted by time.
  let total = 0;
  for (const ps of periodsPerCheck) total += 2 * ps.length;
  const times = new Float64Array(total);
  const members = new Int32Array(total);
  const states = new Int8Array(total);
  let m = 0;
  let anyOpen = false;
  for (let j = 0; j < n; j++) {
    const ps = periodsPerCheck[j]!;
    for (let i = 0; i < ps.length; i++) {
      const p = ps[i]!;
      times[m] = p.from; members[m] = j; states[m] = STATE_INDEX[p.state]; m++;
      const next = ps[i + 1];
      if (p.to === null) anyOpen = true;
      else if (!next || next.from !== p.to) { times[m] = p.to; members[m] = j; states[m] = UNKNOWN; m++; }
    }
  }
  if (m === 0) return [];
  const order = new Uint32Array(m);
  for (let i = 0; i < m; i++) order[i] = i;
  order.sort((a, b) => times[a]! - times[b]!);

  const counts = new Int32Array(5);
  counts[UNKNOWN] = n; // before its history, every member is unknown
  const current = new Int8Array(n).fill(UNKNOWN);
  const out: StatePeriod[] = [];
  let i = 0;
  let lastTime = 0;
  while (i < m) {
    const t = times[order[i]!]!;
    // Apply every event at t before deciding: simultaneous changes make one service change.
    for (; i < m && times[order[i]!] === t; i++) {
      const e = order[i]!;
      const j = members[e]!;
      counts[current[j]!]!--;
      counts[states[e]!]!++;
      current[j] = states[e]!;
    }
    lastTime = t;
    const state = serviceState(counts, n, k);
    const last = out[out.length - 1];
    if (last && last.state === state) continue;
    if (last) last.to = t;
    out.push({ state, from: t, to: null, cause: 'rule' });
  }
  if (!anyOpen) {
    // Every member's history ended at lastTime: the all-unknown tail from there is not history.
    const last = out[out.length - 1]!;
    if (last.from === lastTime) {
      out.pop();
      const prev = out[out.length - 1];
      if (prev) prev.to = lastTime;
    } else {
      last.to = lastTime;
    }
  }
  return out;
}
