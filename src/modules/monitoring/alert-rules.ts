/**
 * Alert rules of a client: who is told, by which channel, about what. Every change is journaled.
 * A webhook rule gets a signing secret, generated here and returned once (at creation, or when it
 * is rotated); the API never shows it again.
 */
import { badRequest, notFound } from '../../core/errors.ts';
import { randomToken } from '../../core/crypto.ts';
import { newId } from '../../core/ids.ts';
import { parseJson } from '../../core/json.ts';
import type { Db } from '../../db/database.ts';
import type { AlertRuleTable } from '../../db/schema.ts';
import type { Executor } from '../../db/tx.ts';
import { journaled, type AuditContext } from '../journal/service.ts';
import type { AlertChannel, AlertLocale, AlertRuleCreate, AlertRulePatch, AlertRuleSettingsInput, AlertState } from './alert-schema.ts';

/** A rule's settings with every default filled in. */
export interface AlertRuleSettings {
  states: AlertState[];
  min_criticality: number | null;
  repeat_minutes: number | null;
  send_recovery: boolean;
  locale: AlertLocale;
}

export interface AlertRule {
  id: string;
  client_id: string;
  name: string;
  channel: AlertChannel;
  target: string;
  secret: string | null;
  settings: AlertRuleSettings;
  enabled: boolean;
  created_at: number;
  updated_at: number;
}

export const DEFAULT_RULE_SETTINGS: AlertRuleSettings = { states: ['down'], min_criticality: null, repeat_minutes: null, send_recovery: true, locale: 'fr' };

/** Fills defaults (and keeps `base`'s values for absent fields): the stored form of settings. */
export function resolveSettings(input: AlertRuleSettingsInput | undefined, base: AlertRuleSettings = DEFAULT_RULE_SETTINGS): AlertRuleSettings {
  const i = input ?? {};
  const states = i.states ? (['down', 'degraded'] as const).filter((s) => i.states!.includes(s)) : base.states;
  return {
    states: [...states],
    min_criticality: i.min_criticality !== undefined ? i.min_criticality : base.min_criticality,
    repeat_minutes: i.repeat_minutes !== undefined ? i.repeat_minutes : base.repeat_minutes,
    send_recovery: i.send_recovery ?? base.send_recovery,
    locale: i.locale ?? base.locale,
  };
}

/** A stored row as a rule (settings parsed, defaults filled for older rows). */
export function ruleFromRow(r: AlertRuleTable): AlertRule {
  const s = parseJson<Partial<AlertRuleSettings>>(r.settings, {});
  return {
    id: r.id, client_id: r.client_id, name: r.name, channel: r.channel as AlertChannel, target: r.target, secret: r.secret,
    settings: { ...DEFAULT_RULE_SETTINGS, ...s, states: s.states?.length ? s.states : ['down'] },
    enabled: r.enabled === 1, created_at: Number(r.created_at), updated_at: Number(r.updated_at),
  };
}

/** What leaves the server about a rule: never its secret. */
export function presentRule(r: AlertRule) {
  return {
    id: r.id, client_id: r.client_id, name: r.name, channel: r.channel, target: r.target, has_secret: r.secret !== null, settings: r.settings,
    enabled: r.enabled, created_at: r.created_at, updated_at: r.updated_at,
  };
}
export type AlertRuleJson = ReturnType<typeof presentRule>;

const EMAIL_RE = /^[^\s@,;<>()"]+@[^\s@,;<>()"]+$/;
export const MAX_EMAIL_RECIPIENTS = 20;

/**
 * The target in its stored form for the channel: email addresses separated by ", " (deduplicated,
 * at most 20), or an absolute http(s) URL. 400 `invalid_target` otherwise, with the reasons.
 */
export function normaliseTarget(channel: AlertChannel, target: string): string {
  const problems: string[] = [];
  let out = target.trim();
  if (channel === 'email') {
    const seen = new Set<string>();
    const list: string[] = [];
    for (const part of target.split(/[,;\n]/).map((s) => s.trim()).filter(Boolean)) {
      if (part.length > 254 || !EMAIL_RE.test(part)) problems.push(`"${part.slice(0, 80)}" is not an email address`);
      else if (!seen.has(part.toLowerCase())) {
        seen.add(part.toLowerCase());
        list.push(part);
      }
    }
    if (list.length === 0 && problems.length === 0) problems.push('no email address given');
    if (list.length > MAX_EMAIL_RECIPIENTS) problems.push(`at most ${MAX_EMAIL_RECIPIENTS} addresses`);
    out = list.join(', ');
  } else {
    let url: URL | null = null;
    try {
      url = new URL(out);
    } catch {
      problems.push('not an absolute URL');
    }
    if (url && url.protocol !== 'https:' && url.protocol !== 'http:') problems.push('the URL must start with https:// or http://');
    if (url && !url.hostname) problems.push('the URL has no host');
  }
  if (problems.length) {
    throw badRequest('invalid_target', `Invalid ${channel === 'email' ? 'email recipients' : 'webhook URL'}: ${problems.join('; ')}`, { channel, problems });
  }
  return out;
}

