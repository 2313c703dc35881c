/**
 * A `TicketPort` for the inbound e-mail tests. It stands in for the ticket service, which is being
 * written in parallel (src/modules/servicedesk/mail-port.ts): tickets are kept in memory and every
 * call is recorded. What is real: it runs inside the router's transaction and writes one journal
 * entry per change through the `ex` it is given (so the tests can see that a port's change commits
 * or rolls back together with the `inbound_messages` row).
 */
import { newId } from '../../src/core/ids.ts';
import type { Db } from '../../src/db/database.ts';
import type { Executor } from '../../src/db/tx.ts';
import { appendJournal } from '../../src/modules/journal/service.ts';
import type { CreateFromMail, ReplyFromMail, TicketPort } from '../../src/modules/mailin/route.ts';

export interface MemoryTicket {
  id: string;
  client_id: string;
  number: number;
}

export class MemoryTicketPort implements TicketPort {
  readonly tickets = new Map<string, MemoryTicket>();
  readonly lookups: { ticketId?: string; number?: number; clientId: string | null; userId: string }[] = [];
  readonly created: CreateFromMail[] = [];
  readonly replies: ReplyFromMail[] = [];
  /** The next change throws this (after writing its journal entry, so a rollback is visible). */
  failNext: Error | null = null;
  /** Returns tickets whatever the client asked (a broken port, to test the router's own check). */
  leaky = false;

  constructor(private readonly db: Db) {}

  /** A ticket that exists before the test (as opened in the app). */
  seed(clientId: string, number?: number): MemoryTicket {
    const n = number ?? 1 + Math.max(0, ...[...this.tickets.values()].filter((t) => t.client_id === clientId).map((t) => t.number));
    const t = { id: newId(), client_id: clientId, number: n };
    this.tickets.set(t.id, t);
    return t;
  }

  async findTicket(_ex: Executor, ref: { ticketId?: string; number?: number; clientId: string | null; userId: string }) {
    this.lookups.push(ref);
    const all = [...this.tickets.values()];
    const hit = ref.ticketId ? this.tickets.get(ref.ticketId) : all.find((t) => t.number === ref.number && t.client_id === ref.clientId);
    if (!hit) return null;
    if (!this.leaky && ref.clientId !== null && hit.client_id !== ref.clientId) return null;
    return { id: hit.id, client_id: hit.client_id };
  }

  async createTicket(ex: Executor, input: CreateFromMail) {
    const id = newId();
    await appendJournal(ex, this.db.dialect, input.audit, { clientId: input.clientId, action: 'test.mail_ticket', objectType: 'ticket', objectId: id });
    this.failIfAsked();
    const number = 1 + Math.max(0, ...[...this.tickets.values()].filter((t) => t.client_id === input.clientId).map((t) => t.number));
    this.tickets.set(id, { id, client_id: input.clientId, number });
    this.created.push(input);
    return { id };
  }

  async addReply(ex: Executor, input: ReplyFromMail) {
    await appendJournal(ex, this.db.dialect, input.audit, { clientId: input.clientId, action: 'test.mail_reply', objectType: 'ticket', objectId: input.ticketId });
    this.failIfAsked();
    this.replies.push(input);
  }

  private failIfAsked() {
    const err = this.failNext;
    if (err) {
      this.failNext = null;
      throw err;
    }
  }
}
