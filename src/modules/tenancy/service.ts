import { randomBytes } from 'node:crypto';
import { AppError, badRequest, conflict, notFound, unauthenticated } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import { parseJson } from '../../core/json.ts';
import { hashPassword, randomToken, sha256, verifyPassword } from '../../core/crypto.ts';
import type { Db } from '../../db/database.ts';
import type { Executor } from '../../db/tx.ts';
import type { UserTable } from '../../db/schema.ts';
import { appendJournal, journaled, SYSTEM_CONTEXT, type AuditContext } from '../journal/service.ts';
import { isClientRole, isProviderRole, type Role } from './roles.ts';
import type { Principal } from './principal.ts';
import { checkTotp, enrolmentPayload, newTotpSecret } from './totp.ts';

export const SESSION_TTL_MS = 12 * 3600_000;
const TOUCH_EVERY_MS = 60_000;
const TOKEN_USE_JOURNAL_EVERY_MS = 3600_000;

// ---------------------------------------------------------------- organisations

export function slugify(name: string): string {
  const s = name
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 60);
  return s || 'client';
}

/** The one provider organisation of this instance, created on first start. */
export async function ensureProvider(db: Db, name = 'Provider'): Promise<{ id: string; name: string; created: boolean }> {
  const found = await db.kysely.selectFrom('organisations').select(['id', 'name']).where('kind', '=', 'provider').executeTakeFirst();
  if (found) return { ...found, created: false };
  const now = Date.now();
  const id = newId();
  await journaled(db, SYSTEM_CONTEXT, async (trx) => {
    const org = { id, kind: 'provider' as const, name, slug: 'provider', notes: '', created_at: now, updated_at: now, archived_at: null };
    await trx.insertInto('organisations').values(org).execute();
    return { result: null, journal: { clientId: null, action: 'provider.create', objectType: 'organisation', objectId: id, after: { name } } };
  });
  return { id, name, created: true };
}

// The provider organisation never changes once created: remember its id per database.
const providerIds = new WeakMap<object, string>();

export async function getProviderId(db: Executor | Db): Promise<string> {
  const cached = providerIds.get(db);
  if (cached) return cached;
  const k = 'kysely' in db ? db.kysely : db;
  const p = await k.selectFrom('organisations').select('id').where('kind', '=', 'provider').executeTakeFirst();
  if (!p) throw new AppError(500, 'provider_missing', 'The provider organisation has not been created: run migrate');
  if ('kysely' in db) providerIds.set(db, p.id);
  return p.id;
}

export interface ClientInput {
  name: string;
  slug?: string | undefined;
  notes?: string | undefined;
}

/** Creates a client organisation; its slug is unique. */
export async function createClient(db: Db, ctx: AuditContext, input: ClientInput) {
  const slug = input.slug ?? slugify(input.name);
  const now = Date.now();
  const org = { id: newId(), kind: 'client' as const, name: input.name.trim(), slug, notes: input.notes ?? '', created_at: now, updated_at: now, archived_at: null };
  return journaled(db, ctx, async (trx) => {
    const clash = await trx.selectFrom('organisations').select('id').where('slug', '=', slug).executeTakeFirst();
    if (clash) throw conflict('slug_taken', `The short name "${slug}" is already used by another client`);
    await trx.insertInto('organisations').values(org).execute();
    return { result: org, journal: { clientId: org.id, action: 'client.create', objectType: 'organisation', objectId: org.id, after: presentClient(org) } };
  });
}

