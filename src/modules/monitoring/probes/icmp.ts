import { spawn } from 'node:child_process';
import { z } from 'zod';
import type { Probe, ProbeContext, ProbeResult, ProbeStatus } from './types.ts';
import { tcpConnect } from './tcp.ts';
import { Host, Port, down, fmtMs, latencyNote, latencyStatus, latencyThresholds, onDeadline, round, worst } from './util.ts';

export const IcmpSettings = z
  .object({
    /** Host name or IP address to ping. */
    host: Host,
    /** Echo requests sent per run. */
    count: z.number().int().min(1).max(20).default(3),
    /** Pause between echo requests, ms (200 is the least iputils allows an unprivileged user). */
    intervalMs: z.number().int().min(200).max(5000).default(200),
    /** Packet loss (%) at or above which the result is `degraded`. */
    lossWarnPercent: z.number().min(0).max(100).default(20),
    /** Packet loss (%) at or above which the result is `down` (100: only when nothing answers). */
    lossCritPercent: z.number().min(0).max(100).default(100),
    // Average round-trip time thresholds (ms).
    ...latencyThresholds(200),
    /**
     * When this worker cannot ping (no `ping` binary, ICMP not permitted), connect to this TCP port
     * instead and say so in the message; absent: such a run is down.
     */
    fallbackPort: Port.optional(),
  })
  .refine((s) => s.lossWarnPercent <= s.lossCritPercent, { message: 'lossWarnPercent must not exceed lossCritPercent', path: ['lossWarnPercent'] });
export type IcmpSettings = z.infer<typeof IcmpSettings>;

/** The figures of one `ping` summary. */
export interface PingSummary {
  transmitted: number;
  received: number;
  lossPercent: number;
  rttMin: number | null;
  rttAvg: number | null;
  rttMax: number | null;
}

/** Parses the summary lines of iputils' `ping -q` (also the BusyBox wording); null when absent. */
export function parsePingOutput(out: string): PingSummary | null {
  const counts = /(\d+) packets transmitted, (\d+) (?:packets )?received/.exec(out);
  if (!counts) return null;
  const transmitted = Number(counts[1]);
  const received = Number(counts[2]);
  const lossM = /([\d.]+)% packet loss/.exec(out);
  const lossPercent = lossM ? Number(lossM[1]) : transmitted > 0 ? ((transmitted - received) / transmitted) * 100 : 100;
  const rtt = /(?:rtt|round-trip) min\/avg\/max(?:\/(?:mdev|stddev))? = ([\d.]+)\/([\d.]+)\/([\d.]+)/.exec(out);
  return {
    transmitted,
    received,
    lossPercent,
    rttMin: rtt ? Number(rtt[1]) : null,
    rttAvg: rtt ? Number(rtt[2]) : null,
    rttMax: rtt ? Number(rtt[3]) : null,
  };
}

type PingRun =
  | { kind: 'summary'; summary: PingSummary }
  | { kind: 'unavailable'; reason: string }
  | { kind: 'error'; reason: string };

const NOT_PERMITTED = /operation not permitted|permission denied|lacking privilege|socket: /i;

