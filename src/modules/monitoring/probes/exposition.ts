/**
 * The Prometheus text exposition format (and the OpenMetrics text it resembles), parsed by hand:
 * `name{label="value",…} value [timestamp]`, `#` lines skipped. Tolerant: a malformed line is
 * counted and skipped, never fatal. Fast: lines whose metric name is not wanted are skipped after
 * reading the name only.
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Exposition {
  /** Samples by metric name (only the wanted names when a set was given). */
  samples: Map<string, Sample[]>;
  /** Sample lines seen, wanted or not. */
  lines: number;
  /** Lines that could not be parsed (among those read: unwanted lines are not). */
  errors: number;
  /** The first sample line parsed cleanly (always read, wanted or not): false for an HTML page, say. */
  valid: boolean;
}

function parseValue(tok: string): number {
  switch (tok) {
    case '+Inf': case 'Inf': case '+inf': case 'inf': return Infinity;
    case '-Inf': case '-inf': return -Infinity;
    case 'NaN': case 'nan': return NaN;
  }
  // Number('') is 0 and Number('0x10') is 16: neither is a sample value.
  if (tok === '' || !/^[-+]?(?:\d|\.\d)/.test(tok)) return NaN;
  return Number(tok);
}

const isSpace = (c: number) => c === 32 || c === 9;

/** Reads labels from `{` at `i`; returns the index after `}` or -1 when malformed. */
function parseLabels(line: string, i: number, labels: Record<string, string>): number {
  const n = line.length;
  i++; // past '{'
  for (;;) {
    while (i < n && isSpace(line.charCodeAt(i))) i++;
    if (i >= n) return -1;
    if (line[i] === '}') return i + 1;
    const ns = i;
    while (i < n && line[i] !== '=' && line[i] !== '}' && !isSpace(line.charCodeAt(i))) i++;
    const lname = line.slice(ns, i);
    while (i < n && isSpace(line.charCodeAt(i))) i++;
    if (line[i] !== '=' || lname === '') return -1;
    i++;
    while (i < n && isSpace(line.charCodeAt(i))) i++;
    if (line[i] !== '"') return -1;
    i++;
    let value = '';
    let chunk = i;
    for (;;) {
      if (i >= n) return -1;
      const c = line[i];
      if (c === '"') break;
      if (c === '\\') {
        value += line.slice(chunk, i);
        const e = line[i + 1];
        value += e === 'n' ? '\n' : e === '"' ? '"' : e === '\\' ? '\\' : `\\${e ?? ''}`;
        i += 2;
        chunk = i;
        continue;
      }
      i++;
    }
    value += line.slice(chunk, i);
    i++; // past the closing quote
    labels[lname] = value;
    while (i < n && isSpace(line.charCodeAt(i))) i++;
    if (line[i] === ',') i++;
    else if (line[i] !== '}') return -1;
  }
}

/** Parses an exposition; `wanted` limits the samples kept (and the work done) to those names. */
export function parseExposition(text: string, wanted?: ReadonlySet<string>): Exposition {
  const samples = new Map<string, Sample[]>();
  let lines = 0;
  let errors = 0;
  let valid = false;
  const len = text.length;
  let pos = 0;
  while (pos < len) {
    let end = text.indexOf('\n', pos);
    if (end === -1) end = len;
    let line = text.slice(pos, end);
    pos = end + 1;
    if (line.length === 0) continue;
    if (line.charCodeAt(line.length - 1) === 13) line = line.slice(0, -1);
    let i = 0;
    while (i < line.length && isSpace(line.charCodeAt(i))) i++;
    if (i >= line.length || line[i] === '#') continue;
    lines++;
    const ns = i;
    while (i < line.length && line[i] !== '{' && !isSpace(line.charCodeAt(i))) i++;
    const name = line.slice(ns, i);
    const isFirst = lines === 1;
    if (wanted && !wanted.has(name) && !isFirst) continue;
    if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(name)) { errors++; continue; }
    const labels: Record<string, string> = {};
    if (line[i] === '{') {
      i = parseLabels(line, i, labels);
      if (i < 0) { errors++; continue; }
    }
    while (i < line.length && isSpace(line.charCodeAt(i))) i++;
    const vs = i;
    while (i < line.length && !isSpace(line.charCodeAt(i))) i++;
    const value = parseValue(line.slice(vs, i));
    if (Number.isNaN(value) && line.slice(vs, i).toLowerCase() !== 'nan') { errors++; continue; }
    if (isFirst) {
      valid = true;
      if (wanted && !wanted.has(name)) continue;
    }
    let list = samples.get(name);
    if (!list) samples.set(name, (list = []));
    list.push({ name, labels, value });
  }
  return { samples, lines, errors, valid };
}

