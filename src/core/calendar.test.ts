/**
 * Service-window calendars: examples across weekends, public holidays (14 July, Ascension, 1 and
 * 8 May), extra closed days, both 2026 DST changes in Europe/Paris with night hours that cross
 * them, America/New_York, 24/7, lunch breaks and business days; problems and limits. Then
 * properties over random calendars (zones with odd offsets and DST at midnight included) and
 * instants: a due lies in an open interval (s, e] with exactly the asked open time before it; it
 * grows with the duration; isOpen agrees with openIntervals and with a brute-force reading of the
 * local clock; openTimeBetween is additive.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addTarget, calendarProblems, compileCalendar, targetOpenMs, type CalendarSpec, type Weekday } from './calendar.ts';
import { frenchPublicHolidays } from './holidays.ts';
import { startOfLocalDay, wallToInstant, zoneOffsetMs } from './zones.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const PARIS = 'Europe/Paris';
const NY = 'America/New_York';

/** The instant of a local wall time 'YYYY-MM-DD HH:MM' (first passage when repeated). */
const at = (local: string, zone = PARIS) => wallToInstant(Date.parse(`${local.replace(' ', 'T')}:00Z`), zone);
/** The local wall time of an instant, 'YYYY-MM-DD HH:MM'. */
const wall = (t: number, zone = PARIS) => new Date(t + zoneOffsetMs(t, zone)).toISOString().slice(0, 16).replace('T', ' ');

const weekdays = (ranges: [string, string][]): CalendarSpec['hours'] => ({ mon: ranges, tue: ranges, wed: ranges, thu: ranges, fri: ranges });
const everyDay = (ranges: [string, string][]): CalendarSpec['hours'] => ({ ...weekdays(ranges), sat: ranges, sun: ranges });
const spec = (over: Partial<CalendarSpec> = {}): CalendarSpec => ({
  time_zone: PARIS,
  always: false,
  hours: weekdays([['08:00', '18:00']]),
  public_holidays: 'fr',
  closed_days: [],
  ...over,
});
const business = compileCalendar(spec());

