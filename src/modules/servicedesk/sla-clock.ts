/**
 * The SLA clock of a ticket (GTI or GTR): pure, no I/O. A clock is its spec (a target of open time on
 * a calendar) and its events (start, pause, resume, stop, reopen, retarget, breach); its status at
 * any instant is recomputed from them, so nothing drifts and the same events always give the same
 * answer.
 *
 * Rules (tested in sla-clock.test.ts):
 * - Only open time of the calendar counts, and only while the clock runs: from the start to a pause
 *   or a stop, from a resume or a reopen to the next pause or stop. Nonsensical events (pause while
 *   paused or stopped, resume while running, stop while stopped, reopen while running, a second
 *   start, anything before the start) are ignored, not thrown.
 * - A retarget (priority change) replaces the target and the calendar as if they had applied from
 *   the start: counted open time is re-read on the new calendar and compared with the new target.
 * - Late means past the due: now (or the stop) after due_at. A recorded breach stays breached
 *   whatever later retargets say: a past deadline is never recomputed silently.
 * - due_at and warn_at are when counted open time reaches 100 % and 75 % of the target: the instant
 *   it happened when already reached; else, while running, the instant it will happen if it keeps
 *   running; while paused, Infinity (unknown until it resumes); once stopped, the due it would have
 *   had had it kept running from the stop (the margin of a met clock).
 * - Events after `now` are not seen by evaluateClock. A clock without a start event counts from now.
 */
import { compileCalendar, targetOpenMs, type Calendar, type CalendarSpec, type TargetDuration } from '../../core/calendar.ts';

/** The target and the calendar a clock runs on. */
export interface ClockSpec {
  target: TargetDuration;
  calendar: CalendarSpec;
}

export type ClockEvent =
  | { kind: 'start'; at: number }
  /** waiting on the client (GTR only; the service never sends it for GTI) */
  | { kind: 'pause'; at: number }
  | { kind: 'resume'; at: number }
  /** the condition is met: taken in charge (GTI) / restored (GTR) */
  | { kind: 'stop'; at: number }
  /** the stop did not hold (ticket reopened): it runs again; the span between stop and reopen does not count */
  | { kind: 'reopen'; at: number }
  /** priority change: the new target applies as if from the start */
  | { kind: 'retarget'; at: number; spec: ClockSpec }
  /** recorded by the service when the due passed: a recorded breach stays breached whatever later retargets say */
  | { kind: 'breach'; at: number };

export interface ClockStatus {
  /** breached: late (still running or stopped late, or a recorded breach) */
  state: 'running' | 'paused' | 'met' | 'breached';
  stopped: boolean;
  started_at: number;
  /** instant the counted open time reaches the target, pauses and stopped spans excluded (Infinity: never, e.g. while paused) */
  due_at: number;
  /** same for 75 % of the target */
  warn_at: number;
  /** open time of the target (targetOpenMs from the start) */
  target_ms: number;
  /** open time counted up to now (or the stop) */
  elapsed_ms: number;
  /** target_ms − elapsed_ms (negative when late) */
  remaining_ms: number;
  /** elapsed_ms / target_ms */
  progress: number;
  paused_since: number | null;
  /** the last stop when it was on time */
  met_at: number | null;
  /** the recorded breach, else due_at when now (or the stop) is past due */
  breached_at: number | null;
}

/** The share of the target at which a clock warns (escalation). */
export const WARN_FRACTION = 0.75;

/** The events replayed: the spans the clock ran and where it stands after the last one. */
interface Replay {
  spec: ClockSpec;
  startedAt: number | null;
  /** closed running spans [a, b) */
  spans: number[];
  /** start of the running span still open, or null when paused or stopped */
  runningSince: number | null;
  pausedSince: number | null;
  stopAt: number | null;
  recordedBreach: number | null;
}

