import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../../../test/support/databases.ts';
import { login, makeStaff, Session, testServer, twoClients } from '../../../test/support/world.ts';
import type { App } from '../../app/server.ts';
import type { Db } from '../../db/database.ts';

async function counts(db: Db) {
  const n = async (t: 'organisations' | 'users' | 'memberships' | 'journal' | 'api_tokens') =>
    Number((await db.kysely.selectFrom(t).select((e) => e.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  return { orgs: await n('organisations'), users: await n('users'), memberships: await n('memberships'), journal: await n('journal'), tokens: await n('api_tokens') };
}

describeEachDatabase('clients, people, roles', (getDb) => {
  let app: App;
  let w: Awaited<ReturnType<typeof twoClients>>;
  let admin: Session;
  beforeAll(async () => {
    app = await testServer(getDb());
    w = await twoClients(getDb());
    admin = await login(app, w.admin);
  });
  afterAll(async () => {
    await app?.close();
  });

  it('a provider admin creates a client, journaled with its content', async () => {
    const r = await admin.post('/api/v1/clients', { name: 'Société Générale des Eaux de Vichy' });
    expect(r.statusCode).toBe(201);
    expect(r.json().slug).toBe('societe-generale-des-eaux-de-vichy');
    const j = await getDb().kysely.selectFrom('journal').selectAll().where('object_id', '=', r.json().id).executeTakeFirstOrThrow();
    expect(j.action).toBe('client.create');
    expect(j.actor_id).toBe(w.admin.id);
    expect(JSON.parse(j.after!).name).toBe('Société Générale des Eaux de Vichy');
    const dup = await admin.post('/api/v1/clients', { name: 'Autre', slug: 'societe-generale-des-eaux-de-vichy' });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().error.id).toBe('slug_taken');
  });

  it('only a provider admin creates clients and staff', async () => {
    const eng = await login(app, w.engineerA);
    expect((await eng.post('/api/v1/clients', { name: 'Nope' })).statusCode).toBe(403);
    expect((await eng.post('/api/v1/staff', { email: 'x@y.fr', name: 'X', roles: ['admin'] })).statusCode).toBe(403);
    const ref = await login(app, w.a.referent);
    expect((await ref.get('/api/v1/staff')).statusCode).toBe(403);
    expect((await ref.post(`/api/v1/users/${w.a.user.id}/reset-password`)).statusCode).toBe(403);
  });

  it('a referent invites a colleague with a one-time password; a user cannot', async () => {
    const ref = await login(app, w.a.referent);
    const r = await ref.post(`/api/v1/clients/${w.a.client.id}/users`, { email: 'Nouvelle.Recrue@Alpha.fr', name: 'Nouvelle Recrue', roles: ['user'] });
    expect(r.statusCode).toBe(201);
    expect(r.json().user.email).toBe('nouvelle.recrue@alpha.fr');
    const otp = r.json().one_time_password as string;
    expect(otp).toMatch(/^[a-z2-9]{4}(-[a-z2-9]{4}){3}$/);
    const s = new Session(app);
    expect((await s.post('/api/v1/auth/login', { email: 'nouvelle.recrue@alpha.fr', password: otp })).json().stage).toBe('full');
    const user = await login(app, w.a.user);
    expect((await user.post(`/api/v1/clients/${w.a.client.id}/users`, { email: 'z@alpha.fr', name: 'Z', roles: ['user'] })).statusCode).toBe(403);
    const list = await ref.get(`/api/v1/clients/${w.a.client.id}/users`);
    const emails = list.json().items.map((u: { email: string }) => u.email);
    expect(emails).toContain('nouvelle.recrue@alpha.fr');
    expect(emails).toContain(w.engineerA.email);
    expect(emails).not.toContain(w.b.user.email);
    expect(list.body).not.toContain('password');
  });

  it('assigning staff to a client gives them that client and no other', async () => {
    const staff = await makeStaff(getDb(), ['technician']);
    const tech = await login(app, staff);
    expect((await tech.get('/api/v1/clients')).json().items).toEqual([]);
    const m = await admin.post(`/api/v1/clients/${w.b.client.id}/memberships`, { user_id: staff.id, role: 'technician' });
    expect(m.statusCode).toBe(201);
    expect((await tech.get('/api/v1/clients')).json().items.map((c: { id: string }) => c.id)).toEqual([w.b.client.id]);
    expect((await tech.get(`/api/v1/clients/${w.a.client.id}`)).statusCode).toBe(404);
    // A client role cannot be given to staff, nor a provider role to a client user.
    expect((await admin.post(`/api/v1/clients/${w.b.client.id}/memberships`, { user_id: staff.id, role: 'auditor' })).json().error.id).toBe('role_not_allowed');
    expect((await admin.post(`/api/v1/clients/${w.b.client.id}/memberships`, { user_id: w.b.user.id, role: 'admin' })).json().error.id).toBe('role_not_allowed');
    // A client user of A cannot be given a role on B.
    expect((await admin.post(`/api/v1/clients/${w.b.client.id}/memberships`, { user_id: w.a.user.id, role: 'user' })).statusCode).toBe(404);
    expect((await admin.delete(`/api/v1/clients/${w.b.client.id}/memberships/${m.json().id}`)).statusCode).toBe(200);
    expect((await tech.get(`/api/v1/clients/${w.b.client.id}`)).statusCode).toBe(404);
  });

  it('bad input gets a 4xx with a stable id and changes nothing', async () => {
    const db = getDb();
    const before = await counts(db);
    const cases: [string, string, unknown, number, string][] = [
      ['POST', '/api/v1/clients', { name: '' }, 400, 'validation_failed'],
      ['POST', '/api/v1/clients', { name: 'X', slug: 'Bad Slug!' }, 400, 'validation_failed'],
      ['POST', '/api/v1/clients', 'not json at all', 400, 'invalid_json'],
      ['POST', '/api/v1/staff', { email: 'not-an-email', name: 'X', roles: ['admin'] }, 400, 'validation_failed'],
      ['POST', '/api/v1/staff', { email: 'ok@ok.fr', name: 'X', roles: ['auditor'] }, 400, 'validation_failed'],
      ['POST', '/api/v1/staff', { email: w.a.user.email, name: 'Dup', roles: ['engineer'] }, 409, 'email_taken'],
      ['POST', `/api/v1/clients/${w.a.client.id}/users`, { email: 'a@b.fr', name: 'X', roles: [] }, 400, 'validation_failed'],
      ['POST', `/api/v1/clients/${w.a.client.id}/tokens`, { name: 'x', role: 'user', expires_in_days: 9999 }, 400, 'validation_failed'],
      ['PATCH', '/api/v1/clients/not-an-id', { name: 'x' }, 400, 'validation_failed'],
      ['GET', '/api/v1/clients/01a22513-1845-70f7-8c52-03996761f564', undefined, 404, 'not_found'],
      ['GET', '/api/v1/no-such-route', undefined, 404, 'route_not_found'],
      ['GET', `/api/v1/clients/${w.a.client.id}/journal?limit=100000`, undefined, 400, 'validation_failed'],
    ];
    for (const [method, url, body, status, id] of cases) {
      const r = await admin.request(method as 'POST', url, body, typeof body === 'string' ? { 'content-type': 'application/json' } : {});
      expect(r.statusCode, `${method} ${url}: ${r.body}`).toBe(status);
      expect(r.json().error.id, `${method} ${url}`).toBe(id);
      expect(typeof r.json().error.message).toBe('string');
    }
    expect(await counts(db)).toEqual(before);
  });

  it('serves health, readiness, metrics and the OpenAPI document without a session', async () => {
    expect((await app.inject({ url: '/healthz' })).json()).toEqual({ status: 'ok' });
    expect((await app.inject({ url: '/readyz' })).json().status).toBe('ready');
    const m = await app.inject({ url: '/metrics' });
    expect(m.body).toContain('vigie_http_request_duration_seconds');
    const doc = (await app.inject({ url: '/api/openapi.json' })).json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toContain('/api/v1/clients/{clientId}');
    expect((await app.inject({ url: '/api/docs/' })).statusCode).toBe(200);
  });
});
