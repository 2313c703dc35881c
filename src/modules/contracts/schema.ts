/**
 * Contract shapes: one schema for the API, the store (JSON columns of `contracts`) and the web forms.
 *
 * A contract holds its service windows (calendars: weekly hours in an IANA zone, French public
 * holidays computed, extra closed days; or 24/7), its targets per priority (GTI and GTR, each in
 * minutes, hours or business days, on one of the contract's windows, with when the clock starts),
 * penalties (per hour late × rate, capped at a share of the monthly fee), service credits by
 * availability tier, the impact × urgency → priority matrix and the service-desk settings.
 */
import { z } from 'zod';
import { ClientParams, Id } from '../tenancy/schema.ts';

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** 'HH:MM' from 00:00 to 24:00 (24:00 only as an end). */
export const ClockTime = z.string().regex(/^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'a time as HH:MM');
/** [start, end) in local wall-clock time, start < end. */
export const TimeRange = z.tuple([ClockTime, ClockTime]).refine(([a, b]) => a < b, 'the range must end after it starts');
export const IsoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD');

export const HOLIDAY_SETS = ['none', 'fr', 'fr-alsace-moselle'] as const;
export type HolidaySet = (typeof HOLIDAY_SETS)[number];

/** The calendar part of a service window: what the pure calendar module needs (core/calendar.ts). */
export const CalendarSpec = z.object({
  /** IANA zone of the hours and days */
  time_zone: z.string().min(1).max(64).default('Europe/Paris'),
  /** 24/7: every instant is open (hours, holidays and closed days ignored) */
  always: z.boolean().default(false),
  /** open hours per weekday, ranges sorted and not overlapping */
  hours: z.partialRecord(z.enum(WEEKDAYS), z.array(TimeRange).max(6)).default({}),
  /** public holidays that close the window */
  public_holidays: z.enum(HOLIDAY_SETS).default('fr'),
  /** extra closed days (the provider's bridge days, the client's closure) */
  closed_days: z.array(IsoDate).max(400).default([]),
});
export type CalendarSpec = z.infer<typeof CalendarSpec>;

export const WindowId = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, 'lowercase letters, digits, - and _');
export const ServiceWindow = CalendarSpec.extend({
  id: WindowId,
  name: z.string().trim().min(1).max(100),
});
export type ServiceWindow = z.infer<typeof ServiceWindow>;

export const DURATION_UNITS = ['minutes', 'hours', 'business_days'] as const;
export type DurationUnit = (typeof DURATION_UNITS)[number];
/** A target duration of open time on a window: minutes or hours of open time, or business days. */
export const TargetDuration = z.object({
  value: z.number().positive().max(100_000),
  unit: z.enum(DURATION_UNITS),
  /** the contract window this target counts on */
  window: WindowId,
});
export type TargetDuration = z.infer<typeof TargetDuration>;

export const PRIORITIES = [1, 2, 3, 4] as const;
export const Priority = z.number().int().min(1).max(4);
/** declaration: when the ticket is declared; qualification: when the service desk qualifies it (priority set by staff). */
export const CLOCK_STARTS = ['declaration', 'qualification'] as const;

export const Target = z.object({
  priority: Priority,
  /** intervention time: met when a qualified person takes the ticket in charge; never paused */
  gti: TargetDuration.nullable(),
  /** restoration time: met when service is restored; paused while waiting on the client */
  gtr: TargetDuration.nullable(),
  clock_start: z.enum(CLOCK_STARTS).default('declaration'),
});
export type Target = z.infer<typeof Target>;

export const Penalties = z.object({
  /** per started hour late, in cents */
  rate_per_hour_cents: z.number().int().min(0).max(100_000_000).default(0),
  /** cap as a share of the monthly fee, in % */
  cap_pct: z.number().min(0).max(100).default(10),
});
export type Penalties = z.infer<typeof Penalties>;

export const CreditTier = z.object({
  /** availability strictly below this % … */
  below_pct: z.number().min(0).max(100),
  /** … credits this % of the monthly fee */
  credit_pct: z.number().min(0).max(100),
});
export const Credits = z.object({
  availability_target_pct: z.number().min(0).max(100).default(99.5),
  tiers: z.array(CreditTier).max(10).default([]),
});
export type Credits = z.infer<typeof Credits>;

/**
 * matrix[impact - 1][urgency - 1] = priority. Impact 1: the whole company stopped … 4: one person,
 * workaround; urgency 1: now … 4: can wait.
 */
