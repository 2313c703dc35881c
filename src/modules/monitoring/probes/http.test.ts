import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { skipWithout } from '../../../../test/peers/common.ts';
import { type HttpPeer, startHttpServer } from '../../../../test/peers/http.ts';
import { type HttpsPeer, type TestCertificates, makeCertificates, opensslMissing, startHttpsServer } from '../../../../test/peers/tls.ts';
import { closeHttpAgents } from './http-client.ts';
import { HttpSettings, httpProbe, statusMatches } from './http.ts';

const ctx = { timeoutMs: 3000 };
const settings = (s: Record<string, unknown>) => HttpSettings.parse(s);

describe('expected status patterns', () => {
  it('matches exact codes, classes and ranges', () => {
    expect(statusMatches(200, ['200'])).toBe(true);
    expect(statusMatches(204, ['2xx'])).toBe(true);
    expect(statusMatches(301, ['2xx'])).toBe(false);
    expect(statusMatches(404, ['200-299', '404'])).toBe(true);
    expect(statusMatches(418, ['400-417'])).toBe(false);
    expect(HttpSettings.safeParse({ url: 'http://x/', expectedStatus: ['2xx', '600'] }).success).toBe(false);
    expect(HttpSettings.safeParse({ url: 'ftp://x/' }).success).toBe(false);
    expect(HttpSettings.safeParse({ url: 'http://x/', keyword: { pattern: '(', regex: true } }).success).toBe(false);
    expect(HttpSettings.safeParse({ url: 'http://x/', json: [{ path: 'a[', op: '==', value: 1 }] }).success).toBe(false);
    expect(HttpSettings.safeParse({ url: 'http://x/', body: 'x' }).success).toBe(false);
    expect(HttpSettings.safeParse({ url: 'http://x/', method: 'HEAD', keyword: { pattern: 'x' } }).success).toBe(false);
    expect(HttpSettings.parse({ url: 'http://x/' })).toMatchObject({ method: 'GET', expectedStatus: ['2xx', '3xx'], followRedirects: true, maxRedirects: 5, ignoreTlsErrors: false, latencyWarnMs: 1000 });
    expect(HttpSettings.safeParse({ url: 'http://x/', headers: { 'x-a': 'b\r\nInjected: 1' } }).success).toBe(false);
  });
});

