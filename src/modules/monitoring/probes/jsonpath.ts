/**
 * A small JSON path: `$.status`, `data.items[0].ok`, `$["odd key"][2]`, `items[-1].id` (negative
 * index counts from the end). No wildcards, filters nor recursion: one path names one value.
 */

export type PathSegment = string | number;

/** Parses a path into its segments; throws an Error naming the position of a syntax error. */
export function parseJsonPath(path: string): PathSegment[] {
  const segs: PathSegment[] = [];
  let i = 0;
  const n = path.length;
  const fail = (why: string): never => {
    throw new Error(`bad JSON path "${path}" at ${i}: ${why}`);
  };
  if (path[0] === '$') i = 1;
  else if (n > 0 && path[0] !== '[' && path[0] !== '.') {
    // A bare leading name: `data.items` is `$.data.items`.
    segs.push(readName());
  }
  function readName(): string {
    const start = i;
    while (i < n && path[i] !== '.' && path[i] !== '[' && path[i] !== ']') i++;
    if (i === start) fail('a name is expected');
    return path.slice(start, i);
  }
  while (i < n) {
    const c = path[i];
    if (c === '.') {
      i++;
      segs.push(readName());
    } else if (c === '[') {
      i++;
      const q = path[i];
      if (q === '"' || q === "'") {
        i++;
        let s = '';
        while (i < n && path[i] !== q) {
          if (path[i] === '\\' && i + 1 < n) i++;
          s += path[i++];
        }
        if (i >= n) fail('unterminated quoted name');
        i++;
        segs.push(s);
      } else {
        const m = /^-?\d+/.exec(path.slice(i));
        if (!m) fail('an index or a quoted name is expected');
        segs.push(Number(m![0]));
        i += m![0].length;
      }
      if (path[i] !== ']') fail('"]" is expected');
      i++;
    } else {
      fail(`unexpected "${c}"`);
    }
  }
  return segs;
}

/** The value the segments name in `doc`, or `undefined` with `found: false`. */
export function getAtPath(doc: unknown, segs: readonly PathSegment[]): { found: boolean; value: unknown } {
  let cur: unknown = doc;
  for (const seg of segs) {
    if (cur === null || typeof cur !== 'object') return { found: false, value: undefined };
    if (Array.isArray(cur)) {
      const idx = typeof seg === 'number' ? seg : /^-?\d+$/.test(seg) ? Number(seg) : NaN;
      if (Number.isNaN(idx)) {
        if (seg === 'length') { cur = cur.length; continue; }
        return { found: false, value: undefined };
      }
      const j = idx < 0 ? cur.length + idx : idx;
      if (j < 0 || j >= cur.length) return { found: false, value: undefined };
      cur = cur[j];
    } else {
      const key = String(seg);
      if (!Object.prototype.hasOwnProperty.call(cur, key)) return { found: false, value: undefined };
      cur = (cur as Record<string, unknown>)[key];
    }
  }
  return { found: true, value: cur };
}

export const JSON_OPS = ['==', '!=', '<', '>', '<=', '>=', 'contains', 'exists'] as const;
export type JsonOp = (typeof JSON_OPS)[number];
export type JsonScalar = string | number | boolean | null;

function looseEqual(a: unknown, b: JsonScalar): boolean {
  if (a === b) return true;
  if (a === null || b === null) return false;
  if (typeof a === 'object') return false;
  if (typeof b === 'number' && typeof a === 'string') return a.trim() !== '' && Number(a) === b;
  // 1 == "1", true == "true": compare as text.
  return String(a) === String(b);
}

function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '') return Number(v);
  return NaN;
}

/** "got …" text for messages: JSON, cut short. */
export function describeValue(v: unknown): string {
  const s = v === undefined ? 'nothing' : JSON.stringify(v) ?? String(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/**
 * Evaluates `value at path <op> expected`. `contains`: a string contains the text, an array holds an
 * element equal to it, an object has that key. `exists`: the path is present (expected `false`:
 * absent). A missing path fails every other operator.
 */
export function evaluateJsonAssertion(doc: unknown, segs: readonly PathSegment[], op: JsonOp, expected: JsonScalar): { ok: boolean; actual: unknown; found: boolean } {
  const { found, value } = getAtPath(doc, segs);
  if (op === 'exists') return { ok: found === (expected !== false), actual: value, found };
  if (!found) return { ok: false, actual: undefined, found };
  let ok: boolean;
  switch (op) {
    case '==': ok = looseEqual(value, expected); break;
    case '!=': ok = !looseEqual(value, expected); break;
    case 'contains':
      if (typeof value === 'string') ok = expected !== null && value.includes(String(expected));
      else if (Array.isArray(value)) ok = value.some((el) => looseEqual(el, expected));
      else if (value !== null && typeof value === 'object') ok = expected !== null && Object.prototype.hasOwnProperty.call(value, String(expected));
      else ok = false;
      break;
    default: {
      const a = toNumber(value);
      const b = toNumber(expected);
      if (Number.isNaN(a) || Number.isNaN(b)) { ok = false; break; }
      ok = op === '<' ? a < b : op === '>' ? a > b : op === '<=' ? a <= b : a >= b;
    }
  }
  return { ok, actual: value, found };
}
