import { describe, expect, it } from 'vitest';
import { isId, newId } from './ids.ts';

describe('ids (UUIDv7)', () => {
  it('are valid version-7 UUIDs, unique and increasing within a process, even within one millisecond', () => {
    const ids = Array.from({ length: 50_000 }, () => newId());
    expect(new Set(ids).size).toBe(ids.length);
    for (let i = 1; i < ids.length; i++) expect(ids[i]! > ids[i - 1]!).toBe(true);
    for (const id of ids.slice(0, 100)) {
      expect(isId(id)).toBe(true);
      expect(id[14]).toBe('7');
      expect('89ab').toContain(id[19]);
    }
  });

  it('carry their creation time in the first 48 bits', () => {
    const t = Date.now();
    const id = newId(t + 10_000);
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(t + 10_000);
  });
});
