/**
 * Inbound e-mail, the SMTP side: a small SMTP server (the `smtp-server` package) that receives the
 * messages sent to the service desk's address, parses them and routes them (route.ts).
 *
 * - No authentication (AUTH disabled): this is a mail exchanger, the sender is identified by the
 *   From address of a known, enabled user. STARTTLS only when a key and certificate are given.
 * - Recipients outside `allowedRecipientDomains` (when set) are refused with 550 (not an open relay).
 * - A message over `maxBytes` is refused with 552 and not parsed.
 * - 250 is answered only once the message is recorded in the database (crash-safe: an acknowledged
 *   message has had its effect); a refused message (unknown sender, …) is recorded, then answered with
 *   550 so that the sender's server tells the sender (an automatic one, out-of-office…, is recorded and
 *   answered 250: dropped quietly); an internal error is answered with 451 and nothing is recorded, so
 *   the sender's server tries again later.
 *
 * Configured by `VIGIE_MAIL_LISTEN` (`host:port`; unset: no listener) and `VIGIE_MAIL_DOMAINS`
 * (comma list of accepted recipient domains), started by `vigie serve`.
 */
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import type { Config } from '../../app/config.ts';
import type { Db } from '../../db/database.ts';
import { parseInbound } from './parse.ts';
import { REFUSALS, routeInbound, type RouteResult, type TicketPort } from './route.ts';

export const DEFAULT_MAX_BYTES = 25 * 1024 * 1024;

export interface MailListenerOptions {
  host: string;
  /** 0: an ephemeral port (tests). */
  port: number;
  /** Largest message accepted, in bytes (default 25 MiB). */
  maxBytes?: number;
  /** Accepted recipient domains (lower case, e.g. `support.example.fr`); unset or empty: any recipient. */
  allowedRecipientDomains?: string[];
  /** PEM key and certificate: STARTTLS is offered. Without them the listener speaks plain SMTP only. */
  tls?: { key: string | Buffer; cert: string | Buffer };
  /** The name in the greeting and EHLO answer (default: the OS host name). */
  name?: string;
  /** Most simultaneous connections (default 10: each message is held in memory while it is read, up to `maxBytes`). */
  maxClients?: number;
  /** Told of every message routed (tests, metrics). */
  onRouted?: (result: RouteResult) => void;
  /** Where internal errors go (default: console.error). */
  log?: (msg: string, err?: unknown) => void;
  /** The clock (tests). */
  now?: () => number;
}

export interface MailListener {
  /** The port listened on (the ephemeral one when 0 was asked). */
  port: number;
  /** Stops accepting connections and waits for the ones open (at most 5 s). */
  stop(): Promise<void>;
}

const smtpError = (code: number, message: string) => Object.assign(new Error(message), { responseCode: code });

/** What the sender reads in the bounce their server makes of a 550 (French, then English), with the stable reason. */
const REFUSAL_TEXT: Record<string, string> = {
  [REFUSALS.unknownSender]: "adresse inconnue du centre de services, ecrivez depuis l'adresse de votre compte Vigie / address unknown to the service desk, write from your Vigie account's address",
  [REFUSALS.disabledUser]: 'compte desactive / account disabled',
  [REFUSALS.noSender]: "pas d'expediteur / no sender",
  [REFUSALS.notAllowed]: "votre role ne permet pas d'ouvrir un ticket / your role may not open tickets",
  [REFUSALS.staffWithoutTicket]: "repondez a un e-mail d'un ticket d'un client que vous suivez / reply to an e-mail of a ticket of a client you work for",
  [REFUSALS.clientArchived]: 'client archive / client archived',
  [REFUSALS.empty]: 'message vide / empty message',
};

function refusalText(reason: string | undefined): string {
  const r = reason ?? 'refused';
  return `5.7.1 Not accepted by the service desk (${r}): ${REFUSAL_TEXT[r] ?? 'refus du centre de services / refused by the service desk'}`;
}

