/**
 * Alerting: turns check states into alerts, and alerts into deliveries for the client's rules.
 *
 * Alerts are a stream per client (the `alerts` table, in the order they are raised) that the app
 * shows and the service desk turns into tickets (`alertsSince`); each new alert is also emitted on
 * the monitoring bus (`alert`). Each alert has one delivery per rule it is sent to; the delivery
 * queue (notifications module) sends them.
 *
 * How it decides (the issue leaves these open; this is the rule, tested in alerting.test.ts):
 * - It reconciles what was told with what the checks' states are now, per check, through an
 *   *episode*: opened by a problem alert, closed by a recovery. The transitions reported by the
 *   ingestor only say which checks to look at at once; a periodic sweep looks again (held checks,
 *   repeats, flapping that stopped, a lost event). So an alert is raised once however many processes
 *   look: each client is evaluated under a lock (a PostgreSQL advisory lock; SQLite has one writer).
 * - problem: the check is down, or degraded when a rule of the client asks for degraded (and covers
 *   the check), and no episode of that level is open. Every down raises an alert in the stream, even
 *   when no rule covers the check (the service desk sees it); degraded only when a rule asks.
 * - recovery: an episode is open and the check is up (or degraded that no rule asks for). It goes
 *   to the rules that were sent something in the episode and have `send_recovery`.
 * - repeat: while the episode's level still holds, to each rule with `repeat_minutes` whose last
 *   message of the episode is that old.
 * - Nothing about a check in maintenance (nor about the checks behind it), nor a disabled one;
 *   unknown (no data) is not down and changes nothing. A check still down when its maintenance ends
 *   raises a problem then.
 * - Flapping (the state machine's flag): one `flapping` alert, then nothing until the flag drops;
 *   then a problem if it settled down, a recovery if it settled up.
 * - Dependencies (a parent check, or an asset the check's asset depends on — topology.ts —,
 *   transitively): a check behind a down ancestor is unreachable and raises nothing of its own; the
 *   ancestor's problem alert (the root cause) lists the unreachable checks in `children` and sets
 *   `root_check_id` to itself. When the ancestor is an asset, each of its down checks' alerts lists
 *   them. A check with a parent that is not (yet) down is held a little — the parent's own
 *   confirmation time, at most 10 min, less when the parent answers meanwhile — so that a firewall
 *   failing with its children gives one alert, not one per child first.
 * - Alerting follows the current state, not every past transition: a collector replaying a backlog
 *   with an outage that has already ended raises nothing (its periods record it).
 */
import { sql } from 'kysely';
import { newId } from '../../core/ids.ts';
import { parseJson } from '../../core/json.ts';
import type { Db } from '../../db/database.ts';
import type { AlertEpisodeTable } from '../../db/schema.ts';
import type { Executor } from '../../db/tx.ts';
import { enabledRules, ruleCoversCriticality, type AlertRule } from './alert-rules.ts';
import { busFor } from './bus.ts';
import { effectiveStates } from './dependencies.ts';
import { LISTENING_SINCE } from './ingest.ts';
import { assetState, assetsNeeded, buildDependencyGraph, loadAssetTopology, type AssetTopology } from './topology.ts';
import type { BatchOutcome } from './ingest.ts';
import type { CheckStatus } from './state-machine.ts';

export type AlertKind = 'problem' | 'repeat' | 'recovery' | 'flapping';
export type AlertSubjectKind = 'check' | 'collector';

/**
 * A collector is silent when it has not called for this long (it asks for its checks every 30 s and
 * pushes results as they come): one alert names it, with its checks — which the silent-check sweep
 * turns unknown, not down — as the unreachable children. A collector that never called is not
 * installed yet and raises nothing; nor one silent only since this process started listening.
 */
export const COLLECTOR_SILENT_MS = 3 * 60_000;
/** pending → sending → sent | failed; skipped: not sent on purpose (email not configured, rule disabled or deleted). */
export type DeliveryStatus = 'pending' | 'sending' | 'sent' | 'failed' | 'skipped';

/** An unreachable check listed by its root cause's alert. */
export interface AlertChild {
  check_id: string;
  name: string;
}

