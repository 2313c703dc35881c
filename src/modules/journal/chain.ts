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
  const { prev_hash, ...fields } = e;
  return createHash('sha256').update(prev_hash).update('\n').update(canonicalJson(fields)).digest('hex');
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
