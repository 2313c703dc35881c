import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { LocalBuffer, type BufferedResult } from './buffer.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigie-buffer-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const r = (i: number): BufferedResult => ({ check_id: '01900000-0000-7000-8000-000000000001', at: 1_700_000_000_000 + i * 10_000, status: 'up', latency_ms: 1.5, message: `ok ${i}` });

it('a batch is fixed once numbered: the same number and the same bytes until acknowledged, across a restart', () => {
  const file = join(dir, 'b.sqlite');
  let b = new LocalBuffer(file, { resultLog: join(dir, 'log.jsonl') });
  b.add([r(0), r(1), r(2)]);
  expect(b.backlog).toBe(3);
  const first = b.nextBatch(2, 1e6, 1)!;
  expect(first.seq).toBe(1);
  expect(first.count).toBe(2);
  b.add([r(3)]);
  // Not acknowledged: the same batch again, whatever arrived since.
  expect(b.nextBatch(2, 1e6, 1)).toEqual(first);
  b.close();
  b = new LocalBuffer(file);
  expect(b.backlog).toBe(4);
  expect(b.nextBatch(2, 1e6, 1)).toEqual(first);
  b.ack(first.seq);
  expect(b.backlog).toBe(2);
  const second = b.nextBatch(100, 1e6, 1)!;
  expect(second.seq).toBe(2);
  expect(JSON.parse(second.body).results.map((x: BufferedResult) => x.message)).toEqual(['ok 2', 'ok 3']);
  b.ack(second.seq);
  expect(b.nextBatch(100, 1e6, 1)).toBeNull();
  expect(b.backlog).toBe(0);
  b.close();
  expect(readFileSync(join(dir, 'log.jsonl'), 'utf8').trim().split('\n')).toHaveLength(4);
});

it('numbers after what the server already holds, and sets aside a rejected batch so the next one flows', () => {
  const b = new LocalBuffer(join(dir, 'b.sqlite'));
  b.add([r(0), r(1)]);
  const a = b.nextBatch(1, 1e6, 41)!;
  expect(a.seq).toBe(41);
  b.reject(a.seq, 400, '{"error":{"id":"validation_failed"}}');
  const next = b.nextBatch(1, 1e6, 1)!;
  expect(next.seq).toBe(42);
  expect(b.backlog).toBe(1);
  // A batch is cut by size too (about maxChars of JSON), never empty.
  b.ack(next.seq);
  b.add([r(5), r(6), r(7)]);
  expect(b.nextBatch(100, 10, 1)!.count).toBe(1);
  b.close();
});
