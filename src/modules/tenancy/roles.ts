/** Provider-side roles. `admin` held on the provider organisation reaches every client. */
export const PROVIDER_ROLES = ['admin', 'engineer', 'technician', 'account_manager'] as const;
/** Client-side roles: a referent per committee level, users, and a read-only auditor. */
export const CLIENT_ROLES = ['technical_referent', 'steering_referent', 'strategic_referent', 'user', 'auditor'] as const;

export type ProviderRole = (typeof PROVIDER_ROLES)[number];
export type ClientRole = (typeof CLIENT_ROLES)[number];
export type Role = ProviderRole | ClientRole;
export const ALL_ROLES: readonly Role[] = [...PROVIDER_ROLES, ...CLIENT_ROLES];

export function isProviderRole(r: string): r is ProviderRole {
  return (PROVIDER_ROLES as readonly string[]).includes(r);
}
export function isClientRole(r: string): r is ClientRole {
  return (CLIENT_ROLES as readonly string[]).includes(r);
}
