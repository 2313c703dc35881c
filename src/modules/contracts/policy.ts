import { definePolicy, REFERENTS, STAFF } from '../../core/policy.ts';

/** Who may do what with a client's contracts. */
export const contractPolicy = definePolicy({
  /** The contract is run in the open: the provider's staff, the client's referents and its auditor read it (plain users do not). */
  'contracts.read': [...STAFF, ...REFERENTS, 'auditor'],
  /** Creating, changing and deleting contracts: the provider's admin and account manager. */
  'contracts.write': ['admin', 'account_manager'],
});
