import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../../../test/support/databases.ts';
import { login, makeClient, makeClientUser, makeStaff, Session, testServer } from '../../../test/support/world.ts';
import type { App } from '../../app/server.ts';
import { currentTotp } from './totp.ts';
import { sha256 } from '../../core/crypto.ts';

describeEachDatabase('sign-in, MFA, CSRF and tokens', (getDb) => {
  let app: App;
  beforeAll(async () => {
    app = await testServer(getDb(), { loginRateLimit: { max: 5, windowMs: 60_000 } });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('makes provider staff enrol in TOTP before anything else, then asks for the code at each login', async () => {
    const staff = await makeStaff(getDb(), ['admin'], { mfa: false });
    const s = new Session(app);
    const r = await s.post('/api/v1/auth/login', { email: staff.email, password: staff.password });
    expect(r.statusCode).toBe(200);
    expect(r.json().stage).toBe('mfa_enrol');
    s.csrf = r.json().csrf_token;
    expect((await s.get('/api/v1/clients')).json().error.id).toBe('mfa_required');

    const enrol = await s.post('/api/v1/auth/mfa/enrol');
    expect(enrol.statusCode).toBe(200);
    expect(enrol.json().qr_data_url).toMatch(/^data:image\/png;base64,/);
    const secret = enrol.json().secret as string;
    expect((await s.post('/api/v1/auth/mfa/confirm', { code: '000000' })).json().error.id).toBe('mfa_code_invalid');
    const conf = await s.post('/api/v1/auth/mfa/confirm', { code: currentTotp(secret) });
    expect(conf.statusCode).toBe(200);
    const recovery = conf.json().recovery_codes as string[];
    expect(recovery).toHaveLength(10);
    expect((await s.get('/api/v1/clients')).statusCode).toBe(200);

    // Next login: password, then code; a recovery code works once.
    const s2 = new Session(app);
    const r2 = await s2.post('/api/v1/auth/login', { email: staff.email, password: staff.password });
    expect(r2.json().stage).toBe('mfa');
    s2.csrf = r2.json().csrf_token;
    expect((await s2.post('/api/v1/auth/mfa/verify', { code: '123456' })).statusCode).toBe(401);
    expect((await s2.post('/api/v1/auth/mfa/verify', { code: recovery[0] })).statusCode).toBe(200);
    expect((await s2.get('/api/v1/auth/session')).json().stage).toBe('full');
    const s3 = new Session(app);
    s3.csrf = (await s3.post('/api/v1/auth/login', { email: staff.email, password: staff.password })).json().csrf_token;
    expect((await s3.post('/api/v1/auth/mfa/verify', { code: recovery[0] })).statusCode).toBe(401);

    // The journal has the whole story.
    const actions = (await getDb().kysely.selectFrom('journal').select('action').where('actor_id', '=', staff.id).execute()).map((r) => r.action);
    expect(actions).toEqual(expect.arrayContaining(['auth.password_ok', 'mfa.enrol_start', 'mfa.enable', 'auth.login_recovery_code', 'mfa.failed']));
  });

  it('accepts a TOTP code once: the same code cannot sign in twice', async () => {
    const staff = await makeStaff(getDb(), ['engineer']);
    const code = currentTotp(staff.totp!);
    const first = new Session(app);
    first.csrf = (await first.post('/api/v1/auth/login', { email: staff.email, password: staff.password })).json().csrf_token;
    expect((await first.post('/api/v1/auth/mfa/verify', { code })).statusCode).toBe(200);
    const replay = new Session(app);
    replay.csrf = (await replay.post('/api/v1/auth/login', { email: staff.email, password: staff.password })).json().csrf_token;
    const r = await replay.post('/api/v1/auth/mfa/verify', { code });
    expect(r.statusCode).toBe(401);
    expect(r.json().error.id).toBe('mfa_code_invalid');
    expect((await replay.get('/api/v1/clients')).json().error.id).toBe('mfa_required');
  });

  it('stores only the hash of the session token and refuses a wrong password with a stable id', async () => {
    const c = await makeClient(getDb());
    const u = await makeClientUser(getDb(), c.id, ['user']);
    const s = new Session(app);
    const bad = await s.post('/api/v1/auth/login', { email: u.email, password: 'nope' });
    expect(bad.statusCode).toBe(401);
    expect(bad.json().error.id).toBe('invalid_credentials');
    const ok = await s.post('/api/v1/auth/login', { email: u.email, password: u.password });
    expect(ok.json().stage).toBe('full');
    const cookieHeader = ok.headers['set-cookie'] as string;
    expect(cookieHeader).toMatch(/HttpOnly/i);
    expect(cookieHeader).toMatch(/SameSite=Strict/i);
    const rows = await getDb().kysely.selectFrom('sessions').select('token_hash').where('user_id', '=', u.id).execute();
    expect(rows.map((r) => r.token_hash)).toContain(sha256(s.cookie!));
    expect(rows.map((r) => r.token_hash)).not.toContain(s.cookie);
  });

  it('refuses a state change without the CSRF header', async () => {
    const c = await makeClient(getDb());
    const ref = await makeClientUser(getDb(), c.id, ['technical_referent']);
    const s = await login(app, ref);
    const csrf = s.csrf;
    s.csrf = null;
    const r = await s.patch(`/api/v1/clients/${c.id}`, { notes: 'x' });
    expect(r.statusCode).toBe(403);
    expect(r.json().error.id).toBe('csrf_failed');
    s.csrf = csrf;
    expect((await s.post('/api/v1/auth/logout')).statusCode).toBe(200);
    expect((await s.get('/api/v1/clients')).statusCode).toBe(401);
  });

  it('rate-limits repeated login attempts', async () => {
    const c = await makeClient(getDb());
    const u = await makeClientUser(getDb(), c.id, ['user']);
    const codes: number[] = [];
    for (let i = 0; i < 7; i++) codes.push((await new Session(app).post('/api/v1/auth/login', { email: u.email, password: 'wrong' })).statusCode);
    expect(codes.slice(0, 5).every((x) => x === 401)).toBe(true);
    expect(codes[6]).toBe(429);
  });

  it('API tokens: hashed, scoped to one client and role, revocable, journaled on use', async () => {
    const db = getDb();
    const admin = await makeStaff(db, ['admin']);
    const a = await makeClient(db);
    const b = await makeClient(db);
    const s = await login(app, admin);
    const created = await s.post(`/api/v1/clients/${a.id}/tokens`, { name: 'backup script', role: 'auditor', expires_in_days: 30 });
    expect(created.statusCode).toBe(201);
    const secret = created.json().secret as string;
    const stored = await db.kysely.selectFrom('api_tokens').selectAll().where('id', '=', created.json().id).executeTakeFirstOrThrow();
    expect(stored.token_hash).toBe(sha256(secret));
    const t = new Session(app, secret);
    expect((await t.get(`/api/v1/clients/${a.id}`)).statusCode).toBe(200);
    expect((await t.get(`/api/v1/clients/${b.id}`)).statusCode).toBe(404);
    expect((await t.patch(`/api/v1/clients/${a.id}`, { notes: 'x' })).statusCode).toBe(403);
    const listed = (await t.get('/api/v1/clients')).json().items.map((c: { id: string }) => c.id);
    expect(listed).toEqual([a.id]);
    const uses = await db.kysely.selectFrom('journal').select('action').where('object_id', '=', created.json().id).execute();
    expect(uses.map((u) => u.action)).toEqual(['token.create', 'token.use']);
    expect((await s.delete(`/api/v1/clients/${a.id}/tokens/${created.json().id}`)).statusCode).toBe(200);
    const after = await t.get(`/api/v1/clients/${a.id}`);
    expect(after.statusCode).toBe(401);
    expect(after.json().error.id).toBe('unauthenticated');
  });
});
