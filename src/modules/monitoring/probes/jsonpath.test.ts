import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateJsonAssertion, getAtPath, parseJsonPath } from './jsonpath.ts';

describe('json path', () => {
  it('parses dotted, bracketed and quoted segments, with or without $', () => {
    expect(parseJsonPath('$.status')).toEqual(['status']);
    expect(parseJsonPath('data.items[0].ok')).toEqual(['data', 'items', 0, 'ok']);
    expect(parseJsonPath('$["odd key"][2]')).toEqual(['odd key', 2]);
    expect(parseJsonPath("$['it\\'s'].x")).toEqual(["it's", 'x']);
    expect(parseJsonPath('items[-1]')).toEqual(['items', -1]);
    expect(parseJsonPath('$')).toEqual([]);
    for (const bad of ['a.', 'a[', 'a[x]', 'a["x"', '$..a', 'a]b']) expect(() => parseJsonPath(bad), bad).toThrow(/bad JSON path/);
  });

  it('gets values, missing paths included', () => {
    const doc = { a: { b: [10, 20, { c: null }] }, 'x y': 1 };
    expect(getAtPath(doc, ['a', 'b', 1])).toEqual({ found: true, value: 20 });
    expect(getAtPath(doc, ['a', 'b', -1, 'c'])).toEqual({ found: true, value: null });
    expect(getAtPath(doc, ['a', 'b', 'length'])).toEqual({ found: true, value: 3 });
    expect(getAtPath(doc, ['a', 'z'])).toEqual({ found: false, value: undefined });
    expect(getAtPath(doc, ['a', 'b', 7])).toEqual({ found: false, value: undefined });
    expect(getAtPath(doc, ['constructor'])).toEqual({ found: false, value: undefined });
  });

  it('evaluates operators', () => {
    const doc = { s: 'ok', n: 5, t: true, arr: ['a', 2], o: { k: 1 }, ns: '7' };
    const ev = (p: string, op: Parameters<typeof evaluateJsonAssertion>[2], v: Parameters<typeof evaluateJsonAssertion>[3]) => evaluateJsonAssertion(doc, parseJsonPath(p), op, v).ok;
    expect(ev('s', '==', 'ok')).toBe(true);
    expect(ev('n', '==', 5)).toBe(true);
    expect(ev('n', '==', '5')).toBe(true);
    expect(ev('ns', '==', 7)).toBe(true);
    expect(ev('t', '==', true)).toBe(true);
    expect(ev('t', '==', 'true')).toBe(true);
    expect(ev('s', '!=', 'ko')).toBe(true);
    expect(ev('n', '<', 6)).toBe(true);
    expect(ev('n', '>', 6)).toBe(false);
    expect(ev('ns', '>=', 7)).toBe(true);
    expect(ev('s', '<', 6)).toBe(false);
    expect(ev('s', 'contains', 'k')).toBe(true);
    expect(ev('arr', 'contains', 2)).toBe(true);
    expect(ev('arr', 'contains', 'b')).toBe(false);
    expect(ev('o', 'contains', 'k')).toBe(true);
    expect(ev('missing', 'exists', true)).toBe(false);
    expect(ev('missing', 'exists', false)).toBe(true);
    expect(ev('missing', '!=', 'x')).toBe(false);
    expect(ev('o', '==', 'x')).toBe(false);
  });

  it('finds any value placed at any generated path', () => {
    const seg = fc.oneof(fc.string({ minLength: 1, maxLength: 8 }).filter((s) => !/^-?\d+$/.test(s)), fc.nat(5));
    fc.assert(
      fc.property(fc.array(seg, { minLength: 1, maxLength: 6 }), fc.jsonValue(), (segs, value) => {
        // Build a document with `value` at `segs`.
        let doc: unknown = value;
        for (let i = segs.length - 1; i >= 0; i--) {
          const s = segs[i]!;
          if (typeof s === 'number') {
            const arr: unknown[] = Array.from({ length: s + 1 }, () => null);
            arr[s] = doc;
            doc = arr;
          } else doc = { [s]: doc };
        }
        const path = '$' + segs.map((s) => (typeof s === 'number' ? `[${s}]` : `[${JSON.stringify(s)}]`)).join('');
        const got = getAtPath(doc, parseJsonPath(path));
        expect(got.found).toBe(true);
        expect(got.value).toEqual(value);
      }),
      { numRuns: 300 },
    );
  });
});