export interface DeliveryItem {
  id: string;
  rule_id: string;
  rule_name: string | null;
  channel: string | null;
  status: DeliveryStatus;
  attempts: number;
  last_error: string | null;
  sent_at: number | null;
  next_attempt_at: number | null;
}

/** An alert as the app, the bus and the service desk see it. */
export interface AlertItem {
  id: string;
  client_id: string;
  /** What the alert is about: a check, or a collector gone silent (then `check_id` is the collector's id). */
  subject: AlertSubjectKind;
  check_id: string;
  check_name: string;
  /** The check itself when this alert names the unreachable checks behind it; null otherwise. */
  root_check_id: string | null;
  kind: AlertKind;
  /** The check's state when raised (down, degraded, up…). */
  state: string;
  /** When the alert was raised. */
  at: number;
  /** Since when the check is in that state. */
  since: number | null;
  /** The check's own words (probe message) when raised. */
  message: string;
  children: AlertChild[];
  deliveries: DeliveryItem[];
}

export type Transitions = BatchOutcome['transitions'];

export interface AlertingOptions {
  /** The time of the evaluation (tests); default now. */
  now?: number;
}

/** The longest a check with a parent waits for the parent's verdict. */
export const MAX_HOLD_MS = 10 * 60_000;

type Level = 'down' | 'degraded' | 'ok' | 'none';

interface CheckInfo {
  id: string;
  client_id: string;
  name: string;
  asset_id: string | null;
  parent_check_id: string | null;
  state: string;
  state_since: number;
  interval_s: number;
  retries: number;
  enabled: boolean;
  last_status: string | null;
  last_result_at: number | null;
  last_message: string | null;
  criticality: number | null;
  flapping: boolean;
  inMaintenance: boolean;
}

interface Episode {
  check_id: string;
  client_id: string;
  level: 'down' | 'degraded' | 'flapping';
  opened_at: number;
  last_alert_id: string;
  notified: Record<string, number>;
  updated_at: number;
}

// ---------------------------------------------------------------- entry points

/**
 * Raises the alerts that these transitions (from `applyResults`, the ingestor or a sweep) call for,
 * and the ones the same clients' other checks call for now. Returns the alerts raised.
 */
export async function raiseAlerts(db: Db, transitions: Transitions, opts: AlertingOptions = {}): Promise<AlertItem[]> {
  const byClient = new Map<string, Transitions>();
  for (const t of transitions) {
    const list = byClient.get(t.clientId);
    if (list) list.push(t);
    else byClient.set(t.clientId, [t]);
  }
  const out: AlertItem[] = [];
  for (const [clientId, list] of byClient) out.push(...(await evaluateClient(db, clientId, list, opts.now ?? Date.now())));
  return out;
}

/**
 * Looks at every client with a check in trouble or an open episode: held problems, repeats due,
 * flapping that stopped, recoveries whose event was missed. Returns the alerts raised.
 */
export async function sweepAlerts(db: Db, opts: AlertingOptions & { clients?: readonly string[] } = {}): Promise<AlertItem[]> {
  const now = opts.now ?? Date.now();
  let clients: string[];
  if (opts.clients) clients = [...opts.clients];
  else {
    const a = await db.kysely.selectFrom('checks').select('client_id').distinct().where('state', 'in', ['down', 'degraded']).execute();
    const b = await db.kysely.selectFrom('alert_episodes').select('client_id').distinct().execute();
    const c = await db.kysely
      .selectFrom('collectors')
      .select('client_id')
      .distinct()
      .where('revoked_at', 'is', null)
      .where('last_contact_at', '<=', now - COLLECTOR_SILENT_MS)
      .execute();
    clients = [...new Set([...a, ...b, ...c].map((r) => r.client_id))].sort();
  }
  const out: AlertItem[] = [];
  for (const c of clients) out.push(...(await evaluateClient(db, c, [], now)));
  return out;
}

/**
 * Alerting for a monitoring process: `onTransitions` for the engine's ingestor (it never throws:
 * a failure is logged and the next sweep makes up for it), and a periodic sweep.
 */
export class Alerting {
  private timer: NodeJS.Timeout | null = null;
  private sweeping: Promise<unknown> | null = null;

