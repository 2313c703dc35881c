/**
 * Supervision → service desk: the alert stream of each client becomes incidents.
 *
 * Rules (the issue's, with the choices it leaves open):
 * - One incident per root cause on the asset: the alerts of the checks of one asset share one
 *   ticket (`tickets.alert_subject_id` = the asset; a check without an asset, or a silent collector,
 *   is its own subject). The unreachable checks behind a root cause raise no alert (monitoring), so
 *   they open nothing; the root's alert lists them in the ticket's description.
 * - Priority from the asset's criticality (1 → P1 … 4 → P4; no asset: P3), set by the desk itself
 *   (a qualification: clocks that start at qualification start at once).
 * - A new problem alert while the subject's ticket is open adds an internal note; while it is
 *   restored (a flap), it reopens that same ticket (the GTR clock runs again); after resolution a new
 *   outage is a new incident.
 * - Recovery: when no check of the subject is down any more, the ticket is restored (GTR met then,
 *   and GTI too if nobody had taken it in charge yet: there is nothing left to intervene on); it is
 *   resolved after the contract's quiet period (`settings.monitoring.quiet_minutes`, default 30)
 *   without a new alert.
 * - A contract with `settings.monitoring.open_tickets = false` opens nothing (the cursor still moves).
 * - The stream is read with a cursor per client (`alert_ticket_cursor`), saved after each alert in
 *   the transaction that acts on it, so each alert is handled once, even across processes (the
 *   client's row is locked on PostgreSQL; SQLite has one writer). On first run the cursor starts at
 *   the alerts of the last 24 hours.
 */
import { sql } from 'kysely';
import type { Db } from '../../db/database.ts';
import type { Executor } from '../../db/tx.ts';
import { activeContractFor } from '../contracts/service.ts';
import { alertsSince, type AlertItem } from '../monitoring/alerting.ts';
import { deskClock, systemAct, systemNote, systemOpenIncident, type DeskOptions } from './service.ts';
import { OPEN_STATES } from './tickets-repository.ts';

const DAY = 86_400_000;
const MIN = 60_000;

export interface AlertTicketReport {
  opened: number;
  noted: number;
  reopened: number;
  restored: number;
  resolved: number;
}

interface Subject {
  key: string;
  assetId: string | null;
  assetName: string | null;
  criticality: number | null;
  /** the checks whose state says whether the subject still fails */
  checkIds: string[];
}

/** The subject of an alert: the check's asset (all its checks), else the check, else the collector. */
async function subjectOf(ex: Executor, clientId: string, a: AlertItem): Promise<Subject> {
  if (a.subject === 'collector') return { key: a.check_id, assetId: null, assetName: null, criticality: null, checkIds: [] };
  const c = await ex
    .selectFrom('checks as c')
    .leftJoin('assets as s', (j) => j.onRef('s.id', '=', 'c.asset_id').onRef('s.client_id', '=', 'c.client_id'))
    .select(['c.asset_id', 's.name as asset_name', 's.criticality'])
    .where('c.id', '=', a.check_id)
    .where('c.client_id', '=', clientId)
    .executeTakeFirst();
  if (!c?.asset_id) return { key: a.check_id, assetId: null, assetName: null, criticality: null, checkIds: [a.check_id] };
  const checks = await ex.selectFrom('checks').select('id').where('client_id', '=', clientId).where('asset_id', '=', c.asset_id).where('enabled', '=', 1).execute();
  return { key: c.asset_id, assetId: c.asset_id, assetName: c.asset_name ?? null, criticality: c.criticality === null ? null : Number(c.criticality), checkIds: checks.map((x) => x.id) };
}

/** Does the subject still fail? (some check of it down; a collector: still silent) */
async function stillFailing(ex: Executor, clientId: string, s: Subject, a: AlertItem): Promise<boolean> {
  if (a.subject === 'collector') return a.kind !== 'recovery';
  if (s.checkIds.length === 0) return false;
  const down = await ex.selectFrom('checks').select('id').where('client_id', '=', clientId).where('id', 'in', s.checkIds).where('state', '=', 'down').executeTakeFirst();
  return !!down;
}

async function latestTicketOf(ex: Executor, clientId: string, key: string) {
  return ex
    .selectFrom('tickets')
    .select(['id', 'state', 'number'])
    .where('client_id', '=', clientId)
    .where('alert_subject_id', '=', key)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
}

function describe(a: AlertItem, s: Subject, fr = true): { title: string; text: string } {
  const what = a.subject === 'collector' ? `Collecteur ${a.check_name}` : s.assetName ? `${s.assetName} — ${a.check_name}` : a.check_name;
  const state = a.state === 'degraded' ? 'dégradé' : 'en panne';
  const lines = [
    fr ? `Alerte de supervision : ${what} ${a.subject === 'collector' ? 'ne répond plus' : state}.` : `Supervision alert: ${what} is ${a.state}.`,
    a.message ? `Message : ${a.message}` : '',
    a.since ? `Depuis : ${new Date(a.since).toISOString()}` : '',
    a.children.length ? `Injoignables derrière : ${a.children.map((c) => c.name).join(', ')}` : '',
  ].filter(Boolean);
  return { title: `${what} : ${a.subject === 'collector' ? 'collecteur silencieux' : state}`.slice(0, 300), text: lines.join('\n') };
}

