import { definePolicy } from '../../core/policy.ts';

/** Client referents and the auditor read their own client's journal; so does the provider staff in charge. */
export const journalPolicy = definePolicy({
  'journal.read': ['admin', 'account_manager', 'engineer', 'technical_referent', 'steering_referent', 'strategic_referent', 'auditor'],
});
