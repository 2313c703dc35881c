/**
 * The delivery queue over `alert_deliveries`: each alert has one delivery per rule it goes to.
 *
 * pending → sending → sent, or back to pending with an exponential backoff (30 s, 1, 2, 4, 8 min
 * by default) until the 6th attempt fails → failed. A refusal that cannot change (SMTP 5xx, HTTP 4xx
 * other than 408/425/429) fails at once. `skipped`: not sent on purpose (email not configured on
 * this server, rule disabled or deleted); the reason is in `last_error`.
 *
 * Deliveries are claimed by lease: the claim moves them to `sending` with `next_attempt_at` as the
 * lease's end (PostgreSQL: `FOR UPDATE SKIP LOCKED`, so several processes share the queue and each
 * delivery is attempted by one); a process that dies while sending leaves a lease that expires, and
 * another takes the delivery over (at least once: receivers dedupe on `X-Vigie-Delivery`).
 */
import { sql } from 'kysely';
import type { Config } from '../../app/config.ts';
import type { Db } from '../../db/database.ts';
import { ruleFromRow, type AlertRule } from '../monitoring/alert-rules.ts';
import type { AlertChild, AlertKind } from '../monitoring/alerting.ts';
import { busFor } from '../monitoring/bus.ts';
import { EMAIL_NOT_CONFIGURED, MailError, type Mailer } from './mailer.ts';
import { checkLink, composeAlert, type ComposedMessage } from './messages.ts';
import { sendWebhook, WebhookError, type WebhookRequest, type WebhookResult } from './webhook.ts';

export interface QueueOptions {
  /** Attempts before a delivery is failed for good. */
  maxAttempts?: number;
  /** First retry delay; doubled at each attempt. */
  retryBaseMs?: number;
  /** How long a claimed delivery is ours before another process may take it over. */
  leaseMs?: number;
  /** Deliveries claimed per round. */
  batch?: number;
  /** Sends in flight at once. */
  concurrency?: number;
  /** How often the queue looks for due deliveries (it is also woken by each new alert). */
  pollMs?: number;
  /** Webhook timeout. */
  webhookTimeoutMs?: number;
  log?: (msg: string, err?: unknown) => void;
}

export interface Channels {
  mailer: Mailer;
  webhook?: (req: WebhookRequest) => Promise<WebhookResult>;
}

interface Claimed {
  id: string;
  alert_id: string;
  rule_id: string;
  attempts: number;
}

type Outcome = { status: 'sent'; note: string | null } | { status: 'skipped' | 'failed'; error: string } | { status: 'retry'; error: string };

export const DEFAULT_MAX_ATTEMPTS = 6;

/** The delay before attempt `attempts + 1`, after `attempts` failed ones. */
export function backoffMs(attempts: number, baseMs = 30_000): number {
  return baseMs * 2 ** Math.max(0, attempts - 1);
}

export class DeliveryQueue {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<number> | null = null;
  private again = false;
  private started = false;
  /** Set by stop(): rounds end early. */
  private stopping = false;
  private readonly wake = () => void this.kick();

  constructor(
    private readonly db: Db,
    private readonly channels: Channels,
    private readonly config: Pick<Config, 'publicUrl'>,
    private readonly opts: QueueOptions = {},
  ) {}

  start(): void {
    if (this.started) return;
    this.started = true;
    this.stopping = false;
    busFor(this.db).on('alert', this.wake);
    this.timer = setInterval(this.wake, this.opts.pollMs ?? 5000);
    this.timer.unref();
    this.kick();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.started = false;
    busFor(this.db).off('alert', this.wake);
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running?.catch(() => {});
  }

  /** Runs rounds until nothing is due (one at a time; a kick during a round runs another after it). */
  private kick(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = (async () => {
      let n = 0;
      do {
        this.again = false;
        try {
          n += await this.drain();
        } catch (e) {
          this.opts.log?.('delivery round failed', e);
        }
      } while (this.again && !this.stopping);
      return n;
    })().finally(() => {
      this.running = null;
    });
  }

