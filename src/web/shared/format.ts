import { intlLocale } from '../i18n/index.ts';

/** Date and time in the user's language and the browser's time zone. */
export function formatDateTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '';
  return new Intl.DateTimeFormat(intlLocale(), { dateStyle: 'short', timeStyle: 'medium' }).format(ms);
}

/** A calendar date stored as UTC midnight (warranty ends): shown in UTC so it never shifts a day. */
export function formatDay(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '';
  return new Intl.DateTimeFormat(intlLocale(), { dateStyle: 'medium', timeZone: 'UTC' }).format(ms);
}

/** A local timestamp (token expiry, creation) as a date only. */
export function formatDate(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '';
  return new Intl.DateTimeFormat(intlLocale(), { dateStyle: 'medium' }).format(ms);
}

export function formatNumber(n: number): string {
  return new Intl.NumberFormat(intlLocale()).format(n);
}

/** `<input type=date>` value ↔ epoch ms at UTC midnight. */
export function dayToMs(day: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  return m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : null;
}

export function msToDay(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '';
  return new Date(ms).toISOString().slice(0, 10);
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}
