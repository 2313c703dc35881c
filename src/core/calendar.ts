/**
 * Service-window calendars: pure, no I/O. A calendar is weekly local wall-clock hours in an IANA
 * time zone, minus French public holidays (computed) and extra closed days; or 24/7. It answers
 * "is it open", "how much open time between two instants" and "when has this much open time
 * elapsed": what the GTI and GTR clocks count (modules/servicedesk/sla-clock.ts).
 *
 * Rules (tested in calendar.test.ts):
 * - Hours are [start, end) local wall-clock ranges per weekday ('24:00' allowed as an end). A range
 *   lasts the real time between its two wall times on that day: 01:00–04:00 in Europe/Paris is 2 h
 *   on the spring-forward day and 4 h on the fall-back day. A wall time in a spring-forward gap
 *   maps to the first instant after the gap; an ambiguous (repeated) one to its first passage.
 * - A public holiday or a closed day has no open time; 'always' (24/7) ignores hours, holidays and
 *   closed days.
 * - Durations of open time end at the earliest instant the open time has elapsed: never inside a
 *   closed period, at most the instant the window closes (18:00, not the next morning).
 * - A calendar whose open time stops for good (no hours, or ~10 years closed in a row) answers
 *   Infinity for "when", never loops.
 *
 * Speed: each compiled calendar caches the open intervals of each local day (epoch-ms bounds, the
 * day's start and end), and day starts are cached per zone, so the hot path makes no Intl call
 * once the days around an instant are known. Compiled calendars are memoised by their content
 * (a hash checked field by field).
 */
import { frenchPublicHolidays } from './holidays.ts';
import { isValidTimeZone, startOfLocalDay, wallToInstant, zoneOffsetMs } from './zones.ts';

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];
export type HolidaySet = 'none' | 'fr' | 'fr-alsace-moselle';

/** The calendar of a service window (the same shape as `CalendarSpec` of modules/contracts/schema.ts). */
export interface CalendarSpec {
  /** IANA zone of the hours and days */
  time_zone: string;
  /** 24/7: every instant is open (hours, holidays and closed days ignored) */
  always: boolean;
  /** open hours per weekday: local ['HH:MM', 'HH:MM'] ranges, sorted, not overlapping ('24:00' as an end) */
  hours: Partial<Record<Weekday, readonly (readonly [string, string])[]>>;
  /** public holidays that close the window */
  public_holidays: HolidaySet;
  /** extra closed days, 'YYYY-MM-DD' in the calendar's zone */
  closed_days: readonly string[];
}

/** A target of open time: minutes or hours of open time, or business days (as in the contract's TargetDuration). */
export interface TargetDuration {
  value: number;
  unit: 'minutes' | 'hours' | 'business_days';
}

/** A compiled calendar: every answer is in epoch ms of open time or instants. */
export interface Calendar {
  readonly spec: CalendarSpec;
  /** Is instant t open? */
  isOpen(t: number): boolean;
  /** first instant ≥ t that is open (t when open); Infinity when the calendar has no open time at all */
  nextOpen(t: number): number;
  /** ms of open time in [a, b); 0 when b ≤ a */
  openTimeBetween(a: number, b: number): number;
  /** earliest instant d ≥ start with openTimeBetween(start, d) === ms (ms = 0 → start). So for ms > 0, d lies in an open interval (s, e] — never inside a closed period; at most the instant the window closes. */
  addOpenTime(start: number, ms: number): number;
  /** open intervals intersecting [a, b), clipped, in order, adjacent ones merged (e.g. 24/7 over midnight) */
  openIntervals(a: number, b: number): [number, number][];
  /** n business days (n ≥ 0, may be fractional: the fraction counts as that share of the landing day's open time): start moved to nextOpen(start); same open-time offset within its local day, n open days later (an open day = a local day with open time); the earliest instant with that much open time elapsed. Mon–Fri 08–18: Fri 15:00 + 1 → Mon 15:00; Tue 20:00 + 1 → Wed 18:00 (a full open day). */
  addBusinessDays(start: number, n: number): number;
}