  /** Sends everything due at `now` (repeating rounds while full ones come back); returns how many were attempted. */
  async drain(now?: number): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await this.runOnce(now);
      total += n;
      if (n < (this.opts.batch ?? 20) || this.stopping) return total;
    }
  }

  /** One round: claims up to `batch` due deliveries and attempts them. Returns how many were claimed. */
  async runOnce(now = Date.now()): Promise<number> {
    const claimed = await this.claim(now);
    const limit = this.opts.concurrency ?? 8;
    let next = 0;
    const worker = async () => {
      while (next < claimed.length) {
        const d = claimed[next++]!;
        await this.attempt(d, now).catch((e) => this.opts.log?.(`delivery ${d.id} failed unexpectedly`, e));
      }
    };
    await Promise.all(Array.from({ length: Math.min(limit, claimed.length) }, worker));
    return claimed.length;
  }

  private async claim(now: number): Promise<Claimed[]> {
    const batch = this.opts.batch ?? 20;
    const leaseEnd = now + (this.opts.leaseMs ?? 120_000);
    const lock = this.db.dialect === 'postgres' ? sql`for update skip locked` : sql``;
    const r = await sql<Claimed>`
      update alert_deliveries set status = 'sending', attempts = attempts + 1, next_attempt_at = ${leaseEnd}
      where id in (select id from alert_deliveries where status in ('pending', 'sending') and next_attempt_at <= ${now}
                   order by next_attempt_at, id limit ${batch} ${lock})
      returning id, alert_id, rule_id, attempts`.execute(this.db.kysely);
    return r.rows.map((x) => ({ ...x, attempts: Number(x.attempts) }));
  }

  private async attempt(d: Claimed, now: number): Promise<void> {
    const outcome = await this.send(d).catch((e): Outcome => ({ status: 'retry', error: `internal error: ${(e as Error).message}`.slice(0, 300) }));
    let set: { status: string; sent_at?: number; next_attempt_at?: number; last_error: string | null };
    if (outcome.status === 'sent') set = { status: 'sent', sent_at: Date.now(), last_error: outcome.note };
    else if (outcome.status === 'retry' && d.attempts < (this.opts.maxAttempts ?? DEFAULT_MAX_ATTEMPTS)) {
      set = { status: 'pending', next_attempt_at: now + backoffMs(d.attempts, this.opts.retryBaseMs), last_error: outcome.error };
    } else set = { status: outcome.status === 'retry' ? 'failed' : outcome.status, last_error: outcome.error };
    // Only while the lease is still ours: a delivery taken over after an expired lease is the other process's now.
    await this.db.kysely.updateTable('alert_deliveries').set(set).where('id', '=', d.id).where('attempts', '=', d.attempts).where('status', '=', 'sending').execute();
  }

  /** Builds the message for this delivery and sends it on its rule's channel. */
  private async send(d: Claimed): Promise<Outcome> {
    const db = this.db.kysely;
    const alert = await db.selectFrom('alerts').selectAll().where('id', '=', d.alert_id).executeTakeFirst();
    if (!alert) return { status: 'failed', error: 'the alert no longer exists' };
    const ruleRow = await db.selectFrom('alert_rules').selectAll().where('id', '=', d.rule_id).where('client_id', '=', alert.client_id).executeTakeFirst();
    if (!ruleRow) return { status: 'skipped', error: 'the rule was deleted' };
    const rule = ruleFromRow(ruleRow);
    if (!rule.enabled) return { status: 'skipped', error: 'the rule is disabled' };
    const client = await db.selectFrom('organisations').select('name').where('id', '=', alert.client_id).executeTakeFirst();
    const asset = await db
      .selectFrom('checks as c')
      .innerJoin('assets as a', (j) => j.onRef('a.id', '=', 'c.asset_id').onRef('a.client_id', '=', 'c.client_id'))
      .select(['a.id', 'a.name', 'a.criticality'])
      .where('c.id', '=', alert.check_id)
      .where('c.client_id', '=', alert.client_id)
      .executeTakeFirst();
    const children = JSON.parse(alert.children || '[]') as AlertChild[];
    const link = checkLink(this.config.publicUrl, alert.client_id, alert.check_id);
    const kind = alert.kind as AlertKind;
    const since = alert.since === null ? null : Number(alert.since);
    const msg = composeAlert({
      locale: rule.settings.locale, kind, state: alert.state, clientName: client?.name ?? '', checkName: alert.check_name, assetName: asset?.name ?? null,
      criticality: asset ? Number(asset.criticality) : null, since, at: Number(alert.at), message: alert.message, children, link,
    });
    const payload = {
      event: `alert.${kind}`,
      delivery_id: d.id,
      attempt: d.attempts,
      client: { id: alert.client_id, name: client?.name ?? '' },
      alert: {
        id: alert.id, kind, state: alert.state, at: Number(alert.at), since, message: alert.message, check_id: alert.check_id, check_name: alert.check_name,
        root_check_id: alert.root_check_id, children,
      },
      asset: asset ? { id: asset.id, name: asset.name, criticality: Number(asset.criticality) } : null,
      rule: { id: rule.id, name: rule.name },
      link,
      subject: msg.subject,
      text: msg.text,
    };
    return this.deliver(rule, `alert.${kind}`, d.id, msg, payload, { 'X-Vigie-Alert': alert.id, 'X-Vigie-Delivery': d.id });
  }

  /** Sends one composed message on the rule's channel; never throws. */
  async deliver(rule: AlertRule, event: string, deliveryId: string, msg: ComposedMessage, payload: unknown, headers: Record<string, string> = {}): Promise<Outcome> {
    return deliverOn(this.channels, rule, event, deliveryId, msg, payload, headers, this.opts.webhookTimeoutMs);
  }
}

/** Sends one message on a rule's channel and says what happened; never throws. */
export async function deliverOn(
  channels: Channels,
  rule: AlertRule,
  event: string,
  deliveryId: string,
  msg: ComposedMessage,
  payload: unknown,
  headers: Record<string, string> = {},
  webhookTimeoutMs?: number,
): Promise<Outcome> {
  try {
    if (rule.channel === 'email') {
      if (!channels.mailer.configured) return { status: 'skipped', error: EMAIL_NOT_CONFIGURED };
      const to = rule.target.split(',').map((s) => s.trim()).filter(Boolean);
      const r = await channels.mailer.send({ to, subject: msg.subject, text: msg.text, headers });
      if (r.accepted.length === 0) return { status: 'failed', error: `every recipient was refused: ${r.rejected.join(', ')}`.slice(0, 300) };
      return { status: 'sent', note: r.rejected.length ? `refused by the mail server: ${r.rejected.join(', ')}`.slice(0, 300) : null };
    }
    if (!rule.secret) return { status: 'failed', error: 'the rule has no signing secret' };
    await (channels.webhook ?? sendWebhook)({ url: rule.target, secret: rule.secret, event, deliveryId, body: payload, ...(webhookTimeoutMs ? { timeoutMs: webhookTimeoutMs } : {}) });
    return { status: 'sent', note: null };
  } catch (e) {
    if (e instanceof MailError || e instanceof WebhookError) return e.permanent ? { status: 'failed', error: e.message } : { status: 'retry', error: e.message };
    return { status: 'retry', error: (e as Error).message.slice(0, 300) };
  }
}

export type DeliveryOutcome = Outcome;
