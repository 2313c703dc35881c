import { Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';
import { z } from 'zod';
import type { Probe, ProbeContext, ProbeResult, ProbeStatus } from './types.ts';
import { down, fmtMs, latencyNote, latencyStatus, latencyThresholds, monotonic, withDeadline, worst } from './util.ts';

export const DNS_RECORD_TYPES = ['A', 'AAAA', 'CNAME', 'MX', 'TXT', 'NS', 'SOA', 'SRV'] as const;
export type DnsRecordType = (typeof DNS_RECORD_TYPES)[number];

/** `1.2.3.4`, `1.2.3.4:5353`, `::1`, `[::1]:5353`. */
function validServer(s: string): boolean {
  if (isIP(s)) return true;
  const v4 = /^(\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})$/.exec(s);
  if (v4) return isIP(v4[1]!) === 4 && Number(v4[2]) >= 1 && Number(v4[2]) <= 65535;
  const v6 = /^\[([0-9a-fA-F:.]+)\](?::(\d{1,5}))?$/.exec(s);
  if (v6) return isIP(v6[1]!) === 6 && (v6[2] === undefined || (Number(v6[2]) >= 1 && Number(v6[2]) <= 65535));
  return false;
}

export const DnsSettings = z.object({
  /** The name to resolve (`www.example.fr`, `_sip._tcp.example.fr`). */
  name: z.string().trim().min(1).max(253).regex(/^[A-Za-z0-9_*](?:[A-Za-z0-9_.-]*[A-Za-z0-9_.])?$/, 'a DNS name'),
  /** Record type asked for. */
  recordType: z.enum(DNS_RECORD_TYPES).default('A'),
  /** DNS server to ask, `ip` or `ip:port` (`[ipv6]:port`); absent: the system's resolvers. */
  server: z.string().trim().refine(validServer, 'an IP address, optionally with :port').optional(),
  /**
   * Answers that must be present, each in its text form: A `192.0.2.1`, MX `10 mail.example.fr`,
   * SRV `priority weight port target`, TXT the joined strings, SOA `mname rname serial…`.
   */
  expected: z.array(z.string().trim().min(1).max(2000)).max(50).default([]),
  /** `exact`: an answer equals each expected value (case and trailing dot ignored); `contains`: an answer contains it. */
  match: z.enum(['exact', 'contains']).default('exact'),
  /** Make the result down when the name has no record of that type (NODATA/NXDOMAIN); false: degraded. */
  emptyIsDown: z.boolean().default(true),
  ...latencyThresholds(500),
});
export type DnsSettings = z.infer<typeof DnsSettings>;

// One resolver (c-ares channel) per server and timeout, shared by every check that uses them.
const resolvers = new Map<string, Resolver>();
function resolverFor(server: string | undefined, timeoutMs: number): Resolver {
  const tryMs = Math.max(100, Math.floor(timeoutMs / 2));
  const key = `${server ?? ''}|${tryMs}`;
  let r = resolvers.get(key);
  if (!r) {
    r = new Resolver({ timeout: tryMs, tries: 2 });
    if (server) r.setServers([server]);
    if (resolvers.size >= 256) resolvers.clear();
    resolvers.set(key, r);
  }
  return r;
}

const norm = (s: string) => s.toLowerCase().replace(/\.$/, '');

/** Queries one record type; answers in text form. */
export async function queryDns(r: Resolver, name: string, type: DnsRecordType): Promise<string[]> {
  switch (type) {
    case 'A': return r.resolve4(name);
    case 'AAAA': return r.resolve6(name);
    case 'CNAME': return r.resolveCname(name);
    case 'NS': return r.resolveNs(name);
    case 'MX': return (await r.resolveMx(name)).map((m) => `${m.priority} ${m.exchange}`);
    case 'TXT': return (await r.resolveTxt(name)).map((chunks) => chunks.join(''));
    case 'SRV': return (await r.resolveSrv(name)).map((v) => `${v.priority} ${v.weight} ${v.port} ${v.name}`);
    case 'SOA': {
      const v = await r.resolveSoa(name);
      return [`${v.nsname} ${v.hostmaster} ${v.serial} ${v.refresh} ${v.retry} ${v.expire} ${v.minttl}`];
    }
  }
}

const DNS_ERRORS: Record<string, string> = {
  ENOTFOUND: 'no such name (NXDOMAIN)',
  ENODATA: 'no record of that type',
  ESERVFAIL: 'server failure (SERVFAIL)',
  EREFUSED: 'query refused',
  ETIMEOUT: 'no answer (timeout)',
  ECONNREFUSED: 'connection refused',
  EFORMERR: 'server rejected the query (FORMERR)',
  EBADRESP: 'malformed reply',
  ENOTIMP: 'query type not implemented by the server',
  EBADNAME: 'malformed name',
  ECANCELLED: 'query cancelled',
};

/** DNS check: the record type asked of the chosen server, its expected answers and the time it took. */
export const dnsProbe: Probe<DnsSettings> = {
  type: 'dns',
  settings: DnsSettings,
  async run(s: DnsSettings, ctx: ProbeContext): Promise<ProbeResult> {
    const q = `${s.recordType} ${s.name}${s.server ? ` @${s.server}` : ''}`;
    const start = monotonic();
    let answers: string[];
    try {
      answers = await withDeadline(ctx, queryDns(resolverFor(s.server, ctx.timeoutMs), s.name, s.recordType));
    } catch (e) {
      const code = (e as { code?: string }).code ?? '';
      const ms = monotonic() - start;
      if ((code === 'ENODATA' || code === 'ENOTFOUND') && !s.emptyIsDown) {
        return { status: 'degraded', latencyMs: ms, message: `${q}: ${DNS_ERRORS[code]}` };
      }
      return down(`${q}: ${DNS_ERRORS[code] ?? (e as Error).message}`, code === 'ENODATA' || code === 'ENOTFOUND' ? ms : null);
    }
    const ms = monotonic() - start;
    const metrics = { answers: answers.length };
    let status: ProbeStatus = 'up';
    const problems: string[] = [];
    if (answers.length === 0) {
      status = s.emptyIsDown ? 'down' : 'degraded';
      problems.push('empty answer');
    }
    if (s.expected.length > 0) {
      const got = answers.map(norm);
      const missing = s.expected.filter((want) => {
        const w = norm(want);
        return !got.some((a) => (s.match === 'exact' ? a === w : a.includes(w)));
      });
      if (missing.length > 0) {
        status = 'down';
        problems.push(`expected ${missing.map((m) => JSON.stringify(m)).join(', ')} not in the answer`);
      }
    }
    const ls = latencyStatus(ms, s);
    if (ls !== 'up') problems.push(latencyNote(ms, s));
    status = worst(status, ls);
    const shown = answers.slice(0, 5).join(', ') + (answers.length > 5 ? `, … (${answers.length})` : '');
    return {
      status,
      latencyMs: ms,
      message: `${q}: ${shown || '(none)'} in ${fmtMs(ms)}${problems.length ? ` — ${problems.join('; ')}` : ''}`,
      metrics,
    };
  },
};
