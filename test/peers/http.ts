/**
 * A plain node:http server on 127.0.0.1:<free port> with the routes the probe tests need
 * (statuses, JSON, slow answers, redirects, compressed and large bodies). Node is always there,
 * so this peer is never absent.
 */
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import type { Peer } from './common.ts';

export interface HttpPeer extends Peer {
  /** `http://127.0.0.1:<port>`. */
  base: string;
  server: Server;
  /** Requests seen: method, path, headers and body. */
  requests: { method: string; url: string; headers: IncomingMessage['headers']; body: string }[];
}

export const HEALTH_JSON = { status: 'ok', version: '2.4.1', data: { items: [{ id: 1, ok: true }, { id: 2, ok: false }], count: 2 }, 'odd key': 'yes', load: 0.42 };

function route(req: IncomingMessage, res: ServerResponse, body: string): void {
  const u = new URL(req.url ?? '/', 'http://x');
  const p = u.pathname;
  if (p === '/ok') return void res.end('all systems operational');
  if (p === '/health') {
    res.setHeader('content-type', 'application/json');
    return void res.end(JSON.stringify(HEALTH_JSON));
  }
  if (p === '/status') {
    res.statusCode = Number(u.searchParams.get('code') ?? 200);
    return void res.end(`status ${res.statusCode}`);
  }
  if (p === '/slow') {
    const ms = Number(u.searchParams.get('ms') ?? 500);
    const t = setTimeout(() => res.end('finally'), ms);
    res.on('close', () => clearTimeout(t));
    return;
  }
  if (p === '/redirect') {
    const n = Number(u.searchParams.get('n') ?? 1);
    res.statusCode = Number(u.searchParams.get('code') ?? 302);
    res.setHeader('location', n > 1 ? `/redirect?n=${n - 1}&code=${res.statusCode}` : '/ok');
    return void res.end();
  }
  if (p === '/echo') {
    res.setHeader('content-type', 'application/json');
    return void res.end(JSON.stringify({ method: req.method, headers: req.headers, body }));
  }
  if (p === '/gzip') {
    res.setHeader('content-encoding', 'gzip');
    return void res.end(gzipSync('compressed keyword inside'));
  }
  if (p === '/big') {
    const size = Number(u.searchParams.get('bytes') ?? 2_000_000);
    res.setHeader('content-length', size);
    return void res.end(Buffer.alloc(size, 'a'));
  }
  if (p === '/not-json') return void res.end('<html>maintenance</html>');
  if (p === '/error-page') return void res.end('<h1>Fatal error</h1> database unavailable');
  res.statusCode = 404;
  res.end('not found');
}

/** Starts the HTTP server. */
export async function startHttpServer(): Promise<HttpPeer> {
  const requests: HttpPeer['requests'] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (body += d));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      route(req, res, body);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  let stopped = false;
  return {
    host: '127.0.0.1',
    port,
    base: `http://127.0.0.1:${port}`,
    server,
    requests,
    async stop() {
      if (stopped) return;
      stopped = true;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
