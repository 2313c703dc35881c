/** The signed-in user, as GET /auth/session describes it, and what the UI may offer them. */
import { createContext, useContext } from 'react';

export interface SessionUser {
  id: string;
  organisation_id: string;
  email: string;
  name: string;
  locale: string;
  mfa_enabled: boolean;
}

export interface SessionClient {
  id: string;
  name: string;
  slug: string;
  roles: string[];
}

export interface Session {
  stage: 'full';
  user: SessionUser;
  csrf_token: string | null;
  provider_staff: boolean;
  provider_roles: string[];
  clients: SessionClient[];
}

export interface SessionContextValue {
  session: Session;
  /** Reloads the session (after creating a client, for instance). */
  refresh: () => Promise<void>;
  logout: () => Promise<void>;
}

export const SessionContext = createContext<SessionContextValue | null>(null);

export function useSession(): SessionContextValue {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside a signed-in app');
  return s;
}

export function isProviderAdmin(s: Session): boolean {
  return s.provider_staff && s.provider_roles.includes('admin');
}

/** Roles the user holds on a client (a provider admin holds `admin` on every client). */
export function rolesOn(s: Session, clientId: string): string[] {
  const c = s.clients.find((x) => x.id === clientId);
  const roles = new Set(c?.roles ?? []);
  if (isProviderAdmin(s)) roles.add('admin');
  return [...roles];
}

/** Mirrors of the server's policy tables, only to hide what would be refused anyway. */
const RULES = {
  'user.read': ['admin', 'engineer', 'technician', 'account_manager', 'technical_referent', 'steering_referent', 'strategic_referent', 'auditor'],
  'user.manage': ['admin', 'account_manager', 'technical_referent', 'steering_referent', 'strategic_referent'],
  'staff.assign': ['admin'],
  'token.read': ['admin', 'engineer', 'technical_referent'],
  'token.manage': ['admin', 'engineer', 'technical_referent'],
  'journal.read': ['admin', 'account_manager', 'engineer', 'technical_referent', 'steering_referent', 'strategic_referent', 'auditor'],
  /** The provider's technical staff and the client's technical referent keep the inventory. */
  'inventory.write': ['admin', 'engineer', 'technician', 'technical_referent'],
  /** Supervision (monitoring/policy.ts, collector-policy.ts, alert-policy.ts); reading is for everyone of the client. */
  'checks.write': ['admin', 'engineer'],
  'maintenance.write': ['admin', 'engineer', 'technician', 'technical_referent'],
  'collector.manage': ['admin', 'engineer'],
  'alerts.manage': ['admin', 'engineer', 'account_manager', 'technical_referent'],
} as const;

export type UiAction = keyof typeof RULES;

export function can(s: Session, action: UiAction, clientId: string): boolean {
  const allowed: readonly string[] = RULES[action];
  return rolesOn(s, clientId).some((r) => allowed.includes(r));
}
