import { definePolicy, EVERYONE, REFERENTS } from '../../core/policy.ts';

/** Who may do what with a client's people and tokens. Provider-wide actions need a provider admin. */
export const tenancyPolicy = definePolicy({
  'client.read': EVERYONE,
  'client.update': ['admin', 'account_manager'],
  'user.read': ['admin', 'engineer', 'technician', 'account_manager', ...REFERENTS, 'auditor'],
  /** Invite a colleague: provider admin and account manager, or the client's referents for their own company. */
  'user.manage': ['admin', 'account_manager', 'technical_referent', 'steering_referent', 'strategic_referent'],
  /** Assign provider staff to the client. */
  'staff.assign': ['admin'],
  'token.read': ['admin', 'engineer', 'technical_referent'],
  'token.manage': ['admin', 'engineer', 'technical_referent'],
});