  constructor(
    private readonly db: Db,
    private readonly opts: { sweepMs?: number; log?: (msg: string, err?: unknown) => void } = {},
  ) {}

  /** Give this to `engine.onTransitions` (or call it with any batch's transitions). */
  readonly onTransitions = async (t: Transitions): Promise<void> => {
    if (t.length === 0) return;
    try {
      await raiseAlerts(this.db, t);
    } catch (e) {
      this.opts.log?.('alerting failed; the next sweep will catch up', e);
    }
  };

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.sweep(), this.opts.sweepMs ?? 15_000);
    this.timer.unref();
  }

  async sweep(): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = sweepAlerts(this.db).catch((e) => this.opts.log?.('alert sweep failed', e));
    try {
      await this.sweeping;
    } finally {
      this.sweeping = null;
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.sweeping;
  }
}

// ---------------------------------------------------------------- evaluation

/** Serialises the evaluation of one client across processes (PostgreSQL); SQLite has a single writer. */
async function lockClient(trx: Executor, db: Db, clientId: string) {
  if (db.dialect === 'postgres') await sql`select pg_advisory_xact_lock(hashtext(${`vigie.alerting:${clientId}`}::text))`.execute(trx);
}

async function evaluateClient(db: Db, clientId: string, transitions: Transitions, now: number): Promise<AlertItem[]> {
  const created = await db.kysely.transaction().execute(async (trx) => {
    await lockClient(trx, db, clientId);
    const rules = await enabledRules(trx, clientId);
    const episodes = new Map<string, Episode>();
    for (const e of await trx.selectFrom('alert_episodes').selectAll().where('client_id', '=', clientId).execute()) episodes.set(e.check_id, episodeFromRow(e));
    const troubled = await trx.selectFrom('checks').select('id').where('client_id', '=', clientId).where('state', 'in', ['down', 'degraded']).execute();
    const candidateIds = new Set<string>([...transitions.map((t) => t.checkId), ...troubled.map((r) => r.id), ...episodes.keys()]);
    const nodes = await loadChecks(trx, clientId, [...candidateIds]);
    const collectors = await trx
      .selectFrom('collectors')
      .select(['id', 'name', 'last_contact_at'])
      .where('client_id', '=', clientId)
      .where('revoked_at', 'is', null)
      .orderBy('id')
      .execute();
    const collectorIds = new Set(collectors.map((c) => c.id));
    // Episodes of deleted checks and revoked collectors: nothing left to tell.
    for (const id of episodes.keys()) {
      if (!nodes.has(id) && !collectorIds.has(id)) {
        await trx.deleteFrom('alert_episodes').where('check_id', '=', id).execute();
        episodes.delete(id);
      }
    }
    const topo = await loadAssetTopology(trx, clientId);
    await loadAncestors(trx, clientId, nodes, topo);
    const blocked = blockedChecks(nodes, topo);
    const touched = new Map<string, Transitions>();
    for (const t of transitions) touched.set(t.checkId, [...(touched.get(t.checkId) ?? []), t]);

    const ctx: EvalContext = { trx, clientId, rules, now, alerts: [], topo };
    for (const id of [...candidateIds].sort()) {
      const c = nodes.get(id);
      if (!c) continue;
      await evaluateCheck(ctx, c, episodes.get(id) ?? null, blocked.has(id), nodes, touched.get(id) ?? []);
    }
    for (const col of collectors) {
      await evaluateCollector(ctx, { id: col.id, name: col.name, contactAt: col.last_contact_at === null ? null : Number(col.last_contact_at) }, episodes.get(col.id) ?? null);
    }
    return ctx.alerts;
  });
  const bus = busFor(db);
  for (const a of created) bus.emit('alert', a);
  return created;
}

interface EvalContext {
  trx: Executor;
  clientId: string;
  rules: AlertRule[];
  now: number;
  alerts: AlertItem[];
  topo: AssetTopology;
}

