/**
 * Debian's `dnsmasq` as an authoritative server for the zone `vigie.test` on 127.0.0.1:<free port>
 * (UDP and TCP): A, AAAA, CNAME, MX, TXT, NS, SOA and SRV records, NXDOMAIN for unknown names,
 * REFUSED for other zones.
 */
import { Resolver } from 'node:dns/promises';
import { type Peer, type PeerStart, findBinary, freeUdpPort, startDaemon, waitUntil } from './common.ts';

export const DNS_ZONE = 'vigie.test';

/** The zone's records, as the dns probe's text forms. */
export const DNS_RECORDS = {
  apexA: '127.0.0.1',
  appA: '127.0.0.10',
  appAAAA: '::10',
  mailA: '127.0.0.25',
  mx: '10 mail.vigie.test',
  txt: 'v=spf1 mx -all',
  srv: '0 5 993 mail.vigie.test',
  ns: 'ns1.vigie.test',
  soaSerial: 2024010101,
} as const;

export interface DnsmasqPeer extends Peer {
  /** `127.0.0.1:<port>`, as the dns probe's `server` setting. */
  server: string;
}

/** Why the dnsmasq peer cannot run here, or null. */
export function dnsmasqMissing(): string | null {
  return findBinary('dnsmasq') ? null : 'dnsmasq is not installed (Debian package dnsmasq)';
}

/** Starts dnsmasq and waits until it answers the zone's A record. */
export async function startDnsmasq(): Promise<PeerStart<DnsmasqPeer>> {
  const bin = findBinary('dnsmasq');
  if (!bin) return { peer: null, reason: dnsmasqMissing()! };
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freeUdpPort(true);
    const server = `127.0.0.1:${port}`;
    const daemon = startDaemon(bin, [
      '--no-daemon',
      '--conf-file=/dev/null',
      `--port=${port}`,
      '--listen-address=127.0.0.1',
      '--bind-interfaces',
      '--no-resolv',
      '--no-hosts',
      '--pid-file=',
      '--log-facility=-',
      `--auth-server=${DNS_RECORDS.ns},127.0.0.1`,
      `--auth-zone=${DNS_ZONE}`,
      `--auth-soa=${DNS_RECORDS.soaSerial},hostmaster.${DNS_ZONE}`,
      `--host-record=${DNS_ZONE},${DNS_RECORDS.apexA}`,
      `--host-record=app.${DNS_ZONE},${DNS_RECORDS.appA},${DNS_RECORDS.appAAAA}`,
      `--host-record=mail.${DNS_ZONE},${DNS_RECORDS.mailA}`,
      `--cname=www.${DNS_ZONE},app.${DNS_ZONE}`,
      `--mx-host=${DNS_ZONE},mail.${DNS_ZONE},10`,
      `--txt-record=${DNS_ZONE},${DNS_RECORDS.txt}`,
      `--srv-host=_imaps._tcp.${DNS_ZONE},mail.${DNS_ZONE},993,0,5`,
    ]);
    const r = new Resolver({ timeout: 300, tries: 1 });
    r.setServers([server]);
    try {
      await waitUntil('dnsmasq', async () => (await r.resolve4(DNS_ZONE)).includes(DNS_RECORDS.apexA), daemon, 15_000);
    } catch (e) {
      lastError = e;
      await daemon.stop();
      continue;
    }
    let stopped = false;
    return {
      peer: {
        host: '127.0.0.1',
        port,
        server,
        async stop() {
          if (stopped) return;
          stopped = true;
          await daemon.stop();
        },
      },
    };
  }
  throw lastError;
}
