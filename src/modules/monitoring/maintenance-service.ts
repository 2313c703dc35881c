/**
 * Maintenance windows as stored objects: one window targets a check, an asset (all its checks) or
 * a site (all the checks of its assets) of the same client, on a one-off or recurring schedule
 * (maintenance.ts holds the pure schedule rules). Every change is journaled.
 *
 * Applying them is `sweepMaintenance`, run by each engine's sweep (every ~10 s): a check covered by
 * a window right now enters maintenance through the state machine — its own state period, left
 * out of availability, alerts muted — and leaves it when no window covers it any more. The change
 * is dated at the occurrence's start (or end) when the sweep sees it within `graceMs`, so sweeps
 * a few seconds apart do not shift the periods.
 */
import { z } from 'zod';
import { badRequest, notFound } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import { parseJson } from '../../core/json.ts';
import type { Db } from '../../db/database.ts';
import type { MaintenanceWindowTable } from '../../db/schema.ts';
import type { Executor } from '../../db/tx.ts';
import { journaled, type AuditContext } from '../journal/service.ts';
import { Id } from '../tenancy/schema.ts';
import { busFor, type LiveState } from './bus.ts';
import { machineConfigOf, recordTransitions, type BatchOutcome, type Runtime } from './ingest.ts';
import {
  DEFAULT_TIME_ZONE,
  maintenanceIntervals,
  maintenanceProblems,
  occurrences,
  type Interval,
  type IsoWeekday,
  type MaintenanceSchedule,
  type MaintenanceWindow,
} from './maintenance.ts';
import { presentWindow, type WindowView } from './presenters.ts';
import { enterMaintenance, initialCheckState, leaveMaintenance } from './state-machine.ts';

// ---------------------------------------------------------------- API schemas

export const MAINTENANCE_TARGETS = ['check', 'asset', 'site'] as const;
export type MaintenanceTargetType = (typeof MAINTENANCE_TARGETS)[number];

/** Local wall-clock start 'HH:MM' of a recurring window (checked with the rest of the schedule: 400 invalid_schedule). */
const StartTime = z.string().max(5);
/** Wall-clock length of each occurrence, in minutes (at most the gap to the next occurrence). */
const DurationMinutes = z.number().int().min(1).max(31 * 24 * 60);
const Weekday = z.number().int().min(1).max(7);
/** Recurring: no occurrence starts at or after this instant (epoch ms); null: no end. */
const Until = z.number().int().min(0).nullable().optional();

export const ScheduleBody = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('once'),
    /** Start (epoch ms). */
    start: z.number().int().min(0),
    /** End (epoch ms), after the start. */
    end: z.number().int().min(0),
  }),
  z.object({
    kind: z.literal('weekly'),
    /** ISO weekdays: 1 Monday … 7 Sunday. */
    days: z.array(Weekday).min(1).max(7),
    start: StartTime,
    duration_minutes: DurationMinutes,
    until: Until,
  }),
  z.object({
    kind: z.literal('monthly'),
    /** Day of the month, 1..31, or -1 for the last day (-2 the day before…); or else `nth` and `weekday`. */
    day: z.number().int().min(-31).max(31).nullable().optional(),
    /** The nth weekday of the month: 1..5, or -1 for the last. */
    nth: z.number().int().min(-1).max(5).nullable().optional(),
    weekday: Weekday.nullable().optional(),
    start: StartTime,
    duration_minutes: DurationMinutes,
    until: Until,
  }),
]);
export type ScheduleInput = z.infer<typeof ScheduleBody>;

const WindowFields = z.object({
  /** What is planned ("Mise à jour du pare-feu", "Redémarrage mensuel"). */
  title: z.string().trim().min(1).max(200),
  /** What it covers: a check, an asset (all its checks) or a site (the checks of all its assets). */
  target_type: z.enum(MAINTENANCE_TARGETS),
  /** The check, asset or site, of the same client. */
  target_id: Id,
  schedule: ScheduleBody,
  /** IANA time zone of the schedule's wall-clock times. */
  time_zone: z.string().min(1).max(64),
});

