import { definePolicy, REFERENTS, STAFF } from '../../core/policy.ts';

/** Who may see recurring incidents and open problems on them. */
export const problemsPolicy = definePolicy({
  /** Recurring assets, problems and their incidents: provider staff and the client's referents. */
  'problems.read': [...STAFF, ...REFERENTS],
  /** Open a problem linking incidents: the provider's engineers, technicians and admins. */
  'problems.manage': ['admin', 'engineer', 'technician'],
});
