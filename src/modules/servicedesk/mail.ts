/**
 * The service desk's e-mails: written to `mail_outbox` inside the transaction of the change that
 * causes them (one row per recipient, in the recipient's language: French by default, English when
 * the recipient's account says `en`), then sent by a retried loop (`MailOutboxSender`).
 *
 * Every subject carries the ticket's reference `[T-<number>]` so replies thread; headers
 * `Message-ID: <ticket-<id>-<outboxid>@vigie>`, `References` and `In-Reply-To: <ticket-<id>@vigie>`.
 *
 * Sending: pending → sending (claimed by lease; PostgreSQL `FOR UPDATE SKIP LOCKED`) → sent, or back to
 * pending with an exponential backoff until the last attempt → failed; an SMTP 5xx fails at once;
 * without SMTP configured the row is `skipped` (the message stays visible in the app).
 */
import { sql } from 'kysely';
import { newId } from '../../core/ids.ts';
import type { Db } from '../../db/database.ts';
import type { MailOutboxTable } from '../../db/schema.ts';
import type { Executor } from '../../db/tx.ts';
import { EMAIL_NOT_CONFIGURED, MailError, type Mailer } from '../notifications/mailer.ts';
import { backoffMs, DEFAULT_MAX_ATTEMPTS } from '../notifications/queue.ts';
import type { TicketState } from './schema.ts';

export type MailKind = 'created' | 'reply' | 'state' | 'escalation';
export type Locale = 'fr' | 'en';

/** What a mail says about its ticket. */
export interface TicketForMail {
  id: string;
  client_id: string;
  number: number;
  title: string;
  description: string;
  priority: number;
  state: string;
}

export const ticketRef = (n: number) => `T-${n}`;
const ZONE = 'Europe/Paris';

function when(t: number, locale: Locale): string {
  return new Intl.DateTimeFormat(locale === 'en' ? 'en-GB' : 'fr-FR', { timeZone: ZONE, dateStyle: 'full', timeStyle: 'short' }).format(new Date(t));
}

const STATE_LABELS: Record<TicketState, { fr: string; en: string }> = {
  new: { fr: 'Nouveau', en: 'New' },
  taken: { fr: 'Pris en charge', en: 'Taken in charge' },
  in_progress: { fr: 'En cours de traitement', en: 'In progress' },
  waiting: { fr: 'En attente de votre retour', en: 'Waiting for your answer' },
  restored: { fr: 'Service rétabli', en: 'Service restored' },
  resolved: { fr: 'Résolu', en: 'Resolved' },
  closed: { fr: 'Clos', en: 'Closed' },
};

export function stateLabel(s: string, locale: Locale): string {
  return STATE_LABELS[s as TicketState]?.[locale] ?? s;
}

export function ticketLink(publicUrl: string, t: Pick<TicketForMail, 'id' | 'client_id'>): string {
  return publicUrl ? `${publicUrl.replace(/\/+$/, '')}/clients/${t.client_id}/tickets/${t.id}` : '';
}

export interface ComposeInput {
  kind: MailKind;
  locale: Locale;
  ticket: TicketForMail;
  link: string;
  /** reply: who wrote and what */
  author?: string;
  body?: string;
  /** state: from and to */
  from?: string;
  to?: string;
  /** escalation */
  level?: number;
  clock?: 'gti' | 'gtr';
  dueAt?: number;
  clientName?: string;
}

