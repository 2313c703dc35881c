/**
 * The journal on a real database: mutations through the services, then tampering in SQL, found by
 * verifyJournal and by `vigie journal verify`; rollbacks leave nothing; reading is scoped by client.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freshDatabaseAtUrl, describeEachDatabase } from '../../../test/support/databases.ts';
import { runCli } from '../../../test/support/cli.ts';
import { login, twoClients, Session, testServer } from '../../../test/support/world.ts';
import type { App } from '../../app/server.ts';
import type { Db, Dialect } from '../../db/database.ts';
import type { JournalTable } from '../../db/schema.ts';
import { appendJournal, journaled, SYSTEM_CONTEXT, verifyJournal } from './service.ts';
import { addMembership, createApiToken, createClient, createUser, loadPrincipal, resetPassword, updateClient } from '../tenancy/service.ts';

/** A few real changes of different kinds, so the chain mixes clients, actors and before/after values. */
async function someHistory(db: Db) {
  const ctx = { actorId: null, actorLabel: 'test', ip: '127.0.0.1', reason: 'set-up' };
  const w = await twoClients(db);
  await updateClient(db, ctx, w.a.client.id, { notes: 'Contrat signé le 3 mars' });
  await updateClient(db, ctx, w.b.client.id, { name: 'Bêta Logistique SAS' });
  const extra = await createUser(db, ctx, { email: `extra-${Date.now()}@a.test`, name: 'Extra', organisationId: w.a.client.id, roles: ['user'] });
  await addMembership(db, ctx, w.a.client.id, extra.user.id, 'auditor');
  await resetPassword(db, ctx, extra.user.id);
  const admin = (await loadPrincipal(db, w.admin.id, { kind: 'user', sessionId: 's', ip: '127.0.0.1' }))!;
  await createApiToken(db, ctx, admin, w.a.client.id, { name: 'collecteur', role: 'auditor', expiresInDays: 30 });
  return w;
}

async function row(db: Db, seq: number): Promise<JournalTable> {
  const r = await db.kysely.selectFrom('journal').selectAll().where('seq', '=', seq).executeTakeFirstOrThrow();
  return { ...r, seq: Number(r.seq), at: Number(r.at) };
}

async function lastSeq(db: Db): Promise<number> {
  const r = await db.kysely.selectFrom('journal_head').select('last_seq').where('id', '=', 1).executeTakeFirstOrThrow();
  return Number(r.last_seq);
}

async function reinsert(db: Db, r: JournalTable) {
  await db.kysely.insertInto('journal').values(r).execute();
}

/** A seq in the middle of the chain that belongs to a client (not the first nor the last entry). */
async function middleSeq(db: Db): Promise<number> {
  const last = await lastSeq(db);
  const r = await db.kysely.selectFrom('journal').select('seq').where('client_id', 'is not', null).where('seq', '>', 1).where('seq', '<', last).orderBy('seq').execute();
  return Number(r[Math.floor(r.length / 2)]!.seq);
}