export type MatchOp = '=' | '!=' | '=~' | '!~';
export interface LabelMatcher {
  name: string;
  op: MatchOp;
  value: string;
  re?: RegExp;
}
export interface Selector {
  name: string;
  matchers: LabelMatcher[];
}

/** Parses a PromQL-style selector: `node_filesystem_avail_bytes{mountpoint="/",fstype!~"tmpfs|overlay"}`. */
export function parseSelector(text: string): Selector {
  const t = text.trim();
  const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\{.*\})?$/.exec(t);
  if (!m) throw new Error(`bad selector "${text}": a metric name, optionally followed by {label matchers}`);
  const matchers: LabelMatcher[] = [];
  if (m[2]) {
    const body = m[2];
    let i = 1;
    const n = body.length - 1; // before the final '}'
    while (i < n) {
      while (i < n && (isSpace(body.charCodeAt(i)) || body[i] === ',')) i++;
      if (i >= n) break;
      const lm = /^([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"/.exec(body.slice(i));
      if (!lm) throw new Error(`bad selector "${text}" near "${body.slice(i, i + 20)}"`);
      i += lm[0].length;
      let value = '';
      while (i < n && body[i] !== '"') {
        if (body[i] === '\\' && i + 1 < n) {
          const e = body[i + 1];
          value += e === 'n' ? '\n' : e;
          i += 2;
        } else value += body[i++];
      }
      if (body[i] !== '"') throw new Error(`bad selector "${text}": unterminated value`);
      i++;
      const op = lm[2] as MatchOp;
      const matcher: LabelMatcher = { name: lm[1]!, op, value };
      if (op === '=~' || op === '!~') {
        try {
          matcher.re = new RegExp(`^(?:${value})$`);
        } catch (e) {
          throw new Error(`bad selector "${text}": ${(e as Error).message}`);
        }
      }
      matchers.push(matcher);
    }
  }
  return { name: m[1]!, matchers };
}

/** Does a sample's label set satisfy every matcher (a missing label is the empty string, as in Prometheus)? */
export function matches(labels: Record<string, string>, matchers: readonly LabelMatcher[]): boolean {
  for (const m of matchers) {
    const v = labels[m.name] ?? '';
    switch (m.op) {
      case '=': if (v !== m.value) return false; break;
      case '!=': if (v === m.value) return false; break;
      case '=~': if (!m.re!.test(v)) return false; break;
      case '!~': if (m.re!.test(v)) return false; break;
    }
  }
  return true;
}

/** The samples a selector picks in a parsed exposition. */
export function select(expo: Exposition, sel: Selector): Sample[] {
  const list = expo.samples.get(sel.name);
  if (!list) return [];
  return sel.matchers.length === 0 ? list : list.filter((s) => matches(s.labels, sel.matchers));
}

/** `name{a="1",b="2"}` for messages and metric keys; labels in the given order. */
export function seriesKey(name: string, labels: Record<string, string>, only?: readonly string[]): string {
  const keys = only ?? Object.keys(labels);
  const parts = keys.filter((k) => labels[k] !== undefined).map((k) => `${k}="${labels[k]}"`);
  return parts.length ? `${name}{${parts.join(',')}}` : name;
}
