/**
 * The service desk's background work: the SLA pass (breaches and escalations, from the clocks'
 * `next_check_at`, so a pass touches only what is due) and the e-mail sender loop.
 *
 * Idempotent across processes: each due clock is taken with an update conditional on the
 * `next_check_at` the pass read (on PostgreSQL a second process blocks on the row, then finds it
 * changed and skips it); the events, the row, the ticket's copies, the e-mails and the journal
 * entry commit together.
 */
import { runOncallPass } from '../oncall/paging.ts';
import { runSurveyPass } from '../satisfaction/service.ts';
import { runAlertTicketPass } from './from-monitoring.ts';
import { sql } from 'kysely';
import type { Config } from '../../app/config.ts';
import { newId } from '../../core/ids.ts';
import { parseJson } from '../../core/json.ts';
import type { Db } from '../../db/database.ts';
import type { Executor } from '../../db/tx.ts';
import { appendJournal, SYSTEM_CONTEXT } from '../journal/service.ts';
import { mailerFor, type Mailer } from '../notifications/mailer.ts';
import { deriveClock, writeClock, type ClockName } from './clocks.ts';
import { insertOutbox, MailOutboxSender, ticketLink, ticketMailRows, type Locale, type SenderOptions } from './mail.ts';

export interface SlaPassResult {
  /** clocks looked at */
  checked: number;
  breached: number;
  escalations: number;
  mails: number;
}

export interface SlaPassOptions {
  publicUrl?: string;
  /** clocks per transaction (500) */
  batch?: number;
}

interface Claimed {
  ticket_id: string;
  clock: string;
  client_id: string;
  escalated: string;
  spec: string;
  started_at: number;
}

type EventRow = { id: string; client_id: string; ticket_id: string; clock: string; kind: string; at: number; data: string };

const chunks = <T>(xs: readonly T[], n: number): T[][] => Array.from({ length: Math.ceil(xs.length / n) }, (_, i) => xs.slice(i * n, (i + 1) * n));

/**
 * One SLA pass at `now`: every clock whose `next_check_at` has come is looked at once: a running
 * clock past due gets its `breached` event (at its due time), and the 75 % and 100 % escalations are
 * recorded once each and mailed to the assignee, the group's lead and the client's account managers.
 * Works by batches: one claim, a few reads and one write per clock per batch. Returns what was done.
 */
export async function runSlaPass(db: Db, now: number, opts: SlaPassOptions = {}): Promise<SlaPassResult> {
  const out: SlaPassResult = { checked: 0, breached: 0, escalations: 0, mails: 0 };
  const batch = opts.batch ?? 500;
  const lock = db.dialect === 'postgres' ? sql`for update skip locked` : sql``;
  // Clocks written without a schedule (bulk loads, imports): scheduled now when their 75 % has come
  // (the partial index of migration 0008 holds only those).
  await sql`update sla_clocks set next_check_at = warn_at
    where next_check_at is null and state in ('running', 'breached') and stopped_at is null and warn_at <= ${now}`.execute(db.kysely);
  for (let round = 0; round < 100_000; round++) {
    const n = await db.kysely.transaction().execute(async (trx) => {
      // Claimed by an update conditional on the clock still being due (PostgreSQL: rows another
      // process holds are skipped; once it commits, their next_check_at is no longer due).
      const claimed = (
        await sql<Claimed>`
          update sla_clocks set next_check_at = null
          where next_check_at <= ${now} and (ticket_id, clock) in (
            select ticket_id, clock from sla_clocks where next_check_at <= ${now} order by next_check_at limit ${batch} ${lock})
          returning ticket_id, clock, client_id, escalated, spec, started_at`.execute(trx)
      ).rows;
      if (claimed.length === 0) return 0;
      await processBatch(trx, db, claimed, now, opts, out);
      return claimed.length;
    });
    if (n < batch) break;
  }
  return out;
}

