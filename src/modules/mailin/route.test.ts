import { beforeAll, beforeEach, expect, it } from 'vitest';
import { describeEachDatabase } from '../../../test/support/databases.ts';
import { MemoryTicketPort } from '../../../test/support/mail-port.ts';
import { makeClientUser, makeStaff, twoClients, type Person } from '../../../test/support/world.ts';
import { AppError } from '../../core/errors.ts';
import type { Db } from '../../db/database.ts';
import { parseInbound } from './parse.ts';
import { routeInbound } from './route.ts';

const NOW = Date.parse('2026-03-12T10:00:00Z');
let seq = 0;

/** A raw message as a mail client sends it, parsed for real. */
async function mail(o: { from: string; subject: string; text: string; messageId?: string | null; inReplyTo?: string; references?: string; headers?: string[]; attachment?: { name: string; type: string; data: Buffer } }) {
  const id = o.messageId === undefined ? `<m${Date.now()}.${seq++}@client.test>` : o.messageId;
  const head = [
    `From: ${o.from}`,
    'To: support@vigie.test',
    `Subject: ${o.subject}`,
    'Date: Thu, 12 Mar 2026 11:05:13 +0100',
    ...(id ? [`Message-ID: ${id}`] : []),
    ...(o.inReplyTo ? [`In-Reply-To: ${o.inReplyTo}`] : []),
    ...(o.references ? [`References: ${o.references}`] : []),
    ...(o.headers ?? []),
    'MIME-Version: 1.0',
  ];
  let raw: string;
  if (o.attachment) {
    raw = [
      ...head,
      'Content-Type: multipart/mixed; boundary="XX"',
      '',
      '--XX',
      'Content-Type: text/plain; charset=UTF-8',
      'Content-Transfer-Encoding: 8bit',
      '',
      o.text,
      '--XX',
      `Content-Type: ${o.attachment.type}`,
      `Content-Disposition: attachment; filename="${o.attachment.name}"`,
      'Content-Transfer-Encoding: base64',
      '',
      o.attachment.data.toString('base64'),
      '--XX--',
      '',
    ].join('\r\n');
  } else {
    raw = [...head, 'Content-Type: text/plain; charset=UTF-8', 'Content-Transfer-Encoding: 8bit', '', o.text.replace(/\n/g, '\r\n'), ''].join('\r\n');
  }
  return parseInbound(Buffer.from(raw, 'utf8'));
}

const ref = (ticketId: string) => `<ticket-${ticketId}-0195a3c4-9000-7aaa-8bbb-ccccdddd0001@vigie>`;

