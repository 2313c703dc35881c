import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { ProbeContext } from './types.ts';
import { monotonic, onDeadline } from './util.ts';

/** One HTTP(S) exchange, redirects included. */
export interface HttpRequestOptions {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body?: string | undefined;
  followRedirects: boolean;
  maxRedirects: number;
  /** Accept any certificate (expired, self-signed, other host). */
  ignoreTlsErrors: boolean;
  /** PEM of the CA(s) to trust instead of the public roots. */
  ca?: string | undefined;
  /** Keep the body (up to maxBodyBytes); otherwise it is drained unread. */
  readBody: boolean;
  maxBodyBytes: number;
}

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body when asked for, decoded from gzip/deflate/br, cut at maxBodyBytes. */
  body: Buffer | null;
  truncated: boolean;
  /** From the start of the first request to the last response's headers. */
  ttfbMs: number;
  /** From the start of the first request to the end of the last body: the transaction time. */
  totalMs: number;
  redirects: number;
  finalUrl: URL;
}

const USER_AGENT = 'Vigie-monitoring/0.1';
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

// Keep-alive agents, one per (scheme, TLS options). Many checks against one host reuse warm
// connections; an idle socket is dropped after the server's Keep-Alive timeout or 4 s.
const agents = new Map<string, http.Agent>();
function agentFor(url: URL, ignoreTlsErrors: boolean, ca: string | undefined): http.Agent {
  const tls = url.protocol === 'https:';
  const key = tls ? `s|${ignoreTlsErrors ? 1 : 0}|${ca ?? ''}` : 'p';
  let agent = agents.get(key);
  if (!agent) {
    const common = { keepAlive: true, keepAliveMsecs: 1000, maxFreeSockets: 8, timeout: 4000, scheduling: 'lifo' as const };
    agent = tls ? new https.Agent({ ...common, rejectUnauthorized: !ignoreTlsErrors, ...(ca ? { ca } : {}) }) : new http.Agent(common);
    if (agents.size > 64) agents.clear(); // many distinct CAs: do not grow without bound
    agents.set(key, agent);
  }
  return agent;
}

/** Closes the idle keep-alive connections (tests, shutdown). */
export function closeHttpAgents(): void {
  for (const a of agents.values()) a.destroy();
  agents.clear();
}

class HttpClientError extends Error {
  constructor(message: string, readonly code?: string) {
    super(message);
  }
}

/** Runs the exchange; rejects on network, TLS, deadline or redirect errors (the caller turns them into `down`). */
export function httpRequest(o: HttpRequestOptions, ctx: ProbeContext): Promise<HttpResponse> {
  return new Promise<HttpResponse>((resolve, reject) => {
    const start = monotonic();
    let current: http.ClientRequest | null = null;
    let currentRes: IncomingMessage | null = null;
    let settled = false;
    const fail = (e: Error) => {
      if (settled) return;
      settled = true;
      dispose();
      current?.destroy();
      currentRes?.destroy();
      reject(e);
    };
    const dispose = onDeadline(ctx, fail);

    const send = (url: URL, method: string, body: string | undefined, headers: Record<string, string>, redirects: number, retried: boolean) => {
      const isTls = url.protocol === 'https:';
      const h: Record<string, string> = { 'user-agent': USER_AGENT, accept: '*/*', ...headers };
      if (body !== undefined) h['content-length'] = String(Buffer.byteLength(body));
      const req = (isTls ? https : http).request(url, { method, headers: h, agent: agentFor(url, o.ignoreTlsErrors, o.ca) });
      current = req;
      req.once('error', (e: NodeJS.ErrnoException) => {
        if (settled) return;
        // A keep-alive socket closed by the server just as we reused it: retry once on a fresh one.
        if (!retried && req.reusedSocket && (e.code === 'ECONNRESET' || e.code === 'EPIPE')) {
          send(url, method, body, headers, redirects, true);
          return;
        }
        fail(e);
      });
      req.once('response', (res) => {
        if (settled) { res.destroy(); return; }
        currentRes = res;
        const status = res.statusCode ?? 0;
        const location = res.headers.location;
        if (o.followRedirects && REDIRECTS.has(status) && location) {
          res.resume();
          if (redirects >= o.maxRedirects) return fail(new HttpClientError(`more than ${o.maxRedirects} redirects (last to ${location})`));
          let next: URL;
          try {
            next = new URL(location, url);
          } catch {
            return fail(new HttpClientError(`bad redirect location "${location}"`));
          }
          if (next.protocol !== 'http:' && next.protocol !== 'https:') return fail(new HttpClientError(`redirect to unsupported scheme ${next.protocol}`));
          let nextMethod = method;
          let nextBody = body;
          if (status === 303 || ((status === 301 || status === 302) && method === 'POST')) {
            nextMethod = method === 'HEAD' ? 'HEAD' : 'GET';
            nextBody = undefined;
          }
          let nextHeaders = headers;
          if (next.origin !== url.origin) {
            // Credentials stay with the origin they were meant for.
            nextHeaders = {};
            for (const [k, v] of Object.entries(headers)) {
              const lk = k.toLowerCase();
              if (lk !== 'authorization' && lk !== 'cookie' && lk !== 'proxy-authorization') nextHeaders[k] = v;
            }
          }
          send(next, nextMethod, nextBody, nextHeaders, redirects + 1, false);
          return;
        }
        const ttfbMs = monotonic() - start;
        const done = (bodyBuf: Buffer | null, truncated: boolean) => {
          if (settled) return;
          settled = true;
          dispose();
          resolve({ status, headers: res.headers, body: bodyBuf, truncated, ttfbMs, totalMs: monotonic() - start, redirects, finalUrl: url });
        };
        if (!o.readBody || method === 'HEAD') {
          res.once('end', () => done(null, false));
          res.once('error', fail);
          res.resume();
          return;
        }
        const enc = String(res.headers['content-encoding'] ?? '').toLowerCase();
        const decoder = enc === 'gzip' || enc === 'x-gzip' ? createGunzip() : enc === 'deflate' ? createInflate() : enc === 'br' ? createBrotliDecompress() : null;
        const stream: NodeJS.ReadableStream = decoder ? res.pipe(decoder) : res;
        const chunks: Buffer[] = [];
        let size = 0;
        const onData = (c: Buffer) => {
          if (size + c.length > o.maxBodyBytes) {
            chunks.push(c.subarray(0, o.maxBodyBytes - size));
            size = o.maxBodyBytes;
            stream.removeListener('data', onData);
            res.destroy();
            done(Buffer.concat(chunks, size), true);
            return;
          }
          chunks.push(c);
          size += c.length;
        };
        stream.on('data', onData);
        stream.once('end', () => done(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size), false));
        stream.once('error', (e: Error) => fail(decoder ? new HttpClientError(`cannot decode ${enc} body: ${e.message}`) : e));
        res.once('error', fail);
      });
      if (body !== undefined) req.end(body);
      else req.end();
    };

    try {
      send(o.url, o.method, o.body, o.headers, 0, false);
    } catch (e) {
      fail(e as Error);
    }
  });
}
