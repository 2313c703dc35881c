/**
 * The client isolation suite: the first security property of Vigie.
 *
 * It reads the OpenAPI document of the running server, so every route that exists — including
 * those added later — is exercised without anyone listing it here. For each route and each kind
 * of caller belonging to client A (referents, users, auditors, provider staff assigned to A only,
 * API tokens of A), it aims the route at client B's objects and proves that:
 *   - the answer is 403 or 404 (or, for routes without a client in the path, carries nothing of B);
 *   - no byte of B's data appears in the response;
 *   - nothing of B changed in the database.
 * A positive control proves the substituted URLs are real: B's own referent (or the provider
 * admin) reads them with 200.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { App } from '../src/app/server.ts';
import type { Db } from '../src/db/database.ts';
import { newId } from '../src/core/ids.ts';
import { SYSTEM_CONTEXT } from '../src/modules/journal/service.ts';
import { addMembership, createApiToken, loadPrincipal } from '../src/modules/tenancy/service.ts';
import { describeEachDatabase } from './support/databases.ts';
import { login, makeClientUser, makeStaff, Session, testServer, twoClients } from './support/world.ts';

type Method = 'get' | 'post' | 'patch' | 'put' | 'delete';
interface Operation {
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
  parameters?: { in: string; name: string }[];
}
interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  format?: string;
  pattern?: string;
  minimum?: number;
  minLength?: number;
  minItems?: number;
  default?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  additionalProperties?: unknown;
}

/**
 * Routes whose credential is a secret in the path (a heartbeat check's push URL): whoever holds it
 * acts on that one check, no session nor client id is involved. Tested in the monitoring module's
 * routes tests (unknown token → 404, a session gives no access).
 */
const SECRET_IN_PATH = ['/api/v1/heartbeat/{token}'];
/** Routes that act only on the caller's own session: there is no other client's object to aim at. */
const SELF_ONLY = new Set(['/api/v1/auth/login', '/api/v1/auth/logout', '/api/v1/auth/session', '/api/v1/auth/mfa/verify', '/api/v1/auth/mfa/enrol', '/api/v1/auth/mfa/confirm', ...SECRET_IN_PATH]);

interface BWorld {
  /** Path parameter name → an object of client B. Every parameter used by a route must be here. */
  params: Record<string, string>;
  /** Strings that belong to B alone: none may appear in an answer to A. */
  secrets: string[];
}

