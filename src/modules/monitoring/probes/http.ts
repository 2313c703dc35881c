import { z } from 'zod';
import { httpRequest } from './http-client.ts';
import { JSON_OPS, describeValue, evaluateJsonAssertion, parseJsonPath, type PathSegment } from './jsonpath.ts';
import type { Probe, ProbeContext, ProbeResult, ProbeStatus } from './types.ts';
import { down, errorText, fmtMs, latencyNote, latencyStatus, latencyThresholds, worst } from './util.ts';

/** `200`, `2xx`, `200-299`. */
const STATUS_PATTERN = /^(?:[1-5]\d\d|[1-5]xx|[1-5]\d\d-[1-5]\d\d)$/i;

function validRegex(source: string, flags = ''): boolean {
  try {
    new RegExp(source, flags);
    return true;
  } catch {
    return false;
  }
}

function validPath(p: string): boolean {
  try {
    parseJsonPath(p);
    return true;
  } catch {
    return false;
  }
}

const Severity = z.enum(['degraded', 'down']);

export const HttpSettings = z
  .object({
    /** The URL to request (http or https). */
    url: z.url({ protocol: /^https?$/ }).max(4000),
    /** HTTP method. */
    method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']).default('GET'),
    /** Request headers (Authorization, Content-Type, Host…). */
    headers: z.record(z.string().min(1).max(200).regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'a header name'), z.string().max(8000).regex(/^[^\r\n]*$/, 'no line breaks')).default({}),
    /** Request body, sent as is (set Content-Type in headers). */
    body: z.string().max(1_000_000).optional(),
    /** Statuses that count as success: exact (`200`), a class (`2xx`) or a range (`200-399`). */
    expectedStatus: z.array(z.string().trim().regex(STATUS_PATTERN, 'a status like 200, 2xx or 200-299')).min(1).max(20).default(['2xx', '3xx']),
    /** Text the body must contain (or must not, with `absent`). */
    keyword: z
      .object({
        /** The text, or a regular expression when `regex` is true. */
        pattern: z.string().min(1).max(1000),
        /** Treat `pattern` as a JavaScript regular expression. */
        regex: z.boolean().default(false),
        /** Match case exactly. */
        caseSensitive: z.boolean().default(true),
        /** `present`: the body must contain it; `absent`: it must not (an error page's text). */
        mode: z.enum(['present', 'absent']).default('present'),
        /** What a failed keyword makes the result. */
        severity: Severity.default('down'),
      })
      .refine((k) => !k.regex || validRegex(k.pattern, k.caseSensitive ? '' : 'i'), { message: 'not a valid regular expression', path: ['pattern'] })
      .optional(),
    /** Assertions on the JSON body, all of which must hold. */
    json: z
      .array(
        z.object({
          /** A dotted path: `$.status`, `data.items[0].ok`, `$["a key"]`. */
          path: z.string().min(1).max(500).refine(validPath, 'not a valid JSON path'),
          /** `==`, `!=`, `<`, `>`, `<=`, `>=`, `contains` (text, array element or key), `exists`. */
          op: z.enum(JSON_OPS).default('=='),
          /** The expected value (`exists`: true or false). */
          value: z.union([z.string().max(1000), z.number(), z.boolean(), z.null()]).default(true),
          /** What a failed assertion makes the result. */
          severity: Severity.default('down'),
        }),
      )
      .max(20)
      .default([]),
    // Thresholds on the transaction time (request sent → whole response received, redirects included).
    ...latencyThresholds(1000),
    /** Follow 3xx redirects (up to maxRedirects); the last response is judged. */
    followRedirects: z.boolean().default(true),
    /** Most redirects followed before the run is down. */
    maxRedirects: z.number().int().min(0).max(20).default(5),
    /** Accept any certificate (expired, self-signed, other name); the TLS check type watches certificates. */
    ignoreTlsErrors: z.boolean().default(false),
    /** PEM of a private CA to trust instead of the public roots. */
    ca: z.string().max(100_000).optional(),
    /** Most body bytes read for the keyword and JSON checks; a longer body is cut (and said so). */
    maxBodyBytes: z.number().int().min(1024).max(16 * 1024 * 1024).default(1024 * 1024),
  })
  .refine((s) => s.body === undefined || (s.method !== 'GET' && s.method !== 'HEAD'), { message: 'GET and HEAD requests carry no body', path: ['body'] })
  .refine((s) => s.method !== 'HEAD' || (s.keyword === undefined && s.json.length === 0), { message: 'a HEAD response has no body to check', path: ['method'] });
export type HttpSettings = z.infer<typeof HttpSettings>;

