/**
 * On-call duty (astreinte) shapes: the rota's shifts, the weekly rotation, the acknowledgement of a
 * page and the efficiency figures' period. Times are epoch milliseconds.
 */
import { z } from 'zod';
import { ClientParams, Id } from '../tenancy/schema.ts';

export { ClientParams };

/** The longest shift: 31 days. */
export const MAX_SHIFT_MS = 31 * 86_400_000;
/** Instants accepted: 2000-01-01 … 2100-01-01. */
const Instant = z.number().int().min(946_684_800_000).max(4_102_444_800_000);
/** Escalation order within the shifts covering an instant: 0 is paged first, then 1… */
const Rank = z.number().int().min(0).max(9);

export const ContractShiftParams = ClientParams.extend({
  /** The contract whose rota it is. */
  contractId: Id,
});

export const ShiftParams = ClientParams.extend({
  /** The shift. */
  shiftId: Id,
});

export const TicketParams = ClientParams.extend({
  /** The ticket paged about. */
  ticketId: Id,
});

export const AckParams = z.object({
  /** The secret of the page's acknowledgement link. */
  token: z.string().min(16).max(200),
});

export const ShiftListQuery = z.object({
  /** Shifts ending after this instant (default now). */
  from: z.coerce.number().int().min(0).max(8_640_000_000_000).optional(),
  /** Shifts starting before this instant (default `from` + 90 days). */
  to: z.coerce.number().int().min(0).max(8_640_000_000_000).optional(),
});

export const ShiftCreateBody = z.strictObject({
  /** The person on duty: provider staff with a role on the client. */
  user_id: Id,
  /** Start of the shift (epoch ms). */
  starts_at: Instant,
  /** End of the shift (epoch ms), after its start, at most 31 days later. */
  ends_at: Instant,
  /** Escalation order among overlapping shifts (0 first). */
  rank: Rank.default(0),
});
export type ShiftCreate = z.infer<typeof ShiftCreateBody>;

/** Fields to change (at least one: 400 nothing_to_change, checked after the shift is found). */
export const ShiftPatchBody = z.strictObject({
  user_id: Id.optional(),
  starts_at: Instant.optional(),
  ends_at: Instant.optional(),
  rank: Rank.optional(),
});
export type ShiftPatch = z.infer<typeof ShiftPatchBody>;

export const HANDOVER_DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type HandoverDay = (typeof HANDOVER_DAYS)[number];

export const RotationBody = z.strictObject({
  /** The people taking turns, one week each, in this order (1 to 20, each once). */
  user_ids: z
    .array(Id)
    .min(1)
    .max(20)
    .refine((ids) => new Set(ids).size === ids.length, 'each person once'),
  /** First day of the rotation, 'YYYY-MM-DD' in the time zone: the first shift starts at the first handover on or after it (400 bad_date). */
  from: z.string().min(1).max(10),
  /** Number of weekly shifts (1 to 52). */
  weeks: z.number().int().min(1).max(52),
  /** Weekday of the handover. */
  handover_day: z.enum(HANDOVER_DAYS),
  /** Local time of the handover, 'HH:MM' (400 bad_time). */
  handover_time: z.string().min(1).max(5),
  /** IANA zone of the handover day and time (default Europe/Paris). */
  time_zone: z.string().min(1).max(64).default('Europe/Paris'),
  /** Rank of every shift created (default 0). */
  rank: Rank.default(0),
});
export type RotationInput = z.infer<typeof RotationBody>;

export const StatsQuery = z.object({
  /** Pages sent from this instant (default `to` − 30 days). */
  from: z.coerce.number().int().min(0).max(8_640_000_000_000).optional(),
  /** Pages sent before this instant (default now). */
  to: z.coerce.number().int().min(0).max(8_640_000_000_000).optional(),
});
