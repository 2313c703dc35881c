import * as snmp from 'net-snmp';
import { z } from 'zod';
import type { Probe, ProbeContext, ProbeResult, ProbeStatus } from './types.ts';
import { Comparison, Host, Port, compare, down, errorText, latencyNote, latencyStatus, latencyThresholds, monotonic, round, withDeadline, worst } from './util.ts';

// ---------------------------------------------------------------------------------------------
// Settings

const Oid = z.string().trim().regex(/^\.?\d+(?:\.\d+)+$/, 'a numeric OID like 1.3.6.1.2.1.1.5.0').transform((o) => o.replace(/^\./, ''));

const V2c = z.object({
  /** SNMP v2c. */
  version: z.literal('2c'),
  /** Community string (read-only is enough). */
  community: z.string().min(1).max(255).default('public'),
});

const V3 = z
  .object({
    /** SNMP v3 (user-based security). */
    version: z.literal('3'),
    /** USM user name. */
    user: z.string().min(1).max(32),
    /** Security level: authentication and privacy (encryption) or less. */
    level: z.enum(['noAuthNoPriv', 'authNoPriv', 'authPriv']).default('authPriv'),
    /** Authentication protocol (SHA is SHA-1). */
    authProtocol: z.enum(['md5', 'sha', 'sha224', 'sha256', 'sha384', 'sha512']).default('sha'),
    /** Authentication pass phrase (8 characters at least). */
    authKey: z.string().min(8).max(255).optional(),
    /** Privacy protocol (DES needs Node's legacy OpenSSL provider: prefer AES). */
    privProtocol: z.enum(['des', 'aes', 'aes256b', 'aes256r']).default('aes'),
    /** Privacy pass phrase (8 characters at least). */
    privKey: z.string().min(8).max(255).optional(),
    /** SNMPv3 context name, usually empty. */
    context: z.string().max(255).default(''),
  })
  .refine((v) => v.level === 'noAuthNoPriv' || v.authKey !== undefined, { message: 'authKey is required for authNoPriv and authPriv', path: ['authKey'] })
  .refine((v) => v.level !== 'authPriv' || v.privKey !== undefined, { message: 'privKey is required for authPriv', path: ['privKey'] });

const base = {
  /** Agent's host name or IP address. */
  host: Host,
  /** Agent's UDP port. */
  port: Port.default(161),
  /** v2c community or v3 user. */
  credentials: z.discriminatedUnion('version', [V2c, V3]).default({ version: '2c', community: 'public' }),
  /** Requests re-sent after no answer, within the run's timeout. */
  retries: z.number().int().min(0).max(5).default(1),
  // Thresholds on the time the SNMP exchanges took.
  ...latencyThresholds(1000),
};

const OidCheck = z.object({
  /** Numeric OID of a scalar or table cell (`1.3.6.1.2.1.1.5.0`). */
  oid: Oid,
  /** Name shown in messages and used as the metric name; default: the OID. */
  label: z.string().trim().min(1).max(64).regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits, _ . : -').optional(),
  /** The result is `degraded` when the value satisfies this. */
  degradedIf: Comparison.optional(),
  /** The result is `down` when the value satisfies this. */
  downIf: Comparison.optional(),
});

const GetMode = z.object({
  ...base,
  /** `get`: read OIDs and compare their values. */
  mode: z.literal('get'),
  /** The OIDs read in one request. */
  oids: z.array(OidCheck).min(1).max(50),
});

const InterfaceMode = z
  .object({
    ...base,
    /** `interface`: status and traffic of one interface (IF-MIB, 64-bit counters when the agent has them). */
    mode: z.literal('interface'),
    /** The interface by ifIndex… */
    ifIndex: z.number().int().min(1).max(2 ** 31 - 1).optional(),
    /** …or by ifName (`eth0`, `Gi0/1`)… */
    ifName: z.string().min(1).max(255).optional(),
    /** …or by ifDescr. */
    ifDescr: z.string().min(1).max(255).optional(),
    /** Traffic (the busier direction) above this share of the link speed (%): `degraded`. */
    utilizationWarnPercent: z.number().min(0).max(1000).default(90),
    /** Traffic above this share of the link speed (%): `down`; absent: never down for traffic. */
    utilizationCritPercent: z.number().min(0).max(1000).optional(),
    /** An interface that is administratively down is `up` for this check (an unused port) instead of down. */
    adminDownIsUp: z.boolean().default(false),
  })
  .refine((s) => [s.ifIndex, s.ifName, s.ifDescr].filter((x) => x !== undefined).length === 1, { message: 'give exactly one of ifIndex, ifName, ifDescr', path: ['ifIndex'] });