async function evaluateCheck(ctx: EvalContext, c: CheckInfo, ep: Episode | null, isBlocked: boolean, nodes: Map<string, CheckInfo>, touched: Transitions) {
  if (!c.enabled || c.state === 'maintenance' || c.inMaintenance) return;
  const degradedAlertable = ctx.rules.some((r) => r.settings.states.includes('degraded') && ruleCoversCriticality(r, c.criticality));
  const isProblem = (s: string) => s === 'down' || (s === 'degraded' && degradedAlertable);
  const level: Level = c.state === 'down' ? 'down' : c.state === 'degraded' ? (degradedAlertable ? 'degraded' : 'ok') : c.state === 'up' ? 'ok' : 'none';

  if (c.flapping) {
    if (ep?.level === 'flapping' || isBlocked) return;
    const involved = ep !== null || isProblem(c.state) || touched.some((t) => isProblem(t.from) || isProblem(t.to));
    if (!involved) return;
    const about: 'down' | 'degraded' = c.state === 'down' || ep?.level === 'down' || touched.some((t) => t.to === 'down' || t.from === 'down') ? 'down' : 'degraded';
    const to = ctx.rules.filter((r) => ruleCoversCriticality(r, c.criticality) && r.settings.states.includes(about));
    const alert = await insertAlert(ctx, c, 'flapping', [], to);
    await saveEpisode(ctx, c, ep, 'flapping', alert.id, to);
    return;
  }
  if (level === 'none') return;
  if (level === 'ok') {
    if (!ep) return;
    const to = ctx.rules.filter((r) => r.settings.send_recovery && ep.notified[r.id] !== undefined);
    await insertAlert(ctx, c, 'recovery', [], to);
    await ctx.trx.deleteFrom('alert_episodes').where('check_id', '=', c.id).execute();
    return;
  }
  if (ep && ep.level === level) {
    if (isBlocked) return;
    const due = ctx.rules.filter((r) => {
      const every = r.settings.repeat_minutes;
      if (!every || !r.settings.states.includes(level) || !ruleCoversCriticality(r, c.criticality)) return false;
      return ctx.now - (ep.notified[r.id] ?? ep.opened_at) >= every * 60_000;
    });
    if (due.length === 0) return;
    const alert = await insertAlert(ctx, c, 'repeat', [], due);
    await saveEpisode(ctx, c, ep, level, alert.id, due);
    return;
  }
  if (isBlocked || held(c, nodes, ctx.topo, ctx.now)) return;
  const children = await unreachableBehind(ctx.trx, ctx.clientId, c, nodes, ctx.topo);
  const to = ctx.rules.filter((r) => r.settings.states.includes(level) && ruleCoversCriticality(r, c.criticality));
  const alert = await insertAlert(ctx, c, 'problem', children, to);
  await saveEpisode(ctx, c, ep, level, alert.id, to);
}

/** A collector that has called and then stopped calling (see COLLECTOR_SILENT_MS). */
export function collectorSilent(contactAt: number | null, now: number, listeningSince = LISTENING_SINCE): boolean {
  if (contactAt === null) return false;
  return now - Math.max(contactAt, listeningSince) >= COLLECTOR_SILENT_MS;
}

/** Problem, repeat and recovery for a collector's silence, on the same episodes as checks. */
async function evaluateCollector(ctx: EvalContext, col: { id: string; name: string; contactAt: number | null }, ep: Episode | null) {
  const silent = collectorSilent(col.contactAt, ctx.now);
  const subject: Subject = {
    id: col.id, name: col.name, subject: 'collector', state: silent ? 'down' : 'up', state_since: col.contactAt,
    last_message: silent ? `no contact for ${Math.round((ctx.now - col.contactAt!) / 60_000)} min` : 'in contact again',
  };
  if (!silent) {
    if (!ep) return;
    const to = ctx.rules.filter((r) => r.settings.send_recovery && ep.notified[r.id] !== undefined);
    await insertAlert(ctx, subject, 'recovery', [], to);
    await ctx.trx.deleteFrom('alert_episodes').where('check_id', '=', col.id).execute();
    return;
  }
  if (ep) {
    const due = ctx.rules.filter((r) => {
      const every = r.settings.repeat_minutes;
      return !!every && r.settings.states.includes('down') && ctx.now - (ep.notified[r.id] ?? ep.opened_at) >= every * 60_000;
    });
    if (due.length === 0) return;
    const alert = await insertAlert(ctx, subject, 'repeat', [], due);
    await saveEpisode(ctx, subject, ep, 'down', alert.id, due);
    return;
  }
  const checks = await ctx.trx
    .selectFrom('checks')
    .select(['id', 'name'])
    .where('client_id', '=', ctx.clientId)
    .where('collector_id', '=', col.id)
    .where('enabled', '=', 1)
    .execute();
  if (checks.length === 0) return;
  const children = checks.map((c) => ({ check_id: c.id, name: c.name })).sort((a, b) => a.name.localeCompare(b.name) || (a.check_id < b.check_id ? -1 : 1));
  const to = ctx.rules.filter((r) => r.settings.states.includes('down'));
  const alert = await insertAlert(ctx, subject, 'problem', children, to);
  await saveEpisode(ctx, subject, ep, 'down', alert.id, to);
}

