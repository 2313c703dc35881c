/**
 * The service desk's shapes, as the web app reads them: the answer types come from the server's
 * schema (type-only imports: nothing of zod reaches the bundle); the lists of values are repeated
 * here for the same reason and must stay equal to src/modules/servicedesk/schema.ts.
 */
import type { ClockJson, TicketAction, TicketJson, TicketState, TicketSummaryJson, TicketType } from '../../modules/servicedesk/schema.ts';

export type { AttachmentJson, ClockJson, ClockState, CommentJson, TicketAction, TicketEventJson, TicketJson, TicketState, TicketSummaryJson, TicketType } from '../../modules/servicedesk/schema.ts';

export const TICKET_TYPES: readonly TicketType[] = ['incident', 'request', 'problem', 'change'];
export const TICKET_STATES: readonly TicketState[] = ['new', 'taken', 'in_progress', 'waiting', 'restored', 'resolved', 'closed'];
/** In the order the ticket page offers them. */
export const TICKET_ACTIONS: readonly TicketAction[] = ['take', 'start', 'wait', 'resume', 'restore', 'resolve', 'close', 'reopen'];
export const LEVELS = [1, 2, 3, 4] as const;
export const PRIORITIES = [1, 2, 3, 4] as const;

/** The queues of GET /tickets, staff first; a client user sees open, closed and all. */
export const STAFF_QUEUES = ['mine', 'my_groups', 'breaching', 'unassigned', 'open', 'closed'] as const;
export const CLIENT_QUEUES = ['open', 'closed', 'all'] as const;
export type Queue = (typeof STAFF_QUEUES)[number] | (typeof CLIENT_QUEUES)[number];

export interface TicketPage {
  items: TicketSummaryJson[];
  next_cursor: string | null;
}

export interface SupportGroup {
  id: string;
  name: string;
  lead_user_id: string | null;
  member_ids: string[];
}

/** A ticket with the instant it arrived, so clocks count from the browser's own time. */
export interface LoadedTicket {
  ticket: TicketJson;
  receivedAt: number;
}

export type Clock = ClockJson;