const SystemMode = z.object({
  ...base,
  /** `system`: name, description, uptime, and CPU and memory from HOST-RESOURCES-MIB where exposed. */
  mode: z.literal('system'),
  /** Average CPU load (%) above which the result is `degraded`. */
  cpuWarnPercent: z.number().min(0).max(100).default(80),
  /** Average CPU load (%) above which the result is `down`. */
  cpuCritPercent: z.number().min(0).max(100).default(95),
  /** RAM used (%) above which the result is `degraded`. */
  memoryWarnPercent: z.number().min(0).max(100).default(90),
  /** RAM used (%) above which the result is `down`. */
  memoryCritPercent: z.number().min(0).max(100).default(98),
});

export const SnmpSettings = z.discriminatedUnion('mode', [GetMode, InterfaceMode, SystemMode]);
export type SnmpSettings = z.infer<typeof SnmpSettings>;
type Base = z.infer<typeof GetMode> | z.infer<typeof InterfaceMode> | z.infer<typeof SystemMode>;

// ---------------------------------------------------------------------------------------------
// OIDs

const SYS_DESCR = '1.3.6.1.2.1.1.1.0';
const SYS_UPTIME = '1.3.6.1.2.1.1.3.0';
const SYS_NAME = '1.3.6.1.2.1.1.5.0';
const IF_DESCR = '1.3.6.1.2.1.2.2.1.2';
const IF_SPEED = '1.3.6.1.2.1.2.2.1.5';
const IF_ADMIN = '1.3.6.1.2.1.2.2.1.7';
const IF_OPER = '1.3.6.1.2.1.2.2.1.8';
const IF_IN_OCTETS = '1.3.6.1.2.1.2.2.1.10';
const IF_OUT_OCTETS = '1.3.6.1.2.1.2.2.1.16';
const IF_NAME = '1.3.6.1.2.1.31.1.1.1.1';
const IF_HC_IN = '1.3.6.1.2.1.31.1.1.1.6';
const IF_HC_OUT = '1.3.6.1.2.1.31.1.1.1.10';
const IF_HIGH_SPEED = '1.3.6.1.2.1.31.1.1.1.15';
const HR_PROCESSOR_LOAD = '1.3.6.1.2.1.25.3.3.1.2';
const HR_STORAGE_ENTRY = '1.3.6.1.2.1.25.2.3.1';
const HR_STORAGE_RAM = '1.3.6.1.2.1.25.2.1.2';

const OPER_STATUS = ['', 'up', 'down', 'testing', 'unknown', 'dormant', 'notPresent', 'lowerLayerDown'];

// ---------------------------------------------------------------------------------------------
// Session helpers

const AUTH = { md5: snmp.AuthProtocols.md5, sha: snmp.AuthProtocols.sha, sha224: snmp.AuthProtocols.sha224, sha256: snmp.AuthProtocols.sha256, sha384: snmp.AuthProtocols.sha384, sha512: snmp.AuthProtocols.sha512 };
const PRIV = { des: snmp.PrivProtocols.des, aes: snmp.PrivProtocols.aes, aes256b: snmp.PrivProtocols.aes256b, aes256r: snmp.PrivProtocols.aes256r };

function openSession(s: Base, ctx: ProbeContext): snmp.Session {
  // Each request gets its share of the run's timeout; a run makes one to three requests.
  const timeout = Math.max(200, Math.floor(ctx.timeoutMs / (s.retries + 1) / 2));
  const transport = s.host.includes(':') ? 'udp6' : 'udp4';
  const c = s.credentials;
  const session =
    c.version === '2c'
      ? snmp.createSession(s.host, c.community, { port: s.port, version: snmp.Version2c, retries: s.retries, timeout, transport })
      : snmp.createV3Session(
          s.host,
          {
            name: c.user,
            level: snmp.SecurityLevel[c.level],
            ...(c.level !== 'noAuthNoPriv' ? { authProtocol: AUTH[c.authProtocol], authKey: c.authKey! } : {}),
            ...(c.level === 'authPriv' ? { privProtocol: PRIV[c.privProtocol], privKey: c.privKey! } : {}),
          },
          { port: s.port, retries: s.retries, timeout, transport, context: c.context },
        );
  // net-snmp emits 'error' for a malformed datagram: unhandled, that would throw.
  session.on('error', () => {});
  return session;
}

