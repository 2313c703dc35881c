import { z } from 'zod';
import { Id } from '../tenancy/schema.ts';
import { CHECK_TYPES } from './probes/types.ts';

/** Every check type: the probes', plus the push/heartbeat check that the supervised job calls itself. */
export const ALL_CHECK_TYPES = [...CHECK_TYPES, 'heartbeat'] as const;
export type AnyCheckType = (typeof ALL_CHECK_TYPES)[number];

/** Settings of a heartbeat check: how late a beat may be before the check is down. */
export const HeartbeatSettings = z.object({
  /** Extra time after the interval before a missing beat counts (seconds). */
  grace_s: z.number().int().min(0).max(86_400).default(60),
});

export const CheckCreateBody = z.object({
  /** What a person calls it ("Site web public", "Sauvegarde NAS nuit"). */
  name: z.string().trim().min(1).max(200),
  type: z.enum(ALL_CHECK_TYPES),
  /** The asset it supervises, if any. */
  asset_id: Id.nullable().optional(),
  /** The site collector that runs it; absent: the Vigie server runs it. */
  collector_id: Id.nullable().optional(),
  /** A check it depends on (the site's firewall): when that is down this one is unreachable, not alerted. */
  parent_check_id: Id.nullable().optional(),
  /** The type's own settings (host, url, thresholds…), validated by the type's schema. */
  settings: z.record(z.string(), z.unknown()).default({}),
  /** Seconds between runs (10 s to a day). */
  interval_s: z.number().int().min(10).max(86_400).default(60),
  /** A run taking longer is down (ms). */
  timeout_ms: z.number().int().min(100).max(120_000).default(10_000),
  /** Failures tolerated before down. */
  retries: z.number().int().min(0).max(10).default(2),
  /** Successes needed to be up again. */
  recovery_threshold: z.number().int().min(1).max(10).default(1),
  enabled: z.boolean().default(true),
});
export type CheckCreate = z.infer<typeof CheckCreateBody>;

/**
 * PATCH: only the fields given change. Built without the create defaults: zod 4 keeps a `.default()`
 * under `.partial()`, so `{ name }` alone would otherwise reset the interval, retries, settings…
 */
const c = CheckCreateBody.shape;
export const CheckPatchBody = z.object({
  name: c.name.optional(),
  asset_id: c.asset_id,
  collector_id: c.collector_id,
  parent_check_id: c.parent_check_id,
  settings: c.settings.unwrap().optional(),
  interval_s: c.interval_s.unwrap().optional(),
  timeout_ms: c.timeout_ms.unwrap().optional(),
  retries: c.retries.unwrap().optional(),
  recovery_threshold: c.recovery_threshold.unwrap().optional(),
  enabled: c.enabled.unwrap().optional(),
});
export type CheckPatch = z.infer<typeof CheckPatchBody>;

export const CheckParams = z.object({ clientId: Id, checkId: Id });

export const CheckListQuery = z.object({
  /** Only the checks of this asset. */
  asset_id: Id.optional(),
  /** Only checks in this state. */
  state: z.enum(['up', 'degraded', 'down', 'unknown', 'maintenance']).optional(),
});

export const RangeQuery = z.object({
  /** Start (epoch ms); default: 24 hours ago. */
  from: z.coerce.number().int().min(0).optional(),
  /** End (epoch ms); default: now. */
  to: z.coerce.number().int().min(0).optional(),
});