describe('business hours, Mon–Fri 08:00–18:00 Europe/Paris with French holidays', () => {
  it('is open in the hours only', () => {
    expect(business.isOpen(at('2026-11-30 08:00'))).toBe(true);
    expect(business.isOpen(at('2026-11-30 07:59'))).toBe(false);
    expect(business.isOpen(at('2026-11-30 17:59'))).toBe(true);
    expect(business.isOpen(at('2026-11-30 18:00'))).toBe(false);
    expect(business.isOpen(at('2026-11-28 10:00'))).toBe(false); // Saturday
    expect(business.isOpen(at('2026-07-14 10:00'))).toBe(false); // Bastille Day
  });

  it('skips the weekend', () => {
    expect(wall(business.addOpenTime(at('2026-11-27 16:00'), 4 * HOUR))).toBe('2026-11-30 10:00');
    expect(wall(business.addOpenTime(at('2026-11-28 11:00'), 30 * MIN))).toBe('2026-11-30 08:30');
    expect(wall(business.nextOpen(at('2026-11-27 18:00')))).toBe('2026-11-30 08:00');
    expect(business.openTimeBetween(at('2026-11-27 16:00'), at('2026-11-30 10:00'))).toBe(4 * HOUR);
  });

  it('ends at the closing instant, never inside the closed period', () => {
    expect(wall(business.addOpenTime(at('2026-11-30 08:00'), 10 * HOUR))).toBe('2026-11-30 18:00');
    expect(wall(business.addOpenTime(at('2026-11-27 08:00'), 10 * HOUR))).toBe('2026-11-27 18:00'); // Friday, not Monday 08:00
    expect(wall(business.addOpenTime(at('2026-11-27 18:00'), 1))).toBe('2026-11-30 08:00');
    expect(business.addOpenTime(at('2026-11-28 12:00'), 0)).toBe(at('2026-11-28 12:00')); // 0 ms: the start itself
  });

  it('skips 14 July and Ascension Thursday', () => {
    expect(wall(business.addOpenTime(at('2026-07-13 17:00'), 4 * HOUR))).toBe('2026-07-15 11:00');
    expect(wall(business.addOpenTime(at('2026-05-13 16:00'), 4 * HOUR))).toBe('2026-05-15 10:00');
    // 1 May and 8 May 2026 are Fridays: a long weekend twice.
    expect(wall(business.addOpenTime(at('2026-04-30 17:00'), 2 * HOUR))).toBe('2026-05-04 09:00');
    expect(wall(business.addOpenTime(at('2026-05-07 17:00'), 2 * HOUR))).toBe('2026-05-11 09:00');
  });

  it('skips an extra closed day (the Ascension bridge)', () => {
    const bridge = compileCalendar(spec({ closed_days: ['2026-05-15'] }));
    expect(wall(bridge.addOpenTime(at('2026-05-13 16:00'), 4 * HOUR))).toBe('2026-05-18 10:00');
    expect(bridge.isOpen(at('2026-05-15 10:00'))).toBe(false);
    expect(bridge.openTimeBetween(at('2026-05-11 00:00'), at('2026-05-18 00:00'))).toBe(30 * HOUR); // Mon, Tue, Wed
  });

  it('holidays can be turned off, or be those of Alsace-Moselle', () => {
    const none = compileCalendar(spec({ public_holidays: 'none' }));
    expect(wall(none.addOpenTime(at('2026-07-13 17:00'), 4 * HOUR))).toBe('2026-07-14 11:00');
    const alsace = compileCalendar(spec({ public_holidays: 'fr-alsace-moselle' }));
    // Good Friday 3 April 2026, then Easter Monday 6 April.
    expect(wall(alsace.addOpenTime(at('2026-04-02 17:00'), 2 * HOUR))).toBe('2026-04-07 09:00');
    expect(wall(business.addOpenTime(at('2026-04-02 17:00'), 2 * HOUR))).toBe('2026-04-03 09:00');
    // 25 and 26 December 2025 (Thursday, Friday).
    expect(wall(alsace.addOpenTime(at('2025-12-24 17:00'), 2 * HOUR))).toBe('2025-12-29 09:00');
    expect(wall(business.addOpenTime(at('2025-12-24 17:00'), 2 * HOUR))).toBe('2025-12-26 09:00');
  });

  it('lists the open intervals of a week, clipped', () => {
    const list = business.openIntervals(at('2026-07-13 12:00'), at('2026-07-20 09:00'));
    expect(list.map(([s, e]) => `${wall(s)}–${wall(e).slice(11)}`)).toEqual([
      '2026-07-13 12:00–18:00',
      '2026-07-15 08:00–18:00',
      '2026-07-16 08:00–18:00',
      '2026-07-17 08:00–18:00',
      '2026-07-20 08:00–09:00',
    ]);
  });
});

