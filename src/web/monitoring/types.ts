/** The monitoring API's shapes, as the web app reads them. */

export const CHECK_TYPES = ['icmp', 'tcp', 'http', 'tls', 'dns', 'snmp', 'prometheus', 'heartbeat'] as const;
export type CheckType = (typeof CHECK_TYPES)[number];

export const STATES = ['up', 'degraded', 'down', 'unknown', 'maintenance'] as const;
export type CheckState = (typeof STATES)[number];
export type EffectiveState = CheckState | 'unreachable';
export const EFFECTIVE_STATES = ['down', 'unreachable', 'degraded', 'unknown', 'maintenance', 'up'] as const;

/** Worst first: the order problems are listed in. */
export const SEVERITY: Record<EffectiveState, number> = { down: 0, unreachable: 1, degraded: 2, unknown: 3, maintenance: 4, up: 5 };

export interface Check {
  id: string;
  client_id: string;
  asset_id: string | null;
  asset_name?: string | null;
  collector_id: string | null;
  parent_check_id: string | null;
  name: string;
  type: CheckType;
  settings: Record<string, unknown>;
  interval_s: number;
  timeout_ms: number;
  retries: number;
  recovery_threshold: number;
  enabled: boolean;
  state: CheckState;
  state_since: number;
  last_result_at: number | null;
  last_status: 'up' | 'degraded' | 'down' | null;
  last_latency_ms: number | null;
  last_message: string | null;
  created_at?: number;
  updated_at?: number;
  /** Only in the answer to creating a heartbeat check: the push URL, shown once. */
  heartbeat_url?: string;
}

export interface CheckInput {
  name: string;
  type?: CheckType;
  asset_id: string | null;
  collector_id: string | null;
  parent_check_id: string | null;
  settings: Record<string, unknown>;
  interval_s: number;
  timeout_ms: number;
  retries: number;
  recovery_threshold: number;
  enabled: boolean;
}

export interface BoardItem {
  check_id: string;
  name: string;
  type: CheckType;
  asset_id: string | null;
  asset_name: string | null;
  site_id: string | null;
  state: CheckState;
  effective_state: EffectiveState;
  since: number;
  last_result_at: number | null;
  last_latency_ms: number | null;
  last_message: string | null;
  enabled?: boolean;
  last_status?: string | null;
  /** Unreachable: the down checks it sits behind. */
  root_causes?: string[];
}

export type BoardCounts = Record<EffectiveState, number>;

export interface Board {
  items: BoardItem[];
  counts: BoardCounts;
}

/** One `event: state` entry of /monitoring/events. */
export interface LiveState {
  checkId: string;
  clientId: string;
  state: CheckState;
  since: number;
  lastResultAt: number | null;
  lastStatus: 'up' | 'degraded' | 'down' | null;
  lastLatencyMs: number | null;
  lastMessage: string | null;
  effectiveState?: EffectiveState;
}

// The server's own types (type-only import: nothing of the server reaches the bundle).
import type { RawPoint, RollupPoint, SeriesResolution } from '../../modules/monitoring/rollup-job.ts';
export type { RawPoint, RollupPoint };
export type Resolution = SeriesResolution;

export type Results = { resolution: 'raw'; points: RawPoint[] } | { resolution: 'minute' | 'hour' | 'day'; points: RollupPoint[] };

export interface Period {
  state: CheckState;
  from: number;
  /** null: still going on */
  to: number | null;
  cause: string;
}

export interface Availability {
  availability: number | null;
  up_ms: number;
  degraded_ms: number;
  down_ms: number;
  unknown_ms: number;
  maintenance_ms: number;
}

export type TargetType = 'check' | 'asset' | 'site';

export type Schedule =
  | { kind: 'once'; start: number; end: number }
  | { kind: 'weekly'; days: number[]; start: string; duration_minutes: number; until?: number | null }
  | { kind: 'monthly'; day?: number | null; nth?: number | null; weekday?: number | null; start: string; duration_minutes: number; until?: number | null };

export interface MaintenanceWindow {
  id: string;
  client_id: string;
  title: string;
  target_type: TargetType;
  target_id: string;
  target_name?: string | null;
  time_zone: string;
  schedule: Schedule;
  created_at?: number;
  updated_at?: number;
  active_now?: boolean;
  next_occurrence?: Occurrence | null;
}

export interface Occurrence {
  start: number;
  end: number;
}

export interface Collector {
  id: string;
  name: string;
  site_id: string | null;
  site_name?: string | null;
  last_contact_at: number | null;
  version: string | null;
  revoked_at: number | null;
  status?: 'active' | 'revoked';
  backlog?: number | null;
  checks?: number;
  created_at?: number;
  /** Only in the answer to creating one. */
  token?: string;
}

export interface AlertRuleSettings {
  states: ('down' | 'degraded')[];
  min_criticality?: number | null;
  repeat_minutes?: number | null;
  send_recovery: boolean;
  locale?: 'fr' | 'en';
}

export interface AlertRule {
  id: string;
  name: string;
  channel: 'email' | 'webhook';
  target: string;
  settings: AlertRuleSettings;
  enabled: boolean;
  has_secret?: boolean;
  created_at?: number;
  /** Only in the answer to creating a webhook rule (or rotating its secret). */
  secret?: string;
}

export interface Delivery {
  rule_id: string;
  rule_name?: string | null;
  channel?: string | null;
  next_attempt_at?: number | null;
  status: string;
  attempts: number;
  last_error: string | null;
  sent_at: number | null;
}

export interface Alert {
  id: string;
  /** 'collector': a collector gone silent; check_id is then the collector's id. */
  subject?: 'check' | 'collector';
  check_id: string;
  check_name: string;
  root_check_id: string | null;
  kind: 'problem' | 'repeat' | 'recovery' | 'flapping';
  state: EffectiveState;
  at: number;
  since?: number | null;
  message: string;
  children: { check_id: string; name: string }[];
  deliveries: Delivery[];
}
