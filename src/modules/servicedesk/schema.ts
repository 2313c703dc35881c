/**
 * Service-desk shapes: request bodies (zod) and the JSON the API answers (types). The web app and
 * the tests read the same types.
 *
 * Ticket life: new → taken (a qualified person took it in charge: GTI met) → in_progress →
 * waiting (on the client: GTR paused) → in_progress … → restored (service works again: GTR met) →
 * resolved (root cause handled or nothing more to do) → closed; `reopen` from restored, resolved or
 * closed goes back to in_progress (the GTR clock resumes: the restoration did not hold).
 */
import { z } from 'zod';
import { Priority } from '../contracts/schema.ts';
import { ClientParams, Id } from '../tenancy/schema.ts';

export const TICKET_TYPES = ['incident', 'request', 'problem', 'change'] as const;
export type TicketType = (typeof TICKET_TYPES)[number];
export const TICKET_STATES = ['new', 'taken', 'in_progress', 'waiting', 'restored', 'resolved', 'closed'] as const;
export type TicketState = (typeof TICKET_STATES)[number];
export const TICKET_SOURCES = ['portal', 'email', 'phone', 'monitoring', 'import', 'api'] as const;
export type TicketSource = (typeof TICKET_SOURCES)[number];
/** The actions that move a ticket; `state` is where each leads (reopen → in_progress). */
export const TICKET_ACTIONS = ['take', 'start', 'wait', 'resume', 'restore', 'resolve', 'close', 'reopen'] as const;
export type TicketAction = (typeof TICKET_ACTIONS)[number];

export const Level = z.number().int().min(1).max(4);

export const TicketCreateBody = z.object({
  type: z.enum(TICKET_TYPES).default('incident'),
  title: z.string().trim().min(1).max(300),
  description: z.string().max(50_000).default(''),
  category: z.string().trim().max(100).default(''),
  /** 1: the whole company stopped … 4: one person, with a workaround */
  impact: Level.default(3),
  /** 1: now … 4: can wait */
  urgency: Level.default(3),
  /** provider staff only: set the priority directly (qualification) instead of impact × urgency */
  priority: Priority.optional(),
  asset_ids: z.array(Id).max(50).default([]),
  /** provider staff only: who asked (a user of the client); default the caller */
  requester_user_id: Id.optional(),
  /** provider staff only: a requester without an account (phone call, e-mail) */
  requester_email: z.string().trim().email().max(320).optional(),
  requester_name: z.string().trim().max(200).optional(),
  /** provider staff only */
  source: z.enum(TICKET_SOURCES).optional(),
  assignee_user_id: Id.nullable().optional(),
  group_id: Id.nullable().optional(),
  watchers: z.array(z.string().trim().email().max(320)).max(20).default([]),
});
export type TicketCreate = z.infer<typeof TicketCreateBody>;

export const TicketPatchBody = z.object({
  title: z.string().trim().min(1).max(300).optional(),
  description: z.string().max(50_000).optional(),
  category: z.string().trim().max(100).optional(),
  type: z.enum(TICKET_TYPES).optional(),
  impact: Level.optional(),
  urgency: Level.optional(),
  /** set directly (qualification); a change re-targets the SLA clocks and is recorded */
  priority: Priority.optional(),
  assignee_user_id: Id.nullable().optional(),
  group_id: Id.nullable().optional(),
  asset_ids: z.array(Id).max(50).optional(),
  problem_id: Id.nullable().optional(),
  watchers: z.array(z.string().trim().email().max(320)).max(20).optional(),
  /** why (recorded with the change; required for a priority change by policy of the service) */
  reason: z.string().trim().max(500).optional(),
});
export type TicketPatch = z.infer<typeof TicketPatchBody>;

export const TicketActionBody = z.object({
  action: z.enum(TICKET_ACTIONS),
  /** a public reply sent with the action (e.g. the question when waiting on the client) */
  comment: z.string().max(50_000).optional(),
});