/**
 * Should this check wait for a parent's verdict? Yes while a parent (check, or asset its asset
 * depends on) is not down, has not answered since this check's trouble began, and its own
 * confirmation time (retries + 1 intervals, plus one for its phase; at most 10 min) has not passed.
 * An asset parent answers when any of its checks does; its confirmation time is its slowest check's.
 */
function held(c: CheckInfo, nodes: Map<string, CheckInfo>, topo: AssetTopology, now: number): boolean {
  const pending = (parents: CheckInfo[]): boolean => {
    const live = parents.filter((p) => p.enabled);
    if (live.length === 0) return false;
    const asCheck = (p: CheckInfo) => (p.state === 'maintenance' || p.inMaintenance ? 'maintenance' : (p.state as CheckStatus));
    if (assetState(live.map(asCheck)) === 'down' && live.every((p) => p.state === 'down' || p.state === 'maintenance' || p.inMaintenance)) return false;
    if (live.some((p) => (p.last_status === 'up' || p.last_status === 'degraded') && p.last_result_at !== null && p.last_result_at >= c.state_since)) return false;
    const hold = Math.min(MAX_HOLD_MS, Math.max(...live.map((p) => p.interval_s * 1000 * (p.retries + 2))));
    return now < c.state_since + hold;
  };
  if (c.parent_check_id) {
    const p = nodes.get(c.parent_check_id);
    if (p && p.state !== 'down' && pending([p])) return true;
  }
  if (c.asset_id) {
    for (const a of topo.parents.get(c.asset_id) ?? []) {
      const checks = [...nodes.values()].filter((n) => n.asset_id === a);
      if (pending(checks)) return true;
    }
  }
  return false;
}

/** Node state for alerting: maintenance mutes what is behind it, as a down parent does. */
const alertingState = (n: CheckInfo): CheckStatus => (n.state === 'maintenance' || n.inMaintenance ? 'down' : (n.state as CheckStatus));

/** Checks whose own trouble is blamed on a down ancestor (or one in maintenance, which mutes what is behind it). */
function blockedChecks(nodes: Map<string, CheckInfo>, topo: AssetTopology): Set<string> {
  const { graph, states } = buildDependencyGraph([...nodes.values()].map((n) => ({ id: n.id, asset_id: n.asset_id, parent_check_id: n.parent_check_id, state: alertingState(n) })), topo);
  const out = new Set<string>();
  for (const [id, e] of effectiveStates(graph, states)) if (e.state === 'unreachable' && nodes.has(id)) out.add(id);
  return out;
}

/**
 * The checks behind `root` (transitively, through parent checks and dependent assets) that are
 * unreachable because of it, by name. The root counts as down; the other checks of its asset count
 * as they are, so an asset that still answers on another check hides nothing.
 */
