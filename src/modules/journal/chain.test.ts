/**
 * Properties of the pure hash chain: any chain built by the rules verifies; altering any field of
 * any entry, deleting any entry or swapping two entries is detected, at exactly the first affected seq.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkHead, checkRun, entryHash, GENESIS_HASH, type Break, type ChainedEntry } from './chain.ts';

type Row = ChainedEntry & { hash: string };
type Fields = Omit<ChainedEntry, 'seq' | 'prev_hash'>;

const text = fc.string({ unit: 'binary', maxLength: 24 });
const nullableText = fc.option(text, { nil: null });
const json = fc.option(fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)), { nil: null });

const fieldsArb: fc.Arbitrary<Fields> = fc.record({
  id: fc.uuid(),
  at: fc.integer({ min: 0, max: 2 ** 47 }),
  actor_id: fc.option(fc.uuid(), { nil: null }),
  actor_label: text,
  client_id: fc.option(fc.uuid(), { nil: null }),
  action: fc.string({ minLength: 1, maxLength: 30 }),
  object_type: fc.string({ minLength: 1, maxLength: 30 }),
  object_id: fc.option(fc.uuid(), { nil: null }),
  before: json,
  after: json,
  ip: nullableText,
  reason: nullableText,
});

/** A chain as appendJournal builds it: seq from 1, each entry linked to the previous hash. */
function buildChain(fields: Fields[]): Row[] {
  let prev = GENESIS_HASH;
  return fields.map((f, i) => {
    const e: ChainedEntry = { ...f, seq: i + 1, prev_hash: prev };
    const hash = entryHash(e);
    prev = hash;
    return { ...e, hash };
  });
}

function headOf(rows: Row[]) {
  return { last_seq: rows.length, last_hash: rows.length ? rows[rows.length - 1]!.hash : GENESIS_HASH };
}

/** What verifyJournal does, without the database: the runs, then the head. */
function verify(rows: Row[], head: { last_seq: number; last_hash: string }, batch = Infinity): Break | null {
  const state = { nextSeq: 1, prevHash: GENESIS_HASH };
  for (let i = 0; i < rows.length; i += batch) {
    const br = checkRun(rows.slice(i, i + batch), state);
    if (br) return br;
  }
  return checkHead(state, head);
}

const chainArb = fc.array(fieldsArb, { minLength: 1, maxLength: 25 }).map(buildChain);

const FIELDS = ['seq', 'id', 'at', 'actor_id', 'actor_label', 'client_id', 'action', 'object_type', 'object_id', 'before', 'after', 'ip', 'reason', 'prev_hash', 'hash'] as const;
type Field = (typeof FIELDS)[number];

/** A value of the same kind as `v` that differs from it. */
function otherValue(field: Field, v: unknown, salt: number): unknown {
  if (typeof v === 'number') return v + (salt % 997) + 1;
  if (field === 'hash' || field === 'prev_hash') {
    const s = v as string;
    const c = s[salt % s.length]!;
    const i = salt % s.length;
    return s.slice(0, i) + (c === '0' ? '1' : '0') + s.slice(i + 1);
  }
  if (v === null) return `x${salt}`;
  const s = v as string;
  if (salt % 3 === 0 && ['actor_id', 'client_id', 'object_id', 'before', 'after', 'ip', 'reason'].includes(field)) return null;
  if (salt % 3 === 1 && s.length > 0) return s.slice(0, -1);
  return `${s}${String.fromCharCode(32 + (salt % 90))}`;
}

