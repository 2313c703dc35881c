import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freeTcpPort, skipWithout } from '../../../../test/peers/common.ts';
import { type HttpsPeer, type TestCertificates, makeCertificates, opensslMissing, startHttpsServer } from '../../../../test/peers/tls.ts';
import { TlsSettings, tlsProbe } from './tls.ts';

const ctx = { timeoutMs: 3000 };
const DAY = 86_400_000;

describe('tls settings', () => {
  it('has sensible defaults and refuses inverted thresholds', () => {
    expect(TlsSettings.parse({ host: 'example.org' })).toMatchObject({ port: 443, warnDays: 14, critDays: 3, verifyChain: true, verifyHostname: true });
    expect(TlsSettings.safeParse({ host: 'example.org', warnDays: 3, critDays: 10 }).success).toBe(false);
  });
});

describe.skipIf(skipWithout('tls probe against openssl certificates', opensslMissing()))('tls probe against node:https serving openssl certificates', () => {
  let certs: TestCertificates;
  let soon: HttpsPeer;
  let valid: HttpsPeer;
  let expired: HttpsPeer;
  let other: HttpsPeer;
  beforeAll(async () => {
    certs = makeCertificates();
    [soon, valid, expired, other] = await Promise.all([
      startHttpsServer(certs.selfSigned5d),
      startHttpsServer(certs.valid90d),
      startHttpsServer(certs.expired),
      startHttpsServer(certs.otherName),
    ]);
  });
  afterAll(async () => {
    await Promise.all([soon, valid, expired, other].map((p) => p?.stop()));
    certs?.cleanup();
  });

  const s = (peer: HttpsPeer, extra: Record<string, unknown> = {}) => TlsSettings.parse({ host: 'localhost', port: peer.port, ...extra });

  it('a certificate expiring in 5 days is degraded by default (warn 14 days), with days_left', async () => {
    const r = await tlsProbe.run(s(soon, { ca: certs.selfSigned5d.cert }), ctx);
    expect(r.status, r.message).toBe('degraded');
    expect(r.metrics!.days_left).toBeGreaterThan(4.9);
    expect(r.metrics!.days_left).toBeLessThanOrEqual(5);
    expect(r.metrics).toMatchObject({ chain_valid: 1, hostname_match: 1 });
    expect(r.message).toMatch(/^expires in 5 days \(< 14\) — localhost, TLSv1\.3, valid until \d{4}-\d\d-\d\d \(4 days left\)/);
    expect(r.latencyMs).toBeGreaterThan(0);
  });

  it('is down under critDays, and the clock comes from ctx.now', async () => {
    const r = await tlsProbe.run(s(soon, { ca: certs.selfSigned5d.cert, critDays: 7 }), ctx);
    expect(r.status).toBe('down');
    expect(r.message).toMatch(/expires in .* days \(< 7\)/);
    const later = await tlsProbe.run(s(soon, { ca: certs.selfSigned5d.cert }), { ...ctx, now: () => Date.now() + 6 * DAY });
    expect(later.status).toBe('down');
    expect(later.message).toMatch(/^expired on \d{4}-\d\d-\d\d \(1 days ago\)/);
    expect(later.metrics!.days_left).toBeLessThan(0);
  });

  it('a self-signed certificate is not authorized unless given as CA', async () => {
    const r = await tlsProbe.run(s(soon), ctx);
    expect(r.status).toBe('down');
    expect(r.metrics!.chain_valid).toBe(0);
    expect(r.message).toMatch(/chain not trusted: self-signed certificate/);
    const lenient = await tlsProbe.run(s(soon, { verifyChain: false }), ctx);
    expect(lenient.status).toBe('degraded'); // still 5 days left
    expect(lenient.message).toMatch(/chain not trusted: self-signed certificate \(ignored\)/);
  });

  it('a CA-signed certificate with 90 days left is up with that CA, down without it', async () => {
    const r = await tlsProbe.run(s(valid, { ca: certs.ca }), ctx);
    expect(r.status, r.message).toBe('up');
    expect(r.metrics!.days_left).toBeGreaterThan(89);
    const withoutCa = await tlsProbe.run(s(valid), ctx);
    expect(withoutCa.status).toBe('down');
    expect(withoutCa.message).toMatch(/chain not trusted: (unable to verify the first certificate|issuer not trusted)/);
  });

  it('an expired certificate is down, with its date', async () => {
    const r = await tlsProbe.run(s(expired, { ca: certs.ca }), ctx);
    expect(r.status).toBe('down');
    expect(r.message).toMatch(/^expired on 2020-01-02 \(\d+ days ago\)/);
    expect(r.message).not.toMatch(/chain not trusted/);
    expect(r.metrics!.days_left).toBeLessThan(-365);
  });

  it('a certificate for another name is down for a hostname mismatch (tls.checkServerIdentity)', async () => {
    const r = await tlsProbe.run(s(other, { ca: certs.ca }), ctx);
    expect(r.status).toBe('down');
    expect(r.metrics).toMatchObject({ chain_valid: 1, hostname_match: 0 });
    expect(r.message).toMatch(/does not match localhost \(names: DNS:other\.example\)/);
    expect((await tlsProbe.run(s(other, { ca: certs.ca, servername: 'other.example' }), ctx)).status).toBe('up');
    expect((await tlsProbe.run(s(other, { ca: certs.ca, verifyHostname: false }), ctx)).status).toBe('up');
  });

  it('checks an IP address against the IP SAN', async () => {
    const r = await tlsProbe.run(TlsSettings.parse({ host: '127.0.0.1', port: valid.port, ca: certs.ca }), ctx);
    expect(r.status, r.message).toBe('up');
  });
});

describe('tls probe failures', () => {
  let plain: Server;
  let silent: Server;
  beforeAll(async () => {
    plain = createServer((sock) => sock.end('SSH-2.0-OpenSSH_9.2\r\n'));
    silent = createServer(() => {});
    await Promise.all([plain, silent].map((srv) => new Promise<void>((r) => srv.listen(0, '127.0.0.1', r))));
  });
  afterAll(async () => {
    for (const srv of [plain, silent]) {
      srv.close();
    }
  });

  it('is down when the port is closed', async () => {
    const r = await tlsProbe.run(TlsSettings.parse({ host: '127.0.0.1', port: await freeTcpPort() }), ctx);
    expect(r.status).toBe('down');
    expect(r.message).toMatch(/connection refused/);
  });

  it('is down when the server does not speak TLS', async () => {
    const r = await tlsProbe.run(TlsSettings.parse({ host: '127.0.0.1', port: (plain.address() as AddressInfo).port }), ctx);
    expect(r.status).toBe('down');
    expect(r.message).toMatch(/TLS 127\.0\.0\.1:\d+: /);
  });

  it('is down with a timeout when the server never answers the handshake', async () => {
    const r = await tlsProbe.run(TlsSettings.parse({ host: '127.0.0.1', port: (silent.address() as AddressInfo).port }), { timeoutMs: 200 });
    expect(r.status).toBe('down');
    expect(r.message).toMatch(/timed out after 200 ms/);
  });
});