export const CommentBody = z.object({
  body: z.string().trim().min(1).max(50_000),
  /** true: public reply (the client sees it); false: internal note (provider staff only) */
  public: z.boolean().default(true),
});

export const TICKET_QUEUES = ['all', 'mine', 'my_groups', 'breaching', 'unassigned', 'open', 'closed'] as const;
export const TicketListQuery = z.object({
  queue: z.enum(TICKET_QUEUES).default('open'),
  state: z.enum(TICKET_STATES).optional(),
  type: z.enum(TICKET_TYPES).optional(),
  priority: z.coerce.number().int().min(1).max(4).optional(),
  asset_id: Id.optional(),
  q: z.string().trim().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});
export type TicketListQuery = z.infer<typeof TicketListQuery>;

export const TicketParams = ClientParams.extend({ ticketId: Id });
export const GroupBody = z.object({
  name: z.string().trim().min(1).max(200),
  lead_user_id: Id.nullable().default(null),
  member_ids: z.array(Id).max(500).default([]),
});
export const GroupParams = z.object({ groupId: Id });

// ---------------------------------------------------------------- answers

export type ClockState = 'running' | 'paused' | 'met' | 'breached';

/** One SLA clock as the ticket shows it (live: the page counts down from `remaining_ms` at `now`). */
export interface ClockJson {
  clock: 'gti' | 'gtr';
  state: ClockState;
  /** the target, as set by the contract when started or re-targeted */
  target: { value: number; unit: 'minutes' | 'hours' | 'business_days'; window: string; window_name: string };
  started_at: number;
  due_at: number;
  /** 75 % of the target */
  warn_at: number;
  /** open time left until due (negative when late), at `now` */
  remaining_ms: number;
  /** open time elapsed, as a share of the target (1 = due) */
  progress: number;
  paused_since: number | null;
  /** when met (taken in charge / restored), or null */
  met_at: number | null;
  breached_at: number | null;
  /** the instant these figures were computed */
  now: number;
}

export interface SlaEventJson {
  clock: 'gti' | 'gtr';
  kind: 'start' | 'pause' | 'resume' | 'met' | 'breached' | 'priority_change' | 'escalation' | 'reopen';
  at: number;
  data: Record<string, unknown>;
}

export interface TicketSummaryJson {
  id: string;
  client_id: string;
  client_name?: string;
  number: number;
  /** "T-<number>": what e-mails and people quote */
  ref: string;
  type: TicketType;
  title: string;
  category: string;
  impact: number;
  urgency: number;
  priority: number;
  state: TicketState;
  source: TicketSource;
  requester: { user_id: string | null; name: string; email: string };
  assignee: { user_id: string; name: string } | null;
  group: { id: string; name: string } | null;
  created_at: number;
  updated_at: number;
  gti_due_at: number | null;
  gtr_due_at: number | null;
  gti_state: ClockState | null;
  gtr_state: ClockState | null;
}

export interface TicketJson extends TicketSummaryJson {
  description: string;
  contract_id: string | null;
  problem_id: string | null;
  assets: { id: string; name: string; type: string; criticality: number }[];
  watchers: string[];
  taken_at: number | null;
  restored_at: number | null;
  resolved_at: number | null;
  closed_at: number | null;
  reopened_count: number;
  clocks: ClockJson[];
  /** the actions the caller may take now */
  actions: TicketAction[];
}

export interface CommentJson {
  id: string;
  at: number;
  author: { user_id: string | null; name: string };
  public: boolean;
  body: string;
  source: 'app' | 'email' | 'import';
  attachments: AttachmentJson[];
}

export interface AttachmentJson {
  id: string;
  filename: string;
  content_type: string;
  size: number;
  sha256: string;
  at: number;
  internal: boolean;
}

export interface TicketEventJson {
  id: string;
  at: number;
  actor: { user_id: string | null; name: string };
  kind: string;
  data: Record<string, unknown>;
}