export async function updateClient(db: Db, ctx: AuditContext, clientId: string, patch: { name?: string | undefined; notes?: string | undefined; archived?: boolean | undefined }) {
  return journaled(db, ctx, async (trx) => {
    const before = await trx.selectFrom('organisations').selectAll().where('id', '=', clientId).where('kind', '=', 'client').executeTakeFirst();
    if (!before) throw notFound('client');
    const after = {
      ...before,
      ...(patch.name !== undefined ? { name: patch.name.trim() } : {}),
      ...(patch.notes !== undefined ? { notes: patch.notes } : {}),
      ...(patch.archived !== undefined ? { archived_at: patch.archived ? (before.archived_at ?? Date.now()) : null } : {}),
      updated_at: Date.now(),
    };
    await trx.updateTable('organisations').set(after).where('id', '=', clientId).execute();
    return { result: after, journal: { clientId, action: 'client.update', objectType: 'organisation', objectId: clientId, before: presentClient(before), after: presentClient(after) } };
  });
}

export function presentClient(o: { id: string; name: string; slug: string; notes: string; created_at: number; updated_at: number; archived_at: number | null }) {
  return { id: o.id, name: o.name, slug: o.slug, notes: o.notes, created_at: Number(o.created_at), updated_at: Number(o.updated_at), archived_at: o.archived_at === null ? null : Number(o.archived_at) };
}

/** The clients a principal may see: all of them for a provider admin, else those it holds a role on. */
export async function listClientsFor(db: Db, p: Principal) {
  let q = db.kysely.selectFrom('organisations').selectAll().where('kind', '=', 'client').orderBy('name');
  if (!(p.isProviderStaff && p.providerRoles.includes('admin') && p.kind === 'user')) {
    const ids = [...p.clientRoles.keys()];
    if (ids.length === 0) return [];
    q = q.where('id', 'in', ids);
  }
  return (await q.execute()).map(presentClient);
}

export async function getClient(db: Db, clientId: string) {
  const o = await db.kysely.selectFrom('organisations').selectAll().where('id', '=', clientId).where('kind', '=', 'client').executeTakeFirst();
  if (!o) throw notFound('client');
  return o;
}

// ---------------------------------------------------------------- users and memberships

export type UserRow = UserTable;

export function presentUser(u: UserRow, roles?: readonly string[]) {
  return {
    id: u.id,
    organisation_id: u.organisation_id,
    email: u.email,
    name: u.name,
    locale: u.locale,
    mfa_enabled: u.mfa_enabled_at !== null,
    disabled: u.disabled_at !== null,
    created_at: Number(u.created_at),
    ...(roles ? { roles: [...roles] } : {}),
  };
}

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** A password a person types once and then changes: 4 groups of 4 letters and digits. */
export function oneTimePassword(): string {
  const alphabet = 'abcdefghjkmnpqrstuvwxyz23456789';
  const bytes = randomBytes(16);
  const chars = [...bytes].map((b) => alphabet[b % alphabet.length]);
  return [0, 4, 8, 12].map((i) => chars.slice(i, i + 4).join('')).join('-');
}

export interface CreateUserInput {
  email: string;
  name: string;
  locale?: 'fr' | 'en' | undefined;
  password?: string | undefined;
  /** The user's home organisation: the provider (staff) or one client. */
  organisationId: string;
  /** Roles on the home organisation. */
  roles: Role[];
}

/** Creates a user in an organisation with roles there; returns the one-time password when none was given. */
export async function createUser(db: Db, ctx: AuditContext, input: CreateUserInput) {
  const email = normaliseEmail(input.email);
  const password = input.password ?? oneTimePassword();
  const hash = await hashPassword(password);
  const now = Date.now();
  return journaled(db, ctx, async (trx) => {
    const org = await trx.selectFrom('organisations').select(['id', 'kind']).where('id', '=', input.organisationId).executeTakeFirst();
    if (!org) throw notFound('organisation');
    checkRolesFit(org.kind, input.roles);
    const clash = await trx.selectFrom('users').select('id').where('email', '=', email).executeTakeFirst();
    if (clash) throw conflict('email_taken', `A user with the email ${email} already exists`);
    const user: UserRow = {
      id: newId(), organisation_id: org.id, email, name: input.name.trim(), locale: input.locale ?? 'fr', password_hash: hash,
      mfa_secret: null, mfa_enabled_at: null, mfa_last_step: null, recovery_codes: '[]', disabled_at: null, created_at: now, updated_at: now,
    };
    await trx.insertInto('users').values(user).execute();
    for (const role of new Set(input.roles)) {
      await trx.insertInto('memberships').values({ id: newId(), user_id: user.id, organisation_id: org.id, role, created_at: now }).execute();
    }
    const clientId = org.kind === 'client' ? org.id : null;
    return {
      result: { user, password: input.password ? null : password },
      journal: { clientId, action: 'user.create', objectType: 'user', objectId: user.id, after: presentUser(user, input.roles) },
    };
  });
}