describe('daylight-saving changes', () => {
  const night = compileCalendar(spec({ hours: everyDay([['00:00', '06:00'], ['22:00', '24:00']]), public_holidays: 'none' }));

  it('spring forward (29 March 2026): night hours lose an hour', () => {
    // Saturday 23:00 + 4 h of open time: 23:00–24:00, then 00:00–04:00 wall holds 3 real hours.
    const start = at('2026-03-28 23:00');
    const due = night.addOpenTime(start, 4 * HOUR);
    expect(wall(due)).toBe('2026-03-29 04:00');
    expect(due - start).toBe(4 * HOUR);
    expect(night.openTimeBetween(at('2026-03-29 00:00'), at('2026-03-29 12:00'))).toBe(5 * HOUR);
    // Over midnight the intervals merge.
    expect(night.openIntervals(at('2026-03-28 21:00'), at('2026-03-29 12:00'))).toEqual([[at('2026-03-28 22:00'), at('2026-03-29 06:00')]]);
  });

  it('fall back (25 October 2026): night hours gain an hour', () => {
    const start = at('2026-10-24 23:00');
    const due = night.addOpenTime(start, 4 * HOUR);
    expect(due).toBe(Date.parse('2026-10-25T01:00:00Z')); // 02:00 winter time, the second 02:00
    expect(due - start).toBe(4 * HOUR);
    expect(night.openTimeBetween(at('2026-10-25 00:00'), at('2026-10-25 12:00'))).toBe(7 * HOUR);
  });

  it('a range 01:00–04:00 lasts 2 h on the spring-forward day and 4 h on the fall-back day', () => {
    const early = compileCalendar(spec({ hours: { sun: [['01:00', '04:00']] }, public_holidays: 'none' }));
    expect(early.openTimeBetween(at('2026-03-29 00:00'), at('2026-03-30 00:00'))).toBe(2 * HOUR);
    expect(early.openTimeBetween(at('2026-10-25 00:00'), at('2026-10-26 00:00'))).toBe(4 * HOUR);
    expect(early.openTimeBetween(at('2026-11-01 00:00'), at('2026-11-02 00:00'))).toBe(3 * HOUR);
    // A start inside the gap (02:30 does not exist) opens after the gap.
    const gap = compileCalendar(spec({ hours: { sun: [['02:30', '05:00']] }, public_holidays: 'none' }));
    expect(wall(gap.nextOpen(at('2026-03-29 00:00')))).toBe('2026-03-29 03:00');
    expect(gap.openTimeBetween(at('2026-03-29 00:00'), at('2026-03-30 00:00'))).toBe(2 * HOUR);
    // A range wholly inside the gap has no open time that day.
    const lost = compileCalendar(spec({ hours: { sun: [['02:10', '02:50']] }, public_holidays: 'none' }));
    expect(lost.openTimeBetween(at('2026-03-29 00:00'), at('2026-03-30 00:00'))).toBe(0);
    expect(wall(lost.nextOpen(at('2026-03-29 00:00')))).toBe('2026-04-05 02:10');
  });

  it('business hours across the change: the same wall hours, the real gap shrinks or grows', () => {
    expect(wall(business.addOpenTime(at('2026-03-27 17:00'), 2 * HOUR))).toBe('2026-03-30 09:00');
    expect(business.addOpenTime(at('2026-03-27 17:00'), 2 * HOUR)).toBe(Date.parse('2026-03-30T07:00:00Z'));
    expect(business.addOpenTime(at('2026-10-23 17:00'), 2 * HOUR)).toBe(Date.parse('2026-10-26T08:00:00Z'));
  });

  it('24/7 counts real time: the local day is 23 h or 25 h long', () => {
    const always = compileCalendar(spec({ always: true }));
    expect(always.openTimeBetween(at('2026-03-29 00:00'), at('2026-03-30 00:00'))).toBe(23 * HOUR);
    expect(always.openTimeBetween(at('2026-10-25 00:00'), at('2026-10-26 00:00'))).toBe(25 * HOUR);
    expect(always.addOpenTime(at('2026-10-25 01:00'), 4 * HOUR)).toBe(Date.parse('2026-10-25T03:00:00Z')); // 04:00 winter time
  });
});

