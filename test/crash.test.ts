/**
 * A crash loses no acknowledged data: a real server process takes a stream of writes, is killed
 * with SIGKILL in the middle of it, and restarted on the same database. Every write that was
 * answered 201 is there, and the journal chain is intact.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { openDatabase } from '../src/db/database.ts';
import { verifyJournal } from '../src/modules/journal/service.ts';
import { currentTotp } from '../src/modules/tenancy/totp.ts';
import { PG_URL, TEST_DIALECTS } from './support/databases.ts';

interface Child {
  proc: ChildProcess;
  port: number;
  email: string;
  password: string;
  totp: string;
}

function startServer(env: Record<string, string>): Promise<Child> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'test/support/serve-child.ts'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input: proc.stdout! });
    rl.once('line', (line) => resolve({ proc, ...JSON.parse(line) }));
    proc.once('exit', (code) => reject(new Error(`server exited early with ${code}`)));
  });
}

async function signIn(c: Child): Promise<{ cookie: string; csrf: string }> {
  const base = `http://127.0.0.1:${c.port}/api/v1`;
  const r = await fetch(`${base}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: c.email, password: c.password }) });
  const cookie = r.headers.getSetCookie()[0]!.split(';')[0]!;
  const { csrf_token: csrf } = (await r.json()) as { csrf_token: string };
  const m = await fetch(`${base}/auth/mfa/verify`, { method: 'POST', headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrf }, body: JSON.stringify({ code: currentTotp(c.totp) }) });
  expect(m.status).toBe(200);
  return { cookie, csrf };
}

for (const dialect of TEST_DIALECTS) {
  const available = dialect === 'sqlite' || inject('pgAvailable');
  if (!available) console.warn('SKIPPED crash test [postgres]: PostgreSQL does not answer');
  (available ? describe : describe.skip)(`a crash loses no acknowledged data [${dialect}]`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigie-crash-'));
    const schema = `vt_${randomBytes(6).toString('hex')}`;
    const url = dialect === 'sqlite' ? join(dir, 'vigie.sqlite') : `${PG_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
    afterAll(async () => {
      rmSync(dir, { recursive: true, force: true });
      if (dialect === 'postgres') {
        const c = new pg.Client({ connectionString: PG_URL });
        await c.connect();
        await c.query(`drop schema if exists ${schema} cascade`);
        await c.end();
      }
    });

    it('keeps every write answered before SIGKILL, with the journal intact', async () => {
      if (dialect === 'postgres') {
        const c = new pg.Client({ connectionString: PG_URL });
        await c.connect();
        await c.query(`create schema ${schema}`);
        await c.end();
      }
      const env = { DATABASE_URL: url, CRED_FILE: join(dir, 'cred.json') };
      const first = await startServer(env);
      const auth = await signIn(first);
      const acknowledged: string[] = [];
      let stop = false;
      const writer = async (w: number) => {
        for (let i = 0; !stop; i++) {
          try {
            const r = await fetch(`http://127.0.0.1:${first.port}/api/v1/clients`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', cookie: auth.cookie, 'x-csrf-token': auth.csrf },
              body: JSON.stringify({ name: `Crash ${w}-${i}`, slug: `crash-${w}-${i}` }),
            });
            if (r.status === 201) acknowledged.push(((await r.json()) as { id: string }).id);
          } catch {
            return; // the server is gone
          }
        }
      };
      const writers = [0, 1, 2, 3].map(writer);
      await new Promise((r) => setTimeout(r, 1500));
      first.proc.kill('SIGKILL');
      stop = true;
      await Promise.all(writers);
      expect(acknowledged.length).toBeGreaterThan(10);

      // Restart on the same database: everything acknowledged is there and the chain verifies.
      const second = await startServer(env);
      second.proc.kill('SIGTERM');
      const db = openDatabase({ url });
      try {
        const ids = new Set((await db.kysely.selectFrom('organisations').select('id').where('kind', '=', 'client').execute()).map((r) => r.id));
        const lost = acknowledged.filter((id) => !ids.has(id));
        expect(lost).toEqual([]);
        const v = await verifyJournal(db);
        expect(v.firstBroken).toBeNull();
        expect(v.ok).toBe(true);
        const journaled = await db.kysely.selectFrom('journal').select('object_id').where('action', '=', 'client.create').execute();
        expect(journaled.length).toBe(ids.size);
      } finally {
        await db.close();
      }
    }, 60_000);
  });
}
