import { z } from 'zod';
import type { App, Deps } from '../../app/server.ts';
import { principalOf, requireProviderAdmin } from '../../app/auth.ts';
import { auditContext } from '../tenancy/principal.ts';
import { ClientParams, Id } from '../tenancy/schema.ts';
import { journalPolicy } from './policy.ts';
import { appendJournal, listJournal, verifyJournal } from './service.ts';

const JournalQuery = z.object({
  /** Entries older than this cursor (from `next_cursor`). */
  cursor: z.string().regex(/^\d+$/).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  /** Only this action, e.g. `asset.update`. */
  action: z.string().max(64).optional(),
  /** Only entries about this object. */
  object_id: Id.optional(),
});

function presentEntry(e: Awaited<ReturnType<typeof listJournal>>['items'][number]) {
  const parse = (s: string | null) => (s === null ? null : JSON.parse(s));
  return {
    seq: e.seq, id: e.id, at: e.at, actor_id: e.actor_id, actor: e.actor_label, client_id: e.client_id, action: e.action,
    object_type: e.object_type, object_id: e.object_id, before: parse(e.before), after: parse(e.after), ip: e.ip, reason: e.reason, hash: e.hash,
  };
}

/** The journal, read by client (referents, auditor, staff in charge) or whole (provider admin). */
export function journalRoutes(app: App, { db }: Deps) {
  app.get('/clients/:clientId/journal', { schema: { tags: ['journal'], params: ClientParams, querystring: JournalQuery } }, async (req) => {
    journalPolicy.authorize(principalOf(req), 'journal.read', req.params.clientId);
    const q = req.query;
    const r = await listJournal(db, { clientId: req.params.clientId, limit: q.limit, action: q.action, objectId: q.object_id, before: q.cursor ? Number(q.cursor) : undefined });
    return { items: r.items.map(presentEntry), next_cursor: r.nextCursor };
  });

  app.get('/journal', { schema: { tags: ['journal'], querystring: JournalQuery } }, async (req) => {
    requireProviderAdmin(req);
    const q = req.query;
    const r = await listJournal(db, { limit: q.limit, action: q.action, objectId: q.object_id, before: q.cursor ? Number(q.cursor) : undefined });
    return { items: r.items.map(presentEntry), next_cursor: r.nextCursor };
  });

  app.post('/journal/verify', { schema: { tags: ['journal'] } }, async (req) => {
    const p = requireProviderAdmin(req);
    const r = await verifyJournal(db);
    await db.kysely.transaction().execute((trx) =>
      appendJournal(trx, db.dialect, auditContext(p), { clientId: null, action: 'journal.verify', objectType: 'journal', after: { ok: r.ok, entries: r.entries, first_broken: r.firstBroken } }),
    );
    return { ok: r.ok, entries: r.entries, first_broken: r.firstBroken };
  });
}