async function unreachableBehind(trx: Executor, clientId: string, root: CheckInfo, nodes: Map<string, CheckInfo>, topo: AssetTopology): Promise<AlertChild[]> {
  const found = new Map<string, { id: string; name: string; asset_id: string | null; parent_check_id: string | null; state: CheckStatus }>();
  found.set(root.id, { id: root.id, name: root.name, asset_id: root.asset_id, parent_check_id: null, state: 'down' });
  const cols = ['id', 'name', 'asset_id', 'parent_check_id', 'state'] as const;
  const take = (rows: { id: string; name: string; asset_id: string | null; parent_check_id: string | null; state: string }[], next: string[]) => {
    for (const r of rows) {
      if (found.has(r.id)) continue;
      found.set(r.id, { ...r, state: r.state as CheckStatus });
      next.push(r.id);
    }
  };
  // The root's asset's own checks (they say whether the asset answers).
  if (root.asset_id) {
    for (const n of nodes.values()) if (n.asset_id === root.asset_id && !found.has(n.id)) found.set(n.id, { id: n.id, name: n.name, asset_id: n.asset_id, parent_check_id: null, state: alertingState(n) });
  }
  const assetsSeen = new Set<string>(root.asset_id ? [root.asset_id] : []);
  let frontier = [root.id];
  let frontierAssets = root.asset_id ? [root.asset_id] : [];
  for (let depth = 0; (frontier.length || frontierAssets.length) && depth < 50; depth++) {
    const next: string[] = [];
    for (let i = 0; i < frontier.length; i += 500) {
      take(await trx.selectFrom('checks').select([...cols]).where('client_id', '=', clientId).where('parent_check_id', 'in', frontier.slice(i, i + 500)).execute(), next);
    }
    const childAssets = new Set<string>();
    for (const a of frontierAssets) for (const ch of topo.children.get(a) ?? []) if (!assetsSeen.has(ch)) childAssets.add(ch), assetsSeen.add(ch);
    // Checks found through their parent check bring their asset's dependants too.
    for (const id of next) {
      const a = found.get(id)!.asset_id;
      if (a) for (const ch of topo.children.get(a) ?? []) if (!assetsSeen.has(ch)) childAssets.add(ch), assetsSeen.add(ch);
    }
    const ids = [...childAssets];
    for (let i = 0; i < ids.length; i += 500) {
      take(await trx.selectFrom('checks').select([...cols]).where('client_id', '=', clientId).where('asset_id', 'in', ids.slice(i, i + 500)).execute(), next);
    }
    frontier = next;
    frontierAssets = ids;
  }
  const { graph, states } = buildDependencyGraph(found.values(), topo);
  const out: AlertChild[] = [];
  for (const [id, e] of effectiveStates(graph, states)) {
    const f = found.get(id);
    if (f && id !== root.id && e.state === 'unreachable') out.push({ check_id: id, name: f.name });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name) || (a.check_id < b.check_id ? -1 : 1));
}

/** What an alert is raised about: a check, or a collector. */
interface Subject {
  id: string;
  name: string;
  state: string;
  state_since: number | null;
  last_message: string | null;
  subject?: AlertSubjectKind;
}

async function insertAlert(ctx: EvalContext, c: Subject, kind: AlertKind, children: AlertChild[], to: AlertRule[]): Promise<AlertItem> {
  const id = newId();
  const row = {
    id, client_id: ctx.clientId, subject: c.subject ?? 'check', check_id: c.id, check_name: c.name, root_check_id: children.length ? c.id : null, kind, state: c.state, at: ctx.now,
    since: c.state_since, message: (c.last_message ?? '').slice(0, 500), children: JSON.stringify(children),
  };
  await ctx.trx.insertInto('alerts').values(row).execute();
  const deliveries: DeliveryItem[] = [];
  for (const r of to) {
    const d = { id: newId(), alert_id: id, rule_id: r.id, status: 'pending', attempts: 0, next_attempt_at: ctx.now, last_error: null, sent_at: null };
    await ctx.trx.insertInto('alert_deliveries').values(d).execute();
    deliveries.push({ id: d.id, rule_id: r.id, rule_name: r.name, channel: r.channel, status: 'pending', attempts: 0, last_error: null, sent_at: null, next_attempt_at: ctx.now });
  }
  const item: AlertItem = { ...row, subject: row.subject, kind, children, deliveries };
  ctx.alerts.push(item);
  return item;
}

async function saveEpisode(ctx: EvalContext, c: { id: string }, ep: Episode | null, level: Episode['level'], alertId: string, to: AlertRule[]) {
  const notified = { ...(ep?.notified ?? {}) };
  for (const r of to) notified[r.id] = ctx.now;
  const row = { level, last_alert_id: alertId, notified: JSON.stringify(notified), updated_at: ctx.now };
  if (ep) await ctx.trx.updateTable('alert_episodes').set(row).where('check_id', '=', c.id).execute();
  else await ctx.trx.insertInto('alert_episodes').values({ check_id: c.id, client_id: ctx.clientId, opened_at: ctx.now, ...row }).execute();
}

