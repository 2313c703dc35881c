/**
 * The SLA clocks of tickets as stored: one `sla_clocks` row per ticket and clock (gti, gtr) and the
 * clock's events in `sla_events` (start, pause, resume, met, breached, priority_change, escalation,
 * reopen). The events are the truth, stored once and never recomputed in the past; the row (state,
 * due_at, warn_at, paused_since, stopped_at, breached_at, next_check_at) and the ticket's copies
 * (gti_/gtr_ due_at, state, warn_at) are derived from them by `evaluateClock` after every change.
 *
 * A clock's spec is a snapshot: { target: {value, unit, window, window_name}, calendar } taken from
 * the contract when the clock starts or is re-targeted; a contract edited later never moves it.
 */
import { newId } from '../../core/ids.ts';
import { parseJson } from '../../core/json.ts';
import type { SlaEventTable } from '../../db/schema.ts';
import type { Executor } from '../../db/tx.ts';
import type { Contract } from '../contracts/service.ts';
import { calendarSpecOf } from '../contracts/service.ts';
import type { CalendarSpec } from '../contracts/schema.ts';
import type { ClockJson, ClockState, SlaEventJson } from './schema.ts';
import { evaluateClock, type ClockEvent, type ClockSpec, type ClockStatus } from './sla-clock.ts';

export const CLOCKS = ['gti', 'gtr'] as const;
export type ClockName = (typeof CLOCKS)[number];

/** Latest instant a bigint column holds here (a calendar that never opens again gives Infinity). */
export const NEVER = 8_640_000_000_000_000;
const finite = (t: number | null | undefined): number | null => (t === null || t === undefined || Number.isNaN(t) ? null : Number.isFinite(t) ? Math.min(t, NEVER) : NEVER);

/** What a clock runs on: the target (with the window it counts on) and the window's calendar. */
export interface StoredSpec {
  target: { value: number; unit: 'minutes' | 'hours' | 'business_days'; window: string; window_name: string };
  calendar: CalendarSpec;
}

/** The contract's target for this priority and clock, as a spec snapshot; null when the contract sets none. */
export function specFor(contract: Contract | null, priority: number, clock: ClockName): { spec: StoredSpec; clockStart: 'declaration' | 'qualification' } | null {
  if (!contract) return null;
  const t = contract.targets.find((x) => x.priority === priority);
  const d = t?.[clock];
  if (!t || !d) return null;
  const w = contract.windows.find((x) => x.id === d.window);
  if (!w) return null;
  return { spec: { target: { value: d.value, unit: d.unit, window: w.id, window_name: w.name }, calendar: calendarSpecOf(w) }, clockStart: t.clock_start };
}

/** When the contract's clocks for this priority start: at declaration or at qualification; null without a target. */
export function clockStartOf(contract: Contract | null, priority: number): 'declaration' | 'qualification' | null {
  const t = contract?.targets.find((x) => x.priority === priority);
  return t && (t.gti || t.gtr) ? t.clock_start : null;
}

const toClockSpec = (s: StoredSpec): ClockSpec => ({ target: { value: s.target.value, unit: s.target.unit }, calendar: s.calendar as ClockSpec['calendar'] });

// The same few specs come back on thousands of clocks: parse each text once, so the compiled
// calendar is found by object (core/calendar.ts memoises by object, then by a canonical key).
const parsedData = new Map<string, { spec?: StoredSpec | null }>();
function eventData(text: string): { spec?: StoredSpec | null } {
  let d = parsedData.get(text);
  if (!d) {
    d = parseJson<{ spec?: StoredSpec | null }>(text, {});
    if (parsedData.size >= 500) parsedData.clear();
    if (text.length < 4000) parsedData.set(text, d);
  }
  return d;
}
const clockSpecs = new WeakMap<StoredSpec, ClockSpec>();
function clockSpecOf(s: StoredSpec): ClockSpec {
  let c = clockSpecs.get(s);
  if (!c) clockSpecs.set(s, (c = toClockSpec(s)));
  return c;
}

/** The stored events of a clock as the pure evaluator reads them, with the spec the clock started with. */
export function clockInput(rows: readonly Pick<SlaEventTable, 'kind' | 'at' | 'data'>[]): { spec: StoredSpec; events: ClockEvent[] } | null {
  let spec: StoredSpec | null = null;
  const events: ClockEvent[] = [];
  for (const r of rows) {
    const at = Number(r.at);
    switch (r.kind) {
      case 'start': {
        const d = eventData(r.data);
        if (!spec && d.spec) spec = d.spec;
        events.push({ kind: 'start', at });
        break;
      }
      case 'pause':
      case 'resume':
      case 'reopen':
        events.push({ kind: r.kind, at });
        break;
      case 'met':
        events.push({ kind: 'stop', at });
        break;
      case 'breached':
        events.push({ kind: 'breach', at });
        break;
      case 'priority_change': {
        const d = eventData(r.data);
        if (d.spec) events.push({ kind: 'retarget', at, spec: clockSpecOf(d.spec) });
        break;
      }
      default:
        break; // escalation: a record, not a clock move
    }
  }
  return spec ? { spec, events } : null;
}

