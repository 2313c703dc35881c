/**
 * SLA clocks: examples across weekends, public holidays and DST, a GTR paused from Friday 17:00 to
 * Monday 10:00, stop and reopen, retargets up and down, a recorded breach that stays, ignored
 * nonsense; then properties over random calendars, targets and event lists: pauses only push the
 * due later, the due never falls inside a closed period, the due grows with the target, elapsed
 * open time never exceeds the open time between start and now, and the status agrees with
 * thresholdAt.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileCalendar, type CalendarSpec, type TargetDuration } from '../../core/calendar.ts';
import { wallToInstant, zoneOffsetMs } from '../../core/zones.ts';
import { evaluateClock, thresholdAt, type ClockEvent, type ClockSpec } from './sla-clock.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const PARIS = 'Europe/Paris';

const at = (local: string, zone = PARIS) => wallToInstant(Date.parse(`${local.replace(' ', 'T')}:00Z`), zone);
const wall = (t: number, zone = PARIS) => new Date(t + zoneOffsetMs(t, zone)).toISOString().slice(0, 16).replace('T', ' ');

const weekdays = (ranges: [string, string][]): CalendarSpec['hours'] => ({ mon: ranges, tue: ranges, wed: ranges, thu: ranges, fri: ranges });
const BUSINESS: CalendarSpec = { time_zone: PARIS, always: false, hours: weekdays([['08:00', '18:00']]), public_holidays: 'fr', closed_days: [] };
const ALWAYS: CalendarSpec = { time_zone: PARIS, always: true, hours: {}, public_holidays: 'none', closed_days: [] };
const hours = (value: number, calendar = BUSINESS): ClockSpec => ({ target: { value, unit: 'hours' }, calendar });

describe('evaluateClock', () => {
  it('runs over the weekend without counting it', () => {
    const spec = hours(4);
    const events: ClockEvent[] = [{ kind: 'start', at: at('2026-11-27 16:00') }];
    const friday = evaluateClock(spec, events, at('2026-11-27 17:00'));
    expect(friday).toMatchObject({ state: 'running', stopped: false, elapsed_ms: HOUR, remaining_ms: 3 * HOUR, target_ms: 4 * HOUR, progress: 0.25, paused_since: null, met_at: null, breached_at: null });
    expect(wall(friday.due_at)).toBe('2026-11-30 10:00');
    expect(wall(friday.warn_at)).toBe('2026-11-30 09:00');
    const sunday = evaluateClock(spec, events, at('2026-11-29 12:00'));
    expect(sunday.elapsed_ms).toBe(2 * HOUR);
    expect(sunday.state).toBe('running');
    const late = evaluateClock(spec, events, at('2026-11-30 10:30'));
    expect(late).toMatchObject({ state: 'breached', elapsed_ms: 4.5 * HOUR, remaining_ms: -0.5 * HOUR, breached_at: at('2026-11-30 10:00') });
    expect(evaluateClock(spec, events, at('2026-11-30 10:00')).state).toBe('running'); // at the due: not yet late
  });

  it('skips public holidays (14 July) and DST (24/7 over 25 October 2026)', () => {
    const s = evaluateClock(hours(4), [{ kind: 'start', at: at('2026-07-13 17:00') }], at('2026-07-13 17:30'));
    expect(wall(s.due_at)).toBe('2026-07-15 11:00');
    const always = evaluateClock(hours(48, ALWAYS), [{ kind: 'start', at: at('2026-10-23 17:00') }], at('2026-10-23 18:00'));
    expect(wall(always.due_at)).toBe('2026-10-25 16:00'); // the 25-hour Sunday
    expect(always.due_at - at('2026-10-23 17:00')).toBe(48 * HOUR);
  });

  it('a GTR paused Friday 17:00, resumed Monday 10:00', () => {
    const spec = hours(8);
    const start: ClockEvent = { kind: 'start', at: at('2026-11-27 14:00') };
    const unpaused = evaluateClock(spec, [start], at('2026-11-27 15:00'));
    expect(wall(unpaused.due_at)).toBe('2026-11-30 12:00');
    const paused = [start, { kind: 'pause', at: at('2026-11-27 17:00') }] as ClockEvent[];
    const saturday = evaluateClock(spec, paused, at('2026-11-28 12:00'));
    expect(saturday).toMatchObject({ state: 'paused', elapsed_ms: 3 * HOUR, paused_since: at('2026-11-27 17:00'), due_at: Infinity, warn_at: Infinity });
    const mondayMorning = evaluateClock(spec, paused, at('2026-11-30 09:30'));
    expect(mondayMorning.elapsed_ms).toBe(3 * HOUR); // the open Monday morning does not count while paused
    const resumed = [...paused, { kind: 'resume', at: at('2026-11-30 10:00') }] as ClockEvent[];
    const s = evaluateClock(spec, resumed, at('2026-11-30 11:00'));
    expect(s).toMatchObject({ state: 'running', elapsed_ms: 4 * HOUR, paused_since: null });
    expect(wall(s.due_at)).toBe('2026-11-30 15:00');
    expect(wall(s.warn_at)).toBe('2026-11-30 13:00'); // 6 h: 3 h before the pause, 3 h from 10:00
    expect(thresholdAt(spec, resumed, 1)).toBe(s.due_at);
    expect(thresholdAt(spec, paused, 1)).toBe(Infinity);
  });

  it('stop meets it; reopen runs it again without the stopped span; a late stop is a breach', () => {
    const spec = hours(4);
    const events: ClockEvent[] = [
      { kind: 'start', at: at('2026-11-30 08:00') },
      { kind: 'stop', at: at('2026-11-30 10:00') },
    ];
    const met = evaluateClock(spec, events, at('2026-11-30 11:00'));
    expect(met).toMatchObject({ state: 'met', stopped: true, met_at: at('2026-11-30 10:00'), elapsed_ms: 2 * HOUR, breached_at: null });
    expect(wall(met.due_at)).toBe('2026-11-30 12:00'); // the due it had: 2 h of margin
    expect(thresholdAt(spec, events, 1)).toBe(Infinity); // nothing to schedule
    events.push({ kind: 'reopen', at: at('2026-11-30 14:00') });
    const reopened = evaluateClock(spec, events, at('2026-11-30 15:00'));
    expect(reopened).toMatchObject({ state: 'running', stopped: false, met_at: null, elapsed_ms: 3 * HOUR });
    expect(wall(reopened.due_at)).toBe('2026-11-30 16:00');
    events.push({ kind: 'stop', at: at('2026-11-30 17:00') });
    const late = evaluateClock(spec, events, at('2026-12-01 09:00'));
    expect(late).toMatchObject({ state: 'breached', stopped: true, met_at: null, elapsed_ms: 5 * HOUR, remaining_ms: -HOUR, breached_at: at('2026-11-30 16:00') });
  });

  it('retarget up and down applies as if from the start', () => {
    const start: ClockEvent = { kind: 'start', at: at('2026-11-30 08:00') };
    const up: ClockEvent[] = [start, { kind: 'retarget', at: at('2026-11-30 09:00'), spec: hours(2) }];
    expect(wall(evaluateClock(hours(8), [start], at('2026-11-30 08:30')).due_at)).toBe('2026-11-30 16:00');
    const s = evaluateClock(hours(8), up, at('2026-11-30 09:30'));
    expect(s).toMatchObject({ state: 'running', target_ms: 2 * HOUR, elapsed_ms: 1.5 * HOUR });
    expect(wall(s.due_at)).toBe('2026-11-30 10:00');
    expect(evaluateClock(hours(8), up, at('2026-11-30 10:30')).state).toBe('breached');
    // Before the retarget is seen (now before it), the old target holds.
    expect(evaluateClock(hours(8), up, at('2026-11-30 08:30')).target_ms).toBe(8 * HOUR);
    const down: ClockEvent[] = [start, { kind: 'retarget', at: at('2026-11-30 09:00'), spec: hours(8) }];
    const d = evaluateClock(hours(2), down, at('2026-11-30 11:00'));
    expect(d.state).toBe('running');
    expect(wall(d.due_at)).toBe('2026-11-30 16:00');
    // A retarget to a business-days target on 24/7 re-reads the counted time on the new calendar.
    const toAlways: ClockEvent[] = [start, { kind: 'retarget', at: at('2026-11-30 09:00'), spec: { target: { value: 1, unit: 'business_days' }, calendar: ALWAYS } }];
    const a = evaluateClock(hours(8), toAlways, at('2026-11-30 09:00'));
    expect(a.target_ms).toBe(24 * HOUR);
    expect(wall(a.due_at)).toBe('2026-12-01 08:00');
  });

  it('a recorded breach stays whatever later retargets say', () => {
    const events: ClockEvent[] = [
      { kind: 'start', at: at('2026-11-30 08:00') },
      { kind: 'breach', at: at('2026-11-30 10:00') },
      { kind: 'retarget', at: at('2026-11-30 10:30'), spec: hours(8) },
    ];
    const s = evaluateClock(hours(2), events, at('2026-11-30 11:00'));
    expect(s).toMatchObject({ state: 'breached', breached_at: at('2026-11-30 10:00') });
    expect(wall(s.due_at)).toBe('2026-11-30 16:00'); // the new due is shown, the breach is not undone
    const stopped = evaluateClock(hours(2), [...events, { kind: 'stop', at: at('2026-11-30 12:00') }], at('2026-11-30 13:00'));
    expect(stopped).toMatchObject({ state: 'breached', stopped: true, met_at: null, breached_at: at('2026-11-30 10:00') });
    // Without the recorded breach the same retarget would make it on time.
    const unrecorded = events.filter((e) => e.kind !== 'breach');
    expect(evaluateClock(hours(2), unrecorded, at('2026-11-30 11:00')).state).toBe('running');
  });

  it('business days and minutes', () => {
    const bd: ClockSpec = { target: { value: 2, unit: 'business_days' }, calendar: BUSINESS };
    const s = evaluateClock(bd, [{ kind: 'start', at: at('2026-11-27 15:00') }], at('2026-11-27 16:00'));
    expect(s.target_ms).toBe(20 * HOUR);
    expect(wall(s.due_at)).toBe('2026-12-01 15:00');
    const min: ClockSpec = { target: { value: 30, unit: 'minutes' }, calendar: BUSINESS };
    expect(wall(evaluateClock(min, [{ kind: 'start', at: at('2026-11-27 17:50') }], at('2026-11-27 17:55')).due_at)).toBe('2026-11-30 08:20');
  });

  it('ignores nonsensical events', () => {
    const spec = hours(4);
    const clean: ClockEvent[] = [
      { kind: 'start', at: at('2026-11-30 08:00') },
      { kind: 'pause', at: at('2026-11-30 09:00') },
      { kind: 'resume', at: at('2026-11-30 10:00') },
    ];
    const noisy: ClockEvent[] = [
      { kind: 'pause', at: at('2026-11-30 07:00') }, // before the start
      { kind: 'start', at: at('2026-11-30 08:00') },
      { kind: 'resume', at: at('2026-11-30 08:10') }, // while running
      { kind: 'reopen', at: at('2026-11-30 08:20') }, // while running
      { kind: 'start', at: at('2026-11-30 08:30') }, // a second start
      { kind: 'pause', at: at('2026-11-30 09:00') },
      { kind: 'pause', at: at('2026-11-30 09:30') }, // while paused
      { kind: 'resume', at: at('2026-11-30 10:00') },
    ];
    const now = at('2026-11-30 11:00');
    expect(evaluateClock(spec, noisy, now)).toEqual(evaluateClock(spec, clean, now));
    const twice: ClockEvent[] = [...clean, { kind: 'stop', at: at('2026-11-30 10:30') }, { kind: 'stop', at: at('2026-11-30 11:30') }, { kind: 'resume', at: at('2026-11-30 11:40') }];
    expect(evaluateClock(spec, twice, at('2026-11-30 12:00'))).toMatchObject({ state: 'met', met_at: at('2026-11-30 10:30'), elapsed_ms: 1.5 * HOUR });
  });

  it('a clock without a start counts from now', () => {
    const now = at('2026-11-30 09:00');
    const s = evaluateClock(hours(1), [], now);
    expect(s).toMatchObject({ started_at: now, elapsed_ms: 0, state: 'running', due_at: at('2026-11-30 10:00') });
    expect(thresholdAt(hours(1), [], 1)).toBe(Infinity);
  });

  it('a calendar without open time never falls due', () => {
    const none: CalendarSpec = { ...BUSINESS, hours: {} };
    const s = evaluateClock({ target: { value: 1, unit: 'business_days' }, calendar: none }, [{ kind: 'start', at: at('2026-11-30 09:00') }], at('2026-12-30 09:00'));
    expect(s).toMatchObject({ state: 'running', due_at: Infinity, elapsed_ms: 0, progress: 0 });
  });
});

// ---------------------------------------------------------------------------------------------
// Properties

const ZONES = [PARIS, 'America/New_York', 'UTC', 'Australia/Sydney'];
const FROM = Date.UTC(2025, 0, 1);
const TO = Date.UTC(2026, 11, 31);
const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
const rangesArb = fc.uniqueArray(fc.integer({ min: 0, max: 48 }), { minLength: 2, maxLength: 4 }).map((points) => {
  const sorted = [...points].sort((a, b) => a - b);
  const out: [string, string][] = [];
  for (let i = 0; i + 1 < sorted.length; i += 2) out.push([hhmm(sorted[i]! * 30), hhmm(sorted[i + 1]! * 30)]);
  return out;
});
const calendarArb: fc.Arbitrary<CalendarSpec> = fc.record({
  time_zone: fc.constantFrom(...ZONES),
  always: fc.integer({ min: 0, max: 4 }).map((n) => n === 0),
  hours: fc.tuple(rangesArb, fc.constantFrom<'weekdays' | 'all' | 'mon-sat'>('weekdays', 'all', 'mon-sat')).map(([r, days]) => ({
    ...weekdays(r),
    ...(days !== 'weekdays' ? { sat: r } : {}),
    ...(days === 'all' ? { sun: r } : {}),
  })),
  public_holidays: fc.constantFrom('none' as const, 'fr' as const, 'fr-alsace-moselle' as const),
  closed_days: fc.array(fc.integer({ min: FROM, max: TO }).map((t) => new Date(t).toISOString().slice(0, 10)), { maxLength: 10 }),
});
const targetArb: fc.Arbitrary<TargetDuration> = fc.oneof(
  fc.integer({ min: 1, max: 600 }).map((value) => ({ value, unit: 'minutes' as const })),
  fc.integer({ min: 1, max: 48 }).map((value) => ({ value, unit: 'hours' as const })),
  fc.integer({ min: 1, max: 20 }).map((q) => ({ value: q / 4, unit: 'business_days' as const })),
);
const specArb: fc.Arbitrary<ClockSpec> = fc.record({ target: targetArb, calendar: calendarArb });
const startArb = fc.integer({ min: FROM, max: TO });
/** Gaps between events (ms), each 0–3 days. */
const gapsArb = fc.array(fc.integer({ min: 0, max: 3 * DAY }), { minLength: 0, maxLength: 8 });