export const PriorityMatrix = z.array(z.array(Priority).length(4)).length(4);
export type PriorityMatrix = z.infer<typeof PriorityMatrix>;
export const DEFAULT_PRIORITY_MATRIX: PriorityMatrix = [
  [1, 1, 2, 3],
  [1, 2, 3, 3],
  [2, 3, 3, 4],
  [3, 3, 4, 4],
];

export const Scope = z.object({
  /** every asset of the client is covered (sites and assets below then only document) */
  all_assets: z.boolean().default(true),
  site_ids: z.array(Id).max(1000).default([]),
  asset_ids: z.array(Id).max(10_000).default([]),
  /** covered services, in words (messaging, ERP, internet access…) */
  services: z.array(z.string().trim().min(1).max(200)).max(100).default([]),
});
export type Scope = z.infer<typeof Scope>;

export const ContractSettings = z.object({
  satisfaction: z
    .object({
      /** share of resolved tickets whose requester gets a survey, in % */
      sample_pct: z.number().min(0).max(100).default(100),
      /** delay after resolution before the survey goes out */
      delay_minutes: z.number().int().min(0).max(10_080).default(60),
    })
    .default({ sample_pct: 100, delay_minutes: 60 }),
  monitoring: z
    .object({
      /** supervision alerts open incidents */
      open_tickets: z.boolean().default(true),
      /** a restored incident from monitoring is resolved after this quiet period */
      quiet_minutes: z.number().int().min(0).max(10_080).default(30),
    })
    .default({ open_tickets: true, quiet_minutes: 30 }),
  oncall: z
    .object({
      /** priorities that page the person on duty outside business hours */
      priorities: z.array(Priority).max(4).default([1, 2]),
      /** the window that counts as business hours (outside it, on-call is paged) */
      business_window: WindowId.nullable().default(null),
      /** escalate to the next person when a page is not acknowledged in this time */
      ack_minutes: z.number().int().min(1).max(1440).default(15),
      /** also page by this webhook (JSON signed with HMAC), optional */
      webhook_url: z.string().url().max(2000).nullable().default(null),
    })
    .default({ priorities: [1, 2], business_window: null, ack_minutes: 15, webhook_url: null }),
  /** an asset or check with this many incidents in 30 days is flagged as recurring */
  recurring_threshold: z.number().int().min(2).max(100).default(3),
});
export type ContractSettings = z.infer<typeof ContractSettings>;

export const CONTRACT_STATUSES = ['draft', 'active', 'ended'] as const;

export const ContractBody = z.object({
  name: z.string().trim().min(1).max(200),
  reference: z.string().trim().max(100).default(''),
  status: z.enum(CONTRACT_STATUSES).default('draft'),
  starts_on: IsoDate,
  ends_on: IsoDate.nullable().default(null),
  service_level: z.string().trim().max(100).default(''),
  monthly_fee_cents: z.number().int().min(0).max(1e12).default(0),
  currency: z.string().regex(/^[A-Z]{3}$/).default('EUR'),
  /** penalties are suspended up to and including this day (transition phase) */
  transition_until: IsoDate.nullable().default(null),
  scope: Scope.default({ all_assets: true, site_ids: [], asset_ids: [], services: [] }),
  windows: z.array(ServiceWindow).min(1).max(10),
  targets: z.array(Target).max(4).default([]),
  penalties: Penalties.default({ rate_per_hour_cents: 0, cap_pct: 10 }),
  credits: Credits.default({ availability_target_pct: 99.5, tiers: [] }),
  priority_matrix: PriorityMatrix.default(DEFAULT_PRIORITY_MATRIX),
  settings: ContractSettings.default(ContractSettings.parse({})),
});
export type ContractInput = z.infer<typeof ContractBody>;

export const ContractParams = ClientParams.extend({ contractId: Id });

/**
 * A change to a contract: any top-level field of `ContractBody`, each replacing the stored value as
 * a whole (a nested object given is filled with its own defaults); absent fields are kept. An empty
 * patch is refused by the service (400 `validation_failed`), after the caller's rights are checked.
 */
export const ContractPatchBody = z
  .object(
    Object.fromEntries(
      Object.entries(ContractBody.shape).map(([k, s]) => [k, (s instanceof z.ZodDefault ? (s.unwrap() as z.ZodType) : (s as z.ZodType)).optional()]),
    ) as { [K in keyof typeof ContractBody.shape]: z.ZodOptional<(typeof ContractBody.shape)[K] extends z.ZodDefault<infer T> ? T : (typeof ContractBody.shape)[K]> },
  );
export type ContractPatch = z.infer<typeof ContractPatchBody>;

/** When a ticket would be declared, for the due-time preview (epoch ms; default now). */
export const ContractPreviewQuery = z.object({
  at: z.coerce.number().int().min(0).max(8_640_000_000_000).optional(),
});
