import { isIP } from 'node:net';
import { checkServerIdentity, connect, type PeerCertificate, type TLSSocket } from 'node:tls';
import { z } from 'zod';
import type { Probe, ProbeContext, ProbeResult, ProbeStatus } from './types.ts';
import { Host, Port, down, errorText, fmtMs, latencyNote, latencyStatus, latencyThresholds, monotonic, onDeadline, round, worst } from './util.ts';

const DAY_MS = 86_400_000;

export const TlsSettings = z
  .object({
    /** Host name or IP address to connect to. */
    host: Host,
    /** TLS port (443 for HTTPS, 993 IMAPS, 636 LDAPS…). */
    port: Port.default(443),
    /** Name sent in SNI and checked against the certificate; default: `host` (none for an IP, which is checked as an IP). */
    servername: z.string().trim().min(1).max(253).optional(),
    /** Fewer days left than this: `degraded`. */
    warnDays: z.number().min(0).max(3650).default(14),
    /** Fewer days left than this: `down` (an expired or not yet valid certificate is always down). */
    critDays: z.number().min(0).max(3650).default(3),
    /** An untrusted chain (self-signed, unknown issuer, bad signature) makes the result down. */
    verifyChain: z.boolean().default(true),
    /** A certificate that does not name `servername` makes the result down. */
    verifyHostname: z.boolean().default(true),
    /** PEM of the CA(s) to trust instead of the public roots (a private PKI, a self-signed server). */
    ca: z.string().max(100_000).optional(),
    // Thresholds on the TCP + TLS handshake time.
    ...latencyThresholds(1000),
  })
  .refine((s) => s.critDays <= s.warnDays, { message: 'critDays must not exceed warnDays', path: ['critDays'] });
export type TlsSettings = z.infer<typeof TlsSettings>;

interface Handshake {
  ms: number;
  authorized: boolean;
  authorizationError: string | null;
  cert: PeerCertificate;
  protocol: string | null;
}

function handshake(s: TlsSettings, servername: string | undefined, ctx: ProbeContext): Promise<Handshake> {
  return new Promise<Handshake>((resolve, reject) => {
    const start = monotonic();
    let socket: TLSSocket;
    const finish = (err: Error | null, h?: Handshake) => {
      dispose();
      socket.removeAllListeners();
      socket.on('error', () => {});
      socket.destroy();
      if (err) reject(err);
      else resolve(h!);
    };
    const dispose = onDeadline(ctx, (e) => finish(e));
    socket = connect({
      host: s.host,
      port: s.port,
      ...(servername ? { servername } : {}),
      ...(s.ca ? { ca: s.ca } : {}),
      rejectUnauthorized: false,
      // `authorized` then reflects the chain alone; the name is checked below, separately.
      checkServerIdentity: () => undefined,
    });
    socket.once('secureConnect', () => {
      const cert = socket.getPeerCertificate(false);
      if (!cert || Object.keys(cert).length === 0) return finish(new Error('the server sent no certificate'));
      const authErr = socket.authorizationError as unknown;
      finish(null, {
        ms: monotonic() - start,
        authorized: socket.authorized,
        authorizationError: authErr ? String(authErr) : null,
        cert,
        protocol: socket.getProtocol(),
      });
    });
    socket.once('error', (e) => finish(e));
  });
}

const CHAIN_ERRORS: Record<string, string> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'self-signed certificate in the chain',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'unable to verify the first certificate (missing intermediate?)',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'issuer not trusted',
  UNABLE_TO_GET_ISSUER_CERT: 'issuer not found',
  CERT_HAS_EXPIRED: 'certificate expired',
  CERT_NOT_YET_VALID: 'certificate not yet valid',
  CERT_SIGNATURE_FAILURE: 'bad certificate signature',
  CERT_REVOKED: 'certificate revoked',
};

function day(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** TLS certificate check: days to expiry, chain validity, host name match. */
export const tlsProbe: Probe<TlsSettings> = {
  type: 'tls',
  settings: TlsSettings,
  async run(s: TlsSettings, ctx: ProbeContext): Promise<ProbeResult> {
    const name = s.servername ?? s.host;
    const sni = isIP(name) ? undefined : name;
    let h: Handshake;
    try {
      h = await handshake(s, sni, ctx);
    } catch (e) {
      return down(`TLS ${s.host}:${s.port}: ${errorText(e)}`);
    }
    const now = (ctx.now ?? Date.now)();
    const notAfter = Date.parse(h.cert.valid_to);
    const notBefore = Date.parse(h.cert.valid_from);
    const daysLeft = (notAfter - now) / DAY_MS;
    const metrics: Record<string, number> = { days_left: round(daysLeft, 2), handshake_ms: h.ms };
    const subject = h.cert.subject?.CN ?? h.cert.subjectaltname ?? 'certificate';
    const problems: string[] = [];
    let status: ProbeStatus = 'up';

    if (Number.isNaN(notAfter)) {
      status = 'down';
      problems.push(`unreadable expiry date "${h.cert.valid_to}"`);
    } else if (notAfter <= now) {
      status = 'down';
      problems.push(`expired on ${day(notAfter)} (${Math.floor(-daysLeft)} days ago)`);
    } else if (!Number.isNaN(notBefore) && notBefore > now) {
      status = 'down';
      problems.push(`not valid before ${day(notBefore)}`);
    } else if (daysLeft < s.critDays) {
      status = 'down';
      problems.push(`expires in ${round(daysLeft, 1)} days (< ${s.critDays})`);
    } else if (daysLeft < s.warnDays) {
      status = 'degraded';
      problems.push(`expires in ${round(daysLeft, 1)} days (< ${s.warnDays})`);
    }

    metrics.chain_valid = h.authorized ? 1 : 0;
    if (!h.authorized) {
      const code = h.authorizationError ?? 'unknown';
      // An expired certificate is already reported above, not twice.
      if (code !== 'CERT_HAS_EXPIRED' && code !== 'CERT_NOT_YET_VALID') {
        const text = `chain not trusted: ${CHAIN_ERRORS[code] ?? code}`;
        if (s.verifyChain) { status = 'down'; problems.push(text); }
        else problems.push(`${text} (ignored)`);
      }
    }

    const idErr = checkServerIdentity(name, h.cert);
    metrics.hostname_match = idErr ? 0 : 1;
    if (idErr) {
      const text = `does not match ${name} (names: ${h.cert.subjectaltname ?? `CN=${h.cert.subject?.CN ?? '?'}`})`;
      if (s.verifyHostname) { status = 'down'; problems.push(text); }
      else problems.push(`${text} (ignored)`);
    }

    const ls = latencyStatus(h.ms, s);
    if (ls !== 'up') problems.push(latencyNote(h.ms, s));
    status = worst(status, ls);

    const base = `${subject}, ${h.protocol ?? 'TLS'}, valid until ${Number.isNaN(notAfter) ? h.cert.valid_to : day(notAfter)} (${daysLeft >= 0 ? `${Math.floor(daysLeft)} days left` : 'expired'}), handshake ${fmtMs(h.ms)}`;
    return { status, latencyMs: h.ms, message: problems.length ? `${problems.join('; ')} — ${base}` : base, metrics };
  },
};
