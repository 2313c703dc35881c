import { z } from 'zod';
import { ClientParams, Id } from '../tenancy/schema.ts';

export { ClientParams };

// ---------------------------------------------------------------- management (people)

export const CollectorCreateBody = z.object({
  /** What the site's people call it ("Collecteur siège Brest"). */
  name: z.string().trim().min(1).max(200),
  /** The client's site where it runs, if any. */
  site_id: Id.nullable().optional(),
});
export type CollectorCreate = z.infer<typeof CollectorCreateBody>;

export const CollectorParams = ClientParams.extend({
  collectorId: Id,
});

// ---------------------------------------------------------------- protocol (the collector itself)

/** Most results one batch may carry; a collector with more sends several batches. */
export const MAX_RESULTS_PER_BATCH = 5000;
/** Request body limit of the results route (5,000 results with messages and probe states). */
export const RESULTS_BODY_LIMIT = 8 * 1024 * 1024;

export const CollectorResult = z.object({
  /** The check it ran: one of the checks assigned to this collector. */
  check_id: Id,
  /** When the probe ran, epoch ms, by the collector's clock (kept through a replay). */
  at: z.number().int().min(0).max(8_640_000_000_000),
  status: z.enum(['up', 'degraded', 'down']),
  /** The figure the latency thresholds apply to, ms; null when nothing answered. */
  latency_ms: z.number().min(0).max(3_600_000).nullable(),
  /** The probe's one line (kept to 500 characters when stored). */
  message: z.string().max(4000),
  /** A stateful probe's memory (SNMP counters), kept with the check. */
  probe_state: z.unknown().optional(),
});
export type CollectorResult = z.infer<typeof CollectorResult>;

export const ResultsBatchBody = z.object({
  /**
   * The batch's number in this collector's sequence (increasing). A batch is fixed once numbered:
   * a retry sends the same number with the same results, and the server applies it once.
   */
  seq: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  results: z.array(CollectorResult).max(MAX_RESULTS_PER_BATCH),
});
export type ResultsBatch = z.infer<typeof ResultsBatchBody>;

/** Sent by the collector on every call: its version and how many results wait in its buffer. */
export const COLLECTOR_VERSION_HEADER = 'x-vigie-collector-version';
export const COLLECTOR_BACKLOG_HEADER = 'x-vigie-backlog';
/** Answered on every call: the highest batch number the server has received from this collector. */
export const LAST_SEQ_HEADER = 'x-vigie-last-seq';
