/**
 * Inbound e-mail, second step: who sent it, which ticket it is about, and what it becomes — a new
 * ticket, a public reply on a ticket, or nothing (refused) — recorded once per Message-ID in
 * `inbound_messages`.
 *
 * Everything happens in one transaction: the dedupe check, the sender lookup, the ticket service's
 * change (through the `TicketPort`, given the transaction) and the `inbound_messages` row commit
 * together. So a message is turned into a ticket at most once, and a message whose row is committed
 * has had its effect (the SMTP listener answers 250 only then).
 *
 * Isolation between clients: a reference (header or `[T-n]` tag) to a ticket the sender's client does
 * not own is treated as no reference at all; it never reveals or touches another client's ticket.
 */
import { AppError } from '../../core/errors.ts';
import type { Db } from '../../db/database.ts';
import type { Executor } from '../../db/tx.ts';
import type { AuditContext } from '../journal/service.ts';
import { servicedeskPolicy } from '../servicedesk/policy.ts';
import type { Principal } from '../tenancy/principal.ts';
import { isClientRole, isProviderRole, type Role } from '../tenancy/roles.ts';
import { normaliseEmail } from '../tenancy/service.ts';
import { cleanSubject, isForward, stripQuoted, type InboundAttachment, type InboundMail } from './parse.ts';

/**
 * What the router needs from the ticket service. Implemented by the service desk
 * (`ticketPortFor(db)` in src/modules/servicedesk/mail-port.ts).
 *
 * Every method runs inside the router's open transaction and must use **only `ex`** (on SQLite the
 * single connection is held by that transaction: touching `db.kysely` deadlocks), and write its
 * journal entries with `appendJournal(ex, db.dialect, input.audit, …)`, so that the ticket, its
 * journal and the `inbound_messages` row commit together.
 *
 * A method may throw an `AppError` with a 4xx status to refuse the message (e.g. a closed ticket that
 * takes no more replies): the whole transaction is rolled back and the message is recorded as
 * `refused` with the error's id as reason. Any other error is an internal error (the sender retries).
 */
export interface TicketPort {
  /**
   * The ticket the reference names, when it exists and the sender may reply to it; null otherwise.
   * `clientId` set: look only among that client's tickets (by id or by number). `clientId` null
   * (provider staff, whose client is not known beforehand): by id only, any client — the router then
   * checks the staff's roles on the returned `client_id`. The sender is given so that the port can
   * apply the ticket's own visibility rules (a plain client `user` replies only to the tickets they
   * requested or watch): return null for a ticket they may not see.
   */
  findTicket(ex: Executor, ref: { ticketId?: string; number?: number; clientId: string | null; userId: string }): Promise<{ id: string; client_id: string } | null>;
  /** Opens a ticket for the client (source 'email', requester = the sender), with its attachments. */
  createTicket(ex: Executor, input: CreateFromMail): Promise<{ id: string }>;
  /** Adds a public reply (source 'email') by the sender to the ticket, with its attachments. `body` may be empty when there are attachments. */
  addReply(ex: Executor, input: ReplyFromMail): Promise<void>;
}

interface FromMail {
  clientId: string;
  /** The sender, a user of Vigie (enabled). */
  authorUserId: string;
  /** The sender's roles, as the ticket service's policies read them. */
  principal: Principal;
  /** For the journal: actor = the sender, label `<address> (e-mail)`, ip = the SMTP peer. */
  audit: AuditContext;
  /** The From header as written (display name and address). */
  fromName: string;
  fromAddress: string;
  /** The message's Message-ID (as sent, or synthetic): for the ticket's history if wanted. */
  messageId: string;
  attachments: InboundAttachment[];
  /** When the message was received (epoch ms). */
  at: number;
}

export interface CreateFromMail extends FromMail {
  /** Same as authorUserId. */
  requesterUserId: string;
  /** The subject without Re:/TR:/Fwd: prefixes nor `[T-n]` tag; never empty, at most 300 characters. */
  title: string;
  /** The text without quoted previous messages nor signature (a forward keeps its forwarded part). */
  description: string;
}

export interface ReplyFromMail extends FromMail {
  ticketId: string;
  /** The new text of the reply (quoted text and signature removed). */
  body: string;
}

export type RouteOutcome = 'ticket' | 'reply' | 'refused' | 'duplicate';

export interface RouteResult {
  outcome: RouteOutcome;
  messageId: string;
  clientId?: string;
  ticketId?: string;
  /** Why a message was refused (`unknown_sender`, `disabled_user`, …). */
  reason?: string;
}

