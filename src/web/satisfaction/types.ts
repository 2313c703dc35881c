/**
 * Satisfaction shapes as the web app reads them (type-only imports from the server's schema), and
 * who may see what (mirrors of src/modules/satisfaction/policy.ts and problems/policy.ts, only to
 * hide what the server would refuse anyway).
 */
import { rolesOn, type Session } from '../session.tsx';

export type { PublicSurveyJson, SatisfactionJson, TicketSurveyJson } from '../../modules/satisfaction/schema.ts';

const STAFF = ['admin', 'engineer', 'technician', 'account_manager'];
const REFERENTS = ['technical_referent', 'steering_referent', 'strategic_referent'];

/** The client's satisfaction results: provider staff, referents, the auditor. */
export function canReadSatisfaction(s: Session, clientId: string): boolean {
  return rolesOn(s, clientId).some((r) => [...STAFF, ...REFERENTS, 'auditor'].includes(r));
}

/** Recurring incidents and problems: provider staff and referents. */
export function canReadProblems(s: Session, clientId: string): boolean {
  return rolesOn(s, clientId).some((r) => [...STAFF, ...REFERENTS].includes(r));
}

/** Opening a problem: the provider's admins, engineers and technicians. */
export function canOpenProblems(s: Session, clientId: string): boolean {
  return rolesOn(s, clientId).some((r) => ['admin', 'engineer', 'technician'].includes(r));
}

export const SCORES = [1, 2, 3, 4, 5] as const;
