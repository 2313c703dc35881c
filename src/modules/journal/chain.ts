import { createHash } from 'node:crypto';
import { canonicalJson } from '../../core/json.ts';

/** The fields a journal hash covers: everything but the hash itself. */
export interface ChainedEntry {
  seq: number;
  id: string;
  at: number;
  actor_id: string | null;
  actor_label: string;
  client_id: string | null;
  action: string;
  object_type: string;
  object_id: string | null;
  before: string | null;
  after: string | null;
  ip: string | null;
  reason: string | null;
  prev_hash: string;
}

export const GENESIS_HASH = '0'.repeat(64);

/** hash = SHA-256(prev_hash ‖ canonical JSON of the entry). Pure, so the chain can be property-tested. */
export function entryHash(e: ChainedEntry): string {
  // Name the fields: a row read back carries its own `hash` (and on some drivers more), which must not count.
  const fields = {
    seq: e.seq, id: e.id, at: e.at, actor_id: e.actor_id, actor_label: e.actor_label, client_id: e.client_id, action: e.action,
    object_type: e.object_type, object_id: e.object_id, before: e.before, after: e.after, ip: e.ip, reason: e.reason,
  };
  return createHash('sha256').update(e.prev_hash).update('\n').update(canonicalJson(fields)).digest('hex');
}

export interface Break {
  seq: number;
  reason: 'hash_mismatch' | 'link_mismatch' | 'missing_entry' | 'head_mismatch';
}

/**
 * Checks a run of entries in seq order, continuing from (expectedSeq, prevHash).
 * Returns the first broken link, or the state to continue from.
 */
export function checkRun(
  rows: Iterable<ChainedEntry & { hash: string }>,
  state: { nextSeq: number; prevHash: string },
): Break | null {
  for (const r of rows) {
    if (r.seq !== state.nextSeq) return { seq: state.nextSeq, reason: 'missing_entry' };
    if (r.prev_hash !== state.prevHash) return { seq: r.seq, reason: 'link_mismatch' };
    if (entryHash(r) !== r.hash) return { seq: r.seq, reason: 'hash_mismatch' };
    state.prevHash = r.hash;
    state.nextSeq = r.seq + 1;
  }
  return null;
}

/**
 * After the last run: the head row (last seq and hash written by appendJournal) must match the end
 * of the chain. A deleted last entry shows as `missing_entry` at its seq; rows beyond the head (written
 * outside the journal service) as `head_mismatch` at the first of them; a rewritten tail as `head_mismatch`.
 */
export function checkHead(state: { nextSeq: number; prevHash: string }, head: { last_seq: number; last_hash: string }): Break | null {
  const last = state.nextSeq - 1;
  if (head.last_seq > last) return { seq: last + 1, reason: 'missing_entry' };
  if (head.last_seq < last) return { seq: head.last_seq + 1, reason: 'head_mismatch' };
  if (head.last_hash !== state.prevHash) return { seq: last, reason: 'head_mismatch' };
  return null;
}
