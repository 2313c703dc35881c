/**
 * The notifications module: email (SMTP) and webhooks, and the loop that sends alert deliveries.
 * Every message is also visible in the app: alerts and their deliveries with status
 * (GET /clients/:clientId/alerts); a rule's test message is journaled with its outcome.
 */
import type { Config } from '../../app/config.ts';
import { newId } from '../../core/ids.ts';
import type { Db } from '../../db/database.ts';
import { journaled, type AuditContext } from '../journal/service.ts';
import { getRule, type AlertRule } from '../monitoring/alert-rules.ts';
import { Alerting } from '../monitoring/alerting.ts';
import { mailerFor, type Mailer } from './mailer.ts';
import { composeTest } from './messages.ts';
import { deliverOn, DeliveryQueue, type Channels, type QueueOptions } from './queue.ts';

export interface Notifications {
  readonly alerting: Alerting;
  readonly queue: DeliveryQueue;
  readonly mailer: Mailer;
  /** Give this to the monitoring engine: `engine.onTransitions = notifications.onTransitions`. */
  readonly onTransitions: Alerting['onTransitions'];
  stop(): Promise<void>;
}

/**
 * Starts alerting (its sweep) and the delivery loop of this process; `stop` ends both, waiting for
 * the sends in flight. Says once, through `log`, when email is not configured.
 */
export function startNotifications(
  db: Db,
  config: Pick<Config, 'smtpUrl' | 'mailFrom' | 'publicUrl'>,
  opts: QueueOptions & { sweepMs?: number; channels?: Partial<Channels> } = {},
): Notifications {
  const mailer = opts.channels?.mailer ?? mailerFor(config);
  const log = opts.log ?? ((msg: string, err?: unknown) => console.error(`notifications: ${msg}`, err ?? ''));
  if (!mailer.configured) {
    const note = 'email is not configured (VIGIE_SMTP_URL is not set): alert emails are only recorded in the app';
    if (opts.log) opts.log(note);
    else console.log(`Notifications: ${note}.`);
  }
  const alerting = new Alerting(db, { ...(opts.sweepMs ? { sweepMs: opts.sweepMs } : {}), log });
  const queue = new DeliveryQueue(db, { ...opts.channels, mailer }, config, { ...opts, log });
  alerting.start();
  queue.start();
  return {
    alerting,
    queue,
    mailer,
    onTransitions: alerting.onTransitions,
    async stop() {
      await alerting.stop();
      await queue.stop();
    },
  };
}

export interface TestOutcome {
  /** sent, failed (with the reason), or skipped (email not configured on this server). */
  status: 'sent' | 'failed' | 'skipped';
  error: string | null;
  delivery_id: string;
}

/**
 * Sends a test message on a rule's channel now (outside the alert stream: the service desk must not
 * open a ticket for it) and journals that it was sent and how it went.
 */
export async function sendRuleTest(
  db: Db,
  config: Pick<Config, 'smtpUrl' | 'mailFrom' | 'publicUrl'>,
  ctx: AuditContext,
  clientId: string,
  ruleId: string,
  channels?: Partial<Channels>,
): Promise<TestOutcome> {
  const rule: AlertRule = await getRule(db.kysely, clientId, ruleId);
  const client = await db.kysely.selectFrom('organisations').select('name').where('id', '=', clientId).executeTakeFirst();
  const msg = composeTest(rule.settings.locale, rule.name, client?.name ?? '');
  const deliveryId = newId();
  const payload = {
    event: 'test', delivery_id: deliveryId, test: true, client: { id: clientId, name: client?.name ?? '' }, rule: { id: rule.id, name: rule.name },
    link: `${config.publicUrl.replace(/\/+$/, '')}/clients/${clientId}`, subject: msg.subject, text: msg.text,
  };
  const r = await deliverOn({ mailer: channels?.mailer ?? mailerFor(config), ...(channels?.webhook ? { webhook: channels.webhook } : {}) }, rule, 'test', deliveryId, msg, payload, {
    'X-Vigie-Delivery': deliveryId,
  });
  const outcome: TestOutcome = r.status === 'sent' ? { status: 'sent', error: r.note, delivery_id: deliveryId } : { status: r.status === 'skipped' ? 'skipped' : 'failed', error: r.error, delivery_id: deliveryId };
  await journaled(db, ctx, async () => ({
    result: null,
    journal: { clientId, action: 'alert_rule.test', objectType: 'alert_rule', objectId: rule.id, after: { channel: rule.channel, target: rule.target, ...outcome } },
  }));
  return outcome;
}
