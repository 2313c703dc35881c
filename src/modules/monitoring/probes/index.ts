import { dnsProbe } from './dns.ts';
import { httpProbe } from './http.ts';
import { icmpProbe } from './icmp.ts';
import { prometheusProbe } from './prometheus.ts';
import { snmpProbe } from './snmp.ts';
import { tcpProbe } from './tcp.ts';
import { tlsProbe } from './tls.ts';
import type { CheckType, Probe, ProbeContext, ProbeResult } from './types.ts';
import { guarded } from './util.ts';

export * from './types.ts';
export { closeHttpAgents } from './http-client.ts';

/**
 * Every probe by check type. Each is wrapped by `guarded`: its promise always resolves, a thrown
 * error or a run stuck past its timeout included, so a scheduler never has to catch.
 */
export const probes: Record<CheckType, Probe<any>> = {
  icmp: guarded(icmpProbe),
  tcp: guarded(tcpProbe),
  http: guarded(httpProbe),
  tls: guarded(tlsProbe),
  dns: guarded(dnsProbe),
  snmp: guarded(snmpProbe),
  prometheus: guarded(prometheusProbe),
};

/**
 * Parses raw settings (as stored) and runs the probe; invalid settings are a `down` result naming
 * the fields. Callers that run a check often should parse once and call `probes[type].run`.
 */
export async function runCheck(type: CheckType, rawSettings: unknown, ctx: ProbeContext): Promise<ProbeResult> {
  const probe = probes[type];
  if (!probe) return { status: 'down', latencyMs: null, message: `unknown check type "${String(type)}"` };
  const parsed = probe.settings.safeParse(rawSettings);
  if (!parsed.success) {
    const why = parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || 'settings'}: ${i.message}`).join('; ');
    return { status: 'down', latencyMs: null, message: `invalid settings: ${why}` };
  }
  return probe.run(parsed.data, ctx);
}