describe('http probe against a real node:http server', () => {
  let peer: HttpPeer;
  beforeAll(async () => {
    peer = await startHttpServer();
  });
  afterAll(async () => {
    closeHttpAgents();
    await peer.stop();
  });

  it('is up on 200 with the transaction time as latency', async () => {
    const r = await httpProbe.run(settings({ url: `${peer.base}/ok` }), ctx);
    expect(r.status).toBe('up');
    expect(r.message).toMatch(/^HTTP 200 in /);
    expect(r.latencyMs).toBeGreaterThan(0);
    expect(r.metrics).toMatchObject({ status_code: 200 });
    expect(r.metrics!.ttfb_ms).toBeLessThanOrEqual(r.latencyMs!);
  });

  it('is down on an unexpected status, and up when that status is expected', async () => {
    const bad = await httpProbe.run(settings({ url: `${peer.base}/status?code=503` }), ctx);
    expect(bad).toMatchObject({ status: 'down' });
    expect(bad.message).toBe(`HTTP 503, expected 2xx, 3xx`);
    expect(bad.latencyMs).toBeGreaterThan(0);
    const ok = await httpProbe.run(settings({ url: `${peer.base}/status?code=404`, expectedStatus: ['200', '404'] }), ctx);
    expect(ok.status).toBe('up');
    const range = await httpProbe.run(settings({ url: `${peer.base}/status?code=418`, expectedStatus: ['400-499'] }), ctx);
    expect(range.status).toBe('up');
  });

  it('sends the method, headers and body it is given', async () => {
    const r = await httpProbe.run(
      settings({ url: `${peer.base}/echo`, method: 'POST', headers: { 'content-type': 'application/json', 'x-vigie': 'probe' }, body: '{"ping":1}', json: [{ path: '$.method', value: 'POST' }, { path: 'headers["x-vigie"]', value: 'probe' }, { path: '$.body', op: 'contains', value: 'ping' }] }),
      ctx,
    );
    expect(r.status).toBe('up');
    const seen = peer.requests.at(-1)!;
    expect(seen).toMatchObject({ method: 'POST', body: '{"ping":1}' });
    expect(seen.headers['user-agent']).toMatch(/Vigie/);
  });

  it('sends HEAD requests and judges their status alone', async () => {
    const r = await httpProbe.run(settings({ url: `${peer.base}/ok`, method: 'HEAD' }), ctx);
    expect(r.status).toBe('up');
    expect(peer.requests.at(-1)!.method).toBe('HEAD');
  });

  it('checks a keyword present or absent, as text or regex, case-insensitively when asked', async () => {
    const url = `${peer.base}/ok`;
    expect((await httpProbe.run(settings({ url, keyword: { pattern: 'operational' } }), ctx)).status).toBe('up');
    const missing = await httpProbe.run(settings({ url, keyword: { pattern: 'OPERATIONAL' } }), ctx);
    expect(missing.status).toBe('down');
    expect(missing.message).toMatch(/"OPERATIONAL" not found/);
    expect((await httpProbe.run(settings({ url, keyword: { pattern: 'OPERATIONAL', caseSensitive: false } }), ctx)).status).toBe('up');
    expect((await httpProbe.run(settings({ url, keyword: { pattern: '^all \\w+ operational$', regex: true } }), ctx)).status).toBe('up');
    const absent = await httpProbe.run(settings({ url: `${peer.base}/error-page`, keyword: { pattern: 'fatal error', caseSensitive: false, mode: 'absent', severity: 'degraded' } }), ctx);
    expect(absent.status).toBe('degraded');
    expect(absent.message).toMatch(/"fatal error" found/);
  });

  it('reads a gzip body for the keyword', async () => {
    const r = await httpProbe.run(settings({ url: `${peer.base}/gzip`, headers: { 'accept-encoding': 'gzip' }, keyword: { pattern: 'keyword inside' } }), ctx);
    expect(r.status).toBe('up');
  });

  it('evaluates JSON path assertions with ==, !=, <, >, contains and exists', async () => {
    const url = `${peer.base}/health`;
    const ok = await httpProbe.run(
      settings({
        url,
        json: [
          { path: '$.status', op: '==', value: 'ok' },
          { path: 'data.items[0].ok', op: '==', value: true },
          { path: '$.data.items[-1].id', op: '==', value: 2 },
          { path: '$.data.count', op: '>', value: 1 },
          { path: '$.load', op: '<', value: 0.9 },
          { path: '$.version', op: '!=', value: '1.0.0' },
          { path: '$.version', op: 'contains', value: '2.4' },
          { path: '$["odd key"]', value: 'yes' },
          { path: '$.error', op: 'exists', value: false },
        ],
      }),
      ctx,
    );
    expect(ok.status, ok.message).toBe('up');
    const bad = await httpProbe.run(settings({ url, json: [{ path: 'data.items[1].ok', value: true }, { path: '$.load', op: '>', value: 0.9, severity: 'degraded' }] }), ctx);
    expect(bad.status).toBe('down');
    expect(bad.message).toMatch(/data\.items\[1\]\.ok == true failed: got false/);
    expect(bad.message).toMatch(/\$\.load > 0\.9 failed: got 0\.42/);
    const degraded = await httpProbe.run(settings({ url, json: [{ path: '$.load', op: '>', value: 0.9, severity: 'degraded' }] }), ctx);
    expect(degraded.status).toBe('degraded');
    const notFound = await httpProbe.run(settings({ url, json: [{ path: '$.nope.deeper', value: 1 }] }), ctx);
    expect(notFound.message).toMatch(/\$\.nope\.deeper not found/);
    const notJson = await httpProbe.run(settings({ url: `${peer.base}/not-json`, json: [{ path: '$.status', value: 'ok' }] }), ctx);
    expect(notJson.status).toBe('down');
    expect(notJson.message).toMatch(/body is not JSON/);
  });

  it('follows redirects (or not), and stops at maxRedirects', async () => {
    const followed = await httpProbe.run(settings({ url: `${peer.base}/redirect?n=2`, expectedStatus: ['200'], keyword: { pattern: 'operational' } }), ctx);
    expect(followed.status).toBe('up');
    expect(followed.message).toMatch(/after 2 redirects to http:\/\/127\.0\.0\.1:\d+\/ok/);
    const notFollowed = await httpProbe.run(settings({ url: `${peer.base}/redirect`, followRedirects: false, expectedStatus: ['200'] }), ctx);
    expect(notFollowed.status).toBe('down');
    expect(notFollowed.message).toMatch(/HTTP 302, expected 200/);
    const tooMany = await httpProbe.run(settings({ url: `${peer.base}/redirect?n=5`, maxRedirects: 3 }), ctx);
    expect(tooMany.status).toBe('down');
    expect(tooMany.message).toMatch(/more than 3 redirects/);
    const postTo303 = await httpProbe.run(settings({ url: `${peer.base}/redirect?code=303`, method: 'POST', body: 'x' }), ctx);
    expect(postTo303.status).toBe('up');
    expect(peer.requests.at(-1)).toMatchObject({ method: 'GET', url: '/ok', body: '' });
  });

  it('applies the transaction-time thresholds: degraded, then down', async () => {
    const slow = await httpProbe.run(settings({ url: `${peer.base}/slow?ms=150`, latencyWarnMs: 100 }), ctx);
    expect(slow.status).toBe('degraded');
    expect(slow.latencyMs).toBeGreaterThanOrEqual(150);
    expect(slow.message).toMatch(/slow: \d+ ms > 100 ms/);
    const tooSlow = await httpProbe.run(settings({ url: `${peer.base}/slow?ms=150`, latencyWarnMs: 50, latencyCritMs: 100 }), ctx);
    expect(tooSlow.status).toBe('down');
  });

  it('is down with "timed out" when the server does not answer in time', async () => {
    const r = await httpProbe.run(settings({ url: `${peer.base}/slow?ms=5000` }), { timeoutMs: 200 });
    expect(r).toMatchObject({ status: 'down', latencyMs: null });
    expect(r.message).toMatch(/timed out after 200 ms/);
  });

  it('is down with "connection refused" when nothing listens', async () => {
    const other = await startHttpServer();
    const url = `${other.base}/ok`;
    await other.stop();
    const r = await httpProbe.run(settings({ url }), ctx);
    expect(r.status).toBe('down');
    expect(r.message).toMatch(/connection refused/);
  });

  it('cuts a large body at maxBodyBytes and says so', async () => {
    const r = await httpProbe.run(settings({ url: `${peer.base}/big?bytes=3000000`, keyword: { pattern: 'zzz' }, maxBodyBytes: 65536 }), ctx);
    expect(r.status).toBe('down');
    expect(r.message).toMatch(/"zzz" not found in the first 65536 bytes/);
    expect(r.metrics?.body_bytes).toBe(65536);
  });

  it('keeps working over reused keep-alive connections', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, () => httpProbe.run(settings({ url: `${peer.base}/ok` }), ctx)));
    expect(results.every((r) => r.status === 'up')).toBe(true);
    const again = await Promise.all(Array.from({ length: 20 }, () => httpProbe.run(settings({ url: `${peer.base}/ok` }), ctx)));
    expect(again.every((r) => r.status === 'up')).toBe(true);
  });
});

