/**
 * The `vigie` command line (run through bin/vigie.mjs): serve, worker, collector, migrate, user, token, journal, backup.
 * Every change goes through the same service functions as the API, journaled as `cli:<os user>`.
 * Exit codes: 0 done, 1 failure (or a broken journal), 2 bad input.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { z } from 'zod';
import { ensureFirstAdmin, migrateAndEnsureProvider, openAndMigrate } from './app/bootstrap.ts';
import { loadConfig, type Config } from './app/config.ts';
import type { DemoAccount } from './app/demo.ts';
import type { App } from './app/server.ts';
import { AppError, badRequest, forbidden, notFound } from './core/errors.ts';
import { isId } from './core/ids.ts';
import { openDatabase, type Db } from './db/database.ts';
import type { AuditContext } from './modules/journal/service.ts';
import { verifyJournal } from './modules/journal/service.ts';
import { tenancyPolicy } from './modules/tenancy/policy.ts';
import { isProviderAdmin, rolesOn } from './modules/tenancy/principal.ts';
import { ALL_ROLES, CLIENT_ROLES, PROVIDER_ROLES, type Role } from './modules/tenancy/roles.ts';
import { ClientUserCreateBody, StaffCreateBody, TokenCreateBody } from './modules/tenancy/schema.ts';
import {
  createApiToken,
  createUser,
  findUserByEmail,
  getProviderId,
  loadPrincipal,
  resetMfa,
  resetPassword,
  revokeApiToken,
} from './modules/tenancy/service.ts';

const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

// ---------------------------------------------------------------- helpers

/** Who the journal records for CLI actions: the operating-system account that ran the command. */
export function cliContext(): AuditContext {
  let who = process.env.USER ?? process.env.LOGNAME ?? 'unknown';
  try {
    who = userInfo().username || who;
  } catch {
    // No passwd entry (some containers): keep the environment's name.
  }
  return { actorId: null, actorLabel: `cli:${who}`, ip: null };
}

function config(env: NodeJS.ProcessEnv = process.env): Config {
  return loadConfig(env);
}

/** The database URL as it can be shown: a PostgreSQL password is masked. */
export function displayUrl(url: string): string {
  if (!/^postgres(ql)?:\/\//.test(url)) return url;
  try {
    const u = new URL(url);
    if (u.password) u.password = '****';
    return u.toString();
  } catch {
    return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:****@');
  }
}

/** Opens the database (migrated unless `migrate: false`), runs `fn`, closes it whatever happens. */
async function withDb<T>(fn: (db: Db, cfg: Config) => Promise<T>, opts: { migrate?: boolean } = {}): Promise<T> {
  const cfg = config();
  const db = opts.migrate === false ? openDatabase({ url: cfg.databaseUrl }) : await openAndMigrate(cfg);
  try {
    return await fn(db, cfg);
  } finally {
    await db.close();
  }
}

/** Turns a zod failure into the same `validation_failed` error the API gives. */
function validate<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => ({ path: i.path.join('.') || '/', message: i.message }));
  throw badRequest('validation_failed', `Invalid input: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`, issues);
}

/** A client by its short name (slug) or its id. */
async function resolveClient(db: Db, ref: string) {
  let q = db.kysely.selectFrom('organisations').selectAll().where('kind', '=', 'client');
  q = isId(ref) ? q.where('id', '=', ref) : q.where('slug', '=', ref);
  const c = await q.executeTakeFirst();
  if (!c) throw new AppError(404, 'not_found', `No client with the short name or id "${ref}"`);
  return c;
}

async function userByEmail(db: Db, email: string) {
  const u = await findUserByEmail(db, email);
  if (!u) throw new AppError(404, 'not_found', `No user with the email ${email}`);
  return u;
}

function box(lines: string[]): string {
  const width = Math.max(...lines.map((l) => l.length));
  const bar = '─'.repeat(width + 2);
  return [`┌${bar}┐`, ...lines.map((l) => `│ ${l.padEnd(width)} │`), `└${bar}┘`].join('\n');
}

function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

