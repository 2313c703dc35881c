import { isIP } from 'node:net';
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import type { Probe, ProbeContext, ProbeResult, ProbeStatus } from './types.ts';

/** Monotonic milliseconds, for latencies. */
export const monotonic = (): number => performance.now();

/** A host name or an IP address; never starts with `-` (it may end up on a command line). */
export const Host = z
  .string()
  .trim()
  .min(1)
  .max(253)
  .refine((h) => isIP(h) !== 0 || /^(?!-)[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_.])?$/.test(h), 'a host name or an IP address');

/** A TCP or UDP port. */
export const Port = z.number().int().min(1).max(65535);

/** Latency thresholds, in ms: above `warn` the result is degraded, above `crit` down. */
export function latencyThresholds(warnDefault: number) {
  return {
    /** Above this latency (ms) the result is `degraded`. */
    latencyWarnMs: z.number().int().positive().max(600_000).default(warnDefault),
    /** Above this latency (ms) the result is `down`; absent: only the timeout makes a slow answer down. */
    latencyCritMs: z.number().int().positive().max(600_000).optional(),
  };
}

/** Comparison operators between a measured value and a threshold. */
export const COMPARISON_OPS = ['==', '!=', '<', '>', '<=', '>='] as const;
export type ComparisonOp = (typeof COMPARISON_OPS)[number];

/** "The value is `op` `value`": a condition, e.g. `{ op: '<', value: 10 }`. */
export const Comparison = z.object({
  /** The operator; `<`, `>`, `<=`, `>=` compare as numbers. */
  op: z.enum(COMPARISON_OPS),
  /** What the measured value is compared with: a number, or a string (== and != compare text). */
  value: z.union([z.number(), z.string().max(1000)]),
});
export type Comparison = z.infer<typeof Comparison>;

/** Numeric-only comparison (Prometheus samples, percentages). */
export const NumericComparison = z.object({
  /** The operator. */
  op: z.enum(COMPARISON_OPS),
  /** The threshold. */
  value: z.number(),
});

/** Does `actual` satisfy `op value`? Numbers compare as numbers, anything else as text; a non-numeric value never satisfies <, >, <=, >=. */
export function compare(actual: number | string | boolean | null | undefined, op: ComparisonOp, expected: number | string): boolean {
  if (op === '==' || op === '!=') {
    let equal: boolean;
    if (typeof expected === 'number') {
      const n = typeof actual === 'number' ? actual : typeof actual === 'string' && actual.trim() !== '' ? Number(actual) : NaN;
      equal = Number.isNaN(n) ? String(actual) === String(expected) : n === expected;
    } else {
      equal = String(actual) === expected;
    }
    return op === '==' ? equal : !equal;
  }
  const a = typeof actual === 'number' ? actual : typeof actual === 'string' && actual.trim() !== '' ? Number(actual) : NaN;
  const b = typeof expected === 'number' ? expected : expected.trim() !== '' ? Number(expected) : NaN;
  if (Number.isNaN(a) || Number.isNaN(b)) return false;
  switch (op) {
    case '<': return a < b;
    case '>': return a > b;
    case '<=': return a <= b;
    default: return a >= b;
  }
}

const RANK: Record<ProbeStatus, number> = { up: 0, degraded: 1, down: 2 };
/** The worse of two statuses. */
export function worst(a: ProbeStatus, b: ProbeStatus): ProbeStatus {
  return RANK[b] > RANK[a] ? b : a;
}

/** The status a latency earns against its thresholds. */
export function latencyStatus(ms: number, s: { latencyWarnMs: number; latencyCritMs?: number | undefined }): ProbeStatus {
  if (s.latencyCritMs !== undefined && ms > s.latencyCritMs) return 'down';
  if (ms > s.latencyWarnMs) return 'degraded';
  return 'up';
}

/** "… (slow: 1234 ms > 1000 ms)" when the latency is what made the result worse. */
export function latencyNote(ms: number, s: { latencyWarnMs: number; latencyCritMs?: number | undefined }): string {
  if (s.latencyCritMs !== undefined && ms > s.latencyCritMs) return `too slow: ${fmtMs(ms)} > ${s.latencyCritMs} ms`;
  if (ms > s.latencyWarnMs) return `slow: ${fmtMs(ms)} > ${s.latencyWarnMs} ms`;
  return '';
}

