import { z } from 'zod';
import type { App, Deps } from '../../app/server.ts';
import { principalOf, requireProviderAdmin } from '../../app/auth.ts';
import { AppError, badRequest, forbidden } from '../../core/errors.ts';
import { auditContext } from '../tenancy/principal.ts';
import { ClientParams, Id } from '../tenancy/schema.ts';
import { assertMayAttach, contentDisposition, MAX_ATTACHMENT_BYTES, openAttachment, recordAttachment, storeBlob } from './attachments.ts';
import * as groups from './groups.ts';
import { isProviderStaffUser, servicedeskPolicy } from './policy.ts';
import { CommentBody, GroupBody, GroupParams, TicketActionBody, TicketCreateBody, TicketListQuery, TicketParams, TicketPatchBody } from './schema.ts';
import * as svc from './service.ts';
import { ImportBody } from './import-format.ts';
import { importTickets } from './import.ts';

const TAGS = ['servicedesk'];
const AttachmentParams = TicketParams.extend({ attachmentId: Id });
const QueueQuery = TicketListQuery.extend({ client_id: Id.optional() });
const GroupPatchBody = z.object({
  name: z.string().trim().min(1).max(200).optional(),
  lead_user_id: Id.nullable().optional(),
  member_ids: z.array(Id).max(500).optional(),
});