async function processBatch(trx: Executor, db: Db, claimed: Claimed[], now: number, opts: SlaPassOptions, out: SlaPassResult) {
  const ticketIds = [...new Set(claimed.map((c) => c.ticket_id))];
  const events = new Map<string, EventRow[]>();
  for (const ids of chunks(ticketIds, 500)) {
    const rows = await trx.selectFrom('sla_events').select(['id', 'client_id', 'ticket_id', 'clock', 'kind', 'at', 'data']).where('ticket_id', 'in', ids).orderBy('at').orderBy('id').execute();
    for (const r of rows) {
      const k = `${r.ticket_id}/${r.clock}`;
      let list = events.get(k);
      if (!list) events.set(k, (list = []));
      list.push({ ...r, at: Number(r.at) });
    }
  }
  const newEvents: EventRow[] = [];
  const todo: { c: Claimed; rows: EventRow[]; escalated: number[]; levels: number[]; done: string[]; dueAt: number }[] = [];
  for (const c of claimed) {
    const rows = events.get(`${c.ticket_id}/${c.clock}`) ?? [];
    if (rows.length === 0) {
      // A clock row without its events (written by hand): its start is recorded from the row.
      const spec = parseJson<{ target?: unknown; calendar?: unknown } | null>(c.spec, null);
      if (!spec?.target || !spec.calendar) continue;
      const e = { id: newId(), client_id: c.client_id, ticket_id: c.ticket_id, clock: c.clock, kind: 'start', at: Number(c.started_at), data: JSON.stringify({ spec, from_row: true }) };
      rows.push(e);
      newEvents.push(e);
    }
    const escalated = parseJson<number[]>(c.escalated, []);
    const d = deriveClock(rows, escalated, now);
    if (!d) continue;
    out.checked++;
    const st = d.status;
    const live = !st.stopped && st.state !== 'paused' && st.state !== 'met';
    const done: string[] = [];
    if (live && st.due_at <= now && !d.breachRecorded) {
      const e = { id: newId(), client_id: c.client_id, ticket_id: c.ticket_id, clock: c.clock, kind: 'breached', at: st.due_at, data: JSON.stringify({ due_at: st.due_at, detected_at: now }) };
      rows.push(e);
      newEvents.push(e);
      out.breached++;
      done.push('breached');
    }
    const levels: number[] = [];
    if (live && st.warn_at <= now && !escalated.includes(75)) levels.push(75);
    if (live && st.due_at <= now && !escalated.includes(100)) levels.push(100);
    todo.push({ c, rows, escalated, levels, done, dueAt: st.due_at });
  }

  // Escalations: the tickets, their people and the mails, read and written for the whole batch.
  const escalating = todo.filter((x) => x.levels.length);
  if (escalating.length) {
    const tickets = new Map<string, { id: string; client_id: string; number: number; title: string; description: string; priority: number; state: string; assignee_user_id: string | null; group_id: string | null; client_name: string }>();
    for (const ids of chunks([...new Set(escalating.map((x) => x.c.ticket_id))], 500)) {
      const rows = await trx
        .selectFrom('tickets as t')
        .innerJoin('organisations as o', 'o.id', 't.client_id')
        .select(['t.id', 't.client_id', 't.number', 't.title', 't.description', 't.priority', 't.state', 't.assignee_user_id', 't.group_id', 'o.name as client_name'])
        .where('t.id', 'in', ids)
        .execute();
      for (const r of rows) tickets.set(r.id, { ...r, number: Number(r.number), priority: Number(r.priority) });
    }
    const all = [...tickets.values()];
    const groupIds = [...new Set(all.map((t) => t.group_id).filter((x): x is string => !!x))];
    const leads = new Map<string, string>();
    if (groupIds.length) {
      for (const g of await trx.selectFrom('support_groups').select(['id', 'lead_user_id']).where('id', 'in', groupIds).execute()) if (g.lead_user_id) leads.set(g.id, g.lead_user_id);
    }
    const clientIds = [...new Set(all.map((t) => t.client_id))];
    const managers = new Map<string, string[]>();
    for (const m of await trx.selectFrom('memberships').select(['organisation_id', 'user_id']).where('organisation_id', 'in', clientIds).where('role', '=', 'account_manager').execute()) {
      managers.set(m.organisation_id, [...(managers.get(m.organisation_id) ?? []), m.user_id]);
    }
    const peopleOf = (t: { client_id: string; assignee_user_id: string | null; group_id: string | null }) => [
      ...(t.assignee_user_id ? [t.assignee_user_id] : []), ...(t.group_id && leads.has(t.group_id) ? [leads.get(t.group_id)!] : []), ...(managers.get(t.client_id) ?? []),
    ];
    const userIds = [...new Set(all.flatMap(peopleOf))];
    const users = new Map<string, { email: string; locale: Locale }>();
    for (const ids of chunks(userIds, 500)) {
      for (const u of await trx.selectFrom('users').select(['id', 'email', 'locale']).where('id', 'in', ids).where('disabled_at', 'is', null).execute()) {
        users.set(u.id, { email: u.email, locale: u.locale === 'en' ? 'en' : 'fr' });
      }
    }
    const locales = new Map([...users.values()].map((u) => [u.email.toLowerCase(), u.locale] as const));
    const mails = [];
    for (const x of escalating) {
      const t = tickets.get(x.c.ticket_id);
      const to = t ? peopleOf(t).map((id) => users.get(id)?.email).filter((e): e is string => !!e) : [];
      for (const level of x.levels) {
        const e = { id: newId(), client_id: x.c.client_id, ticket_id: x.c.ticket_id, clock: x.c.clock, kind: 'escalation', at: now, data: JSON.stringify({ level, due_at: x.dueAt, recipients: to }) };
        x.rows.push(e);
        newEvents.push(e);
        out.escalations++;
        x.done.push(`escalation ${level}`);
        if (t) {
          const rows = ticketMailRows(to, [], { kind: 'escalation', ticket: t, link: ticketLink(opts.publicUrl ?? '', t), level, clock: x.c.clock as ClockName, dueAt: x.dueAt, clientName: t.client_name }, locales, now);
          mails.push(...rows);
        }
      }
    }
    await insertOutbox(trx, mails);
    out.mails += mails.length;
  }
  for (const part of chunks(newEvents, 200)) await trx.insertInto('sla_events').values(part).execute();

  // Each clock's row and the ticket's copies, from its events as they now stand.
  const journal = new Map<string, { ticket_id: string; clock: string; done: string[]; due_at: number }[]>();
  for (const x of todo) {
    const escalated = [...new Set([...x.escalated, ...x.levels])].sort((a, b) => a - b);
    const d = deriveClock(x.rows, escalated, now);
    if (!d) continue;
    await writeClock(trx, x.c.ticket_id, x.c.clock as ClockName, d, { escalated: JSON.stringify(escalated) });
    if (x.done.length) journal.set(x.c.client_id, [...(journal.get(x.c.client_id) ?? []), { ticket_id: x.c.ticket_id, clock: x.c.clock, done: x.done, due_at: x.dueAt }]);
  }
  for (const [clientId, items] of journal) {
    await appendJournal(trx, db.dialect, SYSTEM_CONTEXT, { clientId, action: 'ticket.sla', objectType: 'ticket', objectId: items.length === 1 ? items[0]!.ticket_id : null, after: { items } });
  }
}

