import { definePolicy } from '../../core/policy.ts';

/** Who may do what with a client's on-call rota, pages and figures. */
export const oncallPolicy = definePolicy({
  /** The rota, who is on duty now, the efficiency figures: the provider's staff and the client's technical referent. */
  'oncall.read': ['admin', 'engineer', 'technician', 'account_manager', 'technical_referent'],
  /** Shifts and rotations: the provider's admins, account managers and engineers. */
  'oncall.write': ['admin', 'account_manager', 'engineer'],
  /** Acknowledging one's own page in the app (only the person paged: checked by the service). */
  'oncall.ack': ['admin', 'engineer', 'technician', 'account_manager'],
});