/** A start, then alternating pause/resume after the gaps; ends running (a resume last) when `endRunning`. */
function pauses(start: number, gaps: readonly number[], endRunning: boolean): ClockEvent[] {
  const events: ClockEvent[] = [{ kind: 'start', at: start }];
  let t = start;
  gaps.forEach((g, i) => {
    t += g;
    events.push({ kind: i % 2 === 0 ? 'pause' : 'resume', at: t });
  });
  if (endRunning && gaps.length % 2 === 1) events.push({ kind: 'resume', at: t + DAY });
  return events;
}

/** Any mix of events (pause, resume, stop, reopen, breach, retarget) after a start. */
const eventsArb = (start: number) =>
  fc
    .array(
      fc.tuple(
        fc.integer({ min: 0, max: 2 * DAY }),
        fc.oneof(
          fc.constantFrom('pause' as const, 'resume' as const, 'stop' as const, 'reopen' as const, 'breach' as const).map((kind) => ({ kind })),
          specArb.map((spec) => ({ kind: 'retarget' as const, spec })),
        ),
      ),
      { maxLength: 8 },
    )
    .map((list) => {
      const events: ClockEvent[] = [{ kind: 'start', at: start }];
      let t = start;
      for (const [gap, ev] of list) {
        t += gap;
        events.push({ ...ev, at: t } as ClockEvent);
      }
      return events;
    });

