/**
 * What leaves the server about supervision: whitelisted fields, snake_case, numbers as numbers.
 * (A check itself is presented by `presentCheck` of service.ts: its token hash and lease never leave.)
 */
import type { LiveState } from './bus.ts';
import type { EffectiveStatus } from './dependencies.ts';
import type { Interval, MaintenanceSchedule } from './maintenance.ts';
import type { Availability } from './periods.ts';
import { presentCheck, type CheckRow } from './service.ts';

/** A check as the API shows it: its definition and state, and the name of its asset. */
export function presentCheckView(c: CheckRow, assetName: string | null) {
  return { ...presentCheck(c), asset_name: assetName };
}
export type CheckJson = ReturnType<typeof presentCheckView>;

/** Time per state over a window and the availability (null when no time was counted). */
export function presentAvailability(a: Availability) {
  return { availability: a.availability, up_ms: a.upMs, degraded_ms: a.degradedMs, down_ms: a.downMs, unknown_ms: a.unknownMs, maintenance_ms: a.maintenanceMs };
}

/** A maintenance schedule in the API's words (the shape POST and PATCH take), a recurring one with its end. */
export function presentSchedule(s: MaintenanceSchedule, until: number | null) {
  if (s.kind === 'once') return { kind: s.kind, start: s.start, end: s.end };
  const common = { start: s.startTime, duration_minutes: Math.round(s.durationMs / 60_000), until };
  if (s.kind === 'weekly') return { kind: s.kind, days: [...s.days], ...common };
  return { kind: s.kind, ...('day' in s.on ? { day: s.on.day, nth: null, weekday: null } : { day: null, nth: s.on.nth, weekday: s.on.weekday }), ...common };
}

export interface WindowView {
  id: string;
  client_id: string;
  title: string;
  target_type: string;
  target_id: string;
  schedule: MaintenanceSchedule;
  time_zone: string;
  active_from: number | null;
  until: number | null;
  created_by: string | null;
  created_at: number;
  updated_at: number;
}

/** A maintenance window, with its target's name (null once the target is gone), whether it is on now, and its next occurrence. */
export function presentWindow(w: WindowView, extra: { targetName: string | null; activeNow: boolean; next: Interval | null }) {
  return {
    id: w.id, client_id: w.client_id, title: w.title, target_type: w.target_type, target_id: w.target_id, target_name: extra.targetName,
    schedule: presentSchedule(w.schedule, w.until), time_zone: w.time_zone, created_by: w.created_by,
    created_at: w.created_at, updated_at: w.updated_at, active_now: extra.activeNow, next_occurrence: extra.next && { start: extra.next.start, end: extra.next.end },
  };
}
export type WindowJson = ReturnType<typeof presentWindow>;

/**
 * One line of the live board (built in board.ts straight from the query's row arrays, for speed:
 * these are its only fields). `root_causes`: the down checks that make it unreachable.
 */
export interface BoardItemJson {
  check_id: string;
  name: string;
  type: string;
  asset_id: string | null;
  asset_name: string | null;
  site_id: string | null;
  state: string;
  effective_state: EffectiveStatus;
  root_causes: readonly string[];
  since: number;
  last_result_at: number | null;
  last_latency_ms: number | null;
  last_message: string | null;
}

/** A check's live change as the event stream sends it: bus.ts's LiveState, field by field (the web board reads these names). */
export function presentLive(s: LiveState): LiveState {
  return {
    checkId: s.checkId, clientId: s.clientId, state: s.state, since: s.since, lastResultAt: s.lastResultAt, lastStatus: s.lastStatus,
    lastLatencyMs: s.lastLatencyMs, lastMessage: s.lastMessage,
  };
}
export type LiveJson = ReturnType<typeof presentLive>;
