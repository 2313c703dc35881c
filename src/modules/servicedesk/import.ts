/**
 * Importing the previous provider's tickets (CSV or JSON): all or nothing. Every line is checked
 * (format, references already imported, requester, assignee, assets) before anything is written; the
 * report names each bad line. Then every ticket is created and its history replayed at the original
 * instants through the live state machine and SLA clocks (service.ts `replayImportedTicket`), so its
 * GTI and GTR results are what they would have been live. One journal entry for the import.
 */
import { badRequest, unprocessable } from '../../core/errors.ts';
import type { Db } from '../../db/database.ts';
import type { Executor } from '../../db/tx.ts';
import type { ImportError } from '../inventory/csv.ts';
import { appendJournal } from '../journal/service.ts';
import { auditContext, type Principal } from '../tenancy/principal.ts';
import { STAFF } from '../../core/policy.ts';
import { actionBetween, checkJsonTickets, parseTicketCsv, type ImportBody, type ImportedTicket } from './import-format.ts';
import { servicedeskPolicy } from './policy.ts';
import { deskClock, replayImportedTicket, type ResolvedImport } from './service.ts';
import type { z } from 'zod';
import type { TicketState } from './schema.ts';

const MAX_REPORTED = 1000;

export interface ImportReport {
  dry_run: boolean;
  tickets: number;
  created: { line: number; external_ref: string; id: string; number: number }[];
  /** the SLA results the replay gave, over the imported tickets */
  sla: { gti_met: number; gti_breached: number; gtr_met: number; gtr_breached: number; running: number };
}

function invalid(errors: ImportError[], rows: number): never {
  throw unprocessable('import_invalid', `${new Set(errors.map((e) => e.line)).size} line(s) are invalid; nothing was imported`, {
    errors: errors.slice(0, MAX_REPORTED), rows, error_count: errors.length,
  });
}

/** Resolves people, assets and references against the client's data; errors per line. */
async function resolve(ex: Executor, clientId: string, tickets: readonly ImportedTicket[]): Promise<{ resolved: (ResolvedImport & { line: number })[]; errors: ImportError[] }> {
  const errors: ImportError[] = [];
  const err = (line: number, field: string, value: string | null, message: string) => errors.push({ line, column: field, field, value, message });
  const refs = [...new Set(tickets.map((t) => t.external_ref))];
  const existing = new Set<string>();
  for (let i = 0; i < refs.length; i += 500) {
    for (const r of await ex.selectFrom('tickets').select('external_ref').where('client_id', '=', clientId).where('external_ref', 'in', refs.slice(i, i + 500)).execute()) existing.add(r.external_ref!);
  }
  const people = await ex
    .selectFrom('users as u')
    .innerJoin('memberships as m', 'm.user_id', 'u.id')
    .select(['u.id', 'u.email', 'u.name', 'm.role'])
    .where('m.organisation_id', '=', clientId)
    .execute();
  const clientUsers = new Map<string, { id: string; name: string }>();
  const staff = new Map<string, string>();
  for (const p of people) {
    const email = p.email.toLowerCase();
    if ((STAFF as readonly string[]).includes(p.role)) staff.set(email, p.id);
    else clientUsers.set(email, { id: p.id, name: p.name });
  }
  const assets = new Map<string, string>();
  for (const a of await ex.selectFrom('assets').select(['id', 'name']).where('client_id', '=', clientId).execute()) assets.set(a.name.toLowerCase(), a.id);
  const resolved: (ResolvedImport & { line: number })[] = [];
  for (const t of tickets) {
    const before = errors.length;
    if (existing.has(t.external_ref)) err(t.line, 'external_ref', t.external_ref, 'Already imported for this client');
    const requester = t.requester_email ? clientUsers.get(t.requester_email) : undefined;
    let assignee: string | null = null;
    if (t.assignee_email) {
      assignee = staff.get(t.assignee_email) ?? null;
      if (!assignee) err(t.line, 'assignee_email', t.assignee_email, 'Not provider staff working on this client');
    }
    const assetIds: string[] = [];
    for (const n of t.asset_names) {
      const id = assets.get(n.toLowerCase());
      if (!id) err(t.line, 'assets', n, 'No asset of this client by that name');
      else if (!assetIds.includes(id)) assetIds.push(id);
    }
    if (errors.length > before) continue;
    let state: TicketState = 'new';
    const history = t.history.map((h) => {
      const action = actionBetween(state, h.state)!;
      state = h.state;
      return { ...h, action };
    });
    resolved.push({
      line: t.line, external_ref: t.external_ref, type: t.type, title: t.title, description: t.description, category: t.category, priority: t.priority, impact: t.impact, urgency: t.urgency,
      requester: requester ? { user_id: requester.id, name: requester.name, email: t.requester_email } : { user_id: null, name: t.requester_name || t.requester_email, email: t.requester_email },
      assignee_user_id: assignee, asset_ids: assetIds, created_at: t.created_at, history,
    });
  }
  return { resolved, errors };
}

