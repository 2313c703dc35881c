import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../../../test/support/databases.ts';
import { startSmtpCapture, type SmtpCapture } from '../../../test/support/notify-peers.ts';
import { insertContract, paris } from '../../../test/support/servicedesk.ts';
import { login, makeClientUser, Session, testServer, twoClients } from '../../../test/support/world.ts';
import type { App } from '../../app/server.ts';
import type { Db } from '../../db/database.ts';
import { createMailer, EMAIL_NOT_CONFIGURED } from '../notifications/mailer.ts';
import { startServiceDesk } from './jobs.ts';
import { MailOutboxSender } from './mail.ts';
import { deskClock } from './service.ts';

const realNow = deskClock.now;

describeEachDatabase('service desk e-mails', (getDb) => {
  let db: Db;
  let app: App;
  let smtp: SmtpCapture;
  let w: Awaited<ReturnType<typeof twoClients>>;
  let engineer: Session;
  let referent: Session;
  let user: Session;
  let A: string;
  let english: Awaited<ReturnType<typeof makeClientUser>>;

  beforeAll(async () => {
    db = getDb();
    app = await testServer(db, { publicUrl: 'https://vigie.example.net' });
    smtp = await startSmtpCapture({ refuse: /^nobody@/ });
    w = await twoClients(db);
    A = `/api/v1/clients/${w.a.client.id}`;
    await insertContract(db, w.a.client.id);
    english = await makeClientUser(db, w.a.client.id, ['user']);
    await db.kysely.updateTable('users').set({ locale: 'en' }).where('id', '=', english.id).execute();
    [engineer, referent, user] = await Promise.all([w.engineerA, w.a.referent, w.a.user].map((p) => login(app, p)));
  });
  afterEach(() => {
    deskClock.now = realNow;
  });
  afterAll(async () => {
    await app?.close();
    await smtp?.close();
  });

  const outbox = async (ticketId: string) =>
    (await db.kysely.selectFrom('mail_outbox').selectAll().where('ticket_id', '=', ticketId).orderBy('created_at').orderBy('id').execute()).map((m) => ({
      id: m.id, kind: m.kind, to: JSON.parse(m.recipients)[0] as string, subject: m.subject, body: m.body, headers: JSON.parse(m.headers) as Record<string, string>, status: m.status,
    }));

  it('writes the e-mails of a ticket in the transaction of each change: to the requester and watchers, never the author, in their language, threaded by reference', async () => {
    deskClock.now = () => paris('2026-03-02 09:00');
    const t = (
      await engineer.post(`${A}/tickets`, { title: 'VPN impossible', description: 'Depuis ce matin', requester_user_id: w.a.user.id, watchers: [english.email, 'externe@partenaire.test'], impact: 2, urgency: 2 })
    ).json();
    let mails = await outbox(t.id);
    expect(mails.map((m) => [m.kind, m.to])).toEqual(
      expect.arrayContaining([['created', w.a.user.email], ['created', english.email], ['created', 'externe@partenaire.test']]),
    );
    expect(mails).toHaveLength(3);
    expect(mails.map((m) => m.to)).not.toContain(w.engineerA.email);
    const fr = mails.find((m) => m.to === w.a.user.email)!;
    expect(fr.subject).toBe(`[T-${t.number}] Demande enregistrée : VPN impossible`);
    expect(fr.body).toContain(`https://vigie.example.net/clients/${w.a.client.id}/tickets/${t.id}`);
    expect(fr.headers).toEqual({ 'Message-ID': `<ticket-${t.id}-${fr.id}@vigie>`, References: `<ticket-${t.id}@vigie>`, 'In-Reply-To': `<ticket-${t.id}@vigie>` });
    expect(mails.find((m) => m.to === english.email)!.subject).toBe(`[T-${t.number}] Request recorded: VPN impossible`);

    // A public reply by the requester: the watchers hear of it (and the assignee), not the author.
    await engineer.post(`${A}/tickets/${t.id}/actions`, { action: 'take' });
    const before = (await outbox(t.id)).length;
    expect((await user.post(`${A}/tickets/${t.id}/comments`, { body: 'Toujours bloqué' })).statusCode).toBe(201);
    mails = (await outbox(t.id)).slice(before);
    expect(mails.every((m) => m.kind === 'reply')).toBe(true);
    expect(mails.map((m) => m.to).sort()).toEqual([english.email, 'externe@partenaire.test', w.engineerA.email].sort());
    expect(mails.find((m) => m.to === english.email)!.body).toContain('Toujours bloqué');

    // An internal note goes to nobody.
    const n = (await outbox(t.id)).length;
    await engineer.post(`${A}/tickets/${t.id}/comments`, { body: 'Note interne', public: false });
    expect(await outbox(t.id)).toHaveLength(n);

    // A state change with a question: everyone on the client side, the author excluded.
    await engineer.post(`${A}/tickets/${t.id}/actions`, { action: 'wait', comment: 'Quel est le message exact ?' });
    mails = (await outbox(t.id)).slice(n);
    expect(mails.map((m) => [m.kind, m.to]).sort()).toEqual(
      [['state', w.a.user.email], ['state', english.email], ['state', 'externe@partenaire.test']].sort(),
    );
    const waitFr = mails.find((m) => m.to === w.a.user.email)!;
    expect(waitFr.subject).toBe(`[T-${t.number}] En attente de votre retour : VPN impossible`);
    expect(waitFr.body).toContain('Quel est le message exact ?');
    expect(mails.find((m) => m.to === english.email)!.subject).toBe(`[T-${t.number}] Waiting for your answer: VPN impossible`);

    // The messages as staff see them; clients may not.
    const list = await engineer.get(`${A}/tickets/${t.id}/messages`);
    expect(list.statusCode).toBe(200);
    expect(list.json().items[0]).toMatchObject({ kind: 'created', status: 'pending', attempts: 0, subject: expect.stringContaining(`[T-${t.number}]`) });
    expect((await referent.get(`${A}/tickets/${t.id}/messages`)).statusCode).toBe(403);
  });

  it('sends the outbox through a real SMTP server, fails a refused address for good, and marks mails skipped without SMTP', async () => {
    deskClock.now = () => paris('2026-03-03 09:00');
    // Only this test's mails are due: the earlier ones are set aside.
    await db.kysely.updateTable('mail_outbox').set({ status: 'skipped' }).where('status', '=', 'pending').execute();
    const t = (await engineer.post(`${A}/tickets`, { title: 'Imprimante', requester_user_id: w.a.user.id, watchers: ['nobody@alpha.test'] })).json();
    const sender = new MailOutboxSender(db, createMailer({ smtpUrl: smtp.url, mailFrom: 'Vigie <desk@vigie.test>' }), { retryBaseMs: 10 });
    expect(await sender.drain()).toBe(2);
    const got = await smtp.waitFor(1);
    const m = got.find((x) => x.to.includes(w.a.user.email))!;
    expect(m.subject).toBe(`[T-${t.number}] Demande enregistrée : Imprimante`);
    const rows = await outbox(t.id);
    const sent = rows.find((r) => r.to === w.a.user.email)!;
    expect(m.headers['message-id']).toBe(`<ticket-${t.id}-${sent.id}@vigie>`);
    expect(m.headers.references).toBe(`<ticket-${t.id}@vigie>`);
    expect(m.headers['in-reply-to']).toBe(`<ticket-${t.id}@vigie>`);
    expect(sent.status).toBe('sent');
    const refused = await db.kysely.selectFrom('mail_outbox').selectAll().where('ticket_id', '=', t.id).where('recipients', 'like', '%nobody@%').executeTakeFirstOrThrow();
    expect(refused.status).toBe('failed');
    expect(refused.last_error).toMatch(/550|refused/);
    expect(await sender.drain()).toBe(0);

    // No SMTP configured: recorded, marked skipped with the reason.
    const t2 = (await engineer.post(`${A}/tickets`, { title: 'Écran', requester_user_id: w.a.user.id })).json();
    const jobs = startServiceDesk(db, { smtpUrl: null, mailFrom: 'x@y', publicUrl: '' }, { intervalMs: 3_600_000, log: () => {} });
    await jobs.tick();
    await jobs.stop();
    const skipped = (await outbox(t2.id))[0]!;
    expect(skipped.status).toBe('skipped');
    const row = await db.kysely.selectFrom('mail_outbox').select('last_error').where('id', '=', skipped.id).executeTakeFirstOrThrow();
    expect(row.last_error).toBe(EMAIL_NOT_CONFIGURED);
  });

  it('retries a mail server that is down, then sends', async () => {
    deskClock.now = () => paris('2026-03-04 09:00');
    await db.kysely.updateTable('mail_outbox').set({ status: 'skipped' }).where('status', '=', 'pending').execute();
    const t = (await engineer.post(`${A}/tickets`, { title: 'Retry', requester_user_id: w.a.user.id })).json();
    const down = new MailOutboxSender(db, createMailer({ smtpUrl: 'smtp://127.0.0.1:9', mailFrom: 'x@vigie.test' }), { retryBaseMs: 1000 });
    const now = Date.now();
    expect(await down.runOnce(now)).toBe(1);
    const after = await db.kysely.selectFrom('mail_outbox').selectAll().where('ticket_id', '=', t.id).executeTakeFirstOrThrow();
    expect(after).toMatchObject({ status: 'pending', attempts: 1 });
    expect(Number(after.next_attempt_at)).toBe(now + 1000);
    expect(await down.runOnce(now + 10)).toBe(0);
    const up = new MailOutboxSender(db, createMailer({ smtpUrl: smtp.url, mailFrom: 'x@vigie.test' }));
    expect(await up.runOnce(now + 1000)).toBe(1);
    expect((await db.kysely.selectFrom('mail_outbox').select(['status', 'attempts']).where('id', '=', after.id).executeTakeFirstOrThrow())).toMatchObject({ status: 'sent', attempts: 2 });
  });
});
