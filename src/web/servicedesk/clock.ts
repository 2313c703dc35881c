/**
 * SLA clock arithmetic of the ticket pages, pure (no React, no i18n) so that it is unit-tested:
 * a clock counted on from the figures the server sent, whether its service window is open now as
 * two samples show, and the colour of a queue's due time.
 */
import type { ClockJson, ClockState } from './types.ts';

const MINUTE = 60_000;

/** What a clock looks like at `at` (browser time), counted from the figures it was sent with. */
export interface LiveClock {
  state: ClockState;
  /** open time left (negative: late) */
  remaining: number;
  /** share of the target used, 0..(>1) */
  progress: number;
  /** 'ok' under 75 %, 'warn' from 75 %, 'late' past due, 'done' met in time, 'idle' paused */
  tone: 'ok' | 'warn' | 'late' | 'done' | 'idle';
  ticking: boolean;
}

const UNIT_MS: Record<string, number> = { minutes: MINUTE, hours: 60 * MINUTE };

/** The target as open time, from its unit or (business days) from the figures the server sent. */
export function targetMs(c: ClockJson): number | null {
  const u = UNIT_MS[c.target.unit];
  if (u) return c.target.value * u;
  if (c.progress > 0 && c.progress < 1 && c.remaining_ms > 0) return c.remaining_ms / (1 - c.progress);
  if (c.progress > 1 && c.remaining_ms < 0) return -c.remaining_ms / (c.progress - 1);
  if (c.progress === 0 && c.remaining_ms > 0) return c.remaining_ms;
  return null;
}

/** The server's "no such instant" (a paused clock has no due time until it resumes). */
export const NEVER = 8_640_000_000_000_000;
export const isNever = (ms: number | null | undefined) => ms === null || ms === undefined || ms >= NEVER / 2;

/**
 * A running clock counts down from `remaining_ms` by the browser's time since the ticket arrived,
 * unless `frozen` (the page saw the server's figure stand still: the service window is closed) or
 * stopped (`stoppedAt`: a breached clock whose milestone came late, since `met_at` is then null).
 */
export function liveClock(c: ClockJson, receivedAt: number, at: number, frozen = false, stoppedAt: number | null = null): LiveClock {
  const ticking = (c.state === 'running' || (c.state === 'breached' && stoppedAt === null)) && !frozen;
  const remaining = ticking ? c.remaining_ms - Math.max(0, at - receivedAt) : c.remaining_ms;
  const total = targetMs(c);
  const progress = total ? Math.max(0, (total - remaining) / total) : c.progress;
  let tone: LiveClock['tone'];
  if (c.state === 'met') tone = 'done';
  else if (c.state === 'breached' || remaining < 0) tone = 'late';
  else if (c.state === 'paused') tone = 'idle';
  else tone = progress >= 0.75 ? 'warn' : 'ok';
  return { state: c.state, remaining, progress, tone, ticking };
}


/** A server figure of a running clock, and the browser time it arrived at. */
export interface Sample {
  remaining: number;
  at: number;
}

/**
 * Is the clock's service window open now? true when it stays open all the way to the due time
 * (due − now = remaining), else from two samples at least 3 s apart: the open time left fell by at
 * least half the time between them (open) or not (closed); undefined when not known yet.
 */
export function windowOpen(c: ClockJson, prev: Sample | undefined, at: number): boolean | undefined {
  if (c.state !== 'running' && c.state !== 'breached') return undefined;
  if (!isNever(c.due_at) && c.remaining_ms > 0 && c.due_at - c.now - c.remaining_ms < 2000) return true;
  if (prev && at - prev.at > 3000) return prev.remaining - c.remaining_ms > (at - prev.at) / 2;
  return undefined;
}

/**
 * The colour of a running clock in a queue, which has only the declaration and the due time: the
 * share of the wall time between them (a business-hours clock turns a little late or early).
 */
export function queueTone(createdAt: number, dueAt: number, now: number): 'ok' | 'warn' | 'late' {
  if (now > dueAt) return 'late';
  const span = dueAt - createdAt;
  return span > 0 && (now - createdAt) / span >= 0.75 ? 'warn' : 'ok';
}