/** Does `status` match one of the patterns (`200`, `2xx`, `200-299`)? */
export function statusMatches(status: number, patterns: readonly string[]): boolean {
  for (const p of patterns) {
    if (p.length === 3) {
      if (p[1] === 'x' || p[1] === 'X') {
        if (Math.floor(status / 100) === Number(p[0])) return true;
      } else if (Number(p) === status) return true;
    } else {
      const lo = Number(p.slice(0, 3));
      const hi = Number(p.slice(4, 7));
      if (status >= lo && status <= hi) return true;
    }
  }
  return false;
}

// Compiled regexes and parsed paths, by source: a check's settings are parsed once per run otherwise.
const regexCache = new Map<string, RegExp>();
function cachedRegex(source: string, flags: string): RegExp {
  const key = `${flags}/${source}`;
  let re = regexCache.get(key);
  if (!re) {
    re = new RegExp(source, flags);
    if (regexCache.size >= 2000) regexCache.clear();
    regexCache.set(key, re);
  }
  return re;
}
const pathCache = new Map<string, PathSegment[]>();
function cachedPath(path: string): PathSegment[] {
  let segs = pathCache.get(path);
  if (!segs) {
    segs = parseJsonPath(path);
    if (pathCache.size >= 2000) pathCache.clear();
    pathCache.set(path, segs);
  }
  return segs;
}

function keywordFound(body: string, k: NonNullable<HttpSettings['keyword']>): boolean {
  if (k.regex) return cachedRegex(k.pattern, k.caseSensitive ? '' : 'i').test(body);
  if (k.caseSensitive) return body.includes(k.pattern);
  return body.toLowerCase().includes(k.pattern.toLowerCase());
}

/** HTTP(S) check: status, keyword or regex, JSON assertions and transaction time. */
export const httpProbe: Probe<HttpSettings> = {
  type: 'http',
  settings: HttpSettings,
  async run(s: HttpSettings, ctx: ProbeContext): Promise<ProbeResult> {
    const readBody = s.keyword !== undefined || s.json.length > 0;
    let res;
    try {
      res = await httpRequest(
        {
          url: new URL(s.url),
          method: s.method,
          headers: s.headers,
          body: s.body,
          followRedirects: s.followRedirects,
          maxRedirects: s.maxRedirects,
          ignoreTlsErrors: s.ignoreTlsErrors,
          ca: s.ca,
          readBody,
          maxBodyBytes: s.maxBodyBytes,
        },
        ctx,
      );
    } catch (e) {
      return down(`${s.method} ${s.url}: ${errorText(e)}`);
    }
    const ms = res.totalMs;
    const metrics: Record<string, number> = { status_code: res.status, ttfb_ms: res.ttfbMs };
    if (res.body) metrics.body_bytes = res.body.length;
    const where = res.redirects > 0 ? ` (after ${res.redirects} redirect${res.redirects > 1 ? 's' : ''} to ${res.finalUrl.href})` : '';
    if (!statusMatches(res.status, s.expectedStatus)) {
      return down(`HTTP ${res.status}${where}, expected ${s.expectedStatus.join(', ')}`, ms, metrics);
    }
    let status: ProbeStatus = 'up';
    const problems: string[] = [];
    const cut = res.truncated ? ` in the first ${s.maxBodyBytes} bytes` : '';
    if (s.keyword && res.body) {
      const text = res.body.toString('utf8');
      const found = keywordFound(text, s.keyword);
      const what = s.keyword.regex ? `/${s.keyword.pattern}/` : `"${s.keyword.pattern}"`;
      if (s.keyword.mode === 'present' && !found) {
        status = worst(status, s.keyword.severity);
        problems.push(`${what} not found${cut}`);
      } else if (s.keyword.mode === 'absent' && found) {
        status = worst(status, s.keyword.severity);
        problems.push(`${what} found`);
      }
    }
    if (s.json.length > 0 && res.body) {
      let doc: unknown;
      let parsed = true;
      try {
        doc = JSON.parse(res.body.toString('utf8'));
      } catch (e) {
        parsed = false;
        status = 'down';
        problems.push(`body is not JSON${res.truncated ? ` (cut at ${s.maxBodyBytes} bytes)` : ''}: ${(e as Error).message}`);
      }
      if (parsed) {
        for (const a of s.json) {
          const r = evaluateJsonAssertion(doc, cachedPath(a.path), a.op, a.value);
          if (!r.ok) {
            status = worst(status, a.severity);
            problems.push(
              !r.found && a.op !== 'exists'
                ? `${a.path} not found`
                : `${a.path} ${a.op} ${JSON.stringify(a.value)} failed: got ${describeValue(r.actual)}`,
            );
          }
        }
      }
    }
    const ls = latencyStatus(ms, s);
    if (ls !== 'up') problems.push(latencyNote(ms, s));
    status = worst(status, ls);
    return {
      status,
      latencyMs: ms,
      message: `HTTP ${res.status} in ${fmtMs(ms)}${where}${problems.length ? `: ${problems.join('; ')}` : ''}`,
      metrics,
    };
  },
};
