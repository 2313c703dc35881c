/**
 * Ticket attachments: content-addressed blobs under `<dataDir>/blobs/<sha256[0..2]>/<sha256>`,
 * written to a temporary file first and renamed into place (a blob is whole or absent); the row is
 * written after the file is on disk. The same content uploaded twice is stored once.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { AppError, badRequest, forbidden, notFound } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import type { Db } from '../../db/database.ts';
import { journaled } from '../journal/service.ts';
import { auditContext, type Principal } from '../tenancy/principal.ts';
import { isStaffOn, seesInternal, seesOwnTicketsOnly, servicedeskPolicy } from './policy.ts';
import { presentAttachment } from './presenters.ts';
import { deskClock } from './service.ts';

export const MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024;

export function blobPath(dataDir: string, sha256: string): string {
  return join(dataDir, 'blobs', sha256.slice(0, 2), sha256);
}

/** A file name safe to store and to send back: no path, no control characters, at most 255 characters. */
export function sanitiseFilename(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex
  const clean = base.replace(/[\u0000-\u001f\u007f"<>:|?*]/g, '_').replace(/^\.+/, '').trim();
  return (clean || 'attachment').slice(0, 255);
}

/** Streams `source` into the blob store; returns its digest and size. 413 `file_too_large` past the limit. */
export async function storeBlob(dataDir: string, source: Readable, isTruncated: () => boolean = () => false): Promise<{ sha256: string; size: number }> {
  const tmpDir = join(dataDir, 'blobs', 'tmp');
  mkdirSync(tmpDir, { recursive: true });
  const tmp = join(tmpDir, `${Date.now()}-${randomBytes(6).toString('hex')}`);
  const hash = createHash('sha256');
  let size = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      size += chunk.length;
      if (size > MAX_ATTACHMENT_BYTES) return cb(new AppError(413, 'file_too_large', `Attachments are limited to ${MAX_ATTACHMENT_BYTES / 1048576} MB`));
      hash.update(chunk);
      cb(null, chunk);
    },
  });
  try {
    await pipeline(source, counter, createWriteStream(tmp, { flags: 'wx' }));
    if (isTruncated()) throw new AppError(413, 'file_too_large', `Attachments are limited to ${MAX_ATTACHMENT_BYTES / 1048576} MB`);
    const sha256 = hash.digest('hex');
    const dest = blobPath(dataDir, sha256);
    mkdirSync(join(dataDir, 'blobs', sha256.slice(0, 2)), { recursive: true });
    if (existsSync(dest) && statSync(dest).size === size) rmSync(tmp, { force: true });
    else renameSync(tmp, dest);
    return { sha256, size };
  } catch (e) {
    rmSync(tmp, { force: true });
    const err = e as Error & { code?: string };
    if (err.code === 'FST_REQ_FILE_TOO_LARGE') throw new AppError(413, 'file_too_large', `Attachments are limited to ${MAX_ATTACHMENT_BYTES / 1048576} MB`);
    throw e;
  }
}

export interface UploadMeta {
  filename: string;
  contentType: string;
  internal: boolean;
  commentId: string | null;
}

/** The ticket, if the caller may see it (404 otherwise). */
async function visibleTicket(db: Db, p: Principal, clientId: string, ticketId: string) {
  const t = await db.kysely.selectFrom('tickets').select(['id', 'client_id', 'requester_user_id', 'state']).where('id', '=', ticketId).where('client_id', '=', clientId).executeTakeFirst();
  if (!t) throw notFound('ticket');
  if (seesOwnTicketsOnly(p, clientId) && t.requester_user_id !== p.userId) {
    const u = await db.kysely.selectFrom('users').select('email').where('id', '=', p.userId).executeTakeFirst();
    const w = u ? await db.kysely.selectFrom('ticket_watchers').select('email').where('ticket_id', '=', ticketId).where('email', '=', u.email.toLowerCase()).executeTakeFirst() : undefined;
    if (!w) throw notFound('ticket');
  }
  return t;
}