function get(session: snmp.Session, oids: string[]): Promise<snmp.Varbind[]> {
  return new Promise((resolve, reject) => {
    session.get(oids, (err, vbs) => (err ? reject(err) : resolve(vbs ?? [])));
  });
}

function walk(session: snmp.Session, oid: string): Promise<snmp.Varbind[]> {
  return new Promise((resolve, reject) => {
    const out: snmp.Varbind[] = [];
    session.subtree(
      oid,
      25,
      (vbs) => {
        for (const vb of vbs) if (!snmp.isVarbindError(vb)) out.push(vb);
      },
      (err) => (err ? reject(err) : resolve(out)),
    );
  });
}

/** An SNMP value as a bigint (counters, gauges, Counter64 buffers); null when not numeric. */
export function toBigInt(v: snmp.VarbindValue): bigint | null {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return BigInt(Math.trunc(v));
  if (Buffer.isBuffer(v)) return v.length === 0 ? 0n : BigInt(`0x${v.toString('hex')}`);
  return null;
}

/** A varbind's value for messages and comparisons: numbers as numbers, strings as text. */
function plain(vb: snmp.Varbind): number | string | null {
  const v = vb.value;
  if (vb.type === snmp.ObjectType.Counter64) {
    const b = toBigInt(v);
    return b === null ? null : Number(b);
  }
  if (typeof v === 'number' || typeof v === 'string') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (Buffer.isBuffer(v)) {
    const text = v.toString('utf8');
    // Printable text as text, binary (MAC addresses…) as hex.
    return /^[\x20-\x7e\t\r\n\u00a0-\uffff]*$/.test(text) && !text.includes('\ufffd') ? text.replace(/\0+$/, '') : v.toString('hex');
  }
  return null;
}

function snmpErrorText(e: unknown, s: Base, ctx: ProbeContext): string {
  const name = (e as { name?: string; constructor?: { name?: string } })?.constructor?.name;
  if (name === 'RequestTimedOutError') {
    return `no answer from ${s.host}:${s.port} within ${ctx.timeoutMs} ms (agent down, unreachable, or ${s.credentials.version === '2c' ? 'wrong community' : 'refused'})`;
  }
  return errorText(e);
}

// ---------------------------------------------------------------------------------------------
// Modes

async function runGet(session: snmp.Session, s: z.infer<typeof GetMode>): Promise<Omit<ProbeResult, 'latencyMs'>> {
  const vbs = await get(session, s.oids.map((o) => o.oid));
  let status: ProbeStatus = 'up';
  const parts: string[] = [];
  const problems: string[] = [];
  const metrics: Record<string, number> = {};
  s.oids.forEach((o, i) => {
    const name = o.label ?? o.oid;
    const vb = vbs[i];
    if (!vb || snmp.isVarbindError(vb)) {
      status = 'down';
      problems.push(`${name}: ${vb ? snmp.varbindError(vb).split(':')[0] : 'no value'}`);
      return;
    }
    const value = plain(vb);
    if (typeof value === 'number') metrics[name] = value;
    parts.push(`${name}=${typeof value === 'string' && value.length > 60 ? `${value.slice(0, 57)}...` : value}`);
    if (o.downIf && compare(value, o.downIf.op, o.downIf.value)) {
      status = 'down';
      problems.push(`${name} ${o.downIf.op} ${o.downIf.value}`);
    } else if (o.degradedIf && compare(value, o.degradedIf.op, o.degradedIf.value)) {
      status = worst(status, 'degraded');
      problems.push(`${name} ${o.degradedIf.op} ${o.degradedIf.value}`);
    }
  });
  return { status, message: `${parts.join(', ')}${problems.length ? ` — ${problems.join('; ')}` : ''}`, metrics };
}

/** What the interface mode keeps between runs to compute traffic rates. */
export interface InterfaceState {
  v: 1;
  ifIndex: number;
  /** Which selector found ifIndex (`ifName=eth0`), so a changed setting is not fooled by the cache. */
  key: string;
  /** Epoch ms of the sample. */
  t: number;
  /** sysUpTime (ticks): lower than before means the agent restarted and counters may have reset. */
  uptime: number;
  /** Counter width: 64 (ifHC*) or 32 (ifIn/OutOctets). */
  bits: 64 | 32;
  /** Octet counters, decimal strings (64-bit values do not fit a JSON number). */
  in: string;
  out: string;
}

