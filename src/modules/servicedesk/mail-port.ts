/**
 * The ticket service as the inbound e-mail router sees it (mailin/route.ts `TicketPort`): every
 * call runs inside the router's transaction, so the ticket or reply, its attachments, its journal
 * entry and the `inbound_messages` row commit together.
 */
import { Readable } from 'node:stream';
import type { Db } from '../../db/database.ts';
import type { Executor } from '../../db/tx.ts';
import type { InboundAttachment } from '../mailin/parse.ts';
import type { TicketPort } from '../mailin/route.ts';
import { newId } from '../../core/ids.ts';
import { sanitiseFilename, storeBlob } from './attachments.ts';
import { TicketCreateBody } from './schema.ts';
import { addCommentInTransaction, createTicketInTransaction } from './service.ts';

/** Attachments of a message, stored and recorded on the ticket (linked to the reply when there is one). */
async function attach(ex: Executor, dataDir: string, clientId: string, ticketId: string, commentId: string | null, authorUserId: string, authorName: string, files: readonly InboundAttachment[], at: number) {
  for (const f of files) {
    const blob = await storeBlob(dataDir, Readable.from(f.content));
    const row = {
      id: newId(), client_id: clientId, ticket_id: ticketId, comment_id: commentId, at, author_user_id: authorUserId, filename: sanitiseFilename(f.filename),
      content_type: (f.contentType || 'application/octet-stream').slice(0, 100), size: blob.size, sha256: blob.sha256, internal: 0,
    };
    await ex.insertInto('ticket_attachments').values(row).execute();
    await ex
      .insertInto('ticket_events')
      .values({
        id: newId(), client_id: clientId, ticket_id: ticketId, at, actor_user_id: authorUserId, actor_name: authorName.slice(0, 200), kind: 'attachment',
        data: JSON.stringify({ attachment_id: row.id, filename: row.filename, size: row.size, sha256: row.sha256, source: 'email' }),
      })
      .execute();
  }
}

/** The port over the ticket service, for the SMTP listener of this process. */
export function ticketPortFor(db: Db, cfg: { dataDir: string; publicUrl: string }): TicketPort {
  const opts = { publicUrl: cfg.publicUrl };
  return {
    async findTicket(ex, ref) {
      let q = ex.selectFrom('tickets').select(['id', 'client_id', 'requester_user_id']);
      if (ref.ticketId) q = q.where('id', '=', ref.ticketId);
      else if (ref.number !== undefined && ref.clientId) q = q.where('number', '=', ref.number);
      else return null;
      if (ref.clientId) q = q.where('client_id', '=', ref.clientId);
      const t = await q.executeTakeFirst();
      if (!t) return null;
      // A plain client user replies only to the tickets they requested or watch (the app's rule).
      const roles = (await ex.selectFrom('memberships').select('role').where('user_id', '=', ref.userId).where('organisation_id', '=', t.client_id).execute()).map((r) => r.role);
      const plainUser = roles.length > 0 && roles.every((r) => r === 'user');
      if (plainUser && t.requester_user_id !== ref.userId) {
        const u = await ex.selectFrom('users').select('email').where('id', '=', ref.userId).executeTakeFirst();
        const watched = u && (await ex.selectFrom('ticket_watchers').select('ticket_id').where('ticket_id', '=', t.id).where('email', '=', u.email.toLowerCase()).executeTakeFirst());
        if (!watched) return null;
      }
      return { id: t.id, client_id: t.client_id };
    },
    async createTicket(ex, input) {
      const body = TicketCreateBody.parse({ title: input.title, description: input.description });
      const id = await createTicketInTransaction(ex, db, input.principal, input.audit, input.clientId, body, opts, input.at, { source: 'email' });
      await attach(ex, cfg.dataDir, input.clientId, id, null, input.authorUserId, input.fromName || input.fromAddress, input.attachments, input.at);
      return { id };
    },
    async addReply(ex, input) {
      const commentId = input.body.trim()
        ? await addCommentInTransaction(ex, db, input.principal, input.audit, input.clientId, input.ticketId, { body: input.body, public: true }, opts, input.at, 'email')
        : null;
      await attach(ex, cfg.dataDir, input.clientId, input.ticketId, commentId, input.authorUserId, input.fromName || input.fromAddress, input.attachments, input.at);
    },
  };
}