/** Checks, then (unless dry run) imports every ticket in one transaction. Provider staff only. */
export async function importTickets(db: Db, p: Principal, clientId: string, body: z.infer<typeof ImportBody>): Promise<ImportReport> {
  servicedeskPolicy.authorize(p, 'tickets.work', clientId);
  if (!body.csv && !body.tickets) throw badRequest('nothing_to_import', 'Send the tickets as `csv` (text) or `tickets` (JSON)');
  const now = deskClock.now();
  const parsed = body.csv !== undefined ? parseTicketCsv(body.csv) : checkJsonTickets(body.tickets!);
  const rows = parsed.tickets.length + new Set(parsed.errors.map((e) => e.line)).size;
  if (parsed.errors.length) invalid(parsed.errors, rows);
  if (parsed.tickets.length === 0) throw badRequest('nothing_to_import', 'The file holds no ticket');
  const future = parsed.tickets.filter((t) => t.created_at > now || t.history.some((h) => h.at > now));
  if (future.length) invalid(future.map((t) => ({ line: t.line, column: null, field: 'created_at', value: null, message: 'An instant of this ticket is in the future' })), rows);

  const run = async (trx: Executor, write: boolean): Promise<ImportReport> => {
    const { resolved, errors } = await resolve(trx, clientId, parsed.tickets);
    if (errors.length) invalid(errors, rows);
    const report: ImportReport = { dry_run: !write, tickets: resolved.length, created: [], sla: { gti_met: 0, gti_breached: 0, gtr_met: 0, gtr_breached: 0, running: 0 } };
    if (!write) return report;
    for (const r of resolved) {
      const t = await replayImportedTicket(trx, db, p, clientId, r, now);
      report.created.push({ line: r.line, external_ref: r.external_ref, id: t.id, number: t.number });
    }
    const ids = report.created.map((c) => c.id);
    for (let i = 0; i < ids.length; i += 500) {
      for (const c of await trx.selectFrom('sla_clocks').select(['clock', 'state']).where('ticket_id', 'in', ids.slice(i, i + 500)).execute()) {
        if (c.state === 'met') report.sla[c.clock === 'gti' ? 'gti_met' : 'gtr_met']++;
        else if (c.state === 'breached') report.sla[c.clock === 'gti' ? 'gti_breached' : 'gtr_breached']++;
        else report.sla.running++;
      }
    }
    await appendJournal(trx, db.dialect, auditContext(p), {
      clientId, action: 'ticket.import', objectType: 'ticket', objectId: null,
      after: { tickets: report.created.length, refs: report.created.slice(0, 200).map((c) => c.external_ref), sla: report.sla },
    });
    return report;
  };
  if (body.dry_run) return run(db.kysely, false);
  return db.kysely.transaction().execute((trx) => run(trx, true));
}
