import { readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freeUdpPort, skipWithout, started } from '../../../../test/peers/common.ts';
import { SNMP_V3_MD5_USER, SNMP_V3_USER, type SnmpdPeer, snmpdMissing, startSnmpd } from '../../../../test/peers/snmpd.ts';
import type { ProbeResult } from './types.ts';
import { type InterfaceState, SnmpSettings, counterDelta, fmtBps, memoryFromHrStorage, snmpProbe, toBigInt } from './snmp.ts';

const ctx = { timeoutMs: 3000 };
const SYS_NAME = '1.3.6.1.2.1.1.5.0';
const SYS_UPTIME = '1.3.6.1.2.1.1.3.0';

describe('snmp pure parts', () => {
  it('counter deltas survive one wraparound of 32- and 64-bit counters', () => {
    expect(counterDelta(100n, 350n, 32)).toBe(250n);
    expect(counterDelta(2n ** 32n - 100n, 50n, 32)).toBe(150n);
    expect(counterDelta(2n ** 64n - 1n, 9n, 64)).toBe(10n);
    expect(counterDelta(5n, 5n, 64)).toBe(0n);
  });

  it('reads Counter64 buffers as bigints', () => {
    expect(toBigInt(Buffer.from([0x01, 0x31, 0xbb, 0x2e, 0x42]))).toBe(0x0131bb2e42n);
    expect(toBigInt(Buffer.from('ffffffffffffffff', 'hex'))).toBe(2n ** 64n - 1n);
    expect(toBigInt(Buffer.alloc(0))).toBe(0n);
    expect(toBigInt(42)).toBe(42n);
    expect(toBigInt('x' as never)).toBeNull();
  });

  it('formats bit rates', () => {
    expect(fmtBps(950)).toBe('950 bit/s');
    expect(fmtBps(1_234_567)).toBe('1.23 Mbit/s');
    expect(fmtBps(10e9)).toBe('10 Gbit/s');
  });

  it('RAM used from hrStorage: "Available memory" first, else buffers and cache discounted', () => {
    const RAM = '1.3.6.1.2.1.25.2.1.2';
    const OTHER = '1.3.6.1.2.1.25.2.1.1';
    const rows = new Map([
      [1, { type: RAM, descr: 'Physical memory', unit: 1024, size: 1000, used: 900 }],
      [6, { type: OTHER, descr: 'Memory buffers', unit: 1024, size: 1000, used: 100 }],
      [7, { type: OTHER, descr: 'Cached memory', unit: 1024, size: 300, used: 300 }],
    ]);
    expect(memoryFromHrStorage(rows)).toEqual({ usedPercent: 50, totalBytes: 1024000 });
    rows.set(11, { type: OTHER, descr: 'Available memory', unit: 1024, size: 600, used: 0 });
    expect(memoryFromHrStorage(rows)!.usedPercent).toBe(40);
    expect(memoryFromHrStorage(new Map([[1, { type: RAM, descr: 'Physical Memory', unit: 65536, size: 100, used: 73 }]]))!.usedPercent).toBe(73);
    expect(memoryFromHrStorage(new Map())).toBeNull();
  });

  it('validates settings: one interface selector, v3 keys per level, numeric OIDs', () => {
    expect(SnmpSettings.safeParse({ mode: 'interface', host: 'sw1' }).success).toBe(false);
    expect(SnmpSettings.safeParse({ mode: 'interface', host: 'sw1', ifIndex: 1, ifName: 'x' }).success).toBe(false);
    expect(SnmpSettings.safeParse({ mode: 'system', host: 'sw1', credentials: { version: '3', user: 'u', level: 'authPriv', authKey: 'abcdefgh' } }).success).toBe(false);
    expect(SnmpSettings.safeParse({ mode: 'system', host: 'sw1', credentials: { version: '3', user: 'u', level: 'noAuthNoPriv' } }).success).toBe(true);
    expect(SnmpSettings.safeParse({ mode: 'get', host: 'sw1', oids: [{ oid: 'sysName.0' }] }).success).toBe(false);
    const s = SnmpSettings.parse({ mode: 'get', host: 'sw1', oids: [{ oid: '.1.3.6.1.2.1.1.5.0' }] });
    expect(s).toMatchObject({ port: 161, credentials: { version: '2c', community: 'public' }, retries: 1, oids: [{ oid: '1.3.6.1.2.1.1.5.0' }] });
  });
});