export const WindowCreateBody = WindowFields.extend({ time_zone: WindowFields.shape.time_zone.default(DEFAULT_TIME_ZONE) });
export type WindowCreate = z.infer<typeof WindowCreateBody>;

export const WindowPatchBody = WindowFields.partial();
export type WindowPatch = z.infer<typeof WindowPatchBody>;

export const WindowParams = z.object({ clientId: Id, windowId: Id });

export const WindowListQuery = z.object({
  /** Only windows that apply to this check: on it, on its asset or on its asset's site. */
  check_id: Id.optional(),
  /** Only windows aimed at exactly this check, asset or site. */
  target_id: Id.optional(),
});

// ---------------------------------------------------------------- stored form

interface Spec {
  schedule: MaintenanceSchedule;
  activeFrom: number | null;
  until: number | null;
}

export type WindowRow = MaintenanceWindowTable;

/** The API's schedule as the recurrence module's, with the recurring window's end; 400 invalid_schedule for a monthly rule that is neither a day nor an nth weekday. */
function scheduleOf(s: ScheduleInput): { schedule: MaintenanceSchedule; until: number | null } {
  if (s.kind === 'once') return { schedule: { kind: 'once', start: s.start, end: s.end }, until: null };
  const common = { startTime: s.start, durationMs: s.duration_minutes * 60_000 };
  if (s.kind === 'weekly') return { schedule: { kind: 'weekly', days: [...new Set(s.days)].sort() as IsoWeekday[], ...common }, until: s.until ?? null };
  const byDay = s.day !== undefined && s.day !== null;
  const byNth = s.nth !== undefined && s.nth !== null;
  if (byDay === byNth || (byNth && (s.weekday === undefined || s.weekday === null))) {
    throw badRequest('invalid_schedule', 'A monthly window is either on a day of the month (`day`) or on the nth weekday (`nth` and `weekday`)', [
      { path: 'schedule', message: 'give either day, or nth and weekday' },
    ]);
  }
  const on = byDay ? { day: s.day! } : { nth: s.nth!, weekday: s.weekday as IsoWeekday };
  return { schedule: { kind: 'monthly', on, ...common }, until: s.until ?? null };
}

/** The stored row as the API's view of it (numbers as numbers, schedule parsed). */
export function windowView(r: WindowRow): WindowView {
  const spec = parseJson<Spec>(r.spec, { schedule: { kind: 'once', start: 0, end: 0 }, activeFrom: null, until: null });
  return {
    id: r.id, client_id: r.client_id, title: r.title, target_type: r.target_type, target_id: r.target_id, schedule: spec.schedule, time_zone: r.time_zone,
    active_from: spec.activeFrom ?? null, until: spec.until ?? null, created_by: r.created_by, created_at: Number(r.created_at), updated_at: Number(r.updated_at),
  };
}

/** The stored row as the pure module's window. */
export function windowModel(r: WindowRow | WindowView): MaintenanceWindow & { clientId: string } {
  const v = 'spec' in r ? windowView(r) : r;
  return {
    id: v.id, clientId: v.client_id, schedule: v.schedule, timeZone: v.time_zone, activeFrom: v.active_from, until: v.until,
    targets: [{ kind: v.target_type as MaintenanceTargetType, id: v.target_id }],
  };
}

function problemsOf(v: WindowView): void {
  const problems = maintenanceProblems(windowModel(v));
  if (problems.length) {
    throw badRequest('invalid_schedule', `Invalid maintenance schedule: ${problems.join('; ')}`, problems.map((message) => ({ path: 'schedule', message })));
  }
}

const TARGET_TABLE = { check: 'checks', asset: 'assets', site: 'sites' } as const;