describe('other zones, 24/7, lunch breaks', () => {
  it('America/New_York business hours across its DST change (8 March 2026)', () => {
    const ny = compileCalendar(spec({ time_zone: NY, hours: weekdays([['09:00', '17:00']]), public_holidays: 'none' }));
    const due = ny.addOpenTime(at('2026-03-06 16:00', NY), 2 * HOUR);
    expect(wall(due, NY)).toBe('2026-03-09 10:00');
    expect(due).toBe(Date.parse('2026-03-09T14:00:00Z')); // EDT, UTC−4
    expect(ny.isOpen(Date.parse('2026-03-06T21:30:00Z'))).toBe(true); // 16:30 EST
    expect(ny.isOpen(Date.parse('2026-03-09T13:30:00Z'))).toBe(true); // 09:30 EDT
    expect(ny.isOpen(Date.parse('2026-03-09T13:00:00Z'))).toBe(true); // 09:00 EDT
    expect(ny.isOpen(Date.parse('2026-03-09T12:30:00Z'))).toBe(false); // 08:30 EDT
    expect(ny.isOpen(at('2026-03-06 17:00', NY))).toBe(false);
  });

  it('zones whose DST changes at midnight (America/Santiago) or that skipped a day (Pacific/Apia)', () => {
    const SCL = 'America/Santiago';
    // 6 September 2026: 00:00 does not exist, the day begins at 01:00 and lasts 23 h.
    const night = compileCalendar(spec({ time_zone: SCL, hours: { sun: [['00:00', '06:00']] }, public_holidays: 'none' }));
    expect(night.openTimeBetween(at('2026-09-05 12:00', SCL), at('2026-09-07 00:00', SCL))).toBe(5 * HOUR);
    expect(wall(night.nextOpen(at('2026-09-05 12:00', SCL)), SCL)).toBe('2026-09-06 01:00');
    const always = compileCalendar(spec({ time_zone: SCL, always: true }));
    expect(always.addBusinessDays(at('2026-09-05 00:00', SCL), 1)).toBe(at('2026-09-06 01:00', SCL)); // a whole Saturday later: Sunday begins at 01:00
    // Samoa skipped Friday 30 December 2011: no open time that day.
    const APIA = 'Pacific/Apia';
    const apia = compileCalendar(spec({ time_zone: APIA, public_holidays: 'none' }));
    expect(wall(apia.addOpenTime(at('2011-12-29 17:00', APIA), 2 * HOUR), APIA)).toBe('2012-01-02 09:00');
    expect(compileCalendar(spec({ time_zone: APIA, always: true })).openTimeBetween(at('2011-12-29 00:00', APIA), at('2011-12-31 00:00', APIA))).toBe(DAY);
  });

  it('24/7 ignores hours, holidays and closed days; intervals merge over midnight', () => {
    const always = compileCalendar(spec({ always: true, hours: {}, closed_days: ['2026-07-15'] }));
    const t = at('2026-07-14 10:00');
    expect(always.isOpen(t)).toBe(true);
    expect(always.nextOpen(t)).toBe(t);
    expect(always.addOpenTime(t, 30 * HOUR)).toBe(t + 30 * HOUR);
    expect(always.openTimeBetween(t, t + 3 * DAY)).toBe(3 * DAY);
    expect(always.openIntervals(t, t + 3 * DAY)).toEqual([[t, t + 3 * DAY]]);
  });

  it('lunch break 08:00–12:00 and 14:00–18:00', () => {
    const lunch = compileCalendar(spec({ hours: weekdays([['08:00', '12:00'], ['14:00', '18:00']]) }));
    expect(wall(lunch.addOpenTime(at('2026-11-30 11:00'), 2 * HOUR))).toBe('2026-11-30 15:00');
    expect(wall(lunch.addOpenTime(at('2026-11-30 10:00'), 2 * HOUR))).toBe('2026-11-30 12:00'); // not 14:00
    expect(wall(lunch.addOpenTime(at('2026-11-30 12:30'), MIN))).toBe('2026-11-30 14:01');
    expect(lunch.isOpen(at('2026-11-30 13:00'))).toBe(false);
    expect(lunch.openTimeBetween(at('2026-11-30 00:00'), at('2026-12-01 00:00'))).toBe(8 * HOUR);
  });
});

