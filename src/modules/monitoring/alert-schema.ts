import { z } from 'zod';
import { ClientParams, Id } from '../tenancy/schema.ts';

/** Problem states a rule can be raised for: down always, degraded when asked. */
export const ALERT_STATES = ['down', 'degraded'] as const;
export type AlertState = (typeof ALERT_STATES)[number];
export const ALERT_CHANNELS = ['email', 'webhook'] as const;
export type AlertChannel = (typeof ALERT_CHANNELS)[number];
export const ALERT_LOCALES = ['fr', 'en'] as const;
export type AlertLocale = (typeof ALERT_LOCALES)[number];

/** A rule's settings as given; absent fields take their defaults (create) or keep their value (patch). */
export const AlertRuleSettingsInput = z.strictObject({
  /** Which states raise it: ["down"] or ["down", "degraded"]. Down is always included. */
  states: z
    .array(z.enum(ALERT_STATES))
    .min(1)
    .max(2)
    .refine((s) => s.includes('down'), 'must include "down"')
    .optional(),
  /** Only checks of assets at least this critical (1 = most critical … 4); checks without an asset always pass. Null: all. */
  min_criticality: z.number().int().min(1).max(4).nullable().optional(),
  /** Send the alert again every so many minutes while the check stays down (5 min to a week). Null: never. */
  repeat_minutes: z.number().int().min(5).max(10_080).nullable().optional(),
  /** Send a message when the check is back up (default true). */
  send_recovery: z.boolean().optional(),
  /** Language of the messages (default French). */
  locale: z.enum(ALERT_LOCALES).optional(),
});
export type AlertRuleSettingsInput = z.infer<typeof AlertRuleSettingsInput>;

export const AlertRuleCreateBody = z.object({
  /** What a person calls it ("Astreinte", "Outil de tickets"). */
  name: z.string().trim().min(1).max(200),
  /** email or webhook; cannot be changed afterwards. */
  channel: z.enum(ALERT_CHANNELS),
  /** email: addresses separated by commas; webhook: an http(s) URL. */
  target: z.string().trim().min(1).max(2000),
  settings: AlertRuleSettingsInput.default({}),
  enabled: z.boolean().default(true),
});
export type AlertRuleCreate = z.infer<typeof AlertRuleCreateBody>;

export const AlertRulePatchBody = z.object({
  name: z.string().trim().min(1).max(200).optional(),
  target: z.string().trim().min(1).max(2000).optional(),
  /** Merged into the current settings: only the fields given change (null clears an optional one). */
  settings: AlertRuleSettingsInput.optional(),
  enabled: z.boolean().optional(),
  /** Webhook rules: replace the signing secret; the new one is returned once. */
  rotate_secret: z.boolean().optional(),
});
export type AlertRulePatch = z.infer<typeof AlertRulePatchBody>;

export { ClientParams };

export const AlertRuleParams = ClientParams.extend({
  /** The alert rule. */
  ruleId: Id,
});

export const AlertListQuery = z.object({
  /** Page size, 1 to 200. */
  limit: z.coerce.number().int().min(1).max(200).default(50),
  /** `next_cursor` of the previous page (alerts older than it). */
  cursor: Id.optional(),
  /** Only the alerts of this check. */
  check_id: Id.optional(),
});