describe('properties', () => {
  it('pauses only push the due later, never earlier, and never add elapsed time', () => {
    fc.assert(
      fc.property(specArb, startArb, gapsArb, fc.integer({ min: 0, max: 20 * DAY }), (spec, start, gaps, later) => {
        const events = pauses(start, gaps, true);
        const withPauses = thresholdAt(spec, events, 1);
        const without = thresholdAt(spec, [events[0]!], 1);
        expect(withPauses).toBeGreaterThanOrEqual(without);
        const now = start + later;
        expect(evaluateClock(spec, events, now).elapsed_ms).toBeLessThanOrEqual(evaluateClock(spec, [events[0]!], now).elapsed_ms);
      }),
      { numRuns: 250 },
    );
  });

  it('the due never falls inside a closed period, and counts exactly the target', () => {
    fc.assert(
      fc.property(specArb, startArb, gapsArb, (spec, start, gaps) => {
        const events = pauses(start, gaps, true);
        const due = thresholdAt(spec, events, 1);
        const cal = compileCalendar(spec.calendar);
        expect(Number.isFinite(due)).toBe(true);
        expect(cal.isOpen(due - 1)).toBe(true);
        const s = evaluateClock(spec, events, due);
        expect(s.elapsed_ms).toBe(s.target_ms);
        expect(s.due_at).toBe(due);
        expect(s.state).not.toBe('breached');
        expect(evaluateClock(spec, events, due + 1).state).toBe('breached');
        expect(s.warn_at).toBeLessThanOrEqual(s.due_at);
        expect(s.warn_at).toBe(thresholdAt(spec, events, 0.75));
      }),
      { numRuns: 250 },
    );
  });

  it('the due grows with the target', () => {
    fc.assert(
      fc.property(calendarArb, startArb, gapsArb, targetArb, fc.integer({ min: 1, max: 40 }), (calendar, start, gaps, target, more) => {
        const events = pauses(start, gaps, true);
        const bigger: TargetDuration = { ...target, value: target.unit === 'business_days' ? target.value + more / 4 : target.value + more };
        const d1 = thresholdAt({ target, calendar }, events, 1);
        const d2 = thresholdAt({ target: bigger, calendar }, events, 1);
        if (target.unit === 'business_days') expect(d2).toBeGreaterThanOrEqual(d1);
        else expect(d2).toBeGreaterThan(d1);
      }),
      { numRuns: 250 },
    );
  });

  it('elapsed never exceeds the open time between start and now; the status is consistent', () => {
    fc.assert(
      fc.property(
        startArb.chain((start) => fc.tuple(fc.constant(start), eventsArb(start))),
        fc.integer({ min: 0, max: 20 * DAY }),
        specArb,
        ([start, events], later, spec) => {
          const now = start + later;
          const s = evaluateClock(spec, events, now);
          const seen = events.filter((e) => e.at <= now);
          const last = [...seen].reverse().find((e) => e.kind === 'retarget') as { spec: ClockSpec } | undefined;
          const cal = compileCalendar((last?.spec ?? spec).calendar);
          expect(s.elapsed_ms).toBeGreaterThanOrEqual(0);
          expect(s.elapsed_ms).toBeLessThanOrEqual(cal.openTimeBetween(start, now));
          expect(s.remaining_ms).toBe(s.target_ms - s.elapsed_ms);
          expect(s.started_at).toBe(start);
          if (s.state === 'met') expect(s.met_at).not.toBeNull();
          if (s.state === 'breached') expect(s.breached_at).not.toBeNull();
          if (seen.some((e) => e.kind === 'breach')) expect(s.state).toBe('breached');
          if (s.state === 'running') expect(s.due_at).toBe(thresholdAt(spec, seen, 1));
          if (s.stopped) expect(['met', 'breached']).toContain(s.state);
          if (s.paused_since !== null) expect(s.stopped).toBe(false);
          // Later events never change what was counted before them.
          expect(evaluateClock(spec, seen, now)).toEqual(s);
        },
      ),
      { numRuns: 300 },
    );
  });
});
