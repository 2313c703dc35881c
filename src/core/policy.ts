import { forbidden, notFound } from './errors.ts';
import type { Role } from '../modules/tenancy/roles.ts';
import { rolesOn, type Principal } from '../modules/tenancy/principal.ts';

/**
 * A module's authorisation rules: action → roles allowed on the client concerned.
 * Every module writes its own table in its policy.ts; handlers call `authorize` and nothing else.
 */
export type Rules<A extends string> = Readonly<Record<A, readonly Role[]>>;

export function definePolicy<A extends string>(rules: Rules<A>) {
  return {
    rules,
    /** True when the principal may do `action` on the client. */
    can(p: Principal, action: A, clientId: string): boolean {
      const held = rolesOn(p, clientId);
      return held.some((r) => rules[action].includes(r));
    },
    /**
     * Throws 404 when the principal has nothing to do with the client (its objects must not even be
     * seen to exist), 403 when it does but this action is not among its rights.
     */
    authorize(p: Principal, action: A, clientId: string): void {
      const held = rolesOn(p, clientId);
      if (held.length === 0) throw notFound('client');
      if (!held.some((r) => rules[action].includes(r))) throw forbidden();
    },
  };
}

export const STAFF: readonly Role[] = ['admin', 'engineer', 'technician', 'account_manager'];
export const REFERENTS: readonly Role[] = ['technical_referent', 'steering_referent', 'strategic_referent'];
export const EVERYONE: readonly Role[] = [...STAFF, ...REFERENTS, 'user', 'auditor'];
