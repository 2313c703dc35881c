import { connect } from 'node:net';
import { z } from 'zod';
import type { Probe, ProbeContext, ProbeResult } from './types.ts';
import { Host, Port, down, errorText, fmtMs, latencyNote, latencyStatus, latencyThresholds, monotonic, onDeadline } from './util.ts';

export const TcpSettings = z.object({
  /** Host name or IP address to connect to. */
  host: Host,
  /** TCP port. */
  port: Port,
  ...latencyThresholds(500),
});
export type TcpSettings = z.infer<typeof TcpSettings>;

/** Outcome of one TCP connect: the connect time, or the reason it failed. */
export type ConnectOutcome = { ok: true; ms: number } | { ok: false; error: string; ms: number };

/** Opens a TCP connection to host:port and closes it at once; never rejects. */
export function tcpConnect(host: string, port: number, ctx: ProbeContext): Promise<ConnectOutcome> {
  return new Promise<ConnectOutcome>((resolve) => {
    const start = monotonic();
    const socket = connect({ host, port, noDelay: true });
    const finish = (o: ConnectOutcome) => {
      dispose();
      socket.removeAllListeners();
      socket.on('error', () => {});
      socket.destroy();
      resolve(o);
    };
    const dispose = onDeadline(ctx, (e) => finish({ ok: false, error: e.message, ms: monotonic() - start }));
    socket.once('connect', () => finish({ ok: true, ms: monotonic() - start }));
    socket.once('error', (e) => finish({ ok: false, error: errorText(e), ms: monotonic() - start }));
  });
}

/** TCP port check: connect time against the latency thresholds; refused, unreachable or timeout is down. */
export const tcpProbe: Probe<TcpSettings> = {
  type: 'tcp',
  settings: TcpSettings,
  async run(s: TcpSettings, ctx: ProbeContext): Promise<ProbeResult> {
    const o = await tcpConnect(s.host, s.port, ctx);
    const target = `${s.host}:${s.port}`;
    if (!o.ok) return down(`TCP ${target}: ${o.error}`);
    const status = latencyStatus(o.ms, s);
    const note = latencyNote(o.ms, s);
    return {
      status,
      latencyMs: o.ms,
      message: `TCP ${target} open, connected in ${fmtMs(o.ms)}${note ? ` (${note})` : ''}`,
    };
  },
};
