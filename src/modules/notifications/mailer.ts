/**
 * Email through SMTP (nodemailer), configured by `VIGIE_SMTP_URL` (`smtp://host:25`,
 * `smtp://user:pass@host:587`, `smtps://host:465`; nodemailer's URL options such as
 * `?tls.rejectUnauthorized=false` are honoured) and `VIGIE_MAIL_FROM`.
 *
 * Without `VIGIE_SMTP_URL` no email leaves the server: a mailer still exists, `configured` is false,
 * and the delivery queue records each email delivery as `skipped` with `EMAIL_NOT_CONFIGURED` as its
 * reason, so the message is visible in the app (alerts and their deliveries) and nowhere else.
 */
import nodemailer from 'nodemailer';
import type { Config } from '../../app/config.ts';

export const EMAIL_NOT_CONFIGURED = 'Email is not configured on this server (VIGIE_SMTP_URL is not set): the message is only recorded in Vigie';

/** One plain-text message to one or more recipients. */
export interface MailMessage {
  to: readonly string[];
  subject: string;
  text: string;
  /** Extra headers (X-Vigie-Alert…). */
  headers?: Record<string, string>;
}

export interface MailResult {
  messageId: string;
  accepted: string[];
  rejected: string[];
}

/** A failed send; `permanent` when sending the same message again cannot succeed (5xx reply). */
export class MailError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
  ) {
    super(message);
    this.name = 'MailError';
  }
}

export interface Mailer {
  /** False when no SMTP server is configured: `send` then throws a permanent MailError. */
  readonly configured: boolean;
  send(msg: MailMessage): Promise<MailResult>;
  close(): void;
}

/** A mailer for this SMTP URL and sender. */
export function createMailer(cfg: Pick<Config, 'smtpUrl' | 'mailFrom'>): Mailer {
  if (!cfg.smtpUrl) {
    return {
      configured: false,
      send: async () => {
        throw new MailError(EMAIL_NOT_CONFIGURED, true);
      },
      close: () => {},
    };
  }
  const transport = nodemailer.createTransport({
    url: cfg.smtpUrl,
    // Bounded waits: a dead mail server must not hold a delivery for minutes (nodemailer's defaults are 2 and 10 minutes).
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  });
  return {
    configured: true,
    async send(msg) {
      try {
        const info = await transport.sendMail({
          from: cfg.mailFrom,
          to: [...msg.to],
          subject: msg.subject,
          text: msg.text,
          ...(msg.headers ? { headers: msg.headers } : {}),
        });
        const addr = (list: unknown[] | undefined) => (list ?? []).map((a) => (typeof a === 'string' ? a : (a as { address: string }).address));
        return { messageId: info.messageId, accepted: addr(info.accepted), rejected: addr(info.rejected) };
      } catch (e) {
        const err = e as Error & { responseCode?: number; response?: string };
        // 5xx: the server refuses this message for good (unknown recipients, policy); 4xx and network errors may pass later.
        const permanent = typeof err.responseCode === 'number' && err.responseCode >= 500 && err.responseCode < 600;
        throw new MailError(`${err.responseCode ? `SMTP ${err.responseCode}: ` : ''}${(err.response ?? err.message).slice(0, 300)}`, permanent);
      }
    },
    close: () => transport.close(),
  };
}

const shared = new Map<string, Mailer>();

/** The process's mailer for a configuration (one SMTP transport per URL and sender). */
export function mailerFor(cfg: Pick<Config, 'smtpUrl' | 'mailFrom'>): Mailer {
  const key = `${cfg.smtpUrl ?? ''}\n${cfg.mailFrom}`;
  let m = shared.get(key);
  if (!m) shared.set(key, (m = createMailer(cfg)));
  return m;
}