function episodeFromRow(e: AlertEpisodeTable): Episode {
  return {
    check_id: e.check_id, client_id: e.client_id, level: e.level as Episode['level'], opened_at: Number(e.opened_at), last_alert_id: e.last_alert_id,
    notified: parseJson<Record<string, number>>(e.notified, {}), updated_at: Number(e.updated_at),
  };
}

async function loadChecks(trx: Executor, clientId: string, ids: readonly string[]): Promise<Map<string, CheckInfo>> {
  const out = new Map<string, CheckInfo>();
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await trx
      .selectFrom('checks as c')
      .leftJoin('assets as a', (j) => j.onRef('a.id', '=', 'c.asset_id').onRef('a.client_id', '=', 'c.client_id'))
      .select([
        'c.id', 'c.client_id', 'c.name', 'c.asset_id', 'c.parent_check_id', 'c.state', 'c.state_since', 'c.interval_s', 'c.retries', 'c.enabled', 'c.last_status', 'c.last_result_at',
        'c.last_message', 'c.runtime', 'a.criticality',
      ])
      .where('c.client_id', '=', clientId)
      .where('c.id', 'in', ids.slice(i, i + 500))
      .execute();
    for (const r of rows) {
      const machine = parseJson<{ machine?: { flapping?: boolean; inMaintenance?: boolean } }>(r.runtime, {}).machine ?? {};
      out.set(r.id, {
        id: r.id, client_id: r.client_id, name: r.name, asset_id: r.asset_id, parent_check_id: r.parent_check_id, state: r.state, state_since: Number(r.state_since), interval_s: r.interval_s,
        retries: r.retries, enabled: r.enabled === 1, last_status: r.last_status, last_result_at: r.last_result_at === null ? null : Number(r.last_result_at),
        last_message: r.last_message, criticality: r.criticality === null || r.criticality === undefined ? null : Number(r.criticality),
        flapping: machine.flapping === true, inMaintenance: machine.inMaintenance === true,
      });
    }
  }
  return out;
}

/**
 * Adds every ancestor of the loaded checks to `nodes`: parent checks, and every check of the assets
 * their assets depend on (an asset's state needs all its checks), transitively. Cycles are cut.
 */
async function loadAncestors(trx: Executor, clientId: string, nodes: Map<string, CheckInfo>, topo: AssetTopology) {
  const assetsLoaded = new Set<string>();
  for (let depth = 0; depth < 50; depth++) {
    const missing = [...new Set([...nodes.values()].map((n) => n.parent_check_id).filter((p): p is string => p !== null && !nodes.has(p)))];
    const assets = [...assetsNeeded(topo, [...nodes.values()].map((n) => n.asset_id).filter((a): a is string => a !== null))].filter((a) => !assetsLoaded.has(a));
    if (missing.length === 0 && assets.length === 0) return;
    let added = 0;
    if (missing.length) {
      for (const [id, n] of await loadChecks(trx, clientId, missing)) nodes.set(id, n), added++;
    }
    for (let i = 0; i < assets.length; i += 500) {
      const ids = await trx.selectFrom('checks').select('id').where('client_id', '=', clientId).where('asset_id', 'in', assets.slice(i, i + 500)).execute();
      const fresh = ids.map((r) => r.id).filter((id) => !nodes.has(id));
      for (const [id, n] of await loadChecks(trx, clientId, fresh)) nodes.set(id, n), added++;
    }
    for (const a of assets) assetsLoaded.add(a);
    if (added === 0 && missing.length > 0 && assets.length === 0) return;
  }
}

// ---------------------------------------------------------------- reading the stream

const deliveryStatus = (s: string): DeliveryStatus => s as DeliveryStatus;

