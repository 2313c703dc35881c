/**
 * Satisfaction surveys: the public answer (token link, no login) and the client's results.
 */
import { z } from 'zod';
import { ClientParams, Id } from '../tenancy/schema.ts';

/** The survey link's secret (base64url, as `randomToken` makes it). */
export const SurveyTokenParams = z.object({
  /** the token from the e-mailed link: the only credential of the public survey routes */
  token: z.string().regex(/^[A-Za-z0-9_-]{20,100}$/, 'a survey token'),
});

export const SurveyAnswerBody = z.object({
  /** 1 (very dissatisfied) … 5 (very satisfied) */
  score: z.number().int().min(1).max(5),
  /** optional words; absent keeps the comment already given, "" clears it */
  comment: z.string().max(2000).optional(),
});
export type SurveyAnswer = z.infer<typeof SurveyAnswerBody>;

const EpochMs = z.coerce.number().int().min(0).max(8_640_000_000_000);

export const SatisfactionQuery = z
  .object({
    /** surveys sent from this instant (epoch ms; default 12 months before `to`) */
    from: EpochMs.optional(),
    /** … up to this instant, excluded (epoch ms; default now) */
    to: EpochMs.optional(),
  })
  .refine((q) => q.from === undefined || q.to === undefined || q.from < q.to, 'from must be before to');
export type SatisfactionQuery = z.infer<typeof SatisfactionQuery>;

export const TicketSurveyParams = ClientParams.extend({ ticketId: Id });

// ---------------------------------------------------------------- answers

/** What the public survey page shows. */
export interface PublicSurveyJson {
  ticket_ref: string;
  title: string;
  client_name: string;
  score: number | null;
  comment: string | null;
  answered_at: number | null;
  /** the answer may be changed until then (7 days after sending) */
  closes_at: number;
  /** false once closes_at has passed */
  open: boolean;
  /** the requester's language when known ('fr' by default) */
  locale: 'fr' | 'en';
}

export interface SatisfactionJson {
  from: number;
  to: number;
  /** surveys sent in [from, to) */
  sent: number;
  /** of those, answered */
  answered: number;
  /** answered / sent, 0…1 (0 when nothing was sent) */
  response_rate: number;
  /** mean score of the answered ones, null when none */
  average: number | null;
  /** answers per score */
  distribution: Record<'1' | '2' | '3' | '4' | '5', number>;
  /** per month of the answer (Europe/Paris), oldest first */
  by_month: { month: string; answered: number; average: number }[];
  /** per technician the ticket was assigned to (user_id null: unassigned), best answered count first */
  by_technician: { user_id: string | null; name: string; answered: number; average: number }[];
  /** the last 20 answers, newest first */
  recent: { ticket_id: string; ref: string; score: number; comment: string | null; answered_at: number }[];
}

export type SurveyStatus = 'none' | 'planned' | 'sent' | 'answered';

/** A ticket's survey as the ticket page shows it. */
export interface TicketSurveyJson {
  ticket_id: string;
  status: SurveyStatus;
  send_at: number | null;
  sent_at: number | null;
  score: number | null;
  comment: string | null;
  answered_at: number | null;
}