async function requireTarget(trx: Executor, clientId: string, type: MaintenanceTargetType, id: string): Promise<void> {
  const row = await trx.selectFrom(TARGET_TABLE[type]).select('id').where('id', '=', id).where('client_id', '=', clientId).executeTakeFirst();
  if (!row) throw badRequest('unknown_target', `No such ${type} in this client`);
}

/** What the journal keeps of a window: its whole definition. */
function journalForm(v: WindowView) {
  return { ...v };
}

// ---------------------------------------------------------------- service

/** A window of the client; 404 when it is not one of the client's. */
export async function getWindow(db: Db | Executor, clientId: string, windowId: string): Promise<WindowRow> {
  const k = 'kysely' in db ? db.kysely : db;
  const w = await k.selectFrom('maintenance_windows').selectAll().where('id', '=', windowId).where('client_id', '=', clientId).executeTakeFirst();
  if (!w) throw notFound('maintenance window');
  return w;
}

/** The client's windows, by title; optionally those aimed at one target, or applying to one check (its own, its asset's, its site's). */
export async function listWindows(db: Db, clientId: string, f: { check_id?: string | undefined; target_id?: string | undefined } = {}): Promise<WindowRow[]> {
  let q = db.kysely.selectFrom('maintenance_windows').selectAll().where('client_id', '=', clientId).orderBy('title').orderBy('id');
  if (f.target_id) q = q.where('target_id', '=', f.target_id);
  if (f.check_id) {
    const c = await db.kysely
      .selectFrom('checks as c')
      .leftJoin('assets as a', 'a.id', 'c.asset_id')
      .select(['c.id', 'c.asset_id', 'a.site_id'])
      .where('c.id', '=', f.check_id)
      .where('c.client_id', '=', clientId)
      .executeTakeFirst();
    if (!c) return [];
    q = q.where('target_id', 'in', [c.id, c.asset_id, c.site_id].filter((x): x is string => !!x));
  }
  return q.execute();
}

/** Declares a maintenance window: target of the client (400 unknown_target), valid schedule and zone (400 invalid_schedule). */
export async function createWindow(db: Db, ctx: AuditContext, clientId: string, input: WindowCreate): Promise<WindowRow> {
  const now = Date.now();
  const { schedule, until } = scheduleOf(input.schedule);
  const view: WindowView = {
    id: newId(), client_id: clientId, title: input.title, target_type: input.target_type, target_id: input.target_id, schedule,
    time_zone: input.time_zone, active_from: null, until, created_by: ctx.actorId, created_at: now, updated_at: now,
  };
  problemsOf(view);
  return journaled(db, ctx, async (trx) => {
    await requireTarget(trx, clientId, input.target_type, input.target_id);
    const row = toRow(view);
    await trx.insertInto('maintenance_windows').values(row).execute();
    return { result: row, journal: { clientId, action: 'maintenance.create', objectType: 'maintenance_window', objectId: view.id, after: journalForm(view) } };
  });
}

function toRow(v: WindowView): WindowRow {
  const spec: Spec = { schedule: v.schedule, activeFrom: v.active_from, until: v.until };
  return {
    id: v.id, client_id: v.client_id, target_type: v.target_type, target_id: v.target_id, title: v.title, kind: v.schedule.kind, spec: JSON.stringify(spec),
    time_zone: v.time_zone, created_by: v.created_by, created_at: v.created_at, updated_at: v.updated_at,
  };
}