/** Replays the events up to `until` (inclusive), ignoring nonsensical ones. */
function replay(spec: ClockSpec, events: readonly ClockEvent[], until: number): Replay {
  const r: Replay = { spec, startedAt: null, spans: [], runningSince: null, pausedSince: null, stopAt: null, recordedBreach: null };
  let last = -Infinity;
  for (const ev of events) {
    if (!ev || !Number.isFinite(ev.at)) continue;
    if (ev.at > until) break;
    const at = ev.at < last ? last : ev.at; // sorted by contract; never let a span run backwards
    last = at;
    if (r.startedAt === null) {
      if (ev.kind === 'start') r.startedAt = r.runningSince = at;
      else if (ev.kind === 'retarget' && ev.spec) r.spec = ev.spec;
      continue;
    }
    switch (ev.kind) {
      case 'pause':
        if (r.runningSince !== null) {
          r.spans.push(r.runningSince, at);
          r.runningSince = null;
          r.pausedSince = at;
        }
        break;
      case 'resume':
        if (r.pausedSince !== null) {
          r.pausedSince = null;
          r.runningSince = at;
        }
        break;
      case 'stop':
        if (r.stopAt === null) {
          if (r.runningSince !== null) r.spans.push(r.runningSince, at);
          r.runningSince = null;
          r.pausedSince = null;
          r.stopAt = at;
        }
        break;
      case 'reopen':
        if (r.stopAt !== null) {
          r.stopAt = null;
          r.runningSince = at;
        }
        break;
      case 'retarget':
        if (ev.spec) r.spec = ev.spec;
        break;
      case 'breach':
        if (r.recordedBreach === null) r.recordedBreach = at;
        break;
      default:
        break; // a second start, or an unknown kind
    }
  }
  return r;
}

/** The open time of each closed span on the calendar. */
function spanOpenTimes(cal: Calendar, spans: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < spans.length; i += 2) out.push(cal.openTimeBetween(spans[i]!, spans[i + 1]!));
  return out;
}

/**
 * When counted open time reaches `ms`: within the closed spans, else from the running span (or, with
 * `projectFrom`, as if it ran again from that instant); Infinity when it will not.
 */
function reachAt(cal: Calendar, r: Replay, open: readonly number[], ms: number, projectFrom: number | null): number {
  if (!(ms > 0)) return ms === 0 || Number.isNaN(ms) ? r.startedAt! : Infinity;
  if (ms === Infinity) return Infinity;
  let rem = ms;
  for (let i = 0; i < open.length; i++) {
    if (open[i]! >= rem) return cal.addOpenTime(r.spans[2 * i]!, rem);
    rem -= open[i]!;
  }
  if (r.runningSince !== null) return cal.addOpenTime(r.runningSince, rem);
  if (projectFrom !== null) return cal.addOpenTime(projectFrom, rem);
  return Infinity;
}

/** The status of a clock at `now` from its spec and its events (sorted by time; those after now unseen). */
export function evaluateClock(spec: ClockSpec, events: readonly ClockEvent[], now: number): ClockStatus {
  const r = replay(spec, events, now);
  if (r.startedAt === null) r.startedAt = r.runningSince = now;
  const startedAt = r.startedAt;
  const cal = compileCalendar(r.spec.calendar);
  const targetMs = targetOpenMs(cal, startedAt, r.spec.target);
  const open = spanOpenTimes(cal, r.spans);
  const stopped = r.stopAt !== null;
  const until = stopped ? r.stopAt! : now;
  let elapsed = 0;
  for (const o of open) elapsed += o;
  if (r.runningSince !== null) elapsed += cal.openTimeBetween(r.runningSince, now);
  const dueAt = reachAt(cal, r, open, targetMs, r.stopAt);
  const warnAt = reachAt(cal, r, open, Math.round(WARN_FRACTION * targetMs), r.stopAt);
  const late = until > dueAt;
  const breached = r.recordedBreach !== null || late;
  return {
    state: breached ? 'breached' : stopped ? 'met' : r.pausedSince !== null ? 'paused' : 'running',
    stopped,
    started_at: startedAt,
    due_at: dueAt,
    warn_at: warnAt,
    target_ms: targetMs,
    elapsed_ms: elapsed,
    remaining_ms: targetMs - elapsed,
    progress: targetMs > 0 && Number.isFinite(targetMs) ? elapsed / targetMs : 0,
    paused_since: r.pausedSince,
    met_at: stopped && !breached ? r.stopAt : null,
    breached_at: r.recordedBreach ?? (late ? dueAt : null),
  };
}

/** the instant counted open time reaches fraction × target if it keeps running from its last event (Infinity when paused or stopped and not yet reached; the past instant when already reached) */
export function thresholdAt(spec: ClockSpec, events: readonly ClockEvent[], fraction: number): number {
  const r = replay(spec, events, Infinity);
  if (r.startedAt === null) return Infinity;
  const cal = compileCalendar(r.spec.calendar);
  const targetMs = targetOpenMs(cal, r.startedAt, r.spec.target);
  return reachAt(cal, r, spanOpenTimes(cal, r.spans), fraction === 1 ? targetMs : Math.round(fraction * targetMs), null);
}