function runPing(pingPath: string, s: IcmpSettings, ctx: ProbeContext): Promise<PingRun> {
  return new Promise<PingRun>((resolve) => {
    // -w: ping stops by itself a little before our deadline, so a silent host still yields a summary.
    const deadlineS = Math.max(1, Math.floor((ctx.timeoutMs - 250) / 1000));
    const args = ['-n', '-q', '-c', String(s.count), '-i', String(s.intervalMs / 1000), '-w', String(deadlineS), '--', s.host];
    let out = '';
    let settled = false;
    const finish = (r: PingRun) => {
      if (settled) return;
      settled = true;
      dispose();
      resolve(r);
    };
    let child;
    try {
      child = spawn(pingPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { LC_ALL: 'C', PATH: process.env.PATH ?? '/usr/bin:/bin' } });
    } catch (e) {
      resolve({ kind: 'unavailable', reason: `cannot run ${pingPath}: ${(e as Error).message}` });
      return;
    }
    const dispose = onDeadline(ctx, (e) => {
      child.kill('SIGKILL');
      finish({ kind: 'error', reason: `ping ${e.message}` });
    });
    child.stdout.setEncoding('utf8').on('data', (d: string) => { if (out.length < 65536) out += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { if (out.length < 65536) out += d; });
    child.once('error', (e: NodeJS.ErrnoException) => {
      finish({ kind: 'unavailable', reason: e.code === 'ENOENT' ? `${pingPath} not found` : `cannot run ${pingPath}: ${e.message}` });
    });
    child.once('close', (code) => {
      const summary = parsePingOutput(out);
      if (summary) return finish({ kind: 'summary', summary });
      const text = out.trim().split('\n')[0]?.replace(/^ping: /, '') || `ping exited with code ${code}`;
      if (NOT_PERMITTED.test(out)) return finish({ kind: 'unavailable', reason: `ping not permitted: ${text}` });
      finish({ kind: 'error', reason: text });
    });
  });
}

/** Builds the ICMP probe; `pingPath` is for tests (a missing binary exercises the TCP fallback). */
export function createIcmpProbe(options: { pingPath?: string } = {}): Probe<IcmpSettings> {
  const pingPath = options.pingPath ?? 'ping';
  return {
    type: 'icmp',
    settings: IcmpSettings,
    async run(s: IcmpSettings, ctx: ProbeContext): Promise<ProbeResult> {
      const r = await runPing(pingPath, s, ctx);
      if (r.kind === 'error') return down(`ping ${s.host}: ${r.reason}`);
      if (r.kind === 'unavailable') {
        if (s.fallbackPort === undefined) return down(`cannot ping ${s.host} from this worker (${r.reason}) and no fallback port is set`);
        const o = await tcpConnect(s.host, s.fallbackPort, ctx);
        const how = `${r.reason}; TCP connect to ${s.host}:${s.fallbackPort} instead`;
        if (!o.ok) return down(`${how}: ${o.error}`);
        const status = latencyStatus(o.ms, s);
        const note = latencyNote(o.ms, s);
        return { status, latencyMs: o.ms, message: `${how}: connected in ${fmtMs(o.ms)}${note ? ` (${note})` : ''}`, metrics: { fallback_tcp: 1 } };
      }
      const p = r.summary;
      const metrics: Record<string, number> = { loss_percent: round(p.lossPercent, 1) };
      if (p.rttAvg !== null) {
        metrics.rtt_avg_ms = p.rttAvg;
        metrics.rtt_min_ms = p.rttMin!;
        metrics.rtt_max_ms = p.rttMax!;
      }
      const summary = `${p.received}/${p.transmitted} replies, ${round(p.lossPercent, 1)}% loss`;
      if (p.received === 0 || p.rttAvg === null) return down(`ping ${s.host}: no reply (${summary})`, null, metrics);
      let status: ProbeStatus = 'up';
      const notes: string[] = [];
      if (p.lossPercent >= s.lossCritPercent) { status = 'down'; notes.push(`loss ≥ ${s.lossCritPercent}%`); }
      else if (p.lossPercent >= s.lossWarnPercent) { status = 'degraded'; notes.push(`loss ≥ ${s.lossWarnPercent}%`); }
      const ls = latencyStatus(p.rttAvg, s);
      if (ls !== 'up') notes.push(latencyNote(p.rttAvg, s));
      status = worst(status, ls);
      return {
        status,
        latencyMs: p.rttAvg,
        message: `ping ${s.host}: ${summary}, rtt avg ${fmtMs(p.rttAvg)}${notes.length ? ` (${notes.join('; ')})` : ''}`,
        metrics,
      };
    },
  };
}

/** ICMP echo via the system's `ping` (iputils), falling back to a TCP connect where it cannot run. */
export const icmpProbe = createIcmpProbe();