/** Checks that the caller may attach to this ticket, before the upload is read. */
export async function assertMayAttach(db: Db, p: Principal, clientId: string, ticketId: string) {
  servicedeskPolicy.authorize(p, 'tickets.read', clientId);
  const t = await visibleTicket(db, p, clientId, ticketId);
  const staff = isStaffOn(p, clientId);
  const mayReply = staff || servicedeskPolicy.can(p, 'tickets.reply', clientId) || (t.requester_user_id === p.userId && servicedeskPolicy.can(p, 'tickets.create', clientId));
  if (!mayReply) throw forbidden('You may not add attachments to this ticket');
  return { staff };
}

/** Records an attachment whose blob is already stored. Internal attachments are for staff only. Journaled. */
export async function recordAttachment(db: Db, p: Principal, clientId: string, ticketId: string, blob: { sha256: string; size: number }, meta: UploadMeta) {
  const { staff } = await assertMayAttach(db, p, clientId, ticketId);
  if (meta.internal && !staff) throw forbidden('Only provider staff add internal attachments');
  const now = deskClock.now();
  const row = await journaled(db, auditContext(p), async (trx) => {
    let internal = meta.internal;
    if (meta.commentId) {
      const cm = await trx.selectFrom('ticket_comments').select(['id', 'public']).where('id', '=', meta.commentId).where('ticket_id', '=', ticketId).where('client_id', '=', clientId).executeTakeFirst();
      if (!cm || (Number(cm.public) === 0 && !staff)) throw badRequest('unknown_comment', 'No such comment on this ticket', { comment_id: meta.commentId });
      if (Number(cm.public) === 0) internal = true;
    }
    const u = await trx.selectFrom('users').select('name').where('id', '=', p.userId).executeTakeFirst();
    const r = {
      id: newId(), client_id: clientId, ticket_id: ticketId, comment_id: meta.commentId, at: now, author_user_id: p.userId, filename: sanitiseFilename(meta.filename),
      content_type: (meta.contentType || 'application/octet-stream').slice(0, 100), size: blob.size, sha256: blob.sha256, internal: internal ? 1 : 0,
    };
    await trx.insertInto('ticket_attachments').values(r).execute();
    await trx
      .insertInto('ticket_events')
      .values({
        id: newId(), client_id: clientId, ticket_id: ticketId, at: now, actor_user_id: p.userId, actor_name: (p.kind === 'token' ? p.label : (u?.name ?? p.label)).slice(0, 200), kind: 'attachment',
        data: JSON.stringify({ attachment_id: r.id, filename: r.filename, size: r.size, sha256: r.sha256, ...(internal ? { internal: true } : {}) }),
      })
      .execute();
    await trx.updateTable('tickets').set({ updated_at: now }).where('id', '=', ticketId).where('client_id', '=', clientId).execute();
    return { result: r, journal: { clientId, action: 'ticket.attachment', objectType: 'ticket', objectId: ticketId, after: { attachment_id: r.id, filename: r.filename, size: r.size, sha256: r.sha256, internal } } };
  });
  return presentAttachment(row);
}

/** An attachment to download: its row and a stream of its blob. Internal ones are a 404 for client roles. */
export async function openAttachment(db: Db, dataDir: string, p: Principal, clientId: string, ticketId: string, attachmentId: string) {
  servicedeskPolicy.authorize(p, 'tickets.read', clientId);
  await visibleTicket(db, p, clientId, ticketId);
  const a = await db.kysely.selectFrom('ticket_attachments').selectAll().where('id', '=', attachmentId).where('ticket_id', '=', ticketId).where('client_id', '=', clientId).executeTakeFirst();
  if (!a || (Number(a.internal) === 1 && !seesInternal(p, clientId))) throw notFound('attachment');
  const path = blobPath(dataDir, a.sha256);
  if (!existsSync(path)) throw new AppError(410, 'blob_missing', 'The content of this attachment is missing from the store');
  return { attachment: presentAttachment(a), stream: createReadStream(path) };
}

/** A content-disposition header value for a stored file name (ASCII fallback and RFC 5987 UTF-8). */
export function contentDisposition(filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}