const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
/** Consecutive local days without open time after which a scan gives up (≈ 10 years): Infinity. */
const MAX_CLOSED_RUN = 3_660;
/** Days scanned are kept within years ~ -5900 … 9900 (Intl and Date cover ±273,790 years). */
const MAX_DAY = 2_900_000;
const MIN_DAY = -2_900_000;
const MAX_T = MAX_DAY * DAY;
const MIN_T = MIN_DAY * DAY;
/** Bounds of the caches: compiled calendars, days per calendar, day starts per zone. */
const MAX_CALENDARS = 1_000;
const MAX_DAYS_CACHED = 5_000;

// ---------------------------------------------------------------------------------------------
// Parsing

/** 'HH:MM' (or '24:00' when an end) into minutes after midnight, or null. */
function parseClock(text: unknown, isEnd: boolean): number | null {
  if (typeof text !== 'string') return null;
  if (text === '24:00') return isEnd ? 1440 : null;
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(text);
  return m ? Number(m[1]) * 60 + Number(m[2]) : null;
}

/** 'YYYY-MM-DD' of a real date into its day number (days since 1970-01-01), or null. */
function parseIsoDay(text: unknown): number | null {
  if (typeof text !== 'string') return null;
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return null;
  const y = Number(m[1]), mo = Number(m[2]), d = Number(m[3]);
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return null;
  return Math.round(date.getTime() / DAY);
}

/** Weekday index of a day number: 0 = Monday … 6 = Sunday (1970-01-01 was a Thursday). */
function weekdayIndex(day: number): number {
  return (((day + 3) % 7) + 7) % 7;
}