/** Client B's objects, inserted directly so this suite does not depend on any module's service. */
async function seedClientB(db: Db, clientId: string, referentId: string, userEmail: string): Promise<BWorld> {
  const now = Date.now();
  const site = { id: newId(), client_id: clientId, name: 'Entrepôt secret de Bêta', address: '1 rue B', city: 'Brest', country: 'FR', notes: '', created_at: now, updated_at: now };
  await db.kysely.insertInto('sites').values(site).execute();
  const asset = (name: string, serial: string) => ({
    id: newId(), client_id: clientId, site_id: site.id, name, type: 'server', criticality: 1, business_impact: '', owner: '', location: '', serial, manufacturer: '',
    model: '', ip_address: '10.66.0.1', warranty_end: null, tags: '[]', custom_fields: '{}', notes: '', search_text: `${name} ${serial}`.toLowerCase(), created_at: now, updated_at: now,
  });
  const a1 = asset('srv-beta-confidentiel', 'SN-BETA-0001');
  const a2 = asset('nas-beta-confidentiel', 'SN-BETA-0002');
  await db.kysely.insertInto('assets').values([a1, a2]).execute();
  const rel = { id: newId(), client_id: clientId, from_asset_id: a1.id, to_asset_id: a2.id, kind: 'backs_up', created_at: now };
  await db.kysely.insertInto('asset_relations').values(rel).execute();
  const principal = (await loadPrincipal(db, referentId, { kind: 'user', sessionId: 'x', ip: '127.0.0.1' }))!;
  const tok = await createApiToken(db, SYSTEM_CONTEXT, principal, clientId, { name: 'token-beta-secret', role: 'auditor', expiresInDays: 30 });
  const membership = await db.kysely.selectFrom('memberships').select('id').where('organisation_id', '=', clientId).executeTakeFirstOrThrow();
  const maxNo = await db.kysely.selectFrom('checks').select((e) => e.fn.max('no').as('m')).executeTakeFirst();
  const check = {
    id: newId(), no: Number(maxNo?.m ?? 0) + 1, client_id: clientId, asset_id: a1.id, collector_id: null, parent_check_id: null, name: 'sonde-beta-confidentielle', type: 'tcp',
    settings: JSON.stringify({ host: '10.66.0.1', port: 443 }), interval_s: 60, timeout_ms: 5000, retries: 2, recovery_threshold: 1, enabled: 0, heartbeat_token_hash: null,
    state: 'up', state_since: now, runtime: '{}', last_result_at: now, last_status: 'up', last_latency_ms: 1.5, last_message: 'port 443 ouvert chez Bêta', next_due_at: now,
    lease_owner: null, lease_until: null, created_at: now, updated_at: now,
  };
  await db.kysely.insertInto('checks').values(check).execute();
  await db.kysely.insertInto('state_periods').values({ id: newId(), client_id: clientId, check_id: check.id, state: 'up', from_at: now - 3_600_000, to_at: null, cause: 'probe' }).execute();
  await db.kysely.insertInto('check_results').values({ check_no: check.no, at: now - 60_000, status: 0, latency_us: 1500, message: 'port 443 ouvert chez Bêta' }).execute();
  const window = {
    id: newId(), client_id: clientId, target_type: 'asset', target_id: a1.id, title: 'maintenance-beta-confidentielle', kind: 'once',
    spec: JSON.stringify({ schedule: { kind: 'once', start: now + 86_400_000, end: now + 90_000_000 }, activeFrom: null, until: null }), time_zone: 'Europe/Paris',
    created_by: null, created_at: now, updated_at: now,
  };
  await db.kysely.insertInto('maintenance_windows').values(window).execute();
  const collector = {
    id: newId(), client_id: clientId, site_id: site.id, name: 'collecteur-beta-confidentiel', token_hash: createHash('sha256').update(`vcol_beta_${now}`).digest('hex'),
    last_contact_at: now, last_seq: 7, version: '0.1.0', created_at: now, revoked_at: null, backlog: 0,
  };
  await db.kysely.insertInto('collectors').values(collector).execute();
  const rule = {
    id: newId(), client_id: clientId, name: 'regle-alerte-beta-confidentielle', channel: 'webhook', target: 'https://hooks.beta-secret.test/vigie', secret: 'vgw_beta_secret_de_signature',
    settings: JSON.stringify({ states: ['down'], min_criticality: null, repeat_minutes: null, send_recovery: true, locale: 'fr' }), enabled: 1, created_at: now, updated_at: now,
  };
  await db.kysely.insertInto('alert_rules').values(rule).execute();
  const alert = {
    id: newId(), client_id: clientId, check_id: check.id, check_name: check.name, root_check_id: null, kind: 'problem', state: 'down', at: now - 120_000, since: now - 180_000,
    message: 'alerte-beta-confidentielle: connection refused', children: '[]',
  };
  await db.kysely.insertInto('alerts').values(alert).execute();
  await db.kysely.insertInto('alert_deliveries').values({ id: newId(), alert_id: alert.id, rule_id: rule.id, status: 'sent', attempts: 1, next_attempt_at: now, last_error: null, sent_at: now }).execute();
  return {
    params: {
      clientId,
      siteId: site.id,
      assetId: a1.id,
      relationId: rel.id,
      tokenId: tok.token.id,
      membershipId: membership.id,
      userId: referentId,
      checkId: check.id,
      windowId: window.id,
      collectorId: collector.id,
      ruleId: rule.id,
    },
    secrets: [
      clientId, site.id, site.name, a1.id, a1.name, a1.serial, a2.name, rel.id, tok.token.id, 'token-beta-secret', userEmail, 'Bêta Logistique',
      check.id, check.name, check.last_message, window.id, window.title, collector.id, collector.name, collector.token_hash,
      rule.id, rule.name, rule.target, rule.secret, alert.id, alert.message,
    ],
  };
}