/** Stable reasons a message is refused (recorded in inbound_messages.reason). */
export const REFUSALS = {
  noSender: 'no_sender',
  unknownSender: 'unknown_sender',
  disabledUser: 'disabled_user',
  automatic: 'auto_submitted',
  clientArchived: 'client_archived',
  notAllowed: 'not_allowed',
  staffWithoutTicket: 'staff_without_ticket',
  empty: 'empty_message',
} as const;

export interface RouteOptions {
  /** The SMTP client's address, for the journal. */
  remoteAddress?: string | null;
}

/**
 * Routes one parsed message: `duplicate` when its Message-ID was already recorded (nothing changes),
 * otherwise a ticket, a reply or a refusal, recorded in inbound_messages in the same transaction.
 * Throws only on an internal error (nothing recorded then: the sender should try again).
 */
export async function routeInbound(db: Db, port: TicketPort, msg: InboundMail, now: number, opts: RouteOptions = {}): Promise<RouteResult> {
  const messageId = msg.messageId;
  const duplicate: RouteResult = { outcome: 'duplicate', messageId };
  if (await seen(db.kysely, messageId)) return duplicate;
  // The client the message was attributed to, for a refusal thrown by the port (the transaction is gone then).
  let attributed: string | null = null;
  try {
    return await db.kysely.transaction().execute(async (trx) => {
      if (await seen(trx, messageId)) return duplicate;
      const d = await decide(trx, port, msg, now, opts, (clientId) => {
        attributed = clientId;
      });
      await record(trx, messageId, now, d);
      return d;
    });
  } catch (err) {
    // A concurrent delivery of the same message committed first.
    if (await seen(db.kysely, messageId)) return duplicate;
    if (err instanceof AppError && err.status >= 400 && err.status < 500) {
      const refused: RouteResult = { outcome: 'refused', messageId, reason: err.id, ...(attributed ? { clientId: attributed } : {}) };
      try {
        await record(db.kysely, messageId, now, refused);
      } catch (again) {
        if (await seen(db.kysely, messageId)) return duplicate;
        throw again;
      }
      return refused;
    }
    throw err;
  }
}

async function seen(ex: Executor, messageId: string): Promise<boolean> {
  return (await ex.selectFrom('inbound_messages').select('message_id').where('message_id', '=', messageId).executeTakeFirst()) !== undefined;
}

async function record(ex: Executor, messageId: string, now: number, r: RouteResult) {
  await ex
    .insertInto('inbound_messages')
    .values({
      message_id: messageId,
      client_id: r.clientId ?? null,
      ticket_id: r.ticketId ?? null,
      received_at: now,
      outcome: r.outcome,
      reason: (r.reason ?? '').slice(0, 300),
    })
    .execute();
}

interface Sender {
  user: { id: string; email: string; name: string; locale: string; organisation_id: string };
  kind: 'provider' | 'client';
  principal: Principal;
}