describe('business days', () => {
  it('keeps the open-time offset in the day: Fri 15:00 + 1 → Mon 15:00; Tue 20:00 + 1 → Wed 18:00', () => {
    expect(wall(business.addBusinessDays(at('2026-11-27 15:00'), 1))).toBe('2026-11-30 15:00');
    expect(wall(business.addBusinessDays(at('2026-11-24 20:00'), 1))).toBe('2026-11-25 18:00');
    expect(wall(business.addBusinessDays(at('2026-11-30 07:00'), 1))).toBe('2026-11-30 18:00');
    expect(wall(business.addBusinessDays(at('2026-11-30 10:00'), 3))).toBe('2026-12-03 10:00');
    expect(wall(business.addBusinessDays(at('2026-11-30 10:00'), 0))).toBe('2026-11-30 10:00');
    expect(wall(business.addBusinessDays(at('2026-11-28 10:00'), 0))).toBe('2026-11-30 08:00'); // moved to the next open instant
  });

  it('skips holidays and closed days', () => {
    expect(wall(business.addBusinessDays(at('2026-07-13 10:00'), 1))).toBe('2026-07-15 10:00');
    expect(wall(business.addBusinessDays(at('2026-05-13 10:00'), 1))).toBe('2026-05-15 10:00');
    const bridge = compileCalendar(spec({ closed_days: ['2026-05-15'] }));
    expect(wall(bridge.addBusinessDays(at('2026-05-13 10:00'), 1))).toBe('2026-05-18 10:00');
  });

  it('counts a fraction as that share of the landing day', () => {
    expect(wall(business.addBusinessDays(at('2026-11-30 08:00'), 0.5))).toBe('2026-11-30 13:00');
    expect(wall(business.addBusinessDays(at('2026-11-27 15:00'), 1.5))).toBe('2026-12-01 10:00');
    const lunch = compileCalendar(spec({ hours: weekdays([['08:00', '12:00'], ['14:00', '18:00']]) }));
    expect(wall(lunch.addBusinessDays(at('2026-11-30 08:00'), 0.5))).toBe('2026-11-30 12:00');
  });

  it('on 24/7 the offset is open time: across the spring-forward day the wall hour moves', () => {
    const always = compileCalendar(spec({ always: true }));
    expect(wall(always.addBusinessDays(at('2026-03-27 12:00'), 1))).toBe('2026-03-28 12:00');
    // 12 h into Saturday, landing on a 23 h Sunday: 12 h of Sunday's open time is 13:00 wall.
    expect(wall(always.addBusinessDays(at('2026-03-28 12:00'), 1))).toBe('2026-03-29 13:00');
  });

  it('addTarget and targetOpenMs for the three units', () => {
    const start = at('2026-11-27 15:00');
    expect(wall(addTarget(business, start, { value: 30, unit: 'minutes' }))).toBe('2026-11-27 15:30');
    expect(wall(addTarget(business, start, { value: 4, unit: 'hours' }))).toBe('2026-11-30 09:00');
    expect(wall(addTarget(business, start, { value: 1, unit: 'business_days' }))).toBe('2026-11-30 15:00');
    expect(targetOpenMs(business, start, { value: 30, unit: 'minutes' })).toBe(30 * MIN);
    expect(targetOpenMs(business, start, { value: 1.5, unit: 'hours' })).toBe(90 * MIN);
    expect(targetOpenMs(business, start, { value: 1, unit: 'business_days' })).toBe(10 * HOUR);
    expect(targetOpenMs(business, at('2026-11-24 20:00'), { value: 1, unit: 'business_days' })).toBe(10 * HOUR);
    expect(targetOpenMs(business, at('2026-11-30 10:00'), { value: 2, unit: 'business_days' })).toBe(20 * HOUR);
  });
});

