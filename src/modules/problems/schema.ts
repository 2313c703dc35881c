/**
 * Problems: recurring incidents per asset, and problem tickets that link them.
 */
import { z } from 'zod';
import { ClientParams, Id } from '../tenancy/schema.ts';

export const ProblemCreateBody = z.object({
  /** the asset the incidents recur on (one of the client's) */
  asset_id: Id,
  /** the problem's title; default "Incidents récurrents : <asset name>" */
  title: z.string().trim().min(1).max(300).optional(),
  /** the incident tickets the problem groups (the client's, of type incident) */
  incident_ids: z.array(Id).min(1).max(200),
});
export type ProblemCreate = z.infer<typeof ProblemCreateBody>;

export const ProblemParams = ClientParams.extend({ problemId: Id });

export const ProblemListQuery = z.object({
  /** open: problems not resolved nor closed (default); all: every problem */
  state: z.enum(['open', 'all']).default('open'),
});

// ---------------------------------------------------------------- answers

/** An asset with at least `threshold` incidents created in the 30 days before now. */
export interface RecurringAssetJson {
  asset_id: string;
  asset_name: string;
  incidents: number;
  /** newest first */
  ticket_ids: string[];
  /** creation time of the newest incident */
  last_at: number;
  /** the problem ticket those incidents are linked to, if any */
  problem_id: string | null;
}

export interface LinkedTicketJson {
  id: string;
  number: number;
  ref: string;
  title: string;
  state: string;
  priority: number;
  created_at: number;
  resolved_at: number | null;
}

export interface ProblemJson extends LinkedTicketJson {
  /** the assets the problem concerns */
  assets: { id: string; name: string }[];
  /** how many incidents are linked to it */
  incidents: number;
}