/** A digest of everything client B owns, to prove that nothing of it changed. */
async function digestOfB(db: Db, clientId: string): Promise<string> {
  const h = createHash('sha256');
  const sel = async (table: 'sites' | 'assets' | 'asset_relations' | 'api_tokens' | 'checks' | 'maintenance_windows' | 'state_periods' | 'collectors' | 'alert_rules' | 'alerts') =>
    h.update(JSON.stringify(await db.kysely.selectFrom(table).selectAll().where('client_id', '=', clientId).orderBy('id').execute()));
  for (const t of ['sites', 'assets', 'asset_relations', 'api_tokens', 'checks', 'maintenance_windows', 'state_periods', 'collectors', 'alert_rules', 'alerts'] as const) await sel(t);
  h.update(JSON.stringify(await db.kysely.selectFrom('alert_deliveries as d').innerJoin('alerts as a', 'a.id', 'd.alert_id').selectAll('d').where('a.client_id', '=', clientId).orderBy('d.id').execute()));
  h.update(JSON.stringify(await db.kysely.selectFrom('organisations').selectAll().where('id', '=', clientId).execute()));
  h.update(JSON.stringify(await db.kysely.selectFrom('memberships').select(['id', 'user_id', 'role']).where('organisation_id', '=', clientId).orderBy('id').execute()));
  const users = await db.kysely.selectFrom('users').select(['id', 'email', 'name', 'password_hash', 'mfa_secret', 'disabled_at']).where('organisation_id', '=', clientId).orderBy('id').execute();
  h.update(JSON.stringify(users));
  return h.digest('hex');
}

/** A body that passes the route's schema, so authorisation — not validation — decides the answer. */
export function sampleFromSchema(s: JsonSchema | undefined, ids: Record<string, string>, key = ''): unknown {
  if (!s) return {};
  if (s.const !== undefined) return s.const;
  if (s.enum) return s.enum[0];
  if (s.default !== undefined) return s.default;
  const alt = s.anyOf ?? s.oneOf;
  if (alt) return sampleFromSchema(alt.find((x) => x.type !== 'null') ?? alt[0], ids, key);
  const type = Array.isArray(s.type) ? s.type.find((t) => t !== 'null') : s.type;
  switch (type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(s.properties ?? {})) {
        if ((s.required ?? []).includes(k)) out[k] = sampleFromSchema(v, ids, k);
      }
      return out;
    }
    case 'array':
      return Array.from({ length: Math.max(1, s.minItems ?? 0) }, () => sampleFromSchema(s.items, ids, key));
    case 'integer':
    case 'number':
      return s.minimum ?? 1;
    case 'boolean':
      return false;
    case 'string': {
      if (s.format === 'email' || key === 'email') return 'isolation@probe.test';
      if (s.pattern?.includes('[0-9a-f]{8}')) {
        // An id field: aim it at B's object of that kind when there is one.
        const guess = Object.entries(ids).find(([p]) => key.replace(/_id$/, '').replace(/_/g, '') === p.replace(/Id$/, '').toLowerCase());
        return guess?.[1] ?? ids.assetId;
      }
      if (key === 'csv') return 'name;type;criticality\nprobe;server;2\n';
      return 'probe'.padEnd(Math.max(5, s.minLength ?? 0), 'x');
    }
    default:
      return {};
  }
}

