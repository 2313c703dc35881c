import type { z } from 'zod';

/** Every kind of check that a probe runs (the push/heartbeat check is server-side: no probe). */
export const CHECK_TYPES = ['icmp', 'tcp', 'http', 'tls', 'dns', 'snmp', 'prometheus'] as const;
export type CheckType = (typeof CHECK_TYPES)[number];

/** What one run of a probe says about its target. */
export type ProbeStatus = 'up' | 'degraded' | 'down';

export interface ProbeResult {
  status: ProbeStatus;
  /** The figure the latency thresholds apply to (connect, transaction, round-trip…), in ms; null when nothing answered. */
  latencyMs: number | null;
  /** One line a person can act on: what was measured, or why it failed. */
  message: string;
  /** Numbers worth charting or thresholding (`days_left`, `loss_percent`, `in_bps`…). */
  metrics?: Record<string, number>;
  /**
   * Stateful probes only (snmp `interface` mode: counters for traffic rates). Keep it with the check
   * and give it back as `ctx.state` on the next run; it is plain JSON (no bigint, no Buffer), small,
   * and versioned by the probe, which ignores a state it does not recognise (a rate is then simply
   * missing once). Absent: keep nothing.
   */
  state?: unknown;
}

export interface ProbeContext {
  /** The whole run, connection and retries included, ends by then: past it the result is `down`. */
  timeoutMs: number;
  /** Aborting ends the run early; the result is then `down` ("aborted"). */
  signal?: AbortSignal;
  /**
   * Wall clock, epoch ms (default `Date.now`): certificate expiry and the time of a counter sample.
   * Latencies are measured on the monotonic clock (`performance.now`), not with this.
   */
  now?: () => number;
  /** The `state` the previous run of this check returned, for stateful probes; ignored by the others. */
  state?: unknown;
}

/**
 * A check type's probe. `run` takes settings already parsed by `settings` (defaults filled in) and
 * NEVER throws nor rejects: every failure is a `down` result with a clear message.
 */
export interface Probe<S> {
  readonly type: CheckType;
  readonly settings: z.ZodType<S>;
  run(settings: S, ctx: ProbeContext): Promise<ProbeResult>;
}
