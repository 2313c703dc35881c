import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findBinary, skipWithout } from '../../../../test/peers/common.ts';
import { IcmpSettings, createIcmpProbe, icmpProbe, parsePingOutput } from './icmp.ts';

const IPUTILS_OK = `PING 127.0.0.1 (127.0.0.1) 56(84) bytes of data.

--- 127.0.0.1 ping statistics ---
3 packets transmitted, 3 received, 0% packet loss, time 408ms
rtt min/avg/max/mdev = 0.024/0.215/0.597/0.270 ms
`;
const IPUTILS_LOSS = `--- 192.0.2.7 ping statistics ---
3 packets transmitted, 1 received, 66.6667% packet loss, time 2030ms
rtt min/avg/max/mdev = 12.100/12.100/12.100/0.000 ms
`;
const IPUTILS_NONE = `--- 192.0.2.8 ping statistics ---
3 packets transmitted, 0 received, +3 errors, 100% packet loss, time 2041ms
`;
const BUSYBOX = `--- 10.0.0.1 ping statistics ---
4 packets transmitted, 4 packets received, 0% packet loss
round-trip min/avg/max = 0.061/0.082/0.112 ms
`;

describe('ping output parsing', () => {
  it('reads loss and round-trip figures of iputils and BusyBox', () => {
    expect(parsePingOutput(IPUTILS_OK)).toEqual({ transmitted: 3, received: 3, lossPercent: 0, rttMin: 0.024, rttAvg: 0.215, rttMax: 0.597 });
    expect(parsePingOutput(IPUTILS_LOSS)).toMatchObject({ received: 1, lossPercent: 66.6667, rttAvg: 12.1 });
    expect(parsePingOutput(IPUTILS_NONE)).toMatchObject({ received: 0, lossPercent: 100, rttAvg: null });
    expect(parsePingOutput(BUSYBOX)).toMatchObject({ transmitted: 4, received: 4, rttAvg: 0.082 });
    expect(parsePingOutput('ping: unknown host')).toBeNull();
  });

  it('validates thresholds', () => {
    expect(IcmpSettings.safeParse({ host: '127.0.0.1', lossWarnPercent: 50, lossCritPercent: 20 }).success).toBe(false);
    expect(IcmpSettings.safeParse({ host: '--help' }).success).toBe(false);
    expect(IcmpSettings.parse({ host: 'example.org' })).toMatchObject({ count: 3, intervalMs: 200, lossWarnPercent: 20, lossCritPercent: 100, latencyWarnMs: 200 });
  });
});

const pingMissing = findBinary('ping') ? null : 'ping is not installed (Debian package iputils-ping)';

describe.skipIf(skipWithout('icmp probe with the real ping', pingMissing))('icmp probe with the real ping', () => {
  it('pings 127.0.0.1: up, no loss, a round-trip time', async () => {
    const r = await icmpProbe.run(IcmpSettings.parse({ host: '127.0.0.1', count: 3 }), { timeoutMs: 5000 });
    expect(r.status).toBe('up');
    expect(r.metrics?.loss_percent).toBe(0);
    expect(r.latencyMs).toBeGreaterThan(0);
    expect(r.latencyMs).toBe(r.metrics?.rtt_avg_ms);
    expect(r.message).toMatch(/^ping 127\.0\.0\.1: 3\/3 replies, 0% loss, rtt avg/);
  });

  it('is degraded when the round trip is above the warning threshold', async () => {
    const s = IcmpSettings.parse({ host: '127.0.0.1', count: 1 });
    const r = await icmpProbe.run({ ...s, latencyWarnMs: 0 }, { timeoutMs: 5000 });
    expect(r.status).toBe('degraded');
    expect(r.message).toMatch(/slow/);
  });

  it('is down with the resolver error for a name that does not exist', async () => {
    const r = await icmpProbe.run(IcmpSettings.parse({ host: 'no-such-host.invalid', count: 1 }), { timeoutMs: 5000 });
    expect(r.status).toBe('down');
    expect(r.message).toMatch(/no-such-host\.invalid.*(not known|failure|resolve)/i);
  });

  it('is down when the run is aborted', async () => {
    const r = await icmpProbe.run(IcmpSettings.parse({ host: '127.0.0.1', count: 5, intervalMs: 1000 }), { timeoutMs: 10_000, signal: AbortSignal.timeout(300) });
    expect(r.status).toBe('down');
    expect(r.message).toMatch(/aborted/);
  });
});

describe('icmp probe where ping cannot run', () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    server = createServer((s) => s.end());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  const noPing = createIcmpProbe({ pingPath: '/nonexistent/ping' });

  it('falls back to a TCP connect on the fallback port and says so', async () => {
    const r = await noPing.run(IcmpSettings.parse({ host: '127.0.0.1', fallbackPort: port }), { timeoutMs: 2000 });
    expect(r.status).toBe('up');
    expect(r.message).toMatch(new RegExp(`/nonexistent/ping not found; TCP connect to 127\\.0\\.0\\.1:${port} instead: connected in`));
    expect(r.metrics).toEqual({ fallback_tcp: 1 });
  });

  it('is down, saying why, without a fallback port', async () => {
    const r = await noPing.run(IcmpSettings.parse({ host: '127.0.0.1' }), { timeoutMs: 2000 });
    expect(r.status).toBe('down');
    expect(r.message).toMatch(/cannot ping 127\.0\.0\.1 from this worker \(\/nonexistent\/ping not found\) and no fallback port is set/);
  });

  it('is down when the fallback port refuses too', async () => {
    const other = createServer();
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
    const closedPort = (other.address() as AddressInfo).port;
    await new Promise<void>((r) => other.close(() => r()));
    const r = await noPing.run(IcmpSettings.parse({ host: '127.0.0.1', fallbackPort: closedPort }), { timeoutMs: 2000 });
    expect(r.status).toBe('down');
    expect(r.message).toMatch(/TCP connect to .* instead: connection refused/);
  });
});
