import { sql } from 'kysely';
import { newId } from '../../core/ids.ts';
import { canonicalJson } from '../../core/json.ts';
import type { Db } from '../../db/database.ts';
import type { Executor } from '../../db/tx.ts';
import { checkHead, checkRun, entryHash, GENESIS_HASH, type Break, type ChainedEntry } from './chain.ts';

/** Who did it, from where and why: carried by every mutation down to its journal entry. */
export interface AuditContext {
  actorId: string | null;
  actorLabel: string;
  ip: string | null;
  reason?: string | null;
}

export interface JournalInput {
  clientId: string | null;
  action: string;
  objectType: string;
  objectId?: string | null;
  before?: unknown;
  after?: unknown;
}

export const SYSTEM_CONTEXT: AuditContext = { actorId: null, actorLabel: 'system', ip: null };

/**
 * Appends one entry to the chain, inside the caller's transaction, so the change and its record
 * commit or roll back together. The head row is locked on PostgreSQL to keep the chain linear.
 */
export async function appendJournal(trx: Executor, dialect: Db['dialect'], ctx: AuditContext, input: JournalInput): Promise<number> {
  const head = await (dialect === 'postgres'
    ? trx.selectFrom('journal_head').selectAll().where('id', '=', 1).forUpdate().executeTakeFirstOrThrow()
    : trx.selectFrom('journal_head').selectAll().where('id', '=', 1).executeTakeFirstOrThrow());
  const entry: ChainedEntry = {
    seq: Number(head.last_seq) + 1,
    id: newId(),
    at: Date.now(),
    actor_id: ctx.actorId,
    actor_label: ctx.actorLabel,
    client_id: input.clientId,
    action: input.action,
    object_type: input.objectType,
    object_id: input.objectId ?? null,
    before: input.before === undefined || input.before === null ? null : canonicalJson(input.before),
    after: input.after === undefined || input.after === null ? null : canonicalJson(input.after),
    ip: ctx.ip,
    reason: ctx.reason ?? null,
    prev_hash: head.last_hash,
  };
  const hash = entryHash(entry);
  await trx.insertInto('journal').values({ ...entry, hash }).execute();
  await trx.updateTable('journal_head').set({ last_seq: entry.seq, last_hash: hash }).where('id', '=', 1).execute();
  return entry.seq;
}

/** Runs `fn` in a transaction and journals what it returns, in the same transaction. */
export async function journaled<T>(
  db: Db,
  ctx: AuditContext,
  fn: (trx: Executor) => Promise<{ result: T; journal: JournalInput | JournalInput[] }>,
): Promise<T> {
  return db.kysely.transaction().execute(async (trx) => {
    const { result, journal } = await fn(trx);
    for (const j of Array.isArray(journal) ? journal : [journal]) await appendJournal(trx, db.dialect, ctx, j);
    return result;
  });
}

export interface VerifyResult {
  ok: boolean;
  entries: number;
  firstBroken: Break | null;
}

/** Walks the whole chain in order and names the first broken link (altered, deleted or reordered rows). */
export async function verifyJournal(db: Db, batch = 5000): Promise<VerifyResult> {
  const state = { nextSeq: 1, prevHash: GENESIS_HASH };
  let count = 0;
  for (;;) {
    const rows = await db.kysely
      .selectFrom('journal')
      .selectAll()
      .where('seq', '>=', state.nextSeq)
      .orderBy('seq')
      .limit(batch)
      .execute();
    const br = checkRun(rows.map(normalise), state);
    if (br) return { ok: false, entries: count, firstBroken: br };
    count += rows.length;
    if (rows.length < batch) break;
  }
  const head = await db.kysely.selectFrom('journal_head').selectAll().where('id', '=', 1).executeTakeFirstOrThrow();
  const br = checkHead(state, { last_seq: Number(head.last_seq), last_hash: head.last_hash });
  if (br) return { ok: false, entries: count, firstBroken: br };
  return { ok: true, entries: count, firstBroken: null };
}

function normalise<T extends { seq: number; at: number }>(r: T): T {
  return { ...r, seq: Number(r.seq), at: Number(r.at) };
}

export interface JournalQuery {
  clientId?: string | null;
  objectId?: string;
  action?: string;
  /** Entries older than this seq (cursor). */
  before?: number;
  limit: number;
}

/** Newest first; scoped to one client when clientId is given. */
export async function listJournal(db: Db, q: JournalQuery) {
  let query = db.kysely.selectFrom('journal').selectAll().orderBy('seq', 'desc').limit(q.limit + 1);
  if (q.clientId !== undefined) query = query.where('client_id', q.clientId === null ? 'is' : '=', q.clientId as string);
  if (q.objectId) query = query.where('object_id', '=', q.objectId);
  if (q.action) query = query.where('action', '=', q.action);
  if (q.before) query = query.where('seq', '<', q.before);
  const rows = (await query.execute()).map(normalise);
  const more = rows.length > q.limit;
  const items = more ? rows.slice(0, q.limit) : rows;
  return { items, nextCursor: more ? String(items[items.length - 1]!.seq) : null };
}

void sql;