describe('limits and problems', () => {
  it('a calendar without open time answers Infinity and 0, without looping', () => {
    const none = compileCalendar(spec({ hours: {} }));
    const t = at('2026-11-30 10:00');
    expect(none.isOpen(t)).toBe(false);
    expect(none.nextOpen(t)).toBe(Infinity);
    expect(none.addOpenTime(t, HOUR)).toBe(Infinity);
    expect(none.addBusinessDays(t, 1)).toBe(Infinity);
    expect(none.openTimeBetween(t, t + 365 * DAY)).toBe(0);
    expect(none.openIntervals(t, t + 365 * DAY)).toEqual([]);
    expect(addTarget(none, t, { value: 1, unit: 'business_days' })).toBe(Infinity);
    expect(targetOpenMs(none, t, { value: 1, unit: 'business_days' })).toBe(Infinity);
  });

  it('gives up after about ten years closed in a row', () => {
    // Open on Mondays only, and every Monday of 2026–2036 closed.
    const mondays: string[] = [];
    for (let d = Date.UTC(2026, 0, 5); d < Date.UTC(2037, 0, 1); d += 7 * DAY) mondays.push(new Date(d).toISOString().slice(0, 10));
    const closed = compileCalendar(spec({ hours: { mon: [['08:00', '18:00']] }, public_holidays: 'none', closed_days: mondays }));
    expect(closed.nextOpen(at('2026-01-01 00:00'))).toBe(Infinity);
    expect(closed.addOpenTime(at('2026-01-01 00:00'), HOUR)).toBe(Infinity);
    // Starting later, the run of closed days is shorter: it opens again in 2037.
    expect(wall(closed.nextOpen(at('2030-01-01 00:00')))).toBe('2037-01-05 08:00');
  });

  it('handles long targets and non-finite input', () => {
    const t = at('2026-11-30 08:00');
    // 10,000 hours of 10-hour days: about four years.
    const due = business.addOpenTime(t, 10_000 * HOUR);
    expect(business.openTimeBetween(t, due)).toBe(10_000 * HOUR);
    expect(business.addOpenTime(t, Infinity)).toBe(Infinity);
    expect(business.nextOpen(Infinity)).toBe(Infinity);
    expect(business.isOpen(NaN)).toBe(false);
    expect(business.openTimeBetween(t, Infinity)).toBe(Infinity);
    expect(business.openTimeBetween(t, t - 1)).toBe(0);
  });

  it('memoises compiled calendars by their content', () => {
    expect(compileCalendar(spec())).toBe(business);
    expect(compileCalendar(spec({ closed_days: ['2026-05-15', '2026-05-15'] }))).toBe(compileCalendar(spec({ closed_days: ['2026-05-15'] })));
    expect(compileCalendar(spec({ public_holidays: 'none' }))).not.toBe(business);
    expect(() => compileCalendar(spec({ time_zone: 'Mars/Olympus' }))).toThrow(RangeError);
  });

  it('calendarProblems names what is wrong', () => {
    expect(calendarProblems(spec())).toEqual([]);
    expect(calendarProblems(spec({ always: true, hours: {} }))).toEqual([]);
    expect(calendarProblems(spec({ hours: { mon: [['00:00', '24:00']] } }))).toEqual([]);
    expect(calendarProblems(spec({ time_zone: 'Mars/Olympus' }))).toEqual(['unknown time zone Mars/Olympus']);
    expect(calendarProblems(spec({ hours: { mon: [['08:00', '12:00'], ['11:00', '18:00']] } }))[0]).toMatch(/overlap/);
    expect(calendarProblems(spec({ hours: { mon: [['14:00', '18:00'], ['08:00', '12:00']] } }))[0]).toMatch(/sorted/);
    expect(calendarProblems(spec({ hours: { mon: [['18:00', '08:00']] } }))[0]).toMatch(/end after/);
    expect(calendarProblems(spec({ hours: { mon: [['24:00', '24:00']] } }))[0]).toMatch(/HH:MM/);
    expect(calendarProblems(spec({ hours: { mon: [['8:00', '12:00']] } }))[0]).toMatch(/HH:MM/);
    expect(calendarProblems(spec({ hours: {} }))[0]).toMatch(/no open hours/);
    expect(calendarProblems(spec({ closed_days: ['2026-02-30', '2026-13-01', 'tomorrow', '2026-02-28'] }))).toEqual([
      'closed day 2026-02-30 is not a date as YYYY-MM-DD',
      'closed day 2026-13-01 is not a date as YYYY-MM-DD',
      'closed day tomorrow is not a date as YYYY-MM-DD',
    ]);
    expect(calendarProblems({ ...spec(), hours: { funday: [['08:00', '12:00']] } as never })[0]).toMatch(/unknown weekday funday/);
  });
});

// ---------------------------------------------------------------------------------------------
// Properties

const ZONES = [PARIS, NY, 'UTC', 'Australia/Sydney', 'Asia/Kathmandu', 'America/Santiago', 'Australia/Lord_Howe', 'Pacific/Chatham'];
const WEEKDAY_KEYS: Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const FROM = Date.UTC(2025, 0, 1);
const TO = Date.UTC(2027, 11, 31);
const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;

/** 0–3 sorted, non-overlapping ranges on a quarter-hour grid (touching allowed, '24:00' possible). */
const rangesArb = fc
  .uniqueArray(fc.integer({ min: 0, max: 96 }), { minLength: 0, maxLength: 6 })
  .map((points) => {
    const sorted = [...points].sort((a, b) => a - b);
    const out: [string, string][] = [];
    for (let i = 0; i + 1 < sorted.length; i += 2) out.push([hhmm(sorted[i]! * 15), hhmm(sorted[i + 1]! * 15)]);
    return out;
  });