function timestamp(d = new Date()): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z').replace('T', '-');
}

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function printDemoAccounts(accounts: DemoAccount[]) {
  const passwords = [...new Set(accounts.map((a) => a.password))];
  console.log(passwords.length === 1 ? `Demo accounts (password: ${passwords[0]}):` : 'Demo accounts:');
  const w = Math.max(...accounts.map((a) => a.email.length));
  for (const a of accounts) {
    const pw = passwords.length === 1 ? '' : `  ${a.password}`;
    console.log(`  ${a.email.padEnd(w)}${pw}  ${a.name}, ${a.organisation}: ${a.roles.join(', ')}${a.mfa ? ' (MFA enrolment at first login)' : ''}`);
  }
}

// ---------------------------------------------------------------- serve

interface ServeOptions {
  port?: number;
  host?: string;
  demo?: boolean;
}

async function serve(opts: ServeOptions) {
  const env = { ...process.env };
  if (opts.port !== undefined) env.PORT = String(opts.port);
  if (opts.host !== undefined) env.HOST = opts.host;
  const cfg = loadConfig(env, opts.demo ? { demo: true } : {});
  // Loaded here only: the other commands start faster without the HTTP stack.
  const { buildServer } = await import('./app/server.ts');
  const { loadDemo } = await import('./app/demo.ts');
  console.log(`Vigie ${VERSION}: opening the database ${displayUrl(cfg.databaseUrl)}…`);
  const db = await openAndMigrate(cfg);
  let app: App | null = null;
  let engine: { stop: () => Promise<void> } | null = null;
  let jobs: { stop: () => Promise<void> } | null = null;
  let notifications: { stop: () => Promise<void> } | null = null;
  let desk: { stop: () => Promise<void> } | null = null;
  let mailin: { stop: () => Promise<void> } | null = null;
  try {
    const admin = await ensureFirstAdmin(db);
    let demoAccounts: DemoAccount[] | null = null;
    let demoLoaded = false;
    if (cfg.demo) {
      const r = await loadDemo(db);
      demoAccounts = r.accounts;
      demoLoaded = r.loaded;
    }
    app = await buildServer({ db, config: cfg });
    await app.listen({ port: cfg.port, host: cfg.host });
    // Supervision runs inside serve: the checks of this server, maintenance, rollups and retention.
    // SQLite: this process runs every server-side check. PostgreSQL: it shares them with the other serve
    // and worker processes (per-slot claiming) and hears their live status (LISTEN/NOTIFY).
    const { startSupervision } = await import('./modules/monitoring/supervision.ts');
    const { startMonitoringJobs } = await import('./modules/monitoring/retention.ts');
    // Alerts from the transitions, and the delivery queue (email, webhooks); without VIGIE_SMTP_URL emails are only recorded.
    const { startNotifications } = await import('./modules/notifications/service.ts');
    const n = startNotifications(db, cfg);
    notifications = n;
    // Service desk: SLA breaches and escalations, and the tickets' e-mails (recorded only without VIGIE_SMTP_URL).
    const { startServiceDesk } = await import('./modules/servicedesk/jobs.ts');
    desk = startServiceDesk(db, cfg);
    const monitoring = await startSupervision(db, { role: 'serve', runChecks: process.env.VIGIE_SERVE_CHECKS !== '0', onTransitions: n.onTransitions });
    engine = monitoring;
    jobs = startMonitoringJobs(db);
    // Inbound e-mail (VIGIE_MAIL_LISTEN): messages become tickets and replies.
    if (cfg.mailListen) {
      const { startConfiguredMailListener } = await import('./modules/mailin/listener.ts');
      const { ticketPortFor } = await import('./modules/servicedesk/mail-port.ts');
      mailin = await startConfiguredMailListener(db, ticketPortFor(db, cfg), cfg);
    }
    const addr = app.server.address();
    const port = typeof addr === 'object' && addr ? addr.port : cfg.port;
    const anyHost = cfg.host === '0.0.0.0' || cfg.host === '::';
    const urlHost = anyHost ? 'localhost' : cfg.host.includes(':') ? `[${cfg.host}]` : cfg.host;
    const url = `http://${urlHost}:${port}`;

    const lines = [`Vigie is running at ${url}`];
    if (anyHost) lines.push(`(listening on every interface, port ${port})`);
    if (process.env.VIGIE_PUBLIC_URL) lines.push(`Public address: ${process.env.VIGIE_PUBLIC_URL}`);
    if (cfg.mailListen) lines.push(`Inbound e-mail (SMTP): ${cfg.mailListen}${cfg.mailDomains.length ? ` for ${cfg.mailDomains.join(', ')}` : ''}`);
    lines.push('');
    if (admin) {
      lines.push('First administrator created:');
      lines.push(`  email:              ${admin.email}`);
      lines.push(`  one-time password:  ${admin.password}`);
      lines.push('This password is shown once. At first sign-in you will be asked');
      lines.push('to enrol an authenticator app (TOTP MFA), as every provider staff.');
    } else {
      const admins = await db.kysely
        .selectFrom('users as u')
        .innerJoin('memberships as m', 'm.user_id', 'u.id')
        .select('u.email')
        .where('m.organisation_id', '=', await getProviderId(db))
        .where('m.role', '=', 'admin')
        .where('u.disabled_at', 'is', null)
        .orderBy('u.created_at')
        .execute();
      const email = admins[0]?.email ?? '<email>';
      lines.push(`Administrator: ${admins.map((a) => a.email).join(', ') || '(none active)'}`);
      lines.push('Lost the password? Run:');
      lines.push(`  npx vigie user reset-password ${email}`);
      lines.push('Lost the authenticator app? Run:');
      lines.push(`  npx vigie user reset-mfa ${email}`);
    }
    lines.push('');
    lines.push('Stop with Ctrl-C.');
    console.log(box(lines));
    if (demoAccounts) {
      console.log(demoLoaded ? 'Demo data loaded: 2 clients, their sites, assets and people.' : 'Demo data already present: not loaded again (passwords as first set, unless changed since).');
      printDemoAccounts(demoAccounts);
    }
  } catch (err) {
    await mailin?.stop().catch(() => {});
    await jobs?.stop().catch(() => {});
    await engine?.stop().catch(() => {});
    await notifications?.stop().catch(() => {});
    await desk?.stop().catch(() => {});
    await app?.close().catch(() => {});
    await db.close().catch(() => {});
    throw err;
  }

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal} received: stopping…`);
    setTimeout(() => {
      console.error('Still stopping after 10 s: exiting anyway.');
      process.exit(1);
    }, 10_000).unref();
    try {
      await mailin?.stop();
      await jobs?.stop();
      await engine?.stop();
      await notifications?.stop();
      await desk?.stop();
      await app!.close();
      await db.close();
      process.exit(0);
    } catch (err) {
      console.error('Error while stopping:', err);
      process.exit(1);
    }
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

// ---------------------------------------------------------------- worker

/** Waits for SIGINT or SIGTERM, then runs `stop` (exit 1 if it hangs past 15 s). */
function untilSignal(stop: () => Promise<void>): Promise<void> {
  return new Promise((resolve) => {
    let stopping = false;
    const onSignal = (signal: string) => {
      if (stopping) return;
      stopping = true;
      console.log(`${signal} received: stopping…`);
      setTimeout(() => {
        console.error('Still stopping after 15 s: exiting anyway.');
        process.exit(1);
      }, 15_000).unref();
      stop().then(resolve, (err) => {
        console.error('Error while stopping:', err);
        process.exitCode = 1;
        resolve();
      });
    };
    process.on('SIGINT', () => onSignal('SIGINT'));
    process.on('SIGTERM', () => onSignal('SIGTERM'));
  });
}

async function worker(opts: { concurrency?: number }) {
  const cfg = config();
  if (!/^postgres(ql)?:\/\//.test(cfg.databaseUrl)) {
    throw badRequest('worker_needs_postgres', 'vigie worker shares the checks through PostgreSQL: set DATABASE_URL=postgres://…; on SQLite, `vigie serve` runs them itself');
  }
  const { startSupervision } = await import('./modules/monitoring/supervision.ts');
  console.log(`Vigie ${VERSION} worker: opening the database ${displayUrl(cfg.databaseUrl)}…`);
  // Everything is loaded before the first claim: a claimed slot must not wait on a module import.
  const { startNotifications } = await import('./modules/notifications/service.ts');
  const db = await openAndMigrate(cfg);
  const { startServiceDesk } = await import('./modules/servicedesk/jobs.ts');
  const notifications = startNotifications(db, cfg);
  const desk = startServiceDesk(db, cfg);
  let supervision: Awaited<ReturnType<typeof startSupervision>>;
  try {
    supervision = await startSupervision(db, { role: 'worker', claim: opts.concurrency ? { concurrency: opts.concurrency } : {}, onTransitions: notifications.onTransitions });
  } catch (err) {
    await notifications.stop().catch(() => {});
    await desk.stop().catch(() => {});
    await db.close().catch(() => {});
    throw err;
  }
  console.log(`Vigie worker ${supervision.owner} is running the server-side checks with the other workers and serve processes. Stop with Ctrl-C.`);
  await untilSignal(async () => {
    await supervision.stop();
    await notifications.stop();
    await desk.stop();
    await db.close();
    const st = supervision.engine && 'owner' in supervision.engine ? supervision.engine.stats : null;
    if (st) console.log(`worker stopped: ${st.run} runs, ${st.missed} slots missed (saturated), ${st.released} handed back, latest start ${st.lateMaxMs} ms after due`);
  });
}

// ---------------------------------------------------------------- collector

interface CollectorCommandOptions {
  server: string;
  token?: string;
  dataDir?: string;
  resultLog?: string;
  concurrency?: number;
}

async function collector(opts: CollectorCommandOptions) {
  const token = opts.token ?? process.env.VIGIE_COLLECTOR_TOKEN;
  if (!token) throw badRequest('validation_failed', 'Give the collector token with --token or VIGIE_COLLECTOR_TOKEN');
  let server: URL;
  try {
    server = new URL(opts.server);
    if (server.protocol !== 'https:' && server.protocol !== 'http:') throw new Error('not http(s)');
  } catch {
    throw badRequest('validation_failed', `--server must be the Vigie server's address, such as https://vigie.example.net (got "${opts.server}")`);
  }
  const { runCollector } = await import('./modules/monitoring/collector/agent.ts');
  await runCollector({
    server: server.toString(),
    token,
    dataDir: resolve(opts.dataDir ?? join(process.env.DATA_DIR ?? 'data', 'collector')),
    version: VERSION,
    resultLog: opts.resultLog,
    ...(opts.concurrency ? { concurrency: opts.concurrency } : {}),
  });
}