/** Changes a window; the result must still be valid as a whole. */
export async function updateWindow(db: Db, ctx: AuditContext, clientId: string, windowId: string, patch: WindowPatch): Promise<WindowRow> {
  return journaled(db, ctx, async (trx) => {
    const before = windowView(await getWindow(trx, clientId, windowId));
    const after: WindowView = { ...before, updated_at: Date.now() };
    if (patch.title !== undefined) after.title = patch.title;
    if (patch.target_type !== undefined) after.target_type = patch.target_type;
    if (patch.target_id !== undefined) after.target_id = patch.target_id;
    if (patch.schedule !== undefined) ({ schedule: after.schedule, until: after.until } = scheduleOf(patch.schedule));
    if (patch.time_zone !== undefined) after.time_zone = patch.time_zone;
    problemsOf(after);
    if (patch.target_type !== undefined || patch.target_id !== undefined) await requireTarget(trx, clientId, after.target_type as MaintenanceTargetType, after.target_id);
    const row = toRow(after);
    const { id: _id, client_id: _c, created_at: _ca, created_by: _cb, ...changes } = row;
    await trx.updateTable('maintenance_windows').set(changes).where('id', '=', windowId).where('client_id', '=', clientId).execute();
    return { result: row, journal: { clientId, action: 'maintenance.update', objectType: 'maintenance_window', objectId: windowId, before: journalForm(before), after: journalForm(after) } };
  });
}

/** Deletes a window; checks it covered leave maintenance at the next sweep. */
export async function deleteWindow(db: Db, ctx: AuditContext, clientId: string, windowId: string): Promise<void> {
  await journaled(db, ctx, async (trx) => {
    const before = windowView(await getWindow(trx, clientId, windowId));
    await trx.deleteFrom('maintenance_windows').where('id', '=', windowId).where('client_id', '=', clientId).execute();
    return { result: null, journal: { clientId, action: 'maintenance.delete', objectType: 'maintenance_window', objectId: windowId, before: journalForm(before) } };
  });
}

/** The occurrences of a window meeting [from, to). */
export function windowOccurrences(r: WindowRow, from: number, to: number): Interval[] {
  return occurrences(windowModel(r), from, to);
}

/** Windows as the API shows them, with their targets' names (one query per target kind), whether each is on now, and its next occurrence. */
export async function presentWindows(db: Db, rows: readonly WindowRow[], now = Date.now()) {
  // Keyed by client and id: a name is shown only for a target of the window's own client.
  const names = new Map<string, string>();
  for (const type of MAINTENANCE_TARGETS) {
    const ids = [...new Set(rows.filter((r) => r.target_type === type).map((r) => r.target_id))];
    for (let i = 0; i < ids.length; i += 500) {
      const found = await db.kysely.selectFrom(TARGET_TABLE[type]).select(['id', 'name', 'client_id']).where('id', 'in', ids.slice(i, i + 500)).execute();
      for (const f of found) names.set(`${f.client_id}/${f.id}`, f.name);
    }
  }
  return rows.map((r) => {
    const v = windowView(r);
    const model = windowModel(v);
    const soon = occurrences(model, now, now + 400 * 86_400_000).slice(0, 2);
    const activeNow = soon[0] !== undefined && soon[0].start <= now;
    const next = soon.find((o) => o.start > now) ?? null;
    return presentWindow(v, { targetName: names.get(`${r.client_id}/${r.target_id}`) ?? null, activeNow, next });
  });
}

// ---------------------------------------------------------------- applying windows to checks

interface CandidateRow {
  id: string;
  client_id: string;
  asset_id: string | null;
  site_id: string | null;
}

/**
 * Puts every check covered by a window right now into maintenance and takes out those no longer
 * covered, through the state machine, writing the check's state and its state periods in one
 * transaction (rows locked on PostgreSQL, so concurrent sweeps of several processes change a check
 * once). Returns the transitions (for alerting: causes maintenance_start / maintenance_end).
 */