const dateArb = fc.integer({ min: FROM, max: TO }).map((t) => new Date(t).toISOString().slice(0, 10));

const calendarArb: fc.Arbitrary<CalendarSpec> = fc.record({
  time_zone: fc.constantFrom(...ZONES),
  always: fc.integer({ min: 0, max: 9 }).map((n) => n < 2),
  hours: fc.tuple(...WEEKDAY_KEYS.map(() => rangesArb)).map((rs) => Object.fromEntries(rs.map((r, i) => [WEEKDAY_KEYS[i]!, r]).filter(([, r]) => r.length > 0))),
  public_holidays: fc.constantFrom('none' as const, 'fr' as const, 'fr-alsace-moselle' as const),
  closed_days: fc.array(dateArb, { maxLength: 20 }),
});
/** Calendars with at least one range (so they have open time, DST gaps aside). */
const openCalendarArb = calendarArb.filter((c) => c.always || Object.values(c.hours).some((r) => r.length > 0));
/** Days of offset changes in the zones above (2025–2026): instants are drawn near them half the time. */
const TRANSITIONS = ['2025-03-30', '2025-10-26', '2026-03-29', '2026-10-25', '2026-03-08', '2026-11-01', '2026-04-05', '2026-10-04', '2026-09-06', '2026-09-27'].map((d) => Date.parse(`${d}T00:00:00Z`));
const instantArb = fc.oneof(
  fc.integer({ min: FROM, max: TO }),
  fc.tuple(fc.constantFrom(...TRANSITIONS), fc.integer({ min: -2 * DAY, max: 2 * DAY })).map(([d, x]) => d + x),
);
const durationArb = fc.integer({ min: 1, max: 3 * DAY });