function checkRolesFit(kind: 'provider' | 'client', roles: readonly string[]) {
  for (const r of roles) {
    if (kind === 'client' && !isClientRole(r)) throw badRequest('role_not_allowed', `The role ${r} is not a client role`);
    if (kind === 'provider' && !isProviderRole(r)) throw badRequest('role_not_allowed', `The role ${r} is not a provider role`);
  }
}

/**
 * Grants a role on a client. Client users take client roles on their own company only;
 * provider staff take provider roles (an assignment to that client).
 */
export async function addMembership(db: Db, ctx: AuditContext, clientId: string, userId: string, role: Role) {
  return journaled(db, ctx, async (trx) => {
    const user = await trx.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirst();
    if (!user) throw notFound('user');
    const providerId = await getProviderId(trx);
    const isStaff = user.organisation_id === providerId;
    if (!isStaff && user.organisation_id !== clientId) throw notFound('user');
    if (isStaff && !isProviderRole(role)) throw badRequest('role_not_allowed', 'Provider staff take provider roles on a client');
    if (!isStaff && !isClientRole(role)) throw badRequest('role_not_allowed', 'A client user takes client roles');
    const exists = await trx.selectFrom('memberships').select('id').where('user_id', '=', userId).where('organisation_id', '=', clientId).where('role', '=', role).executeTakeFirst();
    if (exists) throw conflict('membership_exists', 'This user already holds this role on this client');
    const m = { id: newId(), user_id: userId, organisation_id: clientId, role, created_at: Date.now() };
    await trx.insertInto('memberships').values(m).execute();
    return { result: m, journal: { clientId, action: 'membership.create', objectType: 'membership', objectId: m.id, after: { user_id: userId, email: user.email, role } } };
  });
}

export async function removeMembership(db: Db, ctx: AuditContext, clientId: string, membershipId: string) {
  return journaled(db, ctx, async (trx) => {
    const m = await trx.selectFrom('memberships').selectAll().where('id', '=', membershipId).where('organisation_id', '=', clientId).executeTakeFirst();
    if (!m) throw notFound('membership');
    await trx.deleteFrom('memberships').where('id', '=', m.id).execute();
    return { result: null, journal: { clientId, action: 'membership.delete', objectType: 'membership', objectId: m.id, before: { user_id: m.user_id, role: m.role } } };
  });
}

