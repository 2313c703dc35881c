/**
 * Maintenance windows: examples across the Paris DST changes (spring-forward gap, repeated
 * fall-back hour), monthly rules and limits; then properties: occurrences are sorted, disjoint,
 * meet the asked range, start at the scheduled wall time and last the scheduled wall-clock duration
 * (modulo DST), agree with a brute-force reading of the local clock, and the merged intervals agree
 * with inMaintenance.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  inMaintenance,
  localDay,
  maintenanceIntervals,
  maintenanceProblems,
  occurrences,
  parseStartTime,
  wallToInstant,
  windowsFor,
  zoneOffsetMs,
  type IsoWeekday,
  type MaintenanceWindow,
  type MonthlySchedule,
  type WeeklySchedule,
} from './maintenance.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const utc = (iso: string) => Date.parse(iso);
const iso = (t: number) => new Date(t).toISOString();

const weekly = (days: IsoWeekday[], startTime: string, durationMs: number, extra: Partial<MaintenanceWindow> = {}): MaintenanceWindow => ({
  id: 'w',
  schedule: { kind: 'weekly', days, startTime, durationMs },
  ...extra,
});
const monthly = (on: MonthlySchedule['on'], startTime: string, durationMs: number, extra: Partial<MaintenanceWindow> = {}): MaintenanceWindow => ({
  id: 'm',
  schedule: { kind: 'monthly', on, startTime, durationMs },
  ...extra,
});
const spans = (w: MaintenanceWindow, from: string, to: string) => occurrences(w, utc(from), utc(to)).map((o) => [iso(o.start), iso(o.end)]);

describe('time zone helpers', () => {
  it('reads Paris offsets and resolves wall times across DST', () => {
    expect(zoneOffsetMs(utc('2025-01-15T12:00:00Z'), 'Europe/Paris')).toBe(HOUR);
    expect(zoneOffsetMs(utc('2025-07-15T12:00:00Z'), 'Europe/Paris')).toBe(2 * HOUR);
    // Spring forward 2025-03-30: 02:00 CET → 03:00 CEST at 01:00Z. 02:30 does not exist → 03:00 CEST.
    expect(iso(wallToInstant(Date.UTC(2025, 2, 30, 2, 30), 'Europe/Paris'))).toBe('2025-03-30T01:00:00.000Z');
    // Fall back 2025-10-26: 03:00 CEST → 02:00 CET at 01:00Z. 02:30 happens twice.
    expect(iso(wallToInstant(Date.UTC(2025, 9, 26, 2, 30), 'Europe/Paris', 'earlier'))).toBe('2025-10-26T00:30:00.000Z');
    expect(iso(wallToInstant(Date.UTC(2025, 9, 26, 2, 30), 'Europe/Paris', 'later'))).toBe('2025-10-26T01:30:00.000Z');
    expect(iso(wallToInstant(Date.UTC(2025, 2, 9, 2, 30), 'America/New_York'))).toBe('2025-03-09T07:00:00.000Z');
    expect(localDay(utc('2025-03-29T23:30:00Z'), 'Europe/Paris')).toBe(Date.UTC(2025, 2, 30) / DAY);
  });

  it('parses HH:MM start times', () => {
    expect(parseStartTime('02:30')).toBe(150);
    expect(parseStartTime('23:59')).toBe(1439);
    expect(parseStartTime('24:00')).toBeNull();
    expect(parseStartTime('2:30')).toBeNull();
  });
});

describe('weekly windows', () => {
  it('Sunday 02:00 for 4 h: 4 real hours in winter and summer, 3 on spring-forward day, 5 on fall-back day', () => {
    const w = weekly([7], '02:00', 4 * HOUR);
    expect(spans(w, '2025-03-20T00:00:00Z', '2025-04-07T00:00:00Z')).toEqual([
      ['2025-03-23T01:00:00.000Z', '2025-03-23T05:00:00.000Z'], // CET
      ['2025-03-30T01:00:00.000Z', '2025-03-30T04:00:00.000Z'], // 02:00 is in the gap: 03:00 CEST → 06:00 CEST
      ['2025-04-06T00:00:00.000Z', '2025-04-06T04:00:00.000Z'], // CEST
    ]);
    expect(spans(w, '2025-10-25T00:00:00Z', '2025-10-27T00:00:00Z')).toEqual([
      ['2025-10-26T00:00:00.000Z', '2025-10-26T05:00:00.000Z'], // 02:00 CEST → 06:00 CET
    ]);
  });

  it('a 02:30 start on the spring-forward day begins at 03:00 local', () => {
    const w = weekly([7], '02:30', 2 * HOUR);
    expect(spans(w, '2025-03-29T00:00:00Z', '2025-03-31T00:00:00Z')).toEqual([['2025-03-30T01:00:00.000Z', '2025-03-30T02:30:00.000Z']]); // 03:00–04:30 CEST
  });

  it('an occurrence wholly inside the gap is skipped', () => {
    expect(spans(weekly([7], '02:10', 30 * MIN), '2025-03-29T00:00:00Z', '2025-03-31T00:00:00Z')).toEqual([]);
  });

  it('in the repeated hour, starts and ends at their first passage', () => {
    expect(spans(weekly([7], '02:30', 15 * MIN), '2025-10-25T00:00:00Z', '2025-10-27T00:00:00Z')).toEqual([['2025-10-26T00:30:00.000Z', '2025-10-26T00:45:00.000Z']]);
    expect(spans(weekly([7], '02:30', 45 * MIN), '2025-10-25T00:00:00Z', '2025-10-27T00:00:00Z')).toEqual([['2025-10-26T00:30:00.000Z', '2025-10-26T02:15:00.000Z']]); // to 03:15 CET
  });

  it('several days, a window crossing midnight, clipped by activeFrom and until', () => {
    const w = weekly([1, 3, 5], '23:00', 3 * HOUR, { timeZone: 'UTC', activeFrom: utc('2025-01-07T00:00:00Z'), until: utc('2025-01-13T00:00:00Z') });
    expect(spans(w, '2025-01-01T00:00:00Z', '2025-02-01T00:00:00Z')).toEqual([
      ['2025-01-08T23:00:00.000Z', '2025-01-09T02:00:00.000Z'],
      ['2025-01-10T23:00:00.000Z', '2025-01-11T02:00:00.000Z'],
    ]);
    // An occurrence that began before `from` but reaches into it is returned whole.
    expect(spans(w, '2025-01-09T01:00:00Z', '2025-01-09T01:30:00Z')).toEqual([['2025-01-08T23:00:00.000Z', '2025-01-09T02:00:00.000Z']]);
  });
});

describe('monthly windows', () => {
  const zone = { timeZone: 'UTC' };
  it('on the 31st skips the months without one, -1 is the last day', () => {
    const starts = (w: MaintenanceWindow) => occurrences(w, utc('2025-01-01T00:00:00Z'), utc('2025-07-01T00:00:00Z')).map((o) => iso(o.start).slice(0, 10));
    expect(starts(monthly({ day: 31 }, '22:00', HOUR, zone))).toEqual(['2025-01-31', '2025-03-31', '2025-05-31']);
    expect(starts(monthly({ day: -1 }, '22:00', HOUR, zone))).toEqual(['2025-01-31', '2025-02-28', '2025-03-31', '2025-04-30', '2025-05-31', '2025-06-30']);
    expect(starts(monthly({ nth: 1, weekday: 1 }, '06:00', HOUR, zone))).toEqual(['2025-01-06', '2025-02-03', '2025-03-03', '2025-04-07', '2025-05-05', '2025-06-02']);
    expect(starts(monthly({ nth: -1, weekday: 5 }, '06:00', HOUR, zone))).toEqual(['2025-01-31', '2025-02-28', '2025-03-28', '2025-04-25', '2025-05-30', '2025-06-27']);
    expect(starts(monthly({ nth: 5, weekday: 1 }, '06:00', HOUR, zone))).toEqual(['2025-03-31', '2025-06-30']);
  });

  it('second Tuesday 21:00 Paris (patch night) across the spring change', () => {
    const w = monthly({ nth: 2, weekday: 2 }, '21:00', 3 * HOUR);
    expect(spans(w, '2025-03-01T00:00:00Z', '2025-05-01T00:00:00Z')).toEqual([
      ['2025-03-11T20:00:00.000Z', '2025-03-11T23:00:00.000Z'],
      ['2025-04-08T19:00:00.000Z', '2025-04-08T22:00:00.000Z'],
    ]);
  });
});

describe('one-off windows, lookups and validation', () => {
  const once: MaintenanceWindow = { id: 'o', schedule: { kind: 'once', start: utc('2025-05-01T08:00:00Z'), end: utc('2025-05-01T10:00:00Z') }, targets: [{ kind: 'asset', id: 'fw-1' }] };
  const nightly: MaintenanceWindow = { ...weekly([1, 2, 3, 4, 5, 6, 7], '01:00', 2 * HOUR, { timeZone: 'UTC' }), targets: [{ kind: 'site', id: 'site-1' }] };

  it('inMaintenance and windowsFor', () => {
    expect(inMaintenance([once], utc('2025-05-01T08:00:00Z'))).toBe(true);
    expect(inMaintenance([once], utc('2025-05-01T09:59:59.999Z'))).toBe(true);
    expect(inMaintenance([once], utc('2025-05-01T10:00:00Z'))).toBe(false);
    expect(inMaintenance([once, nightly], utc('2025-05-03T02:00:00Z'))).toBe(true);
    expect(windowsFor([once, nightly], ['chk-1', 'fw-1']).map((w) => w.id)).toEqual(['o']);
  });

  it('maintenanceIntervals clips and merges overlapping windows', () => {
    const extra: MaintenanceWindow = { id: 'x', schedule: { kind: 'once', start: utc('2025-05-01T02:30:00Z'), end: utc('2025-05-01T08:30:00Z') } };
    const got = maintenanceIntervals([once, nightly, extra], utc('2025-05-01T01:30:00Z'), utc('2025-05-02T02:00:00Z')).map((i) => [iso(i.start), iso(i.end)]);
    expect(got).toEqual([
      ['2025-05-01T01:30:00.000Z', '2025-05-01T10:00:00.000Z'],
      ['2025-05-02T01:00:00.000Z', '2025-05-02T02:00:00.000Z'],
    ]);
  });

  it('reports invalid definitions', () => {
    expect(maintenanceProblems(once)).toEqual([]);
    expect(maintenanceProblems(weekly([1, 2], '25:00', 30 * HOUR, { timeZone: 'Mars/Olympus' }))).toEqual([
      'unknown time zone Mars/Olympus',
      'start time 25:00 is not HH:MM',
      'the duration overlaps the next occurrence (at most 24 h)',
    ]);
    expect(maintenanceProblems(weekly([], '01:00', HOUR))).toContain('a weekly window needs at least one day');
    expect(maintenanceProblems(monthly({ nth: 6, weekday: 1 }, '01:00', HOUR))).toEqual(['nth is 1..5, or -1 for the last']);
    expect(maintenanceProblems({ id: 'b', schedule: { kind: 'once', start: 5, end: 5 } })).toEqual(['a one-off window needs start < end']);
  });
});

// ---------------------------------------------------------------------------------------------
// Properties

const ZONES = ['Europe/Paris', 'America/New_York', 'Australia/Sydney', 'Asia/Kolkata', 'UTC'];
const Y2024 = Date.UTC(2024, 0, 1);
const Y2027 = Date.UTC(2027, 0, 1);

const startTimeArb = fc.tuple(fc.oneof(fc.integer({ min: 0, max: 23 }), fc.constantFrom(1, 2, 3)), fc.constantFrom(0, 15, 30, 45)).map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`);

const weeklyArb: fc.Arbitrary<WeeklySchedule> = fc
  .record({ days: fc.uniqueArray(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 7 }), startTime: startTimeArb, minutes: fc.integer({ min: 1, max: 7 * 24 * 60 }) })
  .map(({ days, startTime, minutes }) => {
    // Keep the duration within the shortest gap between chosen days (what validation demands).
    const sorted = [...days].sort((a, b) => a - b);
    let gapDays = 7;
    for (let i = 0; i < sorted.length; i++) gapDays = Math.min(gapDays, ((sorted[(i + 1) % sorted.length]! - sorted[i]! + 7) % 7) || 7);
    return { kind: 'weekly', days: days as IsoWeekday[], startTime, durationMs: Math.min(minutes * MIN, gapDays * DAY) };
  });

const monthlyArb: fc.Arbitrary<MonthlySchedule> = fc.record({
  kind: fc.constant('monthly' as const),
  on: fc.oneof(
    fc.record({ day: fc.oneof(fc.integer({ min: 1, max: 31 }), fc.integer({ min: -31, max: -1 })) }),
    fc.record({ nth: fc.constantFrom(1, 2, 3, 4, 5, -1), weekday: fc.integer({ min: 1, max: 7 }).map((d) => d as IsoWeekday) }),
  ),
  startTime: startTimeArb,
  durationMs: fc.integer({ min: 1, max: 3 * 24 * 60 }).map((m) => m * MIN),
});

const windowArb: fc.Arbitrary<MaintenanceWindow> = fc.record({
  id: fc.constant('p'),
  schedule: fc.oneof(weeklyArb, monthlyArb),
  timeZone: fc.constantFrom(...ZONES),
});

/** DST changes of the zones above in 2025 (UTC instants): instants near them are drawn often. */
const DST_CHANGES = ['2025-03-09T07:00:00Z', '2025-03-30T01:00:00Z', '2025-04-05T16:00:00Z', '2025-10-04T16:00:00Z', '2025-10-26T01:00:00Z', '2025-11-02T06:00:00Z'].map(utc);
const instantArb = fc.oneof(
  fc.integer({ min: Y2024, max: Y2027 }),
  fc.tuple(fc.constantFrom(...DST_CHANGES), fc.integer({ min: -2 * DAY, max: 2 * DAY })).map(([t, d]) => t + d),
  fc.tuple(fc.constantFrom(...DST_CHANGES), fc.integer({ min: -4 * HOUR, max: 4 * HOUR }).map((m) => Math.round(m / (15 * MIN)) * 15 * MIN)).map(([t, d]) => t + d),
);