/** Evaluates stored events at `now`. */
export function evaluateStored(rows: readonly Pick<SlaEventTable, 'kind' | 'at' | 'data'>[], now: number): ClockStatus | null {
  const input = clockInput(rows);
  return input ? evaluateClock(clockSpecOf(input.spec), input.events, now) : null;
}

/** The events of a ticket's clock (or both), in order. */
export async function clockEvents(ex: Executor, ticketId: string, clock?: ClockName) {
  let q = ex.selectFrom('sla_events').select(['id', 'clock', 'kind', 'at', 'data']).where('ticket_id', '=', ticketId);
  if (clock) q = q.where('clock', '=', clock);
  return q.orderBy('at').orderBy('id').execute();
}

/** Stores one clock event. */
export async function recordClockEvent(ex: Executor, clientId: string, ticketId: string, clock: ClockName, kind: SlaEventJson['kind'], at: number, data: Record<string, unknown> = {}) {
  await ex.insertInto('sla_events').values({ id: newId(), client_id: clientId, ticket_id: ticketId, clock, kind, at, data: JSON.stringify(data) }).execute();
}

/**
 * The next instant the SLA pass must look at a clock (escalation 75, then due: breach and escalation
 * 100); NEVER for a running clock with nothing left to do; null for a paused or stopped clock (a
 * running clock with null was never scheduled: inserted by hand, the pass adopts it).
 */
export function nextCheckAt(st: ClockStatus, escalated: readonly number[], breachRecorded: boolean): number | null {
  if (st.stopped || st.state === 'paused' || st.state === 'met') return null;
  if (!escalated.includes(75)) return finite(st.warn_at) ?? NEVER;
  if (!escalated.includes(100) || !breachRecorded) return finite(st.due_at) ?? NEVER;
  return NEVER;
}

/** A clock's row and the ticket's copies, derived from its events (pure). */
export function deriveClock(rows: readonly Pick<SlaEventTable, 'kind' | 'at' | 'data'>[], escalated: readonly number[], now: number) {
  const input = clockInput(rows);
  if (!input) return null;
  const st = evaluateClock(clockSpecOf(input.spec), input.events, now);
  let lastSpec = input.spec;
  for (const r of rows) if (r.kind === 'priority_change') lastSpec = eventData(r.data).spec ?? lastSpec;
  let lastMet: number | null = null;
  for (const r of rows) if (r.kind === 'met') lastMet = Number(r.at);
  const stoppedAt = st.stopped ? (st.met_at ?? lastMet) : null;
  const breachRecorded = rows.some((r) => r.kind === 'breached');
  const state = st.state as ClockState;
  const row = {
    spec: JSON.stringify(lastSpec),
    state,
    started_at: Number(st.started_at),
    due_at: finite(st.due_at) ?? NEVER,
    warn_at: finite(st.warn_at) ?? NEVER,
    paused_since: st.paused_since ?? null,
    stopped_at: stoppedAt === null ? null : Number(stoppedAt),
    breached_at: finite(st.breached_at),
    next_check_at: nextCheckAt(st, escalated, breachRecorded),
    updated_at: now,
  };
  // A paused clock has no due time (unknown until it resumes): the ticket's copy says null.
  const due = Number.isFinite(st.due_at) ? row.due_at : null;
  const warn = Number.isFinite(st.warn_at) ? row.warn_at : null;
  return { status: st, breachRecorded, row, copy: { due_at: due, state, warn_at: warn } };
}

/** Writes a derived clock: its row, and its copies on the ticket. */
export async function writeClock(ex: Executor, ticketId: string, clock: ClockName, d: NonNullable<ReturnType<typeof deriveClock>>, extra: { escalated?: string } = {}) {
  await ex.updateTable('sla_clocks').set({ ...d.row, ...extra }).where('ticket_id', '=', ticketId).where('clock', '=', clock).execute();
  await ex
    .updateTable('tickets')
    .set(clock === 'gti' ? { gti_due_at: d.copy.due_at, gti_state: d.copy.state, gti_warn_at: d.copy.warn_at } : { gtr_due_at: d.copy.due_at, gtr_state: d.copy.state, gtr_warn_at: d.copy.warn_at })
    .where('id', '=', ticketId)
    .execute();
}

