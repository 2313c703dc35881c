import { definePolicy, EVERYONE, REFERENTS, STAFF } from '../../core/policy.ts';
import type { Role } from '../tenancy/roles.ts';
import { rolesOn, type Principal } from '../tenancy/principal.ts';

/** Who may read a client's satisfaction results and a ticket's survey (answering is public, by the link's token). */
export const satisfactionPolicy = definePolicy({
  /** The client's results (averages, per month, per technician, comments): provider staff, referents and the auditor. */
  'satisfaction.read': [...STAFF, ...REFERENTS, 'auditor'],
  /** One ticket's survey: everyone of the client (a plain user: only on the tickets they requested, by the service). */
  'survey.read': EVERYONE,
});

const BROAD: readonly Role[] = [...STAFF, ...REFERENTS, 'auditor'];

/** True when the caller's roles on the client are only `user`: they see the surveys of their own tickets only. */
export function ownTicketsOnly(p: Principal, clientId: string): boolean {
  return !rolesOn(p, clientId).some((r) => BROAD.includes(r));
}