describeEachDatabase('journal: tampering, rollbacks and scoped reading', (getDb, dialect) => {
  let app: App;
  let world: Awaited<ReturnType<typeof someHistory>>;
  beforeAll(async () => {
    world = await someHistory(getDb());
    app = await testServer(getDb());
  });
  afterAll(async () => {
    await app?.close();
  });

  it('verifies an untouched chain of real mutations', async () => {
    const db = getDb();
    const n = await lastSeq(db);
    expect(n).toBeGreaterThan(15);
    expect(await verifyJournal(db)).toEqual({ ok: true, entries: n, firstBroken: null });
    // Small batches read the same chain.
    expect(await verifyJournal(db, 3)).toEqual({ ok: true, entries: n, firstBroken: null });
  });

  it('names the entry whose content was changed in SQL', async () => {
    const db = getDb();
    const k = await middleSeq(db);
    const original = await row(db, k);
    await sql`update journal set after = ${'{"notes":"forged"}'} where seq = ${k}`.execute(db.kysely);
    expect(await verifyJournal(db)).toMatchObject({ ok: false, firstBroken: { seq: k, reason: 'hash_mismatch' } });
    await sql`update journal set after = ${original.after} where seq = ${k}`.execute(db.kysely);
    expect((await verifyJournal(db)).ok).toBe(true);

    await sql`update journal set actor_label = ${'someone else'} where seq = ${k}`.execute(db.kysely);
    expect((await verifyJournal(db)).firstBroken).toEqual({ seq: k, reason: 'hash_mismatch' });
    await sql`update journal set actor_label = ${original.actor_label} where seq = ${k}`.execute(db.kysely);
    expect((await verifyJournal(db)).ok).toBe(true);
  });

  it('names the entry deleted in SQL, in the middle and at the end', async () => {
    const db = getDb();
    const k = await middleSeq(db);
    const middle = await row(db, k);
    await sql`delete from journal where seq = ${k}`.execute(db.kysely);
    expect((await verifyJournal(db)).firstBroken).toEqual({ seq: k, reason: 'missing_entry' });
    await reinsert(db, middle);

    const last = await lastSeq(db);
    const tail = await row(db, last);
    await sql`delete from journal where seq = ${last}`.execute(db.kysely);
    const r = await verifyJournal(db);
    expect(r.ok).toBe(false);
    expect(r.firstBroken).toEqual({ seq: last, reason: 'missing_entry' });
    await reinsert(db, tail);
    expect((await verifyJournal(db)).ok).toBe(true);
  });

  it('leaves no entry for a mutation that rolls back, and the chain goes on without a gap', async () => {
    const db = getDb();
    const before = await lastSeq(db);
    const headBefore = await db.kysely.selectFrom('journal_head').selectAll().executeTakeFirstOrThrow();

    // A service refusing bad input inside its transaction.
    await expect(createUser(db, SYSTEM_CONTEXT, { email: 'x@y.test', name: 'X', organisationId: world.a.client.id, roles: ['admin'] })).rejects.toMatchObject({ id: 'role_not_allowed' });
    await expect(createClient(db, SYSTEM_CONTEXT, { name: 'Doublon', slug: world.a.client.slug })).rejects.toMatchObject({ id: 'slug_taken' });
    // A failure after the journal entry was appended: the entry goes with the transaction.
    await expect(
      db.kysely.transaction().execute(async (trx) => {
        await appendJournal(trx, db.dialect, SYSTEM_CONTEXT, { clientId: world.a.client.id, action: 'client.create', objectType: 'organisation' });
        await trx.insertInto('organisations').values({ id: world.a.client.id, kind: 'client', name: 'dup', slug: 'dup-pk', notes: '', created_at: 0, updated_at: 0, archived_at: null }).execute();
      }),
    ).rejects.toThrow();
    // The same through journaled(): the callback fails, nothing is written.
    await expect(
      journaled(db, SYSTEM_CONTEXT, async (trx) => {
        await trx.updateTable('organisations').set({ notes: 'should vanish' }).where('id', '=', world.a.client.id).execute();
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');

    expect(await lastSeq(db)).toBe(before);
    expect(await db.kysely.selectFrom('journal_head').selectAll().executeTakeFirstOrThrow()).toEqual(headBefore);
    const count = await db.kysely.selectFrom('journal').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(before);
    expect((await db.kysely.selectFrom('organisations').select('notes').where('id', '=', world.a.client.id).executeTakeFirstOrThrow()).notes).not.toBe('should vanish');

    await updateClient(db, SYSTEM_CONTEXT, world.a.client.id, { notes: 'after the rollbacks' });
    expect(await lastSeq(db)).toBe(before + 1);
    expect(await verifyJournal(db)).toMatchObject({ ok: true, entries: before + 1 });
  });

  it('lets referents and the auditor read their own client journal only; a user gets 403', async () => {
    const { a, b } = world;
    const ref = await login(app, a.referent);
    const own = await ref.get(`/api/v1/clients/${a.client.id}/journal?limit=500`);
    expect(own.statusCode).toBe(200);
    const items = own.json().items as { client_id: string; action: string; seq: number; hash: string }[];
    expect(items.length).toBeGreaterThan(3);
    expect(items.every((e) => e.client_id === a.client.id)).toBe(true);
    expect(items.map((e) => e.action)).toEqual(expect.arrayContaining(['client.create', 'client.update', 'user.create', 'token.create']));
    expect(items.map((e) => e.seq)).toEqual([...items.map((e) => e.seq)].sort((x, y) => y - x));

    const other = await ref.get(`/api/v1/clients/${b.client.id}/journal`);
    expect(other.statusCode).toBe(404);
    expect(other.json().error.id).toBe('not_found');

    const auditor = await login(app, a.auditor);
    expect((await auditor.get(`/api/v1/clients/${a.client.id}/journal`)).statusCode).toBe(200);
    expect((await auditor.get(`/api/v1/clients/${b.client.id}/journal`)).statusCode).toBe(404);

    const user = await login(app, a.user);
    const u = await user.get(`/api/v1/clients/${a.client.id}/journal`);
    expect(u.statusCode).toBe(403);
    expect(u.json().error.id).toBe('forbidden');

    // Client-side people cannot read the whole journal nor verify it.
    expect((await ref.get('/api/v1/journal')).statusCode).toBe(403);
    expect((await ref.post('/api/v1/journal/verify')).statusCode).toBe(403);
    expect((await new Session(app).post('/api/v1/journal/verify')).statusCode).toBe(401);
  });

  it('lets a provider admin verify the journal over the API, and records that check', async () => {
    const db = getDb();
    const admin = await login(app, world.admin);
    const r = await admin.post('/api/v1/journal/verify');
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ ok: true, first_broken: null });
    expect(r.json().entries).toBeGreaterThan(0);
    const lastAction = await db.kysely.selectFrom('journal').select(['action', 'actor_id']).orderBy('seq', 'desc').limit(1).executeTakeFirstOrThrow();
    expect(lastAction).toEqual({ action: 'journal.verify', actor_id: world.admin.id });

    const k = await middleSeq(db);
    const original = await row(db, k);
    await sql`update journal set reason = ${'rewritten'} where seq = ${k}`.execute(db.kysely);
    const broken = await admin.post('/api/v1/journal/verify');
    expect(broken.json()).toMatchObject({ ok: false, first_broken: { seq: k, reason: 'hash_mismatch' } });
    await sql`update journal set reason = ${original.reason} where seq = ${k}`.execute(db.kysely);
    expect((await admin.post('/api/v1/journal/verify')).json().ok).toBe(true);
  });

  it('`vigie journal verify` says OK (exit 0), then names the tampered entry (exit 1)', async () => {
    await cliScenario(dialect);
  });
});

/** The same tampering seen by the command line, on a database it opens by URL. */
async function cliScenario(dialect: Dialect) {
  const h = await freshDatabaseAtUrl(dialect);
  try {
    const db = h.db;
    await someHistory(db);
    const env = { DATABASE_URL: h.url, DATA_DIR: h.dataDir };
    const n = await lastSeq(db);

    const ok = await runCli(['journal', 'verify'], env);
    expect(ok.stderr).toBe('');
    expect(ok.stdout).toContain(`journal OK: ${n} entries`);
    expect(ok.code).toBe(0);

    const k = await middleSeq(db);
    const original = await row(db, k);
    await sql`update journal set after = ${'{"name":"Forged"}'} where seq = ${k}`.execute(db.kysely);
    const altered = await runCli(['journal', 'verify'], env);
    expect(altered.stdout).toContain(`journal BROKEN at entry #${k} (hash_mismatch)`);
    expect(altered.code).toBe(1);
    await sql`update journal set after = ${original.after} where seq = ${k}`.execute(db.kysely);

    await sql`delete from journal where seq = ${k}`.execute(db.kysely);
    const deleted = await runCli(['journal', 'verify'], env);
    expect(deleted.stdout).toContain(`journal BROKEN at entry #${k} (missing_entry)`);
    expect(deleted.code).toBe(1);
    await reinsert(db, original);

    await sql`delete from journal where seq = ${n}`.execute(db.kysely);
    const tail = await runCli(['journal', 'verify'], env);
    expect(tail.stdout).toContain(`journal BROKEN at entry #${n} (missing_entry)`);
    expect(tail.code).toBe(1);
  } finally {
    await h.dispose();
  }
}