/** Sends `bytes` over a loopback TCP connection: traffic that lo's counters will show. */
async function loopbackTraffic(bytes: number): Promise<void> {
  const server = createServer((s) => s.resume());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve, reject) => {
    const c = connect(port, '127.0.0.1', () => c.end(Buffer.alloc(bytes, 1)));
    c.on('error', reject);
    c.on('close', () => resolve());
  });
  await new Promise<void>((r) => server.close(() => r()));
}

describe.skipIf(skipWithout('snmp probe against snmpd', snmpdMissing()))('snmp probe against snmpd', () => {
  let peer: SnmpdPeer;
  beforeAll(async () => {
    peer = started(await startSnmpd());
  });
  afterAll(async () => {
    await peer?.stop();
  });
  const v2c = () => ({ host: peer.host, port: peer.port, credentials: { version: '2c', community: peer.community } });
  const v3 = (extra: Record<string, unknown> = {}) => ({
    host: peer.host,
    port: peer.port,
    credentials: { version: '3', user: SNMP_V3_USER.user, level: 'authPriv', authProtocol: 'sha', authKey: SNMP_V3_USER.authKey, privProtocol: 'aes', privKey: SNMP_V3_USER.privKey, ...extra },
  });
  const run = (s: Record<string, unknown>, c: Parameters<typeof snmpProbe.run>[1] = ctx) => snmpProbe.run(SnmpSettings.parse(s), c);

  describe('get', () => {
    it('reads sysName and sysUpTime over v2c', async () => {
      const r = await run({ ...v2c(), mode: 'get', oids: [{ oid: SYS_NAME, label: 'sysName' }, { oid: SYS_UPTIME, label: 'sysUpTime' }] });
      expect(r.status, r.message).toBe('up');
      expect(r.message).toMatch(/^sysName=vigie-snmpd-peer, sysUpTime=\d+$/);
      expect(r.metrics!.sysUpTime).toBeGreaterThan(0);
      expect(r.metrics!.sysName).toBeUndefined();
      expect(r.latencyMs).toBeGreaterThan(0);
    });

    it('compares numbers and strings: degraded and down conditions', async () => {
      const young = await run({ ...v2c(), mode: 'get', oids: [{ oid: SYS_UPTIME, label: 'uptime', degradedIf: { op: '<', value: 8_640_000 } }] });
      expect(young.status).toBe('degraded'); // snmpd started less than a day ago
      expect(young.message).toMatch(/uptime < 8640000/);
      const renamed = await run({ ...v2c(), mode: 'get', oids: [{ oid: SYS_NAME, downIf: { op: '!=', value: 'core-switch' } }] });
      expect(renamed.status).toBe('down');
      expect(renamed.message).toMatch(/1\.3\.6\.1\.2\.1\.1\.5\.0 != core-switch/);
      const fine = await run({ ...v2c(), mode: 'get', oids: [{ oid: SYS_NAME, downIf: { op: '!=', value: 'vigie-snmpd-peer' } }, { oid: SYS_UPTIME, downIf: { op: '<=', value: 0 }, degradedIf: { op: '>=', value: 1e12 } }] });
      expect(fine.status, fine.message).toBe('up');
    });

    it('is down for an OID the agent does not have', async () => {
      const r = await run({ ...v2c(), mode: 'get', oids: [{ oid: SYS_NAME }, { oid: '1.3.6.1.2.1.99.42.0', label: 'missing' }] });
      expect(r.status).toBe('down');
      expect(r.message).toMatch(/missing: NoSuch(Object|Instance)/);
    });

    it('is down, within the timeout, for a wrong community', async () => {
      const t0 = Date.now();
      const r = await run({ ...v2c(), credentials: { version: '2c', community: 'wrong' }, mode: 'get', oids: [{ oid: SYS_NAME }] }, { timeoutMs: 600 });
      expect(r.status).toBe('down');
      expect(r.message).toMatch(/no answer from 127\.0\.0\.1:\d+ within 600 ms \(agent down, unreachable, or wrong community\)/);
      expect(Date.now() - t0).toBeLessThan(1500);
    });

    it('v3 authPriv (SHA + AES) reads sysName', async () => {
      const r = await run({ ...v3(), mode: 'get', oids: [{ oid: SYS_NAME, label: 'sysName' }] });
      expect(r.status, r.message).toBe('up');
      expect(r.message).toBe('sysName=vigie-snmpd-peer');
    });

    it('v3 authNoPriv (MD5) reads sysName', async () => {
      const r = await run({ host: peer.host, port: peer.port, credentials: { version: '3', user: SNMP_V3_MD5_USER.user, level: 'authNoPriv', authProtocol: 'md5', authKey: SNMP_V3_MD5_USER.authKey }, mode: 'get', oids: [{ oid: SYS_NAME }] });
      expect(r.status, r.message).toBe('up');
    });

    it('v3 with a wrong key or an unknown user is down with the agent\'s reason', async () => {
      const badKey = await run({ ...v3({ authKey: 'not-the-right-key' }), mode: 'get', oids: [{ oid: SYS_NAME }] });
      expect(badKey.status).toBe('down');
      expect(badKey.message).toMatch(/Wrong Digest/i);
      const noUser = await run({ ...v3({ user: 'nobody-here' }), mode: 'get', oids: [{ oid: SYS_NAME }] });
      expect(noUser.status).toBe('down');
      expect(noUser.message).toMatch(/Unknown User Name/i);
    });
  });

  describe('interface', () => {
    it('lo by ifName: up, then a traffic rate > 0 from two samples', async () => {
      const first = await run({ ...v2c(), mode: 'interface', ifName: 'lo' });
      expect(first.status, first.message).toBe('up');
      expect(first.message).toMatch(/^lo \(ifIndex \d+\) up, first sample: rates from the next run$/);
      expect(first.metrics).toMatchObject({ oper_status: 1, admin_status: 1 });
      const state = first.state as InterfaceState;
      expect(state).toMatchObject({ v: 1, bits: 64, key: 'ifName=lo' });
      expect(JSON.parse(JSON.stringify(state))).toEqual(state); // plain JSON

      // snmpd refreshes its interface counters every few seconds: send traffic, then sample again
      // against the first state until the counters have moved.
      let second: ProbeResult | undefined;
      const deadline = Date.now() + 20_000;
      while (Date.now() < deadline) {
        await loopbackTraffic(2_000_000);
        await new Promise((r) => setTimeout(r, 1000));
        second = await run({ ...v2c(), mode: 'interface', ifName: 'lo', utilizationWarnPercent: 1000 }, { ...ctx, state });
        if ((second.metrics?.in_bps ?? 0) > 0) break;
      }
      expect(second!.status, second!.message).toBe('up');
      expect(second!.metrics!.in_bps).toBeGreaterThan(0);
      expect(second!.metrics!.out_bps).toBeGreaterThan(0);
      expect(second!.message).toMatch(/^lo \(ifIndex \d+\) up, in [\d.]+ [kMG]?bit\/s, out [\d.]+ [kMG]?bit\/s/);
      // 2 MB sent at least once over the interval: 16 Mbit over at most ~21 s.
      expect(second!.metrics!.in_bps).toBeGreaterThan(16e6 / 25);
      expect((second!.state as InterfaceState).t).toBeGreaterThan(state.t);
    }, 40_000);

    it('handles a counter that wrapped since the previous sample, and ignores samples from before an agent restart', async () => {
      const first = await run({ ...v2c(), mode: 'interface', ifName: 'lo' });
      const state = first.state as InterfaceState;
      // As if the 64-bit counter had been 1000 octets short of wrapping one second earlier.
      const wrapped: InterfaceState = { ...state, t: state.t - 1000, in: (2n ** 64n - 1000n).toString() };
      const r = await run({ ...v2c(), mode: 'interface', ifName: 'lo', utilizationWarnPercent: 1000 }, { ...ctx, state: wrapped });
      const expectedMin = Number((BigInt(state.in) + 1000n) * 8n) / 1.5; // dt ≈ 1 s (+ the run time)
      expect(r.metrics!.in_bps).toBeGreaterThan(expectedMin);
      expect(Number.isFinite(r.metrics!.in_bps)).toBe(true);
      const restarted = await run({ ...v2c(), mode: 'interface', ifName: 'lo' }, { ...ctx, state: { ...state, uptime: state.uptime + 1e9 } });
      expect(restarted.message).toMatch(/agent restarted: rates from the next run/);
      expect(restarted.metrics!.in_bps).toBeUndefined();
      const foreign = await run({ ...v2c(), mode: 'interface', ifName: 'lo' }, { ...ctx, state: { something: 'else' } });
      expect(foreign.message).toMatch(/first sample/);
    });

    it('finds the interface by ifIndex and by ifDescr too; an unknown one is down', async () => {
      const byName = await run({ ...v2c(), mode: 'interface', ifName: 'lo' });
      const idx = (byName.state as InterfaceState).ifIndex;
      const byIndex = await run({ ...v2c(), mode: 'interface', ifIndex: idx });
      expect(byIndex.status).toBe('up');
      expect(byIndex.message).toMatch(new RegExp(`^lo \\(ifIndex ${idx}\\) up`));
      const byDescr = await run({ ...v2c(), mode: 'interface', ifDescr: 'lo' });
      expect(byDescr.status).toBe('up');
      const unknown = await run({ ...v2c(), mode: 'interface', ifName: 'nonexistent0' });
      expect(unknown.status).toBe('down');
      expect(unknown.message).toMatch(/no interface with ifName=nonexistent0/);
      const badIndex = await run({ ...v2c(), mode: 'interface', ifIndex: 99999 });
      expect(badIndex.status).toBe('down');
      expect(badIndex.message).toMatch(/no interface with ifIndex 99999/);
    });

    it('re-finds an interface whose cached index moved', async () => {
      const first = await run({ ...v2c(), mode: 'interface', ifName: 'lo' });
      const state = first.state as InterfaceState;
      const stale = { ...state, ifIndex: state.ifIndex + 1000 };
      const r = await run({ ...v2c(), mode: 'interface', ifName: 'lo' }, { ...ctx, state: stale });
      expect(r.status).toBe('up');
      expect((r.state as InterfaceState).ifIndex).toBe(state.ifIndex);
    });

    it('works over v3 authPriv', async () => {
      const r = await run({ ...v3(), mode: 'interface', ifName: 'lo' });
      expect(r.status, r.message).toBe('up');
    });
  });

  describe('system', () => {
    it('sysName, uptime and RAM used from HOST-RESOURCES-MIB (matching /proc/meminfo)', async () => {
      const r = await run({ ...v2c(), mode: 'system', memoryWarnPercent: 100, memoryCritPercent: 100, cpuWarnPercent: 100, cpuCritPercent: 100 });
      expect(r.status, r.message).toBe('up');
      expect(r.message).toMatch(/^vigie-snmpd-peer, up \d+ s, /);
      expect(r.message).toMatch(/RAM [\d.]+% used of [\d.]+ GiB/);
      expect(r.message).toMatch(/Linux/);
      const mi = readFileSync('/proc/meminfo', 'utf8');
      const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(mi)![1]);
      const expected = (1 - kb('MemAvailable') / kb('MemTotal')) * 100;
      expect(Math.abs(r.metrics!.memory_used_percent! - expected)).toBeLessThan(5);
      expect(r.metrics!.memory_total_bytes).toBeGreaterThan(0);
      expect(r.metrics!.uptime_s).toBeGreaterThanOrEqual(0);
    });

    it('is degraded or down above the RAM thresholds', async () => {
      const r = await run({ ...v2c(), mode: 'system', memoryWarnPercent: 0, memoryCritPercent: 100 });
      expect(r.status).toBe('degraded');
      expect(r.message).toMatch(/RAM above 0%/);
    });

    // snmpd computes hrProcessorLoad over a minute of history: it appears ~60 s after start-up.
    it('average CPU load from hrProcessorLoad once snmpd has a minute of history', async () => {
      const early = await run({ ...v2c(), mode: 'system' });
      if (Date.now() - peer.startedAt < 55_000) expect(early.message).toMatch(/CPU load not exposed/);
      let r = early;
      const deadline = peer.startedAt + 100_000;
      while (r.metrics?.cpu_percent === undefined && Date.now() < deadline) {
        await new Promise((res) => setTimeout(res, 2000));
        r = await run({ ...v2c(), mode: 'system', cpuWarnPercent: 100, cpuCritPercent: 100 });
      }
      expect(r.metrics!.cpu_percent, r.message).toBeGreaterThanOrEqual(0);
      expect(r.metrics!.cpu_percent).toBeLessThanOrEqual(100);
      expect(r.metrics!.cpu_count).toBeGreaterThanOrEqual(1);
      expect(r.message).toMatch(/CPU [\d.]+% \(\d+ cores\)/);
      const hot = await run({ ...v2c(), mode: 'system', cpuWarnPercent: 0, cpuCritPercent: 100 });
      expect(hot.status === 'degraded' || hot.metrics!.cpu_percent === 0).toBe(true);
    }, 120_000);
  });

  it('is down with "no answer" when nothing listens on the port', async () => {
    const port = await freeUdpPort();
    const r = await run({ host: '127.0.0.1', port, mode: 'get', oids: [{ oid: SYS_NAME }] }, { timeoutMs: 500 });
    expect(r.status).toBe('down');
    expect(r.message).toMatch(/no answer|refused|timed out/);
  });
});