async function requireClient(ex: Executor, clientId: string) {
  const o = await ex.selectFrom('organisations').select('id').where('id', '=', clientId).where('kind', '=', 'client').executeTakeFirst();
  if (!o) throw notFound('client');
}

/** A rule of the client; 404 when it is not this client's. */
export async function getRule(ex: Executor, clientId: string, ruleId: string): Promise<AlertRule> {
  const r = await ex.selectFrom('alert_rules').selectAll().where('id', '=', ruleId).where('client_id', '=', clientId).executeTakeFirst();
  if (!r) throw notFound('alert rule');
  return ruleFromRow(r);
}

/** The client's rules by name. */
export async function listRules(db: Db, clientId: string): Promise<AlertRule[]> {
  await requireClient(db.kysely, clientId);
  const rows = await db.kysely.selectFrom('alert_rules').selectAll().where('client_id', '=', clientId).orderBy('name').orderBy('id').execute();
  return rows.map(ruleFromRow);
}

/** The client's enabled rules (what alerting sends to). */
export async function enabledRules(ex: Executor, clientId: string): Promise<AlertRule[]> {
  const rows = await ex.selectFrom('alert_rules').selectAll().where('client_id', '=', clientId).where('enabled', '=', 1).orderBy('id').execute();
  return rows.map(ruleFromRow);
}

const newSecret = () => randomToken('vgw_');

/** Creates a rule; a webhook rule's signing secret is returned here and never again. Journaled. */
export async function createRule(db: Db, ctx: AuditContext, clientId: string, input: AlertRuleCreate): Promise<{ rule: AlertRule; secret: string | null }> {
  const target = normaliseTarget(input.channel, input.target);
  const now = Date.now();
  const rule: AlertRule = {
    id: newId(), client_id: clientId, name: input.name, channel: input.channel, target, secret: input.channel === 'webhook' ? newSecret() : null,
    settings: resolveSettings(input.settings), enabled: input.enabled, created_at: now, updated_at: now,
  };
  await journaled(db, ctx, async (trx) => {
    await requireClient(trx, clientId);
    await trx.insertInto('alert_rules').values(toRow(rule)).execute();
    return { result: null, journal: { clientId, action: 'alert_rule.create', objectType: 'alert_rule', objectId: rule.id, after: presentRule(rule) } };
  });
  return { rule, secret: rule.secret };
}

/** Changes a rule (not its channel); `rotate_secret` gives a webhook rule a new secret, returned once. Journaled. */
export async function updateRule(db: Db, ctx: AuditContext, clientId: string, ruleId: string, patch: AlertRulePatch): Promise<{ rule: AlertRule; secret: string | null }> {
  return journaled(db, ctx, async (trx) => {
    const before = await getRule(trx, clientId, ruleId);
    if (patch.rotate_secret && before.channel !== 'webhook') throw badRequest('no_secret', 'Only webhook rules have a signing secret');
    const after: AlertRule = { ...before, updated_at: Date.now() };
    if (patch.name !== undefined) after.name = patch.name;
    if (patch.target !== undefined) after.target = normaliseTarget(before.channel, patch.target);
    if (patch.settings !== undefined) after.settings = resolveSettings(patch.settings, before.settings);
    if (patch.enabled !== undefined) after.enabled = patch.enabled;
    const secret = patch.rotate_secret ? newSecret() : null;
    if (secret) after.secret = secret;
    const { id: _id, client_id: _c, ...changes } = toRow(after);
    await trx.updateTable('alert_rules').set(changes).where('id', '=', ruleId).where('client_id', '=', clientId).execute();
    return {
      result: { rule: after, secret },
      journal: { clientId, action: 'alert_rule.update', objectType: 'alert_rule', objectId: ruleId, before: presentRule(before), after: { ...presentRule(after), ...(secret ? { secret_rotated: true } : {}) } },
    };
  });
}

/** Deletes a rule; its deliveries not yet made are dropped (kept as `skipped`, for the record). Journaled. */
export async function deleteRule(db: Db, ctx: AuditContext, clientId: string, ruleId: string): Promise<void> {
  await journaled(db, ctx, async (trx) => {
    const before = await getRule(trx, clientId, ruleId);
    await trx
      .updateTable('alert_deliveries')
      .set({ status: 'skipped', last_error: 'the rule was deleted' })
      .where('rule_id', '=', ruleId)
      .where('status', 'in', ['pending', 'sending'])
      .execute();
    await trx.deleteFrom('alert_rules').where('id', '=', ruleId).where('client_id', '=', clientId).execute();
    return { result: null, journal: { clientId, action: 'alert_rule.delete', objectType: 'alert_rule', objectId: ruleId, before: presentRule(before) } };
  });
}

function toRow(r: AlertRule): AlertRuleTable {
  return {
    id: r.id, client_id: r.client_id, name: r.name, channel: r.channel, target: r.target, secret: r.secret, settings: JSON.stringify(r.settings),
    enabled: r.enabled ? 1 : 0, created_at: r.created_at, updated_at: r.updated_at,
  };
}

/** Does this rule cover this check (by its asset's criticality; a check without asset always passes)? */
export function ruleCoversCriticality(rule: AlertRule, criticality: number | null): boolean {
  const min = rule.settings.min_criticality;
  return min === null || criticality === null || criticality <= min;
}
