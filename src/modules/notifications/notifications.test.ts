import { createHmac } from 'node:crypto';
import { afterEach, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../../../test/support/databases.ts';
import { startHookReceiver, startSmtpCapture, type HookReceiver, type SmtpCapture } from '../../../test/support/notify-peers.ts';
import { makeClient } from '../../../test/support/world.ts';
import type { Db } from '../../db/database.ts';
import { AssetCreateBody } from '../inventory/schema.ts';
import { createAsset } from '../inventory/service.ts';
import { SYSTEM_CONTEXT } from '../journal/service.ts';
import { createRule } from '../monitoring/alert-rules.ts';
import { AlertRuleCreateBody } from '../monitoring/alert-schema.ts';
import { listAlerts, raiseAlerts } from '../monitoring/alerting.ts';
import { applyResults } from '../monitoring/ingest.ts';
import { CheckCreateBody } from '../monitoring/schema.ts';
import { createCheck } from '../monitoring/service.ts';
import type { ProbeStatus } from '../monitoring/state-machine.ts';
import { createMailer, EMAIL_NOT_CONFIGURED } from './mailer.ts';
import { formatDate } from './messages.ts';
import { DeliveryQueue, type QueueOptions } from './queue.ts';
import { startNotifications } from './service.ts';
import { verifyWebhookSignature } from './webhook.ts';

const S = 1000;
const MIN = 60_000;
const PUBLIC_URL = 'https://vigie.example.test';

describeEachDatabase('notifications: alerts delivered by email (real SMTP server) and webhooks (real HTTP server)', (getDb) => {
  let db: Db;
  const peers: { close(): Promise<void> }[] = [];
  beforeAll(() => {
    db = getDb();
  });
  afterEach(async () => {
    for (const p of peers.splice(0)) await p.close();
  });
  const smtp = async (opts: { refuse?: RegExp } = {}) => {
    const s = await startSmtpCapture(opts);
    peers.push(s);
    return s;
  };
  const hooks = async (status?: (n: number) => number) => {
    const h = await startHookReceiver(status);
    peers.push(h);
    return h;
  };
  const queue = (mail: SmtpCapture | null, opts: QueueOptions = {}) =>
    new DeliveryQueue(db, { mailer: createMailer({ smtpUrl: mail?.url ?? null, mailFrom: 'Vigie <vigie@provider.test>' }) }, { publicUrl: PUBLIC_URL }, opts);

  let clock = Date.now() + MIN;
  const timeline = () => (clock += 3_600_000);

  async function world(name = 'Alpha Industrie') {
    const client = await makeClient(db, `${name} ${Math.random().toString(36).slice(2, 6)}`);
    const asset = await createAsset(db, SYSTEM_CONTEXT, client.id, AssetCreateBody.parse({ name: 'fw-lyon-01', type: 'firewall', criticality: 1 }));
    const input = CheckCreateBody.parse({ name: 'Pare-feu Lyon', type: 'tcp', settings: { host: '127.0.0.1', port: 9 }, retries: 0, interval_s: 10, timeout_ms: 2000, asset_id: asset.id });
    const check = (await createCheck(db, SYSTEM_CONTEXT, client.id, input)).check;
    return { client, check };
  }
  const rule = async (clientId: string, body: Record<string, unknown>) => createRule(db, SYSTEM_CONTEXT, clientId, AlertRuleCreateBody.parse(body));
  async function at(t: number, checkId: string, status: ProbeStatus, message = status === 'down' ? 'connection refused' : 'ok') {
    const out = await applyResults(db, [{ checkId, at: t, status, latencyMs: status === 'down' ? null : 2, message }]);
    return raiseAlerts(db, out.transitions, { now: t });
  }
  const deliveriesOf = (alertId: string) => db.kysely.selectFrom('alert_deliveries').selectAll().where('alert_id', '=', alertId).orderBy('id').execute();

  it('emails the down and the recovery through a real SMTP server, in each rule’s language, with check, asset, state, since, message and link', async () => {
    const mail = await smtp();
    const { client, check } = await world();
    await rule(client.id, { name: 'Astreinte', channel: 'email', target: 'ops@client.test, astreinte@client.test' });
    await rule(client.id, { name: 'NOC', channel: 'email', target: 'noc@provider.test', settings: { locale: 'en' } });
    const q = queue(mail);
    const t0 = timeline();
    await at(t0, check.id, 'up');
    const [problem] = await at(t0 + 10 * S, check.id, 'down');
    expect(await q.drain(t0 + 10 * S)).toBe(2);
    await mail.waitFor(2);
    const fr = mail.messages.find((m) => m.to.includes('ops@client.test'))!;
    const en = mail.messages.find((m) => m.to.includes('noc@provider.test'))!;
    expect(fr.to.sort()).toEqual(['astreinte@client.test', 'ops@client.test']);
    expect(fr.from).toBe('vigie@provider.test');
    const link = `${PUBLIC_URL}/clients/${client.id}/checks/${check.id}`;
    expect(fr.subject).toBe(`[Vigie] Alerte : Pare-feu Lyon en panne — ${client.name}`);
    for (const line of [
      'Pare-feu Lyon est en panne.', `Client : ${client.name}`, 'Contrôle : Pare-feu Lyon', 'Équipement : fw-lyon-01 (criticité 1)', 'État : en panne',
      `Depuis le : ${formatDate(t0 + 10 * S, 'fr')}`, 'Message : connection refused', `Voir dans Vigie : ${link}`,
    ]) expect(fr.text).toContain(line);
    expect(fr.headers['x-vigie-alert']).toBe(problem!.id);
    expect(en.subject).toBe(`[Vigie] Alert: Pare-feu Lyon down — ${client.name}`);
    for (const line of ['Pare-feu Lyon is down.', 'Asset: fw-lyon-01 (criticality 1)', 'State: down', `Since: ${formatDate(t0 + 10 * S, 'en')}`, 'Message: connection refused', `Open in Vigie: ${link}`]) {
      expect(en.text).toContain(line);
    }
    const ds = await deliveriesOf(problem!.id);
    expect(ds.map((d) => [d.status, d.attempts, d.last_error])).toEqual([['sent', 1, null], ['sent', 1, null]]);
    expect(ds.every((d) => d.sent_at !== null)).toBe(true);

    await at(t0 + 20 * S, check.id, 'up', 'HTTP 200 in 35 ms');
    expect(await q.drain(t0 + 20 * S)).toBe(2);
    await mail.waitFor(4);
    const [fr2, en2] = [mail.messages.slice(2).find((m) => m.to.includes('ops@client.test'))!, mail.messages.slice(2).find((m) => m.to.includes('noc@provider.test'))!];
    expect(fr2.subject).toBe(`[Vigie] Rétabli : Pare-feu Lyon opérationnel — ${client.name}`);
    expect(fr2.text).toContain('Pare-feu Lyon est de nouveau opérationnel.');
    expect(fr2.text).toContain('Message : HTTP 200 in 35 ms');
    expect(en2.subject).toBe(`[Vigie] Recovered: Pare-feu Lyon up — ${client.name}`);
    // In the app too: the alerts with their deliveries and status.
    const { items } = await listAlerts(db, client.id);
    expect(items.map((a) => [a.kind, a.deliveries.map((d) => d.status)])).toEqual([['recovery', ['sent', 'sent']], ['problem', ['sent', 'sent']]]);
  });

  it('posts a webhook signed with the rule’s secret: HMAC-SHA256 of the raw body, event and delivery headers', async () => {
    const hook = await hooks();
    const { client, check } = await world('Bêta');
    const { secret } = await rule(client.id, { name: 'Outil de tickets', channel: 'webhook', target: hook.url });
    expect(secret).toMatch(/^vgw_/);
    const t0 = timeline();
    await at(t0, check.id, 'up');
    const [problem] = await at(t0 + 10 * S, check.id, 'down');
    await queue(null).drain(t0 + 10 * S);
    expect(hook.requests).toHaveLength(1);
    const req = hook.requests[0]!;
    const [delivery] = await deliveriesOf(problem!.id);
    expect(req.headers['content-type']).toMatch(/^application\/json/);
    expect(req.headers['x-vigie-event']).toBe('alert.problem');
    expect(req.headers['x-vigie-delivery']).toBe(delivery!.id);
    // The receiver's check, computed independently: HMAC-SHA256 over the exact bytes received.
    expect(req.headers['x-vigie-signature']).toBe(`sha256=${createHmac('sha256', secret!).update(req.raw).digest('hex')}`);
    expect(verifyWebhookSignature(secret!, req.raw, req.headers['x-vigie-signature'] as string)).toBe(true);
    expect(verifyWebhookSignature(secret!, req.raw.replace('down', 'up'), req.headers['x-vigie-signature'] as string)).toBe(false);
    expect(verifyWebhookSignature('vgw_wrong', req.raw, req.headers['x-vigie-signature'] as string)).toBe(false);
    expect(req.json).toMatchObject({
      event: 'alert.problem', delivery_id: delivery!.id, client: { id: client.id, name: client.name },
      alert: { id: problem!.id, kind: 'problem', state: 'down', since: t0 + 10 * S, check_id: check.id, check_name: 'Pare-feu Lyon', message: 'connection refused', children: [] },
      asset: { name: 'fw-lyon-01', criticality: 1 }, link: `${PUBLIC_URL}/clients/${client.id}/checks/${check.id}`,
    });
    expect(req.json.text).toContain('Pare-feu Lyon est en panne.');
    expect(delivery).toMatchObject({ status: 'sent', attempts: 1 });
  });

  it('retries a webhook answering 500, then 200, after a backoff, with the same delivery id', async () => {
    const hook = await hooks((n) => (n === 0 ? 500 : 200));
    const { client, check } = await world();
    await rule(client.id, { name: 'Outil de tickets', channel: 'webhook', target: hook.url });
    const q = queue(null, { retryBaseMs: 30 * S });
    const t0 = timeline();
    await at(t0, check.id, 'up');
    const [problem] = await at(t0 + 10 * S, check.id, 'down');
    const now = t0 + 10 * S;
    expect(await q.drain(now)).toBe(1);
    let [d] = await deliveriesOf(problem!.id);
    expect(d).toMatchObject({ status: 'pending', attempts: 1, last_error: 'HTTP 500', sent_at: null });
    expect(Number(d!.next_attempt_at)).toBe(now + 30 * S);
    expect(await q.drain(now + 29 * S)).toBe(0);
    expect(await q.drain(now + 30 * S)).toBe(1);
    [d] = await deliveriesOf(problem!.id);
    expect(d).toMatchObject({ status: 'sent', attempts: 2, last_error: null });
    expect(hook.requests.map((r) => r.headers['x-vigie-delivery'])).toEqual([d!.id, d!.id]);
    expect(hook.requests.map((r) => r.json.attempt)).toEqual([1, 2]);
  });

  it('backs off exponentially and gives up after 6 attempts; a refusal that cannot change fails at once', async () => {
    const down = await hooks(() => 503);
    const gone = await hooks(() => 410);
    const { client, check } = await world();
    await rule(client.id, { name: 'En panne', channel: 'webhook', target: down.url });
    await rule(client.id, { name: 'Supprimé', channel: 'webhook', target: gone.url });
    const q = queue(null, { retryBaseMs: 30 * S });
    const t0 = timeline();
    await at(t0, check.id, 'up');
    const [problem] = await at(t0 + 10 * S, check.id, 'down');
    let now = t0 + 10 * S;
    const delays: number[] = [];
    for (let attempt = 1; attempt <= 6; attempt++) {
      expect(await q.drain(now)).toBe(attempt === 1 ? 2 : 1);
      const d = (await deliveriesOf(problem!.id)).find((x) => x.rule_id === problem!.deliveries.find((y) => y.rule_name === 'En panne')!.rule_id)!;
      expect(d.attempts).toBe(attempt);
      if (attempt < 6) {
        expect(d.status).toBe('pending');
        delays.push(Number(d.next_attempt_at) - now);
        now = Number(d.next_attempt_at);
      } else expect(d).toMatchObject({ status: 'failed', last_error: 'HTTP 503' });
    }
    expect(delays).toEqual([30, 60, 120, 240, 480].map((s) => s * S));
    expect(down.requests).toHaveLength(6);
    expect(gone.requests).toHaveLength(1);
    const g = (await deliveriesOf(problem!.id)).find((x) => x.status !== 'failed' || x.last_error === 'HTTP 410');
    expect(g).toMatchObject({ status: 'failed', attempts: 1, last_error: 'HTTP 410' });
    expect(await q.drain(now + 24 * 3_600_000)).toBe(0);
  });

  it('fails at once when the SMTP server refuses every recipient; without SMTP configured, emails are skipped and say so', async () => {
    const mail = await smtp({ refuse: /^nobody@/ });
    const { client, check } = await world();
    await rule(client.id, { name: 'Adresse fausse', channel: 'email', target: 'nobody@client.test' });
    await rule(client.id, { name: 'Une bonne, une fausse', channel: 'email', target: 'nobody@client.test, ops@client.test' });
    const t0 = timeline();
    await at(t0, check.id, 'up');
    const [problem] = await at(t0 + 10 * S, check.id, 'down');
    await queue(mail).drain(t0 + 10 * S);
    const ds = await deliveriesOf(problem!.id);
    const byRule = (name: string) => ds.find((d) => d.rule_id === problem!.deliveries.find((x) => x.rule_name === name)!.rule_id)!;
    expect(byRule('Adresse fausse')).toMatchObject({ status: 'failed', attempts: 1 });
    expect(byRule('Adresse fausse').last_error).toMatch(/550/);
    expect(byRule('Une bonne, une fausse')).toMatchObject({ status: 'sent', last_error: 'refused by the mail server: nobody@client.test' });
    expect(mail.messages.map((m) => m.to)).toEqual([['ops@client.test']]);

    const other = await world();
    await rule(other.client.id, { name: 'Astreinte', channel: 'email', target: 'ops@client.test' });
    await at(t0, other.check.id, 'up');
    const [p2] = await at(t0 + 10 * S, other.check.id, 'down');
    await queue(null).drain(t0 + 10 * S);
    expect(await deliveriesOf(p2!.id)).toMatchObject([{ status: 'skipped', attempts: 1, last_error: EMAIL_NOT_CONFIGURED }]);
  });

  it('shares the queue between processes: each delivery is attempted once', async () => {
    const hook = await hooks();
    const { client, check } = await world();
    for (let i = 0; i < 24; i++) await rule(client.id, { name: `Hook ${i}`, channel: 'webhook', target: hook.url });
    const t0 = timeline();
    await at(t0, check.id, 'up');
    await at(t0 + 10 * S, check.id, 'down');
    const a = queue(null, { batch: 5, concurrency: 2 });
    const b = queue(null, { batch: 5, concurrency: 2 });
    const [na, nb] = await Promise.all([a.drain(t0 + 10 * S), b.drain(t0 + 10 * S)]);
    expect(na + nb).toBe(24);
    const ids = hook.requests.map((r) => r.headers['x-vigie-delivery']);
    expect(ids).toHaveLength(24);
    expect(new Set(ids).size).toBe(24);
  });

  it('runs by itself in a process: a new alert wakes the loop, which sends it', async () => {
    const hook = await hooks();
    const { client, check } = await world();
    await rule(client.id, { name: 'Outil de tickets', channel: 'webhook', target: hook.url });
    const n = startNotifications(db, { smtpUrl: null, mailFrom: 'x@y.test', publicUrl: PUBLIC_URL }, { pollMs: 60_000, sweepMs: 60_000, log: () => {} });
    try {
      const t = Date.now() + 1000;
      await applyResults(db, [{ checkId: check.id, at: t, status: 'up', latencyMs: 1, message: 'ok' }]);
      const out = await applyResults(db, [{ checkId: check.id, at: t + 10 * S, status: 'down', latencyMs: null, message: 'timeout' }]);
      await n.onTransitions(out.transitions);
      for (let i = 0; i < 250 && hook.requests.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(hook.requests.map((r) => r.json.alert.message)).toEqual(['timeout']);
    } finally {
      await n.stop();
    }
  });
});
