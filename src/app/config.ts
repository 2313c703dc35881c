import { resolve } from 'node:path';

export interface Config {
  readonly port: number;
  readonly host: string;
  /** `postgres://…` or a SQLite file path; defaults to `<dataDir>/vigie.sqlite`. */
  readonly databaseUrl: string;
  readonly dataDir: string;
  /** Where the built web app lives (served at /). */
  readonly webDir: string;
  readonly demo: boolean;
  /** Attempts per IP and email per window on the login and MFA routes. */
  readonly loginRateLimit: { readonly max: number; readonly windowMs: number };
  /** Set the Secure flag on the session cookie (behind HTTPS). */
  readonly secureCookies: boolean;
  readonly logLevel: string;
  readonly publicUrl: string;
  /** SMTP server for alert emails (`smtp://host:port`, `smtps://user:pass@host`); null: emails are only recorded in the app. */
  readonly smtpUrl: string | null;
  /** Sender of alert emails. */
  readonly mailFrom: string;
  /** Inbound e-mail (tickets and replies by mail): the SMTP listener's `host:port` (`VIGIE_MAIL_LISTEN`); null: no listener. */
  readonly mailListen: string | null;
  /** Recipient domains the inbound listener accepts (`VIGIE_MAIL_DOMAINS`, comma list); empty: any recipient. */
  readonly mailDomains: readonly string[];
  /** Largest inbound message in bytes (`VIGIE_MAIL_MAX_BYTES`, default 25 MiB); bigger ones get 552. */
  readonly mailMaxBytes: number;
  /** PEM files of the inbound listener's STARTTLS key and certificate (`VIGIE_MAIL_TLS_KEY`, `VIGIE_MAIL_TLS_CERT`); null: plain SMTP only. */
  readonly mailTls: { readonly keyFile: string; readonly certFile: string } | null;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const dataDir = resolve(env.DATA_DIR ?? 'data');
  const port = Number(env.PORT ?? 8080);
  const host = env.HOST ?? '127.0.0.1';
  const cfg: Config = {
    port,
    host,
    dataDir,
    databaseUrl: env.DATABASE_URL ?? resolve(dataDir, 'vigie.sqlite'),
    webDir: resolve(env.VIGIE_WEB_DIR ?? 'dist/web'),
    demo: env.VIGIE_DEMO === '1' || env.VIGIE_DEMO === 'true',
    loginRateLimit: { max: Number(env.VIGIE_LOGIN_MAX ?? 10), windowMs: Number(env.VIGIE_LOGIN_WINDOW_MS ?? 60_000) },
    secureCookies: env.VIGIE_SECURE_COOKIES === '1',
    logLevel: env.LOG_LEVEL ?? 'info',
    publicUrl: env.VIGIE_PUBLIC_URL ?? `http://${host}:${port}`,
    smtpUrl: env.VIGIE_SMTP_URL || null,
    mailFrom: env.VIGIE_MAIL_FROM || 'Vigie <vigie@localhost>',
    mailListen: env.VIGIE_MAIL_LISTEN?.trim() || null,
    mailDomains: (env.VIGIE_MAIL_DOMAINS ?? '').split(',').map((d) => d.trim().toLowerCase()).filter(Boolean),
    mailMaxBytes: Number(env.VIGIE_MAIL_MAX_BYTES) > 0 ? Math.floor(Number(env.VIGIE_MAIL_MAX_BYTES)) : 25 * 1024 * 1024,
    mailTls: env.VIGIE_MAIL_TLS_KEY && env.VIGIE_MAIL_TLS_CERT ? { keyFile: env.VIGIE_MAIL_TLS_KEY, certFile: env.VIGIE_MAIL_TLS_CERT } : null,
    ...overrides,
  };
  return Object.freeze(cfg);
}
