/**
 * Net-SNMP's `snmpd` (Debian package `snmpd`) in the foreground on 127.0.0.1:<free UDP port>, with
 * a temporary configuration: a v2c community and two v3 users, read access to the whole tree.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as snmp from 'net-snmp';
import { type Peer, type PeerStart, findBinary, freeUdpPort, removeDir, startDaemon, tempDir, waitUntil } from './common.ts';

export const SNMP_COMMUNITY = 'vigie-ro';
/** SHA + AES, authPriv. */
export const SNMP_V3_USER = { user: 'vigie-priv', authKey: 'vigie-auth-pass', privKey: 'vigie-priv-pass' } as const;
/** MD5, authNoPriv. */
export const SNMP_V3_MD5_USER = { user: 'vigie-md5', authKey: 'vigie-md5-pass' } as const;

export interface SnmpdPeer extends Peer {
  community: string;
  /** When snmpd started (epoch ms): hrProcessorLoad appears a minute later, once it has a minute of history. */
  startedAt: number;
}

/** Why the snmpd peer cannot run here, or null. */
export function snmpdMissing(): string | null {
  return findBinary('snmpd') ? null : 'snmpd is not installed (Debian package snmpd)';
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = snmp.createSession('127.0.0.1', SNMP_COMMUNITY, { port, version: snmp.Version2c, timeout: 300, retries: 0 });
    s.on('error', () => {});
    s.get(['1.3.6.1.2.1.1.5.0'], (err) => {
      s.close();
      resolve(!err);
    });
  });
}

/** Starts snmpd and waits until it answers a v2c get. */
export async function startSnmpd(): Promise<PeerStart<SnmpdPeer>> {
  const bin = findBinary('snmpd');
  if (!bin) return { peer: null, reason: snmpdMissing()! };
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const dir = tempDir('snmpd');
    const port = await freeUdpPort();
    const conf = join(dir, 'snmpd.conf');
    writeFileSync(
      conf,
      [
        `rocommunity ${SNMP_COMMUNITY} 127.0.0.1`,
        `createUser ${SNMP_V3_USER.user} SHA "${SNMP_V3_USER.authKey}" AES "${SNMP_V3_USER.privKey}"`,
        `createUser ${SNMP_V3_MD5_USER.user} MD5 "${SNMP_V3_MD5_USER.authKey}"`,
        `rouser ${SNMP_V3_USER.user} priv`,
        `rouser ${SNMP_V3_MD5_USER.user} auth`,
        'sysName vigie-snmpd-peer',
        'sysLocation Vigie test bench',
        '',
      ].join('\n'),
    );
    const startedAt = Date.now();
    // -C: only our file; -I -smux: no SMUX listener on TCP 199; -M/-m: no MIB files to load (numeric OIDs only).
    const daemon = startDaemon(bin, ['-f', '-Lo', '-C', '-c', conf, '-I', '-smux', '-M', join(dir, 'no-mibs'), '-m', '', `--persistentDir=${dir}`, `udp:127.0.0.1:${port}`], { MIBS: '' });
    try {
      await waitUntil('snmpd', () => answers(port), daemon, 15_000);
    } catch (e) {
      lastError = e;
      await daemon.stop();
      removeDir(dir);
      continue;
    }
    let stopped = false;
    return {
      peer: {
        host: '127.0.0.1',
        port,
        community: SNMP_COMMUNITY,
        startedAt,
        async stop() {
          if (stopped) return;
          stopped = true;
          await daemon.stop();
          removeDir(dir);
        },
      },
    };
  }
  throw lastError;
}