export async function sweepMaintenance(db: Db, now = Date.now(), graceMs = 60_000): Promise<BatchOutcome['transitions']> {
  const rows = await db.kysely.selectFrom('maintenance_windows').selectAll().execute();
  const from = now - graceMs;
  const relevant = rows.map((r) => windowModel(r)).filter((w) => occurrences(w, from, now + 1).length > 0);
  const byTarget = new Map<string, (MaintenanceWindow & { clientId: string })[]>();
  for (const w of relevant) {
    const id = w.targets![0]!.id;
    const l = byTarget.get(id);
    if (l) l.push(w);
    else byTarget.set(id, [w]);
  }
  const ids = (kind: MaintenanceTargetType) => relevant.filter((w) => w.targets![0]!.kind === kind).map((w) => w.targets![0]!.id);
  const checkIds = ids('check'), assetIds = ids('asset'), siteIds = ids('site');
  const candidates: CandidateRow[] = await db.kysely
    .selectFrom('checks as c')
    .leftJoin('assets as a', 'a.id', 'c.asset_id')
    .select(['c.id', 'c.client_id', 'c.asset_id', 'a.site_id'])
    .where((eb) =>
      eb.or([
        eb('c.state', '=', 'maintenance'),
        ...(checkIds.length ? [eb('c.id', 'in', checkIds)] : []),
        ...(assetIds.length ? [eb('c.asset_id', 'in', assetIds)] : []),
        ...(siteIds.length ? [eb('a.site_id', 'in', siteIds)] : []),
      ]),
    )
    .execute();
  if (candidates.length === 0) return [];

  /** Where maintenance covers this check now: the covering span's (clipped) start, or the last span's end when it just ended, or null. */
  const coverOf = (c: CandidateRow) => {
    const ws = [c.id, c.asset_id, c.site_id].flatMap((id) => (id ? (byTarget.get(id) ?? []) : [])).filter((w) => w.clientId === c.client_id);
    const spans = maintenanceIntervals(ws, from, now + 1);
    const cover = spans.find((s) => s.start <= now && now < s.end);
    const endedAt = spans.filter((s) => s.end <= now).reduce<number | null>((m, s) => (m === null || s.end > m ? s.end : m), null);
    return { cover, endedAt };
  };

  const transitions: BatchOutcome['transitions'] = [];
  const live: LiveState[] = [];
  const byId = new Map(candidates.map((c) => [c.id, c]));
  const list = [...byId.keys()].sort();
  for (let i = 0; i < list.length; i += 500) {
    await db.kysely.transaction().execute(async (trx) => {
      let q = trx
        .selectFrom('checks')
        .select(['id', 'client_id', 'retries', 'recovery_threshold', 'interval_s', 'runtime', 'last_result_at', 'last_status', 'last_latency_ms', 'last_message'])
        .where('id', 'in', list.slice(i, i + 500))
        .orderBy('id');
      if (db.dialect === 'postgres') q = q.forUpdate();
      const fresh = await q.execute();
      const part: BatchOutcome['transitions'] = [];
      for (const c of fresh) {
        const rt = parseJson<Runtime>(c.runtime, { machine: initialCheckState(now) });
        const machine = rt.machine ?? initialCheckState(now);
        const { cover, endedAt } = coverOf(byId.get(c.id)!);
        const config = machineConfigOf(c);
        const s = cover && !machine.inMaintenance ? enterMaintenance(machine, cover.start, config) : !cover && machine.inMaintenance ? leaveMaintenance(machine, endedAt ?? now, config) : null;
        if (!s || s.state === machine) continue;
        await trx
          .updateTable('checks')
          .set({ state: s.state.state, state_since: s.state.since, runtime: JSON.stringify({ ...rt, machine: s.state }) })
          .where('id', '=', c.id)
          .execute();
        const n = (x: number | null) => (x === null ? null : Number(x));
        live.push({
          checkId: c.id, clientId: c.client_id, state: s.state.state, since: s.state.since, lastResultAt: n(c.last_result_at),
          lastStatus: c.last_status as LiveState['lastStatus'], lastLatencyMs: n(c.last_latency_ms), lastMessage: c.last_message,
        });
        if (s.transition) part.push({ ...s.transition, checkId: c.id, clientId: c.client_id });
      }
      await recordTransitions(trx, part);
      transitions.push(...part);
    });
  }
  if (live.length) busFor(db).emit('live', live);
  return transitions;
}