/**
 * Re-derives a clock's row and the ticket's copies from its stored events at `now`. Call after
 * every event stored; a clock without a start event is left alone.
 */
export async function refreshClock(ex: Executor, ticketId: string, clock: ClockName, now: number): Promise<ClockStatus | null> {
  const rows = await clockEvents(ex, ticketId, clock);
  const row = await ex.selectFrom('sla_clocks').select(['escalated']).where('ticket_id', '=', ticketId).where('clock', '=', clock).executeTakeFirst();
  const d = deriveClock(rows, parseJson<number[]>(row?.escalated, []), now);
  if (!d) return null;
  await writeClock(ex, ticketId, clock, d);
  return d.status;
}

/** Starts a clock: its row and its `start` event (with the spec snapshot), then derives the row. */
export async function startClock(ex: Executor, clientId: string, ticketId: string, clock: ClockName, spec: StoredSpec, at: number, now: number, data: Record<string, unknown> = {}) {
  await ex
    .insertInto('sla_clocks')
    .values({
      ticket_id: ticketId, clock, client_id: clientId, spec: JSON.stringify(spec), state: 'running', started_at: at, due_at: at, warn_at: at, paused_since: null, paused_ms: 0,
      stopped_at: null, breached_at: null, escalated: '[]', updated_at: now, next_check_at: null,
    })
    .execute();
  await recordClockEvent(ex, clientId, ticketId, clock, 'start', at, { ...data, spec });
  return refreshClock(ex, ticketId, clock, now);
}

/** The clocks a ticket has (rows), by name. */
export async function clockRows(ex: Executor, ticketId: string) {
  const rows = await ex.selectFrom('sla_clocks').selectAll().where('ticket_id', '=', ticketId).execute();
  return new Map(rows.map((r) => [r.clock as ClockName, r]));
}

/**
 * Moves a clock if it is in a state where the move means something (pause a running one, resume a
 * paused one, stop one not yet stopped, reopen a stopped one); stores the event and re-derives.
 * Returns true when something was recorded.
 */
export async function moveClock(ex: Executor, clientId: string, ticketId: string, clock: ClockName, move: 'pause' | 'resume' | 'met' | 'reopen', at: number, data: Record<string, unknown> = {}): Promise<boolean> {
  const rows = await clockEvents(ex, ticketId, clock);
  const input = clockInput(rows);
  if (!input) return false;
  const st = evaluateClock(clockSpecOf(input.spec), input.events, at);
  const paused = st.paused_since !== null && st.paused_since !== undefined;
  const ok =
    move === 'pause' ? !st.stopped && !paused : move === 'resume' ? !st.stopped && paused : move === 'met' ? !st.stopped : st.stopped;
  if (!ok) return false;
  await recordClockEvent(ex, clientId, ticketId, clock, move, at, data);
  await refreshClock(ex, ticketId, clock, at);
  return true;
}

/** Re-targets a started clock on a new spec (a priority change); the event says from/to and why. A breach already recorded stays. */
export async function retargetClock(ex: Executor, clientId: string, ticketId: string, clock: ClockName, spec: StoredSpec | null, at: number, data: Record<string, unknown>) {
  await recordClockEvent(ex, clientId, ticketId, clock, 'priority_change', at, { ...data, spec });
  await refreshClock(ex, ticketId, clock, at);
}

/** A clock as the ticket shows it, computed at `now` from its stored events. */
export function presentClock(clock: ClockName, rows: readonly Pick<SlaEventTable, 'kind' | 'at' | 'data'>[], now: number): ClockJson | null {
  const input = clockInput(rows);
  if (!input) return null;
  const st = evaluateClock(clockSpecOf(input.spec), input.events, now);
  let spec = input.spec;
  for (const r of rows) if (r.kind === 'priority_change') spec = eventData(r.data).spec ?? spec;
  return {
    clock,
    state: st.state as ClockState,
    target: spec.target,
    started_at: Number(st.started_at),
    due_at: finite(st.due_at) ?? NEVER,
    warn_at: finite(st.warn_at) ?? NEVER,
    remaining_ms: Number.isFinite(st.remaining_ms) ? st.remaining_ms : NEVER,
    progress: Number.isFinite(st.progress) ? st.progress : 0,
    paused_since: st.paused_since ?? null,
    met_at: st.met_at ?? null,
    breached_at: finite(st.breached_at),
    now,
  };
}

/** Both clocks of a ticket, live at `now`. */
export async function liveClocks(ex: Executor, ticketId: string, now: number): Promise<ClockJson[]> {
  const rows = await clockEvents(ex, ticketId);
  const out: ClockJson[] = [];
  for (const c of CLOCKS) {
    const j = presentClock(c, rows.filter((r) => r.clock === c), now);
    if (j) out.push(j);
  }
  return out;
}