async function decide(
  trx: Executor,
  port: TicketPort,
  msg: InboundMail,
  now: number,
  opts: RouteOptions,
  attribute: (clientId: string) => void,
): Promise<RouteResult> {
  const messageId = msg.messageId;
  const refuse = (reason: string, clientId?: string | null): RouteResult => ({ outcome: 'refused', messageId, reason, ...(clientId ? { clientId } : {}) });

  if (!msg.from?.address) return refuse(REFUSALS.noSender);
  const found = await findSender(trx, msg.from.address, opts.remoteAddress ?? null);
  if (found === 'unknown') return refuse(REFUSALS.unknownSender);
  if (found === 'disabled') return refuse(REFUSALS.disabledUser);
  const sender = found;
  const homeClient = sender.kind === 'client' ? sender.user.organisation_id : null;
  if (msg.autoSubmitted) return refuse(REFUSALS.automatic, homeClient);

  const base = (clientId: string) => ({
    clientId,
    authorUserId: sender.user.id,
    principal: sender.principal,
    audit: { actorId: sender.user.id, actorLabel: `${sender.user.email} (e-mail)`, ip: opts.remoteAddress ?? null } satisfies AuditContext,
    fromName: msg.from!.name || sender.user.name,
    fromAddress: msg.from!.address,
    messageId,
    attachments: msg.attachments,
    at: now,
  });

  const reply = async (ticket: { id: string; client_id: string }): Promise<RouteResult> => {
    attribute(ticket.client_id);
    const body = stripQuoted(msg.text);
    if (body === '' && msg.attachments.length === 0) return refuse(REFUSALS.empty, ticket.client_id);
    await port.addReply(trx, { ...base(ticket.client_id), ticketId: ticket.id, body });
    return { outcome: 'reply', messageId, clientId: ticket.client_id, ticketId: ticket.id };
  };

  if (sender.kind === 'client') {
    const clientId = homeClient!;
    attribute(clientId);
    const org = await trx.selectFrom('organisations').select(['archived_at']).where('id', '=', clientId).executeTakeFirst();
    if (!org || org.archived_at !== null) return refuse(REFUSALS.clientArchived, clientId);
    const ref = msg.ticketRef;
    // A header reference is the stronger one: when it names a ticket the sender cannot reach, the subject's
    // number (that ticket's number, in another numbering) is not tried against the sender's own tickets.
    const ticket = ref.ticketId
      ? await port.findTicket(trx, { ticketId: ref.ticketId, clientId, userId: sender.user.id })
      : ref.number !== undefined
        ? await port.findTicket(trx, { number: ref.number, clientId, userId: sender.user.id })
        : null;
    if (ticket && ticket.client_id === clientId) return reply(ticket);
    if (!servicedeskPolicy.can(sender.principal, 'tickets.create', clientId)) return refuse(REFUSALS.notAllowed, clientId);
    const forward = isForward(msg.subject);
    const description = forward ? msg.text.trim() : stripQuoted(msg.text);
    let title = cleanSubject(msg.subject);
    if (title === '') title = firstLine(description) || (sender.user.locale === 'en' ? '(no subject)' : '(sans objet)');
    if (description === '' && msg.attachments.length === 0 && cleanSubject(msg.subject) === '') return refuse(REFUSALS.empty, clientId);
    const created = await port.createTicket(trx, { ...base(clientId), requesterUserId: sender.user.id, title, description });
    return { outcome: 'ticket', messageId, clientId, ticketId: created.id };
  }

  // Provider staff: replies only, on a ticket of a client they hold a staff role on.
  const ref = msg.ticketRef;
  let ticket: { id: string; client_id: string } | null = null;
  if (ref.ticketId) {
    ticket = await port.findTicket(trx, { ticketId: ref.ticketId, clientId: null, userId: sender.user.id });
  } else if (ref.number !== undefined) {
    // A number is per client: usable only when the staff member works for exactly one client.
    const clients = [...sender.principal.clientRoles.entries()].filter(([, roles]) => roles.some(isProviderRole)).map(([c]) => c);
    if (clients.length === 1) ticket = await port.findTicket(trx, { number: ref.number, clientId: clients[0]!, userId: sender.user.id });
  }
  if (!ticket || !servicedeskPolicy.can(sender.principal, 'tickets.work', ticket.client_id)) return refuse(REFUSALS.staffWithoutTicket);
  const org = await trx.selectFrom('organisations').select(['archived_at', 'kind']).where('id', '=', ticket.client_id).executeTakeFirst();
  if (!org || org.kind !== 'client' || org.archived_at !== null) return refuse(REFUSALS.clientArchived, ticket.client_id);
  return reply(ticket);
}

/** The enabled user with this address (addresses are stored normalised: trimmed, lower case), with their roles. */
async function findSender(trx: Executor, address: string, ip: string | null): Promise<Sender | 'unknown' | 'disabled'> {
  const u = await trx
    .selectFrom('users as u')
    .innerJoin('organisations as o', 'o.id', 'u.organisation_id')
    .select(['u.id', 'u.email', 'u.name', 'u.locale', 'u.organisation_id', 'u.disabled_at', 'o.kind'])
    .where('u.email', '=', normaliseEmail(address))
    .executeTakeFirst();
  if (!u) return 'unknown';
  if (u.disabled_at !== null) return 'disabled';
  const ms = await trx.selectFrom('memberships').select(['organisation_id', 'role']).where('user_id', '=', u.id).execute();
  const providerRoles: Role[] = [];
  const clientRoles = new Map<string, Role[]>();
  for (const m of ms) {
    const role = m.role as Role;
    if (m.organisation_id === u.organisation_id && u.kind === 'provider') {
      if (isProviderRole(role)) providerRoles.push(role);
    } else if (u.kind === 'provider' ? isProviderRole(role) : isClientRole(role) && m.organisation_id === u.organisation_id) {
      // Staff hold provider roles on clients; a client user holds client roles on their own organisation only.
      clientRoles.set(m.organisation_id, [...(clientRoles.get(m.organisation_id) ?? []), role]);
    }
  }
  const principal: Principal = {
    kind: 'user',
    userId: u.id,
    tokenId: null,
    sessionId: null,
    label: u.email,
    locale: u.locale,
    isProviderStaff: u.kind === 'provider',
    providerRoles,
    clientRoles,
    ip: ip ?? 'smtp',
  };
  return { user: { id: u.id, email: u.email, name: u.name, locale: u.locale, organisation_id: u.organisation_id }, kind: u.kind, principal };
}

function firstLine(text: string): string {
  const line = text.split('\n').find((l) => l.trim() !== '')?.trim() ?? '';
  return line.length <= 300 ? line : `${line.slice(0, 299)}…`;
}
