/**
 * Certificates made by the `openssl` command line (Debian package `openssl`), and a node:https
 * server presenting one of them:
 * - `selfSigned5d`: self-signed, CN=localhost, SAN localhost + 127.0.0.1, expires in 5 days
 *   (`openssl req -x509 -days 5`);
 * - a small CA (`ca`), and signed by it with `openssl ca`:
 *   `valid90d` (localhost, 90 days), `expired` (localhost, 2020-01-01 → 2020-01-02, via
 *   `-startdate/-enddate`, since OpenSSL 3.0's `req` has no -not_after), `otherName` (other.example, 90 days).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { type Peer, findBinary, removeDir, run, tempDir } from './common.ts';

export interface KeyPair {
  key: string;
  cert: string;
}

export interface TestCertificates {
  /** PEM of the test CA. */
  ca: string;
  selfSigned5d: KeyPair;
  valid90d: KeyPair;
  expired: KeyPair;
  otherName: KeyPair;
  /** Removes the files. */
  cleanup(): void;
}

/** Why certificates cannot be made here, or null. */
export function opensslMissing(): string | null {
  return findBinary('openssl') ? null : 'openssl is not installed (Debian package openssl)';
}

const CA_CONF = `[ ca ]
default_ca = vigie
[ vigie ]
dir = .
database = ./db/index.txt
serial = ./db/serial
new_certs_dir = ./db
default_md = sha256
policy = anything
copy_extensions = none
email_in_dn = no
unique_subject = no
[ anything ]
commonName = supplied
[ localhost ]
basicConstraints = CA:FALSE
subjectAltName = DNS:localhost,IP:127.0.0.1
[ other ]
basicConstraints = CA:FALSE
subjectAltName = DNS:other.example
`;

/** Makes every test certificate in a temporary folder (a second or so of RSA key generation). */
export function makeCertificates(): TestCertificates {
  const openssl = findBinary('openssl');
  if (!openssl) throw new Error(opensslMissing()!);
  const dir = tempDir('tls');
  const at = (f: string) => join(dir, f);
  const read = (f: string) => readFileSync(at(f), 'utf8');
  const o = (args: string[]) => run(openssl, args, { cwd: dir });

  o(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '5', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', 'self.key', '-out', 'self.pem']);

  o(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '3650', '-subj', '/CN=Vigie Test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-keyout', 'ca.key', '-out', 'ca.pem']);
  mkdirSync(at('db'));
  writeFileSync(at('db/index.txt'), '');
  writeFileSync(at('db/serial'), '1000\n');
  writeFileSync(at('ca.cnf'), CA_CONF);
  const leaf = (name: string, cn: string, ext: string, validity: string[]) => {
    o(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${cn}`, '-keyout', `${name}.key`, '-out', `${name}.csr`]);
    o(['ca', '-batch', '-config', 'ca.cnf', '-cert', 'ca.pem', '-keyfile', 'ca.key', '-extensions', ext, '-in', `${name}.csr`, '-out', `${name}.pem`, ...validity]);
  };
  leaf('valid', 'localhost', 'localhost', ['-days', '90']);
  leaf('expired', 'localhost', 'localhost', ['-startdate', '20200101000000Z', '-enddate', '20200102000000Z']);
  leaf('other', 'other.example', 'other', ['-days', '90']);

  const pair = (n: string): KeyPair => ({ key: read(`${n}.key`), cert: read(`${n}.pem`) });
  const certs: TestCertificates = {
    ca: read('ca.pem'),
    selfSigned5d: pair('self'),
    valid90d: pair('valid'),
    expired: pair('expired'),
    otherName: pair('other'),
    cleanup: () => removeDir(dir),
  };
  return certs;
}

export interface HttpsPeer extends Peer {
  url: string;
  server: Server;
}

/**
 * An HTTPS server on 127.0.0.1:<free port> presenting `pair`; `handler` answers requests (default:
 * 200 "ok"). Resolves once it listens and completes a TLS handshake.
 */
export async function startHttpsServer(pair: KeyPair, handler?: Parameters<typeof createServer>[1]): Promise<HttpsPeer> {
  const server = createServer({ key: pair.key, cert: pair.cert }, handler ?? ((_req, res) => res.end('ok')));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  let stopped = false;
  return {
    host: '127.0.0.1',
    port,
    url: `https://localhost:${port}/`,
    server,
    async stop() {
      if (stopped) return;
      stopped = true;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
