/**
 * Paging the person on duty (astreinte) and escalating unanswered pages.
 *
 * For the service desk (tickets backend):
 * - `pageOnCall(trx: Executor, ticket: TicketToPage, now: number, opts: { publicUrl: string }): Promise<PageOutcome>`
 *   — call inside the transaction that creates a ticket or raises its priority (uses only `trx`, no
 *   network): pages the first person on duty when the contract says so; returns `{ paged, reason }`
 *   (reasons: paged, no_contract, priority_not_paged, business_hours, already_paged,
 *   already_acknowledged, nobody_on_duty) for the caller's ticket event.
 * - `runOncallPass(db: Db, now: number, opts: { publicUrl: string }): Promise<OncallPassResult>`
 *   — call from the job loop (every ~30 s): escalates pages not acknowledged in time and posts the
 *   pages' webhooks. Safe to run from several processes at once.
 *
 * A page = one `oncall_pages` row (the acknowledgement token is stored as its SHA-256 only), one
 * `mail_outbox` row (kind 'page', sent by the service desk's mail loop) and, when the contract sets
 * `oncall.webhook_url`, a webhook posted later by the pass (signed with the contract's secret,
 * X-Vigie-Event `oncall.page`, X-Vigie-Delivery = the page id).
 */
import { compileCalendar } from '../../core/calendar.ts';
import { randomToken, sha256 } from '../../core/crypto.ts';
import { newId } from '../../core/ids.ts';
import type { Db } from '../../db/database.ts';
import type { Executor } from '../../db/tx.ts';
import { calendarSpecOf, findContract, type Contract } from '../contracts/service.ts';
import { journaled, SYSTEM_CONTEXT } from '../journal/service.ts';
import { sendWebhook, WebhookError, type WebhookRequest, type WebhookResult } from '../notifications/webhook.ts';

/** What paging needs of a ticket. */
export interface TicketToPage {
  id: string;
  client_id: string;
  number: number;
  title: string;
  priority: number;
  contract_id: string | null;
}

export type PageReason = 'paged' | 'no_contract' | 'priority_not_paged' | 'business_hours' | 'already_paged' | 'already_acknowledged' | 'nobody_on_duty';

export interface PageOutcome {
  paged: boolean;
  reason: PageReason;
  /** who was paged (when paged) */
  user_id?: string;
  page_id?: string;
}

export interface OncallPassResult {
  /** pages marked escalated by this pass */
  escalated: number;
  /** webhooks posted successfully by this pass */
  webhooks_sent: number;
  /** webhooks failed for good by this pass */
  webhooks_failed: number;
}

export interface PassOptions {
  publicUrl: string;
  /** the webhook sender (tests); default `sendWebhook` */
  webhook?: (req: WebhookRequest) => Promise<WebhookResult>;
  log?: (msg: string, err?: unknown) => void;
}

const MIN = 60_000;
/** Ticket states in which nobody needs to be woken any more. */
const DONE_STATES = ['restored', 'resolved', 'closed'];
const WEBHOOK_MAX_ATTEMPTS = 6;
const WEBHOOK_LEASE_MS = 60_000;
/** A ticket's reference as people say it: T-123. */
export const ticketRef = (n: number) => `T-${n}`;
const base = (url: string) => url.replace(/\/+$/, '');

/**
 * Is `at` within the contract's business hours? The business window is `oncall.business_window`
 * (when it names a window), else the first window that is not 24/7; a contract with only 24/7
 * windows (or whose business window is 24/7) has no business hours: on-call covers every instant.
 */
export function inBusinessHours(contract: Pick<Contract, 'windows' | 'settings'>, at: number): boolean {
  const id = contract.settings.oncall.business_window;
  const w = (id ? contract.windows.find((x) => x.id === id) : undefined) ?? contract.windows.find((x) => !x.always);
  if (!w || w.always) return false;
  try {
    return compileCalendar(calendarSpecOf(w)).isOpen(at);
  } catch {
    // A calendar that does not compile cannot say "business hours": better to page than not.
    return false;
  }
}