async function withDeliveries(ex: Executor, rows: { id: string; client_id: string; subject: string; check_id: string; check_name: string; root_check_id: string | null; kind: string; state: string; at: number; since: number | null; message: string; children: string }[]): Promise<AlertItem[]> {
  const byAlert = new Map<string, DeliveryItem[]>();
  const ids = rows.map((r) => r.id);
  for (let i = 0; i < ids.length; i += 500) {
    const ds = await ex
      .selectFrom('alert_deliveries as d')
      .leftJoin('alert_rules as r', 'r.id', 'd.rule_id')
      .select(['d.id', 'd.alert_id', 'd.rule_id', 'd.status', 'd.attempts', 'd.last_error', 'd.sent_at', 'd.next_attempt_at', 'r.name as rule_name', 'r.channel'])
      .where('d.alert_id', 'in', ids.slice(i, i + 500))
      .orderBy('d.id')
      .execute();
    for (const d of ds) {
      const list = byAlert.get(d.alert_id) ?? [];
      list.push({
        id: d.id, rule_id: d.rule_id, rule_name: d.rule_name ?? null, channel: d.channel ?? null, status: deliveryStatus(d.status), attempts: d.attempts, last_error: d.last_error,
        sent_at: d.sent_at === null ? null : Number(d.sent_at), next_attempt_at: d.status === 'pending' || d.status === 'sending' ? Number(d.next_attempt_at) : null,
      });
      byAlert.set(d.alert_id, list);
    }
  }
  return rows.map((r) => ({
    id: r.id, client_id: r.client_id, subject: r.subject as AlertSubjectKind, check_id: r.check_id, check_name: r.check_name, root_check_id: r.root_check_id, kind: r.kind as AlertKind, state: r.state,
    at: Number(r.at), since: r.since === null ? null : Number(r.since), message: r.message, children: parseJson<AlertChild[]>(r.children, []), deliveries: byAlert.get(r.id) ?? [],
  }));
}

const ALERT_COLUMNS = ['id', 'client_id', 'subject', 'check_id', 'check_name', 'root_check_id', 'kind', 'state', 'at', 'since', 'message', 'children'] as const;

/** The client's alerts, newest first, with their deliveries; `next_cursor` pages to older ones. */
export async function listAlerts(db: Db, clientId: string, q: { limit?: number; cursor?: string | undefined; check_id?: string | undefined } = {}) {
  const limit = q.limit ?? 50;
  let query = db.kysely.selectFrom('alerts').select([...ALERT_COLUMNS]).where('client_id', '=', clientId).orderBy('id', 'desc').limit(limit + 1);
  if (q.cursor) query = query.where('id', '<', q.cursor);
  if (q.check_id) query = query.where('check_id', '=', q.check_id);
  const rows = await query.execute();
  const page = rows.slice(0, limit);
  return { items: await withDeliveries(db.kysely, page), next_cursor: rows.length > limit ? page[page.length - 1]!.id : null };
}

/**
 * The alert stream for a consumer (the service desk): the client's alerts raised after `cursor`
 * (an alert id; null from the start), oldest first, and the cursor to pass next time.
 * Ids are time-ordered (UUIDv7) and made inside the raising transaction. With several processes on
 * PostgreSQL, an alert with a smaller id may commit a moment after a larger one: alerts younger than
 * `settleMs` (default 5 s there, 0 on SQLite's single writer) are left for the next call, so none is
 * skipped.
 */
export async function alertsSince(db: Db, clientId: string, cursor: string | null, opts: { limit?: number; settleMs?: number; now?: number } = {}) {
  const settle = opts.settleMs ?? (db.dialect === 'postgres' ? 5000 : 0);
  let query = db.kysely.selectFrom('alerts').select([...ALERT_COLUMNS]).where('client_id', '=', clientId).orderBy('id', 'asc').limit(opts.limit ?? 100);
  if (cursor) query = query.where('id', '>', cursor);
  if (settle > 0) query = query.where('id', '<', idFloor((opts.now ?? Date.now()) - settle));
  const rows = await query.execute();
  return { items: await withDeliveries(db.kysely, rows), cursor: rows.length ? rows[rows.length - 1]!.id : cursor };
}

/** The smallest UUIDv7 of this millisecond: every id made before it sorts below. */
function idFloor(ms: number): string {
  const h = Math.max(0, Math.floor(ms)).toString(16).padStart(12, '0');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-7000-8000-000000000000`;
}