// ---------------------------------------------------------------- migrate

async function migrateCommand() {
  const cfg = config();
  const db = openDatabase({ url: cfg.databaseUrl });
  try {
    const applied = await migrateAndEnsureProvider(db);
    console.log(`Database: ${db.dialect} ${displayUrl(cfg.databaseUrl)}`);
    if (applied.length === 0) console.log('Already up to date: no migration applied.');
    else for (const m of applied) console.log(`applied ${m}`);
  } finally {
    await db.close();
  }
}

// ---------------------------------------------------------------- user

interface UserCreateOptions {
  email: string;
  name: string;
  role: string[];
  client?: string;
  locale?: string;
}

async function userCreate(opts: UserCreateOptions) {
  const roles = opts.role.flatMap((r) => r.split(',')).map((r) => r.trim()).filter(Boolean);
  await withDb(async (db) => {
    const ctx = cliContext();
    if (opts.client) {
      const client = await resolveClient(db, opts.client);
      const input = validate(ClientUserCreateBody, { email: opts.email, name: opts.name, roles, ...(opts.locale ? { locale: opts.locale } : {}) });
      const r = await createUser(db, ctx, { ...input, organisationId: client.id });
      console.log(`Created ${r.user.email} (${r.user.name}) at ${client.name} with roles: ${input.roles.join(', ')}`);
      console.log(`One-time password: ${r.password}`);
    } else {
      const input = validate(StaffCreateBody, { email: opts.email, name: opts.name, roles, ...(opts.locale ? { locale: opts.locale } : {}) });
      const r = await createUser(db, ctx, { ...input, organisationId: await getProviderId(db) });
      console.log(`Created provider staff ${r.user.email} (${r.user.name}) with roles: ${input.roles.join(', ')}`);
      console.log(`One-time password: ${r.password}`);
      console.log('They will be asked to enrol an authenticator app (TOTP MFA) at first sign-in.');
    }
  });
}

