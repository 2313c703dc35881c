import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freeTcpPort } from '../../../../test/peers/common.ts';
import { probes } from './index.ts';
import { TcpSettings, tcpProbe } from './tcp.ts';

describe('tcp probe against a real listener', () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    server = createServer((s) => s.end());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('is up with the connect time as latency', async () => {
    const r = await tcpProbe.run(TcpSettings.parse({ host: '127.0.0.1', port }), { timeoutMs: 2000 });
    expect(r.status).toBe('up');
    expect(r.latencyMs).toBeGreaterThan(0);
    expect(r.latencyMs).toBeLessThan(500);
    expect(r.message).toMatch(new RegExp(`TCP 127.0.0.1:${port} open`));
  });

  it('is degraded above the warning latency and down above the critical one', async () => {
    // Thresholds of 0 ms (below what the schema accepts) make any real connect "slow".
    const s = TcpSettings.parse({ host: '127.0.0.1', port });
    const r = await tcpProbe.run({ ...s, latencyWarnMs: 0 }, { timeoutMs: 2000 });
    expect(r.status).toBe('degraded');
    expect(r.message).toMatch(/slow: .* > 0 ms/);
    const d = await tcpProbe.run({ ...s, latencyWarnMs: 0, latencyCritMs: 0 }, { timeoutMs: 2000 });
    expect(d.status).toBe('down');
    expect(d.message).toMatch(/too slow/);
  });

  it('is down with "connection refused" on a closed port', async () => {
    const closed = await freeTcpPort();
    const r = await tcpProbe.run(TcpSettings.parse({ host: '127.0.0.1', port: closed }), { timeoutMs: 2000 });
    expect(r).toMatchObject({ status: 'down', latencyMs: null });
    expect(r.message).toMatch(/connection refused/);
  });

  it('is down, not an exception, when the run is aborted before the connection completes', async () => {
    const r = await tcpProbe.run(TcpSettings.parse({ host: '127.0.0.1', port }), { timeoutMs: 2000, signal: AbortSignal.abort() });
    expect(r).toMatchObject({ status: 'down', latencyMs: null });
    expect(r.message).toMatch(/aborted/);
  });

  it('is down for a name that does not resolve', async () => {
    const r = await probes.tcp.run(TcpSettings.parse({ host: 'no-such-host.invalid', port: 80 }), { timeoutMs: 3000 });
    expect(r.status).toBe('down');
    expect(r.message).toMatch(/host name not found|temporary DNS failure/);
  });

  it('rejects settings that could become command-line options', () => {
    expect(TcpSettings.safeParse({ host: '-oProxyCommand=x', port: 22 }).success).toBe(false);
    expect(TcpSettings.safeParse({ host: '127.0.0.1', port: 70000 }).success).toBe(false);
  });
});
