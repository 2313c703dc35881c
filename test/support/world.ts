import type { LightMyRequestResponse } from 'fastify';
import { loadConfig, type Config } from '../../src/app/config.ts';
import { buildServer, type App } from '../../src/app/server.ts';
import type { Db } from '../../src/db/database.ts';
import { SYSTEM_CONTEXT } from '../../src/modules/journal/service.ts';
import type { ClientRole, ProviderRole } from '../../src/modules/tenancy/roles.ts';
import { addMembership, createClient, createUser, getProviderId } from '../../src/modules/tenancy/service.ts';
import { currentTotp, newTotpSecret } from '../../src/modules/tenancy/totp.ts';

export function testConfig(overrides: Partial<Config> = {}): Config {
  return loadConfig({}, { databaseUrl: ':memory:', logLevel: 'silent', loginRateLimit: { max: 1000, windowMs: 60_000 }, webDir: '/nonexistent', ...overrides });
}

const databaseOf = new WeakMap<App, Db>();

export async function testServer(db: Db, overrides: Partial<Config> = {}): Promise<App> {
  const app = await buildServer({ db, config: testConfig(overrides) }, { logger: false });
  await app.ready();
  databaseOf.set(app, db);
  return app;
}

export interface Person {
  id: string;
  email: string;
  password: string;
  /** TOTP secret when MFA is enabled. */
  totp: string | null;
}

let counter = 0;
const unique = () => `${Date.now().toString(36)}${(counter++).toString(36)}`;

/** A provider staff member with MFA already enabled (as after enrolment). */
export async function makeStaff(db: Db, roles: ProviderRole[], opts: { mfa?: boolean } = {}): Promise<Person> {
  const email = `staff-${unique()}@provider.test`;
  const password = 'correct horse battery staple';
  const r = await createUser(db, SYSTEM_CONTEXT, { email, name: `Staff ${email}`, password, organisationId: await getProviderId(db), roles });
  let totp: string | null = null;
  if (opts.mfa !== false) {
    totp = newTotpSecret();
    await db.kysely.updateTable('users').set({ mfa_secret: totp, mfa_enabled_at: Date.now() }).where('id', '=', r.user.id).execute();
  }
  return { id: r.user.id, email, password, totp };
}

export async function makeClient(db: Db, name = `Client ${unique()}`) {
  return createClient(db, SYSTEM_CONTEXT, { name, slug: `c-${unique()}` });
}

export async function makeClientUser(db: Db, clientId: string, roles: ClientRole[]): Promise<Person> {
  const email = `user-${unique()}@client.test`;
  const password = 'another long passphrase';
  const r = await createUser(db, SYSTEM_CONTEXT, { email, name: `User ${email}`, password, organisationId: clientId, roles });
  return { id: r.user.id, email, password, totp: null };
}

export async function assignStaff(db: Db, clientId: string, staff: Person, role: ProviderRole) {
  await addMembership(db, SYSTEM_CONTEXT, clientId, staff.id, role);
}

/** An HTTP session against the app: keeps the cookie and sends the CSRF header. */
export class Session {
  cookie: string | null = null;
  csrf: string | null = null;
  constructor(
    readonly app: App,
    readonly bearer: string | null = null,
  ) {}

  async request(method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', url: string, payload?: unknown, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    const h: Record<string, string> = { ...headers };
    if (this.bearer) h.authorization = `Bearer ${this.bearer}`;
    if (this.csrf && method !== 'GET') h['x-csrf-token'] = this.csrf;
    const res = await this.app.inject({
      method,
      url,
      headers: h,
      ...(this.cookie ? { cookies: { vigie_session: this.cookie } } : {}),
      ...(payload === undefined ? {} : typeof payload === 'string' || Buffer.isBuffer(payload) ? { payload } : { payload: payload as object }),
    });
    const set = res.cookies.find((c) => c.name === 'vigie_session');
    if (set) this.cookie = set.value || null;
    return res;
  }
  get(url: string) {
    return this.request('GET', url);
  }
  post(url: string, body: unknown = {}) {
    return this.request('POST', url, body);
  }
  patch(url: string, body: unknown) {
    return this.request('PATCH', url, body);
  }
  delete(url: string) {
    return this.request('DELETE', url);
  }
}

/** Signs in through the API (password, then TOTP when enabled); throws unless fully signed in. */
export async function login(app: App, person: Person): Promise<Session> {
  const s = new Session(app);
  const r = await s.post('/api/v1/auth/login', { email: person.email, password: person.password });
  if (r.statusCode !== 200) throw new Error(`login failed: ${r.statusCode} ${r.body}`);
  s.csrf = r.json().csrf_token;
  if (r.json().stage === 'mfa') {
    // A TOTP code is accepted once; tests sign the same person in many times within 30 s, so forget
    // the last step used (the replay rule itself is tested in auth.test.ts).
    await databaseOf.get(app)?.kysely.updateTable('users').set({ mfa_last_step: null }).where('email', '=', person.email).execute();
    const m = await s.post('/api/v1/auth/mfa/verify', { code: currentTotp(person.totp!) });
    if (m.statusCode !== 200) throw new Error(`MFA failed: ${m.statusCode} ${m.body}`);
  } else if (r.json().stage !== 'full') {
    throw new Error(`login stopped at stage ${r.json().stage}`);
  }
  return s;
}

/**
 * Two clients, A and B, each with a site-less set of people: a technical referent, a user, an
 * auditor; a provider admin; an engineer assigned to A only.
 */
export async function twoClients(db: Db) {
  const admin = await makeStaff(db, ['admin']);
  const a = await makeClient(db, 'Alpha Industrie');
  const b = await makeClient(db, 'Bêta Logistique');
  const engineerA = await makeStaff(db, ['engineer']);
  await assignStaff(db, a.id, engineerA, 'engineer');
  return {
    admin,
    engineerA,
    a: { client: a, referent: await makeClientUser(db, a.id, ['technical_referent']), user: await makeClientUser(db, a.id, ['user']), auditor: await makeClientUser(db, a.id, ['auditor']) },
    b: { client: b, referent: await makeClientUser(db, b.id, ['technical_referent']), user: await makeClientUser(db, b.id, ['user']), auditor: await makeClientUser(db, b.id, ['auditor']) },
  };
}