async function userResetPassword(email: string) {
  await withDb(async (db) => {
    const u = await userByEmail(db, email);
    const pw = await resetPassword(db, cliContext(), u.id);
    console.log(`New one-time password for ${u.email}: ${pw}`);
    console.log('Their open sessions have been ended.');
  });
}

async function userResetMfa(email: string) {
  await withDb(async (db) => {
    const u = await userByEmail(db, email);
    await resetMfa(db, cliContext(), u.id);
    console.log(`MFA removed for ${u.email}; their open sessions have been ended.`);
    console.log('Provider staff enrol again at next sign-in.');
  });
}

// ---------------------------------------------------------------- token

interface TokenCreateOptions {
  client: string;
  name: string;
  role: string;
  days: number;
  as: string;
}

async function tokenCreate(opts: TokenCreateOptions) {
  await withDb(async (db) => {
    const client = await resolveClient(db, opts.client);
    const input = validate(TokenCreateBody, { name: opts.name, role: opts.role, expires_in_days: opts.days });
    const creatorRow = await userByEmail(db, opts.as);
    const creator = await loadPrincipal(db, creatorRow.id, { kind: 'user', sessionId: 'cli', ip: 'cli' });
    if (!creator) throw forbidden(`${creatorRow.email} is disabled`);
    // The same rules as POST /clients/:clientId/tokens: the creator manages tokens there and holds the role.
    const role = input.role as Role;
    if (!tenancyPolicy.can(creator, 'token.manage', client.id)) {
      throw forbidden(`${creatorRow.email} may not manage API tokens of ${client.name}`);
    }
    if (!isProviderAdmin(creator) && !rolesOn(creator, client.id).includes(role)) {
      throw forbidden(`A token cannot hold a role its creator does not hold (${creatorRow.email} has: ${rolesOn(creator, client.id).join(', ') || 'none'})`);
    }
    const r = await createApiToken(db, cliContext(), creator, client.id, { name: input.name, role, expiresInDays: input.expires_in_days });
    console.log(`Token ${r.token.id} "${r.token.name}" for ${client.name}, role ${r.token.role}, expires ${new Date(r.token.expires_at).toISOString().slice(0, 10)}`);
    console.log(`Secret (shown once): ${r.secret}`);
    console.log('Send it as "Authorization: Bearer <secret>".');
  });
}

