/**
 * Maintenance schedules between the API's shape, the form and the pure recurrence code of the
 * monitoring module (shared, no I/O), which previews occurrences while a window is being edited.
 */
import type { TFunction } from 'i18next';
import { intlLocale } from '../i18n/index.ts';
import {
  DEFAULT_TIME_ZONE,
  maintenanceProblems,
  occurrences,
  wallToInstant,
  zoneOffsetMs,
  type MaintenanceWindow as Recurrence,
  type IsoWeekday,
} from '../../modules/monitoring/maintenance.ts';
import type { MaintenanceWindow, Occurrence, Schedule } from './types.ts';

export { DEFAULT_TIME_ZONE };

/** The API's schedule (tolerating the recurrence module's own field names) as the recurrence code reads it. */
export function toRecurrence(schedule: Schedule, timeZone: string): Recurrence {
  const s = schedule as Schedule & { startTime?: string; durationMs?: number; on?: { day?: number; nth?: number; weekday?: number } };
  const tz = timeZone || DEFAULT_TIME_ZONE;
  if (s.kind === 'once') return { id: 'preview', timeZone: tz, schedule: { kind: 'once', start: s.start, end: s.end } };
  const startTime = s.startTime ?? s.start;
  const durationMs = s.durationMs ?? (s.duration_minutes ?? 0) * 60_000;
  const until = s.until ?? null;
  if (s.kind === 'weekly') return { id: 'preview', timeZone: tz, until, schedule: { kind: 'weekly', days: s.days as IsoWeekday[], startTime, durationMs } };
  const on = s.on ?? (s.nth !== undefined && s.nth !== null ? { nth: s.nth, weekday: (s.weekday ?? 1) as IsoWeekday } : { day: s.day ?? 1 });
  return { id: 'preview', timeZone: tz, until, schedule: { kind: 'monthly', on: on as { day: number } | { nth: number; weekday: IsoWeekday }, startTime, durationMs } };
}

export function previewOccurrences(schedule: Schedule, timeZone: string, from: number, count: number): Occurrence[] {
  const w = toRecurrence(schedule, timeZone);
  if (maintenanceProblems(w).length > 0) return [];
  const out: Occurrence[] = [];
  // a year ahead, in steps, until enough are found
  let a = from;
  for (let i = 0; i < 13 && out.length < count; i++) {
    const b = a + 31 * 86_400_000;
    for (const o of occurrences(w, a, b)) if (o.end > from && !out.some((x) => x.start === o.start)) out.push(o);
    a = b;
  }
  return out.slice(0, count);
}

export function scheduleProblems(schedule: Schedule, timeZone: string): string[] {
  return maintenanceProblems(toRecurrence(schedule, timeZone));
}

/** `YYYY-MM-DDTHH:MM` read in a zone → instant; and back. */
export function localInputToInstant(value: string, timeZone: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(value);
  if (!m) return null;
  return wallToInstant(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!), timeZone || DEFAULT_TIME_ZONE);
}

export function instantToLocalInput(t: number, timeZone: string): string {
  return new Date(t + zoneOffsetMs(t, timeZone || DEFAULT_TIME_ZONE)).toISOString().slice(0, 16);
}

/** `YYYY-MM-DD` (last day included) → the instant the next day begins in the zone; and back. */
export function untilFromDay(day: string, timeZone: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return null;
  return wallToInstant(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]! + 1), timeZone || DEFAULT_TIME_ZONE);
}

export function dayFromUntil(until: number | null | undefined, timeZone: string): string {
  if (until === null || until === undefined) return '';
  return instantToLocalInput(until - 1, timeZone).slice(0, 10);
}

export function formatInZone(t: number, timeZone: string, withZone = false): string {
  try {
    return new Intl.DateTimeFormat(intlLocale(), { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZone, timeZoneName: withZone ? 'short' : undefined }).format(t);
  } catch {
    return new Date(t).toISOString();
  }
}

function weekdayName(d: number, style: 'long' | 'short' = 'long'): string {
  // 2024-01-01 was a Monday
  return new Intl.DateTimeFormat(intlLocale(), { weekday: style, timeZone: 'UTC' }).format(Date.UTC(2024, 0, d));
}

export function weekdayNames(style: 'long' | 'short' = 'short'): string[] {
  return [1, 2, 3, 4, 5, 6, 7].map((d) => weekdayName(d, style));
}

function durationText(t: TFunction, minutes: number): string {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  if (h && m) return t('mon.maint.durHM', { h, m });
  if (h) return t('mon.maint.durH', { count: h });
  return t('mon.maint.durM', { count: m });
}

/** "Every Sunday at 02:00 for 4 h", in the user's language. */
export function scheduleSummary(t: TFunction, w: Pick<MaintenanceWindow, 'schedule' | 'time_zone'>): string {
  const s = w.schedule as Schedule & { startTime?: string; durationMs?: number; on?: { day?: number; nth?: number; weekday?: number } };
  const tz = w.time_zone || DEFAULT_TIME_ZONE;
  if (s.kind === 'once') return t('mon.maint.sumOnce', { start: formatInZone(s.start, tz), end: formatInZone(s.end, tz) });
  const start = s.startTime ?? s.start;
  const minutes = s.durationMs !== undefined ? Math.round(s.durationMs / 60_000) : s.duration_minutes;
  const dur = durationText(t, minutes);
  if (s.kind === 'weekly') {
    const days = [...s.days].sort((a, b) => a - b);
    const names = days.length === 7 ? t('mon.maint.everyDay') : days.map((d) => weekdayName(d)).join(', ');
    return t('mon.maint.sumWeekly', { days: names, start, duration: dur });
  }
  const nth = s.on?.nth ?? s.nth;
  const weekday = s.on?.weekday ?? s.weekday;
  const day = s.on?.day ?? s.day;
  const when = nth !== undefined && nth !== null ? t('mon.maint.nthWeekday', { nth: t(`mon.maint.nth.${nth}`), weekday: weekdayName(weekday ?? 1) }) : day === -1 ? t('mon.maint.lastDay') : t('mon.maint.dayN', { day });
  return t('mon.maint.sumMonthly', { when, start, duration: dur });
}

export function timeZones(): string[] {
  try {
    return (Intl as unknown as { supportedValuesOf: (k: string) => string[] }).supportedValuesOf('timeZone');
  } catch {
    return [DEFAULT_TIME_ZONE, 'UTC'];
  }
}
