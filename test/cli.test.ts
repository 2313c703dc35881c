/**
 * The `vigie` command line, run as a real process against a SQLite database in a temporary DATA_DIR:
 * migrate, people, tokens, backup, and `serve` (first admin, health, sign-in, demo data, SIGTERM).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openAndMigrate } from '../src/app/bootstrap.ts';
import { sha256, verifyPassword } from '../src/core/crypto.ts';
import { SYSTEM_CONTEXT } from '../src/modules/journal/service.ts';
import { createClient } from '../src/modules/tenancy/service.ts';
import { runCli, ServeProcess } from './support/cli.ts';
import { freshDatabaseAtUrl, TEST_DIALECTS } from './support/databases.ts';

const dirs: string[] = [];
function tempDataDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'vigie-cli-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Reads the SQLite file directly, as a second process would. */
function query<T>(dataDir: string, q: string, ...params: unknown[]): T[] {
  const db = new SQLite(join(dataDir, 'vigie.sqlite'), { readonly: true });
  try {
    return db.prepare(q).all(...params) as T[];
  } finally {
    db.close();
  }
}

function passwordIn(out: string): string {
  const m = out.match(/one-time password[^:]*:\s+([a-z0-9]{4}(?:-[a-z0-9]{4}){3})/i);
  if (!m) throw new Error(`no one-time password in:\n${out}`);
  return m[1]!;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

describe('vigie CLI [sqlite]', () => {
  let dataDir: string;
  let env: Record<string, string>;
  let clientSlug: string;
  let referentEmail: string;

  beforeAll(() => {
    dataDir = tempDataDir();
    env = { DATA_DIR: dataDir };
  });

  it('migrate: applies the migrations once, then says it is up to date', async () => {
    const first = await runCli(['migrate'], env);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('applied 0001-foundation');
    expect(existsSync(join(dataDir, 'vigie.sqlite'))).toBe(true);
    const again = await runCli(['migrate'], env);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('Already up to date');
    expect(query(dataDir, `select kind from organisations`)).toEqual([{ kind: 'provider' }]);
  });

  it('user create: provider staff, with a one-time password that works, journaled as cli:<os user>', async () => {
    const r = await runCli(['user', 'create', '--email', 'Camille.Staff@Provider.test', '--name', 'Camille Staff', '--role', 'engineer', 'account_manager'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const pw = passwordIn(r.stdout);
    const [u] = query<{ id: string; password_hash: string; organisation_id: string }>(dataDir, `select id, password_hash, organisation_id from users where email = ?`, 'camille.staff@provider.test');
    expect(u).toBeDefined();
    expect(await verifyPassword(pw, u!.password_hash)).toBe(true);
    const roles = query<{ role: string }>(dataDir, `select role from memberships where user_id = ? order by role`, u!.id).map((x) => x.role);
    expect(roles).toEqual(['account_manager', 'engineer']);
    const [j] = query<{ action: string; actor_label: string; actor_id: string | null }>(dataDir, `select action, actor_label, actor_id from journal where object_id = ?`, u!.id);
    expect(j).toMatchObject({ action: 'user.create', actor_id: null });
    expect(j!.actor_label).toMatch(/^cli:.+/);
  });

  it('user create --client: a client user, by short name; bad input exits 2 with the error id', async () => {
    // Clients are created by the API; make one in the same file.
    const db = await openAndMigrate({ databaseUrl: join(dataDir, 'vigie.sqlite') });
    const c = await createClient(db, SYSTEM_CONTEXT, { name: 'Boulangerie Test', slug: 'boulangerie-test' });
    await db.close();
    clientSlug = c.slug;
    referentEmail = 'referent@boulangerie.test';

    const r = await runCli(['user', 'create', '--email', referentEmail, '--name', 'Réf Technique', '--role', 'technical_referent', 'user', '--client', clientSlug], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    passwordIn(r.stdout);
    const [u] = query<{ organisation_id: string }>(dataDir, `select organisation_id from users where email = ?`, referentEmail);
    expect(u!.organisation_id).toBe(c.id);
    // By id too.
    const byId = await runCli(['user', 'create', '--email', 'aud@boulangerie.test', '--name', 'Auditeur', '--role', 'auditor', '--client', c.id], env);
    expect(byId.code).toBe(0);

    const staffRoleForClient = await runCli(['user', 'create', '--email', 'x@boulangerie.test', '--name', 'X', '--role', 'admin', '--client', clientSlug], env);
    expect(staffRoleForClient.code).toBe(2);
    expect(staffRoleForClient.stderr).toContain('validation_failed');
    const unknownClient = await runCli(['user', 'create', '--email', 'y@nowhere.test', '--name', 'Y', '--role', 'user', '--client', 'nowhere'], env);
    expect(unknownClient.code).toBe(2);
    expect(unknownClient.stderr).toContain('not_found');
    const taken = await runCli(['user', 'create', '--email', referentEmail, '--name', 'Again', '--role', 'user', '--client', clientSlug], env);
    expect(taken.code).toBe(2);
    expect(taken.stderr).toContain('email_taken');
    const missing = await runCli(['user', 'create', '--email', 'z@z.test', '--role', 'user'], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--name/);
  });

  it('user reset-password and reset-mfa', async () => {
    const [before] = query<{ password_hash: string }>(dataDir, `select password_hash from users where email = ?`, referentEmail);
    const r = await runCli(['user', 'reset-password', referentEmail], env);
    expect(r.code).toBe(0);
    const pw = passwordIn(r.stdout);
    const [after] = query<{ password_hash: string; id: string }>(dataDir, `select id, password_hash from users where email = ?`, referentEmail);
    expect(after!.password_hash).not.toBe(before!.password_hash);
    expect(await verifyPassword(pw, after!.password_hash)).toBe(true);
    expect(query(dataDir, `select action from journal where object_id = ? and action = 'user.password_reset'`, after!.id)).toHaveLength(1);

    const m = await runCli(['user', 'reset-mfa', 'camille.staff@provider.test'], env);
    expect(m.code).toBe(0);
    expect(m.stdout).toContain('MFA removed');

    const none = await runCli(['user', 'reset-password', 'nobody@nowhere.test'], env);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('error [not_found]');
  });

  it('token create prints the secret once (only its hash is stored); token revoke revokes it', async () => {
    const r = await runCli(['token', 'create', '--client', clientSlug, '--name', 'script de sauvegarde', '--role', 'technical_referent', '--days', '30', '--as', referentEmail], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const secret = r.stdout.match(/Secret \(shown once\): (vgt_\S+)/)![1]!;
    const id = r.stdout.match(/Token ([0-9a-f-]{36})/)![1]!;
    const [t] = query<{ token_hash: string; role: string; revoked_at: number | null; expires_at: number; created_at: number }>(dataDir, `select * from api_tokens where id = ?`, id);
    expect(t!.token_hash).toBe(sha256(secret));
    expect(t!.role).toBe('technical_referent');
    expect(t!.revoked_at).toBeNull();
    expect(t!.expires_at - t!.created_at).toBe(30 * 86400_000);
    expect(r.stdout.split(secret)).toHaveLength(2);

    // A role the creator does not hold, and a creator without rights on tokens.
    const notHeld = await runCli(['token', 'create', '--client', clientSlug, '--name', 'x', '--role', 'auditor', '--as', referentEmail], env);
    expect(notHeld.code).toBe(2);
    expect(notHeld.stderr).toContain('forbidden');
    const noRight = await runCli(['token', 'create', '--client', clientSlug, '--name', 'x', '--role', 'auditor', '--as', 'aud@boulangerie.test'], env);
    expect(noRight.code).toBe(2);
    const badDays = await runCli(['token', 'create', '--client', clientSlug, '--name', 'x', '--role', 'user', '--days', '0', '--as', referentEmail], env);
    expect(badDays.code).toBe(2);

    const rv = await runCli(['token', 'revoke', id], env);
    expect(rv.code).toBe(0);
    expect(rv.stdout).toContain('revoked');
    const [t2] = query<{ revoked_at: number | null }>(dataDir, `select revoked_at from api_tokens where id = ?`, id);
    expect(t2!.revoked_at).toBeGreaterThan(0);
    expect(query(dataDir, `select action from journal where object_id = ? order by seq`, id)).toEqual([{ action: 'token.create' }, { action: 'token.revoke' }]);
    const unknown = await runCli(['token', 'revoke', '01890000-0000-7000-8000-000000000000'], env);
    expect(unknown.code).toBe(2);
  });

  it('backup: an online copy that opens and holds the users; refuses to overwrite', async () => {
    const out = join(dataDir, 'copy.sqlite');
    const r = await runCli(['backup', '--out', out], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(out);
    const copy = new SQLite(out, { readonly: true });
    const emails = (copy.prepare('select email from users order by email').all() as { email: string }[]).map((x) => x.email);
    copy.close();
    expect(emails).toEqual(expect.arrayContaining(['camille.staff@provider.test', referentEmail]));
    expect((await runCli(['backup', '--out', out], env)).code).toBe(2);

    const def = await runCli(['backup'], env);
    expect(def.code).toBe(0);
    const path = def.stdout.match(/Backup written: (\S+) \(/)![1]!;
    expect(path.startsWith(join(dataDir, 'backups'))).toBe(true);
    expect(existsSync(path)).toBe(true);
  });

  it('journal verify: OK after all these changes', async () => {
    const r = await runCli(['journal', 'verify'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/journal OK: \d+ entries/);
  });
});

describe('vigie serve [sqlite]', () => {
  it('creates the first admin, answers health checks, lets the printed password sign in, stops on SIGTERM', async () => {
    const dataDir = tempDataDir();
    const port = await freePort();
    const s = new ServeProcess(['--port', String(port)], { DATA_DIR: dataDir });
    try {
      await s.waitFor(/http:\/\//);
      await s.waitFor(/Stop with Ctrl-C/);
      expect(s.stdout).toContain(`http://127.0.0.1:${port}`);
      expect(s.stdout).toContain('admin@vigie.local');
      expect(s.stdout).toMatch(/MFA/);
      const pw = passwordIn(s.stdout);
      const base = `http://127.0.0.1:${port}`;
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      const ready = await fetch(`${base}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ status: 'ready', database: 'sqlite' });
      const login = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'admin@vigie.local', password: pw }) });
      expect(login.status).toBe(200);
      expect(((await login.json()) as { stage: string }).stage).toBe('mfa_enrol');
    } finally {
      const exit = await s.stop();
      expect(exit).toEqual({ code: 0, signal: null });
    }

    // Second start: no new admin, the box says how to reset the password instead.
    const again = new ServeProcess(['--port', '0'], { DATA_DIR: dataDir });
    try {
      await again.waitFor(/Stop with Ctrl-C/);
      expect(again.stdout).toContain('npx vigie user reset-password admin@vigie.local');
      expect(again.stdout).not.toMatch(/one-time password/i);
    } finally {
      expect((await again.stop()).code).toBe(0);
    }
    expect(query(dataDir, `select email from users`)).toEqual([{ email: 'admin@vigie.local' }]);
  });

  it('serve --demo loads the demo data once; a second start adds nothing', async () => {
    const dataDir = tempDataDir();
    const counts = () =>
      Object.fromEntries(['organisations', 'users', 'memberships', 'sites', 'assets', 'asset_relations'].map((t) => [t, query<{ n: number }>(dataDir, `select count(*) as n from ${t}`)[0]!.n]));

    const first = new ServeProcess(['--port', '0', '--demo'], { DATA_DIR: dataDir });
    let port: number;
    try {
      await first.waitFor(/Demo accounts[\s\S]*nicolas\.leroy/);
      expect(first.stdout).toContain('Demo data loaded');
      expect(first.stdout).toContain('camille.martin@vigie.example');
      port = Number((await first.waitFor(/http:\/\/127\.0\.0\.1:(\d+)/))[1]);
      // A demo client user signs in with the demo password, no MFA; demo staff must enrol.
      const base = `http://127.0.0.1:${port}/api/v1/auth/login`;
      const post = (email: string) => fetch(base, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: 'vigie-demo' }) });
      expect(((await (await post('sophie.girard@boulangeries-durand.example')).json()) as { stage: string }).stage).toBe('full');
      expect(((await (await post('camille.martin@vigie.example')).json()) as { stage: string }).stage).toBe('mfa_enrol');
    } finally {
      expect((await first.stop()).code).toBe(0);
    }
    const loaded = counts();
    expect(loaded.organisations).toBe(3);
    expect(loaded.sites).toBe(3);
    expect(loaded.assets).toBeGreaterThanOrEqual(30);
    expect(loaded.asset_relations).toBeGreaterThanOrEqual(20);

    const second = new ServeProcess(['--port', '0'], { DATA_DIR: dataDir, VIGIE_DEMO: '1' });
    try {
      await second.waitFor(/Demo accounts/);
      expect(second.stdout).toContain('already present');
    } finally {
      expect((await second.stop()).code).toBe(0);
    }
    expect(counts()).toEqual(loaded);
    const v = await runCli(['journal', 'verify'], { DATA_DIR: dataDir });
    expect(v.code).toBe(0);
  });
});

const pgDumpOnPath = !spawnSync('pg_dump', ['--version']).error;
const pgReady = TEST_DIALECTS.includes('postgres') && inject('pgAvailable');
if (!pgReady) console.warn(`SKIPPED vigie CLI [postgres]: ${TEST_DIALECTS.includes('postgres') ? 'PostgreSQL does not answer' : 'PostgreSQL is not in VIGIE_TEST_DATABASES'}`);
(pgReady ? describe : describe.skip)('vigie CLI [postgres]', () => {
  it('works on a schema named in DATABASE_URL; backup prints the pg_dump command and runs it', async () => {
    const h = await freshDatabaseAtUrl('postgres');
    try {
      const env = { DATABASE_URL: h.url, DATA_DIR: h.dataDir };
      expect((await runCli(['migrate'], env)).stdout).toContain('Already up to date');
      const u = await runCli(['user', 'create', '--email', 'pg-admin@provider.test', '--name', 'PG Admin', '--role', 'admin'], env);
      expect(u.code).toBe(0);
      const row = await h.db.kysely.selectFrom('users').select('email').where('email', '=', 'pg-admin@provider.test').executeTakeFirst();
      expect(row).toBeDefined();
      expect((await runCli(['journal', 'verify'], env)).code).toBe(0);

      const out = join(h.dataDir, 'vigie.dump');
      const b = await runCli(['backup', '--out', out], env);
      const schema = new URL(h.url).searchParams.get('options')!.split('=')[1]!;
      expect(b.stdout).toContain(`pg_dump --format=custom --file=${out} --schema=${schema} `);
      if (!pgDumpOnPath) {
        expect(b.code).toBe(1);
        expect(b.stderr).toContain('pg_dump_missing');
        return;
      }
      expect(b.stderr).toBe('');
      expect(b.code).toBe(0);
      const listing = spawnSync('pg_restore', ['--list', out], { encoding: 'utf8' });
      expect(listing.stdout).toMatch(new RegExp(`TABLE ${schema} users `));
      expect(listing.stdout).toMatch(new RegExp(`TABLE ${schema} journal `));
    } finally {
      await h.dispose();
    }
  });
});