async function tokenRevoke(tokenId: string) {
  if (!isId(tokenId)) throw badRequest('validation_failed', `"${tokenId}" is not a token id`);
  await withDb(async (db) => {
    const t = await db.kysely.selectFrom('api_tokens').select(['id', 'client_id']).where('id', '=', tokenId).executeTakeFirst();
    if (!t) throw notFound('token');
    const r = await revokeApiToken(db, cliContext(), t.client_id, t.id);
    console.log(`Token ${r.id} "${r.name}" revoked.`);
  });
}

// ---------------------------------------------------------------- journal

async function journalVerify() {
  const ok = await withDb(
    async (db) => {
      const r = await verifyJournal(db);
      if (r.ok) {
        console.log(`journal OK: ${r.entries} entries`);
        return true;
      }
      const b = r.firstBroken!;
      console.log(`journal BROKEN at entry #${b.seq} (${b.reason})`);
      console.log(BREAK_EXPLAINED[b.reason]);
      return false;
    },
    { migrate: false },
  );
  if (!ok) process.exitCode = 1;
}

const BREAK_EXPLAINED: Record<string, string> = {
  hash_mismatch: 'The content of this entry no longer matches its hash: it was altered.',
  link_mismatch: 'This entry does not follow the one before it: entries were altered or reordered.',
  missing_entry: 'This entry is missing: it was deleted (or the rows were renumbered).',
  head_mismatch: 'The end of the journal does not match its recorded head: entries were added or rewritten outside Vigie.',
};

