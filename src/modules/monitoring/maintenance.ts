/**
 * Maintenance windows: pure, no I/O. A window is one object that mutes alerts and leaves its time
 * out of availability; here it is only a schedule and the ids it applies to.
 *
 * Schedules are one-off ({start, end} in epoch ms) or recurring weekly or monthly in an IANA time
 * zone (Europe/Paris by default), expressed in local wall-clock time: "every Sunday 02:00 for 4 h".
 *
 * Local time and DST (the issue is silent; this is the rule, tested):
 * - An occurrence begins the first time the local clock reads its start time on its day, and ends
 *   the first time after that the clock reads start + duration: the duration is wall-clock time.
 *   So "02:00 for 4 h" ends at 06:00 local on every day, and lasts 3 real hours on the
 *   spring-forward day and 5 on the fall-back day; "02:30 for 15 min" on the fall-back day lasts
 *   15 minutes (02:30–02:45 summer time), not the hour and a quarter to the second 02:45.
 * - A start inside the spring-forward gap (02:30 on the last Sunday of March in Paris, a time that
 *   does not exist) begins at the first instant after the gap: 03:00 local. An end inside the gap
 *   likewise ends at 03:00. An occurrence entirely inside the gap is empty and skipped.
 * - Monthly by day of month follows RFC 5545: a day the month lacks (31 in April) is skipped; use
 *   day -1 for "last day of the month". "nth weekday": n = 1..5, or -1 for the last; a missing 5th
 *   is skipped.
 * Time zones use the platform's Intl data: no dependency.
 */

import { isValidTimeZone, localDay, startOfLocalDay, startOfLocalMonth, wallToInstant, zoneOffsetMs } from '../../core/zones.ts';

/** ISO weekday: 1 = Monday … 7 = Sunday. */
export type IsoWeekday = 1 | 2 | 3 | 4 | 5 | 6 | 7;

/** One-off window, in instants. */
export interface OneOffSchedule {
  kind: 'once';
  start: number;
  end: number;
}

/** Every week on the given days, at a local start time, for a wall-clock duration. */
export interface WeeklySchedule {
  kind: 'weekly';
  days: IsoWeekday[];
  /** local 'HH:MM' (24 h) */
  startTime: string;
  durationMs: number;
}

/** Every month on a day of the month (1..31, or negative from the end: -1 = last) or on the nth weekday. */
export interface MonthlySchedule {
  kind: 'monthly';
  on: { day: number } | { nth: number; weekday: IsoWeekday };
  startTime: string;
  durationMs: number;
}

export type MaintenanceSchedule = OneOffSchedule | WeeklySchedule | MonthlySchedule;

/** What a window applies to: the service layer resolves checks of an asset, assets of a site. */
export interface MaintenanceTarget {
  kind: 'check' | 'asset' | 'site';
  id: string;
}

/** A maintenance window. */
export interface MaintenanceWindow {
  id: string;
  schedule: MaintenanceSchedule;
  /** IANA zone of the schedule's wall-clock times (default Europe/Paris) */
  timeZone?: string;
  /** recurring: no occurrence starts before this instant */
  activeFrom?: number | null;
  /** recurring: no occurrence starts at or after this instant */
  until?: number | null;
  targets?: MaintenanceTarget[];
}

/** A half-open span of time [start, end). */
export interface Interval {
  start: number;
  end: number;
}

export const DEFAULT_TIME_ZONE = 'Europe/Paris';
const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

// ---------------------------------------------------------------------------------------------
// Time zones: moved to core (the calendar uses them too); re-exported for existing importers

export { isValidTimeZone, localDay, startOfLocalDay, startOfLocalMonth, wallToInstant, zoneOffsetMs };

// ---------------------------------------------------------------------------------------------
// Schedules

/** Parses 'HH:MM' into minutes after midnight, or null. */
export function parseStartTime(text: string): number | null {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(text);
  return m ? Number(m[1]) * 60 + Number(m[2]) : null;
}

function isoWeekdayOf(day: number): IsoWeekday {
  return ((((day + 3) % 7) + 7) % 7 + 1) as IsoWeekday; // 1970-01-01 was a Thursday (4)
}

function daysInMonth(year: number, month0: number): number {
  return new Date(Date.UTC(year, month0 + 1, 0)).getUTCDate();
}

/** Does the recurring schedule have an occurrence on local calendar day `day`? */
function occursOn(schedule: WeeklySchedule | MonthlySchedule, day: number): boolean {
  if (schedule.kind === 'weekly') return schedule.days.includes(isoWeekdayOf(day));
  const date = new Date(day * DAY);
  const dom = date.getUTCDate();
  const len = daysInMonth(date.getUTCFullYear(), date.getUTCMonth());
  const on = schedule.on;
  if ('day' in on) return on.day > 0 ? dom === on.day : dom === len + on.day + 1;
  if (isoWeekdayOf(day) !== on.weekday) return false;
  return on.nth > 0 ? Math.ceil(dom / 7) === on.nth : dom + 7 * -on.nth > len && dom + 7 * (-on.nth - 1) <= len;
}

