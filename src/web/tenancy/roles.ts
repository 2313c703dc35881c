/** The roles, in the order the UI lists them (same as src/modules/tenancy/roles.ts). */
export const PROVIDER_ROLES = ['admin', 'engineer', 'technician', 'account_manager'] as const;
export const CLIENT_ROLES = ['technical_referent', 'steering_referent', 'strategic_referent', 'user', 'auditor'] as const;
/** Provider roles that are assigned per client (admin reaches every client already). */
export const ASSIGNABLE_STAFF_ROLES = ['engineer', 'technician', 'account_manager'] as const;
export const ALL_ROLES: readonly string[] = [...PROVIDER_ROLES, ...CLIENT_ROLES];

export function isProviderRole(r: string): boolean {
  return (PROVIDER_ROLES as readonly string[]).includes(r);
}

export interface UserItem {
  id: string;
  organisation_id: string;
  email: string;
  name: string;
  locale: string;
  mfa_enabled: boolean;
  disabled: boolean;
  created_at: number;
  roles: string[];
}

export interface ClientUser extends UserItem {
  memberships: { id: string; role: string }[];
}

export interface StaffUser extends UserItem {
  assignments: { id: string; client_id: string; role: string }[];
}