/** Problems with a calendar's definition, in English; [] when it is fine. */
export function calendarProblems(spec: CalendarSpec): string[] {
  const problems: string[] = [];
  if (typeof spec.time_zone !== 'string' || !isValidTimeZone(spec.time_zone)) problems.push(`unknown time zone ${String(spec.time_zone)}`);
  if (!['none', 'fr', 'fr-alsace-moselle'].includes(spec.public_holidays)) problems.push(`unknown public holiday set ${String(spec.public_holidays)}`);
  let anyHours = false;
  for (const [key, ranges] of Object.entries(spec.hours ?? {})) {
    if (!(WEEKDAYS as readonly string[]).includes(key)) {
      problems.push(`unknown weekday ${key} (mon … sun)`);
      continue;
    }
    if (!Array.isArray(ranges)) {
      problems.push(`${key}: the hours must be a list of ranges`);
      continue;
    }
    let previousEnd = -1;
    for (const range of ranges as readonly (readonly [string, string])[]) {
      const s = parseClock(range?.[0], false);
      const e = parseClock(range?.[1], true);
      const label = `${key} ${String(range?.[0])}–${String(range?.[1])}`;
      if (s === null || e === null) {
        problems.push(`${label}: times are HH:MM from 00:00 to 24:00 (24:00 only as an end)`);
        continue;
      }
      if (e <= s) {
        problems.push(`${label}: the range must end after it starts`);
        continue;
      }
      if (s < previousEnd) problems.push(`${label}: ranges must be sorted and must not overlap`);
      previousEnd = Math.max(previousEnd, e);
      anyHours = true;
    }
  }
  if (!spec.always && !anyHours) problems.push('no open hours: give hours for at least one weekday, or make the window 24/7');
  const closed = Array.isArray(spec.closed_days) ? spec.closed_days : [];
  if (!Array.isArray(spec.closed_days)) problems.push('closed days must be a list of dates');
  for (const day of closed) if (parseIsoDay(day) === null) problems.push(`closed day ${String(day)} is not a date as YYYY-MM-DD`);
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Day starts per zone, holidays per set and year

const zoneStarts = new Map<string, Map<number, number>>();

/** The instant local day `day` begins in the zone (cached per zone). */
function dayStart(zone: string, starts: Map<number, number>, day: number): number {
  let s = starts.get(day);
  if (s === undefined) {
    if (starts.size >= 4 * MAX_DAYS_CACHED) starts.clear();
    // Most days: the previous midnight's offset still holds; one Intl call checks it instead of
    // four. The check passes only for the first passage of midnight (a change since fails it).
    const prev = starts.get(day - 1);
    const offset = prev === undefined ? 0 : (day - 1) * DAY - prev;
    s = prev !== undefined && zoneOffsetMs(day * DAY - offset, zone) === offset ? day * DAY - offset : startOfLocalDay(day, zone);
    starts.set(day, s);
  }
  return s;
}

const holidayDays = new Map<string, Set<number>>();

/** The day numbers of the public holidays of a year (none outside 1583–4099, where Easter is defined here). */
function holidaysOf(set: 'fr' | 'fr-alsace-moselle', year: number): Set<number> {
  const key = `${set}:${year}`;
  let days = holidayDays.get(key);
  if (!days) {
    days = new Set(year >= 1583 && year <= 4099 ? frenchPublicHolidays(year, set).map((d) => parseIsoDay(d)!) : []);
    holidayDays.set(key, days);
  }
  return days;
}

// ---------------------------------------------------------------------------------------------
// The compiled calendar

/** One local day: its bounds and its open intervals as a flat [s0, e0, s1, e1, …] list. */
interface Day {
  readonly d: number;
  readonly start: number;
  readonly end: number;
  readonly iv: readonly number[];
  /** open ms in the day */
  readonly total: number;
}

class CompiledCalendar implements Calendar {
  readonly spec: CalendarSpec;
  private readonly zone: string;
  private readonly always: boolean;
  /** per weekday index, flat [startMinute, endMinute, …], sorted and merged */
  private readonly ranges: number[][];
  private readonly hasHours: boolean;
  private readonly closed: Set<number>;
  private readonly holidays: 'none' | 'fr' | 'fr-alsace-moselle';
  private readonly starts: Map<number, number>;
  private readonly days = new Map<number, Day>();
  /** wall − instant of the last day built: the first guess of an instant's local day */
  private offsetGuess = 0;

  constructor(spec: CalendarSpec) {
    if (!isValidTimeZone(spec.time_zone)) throw new RangeError(`unknown time zone ${spec.time_zone}`);
    this.spec = spec;
    this.zone = spec.time_zone;
    this.always = spec.always === true;
    this.holidays = spec.public_holidays === 'fr' || spec.public_holidays === 'fr-alsace-moselle' ? spec.public_holidays : 'none';
    this.ranges = WEEKDAYS.map((w) => {
      const parsed: [number, number][] = [];
      for (const r of spec.hours?.[w] ?? []) {
        const s = parseClock(r?.[0], false);
        const e = parseClock(r?.[1], true);
        if (s !== null && e !== null && e > s) parsed.push([s, e]);
      }
      parsed.sort((a, b) => a[0] - b[0]);
      const flat: number[] = [];
      for (const [s, e] of parsed) {
        if (flat.length > 0 && s <= flat[flat.length - 1]!) flat[flat.length - 1] = Math.max(flat[flat.length - 1]!, e);
        else flat.push(s, e);
      }
      return flat;
    });
    this.hasHours = this.always || this.ranges.some((r) => r.length > 0);
    this.closed = new Set();
    for (const c of spec.closed_days ?? []) {
      const d = parseIsoDay(c);
      if (d !== null) this.closed.add(d);
    }
    let starts = zoneStarts.get(this.zone);
    if (!starts) zoneStarts.set(this.zone, (starts = new Map()));
    this.starts = starts;
  }

  /** Local day `d`, built once. */
  private day(d: number): Day {
    let day = this.days.get(d);
    if (day) return day;
    if (this.days.size >= MAX_DAYS_CACHED) this.days.clear();
    const start = dayStart(this.zone, this.starts, d);
    const end = dayStart(this.zone, this.starts, d + 1);
    const iv: number[] = [];
    const wall0 = d * DAY;
    if (end - start === DAY) this.offsetGuess = wall0 - start;
    if (this.always) {
      if (end > start) iv.push(start, end);
    } else if (!this.isClosedDay(d)) {
      const ranges = this.ranges[weekdayIndex(d)]!;
      const regular = end - start === DAY; // no offset change inside the day: wall times map by one offset
      for (let i = 0; i < ranges.length; i += 2) {
        const sm = ranges[i]!, em = ranges[i + 1]!;
        let s = regular ? start + sm * MIN : sm === 0 ? start : wallToInstant(wall0 + sm * MIN, this.zone, 'earlier');
        let e = em === 1440 ? end : regular ? start + em * MIN : wallToInstant(wall0 + em * MIN, this.zone, 'earlier');
        if (s < start) s = start;
        if (e > end) e = end;
        if (e <= s) continue; // wholly inside a spring-forward gap
        if (iv.length > 0 && s <= iv[iv.length - 1]!) iv[iv.length - 1] = Math.max(iv[iv.length - 1]!, e);
        else iv.push(s, e);
      }
    }
    let total = 0;
    for (let i = 0; i < iv.length; i += 2) total += iv[i + 1]! - iv[i]!;
    day = { d, start, end, iv, total };
    this.days.set(d, day);
    return day;
  }

  private isClosedDay(d: number): boolean {
    if (this.closed.has(d)) return true;
    if (this.holidays === 'none') return false;
    return holidaysOf(this.holidays, new Date(d * DAY).getUTCFullYear()).has(d);
  }

  /** The local day holding instant t (finite, within MIN_T … MAX_T). */
  private dayOf(t: number): Day {
    let day = this.day(Math.floor((t + this.offsetGuess) / DAY));
    while (t < day.start) day = this.day(day.d - 1);
    while (t >= day.end) day = this.day(day.d + 1);
    return day;
  }

  isOpen(t: number): boolean {
    if (!(t >= MIN_T && t < MAX_T)) return false;
    if (this.always) return true;
    if (!this.hasHours) return false;
    const iv = this.dayOf(t).iv;
    for (let i = 0; i < iv.length; i += 2) if (iv[i]! <= t && t < iv[i + 1]!) return true;
    return false;
  }

  nextOpen(t: number): number {
    if (Number.isNaN(t)) return NaN;
    if (t === -Infinity) return this.hasHours ? this.nextOpen(MIN_T) : Infinity;
    if (this.always) return t;
    if (!this.hasHours || t >= MAX_T) return Infinity;
    if (t < MIN_T) t = MIN_T;
    let day = this.dayOf(t);
    let closedRun = 0;
    for (;;) {
      const iv = day.iv;
      for (let i = 0; i < iv.length; i += 2) if (iv[i + 1]! > t) return iv[i]! > t ? iv[i]! : t;
      if (day.total === 0 && ++closedRun > MAX_CLOSED_RUN) return Infinity;
      if (day.total > 0) closedRun = 0;
      if (day.d >= MAX_DAY) return Infinity;
      day = this.day(day.d + 1);
    }
  }

  openTimeBetween(a: number, b: number): number {
    if (!(b > a)) return 0;
    if (this.always) return b - a;
    if (!this.hasHours) return 0;
    if (b === Infinity) return Infinity;
    if (a < MIN_T) a = MIN_T;
    if (b > MAX_T) b = MAX_T; // instants past year ~9900 count as closed
    if (!(b > a)) return 0;
    let day = this.dayOf(a);
    let sum = 0;
    for (;;) {
      if (day.start >= a && day.end <= b) sum += day.total;
      else {
        const iv = day.iv;
        for (let i = 0; i < iv.length; i += 2) {
          const s = iv[i]! > a ? iv[i]! : a;
          const e = iv[i + 1]! < b ? iv[i + 1]! : b;
          if (e > s) sum += e - s;
        }
      }
      if (day.end >= b) return sum;
      day = this.day(day.d + 1);
    }
  }

  addOpenTime(start: number, ms: number): number {
    if (!(ms > 0) || Number.isNaN(start)) return start;
    if (this.always) return start + ms;
    if (!this.hasHours || ms === Infinity || start >= MAX_T) return Infinity;
    if (start < MIN_T) start = MIN_T;
    let rem = ms;
    let day = this.dayOf(start);
    let closedRun = 0;
    for (;;) {
      const iv = day.iv;
      if (day.start >= start && rem > day.total) rem -= day.total; // the whole day counts
      else {
        for (let i = 0; i < iv.length; i += 2) {
          const e = iv[i + 1]!;
          if (e <= start) continue;
          const s = iv[i]! > start ? iv[i]! : start;
          if (rem <= e - s) return s + rem;
          rem -= e - s;
        }
      }
      if (day.total === 0) {
        if (++closedRun > MAX_CLOSED_RUN) return Infinity;
      } else closedRun = 0;
      if (day.d >= MAX_DAY) return Infinity;
      day = this.day(day.d + 1);
    }
  }

  openIntervals(a: number, b: number): [number, number][] {
    const out: [number, number][] = [];
    if (!(b > a)) return out;
    if (this.always) return [[a, b]];
    if (!this.hasHours) return out;
    if (a < MIN_T) a = MIN_T;
    if (b > MAX_T) b = MAX_T;
    if (!(b > a)) return out;
    let day = this.dayOf(a);
    for (;;) {
      const iv = day.iv;
      for (let i = 0; i < iv.length; i += 2) {
        const s = iv[i]! > a ? iv[i]! : a;
        const e = iv[i + 1]! < b ? iv[i + 1]! : b;
        if (e <= s) continue;
        const last = out[out.length - 1];
        if (last && last[1] >= s) last[1] = Math.max(last[1], e);
        else out.push([s, e]);
      }
      if (day.end >= b) return out;
      day = this.day(day.d + 1);
    }
  }

  addBusinessDays(start: number, n: number): number {
    if (!(n > 0)) n = 0;
    if (n === Infinity) return Infinity;
    const s0 = this.nextOpen(start);
    if (!Number.isFinite(s0)) return s0;
    let day = this.dayOf(s0);
    // The open time of the first day before s0: the offset kept on the landing day.
    let offset = 0;
    for (let i = 0; i < day.iv.length; i += 2) {
      const s = day.iv[i]!, e = day.iv[i + 1]!;
      if (s >= s0) break;
      offset += (e < s0 ? e : s0) - s;
    }
    const whole = n === Infinity ? Infinity : Math.floor(n);
    const fraction = n - whole || 0;
    let elapsed = 0;
    if (whole > 0) {
      elapsed = day.total - offset; // the rest of the first open day
      let closedRun = 0;
      for (let k = 0; k < whole; ) {
        if (day.d >= MAX_DAY) return Infinity;
        day = this.day(day.d + 1);
        if (day.total === 0) {
          if (++closedRun > MAX_CLOSED_RUN) return Infinity;
          continue;
        }
        closedRun = 0;
        k++;
        elapsed += k < whole ? day.total : Math.min(offset, day.total);
      }
    }
    elapsed += Math.round(fraction * day.total);
    return this.addOpenTime(s0, elapsed);
  }
}

// ---------------------------------------------------------------------------------------------
// Compilation, memoised

// The memo is keyed by a hash of the spec's canonical content, each hit checked field by field:
// no string is built and nothing is retained per spec object, so looking up a fresh spec (parsed
// from a row) costs well under a microsecond and leaves no garbage.

interface MemoEntry {
  readonly zone: string;
  readonly always: boolean;
  readonly holidays: string;
  /** ranges per weekday index, [] when none */
  readonly hours: readonly (readonly (readonly [string, string])[])[];
  /** sorted, unique */
  readonly closed: readonly string[];
  readonly cal: Calendar;
}

const memo = new Map<number, MemoEntry[]>();
let memoCount = 0;
const NO_RANGES: readonly (readonly [string, string])[] = [];
const NO_CLOSED: readonly string[] = [];

/** FNV-1a over a string, then a separator. */
function hashText(h: number, text: string): number {
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16_777_619);
  return Math.imul(h ^ 0x1f, 16_777_619);
}

