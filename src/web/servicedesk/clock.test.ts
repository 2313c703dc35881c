// The SLA clock arithmetic of the ticket pages: counting on from the server's figures, holding
// while the service window is closed, business-day targets, and the queue's colours.
import { describe, expect, it } from 'vitest';
import { isNever, liveClock, NEVER, queueTone, targetMs, windowOpen } from './clock.ts';
import type { ClockJson } from './types.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const T0 = Date.UTC(2026, 10, 30, 9, 0); // a Monday, 10:00 in Paris

function clock(over: Partial<ClockJson> = {}): ClockJson {
  return {
    clock: 'gti',
    state: 'running',
    target: { value: 4, unit: 'hours', window: 'business', window_name: 'Heures ouvrées' },
    started_at: T0,
    due_at: T0 + 4 * HOUR,
    warn_at: T0 + 3 * HOUR,
    remaining_ms: 4 * HOUR,
    progress: 0,
    paused_since: null,
    met_at: null,
    breached_at: null,
    now: T0,
    ...over,
  };
}

describe('a clock counted on in the browser', () => {
  it('counts down by the browser time since the ticket arrived, and turns at 75 %', () => {
    const c = clock();
    const received = 1_000_000;
    expect(liveClock(c, received, received).remaining).toBe(4 * HOUR);
    const later = liveClock(c, received, received + HOUR);
    expect(later.remaining).toBe(3 * HOUR);
    expect(later.progress).toBeCloseTo(0.25);
    expect(later.tone).toBe('ok');
    expect(liveClock(c, received, received + 3 * HOUR).tone).toBe('warn');
    const late = liveClock(c, received, received + 4 * HOUR + 12 * MIN);
    expect(late.remaining).toBe(-12 * MIN);
    expect(late.tone).toBe('late');
  });

  it('holds while frozen (window closed), paused or met', () => {
    const received = 5_000;
    expect(liveClock(clock(), received, received + HOUR, true).remaining).toBe(4 * HOUR);
    const paused = clock({ clock: 'gtr', state: 'paused', paused_since: T0, due_at: NEVER, remaining_ms: 2 * HOUR, progress: 0.5 });
    const p = liveClock(paused, received, received + HOUR);
    expect(p.remaining).toBe(2 * HOUR);
    expect(p.tone).toBe('idle');
    expect(p.ticking).toBe(false);
    const met = liveClock(clock({ state: 'met', met_at: T0 + HOUR, remaining_ms: 3 * HOUR, progress: 0.25 }), received, received + HOUR);
    expect(met.remaining).toBe(3 * HOUR);
    expect(met.tone).toBe('done');
  });

  it('keeps counting a breached clock that still runs, not one stopped late', () => {
    const c = clock({ state: 'breached', remaining_ms: -10 * MIN, progress: 1 + 10 / 240, breached_at: T0 + 4 * HOUR });
    expect(liveClock(c, 0, MIN).remaining).toBe(-11 * MIN);
    expect(liveClock(c, 0, MIN, false, T0 + 4 * HOUR + 10 * MIN).remaining).toBe(-10 * MIN);
    expect(liveClock(c, 0, MIN, false, T0).tone).toBe('late');
  });

  it('derives a business-day target from the figures sent', () => {
    const c = clock({ target: { value: 2, unit: 'business_days', window: 'business', window_name: 'Heures ouvrées' }, remaining_ms: 15 * HOUR, progress: 0.25 });
    expect(targetMs(c)).toBe(20 * HOUR);
    expect(targetMs({ ...c, remaining_ms: 20 * HOUR, progress: 0 })).toBe(20 * HOUR);
    expect(targetMs({ ...c, remaining_ms: -5 * HOUR, progress: 1.25 })).toBe(20 * HOUR);
    expect(liveClock(c, 0, 10 * HOUR).tone).toBe('warn'); // 15 of 20 hours used
  });
});

describe('is the service window open now', () => {
  it('is open when the due time is exactly the open time left away', () => {
    expect(windowOpen(clock(), undefined, 0)).toBe(true);
  });

  it('is not known from one sample when closed time lies ahead, then known from two', () => {
    // 17:00: 4 h of open time left, due tomorrow 11:00
    const c = clock({ now: T0, due_at: T0 + 18 * HOUR, remaining_ms: 4 * HOUR });
    expect(windowOpen(c, undefined, 1000)).toBeUndefined();
    expect(windowOpen(c, { remaining: 4 * HOUR + 10_000, at: 0 }, 10_000)).toBe(true); // fell by 10 s in 10 s
    expect(windowOpen(c, { remaining: 4 * HOUR, at: 0 }, 10_000)).toBe(false); // stood still
    expect(windowOpen(c, { remaining: 4 * HOUR, at: 0 }, 1_000)).toBeUndefined(); // too close to tell
  });

  it('says nothing of clocks that do not run', () => {
    expect(windowOpen(clock({ state: 'met' }), undefined, 0)).toBeUndefined();
    expect(windowOpen(clock({ state: 'paused', due_at: NEVER }), { remaining: 0, at: 0 }, 60_000)).toBeUndefined();
  });

  it('knows the server’s "never"', () => {
    expect(isNever(NEVER)).toBe(true);
    expect(isNever(null)).toBe(true);
    expect(isNever(T0)).toBe(false);
  });
});

describe('a queue’s due time', () => {
  it('turns at 75 % of the time from declaration to due, red once past', () => {
    expect(queueTone(0, 100, 50)).toBe('ok');
    expect(queueTone(0, 100, 75)).toBe('warn');
    expect(queueTone(0, 100, 101)).toBe('late');
  });
});