/** Rounds to `digits` decimals. */
export function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** "12.3 ms". */
export function fmtMs(ms: number): string {
  return `${ms < 10 ? round(ms, 2) : ms < 100 ? round(ms, 1) : Math.round(ms)} ms`;
}

const CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by peer',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'timed out',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'temporary DNS failure',
  EPIPE: 'connection closed by peer',
  EADDRNOTAVAIL: 'address not available',
  CERT_HAS_EXPIRED: 'certificate has expired',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'self-signed certificate in chain',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'unable to verify the certificate chain',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'certificate issuer unknown',
  ERR_TLS_CERT_ALTNAME_INVALID: 'certificate does not match the host name',
  ERR_SSL_WRONG_VERSION_NUMBER: 'not a TLS server (wrong version number)',
};

/** A short, human message for an error thrown by node:net, tls, http, dns or a library. */
export function errorText(e: unknown): string {
  if (e && typeof e === 'object') {
    const err = e as { code?: unknown; message?: unknown };
    const code = typeof err.code === 'string' ? err.code : undefined;
    if (code && CODES[code]) {
      const msg = typeof err.message === 'string' ? err.message : '';
      // Keep the address the system names ("connect ECONNREFUSED 127.0.0.1:80").
      const addr = /\s(\[?[0-9a-fA-F:.]+\]?:\d+)\s*$/.exec(msg)?.[1];
      return addr ? `${CODES[code]} (${addr})` : CODES[code];
    }
    if (typeof err.message === 'string' && err.message) return code ? `${err.message} (${code})` : err.message;
  }
  return String(e);
}

/** A `down` result. */
export function down(message: string, latencyMs: number | null = null, metrics?: Record<string, number>): ProbeResult {
  return metrics ? { status: 'down', latencyMs, message, metrics } : { status: 'down', latencyMs, message };
}

export class DeadlineError extends Error {
  constructor(readonly reason: 'timeout' | 'aborted', timeoutMs: number) {
    super(reason === 'timeout' ? `timed out after ${timeoutMs} ms` : 'aborted');
  }
}

/**
 * Calls `onExpire` once when the run's deadline passes or its signal aborts; returns the disposer
 * that must be called when the run ends. One timer per run, no AbortSignal allocated.
 */
export function onDeadline(ctx: ProbeContext, onExpire: (e: DeadlineError) => void): () => void {
  let done = false;
  const fire = (reason: 'timeout' | 'aborted') => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    ctx.signal?.removeEventListener('abort', onAbort);
    onExpire(new DeadlineError(reason, ctx.timeoutMs));
  };
  const onAbort = () => fire('aborted');
  const timer = setTimeout(fire, Math.max(1, ctx.timeoutMs), 'timeout');
  if (ctx.signal) {
    if (ctx.signal.aborted) queueMicrotask(onAbort);
    else ctx.signal.addEventListener('abort', onAbort, { once: true });
  }
  return () => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    ctx.signal?.removeEventListener('abort', onAbort);
  };
}

/** Races a promise against the run's deadline; the loser's resources are the caller's to free. */
export function withDeadline<T>(ctx: ProbeContext, work: Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const dispose = onDeadline(ctx, reject);
    work.then(
      (v) => { dispose(); resolve(v); },
      (e) => { dispose(); reject(e); },
    );
  });
}

/** How much later than `timeoutMs` the guard gives up on a probe that forgot its own deadline. */
const GUARD_GRACE_MS = 1000;

/**
 * Wraps a probe so that its promise always resolves, even if it throws or never settles: a thrown
 * error becomes `down` ("probe error: …"), a run stuck past its timeout becomes `down` too.
 */
export function guarded<S>(probe: Probe<S>): Probe<S> {
  return {
    type: probe.type,
    settings: probe.settings,
    run(settings: S, ctx: ProbeContext): Promise<ProbeResult> {
      return new Promise<ProbeResult>((resolve) => {
        let settled = false;
        const finish = (r: ProbeResult) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve(r);
        };
        const timer = setTimeout(() => finish(down(`timed out after ${ctx.timeoutMs} ms`)), ctx.timeoutMs + GUARD_GRACE_MS);
        try {
          probe.run(settings, ctx).then(finish, (e: unknown) => finish(down(`probe error: ${errorText(e)}`)));
        } catch (e) {
          finish(down(`probe error: ${errorText(e)}`));
        }
      });
    },
  };
}
