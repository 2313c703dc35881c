import { definePolicy, EVERYONE } from '../../core/policy.ts';

/**
 * Who may do what with a client's supervision. Reading is for everyone on the client: its users see
 * the same checks, states and history as the provider (transparency). Defining checks is technical
 * work for the provider's admins and engineers; maintenance windows are planned with the client, so
 * its technical referent and the service desk may declare them too.
 */
export const monitoringPolicy = definePolicy({
  /** Checks, states, history, availability, maintenance windows, the live board. */
  'monitoring.read': EVERYONE,
  /** Create, change and delete checks. */
  'checks.write': ['admin', 'engineer'],
  /** Create, change and delete maintenance windows. */
  'maintenance.write': ['admin', 'engineer', 'technician', 'technical_referent'],
});
