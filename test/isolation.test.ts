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
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
const SECRET_IN_PATH = ['/api/v1/heartbeat/{token}', '/api/v1/surveys/{token}', '/api/v1/oncall/ack/{token}'];
/** Routes that act only on the caller's own session: there is no other client's object to aim at. */
const SELF_ONLY = new Set(['/api/v1/auth/login', '/api/v1/auth/logout', '/api/v1/auth/session', '/api/v1/auth/mfa/verify', '/api/v1/auth/mfa/enrol', '/api/v1/auth/mfa/confirm', ...SECRET_IN_PATH]);

interface BWorld {
  /** Path parameter name → an object of client B. Every parameter used by a route must be here. */
  params: Record<string, string>;
  /** Strings that belong to B alone: none may appear in an answer to A. */
  secrets: string[];
}

/** Client B's objects, inserted directly so this suite does not depend on any module's service. */
async function seedClientB(db: Db, clientId: string, referentId: string, userEmail: string, dataDir: string, groupId: string): Promise<BWorld> {
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
  const contract = {
    id: newId(), client_id: clientId, name: 'contrat-beta-confidentiel', reference: 'REF-BETA-SECRETE', status: 'active', starts_on: '2026-01-01', ends_on: null,
    service_level: 'niveau-beta-confidentiel', monthly_fee_cents: 987_654, currency: 'EUR', transition_until: null,
    scope: JSON.stringify({ all_assets: false, site_ids: [site.id], asset_ids: [a1.id], services: ['service-beta-confidentiel'] }),
    windows: JSON.stringify([{ id: 'heures-beta', name: 'plage-beta-confidentielle', time_zone: 'Europe/Paris', always: false, hours: { mon: [['08:00', '18:00']] }, public_holidays: 'fr', closed_days: [] }]),
    targets: JSON.stringify([{ priority: 1, gti: { value: 30, unit: 'minutes', window: 'heures-beta' }, gtr: { value: 4, unit: 'hours', window: 'heures-beta' }, clock_start: 'declaration' }]),
    penalties: JSON.stringify({ rate_per_hour_cents: 0, cap_pct: 10 }),
    credits: JSON.stringify({ availability_target_pct: 99.5, tiers: [] }),
    priority_matrix: JSON.stringify([[1, 1, 2, 3], [1, 2, 3, 3], [2, 3, 3, 4], [3, 3, 4, 4]]),
    settings: '{}',
    created_at: now, updated_at: now,
  };
  await db.kysely.insertInto('contracts').values(contract).execute();

  // Service desk: a ticket with a public comment, an attachment (its blob on disk), a running GTR clock;
  // a problem the ticket is linked to; a satisfaction survey; an on-call shift and page.
  const ticketRow = (number: number, type: string, title: string) => ({
    id: newId(), client_id: clientId, number, type, title, description: 'description-beta-confidentielle', category: 'categorie-beta', impact: 2, urgency: 2, priority: 2,
    state: 'in_progress', source: 'portal', contract_id: contract.id, requester_user_id: referentId, requester_name: 'Demandeur Bêta', requester_email: userEmail,
    assignee_user_id: null, group_id: null, problem_id: null as string | null, alert_subject_id: null, external_ref: null, created_at: now - 7_200_000, updated_at: now,
    taken_at: now - 3_600_000, restored_at: null, resolved_at: null, closed_at: null, reopened_count: 0, gti_due_at: now - 5_400_000, gtr_due_at: now + 7_200_000,
    gti_state: 'met', gtr_state: 'running', gti_warn_at: now - 6_300_000, gtr_warn_at: now,
  });
  const problem = { ...ticketRow(900, 'problem', 'probleme-beta-confidentiel'), state: 'new', taken_at: null };
  const ticket = { ...ticketRow(901, 'incident', 'ticket-beta-confidentiel'), problem_id: problem.id };
  await db.kysely.insertInto('tickets').values([problem, ticket]).execute();
  await db.kysely.insertInto('ticket_assets').values([
    { ticket_id: problem.id, asset_id: a1.id, client_id: clientId, created_at: now },
    { ticket_id: ticket.id, asset_id: a1.id, client_id: clientId, created_at: now },
  ]).execute();
  const comment = { id: newId(), client_id: clientId, ticket_id: ticket.id, at: now - 3_000_000, author_user_id: referentId, author_name: 'Demandeur Bêta', author_email: userEmail, public: 1, body: 'commentaire-beta-confidentiel', source: 'app' };
  await db.kysely.insertInto('ticket_comments').values(comment).execute();
  const content = Buffer.from('piece-jointe-beta-confidentielle');
  const sha256 = createHash('sha256').update(content).digest('hex');
  mkdirSync(join(dataDir, 'blobs', sha256.slice(0, 2)), { recursive: true });
  writeFileSync(join(dataDir, 'blobs', sha256.slice(0, 2), sha256), content);
  const attachment = { id: newId(), client_id: clientId, ticket_id: ticket.id, comment_id: comment.id, at: now - 3_000_000, author_user_id: referentId, filename: 'piece-beta-confidentielle.txt', content_type: 'text/plain', size: content.length, sha256, internal: 0 };
  await db.kysely.insertInto('ticket_attachments').values(attachment).execute();
  const spec = { target: { value: 4, unit: 'hours', window: 'heures-beta', window_name: 'plage-beta-confidentielle' }, calendar: { time_zone: 'Europe/Paris', always: false, hours: { mon: [['08:00', '18:00']] }, public_holidays: 'fr', closed_days: [] } };
  await db.kysely.insertInto('sla_clocks').values({ ticket_id: ticket.id, clock: 'gtr', client_id: clientId, spec: JSON.stringify(spec), state: 'running', started_at: now - 7_200_000, due_at: now + 7_200_000, warn_at: now, paused_since: null, paused_ms: 0, stopped_at: null, breached_at: null, escalated: '[]', updated_at: now, next_check_at: null }).execute();
  await db.kysely.insertInto('sla_events').values({ id: newId(), client_id: clientId, ticket_id: ticket.id, clock: 'gtr', kind: 'start', at: now - 7_200_000, data: JSON.stringify({ spec }) }).execute();
  const survey = {
    id: newId(), client_id: clientId, ticket_id: ticket.id, technician_user_id: null, email: userEmail, token_hash: createHash('sha256').update('vgs-beta-survey-token-secret-0123456789').digest('hex'),
    send_at: now - 600_000, sent_at: now - 600_000, score: 2, comment: 'avis-beta-confidentiel', answered_at: now - 300_000, created_at: now - 1_800_000,
  };
  await db.kysely.insertInto('surveys').values(survey).execute();
  const shift = { id: newId(), client_id: clientId, contract_id: contract.id, user_id: referentId, rank: 0, starts_at: now - 3_600_000, ends_at: now + 3_600_000, created_at: now };
  await db.kysely.insertInto('oncall_shifts').values(shift).execute();
  const oncallPage = {
    id: newId(), client_id: clientId, ticket_id: ticket.id, user_id: referentId, level: 1, token_hash: createHash('sha256').update(`vgp_beta_${now}`).digest('hex'), paged_at: now - 60_000,
    acked_at: null, escalated_at: null, superseded_at: null, webhook_state: null, webhook_attempts: 0, webhook_next_at: null, webhook_error: null, webhook_body: null,
  };
  await db.kysely.insertInto('oncall_pages').values(oncallPage).execute();
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
      contractId: contract.id,
      ticketId: ticket.id,
      problemId: problem.id,
      attachmentId: attachment.id,
      shiftId: shift.id,
      groupId,
    },
    secrets: [
      clientId, site.id, site.name, a1.id, a1.name, a1.serial, a2.name, rel.id, tok.token.id, 'token-beta-secret', userEmail, 'Bêta Logistique',
      check.id, check.name, check.last_message, window.id, window.title, collector.id, collector.name, collector.token_hash,
      rule.id, rule.name, rule.target, rule.secret, alert.id, alert.message,
      contract.id, contract.name, contract.reference, contract.service_level, 'plage-beta-confidentielle', 'service-beta-confidentiel',
      ticket.id, ticket.title, 'description-beta-confidentielle', comment.body, attachment.id, attachment.filename, problem.id, problem.title, survey.id, survey.comment,
      shift.id, oncallPage.id,
    ],
  };
}

