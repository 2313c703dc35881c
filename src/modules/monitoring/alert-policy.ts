import { definePolicy, EVERYONE } from '../../core/policy.ts';

/** Who may do what with a client's alerts and alert rules. */
export const alertPolicy = definePolicy({
  /** The alert stream and each alert's deliveries: everyone of the client sees what was sent. */
  'alerts.read': EVERYONE,
  /** Rules (and their test messages): the provider's technical and account staff, and the client's technical referent. */
  'alerts.manage': ['admin', 'engineer', 'account_manager', 'technical_referent'],
});
