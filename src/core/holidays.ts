/**
 * French public holidays, computed for any year: the fixed days and the Easter-based ones
 * (Easter Monday, Ascension, Whit Monday; Alsace-Moselle adds Good Friday and 26 December).
 * Pure, no I/O; results are memoised per year and set.
 */

/** The sets of public holidays a calendar can close on. */
export type FrenchHolidaySet = 'fr' | 'fr-alsace-moselle';

/** Gregorian Easter Sunday of a year (1583–4099), by the anonymous Gregorian algorithm (Meeus/Jones/Butcher). */
export function easterSunday(year: number): { month: number; day: number } {
  if (!Number.isInteger(year) || year < 1583 || year > 4099) throw new RangeError(`easterSunday: year ${year} is outside 1583–4099`);
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return { month, day };
}

const memo = new Map<string, readonly string[]>();

function isoOf(year: number, month: number, day: number): string {
  // Date.UTC normalises overflowing days (Easter + 50 in June); setUTCFullYear keeps years < 100 as is.
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  return d.toISOString().slice(0, 10);
}

/** The public holidays of a year in France (or Alsace-Moselle), sorted 'YYYY-MM-DD' (a fresh array). */
export function frenchPublicHolidays(year: number, set: FrenchHolidaySet): string[] {
  const key = `${set}:${year}`;
  let days = memo.get(key);
  if (!days) {
    const easter = easterSunday(year);
    const fromEaster = (offset: number) => isoOf(year, easter.month, easter.day + offset);
    const list = [
      isoOf(year, 1, 1),
      fromEaster(1), // Easter Monday
      isoOf(year, 5, 1),
      isoOf(year, 5, 8),
      fromEaster(39), // Ascension
      fromEaster(50), // Whit Monday
      isoOf(year, 7, 14),
      isoOf(year, 8, 15),
      isoOf(year, 11, 1),
      isoOf(year, 11, 11),
      isoOf(year, 12, 25),
    ];
    if (set === 'fr-alsace-moselle') list.push(fromEaster(-2), isoOf(year, 12, 26)); // Good Friday, St Stephen's Day
    // Ascension can fall on 1 or 8 May: one day, listed once.
    days = [...new Set(list)].sort();
    memo.set(key, days);
  }
  return [...days];
}