/** The people on duty for a contract at `at`, in escalation order (rank, then start, then shift id); disabled users left out. */
export async function onDutyAt(ex: Executor, clientId: string, contractId: string, at: number) {
  return ex
    .selectFrom('oncall_shifts as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .select(['s.id as shift_id', 's.user_id', 's.rank', 's.starts_at', 's.ends_at', 'u.name', 'u.email'])
    .where('s.client_id', '=', clientId)
    .where('s.contract_id', '=', contractId)
    .where('s.starts_at', '<=', at)
    .where('s.ends_at', '>', at)
    .where('u.disabled_at', 'is', null)
    .orderBy('s.rank')
    .orderBy('s.starts_at')
    .orderBy('s.id')
    .execute();
}

interface Person {
  id: string;
  name: string;
  email: string;
}

/** Inserts one page (row, e-mail, webhook to post) and returns its id. Uses only `ex`. */
async function insertPage(
  ex: Executor,
  args: { ticket: TicketToPage; contract: Contract | null; person: Person; level: number; now: number; publicUrl: string; clientName: string },
): Promise<string> {
  const { ticket, contract, person, level, now } = args;
  const token = randomToken('vgp_');
  const id = newId();
  const ackUrl = `${base(args.publicUrl)}/oncall/ack/${token}`;
  const ticketUrl = `${base(args.publicUrl)}/clients/${ticket.client_id}/tickets/${ticket.id}`;
  const ref = ticketRef(Number(ticket.number));
  const ackMinutes = contract?.settings.oncall.ack_minutes ?? 15;
  const webhookUrl = contract?.settings.oncall.webhook_url ?? null;
  let webhookBody: string | null = null;
  if (contract && webhookUrl) {
    await ex
      .insertInto('oncall_webhook_secrets')
      .values({ contract_id: contract.id, client_id: contract.client_id, secret: randomToken('vgw_'), created_at: now })
      .onConflict((oc) => oc.column('contract_id').doNothing())
      .execute();
    webhookBody = JSON.stringify({
      url: webhookUrl,
      contract_id: contract.id,
      payload: {
        event: 'oncall.page',
        page: { id, level, paged_at: now, ack_url: ackUrl, ack_minutes: ackMinutes },
        person: { id: person.id, name: person.name, email: person.email },
        ticket: { id: ticket.id, ref, number: Number(ticket.number), title: ticket.title, priority: ticket.priority, url: ticketUrl },
        client: { id: ticket.client_id, name: args.clientName },
        contract: { id: contract.id, name: contract.name },
      },
    });
  }
  await ex
    .insertInto('oncall_pages')
    .values({
      id, client_id: ticket.client_id, ticket_id: ticket.id, user_id: person.id, level, token_hash: sha256(token), paged_at: now, acked_at: null, escalated_at: null,
      superseded_at: null, webhook_state: webhookBody ? 'pending' : null, webhook_attempts: 0, webhook_next_at: webhookBody ? now : null, webhook_error: null, webhook_body: webhookBody,
    })
    .execute();
  const subject = `[Astreinte] P${ticket.priority} ${ref} ${ticket.title}${level > 1 ? ` (escalade, niveau ${level})` : ''}`.slice(0, 500);
  const body = [
    `Bonjour ${person.name},`,
    '',
    `Vous êtes appelé(e) en astreinte pour le ticket ${ref} (priorité P${ticket.priority}) de ${args.clientName}${level > 1 ? `, en escalade (niveau ${level}) : l'appel précédent n'a pas été acquitté` : ''}.`,
    '',
    `Titre : ${ticket.title}`,
    ...(contract ? [`Contrat : ${contract.name}`] : []),
    '',
    `Acquitter l'appel (sans connexion) : ${ackUrl}`,
    `Ouvrir le ticket : ${ticketUrl}`,
    '',
    `Sans acquittement dans les ${ackMinutes} minutes, la personne suivante de l'astreinte sera appelée.`,
    '',
    '-- ',
    'Vigie',
  ].join('\n');
  await ex
    .insertInto('mail_outbox')
    .values({
      id: newId(), client_id: ticket.client_id, ticket_id: ticket.id, kind: 'page', recipients: JSON.stringify([person.email]), subject, body,
      headers: JSON.stringify({ 'X-Vigie-Page': id }), status: 'pending', attempts: 0, next_attempt_at: now, last_error: null, sent_at: null, created_at: now,
    })
    .execute();
  return id;
}

async function clientName(ex: Executor, clientId: string): Promise<string> {
  const o = await ex.selectFrom('organisations').select('name').where('id', '=', clientId).executeTakeFirst();
  return o?.name ?? '';
}

/**
 * Pages the first person on duty about a ticket when its contract's on-call settings ask for it: the
 * priority is among `oncall.priorities` and `now` is outside business hours (see `inBusinessHours`).
 * One open page per ticket at a time: a ticket already paged (not yet answered), or whose page was
 * acknowledged, is not paged again. Uses only `trx`; never touches the network.
 */
export async function pageOnCall(trx: Executor, ticket: TicketToPage, now: number, opts: { publicUrl: string }): Promise<PageOutcome> {
  if (!ticket.contract_id) return { paged: false, reason: 'no_contract' };
  const contract = await findContract(trx, ticket.client_id, ticket.contract_id);
  if (!contract) return { paged: false, reason: 'no_contract' };
  if (!contract.settings.oncall.priorities.includes(ticket.priority)) return { paged: false, reason: 'priority_not_paged' };
  if (inBusinessHours(contract, now)) return { paged: false, reason: 'business_hours' };
  const previous = await trx
    .selectFrom('oncall_pages')
    .select(['acked_at', 'escalated_at', 'superseded_at'])
    .where('client_id', '=', ticket.client_id)
    .where('ticket_id', '=', ticket.id)
    .execute();
  if (previous.some((p) => p.acked_at !== null)) return { paged: false, reason: 'already_acknowledged' };
  if (previous.some((p) => p.escalated_at === null && p.superseded_at === null)) return { paged: false, reason: 'already_paged' };
  const [first] = await onDutyAt(trx, ticket.client_id, contract.id, now);
  if (!first) return { paged: false, reason: 'nobody_on_duty' };
  const pageId = await insertPage(trx, {
    ticket, contract, person: { id: first.user_id, name: first.name, email: first.email }, level: 1, now, publicUrl: opts.publicUrl, clientName: await clientName(trx, ticket.client_id),
  });
  return { paged: true, reason: 'paged', user_id: first.user_id, page_id: pageId };
}

/** Stands down the open pages of a ticket (another page was acknowledged, or the ticket is done). */
export async function standDownOpenPages(ex: Executor, clientId: string, ticketId: string, now: number, exceptPageId: string | null = null): Promise<number> {
  let q = ex
    .updateTable('oncall_pages')
    .set({ superseded_at: now })
    .where('client_id', '=', clientId)
    .where('ticket_id', '=', ticketId)
    .where('acked_at', 'is', null)
    .where('escalated_at', 'is', null)
    .where('superseded_at', 'is', null);
  if (exceptPageId) q = q.where('id', '!=', exceptPageId);
  const r = await q.executeTakeFirst();
  return Number(r.numUpdatedRows);
}

type OpenPage = { id: string; client_id: string; ticket_id: string; user_id: string; level: number; paged_at: number; number: number; title: string; priority: number; state: string; contract_id: string | null };

/** Escalates one page if it is still open: marks it and pages the next person. True when this call escalated it. */
async function escalatePage(db: Db, page: OpenPage, now: number, opts: PassOptions): Promise<boolean> {
  return journaled(db, SYSTEM_CONTEXT, async (trx) => {
    if (DONE_STATES.includes(page.state)) {
      await standDownOpenPages(trx, page.client_id, page.ticket_id, now);
      return { result: false, journal: [] };
    }
    const claimed = await trx
      .updateTable('oncall_pages')
      .set({ escalated_at: now })
      .where('id', '=', page.id)
      .where('acked_at', 'is', null)
      .where('escalated_at', 'is', null)
      .where('superseded_at', 'is', null)
      .executeTakeFirst();
    if (Number(claimed.numUpdatedRows) !== 1) return { result: false, journal: [] };
    const contract = page.contract_id ? await findContract(trx, page.client_id, page.contract_id) : null;
    // The episode: pages of this ticket since its latest first-level page up to this one.
    const pages = await trx.selectFrom('oncall_pages').select(['user_id', 'level', 'paged_at']).where('client_id', '=', page.client_id).where('ticket_id', '=', page.ticket_id).execute();
    const start = Math.max(...pages.filter((p) => Number(p.level) === 1 && Number(p.paged_at) <= Number(page.paged_at)).map((p) => Number(p.paged_at)), -Infinity);
    const already = new Set(pages.filter((p) => Number(p.paged_at) >= start).map((p) => p.user_id));
    let next: Person[] = [];
    let to: 'on_duty' | 'account_managers' | 'nobody' = 'nobody';
    if (contract) {
      const duty = (await onDutyAt(trx, page.client_id, contract.id, now)).find((d) => !already.has(d.user_id));
      if (duty) {
        next = [{ id: duty.user_id, name: duty.name, email: duty.email }];
        to = 'on_duty';
      }
    }
    if (next.length === 0) {
      const managers = await trx
        .selectFrom('memberships as m')
        .innerJoin('users as u', 'u.id', 'm.user_id')
        .select(['u.id', 'u.name', 'u.email'])
        .where('m.organisation_id', '=', page.client_id)
        .where('m.role', '=', 'account_manager')
        .where('u.disabled_at', 'is', null)
        .orderBy('u.name')
        .orderBy('u.id')
        .execute();
      const seen = new Set<string>();
      next = managers.filter((m) => !already.has(m.id) && !seen.has(m.id) && seen.add(m.id));
      if (next.length) to = 'account_managers';
    }
    const ticket: TicketToPage = { id: page.ticket_id, client_id: page.client_id, number: Number(page.number), title: page.title, priority: Number(page.priority), contract_id: page.contract_id };
    const paged: string[] = [];
    if (next.length) {
      const name = await clientName(trx, page.client_id);
      for (const person of next) {
        await insertPage(trx, { ticket, contract, person, level: Number(page.level) + 1, now, publicUrl: opts.publicUrl, clientName: name });
        paged.push(person.id);
      }
    }
    return {
      result: true,
      journal: {
        clientId: page.client_id, action: 'oncall.escalate', objectType: 'oncall_page', objectId: page.id,
        after: { ticket_id: page.ticket_id, from_level: Number(page.level), to_level: Number(page.level) + 1, to, paged_user_ids: paged },
      },
    };
  });
}

/** Claims and posts the pages' webhooks that are due (at least once: receivers dedupe on X-Vigie-Delivery). */
async function postWebhooks(db: Db, now: number, opts: PassOptions): Promise<{ sent: number; failed: number }> {
  const due = await db.kysely
    .selectFrom('oncall_pages')
    .select(['id', 'client_id', 'webhook_state', 'webhook_next_at', 'webhook_attempts', 'webhook_body'])
    .where('webhook_state', 'in', ['pending', 'sending'])
    .where('webhook_next_at', '<=', now)
    .orderBy('webhook_next_at')
    .limit(50)
    .execute();
  let sent = 0, failed = 0;
  const send = opts.webhook ?? sendWebhook;
  await Promise.all(
    due.map(async (row) => {
      const claim = await db.kysely
        .updateTable('oncall_pages')
        .set({ webhook_state: 'sending', webhook_next_at: now + WEBHOOK_LEASE_MS })
        .where('id', '=', row.id)
        .where('webhook_state', '=', row.webhook_state)
        .where('webhook_next_at', '=', row.webhook_next_at)
        .executeTakeFirst();
      if (Number(claim.numUpdatedRows) !== 1) return;
      const attempts = Number(row.webhook_attempts) + 1;
      let error: string | null = null;
      let permanent = false;
      try {
        const spec = JSON.parse(row.webhook_body ?? 'null') as { url: string; contract_id: string; payload: unknown } | null;
        if (!spec) throw new WebhookError('nothing to send', true);
        const secret = await db.kysely.selectFrom('oncall_webhook_secrets').select('secret').where('contract_id', '=', spec.contract_id).where('client_id', '=', row.client_id).executeTakeFirst();
        if (!secret) throw new WebhookError('the contract has no webhook signing secret', true);
        await send({ url: spec.url, secret: secret.secret, event: 'oncall.page', deliveryId: row.id, body: spec.payload });
      } catch (e) {
        error = (e instanceof Error ? e.message : String(e)).slice(0, 500);
        permanent = e instanceof WebhookError ? e.permanent : false;
        opts.log?.(`on-call webhook of page ${row.id} failed: ${error}`, e);
      }
      if (error === null) {
        sent++;
        await db.kysely.updateTable('oncall_pages').set({ webhook_state: 'sent', webhook_attempts: attempts, webhook_next_at: null, webhook_error: null, webhook_body: null }).where('id', '=', row.id).execute();
      } else if (permanent || attempts >= WEBHOOK_MAX_ATTEMPTS) {
        failed++;
        await db.kysely.updateTable('oncall_pages').set({ webhook_state: 'failed', webhook_attempts: attempts, webhook_next_at: null, webhook_error: error, webhook_body: null }).where('id', '=', row.id).execute();
      } else {
        await db.kysely
          .updateTable('oncall_pages')
          .set({ webhook_state: 'pending', webhook_attempts: attempts, webhook_next_at: now + 30_000 * 2 ** (attempts - 1), webhook_error: error })
          .where('id', '=', row.id)
          .execute();
      }
    }),
  );
  return { sent, failed };
}

/**
 * One on-call pass at `now`: every page neither acknowledged, escalated nor stood down, older than
 * its contract's `ack_minutes`, is marked escalated (a conditional update: once, whatever the number
 * of processes) and the next person on duty now by rank who was not yet paged in this episode is
 * paged (level + 1); when nobody is left, the client's account managers are. Pages of tickets
 * restored, resolved or closed are stood down instead. Then the due webhooks are posted.
 */
export async function runOncallPass(db: Db, now: number, opts: PassOptions): Promise<OncallPassResult> {
  const open = (await db.kysely
    .selectFrom('oncall_pages as p')
    .innerJoin('tickets as t', (j) => j.onRef('t.id', '=', 'p.ticket_id').onRef('t.client_id', '=', 'p.client_id'))
    .select(['p.id', 'p.client_id', 'p.ticket_id', 'p.user_id', 'p.level', 'p.paged_at', 't.number', 't.title', 't.priority', 't.state', 't.contract_id'])
    .where('p.acked_at', 'is', null)
    .where('p.escalated_at', 'is', null)
    .where('p.superseded_at', 'is', null)
    .where('p.paged_at', '<=', now - MIN)
    .orderBy('p.paged_at')
    .limit(500)
    .execute()) as OpenPage[];
  const ackMs = new Map<string, number>();
  let escalated = 0;
  for (const page of open) {
    const key = `${page.client_id}/${page.contract_id ?? ''}`;
    let ms = ackMs.get(key);
    if (ms === undefined) {
      const c = page.contract_id ? await findContract(db.kysely, page.client_id, page.contract_id) : null;
      ms = (c?.settings.oncall.ack_minutes ?? 15) * MIN;
      ackMs.set(key, ms);
    }
    if (Number(page.paged_at) + ms > now && !DONE_STATES.includes(page.state)) continue;
    try {
      if (await escalatePage(db, page, now, opts)) escalated++;
    } catch (e) {
      opts.log?.(`on-call escalation of page ${page.id} failed`, e);
    }
  }
  const hooks = await postWebhooks(db, now, opts);
  return { escalated, webhooks_sent: hooks.sent, webhooks_failed: hooks.failed };
}
