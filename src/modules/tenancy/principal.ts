import type { AuditContext } from '../journal/service.ts';
import type { Role } from './roles.ts';

/** Whoever is calling: a signed-in user or an API token, with the roles they hold per client. */
export interface Principal {
  readonly kind: 'user' | 'token';
  readonly userId: string;
  readonly tokenId: string | null;
  readonly sessionId: string | null;
  readonly label: string;
  readonly locale: string;
  /** Member of the provider organisation (staff). */
  readonly isProviderStaff: boolean;
  /** Roles held on the provider organisation itself; `admin` there reaches every client. */
  readonly providerRoles: readonly Role[];
  /** Roles per client organisation. */
  readonly clientRoles: ReadonlyMap<string, readonly Role[]>;
  readonly ip: string;
}

export function isProviderAdmin(p: Principal): boolean {
  return p.kind === 'user' && p.isProviderStaff && p.providerRoles.includes('admin');
}

/** The roles a principal holds on one client; a provider admin holds `admin` on all of them. */
export function rolesOn(p: Principal, clientId: string): readonly Role[] {
  const own = p.clientRoles.get(clientId) ?? [];
  return isProviderAdmin(p) ? ['admin', ...own] : own;
}

export function auditContext(p: Principal, reason?: string | null): AuditContext {
  return { actorId: p.userId, actorLabel: p.label, ip: p.ip, reason: reason ?? null };
}
