/**
 * Contracts of a client: the rules beyond the schema (window ids, targets on known windows, one
 * target per priority, calendars that make sense, dates in order, a scope made of the client's own
 * sites and assets), every change journaled, and the due-time preview of a contract or a draft.
 *
 * For the service desk (tickets backend):
 * - `activeContractFor(ex: Executor, clientId: string, at: number): Promise<Contract | null>`
 *   — the client's `active` contract whose [starts_on, ends_on] covers the Paris date of `at`, latest starts_on first.
 * - `getContract(ex: Executor, clientId: string, id: string): Promise<Contract>`
 *   — the client's contract with its JSON columns parsed; 404 `not_found` when it is not this client's.
 * - `findContract(ex: Executor, clientId: string, id: string): Promise<Contract | null>` — the same, null instead of 404.
 * - `calendarSpecOf(w: ServiceWindow): CalendarSpec` — the calendar part of a window, for `compileCalendar`.
 */
import { addTarget, calendarProblems, compileCalendar, type Calendar } from '../../core/calendar.ts';
import { AppError, badRequest, conflict, notFound } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import { localDay } from '../../core/zones.ts';
import type { Db } from '../../db/database.ts';
import type { Executor } from '../../db/tx.ts';
import { journaled, type AuditContext } from '../journal/service.ts';
import { presentContract } from './presenters.ts';
import {
  activeContractRow,
  contractFromRow,
  contractReferences,
  contractToRow,
  findContractRow,
  listContractRows,
  missingOwnIds,
  type Contract,
} from './repository.ts';
import type { CalendarSpec, ContractInput, ContractPatch, ServiceWindow, TargetDuration } from './schema.ts';

export type { Contract } from './repository.ts';

/** The zone whose calendar date decides which contract is in force. */
export const CONTRACT_ZONE = 'Europe/Paris';
const DAY = 86_400_000;
const WEEK = 7 * DAY;

/** The local date 'YYYY-MM-DD' of an instant in a zone. */
export function localDate(t: number, timeZone: string = CONTRACT_ZONE): string {
  return new Date(localDay(t, timeZone) * DAY).toISOString().slice(0, 10);
}

/** The client's active contract in force on the Paris date of `at` (latest starts_on first), or null. */
export async function activeContractFor(ex: Executor, clientId: string, at: number): Promise<Contract | null> {
  const row = await activeContractRow(ex, clientId, localDate(at));
  return row ? contractFromRow(row) : null;
}

/** The client's contract, parsed; 404 when the id is unknown or another client's. */
export async function getContract(ex: Executor, clientId: string, id: string): Promise<Contract> {
  const c = await findContract(ex, clientId, id);
  if (!c) throw notFound('contract');
  return c;
}

/** The client's contract, parsed, or null (another client's id finds nothing). */
export async function findContract(ex: Executor, clientId: string, id: string): Promise<Contract | null> {
  const row = await findContractRow(ex, clientId, id);
  return row ? contractFromRow(row) : null;
}

/** The calendar part of a service window (what core/calendar.ts compiles). */
export function calendarSpecOf(w: ServiceWindow | CalendarSpec): CalendarSpec {
  return { time_zone: w.time_zone, always: w.always, hours: w.hours, public_holidays: w.public_holidays, closed_days: w.closed_days };
}

async function requireClient(ex: Executor, clientId: string): Promise<void> {
  const o = await ex.selectFrom('organisations').select('id').where('id', '=', clientId).where('kind', '=', 'client').executeTakeFirst();
  if (!o) throw notFound('client');
}

/** The client's contracts, latest start first; 404 when the client does not exist. */
export async function listContracts(db: Db, clientId: string): Promise<Contract[]> {
  await requireClient(db.kysely, clientId);
  return (await listContractRows(db.kysely, clientId)).map(contractFromRow);
}

type CalendarPart = Pick<ContractInput, 'windows' | 'targets' | 'settings'>;

/**
 * The rules on windows and targets (no I/O): the first broken one as a 400 with its stable id, or
 * null. `window_ids_not_unique`, `bad_calendar` (details: each window's problems), `unknown_window`
 * (a target or the on-call business window names a window the contract lacks), `duplicate_priority`.
 */
