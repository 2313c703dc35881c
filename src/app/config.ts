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
    ...overrides,
  };
  return Object.freeze(cfg);
}