/** A digest of everything client B owns, to prove that nothing of it changed. */
async function digestOfB(db: Db, clientId: string): Promise<string> {
  const h = createHash('sha256');
  const tables = [
    'sites', 'assets', 'asset_relations', 'api_tokens', 'checks', 'maintenance_windows', 'state_periods', 'collectors', 'alert_rules', 'alerts',
    'contracts', 'tickets', 'ticket_events', 'ticket_comments', 'ticket_attachments', 'ticket_assets', 'ticket_watchers', 'sla_clocks', 'sla_events',
    'oncall_shifts', 'oncall_pages', 'surveys', 'mail_outbox', 'oncall_webhook_secrets',
  ] as const;
  for (const t of tables) {
    const rows = await (db.kysely.selectFrom(t as 'sites').selectAll() as unknown as { where: (c: string, o: string, v: string) => { execute: () => Promise<unknown[]> } })
      .where('client_id', '=', clientId)
      .execute();
    h.update(t + JSON.stringify(rows.map((r) => JSON.stringify(r)).sort()));
  }
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
      if (s.pattern?.includes('\\d{4}-\\d{2}-\\d{2}')) return '2026-01-01';
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
    const dataDir = mkdtempSync(join(tmpdir(), 'vigie-isolation-'));
    app = await testServer(db, { dataDir });
    w = await twoClients(db);
    // Support groups are the provider's, not a client's: one to aim the group routes at.
    const group = { id: newId(), name: 'Groupe isolation', lead_user_id: null, created_at: Date.now() };
    await db.kysely.insertInto('support_groups').values(group).execute();
    b = await seedClientB(db, w.b.client.id, w.b.referent.id, w.b.user.email, dataDir, group.id);
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
