import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../../../test/support/databases.ts';
import { startHookReceiver, startSmtpCapture } from '../../../test/support/notify-peers.ts';
import { login, makeStaff, Session, testServer, twoClients } from '../../../test/support/world.ts';
import type { App } from '../../app/server.ts';
import type { Db } from '../../db/database.ts';
import { SYSTEM_CONTEXT } from '../journal/service.ts';
import { EMAIL_NOT_CONFIGURED } from '../notifications/mailer.ts';
import { verifyWebhookSignature } from '../notifications/webhook.ts';
import { addMembership } from '../tenancy/service.ts';
import { raiseAlerts } from './alerting.ts';
import { applyResults } from './ingest.ts';
import { CheckCreateBody } from './schema.ts';
import { createCheck } from './service.ts';

describeEachDatabase('alert rules and alerts API', (getDb) => {
  let db: Db;
  let app: App;
  let w: Awaited<ReturnType<typeof twoClients>>;
  let referent: Session;
  let user: Session;
  let auditor: Session;
  let engineer: Session;
  let admin: Session;
  let technician: Session;
  let manager: Session;
  let refB: Session;
  let A: string;

  beforeAll(async () => {
    db = getDb();
    app = await testServer(db);
    w = await twoClients(db);
    A = `/api/v1/clients/${w.a.client.id}`;
    const tech = await makeStaff(db, ['technician']);
    await addMembership(db, SYSTEM_CONTEXT, w.a.client.id, tech.id, 'technician');
    const am = await makeStaff(db, ['account_manager']);
    await addMembership(db, SYSTEM_CONTEXT, w.a.client.id, am.id, 'account_manager');
    [referent, user, auditor, engineer, admin, technician, manager, refB] = await Promise.all(
      [w.a.referent, w.a.user, w.a.auditor, w.engineerA, w.admin, tech, am, w.b.referent].map((p) => login(app, p)),
    );
  });
  afterAll(async () => {
    await app?.close();
  });

  const journalOf = (action: string) =>
    db.kysely.selectFrom('journal').select(['action', 'object_id', 'before', 'after']).where('client_id', '=', w.a.client.id).where('action', '=', action).orderBy('seq').execute();

  it('creates, reads, changes and deletes rules, journaling each change; a webhook secret is shown once', async () => {
    const email = await referent.post(`${A}/alert-rules`, { name: 'Astreinte', channel: 'email', target: ' ops@alpha.test ; noc@alpha.test,OPS@alpha.test' });
    expect(email.statusCode).toBe(201);
    expect(email.json()).toMatchObject({
      name: 'Astreinte', channel: 'email', target: 'ops@alpha.test, noc@alpha.test', has_secret: false, enabled: true,
      settings: { states: ['down'], min_criticality: null, repeat_minutes: null, send_recovery: true, locale: 'fr' },
    });
    expect(email.json()).not.toHaveProperty('secret');
    const hook = await referent.post(`${A}/alert-rules`, {
      name: 'Outil de tickets', channel: 'webhook', target: 'https://tickets.alpha.test/vigie', settings: { states: ['degraded', 'down'], min_criticality: 2, locale: 'en' },
    });
    expect(hook.statusCode).toBe(201);
    const secret = hook.json().secret as string;
    expect(secret).toMatch(/^vgw_[\w-]{40,}$/);
    expect(hook.json().settings).toEqual({ states: ['down', 'degraded'], min_criticality: 2, repeat_minutes: null, send_recovery: true, locale: 'en' });

    const list = await user.get(`${A}/alert-rules`);
    expect(list.statusCode).toBe(200);
    expect(list.json().items.map((r: { name: string }) => r.name)).toEqual(['Astreinte', 'Outil de tickets']);
    expect(list.body).not.toContain(secret);
    const one = await auditor.get(`${A}/alert-rules/${hook.json().id}`);
    expect(one.statusCode).toBe(200);
    expect(one.json()).toMatchObject({ has_secret: true });
    expect(one.body).not.toContain(secret);

    const patched = await referent.patch(`${A}/alert-rules/${email.json().id}`, { name: 'Astreinte nuit', settings: { repeat_minutes: 30, send_recovery: false } });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({ name: 'Astreinte nuit', settings: { states: ['down'], repeat_minutes: 30, send_recovery: false, locale: 'fr' } });
    expect(patched.json()).not.toHaveProperty('secret');
    const cleared = await referent.patch(`${A}/alert-rules/${email.json().id}`, { settings: { repeat_minutes: null }, enabled: false });
    expect(cleared.json()).toMatchObject({ enabled: false, settings: { repeat_minutes: null, send_recovery: false } });
    const rotated = await referent.patch(`${A}/alert-rules/${hook.json().id}`, { rotate_secret: true });
    expect(rotated.statusCode).toBe(200);
    expect(rotated.json().secret).toMatch(/^vgw_/);
    expect(rotated.json().secret).not.toBe(secret);
    const row = await db.kysely.selectFrom('alert_rules').select('secret').where('id', '=', hook.json().id).executeTakeFirstOrThrow();
    expect(row.secret).toBe(rotated.json().secret);

    const del = await referent.delete(`${A}/alert-rules/${email.json().id}`);
    expect(del.statusCode).toBe(204);
    expect((await referent.get(`${A}/alert-rules/${email.json().id}`)).statusCode).toBe(404);
    expect((await referent.delete(`${A}/alert-rules/${email.json().id}`)).statusCode).toBe(404);

    expect((await journalOf('alert_rule.create')).map((j) => j.object_id)).toEqual([email.json().id, hook.json().id]);
    const updates = await journalOf('alert_rule.update');
    expect(updates).toHaveLength(3);
    expect(JSON.parse(updates[0]!.before!).name).toBe('Astreinte');
    expect(JSON.parse(updates[0]!.after!).name).toBe('Astreinte nuit');
    expect(JSON.parse(updates[2]!.after!).secret_rotated).toBe(true);
    expect((await journalOf('alert_rule.delete')).map((j) => j.object_id)).toEqual([email.json().id]);
    // The secret never reaches the journal.
    const all = await db.kysely.selectFrom('journal').select(['before', 'after']).where('client_id', '=', w.a.client.id).execute();
    expect(JSON.stringify(all)).not.toContain(secret);
    expect(JSON.stringify(all)).not.toContain(rotated.json().secret);
  });

  it('refuses bad input with a 400 and a stable id, and changes nothing', async () => {
    const good = (await referent.post(`${A}/alert-rules`, { name: 'Bonne', channel: 'email', target: 'ops@alpha.test' })).json();
    const count = async () => ({
      rules: Number((await db.kysely.selectFrom('alert_rules').select((e) => e.fn.countAll().as('n')).executeTakeFirstOrThrow()).n),
      journal: Number((await db.kysely.selectFrom('journal').select((e) => e.fn.countAll().as('n')).executeTakeFirstOrThrow()).n),
    });
    const before = await count();
    const many = Array.from({ length: 21 }, (_, i) => `p${i}@alpha.test`).join(', ');
    const cases: [Record<string, unknown>, string][] = [
      [{ channel: 'email', target: 'pas-une-adresse' }, 'invalid_target'],
      [{ channel: 'email', target: ' , ; ' }, 'invalid_target'],
      [{ channel: 'email', target: many }, 'invalid_target'],
      [{ channel: 'webhook', target: 'ftp://files.alpha.test/x' }, 'invalid_target'],
      [{ channel: 'webhook', target: 'not a url' }, 'invalid_target'],
      [{ channel: 'sms', target: '+33600000000' }, 'validation_failed'],
      [{ channel: 'email', target: 'ops@alpha.test', name: '   ' }, 'validation_failed'],
      [{ channel: 'email', target: 'ops@alpha.test', settings: { states: ['degraded'] } }, 'validation_failed'],
      [{ channel: 'email', target: 'ops@alpha.test', settings: { states: [] } }, 'validation_failed'],
      [{ channel: 'email', target: 'ops@alpha.test', settings: { min_criticality: 5 } }, 'validation_failed'],
      [{ channel: 'email', target: 'ops@alpha.test', settings: { repeat_minutes: 1 } }, 'validation_failed'],
      [{ channel: 'email', target: 'ops@alpha.test', settings: { locale: 'de' } }, 'validation_failed'],
      [{ channel: 'email', target: 'ops@alpha.test', settings: { repeat: 5 } }, 'validation_failed'],
    ];
    for (const [body, id] of cases) {
      const r = await referent.post(`${A}/alert-rules`, { name: 'Règle', ...body });
      expect([r.statusCode, r.json().error.id], JSON.stringify(body)).toEqual([400, id]);
      expect(r.json().error.message).toBeTruthy();
    }
    const bad = await referent.patch(`${A}/alert-rules/${good.id}`, { target: 'https://not-an-email.test' });
    expect([bad.statusCode, bad.json().error.id]).toEqual([400, 'invalid_target']);
    const noSecret = await referent.patch(`${A}/alert-rules/${good.id}`, { rotate_secret: true });
    expect([noSecret.statusCode, noSecret.json().error.id]).toEqual([400, 'no_secret']);
    const badSettings = await referent.patch(`${A}/alert-rules/${good.id}`, { settings: { states: ['degraded'] } });
    expect([badSettings.statusCode, badSettings.json().error.id]).toEqual([400, 'validation_failed']);
    expect((await referent.patch(`${A}/alert-rules/not-an-id`, { name: 'x' })).statusCode).toBe(400);
    expect(await count()).toEqual(before);
    expect((await referent.get(`${A}/alert-rules/${good.id}`)).json()).toMatchObject({ target: 'ops@alpha.test', has_secret: false });
  });

  it('lets everyone of the client read alerts and rules; only admin, engineer, account manager and technical referent manage rules', async () => {
    const body = { name: 'Par rôle', channel: 'email', target: 'ops@alpha.test' };
    for (const [who, s] of [['user', user], ['auditor', auditor], ['technician', technician]] as const) {
      expect((await s.get(`${A}/alerts`)).statusCode, who).toBe(200);
      expect((await s.get(`${A}/alert-rules`)).statusCode, who).toBe(200);
      expect((await s.post(`${A}/alert-rules`, body)).statusCode, who).toBe(403);
    }
    for (const [who, s] of [['referent', referent], ['engineer', engineer], ['account manager', manager], ['admin', admin]] as const) {
      const r = await s.post(`${A}/alert-rules`, { ...body, name: `Par ${who}` });
      expect(r.statusCode, who).toBe(201);
      const ruleUrl = `${A}/alert-rules/${r.json().id}`;
      expect((await user.patch(ruleUrl, { name: 'non' })).statusCode).toBe(403);
      expect((await auditor.delete(ruleUrl)).statusCode).toBe(403);
      expect((await s.delete(ruleUrl)).statusCode, who).toBe(204);
    }
    // Client B's people do not even see that A exists.
    expect((await refB.get(`${A}/alerts`)).statusCode).toBe(404);
    expect((await refB.post(`${A}/alert-rules`, body)).statusCode).toBe(404);
  });

  it('sends a test message on the rule’s channel, says how it went, and journals it', async () => {
    const hook = await startHookReceiver((n) => (n === 0 ? 200 : 500));
    const mail = await startSmtpCapture();
    const withMail = await testServer(db, { smtpUrl: mail.url, mailFrom: 'Vigie <vigie@provider.test>' });
    try {
      const created = (await referent.post(`${A}/alert-rules`, { name: 'Outil de tickets', channel: 'webhook', target: hook.url })).json();
      const r = await referent.post(`${A}/alert-rules/${created.id}/test`);
      expect(r.statusCode).toBe(200);
      expect(r.json()).toMatchObject({ status: 'sent', error: null });
      expect(hook.requests).toHaveLength(1);
      const req = hook.requests[0]!;
      expect(req.headers['x-vigie-event']).toBe('test');
      expect(req.headers['x-vigie-delivery']).toBe(r.json().delivery_id);
      expect(verifyWebhookSignature(created.secret, req.raw, req.headers['x-vigie-signature'] as string)).toBe(true);
      expect(req.json).toMatchObject({ event: 'test', test: true, rule: { id: created.id, name: 'Outil de tickets' }, client: { id: w.a.client.id } });
      const failed = await referent.post(`${A}/alert-rules/${created.id}/test`);
      expect(failed.json()).toMatchObject({ status: 'failed', error: 'HTTP 500' });

      const email = (await referent.post(`${A}/alert-rules`, { name: 'Astreinte', channel: 'email', target: 'ops@alpha.test', settings: { locale: 'en' } })).json();
      expect((await referent.post(`${A}/alert-rules/${email.id}/test`)).json()).toEqual({ status: 'skipped', error: EMAIL_NOT_CONFIGURED, delivery_id: expect.any(String) });
      const viaMail = await login(withMail, w.a.referent);
      expect((await viaMail.post(`${A}/alert-rules/${email.id}/test`)).json()).toMatchObject({ status: 'sent' });
      const [m] = await mail.waitFor(1);
      expect(m).toMatchObject({ to: ['ops@alpha.test'], subject: '[Vigie] Test message: Astreinte' });
      expect(m!.text).toContain('This is a test message of the alert rule "Astreinte" of Alpha Industrie.');

      expect((await user.post(`${A}/alert-rules/${email.id}/test`)).statusCode).toBe(403);
      const tests = await journalOf('alert_rule.test');
      expect(tests.map((j) => JSON.parse(j.after!).status)).toEqual(['sent', 'failed', 'skipped', 'sent']);
      // A test is not an alert: the service desk's stream stays empty.
      expect(Number((await db.kysely.selectFrom('alerts').select((e) => e.fn.countAll().as('n')).where('client_id', '=', w.a.client.id).executeTakeFirstOrThrow()).n)).toBe(0);
      // Each test sends a real message: at most 10 a minute per person and rule.
      const codes: number[] = [];
      for (let i = 0; i < 9; i++) codes.push((await referent.post(`${A}/alert-rules/${created.id}/test`)).statusCode);
      expect(codes).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 429]);
      expect((await engineer.post(`${A}/alert-rules/${created.id}/test`)).statusCode).toBe(200);
    } finally {
      await withMail.close();
      await hook.close();
      await mail.close();
    }
  });

  it('lists the client’s alerts newest first with their deliveries, page by page', async () => {
    const rule = (await referent.post(`${A}/alert-rules`, { name: 'Liste', channel: 'email', target: 'ops@alpha.test' })).json();
    const input = CheckCreateBody.parse({ name: 'Routeur Lyon', type: 'tcp', settings: { host: '127.0.0.1', port: 9 }, retries: 0, interval_s: 10, timeout_ms: 2000 });
    const check = (await createCheck(db, SYSTEM_CONTEXT, w.a.client.id, input)).check;
    let t = Date.now() + 60_000;
    for (const status of ['up', 'down', 'up', 'down'] as const) {
      const out = await applyResults(db, [{ checkId: check.id, at: (t += 5 * 60_000), status, latencyMs: null, message: status === 'down' ? 'no route to host' : 'ok' }]);
      await raiseAlerts(db, out.transitions, { now: t });
    }
    const p1 = await user.get(`${A}/alerts?limit=2`);
    expect(p1.statusCode).toBe(200);
    expect(p1.json().items.map((a: { kind: string }) => a.kind)).toEqual(['problem', 'recovery']);
    const first = p1.json().items[0];
    expect(Object.keys(first).sort()).toEqual(['at', 'check_id', 'check_name', 'children', 'client_id', 'deliveries', 'id', 'kind', 'message', 'root_check_id', 'since', 'state', 'subject']);
    expect(first).toMatchObject({ check_id: check.id, check_name: 'Routeur Lyon', root_check_id: null, state: 'down', at: t, message: 'no route to host', children: [] });
    // (Rules left by the tests above get deliveries too.)
    expect(first.deliveries.find((d: { rule_id: string }) => d.rule_id === rule.id)).toMatchObject({ rule_name: 'Liste', channel: 'email', status: 'pending', attempts: 0, last_error: null, sent_at: null });
    expect(p1.json().next_cursor).toBe(p1.json().items[1].id);
    const p2 = await user.get(`${A}/alerts?limit=2&cursor=${p1.json().next_cursor}`);
    expect(p2.json()).toMatchObject({ items: [{ kind: 'problem' }], next_cursor: null });
    expect((await user.get(`${A}/alerts?check_id=${check.id}`)).json().items).toHaveLength(3);
    expect((await user.get(`${A}/alerts?limit=0`)).json().error.id).toBe('validation_failed');
    expect((await user.get(`${A}/alerts?cursor=nope`)).json().error.id).toBe('validation_failed');
    expect((await refB.get(`/api/v1/clients/${w.b.client.id}/alerts`)).json()).toEqual({ items: [], next_cursor: null });
  });
});
