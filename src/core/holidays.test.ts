/**
 * French public holidays: Easter and the holidays of 2024–2026 as published, the Alsace-Moselle
 * extras, Ascension on 1 May (2008); then properties: Easter agrees with a second, independent
 * algorithm (Knuth's, after Lilius and Clavius) over 1583–4099, is a Sunday between 22 March and
 * 25 April, and every list is sorted and holds the fixed days.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { easterSunday, frenchPublicHolidays } from './holidays.ts';

/** Knuth, TAOCP vol. 1, 1.3.2 exercise 14: the date of Easter, an independent oracle. */
function knuthEaster(y: number): { month: number; day: number } {
  const g = (y % 19) + 1;
  const c = Math.floor(y / 100) + 1;
  const x = Math.floor((3 * c) / 4) - 12;
  const z = Math.floor((8 * c + 5) / 25) - 5;
  const d = Math.floor((5 * y) / 4) - x - 10;
  let e = (11 * g + 20 + z - x) % 30;
  if ((e === 25 && g > 11) || e === 24) e++;
  let n = 44 - e;
  if (n < 21) n += 30;
  n = n + 7 - ((d + n) % 7);
  return n > 31 ? { month: 4, day: n - 31 } : { month: 3, day: n };
}

describe('easterSunday', () => {
  it('knows published dates', () => {
    expect(easterSunday(2024)).toEqual({ month: 3, day: 31 });
    expect(easterSunday(2025)).toEqual({ month: 4, day: 20 });
    expect(easterSunday(2026)).toEqual({ month: 4, day: 5 });
    expect(easterSunday(2027)).toEqual({ month: 3, day: 28 });
    expect(easterSunday(2000)).toEqual({ month: 4, day: 23 });
    expect(easterSunday(2008)).toEqual({ month: 3, day: 23 });
    expect(easterSunday(2038)).toEqual({ month: 4, day: 25 }); // the latest possible
    expect(easterSunday(1818)).toEqual({ month: 3, day: 22 }); // the earliest possible
    expect(easterSunday(1583)).toEqual({ month: 4, day: 10 });
  });

  it('refuses years outside 1583–4099', () => {
    expect(() => easterSunday(1582)).toThrow(RangeError);
    expect(() => easterSunday(4100)).toThrow(RangeError);
    expect(() => easterSunday(2024.5)).toThrow(RangeError);
  });

  it('agrees with Knuth, falls on a Sunday between 22 March and 25 April (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1583, max: 4099 }), (year) => {
        const e = easterSunday(year);
        expect(e).toEqual(knuthEaster(year));
        const date = new Date(0);
        date.setUTCFullYear(year, e.month - 1, e.day);
        expect(date.getUTCDay()).toBe(0);
        const md = e.month * 100 + e.day;
        expect(md >= 322 && md <= 425).toBe(true);
      }),
      { numRuns: 1000 },
    );
    for (let year = 1583; year <= 4099; year++) expect(easterSunday(year)).toEqual(knuthEaster(year));
  });
});

describe('frenchPublicHolidays', () => {
  it('2024 (Easter 31 March)', () => {
    expect(frenchPublicHolidays(2024, 'fr')).toEqual([
      '2024-01-01', '2024-04-01', '2024-05-01', '2024-05-08', '2024-05-09', '2024-05-20',
      '2024-07-14', '2024-08-15', '2024-11-01', '2024-11-11', '2024-12-25',
    ]);
  });

  it('2025 and 2026', () => {
    expect(frenchPublicHolidays(2025, 'fr')).toEqual([
      '2025-01-01', '2025-04-21', '2025-05-01', '2025-05-08', '2025-05-29', '2025-06-09',
      '2025-07-14', '2025-08-15', '2025-11-01', '2025-11-11', '2025-12-25',
    ]);
    expect(frenchPublicHolidays(2026, 'fr')).toEqual([
      '2026-01-01', '2026-04-06', '2026-05-01', '2026-05-08', '2026-05-14', '2026-05-25',
      '2026-07-14', '2026-08-15', '2026-11-01', '2026-11-11', '2026-12-25',
    ]);
  });

  it('Alsace-Moselle adds Good Friday and 26 December', () => {
    expect(frenchPublicHolidays(2024, 'fr-alsace-moselle')).toEqual([
      '2024-01-01', '2024-03-29', '2024-04-01', '2024-05-01', '2024-05-08', '2024-05-09', '2024-05-20',
      '2024-07-14', '2024-08-15', '2024-11-01', '2024-11-11', '2024-12-25', '2024-12-26',
    ]);
    const fr = new Set(frenchPublicHolidays(2026, 'fr'));
    expect(frenchPublicHolidays(2026, 'fr-alsace-moselle').filter((d) => !fr.has(d))).toEqual(['2026-04-03', '2026-12-26']);
  });

  it('lists Ascension on 1 May once (2008)', () => {
    const days = frenchPublicHolidays(2008, 'fr');
    expect(days).toHaveLength(10);
    expect(days.filter((d) => d === '2008-05-01')).toHaveLength(1);
    expect(days).toContain('2008-05-12'); // Whit Monday
  });

  it('returns a fresh array each time (the memo cannot be altered)', () => {
    const a = frenchPublicHolidays(2030, 'fr');
    a.push('nonsense');
    expect(frenchPublicHolidays(2030, 'fr')).not.toContain('nonsense');
  });

  it('every year: sorted, the fixed days, the Easter-based days on Monday/Thursday/Friday (property)', () => {
    const weekday = (iso: string) => new Date(`${iso}T00:00:00Z`).getUTCDay();
    fc.assert(
      fc.property(fc.integer({ min: 1583, max: 4099 }), fc.constantFrom('fr' as const, 'fr-alsace-moselle' as const), (year, set) => {
        const days = frenchPublicHolidays(year, set);
        const y = String(year).padStart(4, '0');
        expect([...days].sort()).toEqual(days);
        expect(new Set(days).size).toBe(days.length);
        for (const md of ['01-01', '05-01', '05-08', '07-14', '08-15', '11-01', '11-11', '12-25']) expect(days).toContain(`${y}-${md}`);
        expect(days.includes(`${y}-12-26`)).toBe(set === 'fr-alsace-moselle');
        const fixed = new Set(['01-01', '05-01', '05-08', '07-14', '08-15', '11-01', '11-11', '12-25', '12-26'].map((md) => `${y}-${md}`));
        const movable = days.filter((d) => !fixed.has(d));
        // Easter Monday, Whit Monday: Mondays; Ascension: a Thursday (unless it is 1 or 8 May); Good Friday.
        for (const d of movable) expect([1, 4, 5]).toContain(weekday(d));
      }),
      { numRuns: 300 },
    );
  });
});