export function calendarRulesProblem(c: CalendarPart): AppError | null {
  const ids = c.windows.map((w) => w.id);
  const dup = ids.filter((id, i) => ids.indexOf(id) !== i);
  if (dup.length) return badRequest('window_ids_not_unique', `Window ids must be unique: ${[...new Set(dup)].join(', ')}`, { ids: [...new Set(dup)] });
  const bad = c.windows.map((w) => ({ window: w.id, problems: calendarProblems(calendarSpecOf(w)) })).filter((w) => w.problems.length > 0);
  if (bad.length) return badRequest('bad_calendar', `Invalid service window: ${bad.map((b) => `${b.window}: ${b.problems.join('; ')}`).join(' · ')}`, bad);
  const known = new Set(ids);
  const unknown: { priority: number | null; clock: 'gti' | 'gtr' | 'oncall'; window: string }[] = [];
  for (const t of c.targets) {
    if (t.gti && !known.has(t.gti.window)) unknown.push({ priority: t.priority, clock: 'gti', window: t.gti.window });
    if (t.gtr && !known.has(t.gtr.window)) unknown.push({ priority: t.priority, clock: 'gtr', window: t.gtr.window });
  }
  const bw = c.settings.oncall.business_window;
  if (bw !== null && !known.has(bw)) unknown.push({ priority: null, clock: 'oncall', window: bw });
  if (unknown.length) return badRequest('unknown_window', `No such window in this contract: ${[...new Set(unknown.map((u) => u.window))].join(', ')}`, unknown);
  const prios = c.targets.map((t) => t.priority);
  const dupP = [...new Set(prios.filter((p, i) => prios.indexOf(p) !== i))];
  if (dupP.length) return badRequest('duplicate_priority', `One target per priority: P${dupP.join(', P')} given twice`, { priorities: dupP });
  return null;
}

/** Every rule of a contract, the scope checked against the client's own sites and assets; throws the first broken one. */
async function validateContract(ex: Executor, clientId: string, c: ContractInput): Promise<void> {
  if (c.ends_on !== null && c.ends_on < c.starts_on) throw badRequest('bad_dates', `The contract ends (${c.ends_on}) before it starts (${c.starts_on})`, { starts_on: c.starts_on, ends_on: c.ends_on });
  const p = calendarRulesProblem(c);
  if (p) throw p;
  // Another client's id is refused exactly like an unknown one.
  const sites = await missingOwnIds(ex, 'sites', clientId, c.scope.site_ids);
  if (sites.length) throw badRequest('unknown_site', `No such site: ${sites.slice(0, 10).join(', ')}`, { ids: sites });
  const assets = await missingOwnIds(ex, 'assets', clientId, c.scope.asset_ids);
  if (assets.length) throw badRequest('unknown_asset', `No such asset: ${assets.slice(0, 10).join(', ')}`, { ids: assets });
}

/** A contract body without its duplicates (sites, assets, services listed once each). */
function tidy(c: ContractInput): ContractInput {
  return {
    ...c,
    scope: { ...c.scope, site_ids: [...new Set(c.scope.site_ids)], asset_ids: [...new Set(c.scope.asset_ids)], services: [...new Set(c.scope.services)] },
    targets: [...c.targets].sort((a, b) => a.priority - b.priority),
    settings: { ...c.settings, oncall: { ...c.settings.oncall, priorities: [...new Set(c.settings.oncall.priorities)].sort((a, b) => a - b) } },
  };
}

/** Creates a contract for the client after every rule passed. Journaled (`contract.create`). */
export async function createContract(db: Db, ctx: AuditContext, clientId: string, input: ContractInput): Promise<Contract> {
  return journaled(db, ctx, async (trx) => {
    await requireClient(trx, clientId);
    const body = tidy(input);
    await validateContract(trx, clientId, body);
    const now = Date.now();
    const c: Contract = { ...body, id: newId(), client_id: clientId, created_at: now, updated_at: now };
    await trx.insertInto('contracts').values(contractToRow(c)).execute();
    return { result: c, journal: { clientId, action: 'contract.create', objectType: 'contract', objectId: c.id, after: presentContract(c) } };
  });
}

/** Replaces the fields given (each as a whole), checks the whole result again. Journaled (`contract.update`). */
export async function updateContract(db: Db, ctx: AuditContext, clientId: string, id: string, patch: ContractPatch): Promise<Contract> {
  return journaled(db, ctx, async (trx) => {
    const before = await getContract(trx, clientId, id);
    if (Object.values(patch).every((v) => v === undefined)) throw badRequest('validation_failed', 'Nothing to change: give at least one field');
    const { id: _i, client_id: _c, created_at: _a, updated_at: _u, ...stored } = before;
    const given = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as Partial<ContractInput>;
    const body = tidy({ ...stored, ...given });
    await validateContract(trx, clientId, body);
    const after: Contract = { ...body, id, client_id: clientId, created_at: before.created_at, updated_at: Math.max(Date.now(), before.updated_at) };
    const { id: _id, client_id: _cid, ...changes } = contractToRow(after);
    await trx.updateTable('contracts').set(changes).where('id', '=', id).where('client_id', '=', clientId).execute();
    return { result: after, journal: { clientId, action: 'contract.update', objectType: 'contract', objectId: id, before: presentContract(before), after: presentContract(after) } };
  });
}

