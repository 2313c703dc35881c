import { definePolicy, EVERYONE } from '../../core/policy.ts';

/** Who may see and manage a client's site collectors. */
export const collectorPolicy = definePolicy({
  /** Everyone of the client sees its collectors and their last contact (transparency). */
  'collector.read': EVERYONE,
  /** Creating one (its token is shown once) and revoking it: the provider's technical staff. */
  'collector.manage': ['admin', 'engineer'],
});