/** The closed days sorted and unique (the array itself when it already is). */
function canonicalClosed(days: readonly string[]): readonly string[] {
  for (let i = 1; i < days.length; i++) if (!(days[i]! > days[i - 1]!)) return [...new Set(days)].sort();
  return days;
}

/** A hash of the canonical content: 24/7 ignores hours, holidays and closed days. */
function specHash(spec: CalendarSpec, closed: readonly string[]): number {
  let h = hashText(0x811c9dc5, String(spec.time_zone));
  if (spec.always) return h ^ 1;
  h = hashText(h, String(spec.public_holidays));
  const hours = spec.hours ?? {};
  for (let i = 0; i < 7; i++) {
    h = Math.imul(h ^ (i + 0x100), 16_777_619);
    const ranges = hours[WEEKDAYS[i]!];
    if (ranges) for (let j = 0; j < ranges.length; j++) h = hashText(hashText(h, String(ranges[j]![0])), String(ranges[j]![1]));
  }
  for (let i = 0; i < closed.length; i++) h = hashText(h, closed[i]!);
  return h;
}

/** Does the memo entry hold the same calendar as the spec? */
function sameCalendar(e: MemoEntry, spec: CalendarSpec, closed: readonly string[]): boolean {
  if (e.zone !== spec.time_zone || e.always !== (spec.always === true)) return false;
  if (e.always) return true;
  if (e.holidays !== spec.public_holidays || e.closed.length !== closed.length) return false;
  for (let i = 0; i < closed.length; i++) if (e.closed[i] !== closed[i]) return false;
  const hours = spec.hours ?? {};
  for (let i = 0; i < 7; i++) {
    const a = e.hours[i]!;
    const b = hours[WEEKDAYS[i]!] ?? NO_RANGES;
    if (a.length !== b.length) return false;
    for (let j = 0; j < a.length; j++) if (a[j]![0] !== b[j]![0] || a[j]![1] !== b[j]![1]) return false;
  }
  return true;
}