/** Deletes a contract no ticket and no on-call shift refers to (409 `contract_has_tickets`, `contract_has_oncall_shifts`). Journaled. */
export async function deleteContract(db: Db, ctx: AuditContext, clientId: string, id: string): Promise<void> {
  await journaled(db, ctx, async (trx) => {
    const before = await getContract(trx, clientId, id);
    const refs = await contractReferences(trx, clientId, id);
    if (refs.tickets > 0) throw conflict('contract_has_tickets', `${refs.tickets} ticket(s) refer to this contract: end it (status ended) instead`, { tickets: refs.tickets });
    if (refs.oncall_shifts > 0) throw conflict('contract_has_oncall_shifts', `${refs.oncall_shifts} on-call shift(s) belong to this contract`, { oncall_shifts: refs.oncall_shifts });
    await trx.deleteFrom('contracts').where('id', '=', id).where('client_id', '=', clientId).execute();
    return { result: null, journal: { clientId, action: 'contract.delete', objectType: 'contract', objectId: id, before: presentContract(before) } };
  });
}

// ------------------------------------------------------------------------------------------- preview

/** When one clock of a ticket declared at `at` would be due, on which window. */
export interface DueTime {
  /** epoch ms; null when the window never opens (nothing to count on) */
  due_at: number | null;
  window: string;
  window_name: string;
  /** the window is open at `at` (the clock runs from the start) */
  open_now: boolean;
}

export interface ContractPreview {
  at: number;
  items: { priority: number; gti: DueTime | null; gtr: DueTime | null }[];
  windows: {
    id: string;
    name: string;
    open_now: boolean;
    /** `at` when open now; else when the window next opens (null: never, within the calendar's horizon) */
    next_open_at: number | null;
    /** the open intervals over the 7 days from `at`: [from, to) in epoch ms */
    next_week: [number, number][];
  }[];
}

/**
 * For each target priority, when a ticket declared at `at` would be due (GTI and GTR), and each
 * window's state at `at` and open intervals over the next 7 days. Pure: the contract is not stored.
 * The windows and targets must have passed `calendarRulesProblem`.
 */
export function previewContract(c: Pick<ContractInput, 'windows' | 'targets'>, at: number): ContractPreview {
  const cals = new Map<string, { w: ServiceWindow; cal: Calendar }>();
  for (const w of c.windows) cals.set(w.id, { w, cal: compileCalendar(calendarSpecOf(w)) });
  const due = (d: TargetDuration | null): DueTime | null => {
    if (!d) return null;
    const e = cals.get(d.window);
    if (!e) return null;
    let dueAt: number | null;
    try {
      dueAt = addTarget(e.cal, at, { value: d.value, unit: d.unit });
    } catch {
      dueAt = null;
    }
    return { due_at: dueAt !== null && Number.isFinite(dueAt) ? dueAt : null, window: e.w.id, window_name: e.w.name, open_now: e.cal.isOpen(at) };
  };
  return {
    at,
    items: [...c.targets].sort((a, b) => a.priority - b.priority).map((t) => ({ priority: t.priority, gti: due(t.gti), gtr: due(t.gtr) })),
    windows: [...cals.values()].map(({ w, cal }) => {
      const open = cal.isOpen(at);
      let next: number | null;
      try {
        next = open ? at : cal.nextOpen(at);
      } catch {
        next = null;
      }
      return {
        id: w.id,
        name: w.name,
        open_now: open,
        next_open_at: next !== null && Number.isFinite(next) ? next : null,
        next_week: cal.openIntervals(at, at + WEEK).map(([a, b]) => [a, b] as [number, number]),
      };
    }),
  };
}

/** The preview of a stored contract of the client (404 when not the client's). */
export async function previewStoredContract(db: Db, clientId: string, id: string, at: number): Promise<ContractPreview> {
  return previewContract(await getContract(db.kysely, clientId, id), at);
}

/** The preview of an unsaved draft: the window and target rules are checked (400 as on save), nothing is stored. */
export async function previewDraft(db: Db, clientId: string, draft: ContractInput, at: number): Promise<ContractPreview> {
  await requireClient(db.kysely, clientId);
  const p = calendarRulesProblem(draft);
  if (p) throw p;
  return previewContract(draft, at);
}