/** Tickets of a client (CRUD, actions, comments, attachments, history, e-mails), the provider's queue and the support groups. */
export function servicedeskRoutes(app: App, { db, config }: Deps) {
  const opts = { publicUrl: config.publicUrl };

  // ------------------------------------------------------------ provider-wide

  app.get('/tickets', { schema: { tags: TAGS, querystring: QueueQuery } }, async (req) => svc.listQueue(db, principalOf(req), req.query));

  app.get('/support-groups', { schema: { tags: TAGS } }, async (req) => {
    if (!isProviderStaffUser(principalOf(req))) throw forbidden('Provider staff only');
    return { items: await groups.listGroups(db) };
  });
  app.post('/support-groups', { schema: { tags: TAGS, body: GroupBody } }, async (req, reply) => {
    const p = requireProviderAdmin(req);
    return reply.code(201).send(await groups.createGroup(db, auditContext(p), req.body));
  });
  app.patch('/support-groups/:groupId', { schema: { tags: TAGS, params: GroupParams, body: GroupPatchBody } }, async (req) => {
    const p = requireProviderAdmin(req);
    return groups.updateGroup(db, auditContext(p), req.params.groupId, req.body);
  });
  app.delete('/support-groups/:groupId', { schema: { tags: TAGS, params: GroupParams } }, async (req, reply) => {
    const p = requireProviderAdmin(req);
    await groups.deleteGroup(db, auditContext(p), req.params.groupId);
    return reply.code(204).send();
  });

  // ------------------------------------------------------------ a client's tickets

  app.get('/clients/:clientId/tickets', { schema: { tags: TAGS, params: ClientParams, querystring: TicketListQuery } }, async (req) =>
    svc.listTickets(db, principalOf(req), req.params.clientId, req.query),
  );

  app.post('/clients/:clientId/tickets', { schema: { tags: TAGS, params: ClientParams, body: TicketCreateBody } }, async (req, reply) =>
    reply.code(201).send(await svc.createTicket(db, principalOf(req), req.params.clientId, req.body, opts)),
  );

  // The previous provider's tickets, with their history: all or nothing (422 import_invalid with the bad lines).
  app.post('/clients/:clientId/tickets/import', { schema: { tags: TAGS, params: ClientParams, body: ImportBody } }, async (req) =>
    importTickets(db, principalOf(req), req.params.clientId, req.body),
  );

  app.get('/clients/:clientId/tickets/:ticketId', { schema: { tags: TAGS, params: TicketParams } }, async (req) =>
    svc.getTicket(db, principalOf(req), req.params.clientId, req.params.ticketId),
  );

  app.patch('/clients/:clientId/tickets/:ticketId', { schema: { tags: TAGS, params: TicketParams, body: TicketPatchBody } }, async (req) =>
    svc.patchTicket(db, principalOf(req), req.params.clientId, req.params.ticketId, req.body, opts),
  );

  app.post('/clients/:clientId/tickets/:ticketId/actions', { schema: { tags: TAGS, params: TicketParams, body: TicketActionBody } }, async (req) =>
    svc.actOnTicket(db, principalOf(req), req.params.clientId, req.params.ticketId, req.body, opts),
  );

  app.get('/clients/:clientId/tickets/:ticketId/comments', { schema: { tags: TAGS, params: TicketParams } }, async (req) => ({
    items: await svc.listComments(db, principalOf(req), req.params.clientId, req.params.ticketId),
  }));

  app.post('/clients/:clientId/tickets/:ticketId/comments', { schema: { tags: TAGS, params: TicketParams, body: CommentBody } }, async (req, reply) =>
    reply.code(201).send(await svc.addComment(db, principalOf(req), req.params.clientId, req.params.ticketId, req.body, opts)),
  );

  app.get('/clients/:clientId/tickets/:ticketId/events', { schema: { tags: TAGS, params: TicketParams } }, async (req) =>
    svc.listEvents(db, principalOf(req), req.params.clientId, req.params.ticketId),
  );

  app.get('/clients/:clientId/tickets/:ticketId/messages', { schema: { tags: TAGS, params: TicketParams } }, async (req) =>
    svc.listMessages(db, principalOf(req), req.params.clientId, req.params.ticketId),
  );

  app.get('/clients/:clientId/tickets/:ticketId/attachments', { schema: { tags: TAGS, params: TicketParams } }, async (req) => ({
    items: await svc.listAttachments(db, principalOf(req), req.params.clientId, req.params.ticketId),
  }));

  // multipart/form-data: one file (≤ 20 MB) and the optional fields `internal` (true/1) and `comment_id`.
  app.post('/clients/:clientId/tickets/:ticketId/attachments', { schema: { tags: TAGS, params: TicketParams } }, async (req, reply) => {
    const p = principalOf(req);
    const { clientId, ticketId } = req.params;
    await assertMayAttach(db, p, clientId, ticketId);
    if (!req.isMultipart()) throw badRequest('multipart_expected', 'Send the file as multipart/form-data (field "file")');
    const fields: Record<string, string> = {};
    let blob: { sha256: string; size: number } | null = null;
    let filename = '';
    let contentType = '';
    try {
      for await (const part of req.parts({ limits: { fileSize: MAX_ATTACHMENT_BYTES, files: 1 } })) {
        if (part.type === 'file') {
          if (blob) {
            part.file.resume();
            throw badRequest('one_file', 'Send one file per request');
          }
          filename = part.filename;
          contentType = part.mimetype;
          blob = await storeBlob(config.dataDir, part.file, () => part.file.truncated);
        } else if (typeof part.value === 'string') {
          fields[part.fieldname] = part.value;
        }
      }
    } catch (e) {
      const err = e as Error & { code?: string };
      if (err.code === 'FST_REQ_FILE_TOO_LARGE') throw new AppError(413, 'file_too_large', `Attachments are limited to ${MAX_ATTACHMENT_BYTES / 1048576} MB`);
      if (err.code === 'FST_FILES_LIMIT') throw badRequest('one_file', 'Send one file per request');
      throw e;
    }
    if (!blob) throw badRequest('file_missing', 'No file in the request');
    const internal = ['true', '1', 'on', 'yes'].includes((fields.internal ?? '').toLowerCase());
    const commentId = fields.comment_id?.trim() || null;
    if (commentId && !Id.safeParse(commentId).success) throw badRequest('validation_failed', 'comment_id must be an id');
    const a = await recordAttachment(db, p, clientId, ticketId, blob, { filename, contentType, internal, commentId });
    return reply.code(201).send(a);
  });

  app.get('/clients/:clientId/tickets/:ticketId/attachments/:attachmentId', { schema: { tags: TAGS, params: AttachmentParams } }, async (req, reply) => {
    const p = principalOf(req);
    servicedeskPolicy.authorize(p, 'tickets.read', req.params.clientId);
    const { attachment, stream } = await openAttachment(db, config.dataDir, p, req.params.clientId, req.params.ticketId, req.params.attachmentId);
    // Served as a download; only plain, inert types keep their own content type.
    const safe = /^(image\/(png|jpeg|gif|webp)|application\/pdf|text\/plain|text\/csv)$/i.test(attachment.content_type);
    return reply
      .type(safe ? attachment.content_type : 'application/octet-stream')
      .header('content-disposition', contentDisposition(attachment.filename))
      .header('content-length', String(attachment.size))
      .header('x-content-type-options', 'nosniff')
      .header('cache-control', 'private, no-store')
      .header('x-checksum-sha256', attachment.sha256)
      .send(stream);
  });
}
