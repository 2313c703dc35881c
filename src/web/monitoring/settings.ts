/**
 * Check settings in the form: defaults per type (as the probes' zod schemas fill them), dotted-path
 * access, and the clean-up before sending (empty optional fields left out).
 */
import type { CheckType } from './types.ts';

export type Settings = Record<string, unknown>;

export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
export const DNS_RECORD_TYPES = ['A', 'AAAA', 'CNAME', 'MX', 'TXT', 'NS', 'SOA', 'SRV'] as const;
export const COMPARISON_OPS = ['==', '!=', '<', '>', '<=', '>='] as const;
export const SNMP_MODES = ['system', 'interface', 'get'] as const;
export const SNMP_LEVELS = ['noAuthNoPriv', 'authNoPriv', 'authPriv'] as const;
export const SNMP_AUTH = ['md5', 'sha', 'sha224', 'sha256', 'sha384', 'sha512'] as const;
export const SNMP_PRIV = ['des', 'aes', 'aes256b', 'aes256r'] as const;
export const PROM_PRESETS = ['disk_free_percent', 'memory_available_percent', 'load1_per_cpu', 'apt_upgrades_pending', 'reboot_required'] as const;
export const PROM_AGGREGATES = ['each', 'sum', 'min', 'max', 'avg', 'count'] as const;
export const EXPORTERS = { node_exporter: 9100, windows_exporter: 9182 } as const;

/** Default thresholds of each preset rule (prometheus.ts). */
export const PRESET_DEFAULTS: Record<(typeof PROM_PRESETS)[number], Settings> = {
  disk_free_percent: { kind: 'disk_free_percent', degradedBelow: 15, downBelow: 5 },
  memory_available_percent: { kind: 'memory_available_percent', degradedBelow: 10, downBelow: 5 },
  load1_per_cpu: { kind: 'load1_per_cpu', degradedAbove: 1.5, downAbove: 3 },
  apt_upgrades_pending: { kind: 'apt_upgrades_pending', degradedAbove: 0 },
  reboot_required: { kind: 'reboot_required', severity: 'degraded' },
};

export const SNMP_MODE_DEFAULTS: Record<(typeof SNMP_MODES)[number], Settings> = {
  system: { cpuWarnPercent: 80, cpuCritPercent: 95, memoryWarnPercent: 90, memoryCritPercent: 98 },
  interface: { ifName: '', utilizationWarnPercent: 90, adminDownIsUp: false },
  get: { oids: [{ oid: '1.3.6.1.2.1.1.3.0', label: 'sysUpTime' }] },
};
const SNMP_MODE_KEYS = ['cpuWarnPercent', 'cpuCritPercent', 'memoryWarnPercent', 'memoryCritPercent', 'ifIndex', 'ifName', 'ifDescr', 'utilizationWarnPercent', 'utilizationCritPercent', 'adminDownIsUp', 'oids'];

/** A new check's settings, from the host of its asset when there is one. */
export function defaultSettings(type: CheckType, host = ''): Settings {
  switch (type) {
    case 'icmp':
      return { host, count: 3, lossWarnPercent: 20, lossCritPercent: 100, latencyWarnMs: 200 };
    case 'tcp':
      return { host, port: undefined, latencyWarnMs: 500 };
    case 'http':
      return { url: host ? `http://${host}/` : 'https://', method: 'GET', expectedStatus: ['2xx', '3xx'], latencyWarnMs: 1000, followRedirects: true, ignoreTlsErrors: false };
    case 'tls':
      return { host, port: 443, warnDays: 14, critDays: 3, verifyChain: true, verifyHostname: true, latencyWarnMs: 1000 };
    case 'dns':
      return { name: '', recordType: 'A', expected: [], match: 'exact', emptyIsDown: true, latencyWarnMs: 500 };
    case 'snmp':
      return { host, port: 161, credentials: { version: '2c', community: 'public' }, mode: 'system', ...SNMP_MODE_DEFAULTS.system, latencyWarnMs: 1000 };
    case 'prometheus':
      return { url: host ? `http://${host}:9100/metrics` : '', rules: [], latencyWarnMs: 2000 };
    case 'heartbeat':
      return { grace_s: 60 };
  }
}

/** The host a set of settings names (to keep it when the type changes). */
export function hostOf(s: Settings): string {
  if (typeof s.host === 'string') return s.host;
  if (typeof s.url === 'string') {
    try {
      return new URL(s.url).hostname;
    } catch {
      return '';
    }
  }
  return '';
}

/** Settings for another SNMP mode: the old mode's keys out, the new one's defaults in. */
export function withSnmpMode(s: Settings, mode: (typeof SNMP_MODES)[number]): Settings {
  const out: Settings = {};
  for (const [k, v] of Object.entries(s)) if (!SNMP_MODE_KEYS.includes(k)) out[k] = v;
  return { ...out, mode, ...SNMP_MODE_DEFAULTS[mode] };
}

export function getAt(o: unknown, path: string): unknown {
  let cur: unknown = o;
  for (const k of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur;
}

/** A copy of `o` with `path` set (undefined: removed); arrays are indexed by number. */
export function setAt<T>(o: T, path: string, v: unknown): T {
  const [k, ...rest] = path.split('.');
  const key = k!;
  const base: Record<string, unknown> | unknown[] = Array.isArray(o) ? [...o] : { ...((o ?? {}) as Record<string, unknown>) };
  const next = rest.length ? setAt((base as Record<string, unknown>)[key], rest.join('.'), v) : v;
  if (Array.isArray(base)) base[Number(key)] = next;
  else if (next === undefined) delete base[key];
  else base[key] = next;
  return base as T;
}

/** Empty strings, NaN and empty optional objects out; a keyword with no pattern is no keyword. */
export function cleanSettings(s: Settings): Settings {
  const clean = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(clean);
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) {
        const c = clean(x);
        if (c === undefined || c === '' || (typeof c === 'number' && Number.isNaN(c))) continue;
        out[k] = c;
      }
      return out;
    }
    return v;
  };
  const out = clean(s) as Settings;
  const kw = out.keyword as Record<string, unknown> | undefined;
  if (kw && !kw.pattern) delete out.keyword;
  if (out.body !== undefined && (out.method === 'GET' || out.method === 'HEAD' || out.method === undefined)) delete out.body;
  // SNMP interface: exactly one of ifIndex, ifName, ifDescr
  return out;
}

/** "Name: value" lines ↔ a header record. */
export function headersToText(h: unknown): string {
  if (!h || typeof h !== 'object') return '';
  return Object.entries(h as Record<string, string>)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\n');
}

export function textToHeaders(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i <= 0) continue;
    out[line.slice(0, i).trim()] = line.slice(i + 1).trim();
  }
  return out;
}

/** A comparison value typed in a box: a number when it reads as one. */
export function comparisonValue(text: string): number | string {
  const t = text.trim();
  return t !== '' && !Number.isNaN(Number(t)) ? Number(t) : text;
}
