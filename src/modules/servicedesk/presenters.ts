/** What leaves the server about tickets: whitelisted fields, numbers as numbers, internal things filtered by the caller. */
import { parseJson } from '../../core/json.ts';
import type { TicketAttachmentTable, TicketCommentTable } from '../../db/schema.ts';
import { ticketRef } from './mail.ts';
import type { AttachmentJson, ClockState, CommentJson, TicketEventJson, TicketSource, TicketState, TicketSummaryJson, TicketType } from './schema.ts';
import type { SummaryRow } from './tickets-repository.ts';

const n = (x: number | null | undefined): number | null => (x === null || x === undefined ? null : Number(x));

/** A list item (also the head of the full ticket). */
export function presentSummary(r: SummaryRow, withClientName = false): TicketSummaryJson {
  return {
    id: r.id,
    client_id: r.client_id,
    ...(withClientName ? { client_name: r.client_name } : {}),
    number: Number(r.number),
    ref: ticketRef(Number(r.number)),
    type: r.type as TicketType,
    title: r.title,
    category: r.category,
    impact: Number(r.impact),
    urgency: Number(r.urgency),
    priority: Number(r.priority),
    state: r.state as TicketState,
    source: r.source as TicketSource,
    requester: { user_id: r.requester_user_id, name: r.requester_name, email: r.requester_email },
    assignee: r.assignee_user_id ? { user_id: r.assignee_user_id, name: r.assignee_name ?? '' } : null,
    group: r.group_id ? { id: r.group_id, name: r.group_name ?? '' } : null,
    created_at: Number(r.created_at),
    updated_at: Number(r.updated_at),
    gti_due_at: n(r.gti_due_at),
    gtr_due_at: n(r.gtr_due_at),
    gti_state: (r.gti_state as ClockState | null) ?? null,
    gtr_state: (r.gtr_state as ClockState | null) ?? null,
  };
}

export function presentAttachment(a: TicketAttachmentTable): AttachmentJson & { comment_id: string | null } {
  return {
    id: a.id, filename: a.filename, content_type: a.content_type, size: Number(a.size), sha256: a.sha256, at: Number(a.at), internal: Number(a.internal) === 1,
    comment_id: a.comment_id,
  };
}

export function presentComment(c: TicketCommentTable, attachments: AttachmentJson[]): CommentJson {
  return {
    id: c.id,
    at: Number(c.at),
    author: { user_id: c.author_user_id, name: c.author_name },
    public: Number(c.public) === 1,
    body: c.body,
    source: (['app', 'email', 'import'].includes(c.source) ? c.source : 'app') as CommentJson['source'],
    attachments,
  };
}

export function presentEvent(e: { id: string; at: number; actor_user_id: string | null; actor_name: string; kind: string; data: string }): TicketEventJson {
  return { id: e.id, at: Number(e.at), actor: { user_id: e.actor_user_id, name: e.actor_name }, kind: e.kind, data: parseJson<Record<string, unknown>>(e.data, {}) };
}