export interface ServiceDeskJobs {
  readonly sender: MailOutboxSender;
  /** Runs one SLA pass and one sending round now (tests, and a kick after a change). */
  tick(now?: number): Promise<void>;
  stop(): Promise<void>;
}

/** Starts the SLA pass and the e-mail sender of this process (every `intervalMs`, 15 s by default). */
export function startServiceDesk(
  db: Db,
  config: Pick<Config, 'smtpUrl' | 'mailFrom' | 'publicUrl'>,
  opts: SenderOptions & { intervalMs?: number; mailer?: Mailer } = {},
): ServiceDeskJobs {
  const log = opts.log ?? ((msg: string, err?: unknown) => console.error(`servicedesk: ${msg}`, err ?? ''));
  const sender = new MailOutboxSender(db, opts.mailer ?? mailerFor(config), { ...opts, log });
  let running: Promise<void> | null = null;
  let stopped = false;
  const tick = async (now?: number) => {
    if (running) return running;
    running = (async () => {
      try {
        await runSlaPass(db, now ?? Date.now(), { publicUrl: config.publicUrl });
      } catch (e) {
        log('SLA pass failed', e);
      }
      const at = now ?? Date.now();
      // Supervision alerts → incidents, on-call escalations, surveys due: each on its own, a failure logged and retried next tick.
      for (const [what, run] of [
        ['alert tickets', () => runAlertTicketPass(db, at, { publicUrl: config.publicUrl })],
        ['on-call pass', () => runOncallPass(db, at, { publicUrl: config.publicUrl, log })],
        ['survey pass', () => runSurveyPass(db, at, { publicUrl: config.publicUrl })],
      ] as const) {
        if (stopped) break;
        try {
          await run();
        } catch (e) {
          log(`${what} failed`, e);
        }
      }
      try {
        if (!stopped) await sender.drain(now ?? Date.now());
      } catch (e) {
        log('mail round failed', e);
      }
    })().finally(() => {
      running = null;
    });
    return running;
  };
  const timer = setInterval(() => void tick(), opts.intervalMs ?? 15_000);
  timer.unref();
  void tick();
  return {
    sender,
    tick,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running?.catch(() => {});
    },
  };
}