/** Problems with a window's definition (empty when valid): the API turns them into a 400. */
export function maintenanceProblems(w: MaintenanceWindow): string[] {
  const problems: string[] = [];
  const zone = w.timeZone ?? DEFAULT_TIME_ZONE;
  if (!isValidTimeZone(zone)) problems.push(`unknown time zone ${zone}`);
  const s = w.schedule;
  if (s.kind === 'once') {
    if (!Number.isFinite(s.start) || !Number.isFinite(s.end) || s.end <= s.start) problems.push('a one-off window needs start < end');
    return problems;
  }
  if (parseStartTime(s.startTime) === null) problems.push(`start time ${s.startTime} is not HH:MM`);
  if (!Number.isFinite(s.durationMs) || s.durationMs <= 0) problems.push('the duration must be positive');
  if (w.activeFrom != null && w.until != null && w.until <= w.activeFrom) problems.push('until must come after activeFrom');
  // A window must end before its next occurrence begins: otherwise occurrences would overlap.
  let maxDuration = 28 * DAY;
  if (s.kind === 'weekly') {
    const days = [...new Set(s.days)].sort((a, b) => a - b);
    if (days.length === 0) problems.push('a weekly window needs at least one day');
    if (days.some((d) => !Number.isInteger(d) || d < 1 || d > 7)) problems.push('weekdays are 1 (Monday) to 7 (Sunday)');
    maxDuration = 7 * DAY;
    for (let i = 0; i < days.length; i++) {
      const gap = ((days[(i + 1) % days.length]! - days[i]! + 7) % 7 || 7) * DAY;
      maxDuration = Math.min(maxDuration, gap);
    }
  } else if ('day' in s.on) {
    const d = s.on.day;
    if (!Number.isInteger(d) || d === 0 || d < -31 || d > 31) problems.push('day of month is 1..31, or -1..-31 from the end');
  } else {
    if (!Number.isInteger(s.on.nth) || !((s.on.nth >= 1 && s.on.nth <= 5) || s.on.nth === -1)) problems.push('nth is 1..5, or -1 for the last');
    if (!Number.isInteger(s.on.weekday) || s.on.weekday < 1 || s.on.weekday > 7) problems.push('weekdays are 1 (Monday) to 7 (Sunday)');
  }
  if (s.durationMs > maxDuration) problems.push(`the duration overlaps the next occurrence (at most ${maxDuration / HOUR} h)`);
  return problems;
}

/**
 * The occurrences of a window that meet [from, to), in order, unclipped (each is the real
 * occurrence, for display); occurrences of one window never overlap.
 */
export function occurrences(w: MaintenanceWindow, from: number, to: number): Interval[] {
  const s = w.schedule;
  if (to <= from) return [];
  if (s.kind === 'once') return s.start < to && s.end > from && s.start < s.end ? [{ start: s.start, end: s.end }] : [];
  const zone = w.timeZone ?? DEFAULT_TIME_ZONE;
  const startMinute = parseStartTime(s.startTime);
  if (startMinute === null || !(s.durationMs > 0)) return [];
  if (w.activeFrom != null && w.until != null && w.until <= w.activeFrom) return [];
  // Local days whose occurrence could reach `from`: back by the duration, plus a day of zone slack;
  // none before activeFrom's day, none after until's.
  let firstDay = localDay(from, zone) - Math.ceil(s.durationMs / DAY) - 1;
  if (w.activeFrom != null) firstDay = Math.max(firstDay, localDay(w.activeFrom, zone) - 1);
  const lastDay = localDay(w.until != null ? Math.min(to, w.until) : to, zone) + 1;
  const out: Interval[] = [];
  for (let day = firstDay; day <= lastDay; day++) {
    if (!occursOn(s, day)) continue;
    const wallStart = day * DAY + startMinute * MINUTE;
    const start = wallToInstant(wallStart, zone, 'earlier');
    // The end's first passage after the start: its earlier passage, unless that is not after the start.
    let end = wallToInstant(wallStart + s.durationMs, zone, 'earlier');
    if (end <= start) end = wallToInstant(wallStart + s.durationMs, zone, 'later');
    if (end <= start) continue; // wholly inside a spring-forward gap
    if (w.activeFrom != null && start < w.activeFrom) continue;
    if (w.until != null && start >= w.until) continue;
    if (start < to && end > from) out.push({ start, end });
  }
  // Belt and braces for definitions that skipped validation: an occurrence yields to the next.
  for (let i = 0; i + 1 < out.length; i++) if (out[i]!.end > out[i + 1]!.start) out[i]!.end = out[i + 1]!.start;
  return out.filter((o) => o.end > o.start);
}

/** The windows that apply to any of the given target ids (a check, its asset, its site). */
export function windowsFor(windows: readonly MaintenanceWindow[], targetIds: readonly string[]): MaintenanceWindow[] {
  const ids = new Set(targetIds);
  return windows.filter((w) => (w.targets ?? []).some((t) => ids.has(t.id)));
}

/** Is instant t inside an occurrence of any of the windows? */
export function inMaintenance(windows: readonly MaintenanceWindow[], t: number): boolean {
  return windows.some((w) => occurrences(w, t, t + 1).some((o) => o.start <= t && t < o.end));
}

/** All maintenance time of the windows within [from, to): clipped, sorted, overlapping or touching spans merged. */
export function maintenanceIntervals(windows: readonly MaintenanceWindow[], from: number, to: number): Interval[] {
  const all: Interval[] = [];
  for (const w of windows) {
    for (const o of occurrences(w, from, to)) all.push({ start: Math.max(o.start, from), end: Math.min(o.end, to) });
  }
  all.sort((a, b) => a.start - b.start || a.end - b.end);
  const merged: Interval[] = [];
  for (const iv of all) {
    const last = merged[merged.length - 1];
    if (last && iv.start <= last.end) last.end = Math.max(last.end, iv.end);
    else merged.push({ ...iv });
  }
  return merged;
}