/** Subject and text of one e-mail. */
export function composeTicketMail(i: ComposeInput): { subject: string; text: string } {
  const ref = `[${ticketRef(i.ticket.number)}]`;
  const fr = i.locale !== 'en';
  const follow = i.link ? (fr ? `\n\nSuivre le ticket : ${i.link}` : `\n\nFollow the ticket: ${i.link}`) : '';
  const footer = fr
    ? `\n\n--\nPour compléter ce ticket, répondez à ce message en gardant ${ref} dans l'objet.`
    : `\n\n--\nTo add to this ticket, reply to this message keeping ${ref} in the subject.`;
  switch (i.kind) {
    case 'created':
      return fr
        ? {
            subject: `${ref} Demande enregistrée : ${i.ticket.title}`,
            text: `Bonjour,\n\nVotre demande a été enregistrée sous la référence ${ticketRef(i.ticket.number)} (priorité P${i.ticket.priority}).\n\n${i.ticket.title}\n${i.ticket.description ? `\n${i.ticket.description}\n` : ''}${follow}${footer}`,
          }
        : {
            subject: `${ref} Request recorded: ${i.ticket.title}`,
            text: `Hello,\n\nYour request was recorded as ${ticketRef(i.ticket.number)} (priority P${i.ticket.priority}).\n\n${i.ticket.title}\n${i.ticket.description ? `\n${i.ticket.description}\n` : ''}${follow}${footer}`,
          };
    case 'reply':
      return fr
        ? { subject: `${ref} Nouvelle réponse : ${i.ticket.title}`, text: `${i.author ?? 'Le support'} a écrit :\n\n${i.body ?? ''}${follow}${footer}` }
        : { subject: `${ref} New reply: ${i.ticket.title}`, text: `${i.author ?? 'Support'} wrote:\n\n${i.body ?? ''}${follow}${footer}` };
    case 'state': {
      const to = stateLabel(i.to ?? i.ticket.state, i.locale);
      const extra = i.body ? (fr ? `\n\nMessage :\n\n${i.body}` : `\n\nMessage:\n\n${i.body}`) : '';
      return fr
        ? { subject: `${ref} ${to} : ${i.ticket.title}`, text: `Bonjour,\n\nLe ticket ${ticketRef(i.ticket.number)} « ${i.ticket.title} » est maintenant : ${to}.${extra}${follow}${footer}` }
        : { subject: `${ref} ${to}: ${i.ticket.title}`, text: `Hello,\n\nTicket ${ticketRef(i.ticket.number)} "${i.ticket.title}" is now: ${to}.${extra}${follow}${footer}` };
    }
    case 'escalation': {
      const clock = (i.clock ?? 'gtr').toUpperCase();
      const due = i.dueAt !== undefined ? when(i.dueAt, i.locale) : '';
      const late = (i.level ?? 0) >= 100;
      return fr
        ? {
            subject: `${ref} Escalade ${clock} ${i.level} % : ${i.ticket.title}`,
            text: `Le délai ${clock} du ticket ${ticketRef(i.ticket.number)} (${i.clientName ?? ''}, priorité P${i.ticket.priority}) ${late ? 'est dépassé' : 'atteint 75 %'} : échéance ${due}.\n\n${i.ticket.title}\nÉtat : ${stateLabel(i.ticket.state, 'fr')}${follow}`,
          }
        : {
            subject: `${ref} ${clock} escalation ${i.level}%: ${i.ticket.title}`,
            text: `The ${clock} time of ticket ${ticketRef(i.ticket.number)} (${i.clientName ?? ''}, priority P${i.ticket.priority}) ${late ? 'is exceeded' : 'has reached 75%'}: due ${due}.\n\n${i.ticket.title}\nState: ${stateLabel(i.ticket.state, 'en')}${follow}`,
          };
    }
  }
}

/** The locale of each address that is a user's (lower-cased address → locale); others are French. */
export async function localesOf(ex: Executor, emails: readonly string[]): Promise<Map<string, Locale>> {
  const out = new Map<string, Locale>();
  if (emails.length === 0) return out;
  const rows = await ex.selectFrom('users').select(['email', 'locale']).where('email', 'in', [...new Set(emails)]).execute();
  for (const r of rows) out.set(r.email.toLowerCase(), r.locale === 'en' ? 'en' : 'fr');
  return out;
}

/** The outbox rows for one message to several recipients (one row each, in each one's language; never to `exclude`). Pure. */
export function ticketMailRows(
  recipients: readonly string[],
  exclude: readonly (string | null | undefined)[],
  input: Omit<ComposeInput, 'locale'>,
  locales: ReadonlyMap<string, Locale>,
  now: number,
): MailOutboxTable[] {
  const skip = new Set(exclude.filter((x): x is string => !!x).map((x) => x.toLowerCase()));
  const to = [...new Set(recipients.filter(Boolean).map((r) => r.trim().toLowerCase()))].filter((r) => r && !skip.has(r));
  const thread = `<ticket-${input.ticket.id}@vigie>`;
  return to.map((addr) => {
    const id = newId();
    const { subject, text } = composeTicketMail({ ...input, locale: locales.get(addr) ?? 'fr' });
    return {
      id, client_id: input.ticket.client_id, ticket_id: input.ticket.id, kind: input.kind, recipients: JSON.stringify([addr]), subject: subject.slice(0, 500), body: text,
      headers: JSON.stringify({ 'Message-ID': `<ticket-${input.ticket.id}-${id}@vigie>`, References: thread, 'In-Reply-To': thread }),
      status: 'pending', attempts: 0, next_attempt_at: now, last_error: null, sent_at: null, created_at: now,
    };
  });
}

/** Inserts outbox rows (by chunks). */
export async function insertOutbox(ex: Executor, rows: readonly MailOutboxTable[]) {
  for (let i = 0; i < rows.length; i += 200) await ex.insertInto('mail_outbox').values(rows.slice(i, i + 200)).execute();
}

/**
 * Writes one outbox row per recipient (deduplicated, never `exclude`), each in its language.
 * Returns the ids written.
 */