describe.skipIf(skipWithout('https probe with openssl certificates', opensslMissing()))('http probe over HTTPS with openssl certificates', () => {
  let certs: TestCertificates;
  let selfSigned: HttpsPeer;
  let expired: HttpsPeer;
  let otherName: HttpsPeer;
  beforeAll(async () => {
    certs = makeCertificates();
    selfSigned = await startHttpsServer(certs.selfSigned5d);
    expired = await startHttpsServer(certs.expired);
    otherName = await startHttpsServer(certs.otherName);
  });
  afterAll(async () => {
    closeHttpAgents();
    await selfSigned?.stop();
    await expired?.stop();
    await otherName?.stop();
    certs?.cleanup();
  });

  it('is down on a self-signed certificate, up with ignoreTlsErrors or with it as CA', async () => {
    const strict = await httpProbe.run(settings({ url: selfSigned.url }), ctx);
    expect(strict.status).toBe('down');
    expect(strict.message).toMatch(/self-signed certificate/);
    expect((await httpProbe.run(settings({ url: selfSigned.url, ignoreTlsErrors: true }), ctx)).status).toBe('up');
    expect((await httpProbe.run(settings({ url: selfSigned.url, ca: certs.selfSigned5d.cert }), ctx)).status).toBe('up');
  });

  it('is down on an expired certificate unless TLS errors are ignored', async () => {
    const r = await httpProbe.run(settings({ url: expired.url, ca: certs.ca }), ctx);
    expect(r.status).toBe('down');
    expect(r.message).toMatch(/certificate has expired/);
    expect((await httpProbe.run(settings({ url: expired.url, ignoreTlsErrors: true }), ctx)).status).toBe('up');
  });

  it('is down when the certificate does not name the host', async () => {
    const r = await httpProbe.run(settings({ url: otherName.url, ca: certs.ca }), ctx);
    expect(r.status).toBe('down');
    expect(r.message).toMatch(/certificate does not match the host name/);
    expect((await httpProbe.run(settings({ url: otherName.url, ca: certs.ca, ignoreTlsErrors: true }), ctx)).status).toBe('up');
  });
});
