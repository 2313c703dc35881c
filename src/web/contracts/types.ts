/**
 * Contract shapes on the web side: the API's JSON (types from the server's presenters and schema,
 * erased at build), the editor's draft and its defaults, and a few pure helpers for the forms.
 */
import type { ContractJson } from '../../modules/contracts/presenters.ts';
import type { ContractPreview } from '../../modules/contracts/service.ts';
import type { ContractInput, ServiceWindow, Target, TargetDuration, Weekday } from '../../modules/contracts/schema.ts';
import type { Session } from '../session.tsx';
import { rolesOn } from '../session.tsx';

export type { ContractJson as Contract, ContractPreview, ServiceWindow, Target, TargetDuration, Weekday };
/** What the editor edits and sends (POST, PATCH, preview): the whole contract body. */
export type ContractDraft = ContractInput;
export type DueTime = NonNullable<ContractPreview['items'][number]['gti']>;

export const WEEKDAYS: readonly Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
export const STATUSES = ['draft', 'active', 'ended'] as const;
export const UNITS = ['minutes', 'hours', 'business_days'] as const;
export const HOLIDAY_SETS = ['none', 'fr', 'fr-alsace-moselle'] as const;
export const PRIORITIES = [1, 2, 3, 4] as const;
export const CLOCK_STARTS = ['declaration', 'qualification'] as const;
export const DEFAULT_PRIORITY_MATRIX = [
  [1, 1, 2, 3],
  [1, 2, 3, 3],
  [2, 3, 3, 4],
  [3, 3, 4, 4],
];

/** Mirrors of the server's policy (modules/contracts/policy.ts), only to hide what would be refused anyway. */
const READ = ['admin', 'engineer', 'technician', 'account_manager', 'technical_referent', 'steering_referent', 'strategic_referent', 'auditor'];
const WRITE = ['admin', 'account_manager'];
export const canReadContracts = (s: Session, clientId: string) => rolesOn(s, clientId).some((r) => READ.includes(r));
export const canWriteContracts = (s: Session, clientId: string) => rolesOn(s, clientId).some((r) => WRITE.includes(r));

const officeHours = (): ServiceWindow['hours'] => ({ mon: [['08:00', '18:00']], tue: [['08:00', '18:00']], wed: [['08:00', '18:00']], thu: [['08:00', '18:00']], fri: [['08:00', '18:00']] });

export function newWindow(id: string, name: string, always = false): ServiceWindow {
  return { id, name, time_zone: 'Europe/Paris', always, hours: always ? {} : officeHours(), public_holidays: 'fr', closed_days: [] };
}

/** A new contract: office hours and 24/7, usual targets, default penalties, matrix and settings. */
export function newDraft(officeName: string): ContractDraft {
  const d = (value: number, unit: TargetDuration['unit'], window: string): TargetDuration => ({ value, unit, window });
  return {
    name: '',
    reference: '',
    status: 'draft',
    starts_on: new Date().toISOString().slice(0, 10),
    ends_on: null,
    service_level: '',
    monthly_fee_cents: 0,
    currency: 'EUR',
    transition_until: null,
    scope: { all_assets: true, site_ids: [], asset_ids: [], services: [] },
    windows: [newWindow('office', officeName), newWindow('24-7', '24/7', true)],
    targets: [
      { priority: 1, gti: d(30, 'minutes', '24-7'), gtr: d(4, 'hours', '24-7'), clock_start: 'declaration' },
      { priority: 2, gti: d(1, 'hours', 'office'), gtr: d(8, 'hours', 'office'), clock_start: 'declaration' },
      { priority: 3, gti: d(4, 'hours', 'office'), gtr: d(2, 'business_days', 'office'), clock_start: 'declaration' },
      { priority: 4, gti: d(1, 'business_days', 'office'), gtr: d(5, 'business_days', 'office'), clock_start: 'qualification' },
    ],
    penalties: { rate_per_hour_cents: 0, cap_pct: 10 },
    credits: { availability_target_pct: 99.5, tiers: [] },
    priority_matrix: DEFAULT_PRIORITY_MATRIX.map((r) => [...r]),
    settings: {
      satisfaction: { sample_pct: 100, delay_minutes: 60 },
      monitoring: { open_tickets: true, quiet_minutes: 30 },
      oncall: { priorities: [1, 2], business_window: 'office', ack_minutes: 15, webhook_url: null },
      recurring_threshold: 3,
    },
  };
}

/** The editable body of a stored contract. */
export function draftOf(c: ContractJson): ContractDraft {
  const { id: _i, client_id: _c, created_at: _a, updated_at: _u, ...body } = c;
  return structuredClone(body) as ContractDraft;
}

/** A window id from a name: lowercase ASCII letters, digits and dashes, unique among `taken`. */
export function windowIdFrom(name: string, taken: readonly string[]): string {
  const base =
    name
      .normalize('NFD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 24) || 'window';
  let id = base;
  for (let i = 2; taken.includes(id); i++) id = `${base}-${i}`;
  return id;
}

/** Money in cents as the user's locale writes it (4 500,00 €). */
export function formatMoney(cents: number, currency: string, locale: string): string {
  try {
    return new Intl.NumberFormat(locale, { style: 'currency', currency }).format(cents / 100);
  } catch {
    return `${(cents / 100).toFixed(2)} ${currency}`;
  }
}

const dayKeyFormats = new Map<string, Intl.DateTimeFormat>();
/** 'YYYY-MM-DD' of an instant in a zone. */
export function dayKey(t: number, timeZone: string): string {
  let f = dayKeyFormats.get(timeZone);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    } catch {
      f = new Intl.DateTimeFormat('en-CA', { timeZone: 'UTC', year: 'numeric', month: '2-digit', day: '2-digit' });
    }
    dayKeyFormats.set(timeZone, f);
  }
  return f.format(t);
}

/**
 * Open time per local day of the zone over [from, from + 7 days], from the open intervals: the
 * days in order (the first and last may be partial), each with its open ms. Steps of 5 minutes at
 * most, so a day boundary (or a DST change) is placed within 5 minutes.
 */
export function openPerDay(intervals: readonly (readonly [number, number])[], from: number, timeZone: string): { day: string; openMs: number; start: number }[] {
  const days = new Map<string, { day: string; openMs: number; start: number }>();
  const STEP = 5 * 60_000;
  for (let t = from; t <= from + 7 * 86_400_000; t += 3_600_000) {
    const k = dayKey(t, timeZone);
    if (!days.has(k)) days.set(k, { day: k, openMs: 0, start: t });
  }
  for (const [a, b] of intervals) {
    for (let t = a; t < b; ) {
      const next = Math.min(b, t + STEP);
      const k = dayKey(t, timeZone);
      const d = days.get(k) ?? { day: k, openMs: 0, start: t };
      d.openMs += next - t;
      days.set(k, d);
      t = next;
    }
  }
  return [...days.values()].sort((x, y) => (x.day < y.day ? -1 : 1));
}