// ---------------------------------------------------------------- backup

async function backup(opts: { out?: string }) {
  const cfg = config();
  const db = openDatabase({ url: cfg.databaseUrl });
  try {
    const dir = join(cfg.dataDir, 'backups');
    if (db.dialect === 'sqlite') {
      const out = resolve(opts.out ?? join(dir, `vigie-${timestamp()}.sqlite`));
      if (existsSync(out)) throw new AppError(409, 'file_exists', `${out} already exists; choose another --out`);
      mkdirSync(dirname(out), { recursive: true });
      await db.sqlite!.backup(out);
      console.log(`Backup written: ${out} (${formatSize(statSync(out).size)})`);
      return;
    }
    await db.close();
    const out = resolve(opts.out ?? join(dir, `vigie-${timestamp()}.dump`));
    if (existsSync(out)) throw new AppError(409, 'file_exists', `${out} already exists; choose another --out`);
    const url = cfg.databaseUrl;
    const schema = searchPathOf(url);
    const args = ['--format=custom', `--file=${out}`, ...(schema ? [`--schema=${schema}`] : []), url];
    const shown = ['pg_dump', ...args.slice(0, -1), displayUrl(url)].map(shellQuote).join(' ');
    console.log('PostgreSQL backup command:');
    console.log(`  ${shown}`);
    if (displayUrl(url) !== url) console.log('  (the password is hidden here: it is the one in DATABASE_URL)');
    const probe = spawnSync('pg_dump', ['--version'], { encoding: 'utf8' });
    if (probe.error) {
      throw new AppError(500, 'pg_dump_missing', 'pg_dump is not on PATH: install the PostgreSQL client (same major version as the server) and run the command above');
    }
    mkdirSync(dirname(out), { recursive: true });
    console.log(`Running ${probe.stdout.trim()}…`);
    const r = spawnSync('pg_dump', args, { stdio: ['ignore', 'inherit', 'inherit'] });
    if (r.status !== 0) throw new AppError(500, 'backup_failed', `pg_dump exited with ${r.status ?? r.signal}`);
    console.log(`Backup written: ${out} (${formatSize(statSync(out).size)})`);
  } finally {
    await db.close().catch(() => {});
  }
}