describe('journal hash chain (property tests)', () => {
  it('accepts every chain built by the rules, whatever the batch size', () => {
    fc.assert(
      fc.property(chainArb, fc.integer({ min: 1, max: 30 }), (rows, batch) => {
        expect(verify(rows, headOf(rows))).toBeNull();
        expect(verify(rows, headOf(rows), batch)).toBeNull();
      }),
      { numRuns: 300 },
    );
  });

  it('accepts the empty journal', () => {
    expect(verify([], headOf([]))).toBeNull();
  });

  it('detects an altered field of any entry at exactly that entry', () => {
    fc.assert(
      fc.property(chainArb, fc.nat(), fc.constantFrom(...FIELDS), fc.nat(), (rows, pick, field, salt) => {
        const k = pick % rows.length;
        const head = headOf(rows);
        const tampered = rows.map((r) => ({ ...r }));
        const target = tampered[k]! as Record<Field, unknown>;
        const changed = otherValue(field, target[field], salt);
        fc.pre(changed !== target[field]);
        target[field] = changed;
        const br = verify(tampered, head);
        expect(br).not.toBeNull();
        expect(br!.seq).toBe(k + 1);
        // Same answer when the chain is read in batches.
        expect(verify(tampered, head, 1 + (salt % 7))!.seq).toBe(k + 1);
      }),
      { numRuns: 1000 },
    );
  });

  it('detects a deleted entry (the last one through the head) at its seq', () => {
    fc.assert(
      fc.property(chainArb, fc.nat(), (rows, pick) => {
        const k = pick % rows.length;
        const br = verify([...rows.slice(0, k), ...rows.slice(k + 1)], headOf(rows));
        expect(br).toEqual({ seq: k + 1, reason: 'missing_entry' });
      }),
      { numRuns: 500 },
    );
  });

  it('detects two swapped entries at the first of them, whether or not they were renumbered', () => {
    fc.assert(
      fc.property(
        chainArb.filter((r) => r.length >= 2),
        fc.nat(),
        fc.nat(),
        (rows, a, b) => {
          const i = a % rows.length;
          const j = b % rows.length;
          fc.pre(i !== j);
          const [lo, hi] = i < j ? [i, j] : [j, i];
          const head = headOf(rows);
          // Rows moved as they are: the seq at position lo is no longer lo + 1.
          const moved = [...rows];
          [moved[lo], moved[hi]] = [moved[hi]!, moved[lo]!];
          expect(verify(moved, head)).toEqual({ seq: lo + 1, reason: 'missing_entry' });
          // Contents swapped but the seq column kept in order.
          const renumbered = moved.map((r, n) => ({ ...r, seq: n + 1 }));
          const br = verify(renumbered, head);
          expect(br?.seq).toBe(lo + 1);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('detects an altered entry whose hash was recomputed: at the next link, or at the head for the last entry', () => {
    fc.assert(
      fc.property(chainArb, fc.nat(), text, (rows, pick, label) => {
        const k = pick % rows.length;
        fc.pre(rows[k]!.actor_label !== label);
        const head = headOf(rows);
        const tampered = rows.map((r) => ({ ...r }));
        const t = tampered[k]!;
        t.actor_label = label;
        t.hash = entryHash(t);
        const br = verify(tampered, head);
        if (k === rows.length - 1) expect(br).toEqual({ seq: k + 1, reason: 'head_mismatch' });
        else expect(br).toEqual({ seq: k + 2, reason: 'link_mismatch' });
      }),
      { numRuns: 300 },
    );
  });

  it('detects entries appended without moving the head', () => {
    fc.assert(
      fc.property(chainArb, fieldsArb, (rows, extra) => {
        const head = headOf(rows);
        const longer = buildChain([...rows.map(({ seq: _s, prev_hash: _p, hash: _h, ...f }) => f), extra]);
        expect(verify(longer, head)).toEqual({ seq: rows.length + 1, reason: 'head_mismatch' });
      }),
      { numRuns: 200 },
    );
  });

  it('hashes only the named fields: extra properties on a row read back do not change the hash', () => {
    fc.assert(
      fc.property(chainArb, (rows) => {
        for (const r of rows) expect(entryHash({ ...r, extra: 'driver column' } as ChainedEntry)).toBe(r.hash);
      }),
      { numRuns: 50 },
    );
  });
});