const rangeArb = fc
  .tuple(instantArb, fc.integer({ min: 1, max: 60 * DAY }))
  .map(([from, len]) => ({ from, to: from + len }));

/** Does the schedule fire on local day d? Written independently of maintenance.ts. */
function firesOn(s: WeeklySchedule | MonthlySchedule, d: number): boolean {
  const date = new Date(d * DAY);
  const weekday = date.getUTCDay() || 7;
  const dom = date.getUTCDate();
  const len = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 0)).getUTCDate();
  if (s.kind === 'weekly') return (s.days as number[]).includes(weekday);
  if ('day' in s.on) return s.on.day > 0 ? dom === s.on.day : dom === len + s.on.day + 1;
  if (weekday !== s.on.weekday) return false;
  return s.on.nth > 0 ? Math.floor((dom - 1) / 7) + 1 === s.on.nth : dom > len - 7;
}

/** Wall time (as if UTC) of instant t in the zone. */
const wallOf = (t: number, zone: string) => t + zoneOffsetMs(t, zone);
/** Is t at a DST transition (offset changes at t)? */
const atTransition = (t: number, zone: string) => zoneOffsetMs(t - 1, zone) !== zoneOffsetMs(t, zone);

describe('maintenance properties', () => {
  it('occurrences are sorted, disjoint, meet the range, start at the scheduled time and last the wall-clock duration', () => {
    fc.assert(
      fc.property(windowArb, rangeArb, (w, { from, to }) => {
        const zone = w.timeZone!;
        const s = w.schedule as WeeklySchedule | MonthlySchedule;
        const os = occurrences(w, from, to);
        os.forEach((o, i) => {
          expect(o.end).toBeGreaterThan(o.start);
          expect(o.start < to && o.end > from).toBe(true);
          if (i > 0) expect(o.start).toBeGreaterThanOrEqual(os[i - 1]!.end);
          const startOk = !atTransition(o.start, zone);
          const endOk = !atTransition(o.end, zone);
          // The local clock reads the scheduled start, unless the start fell in a gap.
          if (startOk) expect(((wallOf(o.start, zone) % DAY) + DAY) % DAY).toBe(parseStartTime(s.startTime)! * MIN);
          // Wall-clock length is the duration, unless an end or start was pushed out of a gap.
          if (startOk && endOk) expect(wallOf(o.end, zone) - wallOf(o.start, zone)).toBe(s.durationMs);
          // Real length within one DST shift of the duration.
          expect(Math.abs(o.end - o.start - s.durationMs)).toBeLessThanOrEqual(HOUR);
        });
      }),
      { numRuns: 60 },
    );
  });

  it('agrees with a brute-force reading of the local clock at random instants', () => {
    fc.assert(
      fc.property(windowArb, fc.array(instantArb, { minLength: 1, maxLength: 20 }), (w, instants) => {
        const zone = w.timeZone!;
        const s = w.schedule as WeeklySchedule | MonthlySchedule;
        const startMin = parseStartTime(s.startTime)!;
        for (const t of instants) {
          const wall = wallOf(t, zone);
          // Skip instants in a repeated hour: the local clock alone cannot say which passage it is.
          if (wallOf(t - HOUR, zone) === wall || wallOf(t + HOUR, zone) === wall) continue;
          const today = Math.floor(wall / DAY);
          let expected = false;
          for (let d = today - Math.ceil(s.durationMs / DAY) - 1; d <= today; d++) {
            const startWall = d * DAY + startMin * MIN;
            if (wall < startWall || wall >= startWall + s.durationMs) continue;
            const fires = firesOn(s, d);
            if (fires) expected = true;
          }
          expect(inMaintenance([w], t)).toBe(expected);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('until and activeFrom bound the starts', () => {
    fc.assert(
      fc.property(windowArb, rangeArb, fc.integer({ min: Y2024, max: Y2027 }), fc.integer({ min: 1, max: 90 * DAY }), (w, { from, to }, activeFrom, len) => {
        const bounded = { ...w, activeFrom, until: activeFrom + len };
        const all = occurrences(w, from, to);
        const some = occurrences(bounded, from, to);
        expect(some).toEqual(all.filter((o) => o.start >= activeFrom && o.start < activeFrom + len));
      }),
      { numRuns: 40 },
    );
  });

  it('merged intervals are sorted, separated, inside the range, and match inMaintenance', () => {
    fc.assert(
      fc.property(fc.array(windowArb, { minLength: 1, maxLength: 3 }), rangeArb, fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 15 }), (ws, { from, to }, fractions) => {
        const ivs = maintenanceIntervals(ws, from, to);
        ivs.forEach((iv, i) => {
          expect(iv.start).toBeGreaterThanOrEqual(from);
          expect(iv.end).toBeLessThanOrEqual(to);
          expect(iv.end).toBeGreaterThan(iv.start);
          if (i > 0) expect(iv.start).toBeGreaterThan(ivs[i - 1]!.end);
        });
        const probes = [...fractions.map((f) => from + Math.floor((to - from) * f)), ...ivs.flatMap((iv) => [iv.start, iv.end - 1, iv.end])].filter((t) => t >= from && t < to);
        for (const t of probes) {
          expect(ivs.some((iv) => iv.start <= t && t < iv.end)).toBe(inMaintenance(ws, t));
        }
      }),
      { numRuns: 40 },
    );
  });
});
