import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freeUdpPort, skipWithout, started } from '../../../../test/peers/common.ts';
import { DNS_RECORDS, DNS_ZONE, type DnsmasqPeer, dnsmasqMissing, startDnsmasq } from '../../../../test/peers/dnsmasq.ts';
import { DnsSettings, dnsProbe } from './dns.ts';

const ctx = { timeoutMs: 2000 };

describe('dns settings', () => {
  it('accepts ip and ip:port servers only', () => {
    for (const server of ['127.0.0.1', '127.0.0.1:5353', '::1', '[::1]:5353']) expect(DnsSettings.safeParse({ name: 'a.fr', server }).success, server).toBe(true);
    for (const server of ['dns.google', '127.0.0.1:0', '[::1', '1.2.3.4:99999']) expect(DnsSettings.safeParse({ name: 'a.fr', server }).success, server).toBe(false);
    expect(DnsSettings.parse({ name: 'a.fr' })).toMatchObject({ recordType: 'A', expected: [], match: 'exact', latencyWarnMs: 500 });
  });
});

describe.skipIf(skipWithout('dns probe against dnsmasq', dnsmasqMissing()))('dns probe against dnsmasq', () => {
  let peer: DnsmasqPeer;
  beforeAll(async () => {
    peer = started(await startDnsmasq());
  });
  afterAll(async () => {
    await peer?.stop();
  });
  const s = (extra: Record<string, unknown>) => DnsSettings.parse({ server: peer.server, ...extra });

  it.each([
    ['A', DNS_ZONE, DNS_RECORDS.apexA],
    ['A', `app.${DNS_ZONE}`, DNS_RECORDS.appA],
    ['AAAA', `app.${DNS_ZONE}`, DNS_RECORDS.appAAAA],
    ['CNAME', `www.${DNS_ZONE}`, `app.${DNS_ZONE}`],
    ['MX', DNS_ZONE, DNS_RECORDS.mx],
    ['TXT', DNS_ZONE, DNS_RECORDS.txt],
    ['NS', DNS_ZONE, DNS_RECORDS.ns],
    ['SRV', `_imaps._tcp.${DNS_ZONE}`, DNS_RECORDS.srv],
  ])('%s %s answers %s', async (recordType, name, answer) => {
    const r = await dnsProbe.run(s({ name, recordType, expected: [answer] }), ctx);
    expect(r.status, r.message).toBe('up');
    expect(r.message).toContain(answer);
    expect(r.metrics!.answers).toBeGreaterThanOrEqual(1);
    expect(r.latencyMs).toBeGreaterThan(0);
  });

  it('SOA answers with the serial; "contains" matching', async () => {
    const r = await dnsProbe.run(s({ name: DNS_ZONE, recordType: 'SOA', expected: [String(DNS_RECORDS.soaSerial)], match: 'contains' }), ctx);
    expect(r.status, r.message).toBe('up');
    const exact = await dnsProbe.run(s({ name: DNS_ZONE, recordType: 'SOA', expected: [String(DNS_RECORDS.soaSerial)] }), ctx);
    expect(exact.status).toBe('down');
  });

  it('matching ignores case and the trailing dot', async () => {
    const r = await dnsProbe.run(s({ name: `www.${DNS_ZONE}`, recordType: 'CNAME', expected: [`APP.${DNS_ZONE}.`] }), ctx);
    expect(r.status).toBe('up');
  });

  it('is down when the expected answer is missing', async () => {
    const r = await dnsProbe.run(s({ name: `app.${DNS_ZONE}`, expected: ['192.0.2.99'] }), ctx);
    expect(r.status).toBe('down');
    expect(r.message).toMatch(/expected "192\.0\.2\.99" not in the answer/);
    expect(r.message).toContain(DNS_RECORDS.appA);
  });

  it('is down on NXDOMAIN and on NODATA, or degraded when asked', async () => {
    const nx = await dnsProbe.run(s({ name: `nope.${DNS_ZONE}` }), ctx);
    expect(nx.status).toBe('down');
    expect(nx.message).toMatch(/no such name \(NXDOMAIN\)/);
    const nodata = await dnsProbe.run(s({ name: `mail.${DNS_ZONE}`, recordType: 'AAAA' }), ctx);
    expect(nodata.status).toBe('down');
    expect(nodata.message).toMatch(/no record of that type/);
    const soft = await dnsProbe.run(s({ name: `mail.${DNS_ZONE}`, recordType: 'AAAA', emptyIsDown: false }), ctx);
    expect(soft.status).toBe('degraded');
  });

  it('is down when the server refuses a zone it does not serve', async () => {
    const r = await dnsProbe.run(s({ name: 'example.org' }), ctx);
    expect(r.status).toBe('down');
    expect(r.message).toMatch(/query refused/);
  });

  it('is degraded above the latency threshold', async () => {
    const base = s({ name: DNS_ZONE });
    const r = await dnsProbe.run({ ...base, latencyWarnMs: 0 }, ctx);
    expect(r.status).toBe('degraded');
  });

  it('is down with a timeout when no server listens', async () => {
    const port = await freeUdpPort();
    const r = await dnsProbe.run(DnsSettings.parse({ name: DNS_ZONE, server: `127.0.0.1:${port}` }), { timeoutMs: 400 });
    expect(r.status).toBe('down');
    expect(r.message).toMatch(/timed out|timeout|refused/);
  });
});