/** Everyone holding a role on a client: its own users and the provider staff assigned to it. */
export async function listClientUsers(db: Db, clientId: string) {
  const rows = await db.kysely
    .selectFrom('memberships as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .selectAll('u')
    .select(['m.id as membership_id', 'm.role as role'])
    .where('m.organisation_id', '=', clientId)
    .orderBy('u.name')
    .execute();
  const byUser = new Map<string, { user: UserRow; memberships: { id: string; role: string }[] }>();
  for (const r of rows) {
    const { membership_id, role, ...u } = r;
    const e = byUser.get(u.id) ?? { user: u as UserRow, memberships: [] };
    e.memberships.push({ id: membership_id, role });
    byUser.set(u.id, e);
  }
  return [...byUser.values()].map((e) => ({ ...presentUser(e.user, e.memberships.map((m) => m.role)), memberships: e.memberships }));
}

export async function listProviderStaff(db: Db) {
  const providerId = await getProviderId(db);
  const users = await db.kysely.selectFrom('users').selectAll().where('organisation_id', '=', providerId).orderBy('name').execute();
  const ms = await db.kysely.selectFrom('memberships').select(['user_id', 'organisation_id', 'role', 'id']).where('user_id', 'in', users.length ? users.map((u) => u.id) : ['']).execute();
  return users.map((u) => ({
    ...presentUser(u, ms.filter((m) => m.user_id === u.id && m.organisation_id === providerId).map((m) => m.role)),
    assignments: ms.filter((m) => m.user_id === u.id && m.organisation_id !== providerId).map((m) => ({ id: m.id, client_id: m.organisation_id, role: m.role })),
  }));
}

export async function findUserByEmail(db: Db, email: string) {
  return db.kysely.selectFrom('users').selectAll().where('email', '=', normaliseEmail(email)).executeTakeFirst();
}

/** Sets a new one-time password and ends the user's sessions. */
export async function resetPassword(db: Db, ctx: AuditContext, userId: string, password?: string) {
  const pw = password ?? oneTimePassword();
  const hash = await hashPassword(pw);
  await journaled(db, ctx, async (trx) => {
    const u = await trx.selectFrom('users').select(['id', 'organisation_id']).where('id', '=', userId).executeTakeFirst();
    if (!u) throw notFound('user');
    await trx.updateTable('users').set({ password_hash: hash, updated_at: Date.now() }).where('id', '=', userId).execute();
    await trx.deleteFrom('sessions').where('user_id', '=', userId).execute();
    return { result: null, journal: { clientId: await homeClientId(trx, u.organisation_id), action: 'user.password_reset', objectType: 'user', objectId: userId } };
  });
  return pw;
}

/** Removes MFA: the user enrols again at next login. */
export async function resetMfa(db: Db, ctx: AuditContext, userId: string) {
  await journaled(db, ctx, async (trx) => {
    const u = await trx.selectFrom('users').select(['id', 'organisation_id']).where('id', '=', userId).executeTakeFirst();
    if (!u) throw notFound('user');
    await trx.updateTable('users').set({ mfa_secret: null, mfa_enabled_at: null, mfa_last_step: null, recovery_codes: '[]', updated_at: Date.now() }).where('id', '=', userId).execute();
    await trx.deleteFrom('sessions').where('user_id', '=', userId).execute();
    return { result: null, journal: { clientId: await homeClientId(trx, u.organisation_id), action: 'mfa.reset', objectType: 'user', objectId: userId } };
  });
}

async function homeClientId(trx: Executor, orgId: string): Promise<string | null> {
  const o = await trx.selectFrom('organisations').select('kind').where('id', '=', orgId).executeTakeFirst();
  return o?.kind === 'client' ? orgId : null;
}

// ---------------------------------------------------------------- sessions and login

export interface SessionStart {
  token: string;
  stage: 'full' | 'mfa' | 'mfa_enrol';
  userId: string;
}

/**
 * Checks a password and opens a session. Provider staff must then pass MFA (or enrol in it);
 * client users pass MFA only if they enrolled. Every attempt is journaled.
 */
export async function login(db: Db, email: string, password: string, ip: string, userAgent: string): Promise<SessionStart> {
  const user = await findUserByEmail(db, email);
  const ok = await verifyPassword(password, user?.password_hash ?? DUMMY_HASH);
  const ctx: AuditContext = { actorId: user?.id ?? null, actorLabel: normaliseEmail(email), ip };
  if (!user || !ok || user.disabled_at !== null) {
    await journaled(db, ctx, async (trx) => ({
      result: null,
      journal: { clientId: user ? await homeClientId(trx, user.organisation_id) : null, action: 'auth.login_failed', objectType: 'user', objectId: user?.id ?? null },
    }));
    throw new AppError(401, 'invalid_credentials', 'Wrong email or password');
  }
  const providerId = await getProviderId(db);
  const isStaff = user.organisation_id === providerId;
  const stage: SessionStart['stage'] = user.mfa_enabled_at !== null ? 'mfa' : isStaff ? 'mfa_enrol' : 'full';
  const token = randomToken();
  const now = Date.now();
  await journaled(db, ctx, async (trx) => {
    const s = { id: newId(), user_id: user.id, token_hash: sha256(token), stage, ip, user_agent: userAgent.slice(0, 300), created_at: now, last_seen_at: now, expires_at: now + SESSION_TTL_MS };
    await trx.insertInto('sessions').values(s).execute();
    return { result: null, journal: { clientId: isStaff ? null : user.organisation_id, action: stage === 'full' ? 'auth.login' : 'auth.password_ok', objectType: 'session', objectId: s.id, after: { stage } } };
  });
  return { token, stage, userId: user.id };
}

// A hash to verify against when the email is unknown, so timing does not reveal which emails exist.
const DUMMY_HASH = 'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

export interface SessionRow {
  id: string;
  user_id: string;
  stage: string;
  expires_at: number;
  last_seen_at: number;
  /** The user, read with the session. */
  email: string;
  locale: string;
  organisation_id: string;
  disabled_at: number | null;
}

type PrincipalUser = Pick<UserRow, 'id' | 'email' | 'locale' | 'organisation_id' | 'disabled_at'>;

export async function findSession(db: Db, token: string): Promise<SessionRow | null> {
  // The user's row comes with the session: one query less on every request.
  const s = await db.kysely
    .selectFrom('sessions as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .select(['s.id', 's.user_id', 's.stage', 's.expires_at', 's.last_seen_at', 'u.email', 'u.locale', 'u.organisation_id', 'u.disabled_at'])
    .where('s.token_hash', '=', sha256(token))
    .executeTakeFirst();
  if (!s || Number(s.expires_at) < Date.now()) return null;
  if (Date.now() - Number(s.last_seen_at) > TOUCH_EVERY_MS) {
    const now = Date.now();
    await db.kysely.updateTable('sessions').set({ last_seen_at: now, expires_at: now + SESSION_TTL_MS }).where('id', '=', s.id).execute();
  }
  return { ...s, expires_at: Number(s.expires_at), last_seen_at: Number(s.last_seen_at) };
}

export async function logout(db: Db, ctx: AuditContext, sessionId: string) {
  await journaled(db, ctx, async (trx) => {
    await trx.deleteFrom('sessions').where('id', '=', sessionId).execute();
    return { result: null, journal: { clientId: null, action: 'auth.logout', objectType: 'session', objectId: sessionId } };
  });
}

/** Loads a user's roles into a Principal. */
export async function loadPrincipal(
  db: Db,
  userId: string,
  via: { kind: 'user'; sessionId: string; ip: string } | { kind: 'token'; tokenId: string; clientId: string; role: Role; label: string; ip: string },
  known?: PrincipalUser,
): Promise<Principal | null> {
  const user = known ?? (await db.kysely.selectFrom('users').select(['id', 'email', 'locale', 'organisation_id', 'disabled_at']).where('id', '=', userId).executeTakeFirst());
  if (!user || user.disabled_at !== null) return null;
  const providerId = await getProviderId(db);
  const isStaff = user.organisation_id === providerId;
  if (via.kind === 'token') {
    return {
      kind: 'token', userId, tokenId: via.tokenId, sessionId: null, label: via.label, locale: user.locale, isProviderStaff: false,
      providerRoles: [], clientRoles: new Map([[via.clientId, [via.role]]]), ip: via.ip,
    };
  }
  const ms = await db.kysely.selectFrom('memberships').select(['organisation_id', 'role']).where('user_id', '=', userId).execute();
  const providerRoles: Role[] = [];
  const clientRoles = new Map<string, Role[]>();
  for (const m of ms) {
    if (m.organisation_id === providerId) providerRoles.push(m.role as Role);
    else clientRoles.set(m.organisation_id, [...(clientRoles.get(m.organisation_id) ?? []), m.role as Role]);
  }
  return { kind: 'user', userId, tokenId: null, sessionId: via.sessionId, label: user.email, locale: user.locale, isProviderStaff: isStaff, providerRoles, clientRoles, ip: via.ip };
}

// ---------------------------------------------------------------- MFA

/** Starts (or restarts) TOTP enrolment: a new secret, not active until a code confirms it. */
export async function startMfaEnrolment(db: Db, ctx: AuditContext, userId: string) {
  const user = await db.kysely.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirstOrThrow();
  if (user.mfa_enabled_at !== null) throw conflict('mfa_already_enabled', 'MFA is already enabled; ask an admin to reset it');
  const secret = newTotpSecret();
  await journaled(db, ctx, async (trx) => {
    await trx.updateTable('users').set({ mfa_secret: secret, updated_at: Date.now() }).where('id', '=', userId).execute();
    return { result: null, journal: { clientId: await homeClientId(trx, user.organisation_id), action: 'mfa.enrol_start', objectType: 'user', objectId: userId } };
  });
  return enrolmentPayload(secret, user.email);
}

/** Confirms enrolment with a first code; returns ten recovery codes, shown once. Upgrades the session. */
export async function confirmMfaEnrolment(db: Db, ctx: AuditContext, userId: string, sessionId: string | null, code: string) {
  const user = await db.kysely.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirstOrThrow();
  if (user.mfa_enabled_at !== null) throw conflict('mfa_already_enabled', 'MFA is already enabled');
  if (!user.mfa_secret) throw badRequest('mfa_not_started', 'Start the enrolment first');
  const step = checkTotp(user.mfa_secret, code);
  if (step === null) throw badRequest('mfa_code_invalid', 'This code is not valid; check the time on your phone');
  const codes = Array.from({ length: 10 }, () => randomBytes(5).toString('hex'));
  await journaled(db, ctx, async (trx) => {
    await trx.updateTable('users').set({ mfa_enabled_at: Date.now(), mfa_last_step: step, recovery_codes: JSON.stringify(codes.map((c) => sha256(c))), updated_at: Date.now() }).where('id', '=', userId).execute();
    if (sessionId) await trx.updateTable('sessions').set({ stage: 'full' }).where('id', '=', sessionId).execute();
    return { result: null, journal: { clientId: await homeClientId(trx, user.organisation_id), action: 'mfa.enable', objectType: 'user', objectId: userId } };
  });
  return codes;
}

/** Second step of login: a TOTP code or a recovery code (used once). */
export async function verifyMfa(db: Db, ctx: AuditContext, userId: string, sessionId: string, code: string) {
  const user = await db.kysely.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirstOrThrow();
  if (!user.mfa_secret || user.mfa_enabled_at === null) throw badRequest('mfa_not_enabled', 'MFA is not enabled for this user');
  const clean = code.replace(/\s+/g, '').toLowerCase();
  let usedRecovery = false;
  let recovery = parseJson<string[]>(user.recovery_codes, []);
  const step = checkTotp(user.mfa_secret, clean, user.mfa_last_step);
  if (step === null) {
    const h = sha256(clean);
    if (!recovery.includes(h)) {
      await journaled(db, ctx, async (trx) => ({ result: null, journal: { clientId: await homeClientId(trx, user.organisation_id), action: 'mfa.failed', objectType: 'session', objectId: sessionId } }));
      throw new AppError(401, 'mfa_code_invalid', 'This code is not valid');
    }
    recovery = recovery.filter((x) => x !== h);
    usedRecovery = true;
  }
  await journaled(db, ctx, async (trx) => {
    await trx.updateTable('sessions').set({ stage: 'full' }).where('id', '=', sessionId).execute();
    if (usedRecovery) await trx.updateTable('users').set({ recovery_codes: JSON.stringify(recovery) }).where('id', '=', userId).execute();
    else await trx.updateTable('users').set({ mfa_last_step: step }).where('id', '=', userId).execute();
    return { result: null, journal: { clientId: await homeClientId(trx, user.organisation_id), action: usedRecovery ? 'auth.login_recovery_code' : 'auth.login', objectType: 'session', objectId: sessionId } };
  });
}

// ---------------------------------------------------------------- API tokens

export interface TokenInput {
  name: string;
  role: Role;
  expiresInDays: number;
}

/** Creates an API token scoped to one client and one role; the secret is returned once, only its hash is kept. */
export async function createApiToken(db: Db, ctx: AuditContext, creator: Principal, clientId: string, input: TokenInput) {
  const secret = randomToken('vgt_');
  const now = Date.now();
  const t = {
    id: newId(), client_id: clientId, name: input.name.trim(), role: input.role, token_hash: sha256(secret), prefix: secret.slice(0, 12),
    created_by: creator.userId, created_at: now, expires_at: now + input.expiresInDays * 86400_000, revoked_at: null, last_used_at: null,
  };
  const result = await journaled(db, ctx, async (trx) => {
    await trx.insertInto('api_tokens').values(t).execute();
    return { result: t, journal: { clientId, action: 'token.create', objectType: 'api_token', objectId: t.id, after: presentToken(t) } };
  });
  return { token: presentToken(result), secret };
}

export async function revokeApiToken(db: Db, ctx: AuditContext, clientId: string, tokenId: string) {
  return journaled(db, ctx, async (trx) => {
    const t = await trx.selectFrom('api_tokens').selectAll().where('id', '=', tokenId).where('client_id', '=', clientId).executeTakeFirst();
    if (!t) throw notFound('token');
    const after = { ...t, revoked_at: t.revoked_at ?? Date.now() };
    await trx.updateTable('api_tokens').set({ revoked_at: after.revoked_at }).where('id', '=', t.id).execute();
    return { result: presentToken(after), journal: { clientId, action: 'token.revoke', objectType: 'api_token', objectId: t.id, before: presentToken(t), after: presentToken(after) } };
  });
}

export async function listApiTokens(db: Db, clientId: string) {
  const rows = await db.kysely.selectFrom('api_tokens').selectAll().where('client_id', '=', clientId).orderBy('created_at', 'desc').execute();
  return rows.map(presentToken);
}

export function presentToken(t: { id: string; client_id: string; name: string; role: string; prefix: string; created_by: string; created_at: number; expires_at: number; revoked_at: number | null; last_used_at: number | null }) {
  const n = (x: number | null) => (x === null ? null : Number(x));
  return { id: t.id, client_id: t.client_id, name: t.name, role: t.role, prefix: t.prefix, created_by: t.created_by, created_at: Number(t.created_at), expires_at: Number(t.expires_at), revoked_at: n(t.revoked_at), last_used_at: n(t.last_used_at) };
}

/** Resolves a bearer token to a principal; a use is journaled on first use and then at most hourly. */
export async function authenticateToken(db: Db, secret: string, ip: string): Promise<Principal> {
  const t = await db.kysely.selectFrom('api_tokens').selectAll().where('token_hash', '=', sha256(secret)).executeTakeFirst();
  const now = Date.now();
  if (!t || t.revoked_at !== null || Number(t.expires_at) < now) throw unauthenticated('This API token is unknown, expired or revoked');
  const principal = await loadPrincipal(db, t.created_by, { kind: 'token', tokenId: t.id, clientId: t.client_id, role: t.role as Role, label: `token:${t.prefix}…(${t.name})`, ip });
  if (!principal) throw unauthenticated('The owner of this API token is disabled');
  if (t.last_used_at === null || now - Number(t.last_used_at) > TOKEN_USE_JOURNAL_EVERY_MS) {
    await db.kysely.transaction().execute(async (trx) => {
      await trx.updateTable('api_tokens').set({ last_used_at: now }).where('id', '=', t.id).execute();
      await appendJournal(trx, db.dialect, { actorId: t.created_by, actorLabel: principal.label, ip }, { clientId: t.client_id, action: 'token.use', objectType: 'api_token', objectId: t.id });
    });
  }
  return principal;
}
