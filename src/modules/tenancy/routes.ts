import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AppError, forbidden } from '../../core/errors.ts';
import type { App, Deps } from '../../app/server.ts';
import { clearSessionCookie, csrfTokenFor, principalOf, requireProviderAdmin, SESSION_COOKIE, setSessionCookie } from '../../app/auth.ts';
import { auditContext, isProviderAdmin, rolesOn } from './principal.ts';
import { tenancyPolicy } from './policy.ts';
import type { Role } from './roles.ts';
import * as T from './schema.ts';
import * as svc from './service.ts';

/** Sign-in, MFA, clients, people, memberships and API tokens. */
export function tenancyRoutes(app: App, { db, config }: Deps) {
  const limited = {
    rateLimit: {
      max: config.loginRateLimit.max,
      timeWindow: config.loginRateLimit.windowMs,
      // Per address and account: the email at login, the session (so the account) at the MFA step.
      keyGenerator: (req: FastifyRequest) =>
        `${req.ip}|${String((req.body as { email?: string } | undefined)?.email ?? '').toLowerCase()}|${req.pendingSession?.userId ?? req.principal?.userId ?? ''}`,
    },
  };

  // ------------------------------------------------------------ sign-in

  app.post('/auth/login', { schema: { tags: ['auth'], body: T.LoginBody }, config: { public: true, ...limited } }, async (req, reply) => {
    const s = await svc.login(db, req.body.email, req.body.password, req.ip, req.headers['user-agent'] ?? '');
    setSessionCookie(reply, s.token, config.secureCookies);
    return { stage: s.stage, csrf_token: csrfTokenFor(s.token) };
  });

  app.post('/auth/logout', { schema: { tags: ['auth'] }, config: { allowPartialSession: true } }, async (req, reply) => {
    const sid = req.principal?.sessionId ?? req.pendingSession?.id;
    if (sid) await svc.logout(db, { actorId: req.principal?.userId ?? req.pendingSession?.userId ?? null, actorLabel: req.principal?.label ?? 'session', ip: req.ip }, sid);
    clearSessionCookie(reply);
    return { ok: true };
  });

  app.get('/auth/session', { schema: { tags: ['auth'] }, config: { allowPartialSession: true } }, async (req) => {
    const token = req.cookies[SESSION_COOKIE] ?? '';
    const userId = req.principal?.userId ?? req.pendingSession?.userId;
    const user = await db.kysely.selectFrom('users').selectAll().where('id', '=', userId!).executeTakeFirstOrThrow();
    const stage = req.principal ? 'full' : req.pendingSession!.stage;
    const base = { stage, user: svc.presentUser(user), csrf_token: req.principal?.kind === 'token' ? null : csrfTokenFor(token) };
    if (!req.principal) return base;
    const p = req.principal;
    const clients = await svc.listClientsFor(db, p);
    return {
      ...base,
      provider_staff: p.isProviderStaff,
      provider_roles: [...p.providerRoles],
      clients: clients.map((c) => ({ id: c.id, name: c.name, slug: c.slug, roles: [...rolesOn(p, c.id)] })),
    };
  });

  app.post('/auth/mfa/verify', { schema: { tags: ['auth'], body: T.MfaCodeBody }, config: { allowPartialSession: true, ...limited } }, async (req) => {
    const pend = req.pendingSession;
    if (!pend || pend.stage !== 'mfa') throw new AppError(409, 'mfa_not_pending', 'No second factor is expected for this session');
    await svc.verifyMfa(db, { actorId: pend.userId, actorLabel: pend.userId, ip: req.ip }, pend.userId, pend.id, req.body.code);
    return { stage: 'full' };
  });

  app.post('/auth/mfa/enrol', { schema: { tags: ['auth'] }, config: { allowPartialSession: true } }, async (req) => {
    const userId = enrollingUser(req);
    return svc.startMfaEnrolment(db, { actorId: userId, actorLabel: req.principal?.label ?? userId, ip: req.ip }, userId);
  });

  app.post('/auth/mfa/confirm', { schema: { tags: ['auth'], body: T.MfaCodeBody }, config: { allowPartialSession: true, ...limited } }, async (req) => {
    const userId = enrollingUser(req);
    const sessionId = req.principal?.sessionId ?? req.pendingSession?.id ?? null;
    const codes = await svc.confirmMfaEnrolment(db, { actorId: userId, actorLabel: req.principal?.label ?? userId, ip: req.ip }, userId, sessionId, req.body.code);
    return { stage: 'full', recovery_codes: codes };
  });

  function enrollingUser(req: FastifyRequest): string {
    if (req.principal?.kind === 'user') return req.principal.userId;
    if (req.pendingSession?.stage === 'mfa_enrol') return req.pendingSession.userId;
    throw new AppError(409, 'mfa_not_pending', 'Enter your current code first');
  }

  // ------------------------------------------------------------ clients

  app.get('/clients', { schema: { tags: ['clients'] } }, async (req) => ({ items: await svc.listClientsFor(db, principalOf(req)) }));

  app.post('/clients', { schema: { tags: ['clients'], body: T.ClientCreateBody } }, async (req, reply) => {
    const p = requireProviderAdmin(req);
    const c = await svc.createClient(db, auditContext(p), req.body);
    return reply.code(201).send(svc.presentClient(c));
  });

  app.get('/clients/:clientId', { schema: { tags: ['clients'], params: T.ClientParams } }, async (req) => {
    tenancyPolicy.authorize(principalOf(req), 'client.read', req.params.clientId);
    return svc.presentClient(await svc.getClient(db, req.params.clientId));
  });

  app.patch('/clients/:clientId', { schema: { tags: ['clients'], params: T.ClientParams, body: T.ClientPatchBody } }, async (req) => {
    const p = principalOf(req);
    tenancyPolicy.authorize(p, 'client.update', req.params.clientId);
    return svc.presentClient(await svc.updateClient(db, auditContext(p), req.params.clientId, req.body));
  });

  // ------------------------------------------------------------ people

  app.get('/clients/:clientId/users', { schema: { tags: ['users'], params: T.ClientParams } }, async (req) => {
    tenancyPolicy.authorize(principalOf(req), 'user.read', req.params.clientId);
    return { items: await svc.listClientUsers(db, req.params.clientId) };
  });

  app.post('/clients/:clientId/users', { schema: { tags: ['users'], params: T.ClientParams, body: T.ClientUserCreateBody } }, async (req, reply) => {
    const p = principalOf(req);
    tenancyPolicy.authorize(p, 'user.manage', req.params.clientId);
    await svc.getClient(db, req.params.clientId);
    const r = await svc.createUser(db, auditContext(p), { ...req.body, organisationId: req.params.clientId });
    return reply.code(201).send({ user: svc.presentUser(r.user, req.body.roles), one_time_password: r.password });
  });

  app.post('/clients/:clientId/memberships', { schema: { tags: ['users'], params: T.ClientParams, body: T.MembershipCreateBody } }, async (req, reply) => {
    const p = principalOf(req);
    const role = req.body.role as Role;
    const staffRole = ['admin', 'engineer', 'technician', 'account_manager'].includes(role);
    tenancyPolicy.authorize(p, staffRole ? 'staff.assign' : 'user.manage', req.params.clientId);
    await svc.getClient(db, req.params.clientId);
    const m = await svc.addMembership(db, auditContext(p), req.params.clientId, req.body.user_id, role);
    return reply.code(201).send({ id: m.id, user_id: m.user_id, client_id: m.organisation_id, role: m.role });
  });

  app.delete('/clients/:clientId/memberships/:membershipId', { schema: { tags: ['users'], params: T.ClientParams.extend({ membershipId: T.Id }) } }, async (req) => {
    const p = principalOf(req);
    tenancyPolicy.authorize(p, 'user.manage', req.params.clientId);
    await svc.removeMembership(db, auditContext(p), req.params.clientId, req.params.membershipId);
    return { ok: true };
  });

  app.get('/staff', { schema: { tags: ['users'] } }, async (req) => {
    requireProviderAdmin(req);
    return { items: await svc.listProviderStaff(db) };
  });

  app.post('/staff', { schema: { tags: ['users'], body: T.StaffCreateBody } }, async (req, reply) => {
    const p = requireProviderAdmin(req);
    const r = await svc.createUser(db, auditContext(p), { ...req.body, organisationId: await svc.getProviderId(db) });
    return reply.code(201).send({ user: svc.presentUser(r.user, req.body.roles), one_time_password: r.password });
  });

  const UserParams = z.object({ userId: T.Id });
  app.post('/users/:userId/reset-password', { schema: { tags: ['users'], params: UserParams } }, async (req) => {
    const p = requireProviderAdmin(req);
    return { one_time_password: await svc.resetPassword(db, auditContext(p), req.params.userId) };
  });

  app.post('/users/:userId/reset-mfa', { schema: { tags: ['users'], params: UserParams } }, async (req) => {
    const p = requireProviderAdmin(req);
    await svc.resetMfa(db, auditContext(p), req.params.userId);
    return { ok: true };
  });

  // ------------------------------------------------------------ API tokens

  app.get('/clients/:clientId/tokens', { schema: { tags: ['tokens'], params: T.ClientParams } }, async (req) => {
    tenancyPolicy.authorize(principalOf(req), 'token.read', req.params.clientId);
    return { items: await svc.listApiTokens(db, req.params.clientId) };
  });

  app.post('/clients/:clientId/tokens', { schema: { tags: ['tokens'], params: T.ClientParams, body: T.TokenCreateBody } }, async (req, reply) => {
    const p = principalOf(req);
    tenancyPolicy.authorize(p, 'token.manage', req.params.clientId);
    if (p.kind === 'token') throw forbidden('An API token cannot create tokens');
    const role = req.body.role as Role;
    if (!isProviderAdmin(p) && !rolesOn(p, req.params.clientId).includes(role)) throw forbidden('A token cannot hold a role its creator does not hold');
    await svc.getClient(db, req.params.clientId);
    const r = await svc.createApiToken(db, auditContext(p), p, req.params.clientId, { name: req.body.name, role, expiresInDays: req.body.expires_in_days });
    return reply.code(201).send({ ...r.token, secret: r.secret });
  });

  app.delete('/clients/:clientId/tokens/:tokenId', { schema: { tags: ['tokens'], params: T.ClientParams.extend({ tokenId: T.Id }) } }, async (req) => {
    const p = principalOf(req);
    tenancyPolicy.authorize(p, 'token.manage', req.params.clientId);
    return svc.revokeApiToken(db, auditContext(p), req.params.clientId, req.params.tokenId);
  });
}