export async function enqueueTicketMail(
  ex: Executor,
  recipients: readonly string[],
  exclude: readonly (string | null | undefined)[],
  input: Omit<ComposeInput, 'locale'>,
  now: number,
): Promise<string[]> {
  const rows = ticketMailRows(recipients, exclude, input, new Map(), now);
  if (rows.length === 0) return [];
  const locales = await localesOf(ex, rows.map((r) => JSON.parse(r.recipients)[0] as string));
  const final = ticketMailRows(recipients, exclude, input, locales, now);
  await insertOutbox(ex, final);
  return final.map((r) => r.id);
}

export interface OutboxMessageJson {
  id: string;
  kind: string;
  recipients: string[];
  subject: string;
  body: string;
  headers: Record<string, string>;
  status: string;
  attempts: number;
  last_error: string | null;
  created_at: number;
  sent_at: number | null;
}

/** The outbox rows of a ticket, oldest first. */
export async function ticketMessages(ex: Executor, clientId: string, ticketId: string): Promise<OutboxMessageJson[]> {
  const rows = await ex.selectFrom('mail_outbox').selectAll().where('client_id', '=', clientId).where('ticket_id', '=', ticketId).orderBy('created_at').orderBy('id').execute();
  return rows.map((r) => ({
    id: r.id, kind: r.kind, recipients: JSON.parse(r.recipients) as string[], subject: r.subject, body: r.body, headers: JSON.parse(r.headers) as Record<string, string>,
    status: r.status, attempts: Number(r.attempts), last_error: r.last_error, created_at: Number(r.created_at), sent_at: r.sent_at === null ? null : Number(r.sent_at),
  }));
}

// ---------------------------------------------------------------- sending

export interface SenderOptions {
  maxAttempts?: number;
  retryBaseMs?: number;
  leaseMs?: number;
  batch?: number;
  concurrency?: number;
  log?: (msg: string, err?: unknown) => void;
}

interface Claimed {
  id: string;
  attempts: number;
  recipients: string;
  subject: string;
  body: string;
  headers: string;
}

/** Sends the outbox: claims due rows by lease, sends them, records the outcome. */
export class MailOutboxSender {
  constructor(
    private readonly db: Db,
    private readonly mailer: Mailer,
    private readonly opts: SenderOptions = {},
  ) {}

  /** Sends everything due at `now` (rounds until a round comes back short); returns how many were attempted. */
  async drain(now = Date.now()): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await this.runOnce(now);
      total += n;
      if (n < (this.opts.batch ?? 20)) return total;
    }
  }

  /** One round: claims up to `batch` due rows and attempts them. */
  async runOnce(now = Date.now()): Promise<number> {
    const batch = this.opts.batch ?? 20;
    const leaseEnd = now + (this.opts.leaseMs ?? 120_000);
    const lock = this.db.dialect === 'postgres' ? sql`for update skip locked` : sql``;
    const r = await sql<Claimed>`
      update mail_outbox set status = 'sending', attempts = attempts + 1, next_attempt_at = ${leaseEnd}
      where id in (select id from mail_outbox where status in ('pending', 'sending') and next_attempt_at <= ${now}
                   order by next_attempt_at, id limit ${batch} ${lock})
      returning id, attempts, recipients, subject, body, headers`.execute(this.db.kysely);
    const claimed = r.rows.map((x) => ({ ...x, attempts: Number(x.attempts) }));
    let next = 0;
    const worker = async () => {
      while (next < claimed.length) {
        const m = claimed[next++]!;
        await this.attempt(m, now).catch((e) => this.opts.log?.(`mail ${m.id} failed unexpectedly`, e));
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.opts.concurrency ?? 4, claimed.length) }, worker));
    return claimed.length;
  }

  private async attempt(m: Claimed, now: number): Promise<void> {
    let set: { status: string; sent_at?: number; next_attempt_at?: number; last_error: string | null };
    if (!this.mailer.configured) set = { status: 'skipped', last_error: EMAIL_NOT_CONFIGURED };
    else {
      try {
        const r = await this.mailer.send({ to: JSON.parse(m.recipients) as string[], subject: m.subject, text: m.body, headers: JSON.parse(m.headers) as Record<string, string> });
        set = r.accepted.length === 0
          ? { status: 'failed', last_error: `every recipient was refused: ${r.rejected.join(', ')}`.slice(0, 300) }
          : { status: 'sent', sent_at: Date.now(), last_error: null };
      } catch (e) {
        const permanent = e instanceof MailError && e.permanent;
        const error = (e as Error).message.slice(0, 300);
        if (!permanent && m.attempts < (this.opts.maxAttempts ?? DEFAULT_MAX_ATTEMPTS)) {
          set = { status: 'pending', next_attempt_at: now + backoffMs(m.attempts, this.opts.retryBaseMs), last_error: error };
        } else set = { status: 'failed', last_error: error };
      }
    }
    // Only while the lease is ours (a row taken over after an expired lease is the other process's).
    await this.db.kysely.updateTable('mail_outbox').set(set).where('id', '=', m.id).where('attempts', '=', m.attempts).where('status', '=', 'sending').execute();
  }
}