function isInterfaceState(x: unknown): x is InterfaceState {
  const s = x as InterfaceState;
  return !!s && typeof s === 'object' && s.v === 1 && typeof s.ifIndex === 'number' && typeof s.t === 'number' && typeof s.uptime === 'number' && (s.bits === 64 || s.bits === 32) && typeof s.in === 'string' && typeof s.out === 'string' && typeof s.key === 'string';
}

/** Octets counted between two samples of a `bits`-wide counter that may have wrapped once. */
export function counterDelta(prev: bigint, cur: bigint, bits: 32 | 64): bigint {
  const mod = 1n << BigInt(bits);
  return (((cur - prev) % mod) + mod) % mod;
}

/** "1.23 Mbit/s". */
export function fmtBps(bps: number): string {
  const units = ['bit/s', 'kbit/s', 'Mbit/s', 'Gbit/s', 'Tbit/s'];
  let v = bps;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) { v /= 1000; u++; }
  return `${v < 10 ? round(v, 2) : v < 100 ? round(v, 1) : Math.round(v)} ${units[u]}`;
}

async function findIfIndex(session: snmp.Session, column: string, wanted: string): Promise<number | null> {
  const rows = await walk(session, column);
  let loose: number | null = null;
  for (const vb of rows) {
    const name = plain(vb);
    const idx = Number(vb.oid.slice(column.length + 1));
    if (name === wanted) return idx;
    if (loose === null && typeof name === 'string' && name.toLowerCase() === wanted.toLowerCase()) loose = idx;
  }
  return loose;
}

async function runInterface(session: snmp.Session, s: z.infer<typeof InterfaceMode>, ctx: ProbeContext): Promise<Omit<ProbeResult, 'latencyMs'>> {
  const key = s.ifIndex !== undefined ? `ifIndex=${s.ifIndex}` : s.ifName !== undefined ? `ifName=${s.ifName}` : `ifDescr=${s.ifDescr}`;
  const nameColumn = s.ifDescr !== undefined ? IF_DESCR : IF_NAME;
  const wanted = s.ifName ?? s.ifDescr;
  const prev = isInterfaceState(ctx.state) && ctx.state.key === key ? ctx.state : null;

  let idx: number | null = s.ifIndex ?? prev?.ifIndex ?? null;
  let fromCache = s.ifIndex === undefined && idx !== null;
  if (idx === null) {
    idx = await findIfIndex(session, nameColumn, wanted!);
    if (idx === null) return { status: 'down', message: `no interface with ${key} on ${s.host}` };
  }
  const read = (i: number) =>
    get(session, [SYS_UPTIME, `${IF_DESCR}.${i}`, `${IF_NAME}.${i}`, `${IF_ADMIN}.${i}`, `${IF_OPER}.${i}`, `${IF_HC_IN}.${i}`, `${IF_HC_OUT}.${i}`, `${IF_IN_OCTETS}.${i}`, `${IF_OUT_OCTETS}.${i}`, `${IF_HIGH_SPEED}.${i}`, `${IF_SPEED}.${i}`]);
  let vbs = await read(idx);
  const ok = (vb: snmp.Varbind | undefined): vb is snmp.Varbind => !!vb && !snmp.isVarbindError(vb);
  if (fromCache) {
    // Indexes can move (a reboot, a module added): check the cached one still has that name.
    const at = vbs[nameColumn === IF_NAME ? 2 : 1];
    if (!ok(at) || String(plain(at)).toLowerCase() !== wanted!.toLowerCase()) {
      fromCache = false;
      idx = await findIfIndex(session, nameColumn, wanted!);
      if (idx === null) return { status: 'down', message: `no interface with ${key} on ${s.host}` };
      vbs = await read(idx);
    }
  }
  const [vUptime, vDescr, vName, vAdmin, vOper, vHcIn, vHcOut, vIn, vOut, vHighSpeed, vSpeed] = vbs;
  if (!ok(vOper)) return { status: 'down', message: `no interface with ifIndex ${idx} on ${s.host}` };
  const label = (ok(vName) && plain(vName)) || (ok(vDescr) && plain(vDescr)) || `ifIndex ${idx}`;
  const oper = Number(plain(vOper));
  const admin = ok(vAdmin) ? Number(plain(vAdmin)) : 0;
  const now = (ctx.now ?? Date.now)();
  const uptime = ok(vUptime) ? Number(plain(vUptime)) : 0;
  const hc = ok(vHcIn) && ok(vHcOut);
  const bits: 64 | 32 = hc ? 64 : 32;
  const inOct = toBigInt((hc ? vHcIn : vIn)?.value);
  const outOct = toBigInt((hc ? vHcOut : vOut)?.value);
  const speedBps = ok(vHighSpeed) && Number(plain(vHighSpeed)) > 0 ? Number(plain(vHighSpeed)) * 1e6 : ok(vSpeed) ? Number(plain(vSpeed)) : 0;

  const metrics: Record<string, number> = { oper_status: oper, admin_status: admin };
  if (speedBps > 0) metrics.speed_bps = speedBps;
  let status: ProbeStatus = 'up';
  const problems: string[] = [];
  const operText = OPER_STATUS[oper] ?? `status ${oper}`;
  if (oper !== 1) {
    if (admin === 2) {
      if (!s.adminDownIsUp) { status = 'down'; problems.push('administratively down'); }
    } else if (oper === 5) {
      status = 'degraded';
      problems.push('dormant');
    } else {
      status = 'down';
      problems.push(`operationally ${operText}`);
    }
  }

  let rates = '';
  let state: InterfaceState | undefined;
  if (inOct !== null && outOct !== null && (ok(hc ? vHcIn : vIn) && ok(hc ? vHcOut : vOut))) {
    state = { v: 1, ifIndex: idx, key, t: now, uptime, bits, in: inOct.toString(), out: outOct.toString() };
    if (prev && prev.ifIndex === idx && prev.bits === bits && now > prev.t && uptime >= prev.uptime) {
      const dt = (now - prev.t) / 1000;
      const inBps = (Number(counterDelta(BigInt(prev.in), inOct, bits)) * 8) / dt;
      const outBps = (Number(counterDelta(BigInt(prev.out), outOct, bits)) * 8) / dt;
      metrics.in_bps = round(inBps, 1);
      metrics.out_bps = round(outBps, 1);
      rates = `in ${fmtBps(inBps)}, out ${fmtBps(outBps)}`;
      if (speedBps > 0) {
        const util = (Math.max(inBps, outBps) / speedBps) * 100;
        metrics.utilization_percent = round(util, 2);
        rates += ` (${round(util, 1)}% of ${fmtBps(speedBps)})`;
        if (s.utilizationCritPercent !== undefined && util > s.utilizationCritPercent) {
          status = 'down';
          problems.push(`traffic above ${s.utilizationCritPercent}% of link speed`);
        } else if (util > s.utilizationWarnPercent) {
          status = worst(status, 'degraded');
          problems.push(`traffic above ${s.utilizationWarnPercent}% of link speed`);
        }
      }
    } else {
      rates = prev && uptime < prev.uptime ? 'agent restarted: rates from the next run' : 'first sample: rates from the next run';
    }
  } else {
    rates = 'no octet counters';
  }
  return {
    status,
    message: `${label} (ifIndex ${idx}) ${operText}, ${rates}${problems.length ? ` — ${problems.join('; ')}` : ''}`,
    metrics,
    ...(state ? { state } : {}),
  };
}