describeEachDatabase('client isolation: every route of the OpenAPI document', (getDb) => {
  let app: App;
  let w: Awaited<ReturnType<typeof twoClients>>;
  let b: BWorld;
  let doc: { paths: Record<string, Partial<Record<Method, Operation>>> };
  const callers: { name: string; session: Session }[] = [];
  let bControl: Session;
  let adminControl: Session;

  beforeAll(async () => {
    const db = getDb();
    app = await testServer(db);
    w = await twoClients(db);
    b = await seedClientB(db, w.b.client.id, w.b.referent.id, w.b.user.email);
    // Every kind of caller that belongs to A. The account manager and technician are assigned to A only.
    const manager = await makeStaff(db, ['account_manager']);
    await addMembership(db, SYSTEM_CONTEXT, w.a.client.id, manager.id, 'account_manager');
    const technician = await makeStaff(db, ['technician']);
    await addMembership(db, SYSTEM_CONTEXT, w.a.client.id, technician.id, 'technician');
    const steering = await makeClientUser(db, w.a.client.id, ['steering_referent', 'strategic_referent']);
    for (const [name, person] of [
      ['A technical referent', w.a.referent],
      ['A steering+strategic referent', steering],
      ['A user', w.a.user],
      ['A auditor', w.a.auditor],
      ['engineer assigned to A', w.engineerA],
      ['account manager of A', manager],
      ['technician of A', technician],
    ] as const) {
      callers.push({ name, session: await login(app, person) });
    }
    const refA = (await loadPrincipal(db, w.a.referent.id, { kind: 'user', sessionId: 'x', ip: '127.0.0.1' }))!;
    const tokA = await createApiToken(db, SYSTEM_CONTEXT, refA, w.a.client.id, { name: 'A token', role: 'technical_referent', expiresInDays: 1 });
    callers.push({ name: 'API token of A (technical referent)', session: new Session(app, tokA.secret) });
    bControl = await login(app, w.b.referent);
    adminControl = await login(app, w.admin);
    doc = (await app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
  });
  afterAll(async () => {
    await app?.close();
  });

  function operations() {
    const ops: { path: string; method: Method; op: Operation }[] = [];
    for (const [path, item] of Object.entries(doc.paths)) {
      if (!path.startsWith('/api/v1/')) continue;
      for (const method of ['get', 'post', 'patch', 'put', 'delete'] as const) {
        const op = item[method];
        if (op) ops.push({ path, method, op });
      }
    }
    return ops;
  }

  function fill(path: string, values: Record<string, string>): string {
    return path.replace(/\{(\w+)\}/g, (_, name: string) => {
      const v = values[name];
      if (!v) throw new Error(`The isolation suite has no object of client B for the path parameter {${name}} of ${path}: add one to seedClientB`);
      return v;
    });
  }

  it('finds the routes in the OpenAPI document', () => {
    const ops = operations();
    expect(ops.length).toBeGreaterThan(15);
    expect(ops.some((o) => o.path.includes('{clientId}'))).toBe(true);
  });

  it('positive control: the substituted URLs exist (B reads them with 200)', async () => {
    let checked = 0;
    for (const { path, method } of operations()) {
      if (method !== 'get' || SELF_ONLY.has(path) || !path.includes('{')) continue;
      const url = fill(path, b.params);
      const res = await bControl.get(url);
      const asAdmin = res.statusCode === 200 ? res : await adminControl.get(url);
      expect(asAdmin.statusCode, `GET ${url} as B's referent or the provider admin: ${asAdmin.body.slice(0, 200)}`).toBe(200);
      checked++;
    }
    expect(checked).toBeGreaterThan(3);
  });

  it('a caller of client A gets 403/404 and nothing of B, on every route, and B is left unchanged', async () => {
    const db = getDb();
    const before = await digestOfB(db, w.b.client.id);
    const failures: string[] = [];
    let calls = 0;
    for (const { path, method, op } of operations()) {
      if (SELF_ONLY.has(path)) continue;
      const schema = op.requestBody?.content?.['application/json']?.schema;
      // Aim at B entirely, and at an object of B through A's own client id.
      const targets = [fill(path, b.params)];
      if (path.includes('{clientId}') && /\{(?!clientId)\w+\}/.test(path)) targets.push(fill(path, { ...b.params, clientId: w.a.client.id }));
      for (const url of targets) {
        for (const { name, session } of callers) {
          const body = method === 'get' || method === 'delete' ? undefined : sampleFromSchema(schema, b.params);
          const res = await session.request(method.toUpperCase() as 'GET', url, body);
          calls++;
          const aimedAtB = url.includes(w.b.client.id) || path.includes('{');
          const leaked = b.secrets.filter((s) => res.body.includes(s) && !url.includes(s));
          if (leaked.length) failures.push(`${name}: ${method.toUpperCase()} ${url} → ${res.statusCode} leaks ${leaked.join(', ')}`);
          if (aimedAtB && ![403, 404].includes(res.statusCode)) failures.push(`${name}: ${method.toUpperCase()} ${url} → ${res.statusCode} (expected 403/404) ${res.body.slice(0, 160)}`);
          if (res.statusCode === 404 && res.json().error?.id === 'route_not_found') failures.push(`${method.toUpperCase()} ${url}: route not found, the suite built a wrong URL`);
        }
      }
    }
    expect(failures).toEqual([]);
    expect(calls).toBeGreaterThan(100);
    expect(await digestOfB(db, w.b.client.id)).toBe(before);
  });

  it('lists reached by client A never contain B', async () => {
    for (const { session } of callers) {
      const res = await session.get('/api/v1/clients');
      expect(res.statusCode).toBe(200);
      expect(res.json().items.map((c: { id: string }) => c.id)).toEqual([w.a.client.id]);
      const me = await session.get('/api/v1/auth/session');
      for (const s of b.secrets) expect(me.body).not.toContain(s);
    }
  });
});
