import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError, forbidden, unauthenticated } from '../core/errors.ts';
import { safeEqual, sha256 } from '../core/crypto.ts';
import type { Db } from '../db/database.ts';
import type { Principal } from '../modules/tenancy/principal.ts';
import { authenticateToken, findSession, loadPrincipal, SESSION_TTL_MS } from '../modules/tenancy/service.ts';

export const SESSION_COOKIE = 'vigie_session';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
    /** Set when the session still owes an MFA step ('mfa' or 'mfa_enrol'). */
    pendingSession: { id: string; userId: string; stage: string } | null;
  }
  interface FastifyContextConfig {
    /** No authentication needed (login, health, docs). */
    public?: boolean;
    /** Reachable by a session that has passed the password but not yet MFA. */
    allowPartialSession?: boolean;
  }
}

/** The CSRF token of a session: derived from the cookie's secret, which scripts in the page cannot read. */
export function csrfTokenFor(sessionToken: string): string {
  return sha256(`csrf:${sessionToken}`);
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Authenticates every API request: a bearer API token, or the session cookie (with a CSRF header
 * on anything that changes state). Sets `req.principal`, or `req.pendingSession` mid-login.
 */
export function authHook(db: Db) {
  return async function authenticate(req: FastifyRequest, _reply: FastifyReply) {
    req.principal = null;
    req.pendingSession = null;
    const cfg = req.routeOptions.config;
    const auth = req.headers.authorization;
    if (auth?.startsWith('Bearer ')) {
      try {
        req.principal = await authenticateToken(db, auth.slice(7).trim(), req.ip);
      } catch (err) {
        // A public route may take another kind of bearer (a site collector's token): it checks it itself.
        if (!cfg.public) throw err;
      }
      return;
    }
    const token = req.cookies[SESSION_COOKIE];
    if (token) {
      const s = await findSession(db, token);
      if (s) {
        if (!SAFE_METHODS.has(req.method) && !cfg.public) {
          const sent = req.headers['x-csrf-token'];
          if (typeof sent !== 'string' || !safeEqual(sent, csrfTokenFor(token))) {
            throw new AppError(403, 'csrf_failed', 'Missing or wrong CSRF token; reload the page');
          }
        }
        if (s.stage === 'full') {
          req.principal = await loadPrincipal(db, s.user_id, { kind: 'user', sessionId: s.id, ip: req.ip }, { id: s.user_id, email: s.email, locale: s.locale, organisation_id: s.organisation_id, disabled_at: s.disabled_at });
        } else {
          req.pendingSession = { id: s.id, userId: s.user_id, stage: s.stage };
        }
      }
    }
    if (cfg.public) return;
    if (req.principal) return;
    if (req.pendingSession && cfg.allowPartialSession) return;
    if (req.pendingSession) throw new AppError(401, 'mfa_required', 'Finish signing in with your second factor');
    throw unauthenticated();
  };
}

/** The caller, for handlers behind authentication. */
export function principalOf(req: FastifyRequest): Principal {
  if (!req.principal) throw unauthenticated();
  return req.principal;
}

/** Provider-wide administration (clients, staff): provider admins only, never API tokens. */
export function requireProviderAdmin(req: FastifyRequest): Principal {
  const p = principalOf(req);
  if (!(p.kind === 'user' && p.isProviderStaff && p.providerRoles.includes('admin'))) throw forbidden('Provider administrators only');
  return p;
}

export function setSessionCookie(reply: FastifyReply, token: string, secure: boolean) {
  reply.setCookie(SESSION_COOKIE, token, { path: '/', httpOnly: true, sameSite: 'strict', secure, maxAge: SESSION_TTL_MS / 1000 });
}

export function clearSessionCookie(reply: FastifyReply) {
  reply.clearCookie(SESSION_COOKIE, { path: '/' });
}