describeEachDatabase('mailin: routing inbound e-mail to tickets', (getDb) => {
  let db: Db;
  let w: Awaited<ReturnType<typeof twoClients>>;
  let port: MemoryTicketPort;
  beforeAll(async () => {
    db = getDb();
    w = await twoClients(db);
  });
  beforeEach(() => {
    port = new MemoryTicketPort(db);
  });

  const row = (messageId: string) => db.kysely.selectFrom('inbound_messages').selectAll().where('message_id', '=', messageId).executeTakeFirst();
  const journalCount = async (action: string, objectId?: string) => {
    let q = db.kysely.selectFrom('journal').select((eb) => eb.fn.countAll<number>().as('n')).where('action', '=', action);
    if (objectId) q = q.where('object_id', '=', objectId);
    return Number((await q.executeTakeFirstOrThrow()).n);
  };

  it('opens a ticket for the sender’s client from a new message (address matched whatever its case)', async () => {
    const m = await mail({
      from: `"Utilisateur A" <${w.a.user.email.toUpperCase()}>`,
      subject: 'TR: Imprimante du 2e étage en panne',
      text: "Bonjour,\n\nL'imprimante affiche une erreur.\n\n-- \nUtilisateur A",
      attachment: { name: 'photo.jpg', type: 'image/jpeg', data: Buffer.from([0xff, 0xd8, 0xff, 1]) },
    });
    const r = await routeInbound(db, port, m, NOW);
    expect(r.outcome).toBe('ticket');
    expect(r.clientId).toBe(w.a.client.id);
    expect(port.created).toHaveLength(1);
    const c = port.created[0]!;
    expect(c).toMatchObject({ clientId: w.a.client.id, requesterUserId: w.a.user.id, authorUserId: w.a.user.id, title: 'Imprimante du 2e étage en panne', at: NOW, messageId: m.messageId });
    expect(c.description).toContain("L'imprimante affiche une erreur.");
    expect(c.attachments).toEqual([{ filename: 'photo.jpg', contentType: 'image/jpeg', content: Buffer.from([0xff, 0xd8, 0xff, 1]) }]);
    expect(c.principal.clientRoles.get(w.a.client.id)).toEqual(['user']);
    expect(c.audit).toEqual({ actorId: w.a.user.id, actorLabel: `${w.a.user.email} (e-mail)`, ip: null });
    expect(port.replies).toHaveLength(0);
    expect(await row(m.messageId)).toMatchObject({ client_id: w.a.client.id, ticket_id: r.ticketId, outcome: 'ticket', reason: '', received_at: NOW });
    expect(await journalCount('test.mail_ticket', r.ticketId)).toBe(1);
  });

  it('strips the quoted text and signature from the description of a new ticket', async () => {
    const m = await mail({ from: w.a.referent.email, subject: 'Accès VPN', text: 'Le VPN refuse mon mot de passe.\n\n-- \nRéférent A\n06 00 00 00 00' });
    const r = await routeInbound(db, port, m, NOW);
    expect(r.outcome).toBe('ticket');
    expect(port.created[0]!.description).toBe('Le VPN refuse mon mot de passe.');
  });

  it('adds a reply to the ticket named by In-Reply-To / References', async () => {
    const t = port.seed(w.a.client.id);
    const m = await mail({
      from: w.a.referent.email,
      subject: `Re: [T-${t.number}] Imprimante`,
      text: 'Toujours en panne.\n\nLe 12/03/2026 à 10:42, Vigie a écrit :\n> Pouvez-vous redémarrer ?',
      inReplyTo: ref(t.id),
      references: `<ticket-${t.id}@vigie> ${ref(t.id)}`,
    });
    const r = await routeInbound(db, port, m, NOW);
    expect(r).toMatchObject({ outcome: 'reply', clientId: w.a.client.id, ticketId: t.id });
    expect(port.replies).toHaveLength(1);
    expect(port.replies[0]).toMatchObject({ clientId: w.a.client.id, ticketId: t.id, authorUserId: w.a.referent.id, body: 'Toujours en panne.' });
    expect(port.created).toHaveLength(0);
    expect(port.lookups[0]).toEqual({ ticketId: t.id, clientId: w.a.client.id, userId: w.a.referent.id });
    expect(await row(m.messageId)).toMatchObject({ client_id: w.a.client.id, ticket_id: t.id, outcome: 'reply' });
  });

  it('adds a reply to the ticket named by the subject tag when no header names one', async () => {
    const t = port.seed(w.a.client.id, 42);
    const m = await mail({ from: w.a.user.email, subject: 'RE: [T-42] Imprimante', text: 'Merci, ça remarche.' });
    const r = await routeInbound(db, port, m, NOW);
    expect(r).toMatchObject({ outcome: 'reply', ticketId: t.id });
    expect(port.replies[0]!.body).toBe('Merci, ça remarche.');
  });

  it('never replies on another client’s ticket: its number or its id opens a new ticket for the sender’s own client', async () => {
    const theirs = port.seed(w.b.client.id, 977);
    const byTag = await mail({ from: w.a.user.email, subject: 'RE: [T-977] Serveur', text: 'Le serveur est lent.' });
    const r1 = await routeInbound(db, port, byTag, NOW);
    expect(r1.outcome).toBe('ticket');
    expect(r1.clientId).toBe(w.a.client.id);
    expect(port.created[0]).toMatchObject({ clientId: w.a.client.id, title: 'Serveur' });

    // Even a port that would return it (the router checks the client itself), and even with a tag A also uses.
    port.leaky = true;
    port.seed(w.a.client.id, 5);
    const byHeader = await mail({ from: w.a.user.email, subject: 'Re: [T-5] Serveur', text: 'Toujours lent.', inReplyTo: ref(theirs.id) });
    const r2 = await routeInbound(db, port, byHeader, NOW);
    expect(r2.outcome).toBe('ticket');
    expect(r2.clientId).toBe(w.a.client.id);
    expect(port.replies).toHaveLength(0);
    expect(port.created.map((c) => c.clientId)).toEqual([w.a.client.id, w.a.client.id]);
    expect(await row(byHeader.messageId)).toMatchObject({ client_id: w.a.client.id, outcome: 'ticket' });
  });

  it('accepts provider staff’s replies on tickets of the clients they work for, and nothing else', async () => {
    const ta = port.seed(w.a.client.id);
    const tb = port.seed(w.b.client.id);
    const ok = await routeInbound(db, port, await mail({ from: w.engineerA.email, subject: 'Re: ticket', text: 'Intervention prévue à 14h.', inReplyTo: ref(ta.id) }), NOW);
    expect(ok).toMatchObject({ outcome: 'reply', clientId: w.a.client.id, ticketId: ta.id });
    expect(port.replies[0]).toMatchObject({ authorUserId: w.engineerA.id, body: 'Intervention prévue à 14h.' });
    // The staff lookup is by id across clients; the router checks the role on the ticket's client.
    expect(port.lookups[0]).toEqual({ ticketId: ta.id, clientId: null, userId: w.engineerA.id });

    const other = await mail({ from: w.engineerA.email, subject: 'Re: ticket', text: 'Hop.', inReplyTo: ref(tb.id) });
    expect(await routeInbound(db, port, other, NOW)).toMatchObject({ outcome: 'refused', reason: 'staff_without_ticket' });
    const fresh = await mail({ from: w.engineerA.email, subject: 'Nouvelle demande', text: 'Pas de ticket.' });
    expect(await routeInbound(db, port, fresh, NOW)).toMatchObject({ outcome: 'refused', reason: 'staff_without_ticket' });
    // Engineer A works for A only: a bare number means A's ticket.
    const byTag = await mail({ from: w.engineerA.email, subject: `RE: [T-${ta.number}] x`, text: 'Par le numéro.' });
    expect(await routeInbound(db, port, byTag, NOW)).toMatchObject({ outcome: 'reply', ticketId: ta.id });
    // The provider admin reaches every client.
    const admin = await routeInbound(db, port, await mail({ from: w.admin.email, subject: 'Re: x', text: 'Vu.', inReplyTo: ref(tb.id) }), NOW);
    expect(admin).toMatchObject({ outcome: 'reply', clientId: w.b.client.id, ticketId: tb.id });
    expect(port.created).toHaveLength(0);
    expect(await row(other.messageId)).toMatchObject({ outcome: 'refused', reason: 'staff_without_ticket', client_id: null, ticket_id: null });
  });

  it('refuses an unknown sender and records it', async () => {
    const m = await mail({ from: 'stranger@elsewhere.test', subject: 'Offre spéciale', text: 'Achetez !' });
    const r = await routeInbound(db, port, m, NOW);
    expect(r).toMatchObject({ outcome: 'refused', reason: 'unknown_sender' });
    expect(port.created).toHaveLength(0);
    expect(await row(m.messageId)).toMatchObject({ outcome: 'refused', reason: 'unknown_sender', client_id: null, ticket_id: null, received_at: NOW });
  });

  it('refuses a disabled user, a read-only auditor and an automatic reply', async () => {
    const gone: Person = await makeClientUser(db, w.a.client.id, ['user']);
    await db.kysely.updateTable('users').set({ disabled_at: NOW - 1000 }).where('id', '=', gone.id).execute();
    const m1 = await mail({ from: gone.email, subject: 'Encore moi', text: 'Bonjour' });
    expect(await routeInbound(db, port, m1, NOW)).toMatchObject({ outcome: 'refused', reason: 'disabled_user' });
    expect(await row(m1.messageId)).toMatchObject({ outcome: 'refused', reason: 'disabled_user' });

    const m2 = await mail({ from: w.a.auditor.email, subject: 'Question', text: 'Bonjour' });
    expect(await routeInbound(db, port, m2, NOW)).toMatchObject({ outcome: 'refused', reason: 'not_allowed', clientId: w.a.client.id });

    const m3 = await mail({ from: w.a.user.email, subject: 'Réponse automatique : absent', text: 'Je suis absent.', headers: ['Auto-Submitted: auto-replied'] });
    expect(await routeInbound(db, port, m3, NOW)).toMatchObject({ outcome: 'refused', reason: 'auto_submitted' });
    expect(port.created).toHaveLength(0);
    expect(port.replies).toHaveLength(0);
  });

  it('turns a message into a ticket once: the same Message-ID again is a duplicate and changes nothing', async () => {
    const m = await mail({ from: w.b.user.email, subject: 'Écran noir', text: 'Mon écran reste noir.' });
    const first = await routeInbound(db, port, m, NOW);
    expect(first.outcome).toBe('ticket');
    const again = await routeInbound(db, port, await mail({ from: w.b.user.email, subject: 'Écran noir', text: 'Mon écran reste noir.', messageId: m.messageId }), NOW + 60_000);
    expect(again).toEqual({ outcome: 'duplicate', messageId: m.messageId });
    expect(port.created).toHaveLength(1);
    expect(await row(m.messageId)).toMatchObject({ outcome: 'ticket', ticket_id: first.ticketId, received_at: NOW });
    // A refused one is not routed twice either.
    const spam = await mail({ from: 'nobody@elsewhere.test', subject: 'x', text: 'y' });
    await routeInbound(db, port, spam, NOW);
    expect((await routeInbound(db, port, spam, NOW)).outcome).toBe('duplicate');
  });

  it('dedupes a message without Message-ID by its synthetic id', async () => {
    const m = await mail({ from: w.b.referent.email, subject: 'Sans identifiant', text: 'Texte', messageId: null });
    expect(m.syntheticId).toBe(true);
    expect((await routeInbound(db, port, m, NOW)).outcome).toBe('ticket');
    const same = await mail({ from: w.b.referent.email, subject: 'Sans identifiant', text: 'Texte', messageId: null });
    expect((await routeInbound(db, port, same, NOW)).outcome).toBe('duplicate');
    expect(port.created).toHaveLength(1);
  });

  it('two deliveries of the same message at once make one ticket', async () => {
    const m = await mail({ from: w.b.user.email, subject: 'Deux fois', text: 'Envoyé deux fois.' });
    const before = await journalCount('test.mail_ticket');
    const rs = await Promise.all([routeInbound(db, port, m, NOW), routeInbound(db, port, m, NOW)]);
    expect(rs.map((r) => r.outcome).sort()).toEqual(['duplicate', 'ticket']);
    const ticketId = rs.find((r) => r.outcome === 'ticket')!.ticketId!;
    expect(await row(m.messageId)).toMatchObject({ outcome: 'ticket', ticket_id: ticketId });
    // Whatever the losing delivery did through the port was rolled back with it: one journaled ticket.
    expect(await journalCount('test.mail_ticket')).toBe(before + 1);
    expect(await journalCount('test.mail_ticket', ticketId)).toBe(1);
  });

  it('rolls the port’s change back with the message on an internal error, so the retried delivery works', async () => {
    const m = await mail({ from: w.a.user.email, subject: 'Panne réseau', text: 'Plus de réseau.' });
    const before = await journalCount('test.mail_ticket');
    port.failNext = new Error('database went away');
    await expect(routeInbound(db, port, m, NOW)).rejects.toThrow('database went away');
    expect(await row(m.messageId)).toBeUndefined();
    expect(await journalCount('test.mail_ticket')).toBe(before);
    // The sender's server tries again later.
    const r = await routeInbound(db, port, m, NOW + 300_000);
    expect(r.outcome).toBe('ticket');
    expect(await journalCount('test.mail_ticket')).toBe(before + 1);
    expect(await row(m.messageId)).toMatchObject({ outcome: 'ticket', received_at: NOW + 300_000 });
  });

  it('records a refusal by the ticket service (a 4xx AppError) with its reason, and nothing of its change', async () => {
    const t = port.seed(w.a.client.id);
    const m = await mail({ from: w.a.referent.email, subject: 'Re: clos', text: 'Encore une chose.', inReplyTo: ref(t.id) });
    const before = await journalCount('test.mail_reply', t.id);
    port.failNext = new AppError(409, 'ticket_closed', 'This ticket is closed');
    expect(await routeInbound(db, port, m, NOW)).toMatchObject({ outcome: 'refused', reason: 'ticket_closed', clientId: w.a.client.id });
    expect(await row(m.messageId)).toMatchObject({ outcome: 'refused', reason: 'ticket_closed', client_id: w.a.client.id, ticket_id: null });
    expect(await journalCount('test.mail_reply', t.id)).toBe(before);
  });

  it('a staff member of no client is refused even with a reference', async () => {
    const lone = await makeStaff(db, ['technician']);
    const t = port.seed(w.a.client.id);
    const m = await mail({ from: lone.email, subject: 'Re: x', text: 'y', inReplyTo: ref(t.id) });
    expect(await routeInbound(db, port, m, NOW)).toMatchObject({ outcome: 'refused', reason: 'staff_without_ticket' });
  });
});