/** Starts the SMTP listener; resolves once it listens. */
export async function startMailListener(db: Db, port: TicketPort, opts: MailListenerOptions): Promise<MailListener> {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  const domains = (opts.allowedRecipientDomains ?? []).map((d) => d.trim().toLowerCase().replace(/^@/, '')).filter(Boolean);
  const log = opts.log ?? ((msg: string, err?: unknown) => console.error(`mailin: ${msg}`, err ?? ''));
  const now = opts.now ?? Date.now;

  const server = new SMTPServer({
    ...(opts.name ? { name: opts.name } : {}),
    banner: 'Vigie service desk',
    logger: false,
    authOptional: true,
    disabledCommands: opts.tls ? ['AUTH'] : ['AUTH', 'STARTTLS'],
    ...(opts.tls ? { key: opts.tls.key, cert: opts.tls.cert } : {}),
    size: maxBytes,
    rejectOversized: true,
    maxClients: opts.maxClients ?? 10,
    closeTimeout: 5000,
    onRcptTo(address, _session, cb) {
      const addr = address.address.trim().toLowerCase();
      const domain = addr.slice(addr.lastIndexOf('@') + 1);
      if (domains.length > 0 && (!addr.includes('@') || !domains.includes(domain))) {
        return cb(smtpError(550, `5.7.1 Relaying denied: ${domain || addr} is not a domain of this service desk`));
      }
      cb();
    },
    onData(stream: SMTPServerDataStream, session: SMTPServerSession, cb) {
      const chunks: Buffer[] = [];
      let bytes = 0;
      stream.on('data', (c: Buffer) => {
        // Past the limit the rest is drained, not kept.
        bytes += c.length;
        if (bytes <= maxBytes) chunks.push(c);
      });
      stream.on('error', (err) => {
        log('reading a message failed', err);
        cb(smtpError(451, '4.3.0 Could not read the message, try again later'));
      });
      stream.on('end', () => {
        if (stream.sizeExceeded || bytes > maxBytes) {
          return cb(smtpError(552, `5.3.4 Message too big: the limit is ${maxBytes} bytes`));
        }
        const raw = Buffer.concat(chunks);
        const envelopeFrom = session.envelope.mailFrom === false ? undefined : session.envelope.mailFrom.address;
        void handle(raw, envelopeFrom ?? '', session.remoteAddress).then(
          (r) => {
            opts.onRouted?.(r);
            // An automatic message (out-of-office…) is dropped quietly: a bounce would only add to the noise.
            if (r.outcome === 'refused' && r.reason !== REFUSALS.automatic) return cb(smtpError(550, refusalText(r.reason)));
            cb(null, r.outcome === 'duplicate' ? 'Already received' : `Received (${r.outcome})`);
          },
          (err) => {
            log('routing a message failed; answered 451 (the sender will retry)', err);
            cb(smtpError(451, '4.3.0 Temporary failure, try again later'));
          },
        );
      });
    },
  });

  async function handle(raw: Buffer, envelopeFrom: string, remoteAddress: string): Promise<RouteResult> {
    const msg = await parseInbound(raw, { envelopeFrom });
    return routeInbound(db, port, msg, now(), { remoteAddress });
  }

  server.on('error', (err) => log('SMTP server error', err));
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.server.once('error', onError);
    server.listen(opts.port, opts.host, () => {
      server.server.off('error', onError);
      resolve();
    });
  });
  const address = server.server.address() as AddressInfo;
  return {
    port: address.port,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** `host:port` (`127.0.0.1:2525`, `[::1]:2525`, `:2525` for every interface) → its parts. */
export function parseListen(value: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(value.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || !(port >= 0 && port <= 65535)) throw new Error(`VIGIE_MAIL_LISTEN must be host:port (e.g. 127.0.0.1:2525), not "${value}"`);
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

/**
 * Starts the listener the configuration asks for (`VIGIE_MAIL_LISTEN`, `VIGIE_MAIL_DOMAINS`,
 * `VIGIE_MAIL_MAX_BYTES`, `VIGIE_MAIL_TLS_KEY` / `VIGIE_MAIL_TLS_CERT`); null when `VIGIE_MAIL_LISTEN` is unset.
 * Throws on a bad address, unreadable TLS files or a port already in use.
 */
export async function startConfiguredMailListener(
  db: Db,
  port: TicketPort,
  cfg: Pick<Config, 'mailListen' | 'mailDomains' | 'mailMaxBytes' | 'mailTls'>,
  extra: Partial<Omit<MailListenerOptions, 'host' | 'port'>> = {},
): Promise<MailListener | null> {
  if (!cfg.mailListen) return null;
  const at = parseListen(cfg.mailListen);
  const tls = cfg.mailTls ? { key: readFileSync(cfg.mailTls.keyFile), cert: readFileSync(cfg.mailTls.certFile) } : undefined;
  return startMailListener(db, port, {
    ...extra,
    host: at.host,
    port: at.port,
    maxBytes: cfg.mailMaxBytes,
    allowedRecipientDomains: [...cfg.mailDomains],
    ...(tls ? { tls } : {}),
  });
}