describe('properties', () => {
  it('(a) a due lies in an open interval (s, e] with exactly the asked open time before it', () => {
    fc.assert(
      fc.property(openCalendarArb, instantArb, durationArb, (s, start, ms) => {
        const cal = compileCalendar(s);
        const due = cal.addOpenTime(start, ms);
        expect(Number.isFinite(due)).toBe(true);
        expect(due).toBeGreaterThan(start);
        expect(cal.openTimeBetween(start, due)).toBe(ms);
        expect(cal.isOpen(due - 1)).toBe(true); // the instant before the due is open: never inside a closed period
        expect(cal.openTimeBetween(start, due - 1)).toBe(ms - 1); // the earliest such instant
      }),
      { numRuns: 300 },
    );
  });

  it('(b) the due grows with the duration, strictly when the calendar has open time', () => {
    fc.assert(
      fc.property(openCalendarArb, instantArb, durationArb, durationArb, (s, start, m1, m2) => {
        const cal = compileCalendar(s);
        const [lo, hi] = m1 <= m2 ? [m1, m2] : [m2, m1];
        const d1 = cal.addOpenTime(start, lo);
        const d2 = cal.addOpenTime(start, hi);
        if (lo < hi) expect(d2).toBeGreaterThan(d1);
        else expect(d2).toBe(d1);
        expect(cal.addOpenTime(start, 0)).toBe(start);
        expect(d1).toBeGreaterThan(start);
      }),
      { numRuns: 300 },
    );
  });

  it('(b′) business days grow with n and land where the open time says', () => {
    fc.assert(
      fc.property(openCalendarArb, instantArb, fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 40 }), (s, start, q1, q2) => {
        const cal = compileCalendar(s);
        const [lo, hi] = (q1 <= q2 ? [q1, q2] : [q2, q1]).map((q) => q / 4);
        const d1 = cal.addBusinessDays(start, lo!);
        const d2 = cal.addBusinessDays(start, hi!);
        expect(d2).toBeGreaterThanOrEqual(d1);
        const s0 = cal.nextOpen(start);
        expect(d1).toBeGreaterThanOrEqual(s0);
        expect(cal.openTimeBetween(s0, d1)).toBe(targetOpenMs(cal, start, { value: lo!, unit: 'business_days' }));
        expect(addTarget(cal, start, { value: hi!, unit: 'business_days' })).toBe(d2);
        if (d1 > s0) expect(cal.isOpen(d1 - 1)).toBe(true);
        if (Math.floor(hi!) >= 1) expect(d2).toBeGreaterThan(s0);
      }),
      { numRuns: 200 },
    );
  });

  it('(c) isOpen agrees with openIntervals; intervals are sorted, disjoint and merged', () => {
    fc.assert(
      fc.property(calendarArb, instantArb, fc.integer({ min: 1, max: 4 * DAY }), fc.array(fc.integer({ min: 0, max: 4 * DAY }), { maxLength: 30 }), (s, a, len, probes) => {
        const cal = compileCalendar(s);
        const b = a + len;
        const list = cal.openIntervals(a, b);
        let total = 0;
        for (let i = 0; i < list.length; i++) {
          const [x, y] = list[i]!;
          expect(x).toBeGreaterThanOrEqual(a);
          expect(y).toBeLessThanOrEqual(b);
          expect(y).toBeGreaterThan(x);
          if (i > 0) expect(x).toBeGreaterThan(list[i - 1]![1]); // not touching: merged
          expect(cal.isOpen(x)).toBe(true);
          expect(cal.isOpen(y - 1)).toBe(true);
          if (y < b) expect(cal.isOpen(y)).toBe(false);
          if (x > a) expect(cal.isOpen(x - 1)).toBe(false);
          total += y - x;
        }
        expect(cal.openTimeBetween(a, b)).toBe(total);
        for (const p of probes) {
          const t = a + (p % len);
          expect(cal.isOpen(t)).toBe(list.some(([x, y]) => x <= t && t < y));
          const next = cal.nextOpen(t);
          if (cal.isOpen(t)) expect(next).toBe(t);
          else {
            expect(next).toBeGreaterThan(t);
            if (Number.isFinite(next)) {
              expect(cal.isOpen(next)).toBe(true);
              expect(cal.openTimeBetween(t, next)).toBe(0);
            }
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('(c′) isOpen agrees with a brute-force reading of the local clock on days without an offset change', () => {
    fc.assert(
      fc.property(calendarArb, fc.array(instantArb, { minLength: 1, maxLength: 40 }), (s, instants) => {
        const cal = compileCalendar(s);
        for (const t of instants) {
          const w = t + zoneOffsetMs(t, s.time_zone);
          const day = Math.floor(w / DAY);
          if (startOfLocalDay(day + 1, s.time_zone) - startOfLocalDay(day, s.time_zone) !== DAY) continue;
          const iso = new Date(day * DAY).toISOString().slice(0, 10);
          const year = Number(iso.slice(0, 4));
          const closed = s.closed_days.includes(iso) || (s.public_holidays !== 'none' && frenchPublicHolidays(year, s.public_holidays).includes(iso));
          const minute = (w - day * DAY) / MIN;
          const key = WEEKDAY_KEYS[(((day + 3) % 7) + 7) % 7]!;
          const toMin = (x: string) => Number(x.slice(0, 2)) * 60 + Number(x.slice(3));
          const expected = s.always || (!closed && (s.hours[key] ?? []).some(([x, y]) => toMin(x) <= minute && minute < toMin(y)));
          expect(cal.isOpen(t)).toBe(expected);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('(d) openTimeBetween is additive: [a, b) + [b, c) = [a, c)', () => {
    fc.assert(
      fc.property(calendarArb, instantArb, fc.integer({ min: 0, max: 10 * DAY }), fc.integer({ min: 0, max: 10 * DAY }), (s, a, x, y) => {
        const cal = compileCalendar(s);
        const b = a + x;
        const c = b + y;
        expect(cal.openTimeBetween(a, b) + cal.openTimeBetween(b, c)).toBe(cal.openTimeBetween(a, c));
        expect(cal.openTimeBetween(a, c)).toBeLessThanOrEqual(c - a);
      }),
      { numRuns: 300 },
    );
  });
});
