import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../../../test/support/databases.ts';
import { twoClients } from '../../../test/support/world.ts';
import type { Db } from '../../db/database.ts';
import { startMailListener, type MailListener } from '../mailin/listener.ts';
import { ticketPortFor } from './mail-port.ts';

describeEachDatabase('inbound e-mail through the real ticket service: a message opens a ticket, a reply threads on it', (getDb) => {
  let db: Db;
  let listener: MailListener;
  let w: Awaited<ReturnType<typeof twoClients>>;
  beforeAll(async () => {
    db = getDb();
    w = await twoClients(db);
    const dataDir = mkdtempSync(join(tmpdir(), 'vigie-mailport-'));
    listener = await startMailListener(db, ticketPortFor(db, { dataDir, publicUrl: 'https://vigie.test' }), { host: '127.0.0.1', port: 0, log: () => {} });
  });
  afterAll(async () => {
    await listener?.stop();
  });
  const send = (msg: Parameters<ReturnType<typeof nodemailer.createTransport>['sendMail']>[0]) =>
    nodemailer.createTransport({ host: '127.0.0.1', port: listener.port, secure: false, ignoreTLS: true }).sendMail({ to: 'support@infogerant.test', ...msg });

  it('creates the ticket with the sender as requester, source e-mail, the attachment stored; a reply with [T-n] becomes a public e-mail comment', async () => {
    const from = w.a.user.email;
    await send({ from, subject: 'Imprimante du 2e bloquée', text: 'Bonjour,\nl\'imprimante affiche une erreur 50.2.\n\n-- \nClaire', attachments: [{ filename: 'erreur.txt', content: 'code 50.2' }] });
    const t = await db.kysely.selectFrom('tickets').selectAll().where('client_id', '=', w.a.client.id).where('title', '=', 'Imprimante du 2e bloquée').executeTakeFirstOrThrow();
    expect(t).toMatchObject({ source: 'email', requester_user_id: w.a.user.id, state: 'new' });
    expect(t.description).toContain('erreur 50.2');
    expect(t.description).not.toContain('Claire');
    const files = await db.kysely.selectFrom('ticket_attachments').select(['filename', 'size']).where('ticket_id', '=', t.id).execute();
    expect(files).toEqual([{ filename: 'erreur.txt', size: 9 }]);

    await send({ from, subject: `RE: [T-${t.number}] Imprimante du 2e bloquée`, text: 'Elle fonctionne à nouveau, merci.\n\nLe 02/03/2026 à 10:42, Vigie a écrit :\n> Nous regardons.' });
    const comments = await db.kysely.selectFrom('ticket_comments').selectAll().where('ticket_id', '=', t.id).execute();
    expect(comments).toHaveLength(1);
    expect(comments[0]).toMatchObject({ public: 1, source: 'email', author_user_id: w.a.user.id, body: 'Elle fonctionne à nouveau, merci.' });
    // Both are journaled with the sender as actor, and recorded once.
    const journal = await db.kysely.selectFrom('journal').select(['action', 'actor_id']).where('client_id', '=', w.a.client.id).where('object_id', '=', t.id).execute();
    expect(journal.map((j) => j.action).sort()).toEqual(['ticket.create', 'ticket.reply']);
    expect(journal.every((j) => j.actor_id === w.a.user.id)).toBe(true);
    const inbound = await db.kysely.selectFrom('inbound_messages').select(['outcome', 'ticket_id']).where('ticket_id', '=', t.id).execute();
    expect(inbound.map((m) => m.outcome).sort()).toEqual(['reply', 'ticket']);
  });

  it('a user of client B quoting client A\'s ticket number opens a ticket of B, never a reply on A', async () => {
    const a = await db.kysely.selectFrom('tickets').select(['id', 'number']).where('client_id', '=', w.a.client.id).executeTakeFirstOrThrow();
    await send({ from: w.b.user.email, subject: `RE: [T-${a.number}] autre chose`, text: 'Question de B' });
    expect(await db.kysely.selectFrom('ticket_comments').select('id').where('ticket_id', '=', a.id).where('body', '=', 'Question de B').execute()).toEqual([]);
    const b = await db.kysely.selectFrom('tickets').select(['client_id', 'description']).where('description', 'like', '%Question de B%').execute();
    expect(b.map((x) => x.client_id)).toEqual([w.b.client.id]);
  });
});