/** The compiled calendar of a spec, memoised by its content (at most 1,000 held; specs are read, never kept mutable); throws RangeError on an unknown zone. */
export function compileCalendar(spec: CalendarSpec): Calendar {
  const closed = spec.always ? NO_CLOSED : canonicalClosed(spec.closed_days ?? NO_CLOSED);
  const h = specHash(spec, closed);
  const bucket = memo.get(h);
  if (bucket) for (const e of bucket) if (sameCalendar(e, spec, closed)) return e.cal;
  const cal = new CompiledCalendar(spec);
  if (memoCount >= MAX_CALENDARS) {
    memo.clear();
    memoCount = 0;
  }
  const hours = spec.hours ?? {};
  const entry: MemoEntry = {
    zone: spec.time_zone,
    always: spec.always === true,
    holidays: spec.public_holidays,
    hours: WEEKDAYS.map((w) => (hours[w] ?? NO_RANGES).map((r) => [r[0], r[1]] as const)),
    closed: [...closed],
    cal,
  };
  const list = memo.get(h);
  if (list) list.push(entry);
  else memo.set(h, [entry]);
  memoCount++;
  return cal;
}

// ---------------------------------------------------------------------------------------------
// Targets

/** The due of a target from `start`: minutes or hours of open time, or business days (Infinity when never reached). */
export function addTarget(cal: Calendar, start: number, target: TargetDuration): number {
  if (target.unit === 'business_days') return cal.addBusinessDays(start, target.value);
  return cal.addOpenTime(start, targetOpenMs(cal, start, target));
}

/** The open time a target amounts to from `start` (minutes/hours: value × unit; business days: open time from nextOpen(start) to their due; Infinity when never reached). */
export function targetOpenMs(cal: Calendar, start: number, target: TargetDuration): number {
  if (target.unit === 'minutes') return Math.round(target.value * MIN);
  if (target.unit === 'hours') return Math.round(target.value * HOUR);
  const due = cal.addBusinessDays(start, target.value);
  if (!Number.isFinite(due)) return Infinity;
  return cal.openTimeBetween(cal.nextOpen(start), due);
}