/** RAM used (%) from hrStorage rows; prefers net-snmp's "Available memory" row, then discounts buffers and cache. */
export function memoryFromHrStorage(rows: Map<number, { type?: string; descr?: string; unit?: number; size?: number; used?: number }>): { usedPercent: number; totalBytes: number } | null {
  let ram: { unit: number; size: number; used: number } | null = null;
  let available: number | null = null;
  let buffers = 0;
  let cached = 0;
  for (const r of rows.values()) {
    if (r.unit === undefined || r.size === undefined) continue;
    const descr = (r.descr ?? '').toLowerCase();
    if (r.type === HR_STORAGE_RAM && !ram && r.used !== undefined) ram = { unit: r.unit, size: r.size, used: r.used };
    else if (descr === 'available memory') available = r.size * r.unit;
    else if (descr === 'memory buffers' && r.used !== undefined) buffers = r.used * r.unit;
    else if (descr === 'cached memory' && r.used !== undefined) cached = r.used * r.unit;
  }
  if (!ram || ram.size <= 0) return null;
  const total = ram.size * ram.unit;
  const used = available !== null ? total - available : Math.max(0, ram.used * ram.unit - buffers - cached);
  return { usedPercent: (Math.max(0, used) / total) * 100, totalBytes: total };
}

async function runSystem(session: snmp.Session, s: z.infer<typeof SystemMode>): Promise<Omit<ProbeResult, 'latencyMs'>> {
  const [vDescr, vUptime, vName] = await get(session, [SYS_DESCR, SYS_UPTIME, SYS_NAME]);
  const ok = (vb: snmp.Varbind | undefined): vb is snmp.Varbind => !!vb && !snmp.isVarbindError(vb);
  const loads = (await walk(session, HR_PROCESSOR_LOAD)).map((vb) => Number(plain(vb))).filter((n) => Number.isFinite(n));
  const storage = await walk(session, HR_STORAGE_ENTRY);
  const rows = new Map<number, { type?: string; descr?: string; unit?: number; size?: number; used?: number }>();
  for (const vb of storage) {
    const rest = vb.oid.slice(HR_STORAGE_ENTRY.length + 1).split('.');
    const col = Number(rest[0]);
    const idx = Number(rest[1]);
    const row = rows.get(idx) ?? {};
    const v = plain(vb);
    if (col === 2) row.type = String(v);
    else if (col === 3) row.descr = String(v);
    else if (col === 4) row.unit = Number(v);
    else if (col === 5) row.size = Number(v);
    else if (col === 6) row.used = Number(v);
    rows.set(idx, row);
  }
  const mem = memoryFromHrStorage(rows);

  const metrics: Record<string, number> = {};
  const parts: string[] = [];
  const problems: string[] = [];
  let status: ProbeStatus = 'up';
  const name = ok(vName) ? plain(vName) : null;
  if (name) parts.push(String(name));
  if (ok(vUptime)) {
    const up = Number(plain(vUptime)) / 100;
    metrics.uptime_s = up;
    parts.push(`up ${up >= 86400 ? `${Math.floor(up / 86400)} d` : up >= 3600 ? `${Math.floor(up / 3600)} h` : `${Math.floor(up)} s`}`);
  }
  if (loads.length > 0) {
    const cpu = loads.reduce((a, b) => a + b, 0) / loads.length;
    metrics.cpu_percent = round(cpu, 1);
    metrics.cpu_count = loads.length;
    parts.push(`CPU ${round(cpu, 1)}% (${loads.length} cores)`);
    if (cpu > s.cpuCritPercent) { status = 'down'; problems.push(`CPU above ${s.cpuCritPercent}%`); }
    else if (cpu > s.cpuWarnPercent) { status = worst(status, 'degraded'); problems.push(`CPU above ${s.cpuWarnPercent}%`); }
  } else {
    parts.push('CPU load not exposed');
  }
  if (mem) {
    metrics.memory_used_percent = round(mem.usedPercent, 1);
    metrics.memory_total_bytes = mem.totalBytes;
    parts.push(`RAM ${round(mem.usedPercent, 1)}% used of ${round(mem.totalBytes / 2 ** 30, 1)} GiB`);
    if (mem.usedPercent > s.memoryCritPercent) { status = 'down'; problems.push(`RAM above ${s.memoryCritPercent}%`); }
    else if (mem.usedPercent > s.memoryWarnPercent) { status = worst(status, 'degraded'); problems.push(`RAM above ${s.memoryWarnPercent}%`); }
  } else {
    parts.push('memory not exposed');
  }
  if (ok(vDescr)) {
    const d = String(plain(vDescr));
    parts.push(d.length > 80 ? `${d.slice(0, 77)}...` : d);
  }
  return { status, message: `${parts.join(', ')}${problems.length ? ` — ${problems.join('; ')}` : ''}`, metrics };
}

/** SNMP v2c/v3 check: `get` OIDs with comparisons, `interface` status and traffic, `system` CPU and RAM. */
export const snmpProbe: Probe<SnmpSettings> = {
  type: 'snmp',
  settings: SnmpSettings,
  async run(s: SnmpSettings, ctx: ProbeContext): Promise<ProbeResult> {
    let session: snmp.Session;
    try {
      session = openSession(s, ctx);
    } catch (e) {
      return down(`SNMP ${s.host}:${s.port}: ${errorText(e)}`);
    }
    const start = monotonic();
    try {
      const work = s.mode === 'get' ? runGet(session, s) : s.mode === 'interface' ? runInterface(session, s, ctx) : runSystem(session, s);
      const r = await withDeadline(ctx, work);
      const ms = monotonic() - start;
      const ls = latencyStatus(ms, s);
      const note = ls !== 'up' ? ` (${latencyNote(ms, s)})` : '';
      return { ...r, status: worst(r.status, ls), latencyMs: ms, message: `${r.message}${note}` };
    } catch (e) {
      return down(`SNMP ${s.host}:${s.port}: ${snmpErrorText(e, s, ctx)}`);
    } finally {
      try {
        session.close();
      } catch {
        // already closed
      }
    }
  },
};
