/**
 * Time zones with the platform's Intl data (no dependency): offsets, local wall-clock times to
 * instants (DST gaps and repeated hours), local calendar days. Pure, no I/O; shared by the
 * maintenance schedules of monitoring and the service-window calendars (core/calendar.ts).
 *
 * Local days are numbered as days since 1970-01-01; "wall ms" is a local wall-clock time read as
 * if it were UTC (Date.UTC(y, m - 1, d, h, mi)).
 */

const DAY = 86_400_000;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True when the platform knows this IANA zone. */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The zone's offset from UTC at instant t, in ms (Paris in summer: +7,200,000). */
export function zoneOffsetMs(t: number, timeZone: string): number {
  const second = Math.floor(t / 1000) * 1000;
  let y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  for (const part of formatterFor(timeZone).formatToParts(second)) {
    switch (part.type) {
      case 'year': y = Number(part.value); break;
      case 'month': mo = Number(part.value); break;
      case 'day': d = Number(part.value); break;
      case 'hour': h = Number(part.value); break;
      case 'minute': mi = Number(part.value); break;
      case 'second': s = Number(part.value); break;
    }
  }
  const wall = new Date(0);
  wall.setUTCFullYear(y, mo - 1, d); // setUTCFullYear: years below 100 are not shifted to 19xx
  wall.setUTCHours(h, mi, s, 0);
  return wall.getTime() - second;
}

/**
 * The instant of a local wall-clock time, given as "wall ms" (the wall time read as if it were UTC).
 * Ambiguous (fall-back) times: the first passage for 'earlier', the second for 'later'. Times in a
 * spring-forward gap: the first instant after the gap, whatever the choice.
 */
export function wallToInstant(wall: number, timeZone: string, choice: 'earlier' | 'later' = 'earlier'): number {
  // Offsets in force a day either side: real zones change at most once in two days.
  const before = zoneOffsetMs(wall - DAY, timeZone);
  const after = zoneOffsetMs(wall + DAY, timeZone);
  const a = wall - before;
  const b = wall - after;
  const aOk = zoneOffsetMs(a, timeZone) === before;
  const bOk = b !== a && zoneOffsetMs(b, timeZone) === after;
  if (aOk && bOk) return choice === 'earlier' ? Math.min(a, b) : Math.max(a, b);
  if (aOk) return a;
  if (bOk) return b;
  // In the gap: find the transition instant T, the first with the new offset, in (wall - after, wall - before].
  let lo = wall - after; // still the old offset here
  let hi = wall - before; // already the new offset here
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (zoneOffsetMs(mid, timeZone) === after) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** The local calendar day (days since 1970-01-01) of instant t in the zone. */
export function localDay(t: number, timeZone: string): number {
  return Math.floor((t + zoneOffsetMs(t, timeZone)) / DAY);
}

/** The instant local midnight begins on a local calendar day (at the first instant after a gap at midnight). */
export function startOfLocalDay(day: number, timeZone: string): number {
  return wallToInstant(day * DAY, timeZone, 'earlier');
}

/** The instant the local month containing (year, month 1..12, day 1) begins. */
export function startOfLocalMonth(year: number, month: number, timeZone: string): number {
  return wallToInstant(Date.UTC(year, month - 1, 1), timeZone, 'earlier');
}