/** The schema named by `?options=-c search_path=…` in a PostgreSQL URL, if any. */
function searchPathOf(url: string): string | null {
  try {
    const options = new URL(url).searchParams.get('options') ?? '';
    const m = /search_path\s*=\s*"?([A-Za-z_][\w$]*)/.exec(options);
    return m ? m[1]! : null;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------- program

function intOption(name: string, min: number, max: number) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}.`);
    return n;
  };
}

export function buildProgram(): Command {
  const program = new Command('vigie')
    .description('Vigie: the managed-services contract, run in the open')
    .version(VERSION)
    .showHelpAfterError()
    .exitOverride();
  program.configureOutput({ outputError: (s, write) => write(s) });

  program
    .command('serve')
    .description('run the HTTP API and web app (creates the first administrator on the first start)')
    .option('--port <port>', 'port to listen on (default: PORT or 8080)', intOption('--port', 0, 65535))
    .option('--host <host>', 'address to listen on (default: HOST or 127.0.0.1)')
    .option('--demo', 'load the demo clients, people and assets (once; also VIGIE_DEMO=1)')
    .action(serve);

  program
    .command('worker')
    .description('run server-side checks only, sharing them with the other workers and serve processes (PostgreSQL)')
    .option('--concurrency <n>', 'probes running at once', intOption('--concurrency', 1, 10_000))
    .action(worker);

  program
    .command('collector')
    .description("run a site collector: pulls its checks from the server, runs them, buffers and pushes the results (outbound HTTPS only)")
    .requiredOption('--server <url>', 'the Vigie server, e.g. https://vigie.example.net (a private CA: set NODE_EXTRA_CA_CERTS)')
    .option('--token <token>', 'the collector token shown when it was created (or VIGIE_COLLECTOR_TOKEN)')
    .option('--data-dir <dir>', 'where the local result buffer lives (default: DATA_DIR/collector)')
    .option('--concurrency <n>', 'probes running at once', intOption('--concurrency', 1, 10_000))
    .addOption(new Option('--result-log <file>', 'append every result produced as a JSON line (diagnostics)').hideHelp())
    .action(collector);

  program.command('migrate').description('bring the database schema up to date').action(migrateCommand);

  const user = program.command('user').description('manage people');
  user
    .command('create')
    .description('create provider staff (no --client) or a user of a client; prints a one-time password')
    .requiredOption('--email <email>', 'their email address')
    .requiredOption('--name <name>', 'their full name')
    .addOption(new Option('--role <role...>', `roles (staff: ${PROVIDER_ROLES.join(', ')}; client: ${CLIENT_ROLES.join(', ')})`).makeOptionMandatory())
    .option('--client <slug|id>', 'the client company they belong to')
    .addOption(new Option('--locale <locale>', 'language').choices(['fr', 'en']))
    .action(userCreate);
  user.command('reset-password').argument('<email>').description('set a new one-time password and end their sessions').action(userResetPassword);
  user.command('reset-mfa').argument('<email>').description('remove their MFA: they enrol again at next sign-in').action(userResetMfa);

  const token = program.command('token').description('manage API tokens');
  token
    .command('create')
    .description('create an API token for a client; prints the secret once')
    .requiredOption('--client <slug|id>', 'the client')
    .requiredOption('--name <name>', 'what it is for')
    .addOption(new Option('--role <role>', 'the role it acts with').choices(ALL_ROLES).makeOptionMandatory())
    .option('--days <days>', 'days until it expires', intOption('--days', 1, 730), 90)
    .requiredOption('--as <email>', 'the user creating it (it acts on their behalf)')
    .action(tokenCreate);
  token.command('revoke').argument('<tokenId>').description('revoke an API token').action(tokenRevoke);

  const journal = program.command('journal').description('the hash-chained journal');
  journal.command('verify').description('check the whole chain; exit 1 when it is broken').action(journalVerify);

  program
    .command('backup')
    .description('SQLite: online copy under DATA_DIR/backups; PostgreSQL: pg_dump')
    .option('--out <file>', 'where to write the backup')
    .action(backup);

  return program;
}

/** Prints an error the same way for every command and picks the exit code: 2 for bad input, 1 otherwise. */
export function reportError(err: unknown): number {
  if (err instanceof CommanderError) {
    // Commander has already printed its message (unknown option, missing argument…).
    return err.exitCode === 0 ? 0 : 2;
  }
  if (err instanceof AppError) {
    console.error(`error [${err.id}]: ${err.message}`);
    return err.status >= 400 && err.status < 500 ? 2 : 1;
  }
  const msg = err instanceof Error ? err.message : String(err);
  if (/no such table|relation "[^"]+" does not exist/i.test(msg)) {
    console.error('error [not_migrated]: The database is not initialised: run `vigie migrate` first');
    return 1;
  }
  console.error(`error [internal_error]: ${msg}`);
  if (process.env.VIGIE_DEBUG === '1' && err instanceof Error) console.error(err.stack);
  return 1;
}

async function main(argv: string[]) {
  const program = buildProgram();
  const isServe = argv[2] === 'serve';
  try {
    await program.parseAsync(argv);
  } catch (err) {
    process.exit(reportError(err));
  }
  // Everything but `serve` is done here: do not wait on stray handles.
  // (worker and collector return from their action once stopped by a signal.)
  if (!isServe) process.exit(process.exitCode ?? 0);
}

await main(process.argv);
