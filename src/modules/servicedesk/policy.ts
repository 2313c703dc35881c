import { definePolicy, EVERYONE, REFERENTS, STAFF } from '../../core/policy.ts';
import type { Role } from '../tenancy/roles.ts';
import { rolesOn, type Principal } from '../tenancy/principal.ts';

/**
 * Who may do what with a client's tickets. Beyond the roles (checked here), the service applies two
 * rules of the ticket itself: a plain client `user` sees only the tickets they requested or watch
 * (others are a 404), and the requester may reply, close and reopen their own ticket.
 */
export const servicedeskPolicy = definePolicy({
  /** See tickets (a plain user: only their own or watched ones, enforced by the service). */
  'tickets.read': EVERYONE,
  /** Open a ticket: everyone but the read-only auditor. */
  'tickets.create': [...STAFF, ...REFERENTS, 'user'],
  /** Work the ticket: take, assign, prioritise, internal notes, every state action, messages sent. */
  'tickets.work': STAFF,
  /** Reply publicly, confirm (close) or reopen a restored ticket: staff and the client's referents (the requester too, by the service). */
  'tickets.reply': [...STAFF, ...REFERENTS],
});

/** True when the caller holds a provider staff role on the client (may work its tickets). */
export function isStaffOn(p: Principal, clientId: string): boolean {
  return servicedeskPolicy.can(p, 'tickets.work', clientId);
}

/** True when the caller's only roles on the client are `user` (and maybe `auditor`): they see only their own tickets. */
export function seesOwnTicketsOnly(p: Principal, clientId: string): boolean {
  const held = rolesOn(p, clientId);
  const broad: readonly Role[] = [...STAFF, ...REFERENTS, 'auditor'];
  return !held.some((r) => broad.includes(r));
}

/** Roles whose holders see internal notes, internal attachments and internal events. */
export function seesInternal(p: Principal, clientId: string): boolean {
  return isStaffOn(p, clientId);
}

/** Support groups are provider-wide: provider staff read them (signed-in people, not API tokens). */
export function isProviderStaffUser(p: Principal): boolean {
  return p.kind === 'user' && p.isProviderStaff && p.providerRoles.length > 0;
}