/** Handles one alert inside the caller's transaction; returns what it did. */
async function handleAlert(trx: Executor, db: Db, clientId: string, a: AlertItem, now: number, opts: DeskOptions): Promise<keyof AlertTicketReport | null> {
  const s = await subjectOf(trx, clientId, a);
  const latest = await latestTicketOf(trx, clientId, s.key);
  const open = latest && (OPEN_STATES as readonly string[]).includes(latest.state) && latest.state !== 'restored';
  const d = describe(a, s);
  if (a.kind === 'problem' || a.kind === 'flapping') {
    if (open) {
      await systemNote(trx, db, clientId, latest.id, `${a.kind === 'flapping' ? 'Instable (bascule sans cesse). ' : 'Nouvelle alerte. '}${d.text}`, now);
      return 'noted';
    }
    if (latest && latest.state === 'restored') {
      await systemAct(trx, db, clientId, latest.id, 'reopen', `La panne est revenue. ${d.text}`, now, opts);
      return 'reopened';
    }
    if (a.kind === 'flapping' && !(await stillFailing(trx, clientId, s, a))) return null;
    const priority = a.subject === 'collector' ? 2 : Math.min(4, Math.max(1, (s.criticality ?? 3) + (a.state === 'degraded' ? 1 : 0)));
    await systemOpenIncident(trx, db, clientId, { title: d.title, description: d.text, priority, assetIds: s.assetId ? [s.assetId] : [], alertSubjectId: s.key, category: 'Supervision' }, now, opts);
    return 'opened';
  }
  if (a.kind === 'recovery') {
    if (!open || (await stillFailing(trx, clientId, s, a))) return null;
    await systemAct(trx, db, clientId, latest.id, 'restore', `Service rétabli selon la supervision (${a.check_name}).`, now, opts);
    return 'restored';
  }
  return null;
}

async function lockCursor(trx: Executor, db: Db, clientId: string) {
  if (db.dialect === 'postgres') await sql`select pg_advisory_xact_lock(hashtext(${`vigie.alert-tickets:${clientId}`}::text))`.execute(trx);
}

/** The client's monitoring settings from its active contract (defaults without one). */
async function settingsOf(ex: Executor, clientId: string, now: number) {
  const c = await activeContractFor(ex, clientId, now);
  return { openTickets: c?.settings.monitoring.open_tickets ?? true, quietMs: (c?.settings.monitoring.quiet_minutes ?? 30) * MIN };
}

/**
 * Reads every client's new alerts and turns them into tickets, then resolves the monitoring
 * tickets restored for longer than their quiet period. Safe to run from several processes.
 */
export async function runAlertTicketPass(db: Db, now = deskClock.now(), opts: DeskOptions = {}): Promise<AlertTicketReport> {
  const report: AlertTicketReport = { opened: 0, noted: 0, reopened: 0, restored: 0, resolved: 0 };
  const clients = await db.kysely.selectFrom('organisations').select('id').where('kind', '=', 'client').where('archived_at', 'is', null).execute();
  for (const { id: clientId } of clients) {
    const settings = await settingsOf(db.kysely, clientId, now);
    for (let rounds = 0; rounds < 50; rounds++) {
      const row = await db.kysely.selectFrom('alert_ticket_cursor').select('cursor').where('client_id', '=', clientId).executeTakeFirst();
      let cursor = row ? row.cursor : null;
      let page = await alertsSince(db, clientId, cursor, { limit: 100, now });
      if (!row) page = { ...page, items: page.items.filter((a) => a.at >= now - DAY) };
      if (page.items.length === 0) {
        if (!row && page.cursor) await saveCursor(db.kysely, clientId, page.cursor, now);
        break;
      }
      for (const a of page.items) {
        const did = await db.kysely.transaction().execute(async (trx) => {
          await lockCursor(trx, db, clientId);
          // Another process may have handled it meanwhile: act only if the cursor is still where we read it.
          const cur = await trx.selectFrom('alert_ticket_cursor').select('cursor').where('client_id', '=', clientId).executeTakeFirst();
          if ((cur?.cursor ?? null) !== cursor && cur !== undefined) return 'skip' as const;
          const r = settings.openTickets ? await handleAlert(trx, db, clientId, a, now, opts) : null;
          await saveCursor(trx, clientId, a.id, now);
          return r;
        });
        if (did === 'skip') break;
        cursor = a.id;
        if (did) report[did]++;
      }
      if (page.items.length < 100) break;
    }
    // Restored for the quiet period without a new alert: resolved.
    const quiet = await db.kysely
      .selectFrom('tickets')
      .select('id')
      .where('client_id', '=', clientId)
      .where('source', '=', 'monitoring')
      .where('state', '=', 'restored')
      .where('restored_at', '<=', now - settings.quietMs)
      .execute();
    for (const t of quiet) {
      const done = await db.kysely.transaction().execute(async (trx) => {
        const still = await trx.selectFrom('tickets').select('state').where('id', '=', t.id).executeTakeFirst();
        if (still?.state !== 'restored') return false;
        await systemAct(trx, db, clientId, t.id, 'resolve', `Résolu automatiquement : aucune nouvelle alerte pendant ${Math.round(settings.quietMs / MIN)} min.`, now, opts);
        return true;
      });
      if (done) report.resolved++;
    }
  }
  return report;
}

async function saveCursor(ex: Executor, clientId: string, cursor: string, now: number) {
  const r = await ex.updateTable('alert_ticket_cursor').set({ cursor, updated_at: now }).where('client_id', '=', clientId).executeTakeFirst();
  if (Number(r.numUpdatedRows) === 0) await ex.insertInto('alert_ticket_cursor').values({ client_id: clientId, cursor, updated_at: now }).execute();
}
