import { z } from 'zod';
import { httpRequest } from './http-client.ts';
import { type Exposition, type Sample, type Selector, parseExposition, parseSelector, select, seriesKey } from './exposition.ts';
import type { Probe, ProbeContext, ProbeResult, ProbeStatus } from './types.ts';
import { NumericComparison, compare, down, errorText, fmtMs, latencyNote, latencyStatus, latencyThresholds, round, worst } from './util.ts';

// ---------------------------------------------------------------------------------------------
// Settings

function validSelector(s: string): boolean {
  try {
    parseSelector(s);
    return true;
  } catch {
    return false;
  }
}

const IfMissing = z.enum(['up', 'degraded', 'down']).default('down');

const MetricRule = z.object({
  /** Any metric: thresholds on the series a selector picks. */
  kind: z.literal('metric'),
  /** PromQL-style selector: `node_systemd_unit_state{name="nginx.service",state="active"}`; =, !=, =~, !~. */
  selector: z.string().trim().min(1).max(1000).refine(validSelector, 'a metric name with optional {label="value"} matchers'),
  /** Several matching series: `each` judges every one (the worst wins), the others reduce them to one value. */
  aggregate: z.enum(['each', 'sum', 'min', 'max', 'avg', 'count']).default('each'),
  /** The result is `degraded` when the value satisfies this. */
  degradedIf: NumericComparison.optional(),
  /** The result is `down` when the value satisfies this. */
  downIf: NumericComparison.optional(),
  /** What no matching series makes the result. */
  ifMissing: IfMissing,
  /** Name for messages and metrics; default: the metric name. */
  label: z.string().trim().min(1).max(64).regex(/^[A-Za-z0-9_.:-]+$/).optional(),
});

const DiskRule = z.object({
  /** Free disk space (%): node_exporter filesystems or windows_exporter logical disks. */
  kind: z.literal('disk_free_percent'),
  /** Mount point (`/`, `/var`) or Windows volume (`C:`); absent: every real filesystem, the fullest decides. */
  mountpoint: z.string().min(1).max(500).optional(),
  /** Free space (%) below which the result is `degraded`. */
  degradedBelow: z.number().min(0).max(100).default(15),
  /** Free space (%) below which the result is `down`. */
  downBelow: z.number().min(0).max(100).default(5),
  /** What a missing disk makes the result. */
  ifMissing: IfMissing,
});

const MemoryRule = z.object({
  /** Memory available (%): MemAvailable/MemTotal, or Windows free/total physical memory. */
  kind: z.literal('memory_available_percent'),
  /** Available memory (%) below which the result is `degraded`. */
  degradedBelow: z.number().min(0).max(100).default(10),
  /** Available memory (%) below which the result is `down`. */
  downBelow: z.number().min(0).max(100).default(5),
  /** What missing memory metrics make the result. */
  ifMissing: IfMissing,
});

const LoadRule = z.object({
  /** 1-minute load average divided by the number of CPUs (node_exporter). */
  kind: z.literal('load1_per_cpu'),
  /** Load per CPU above which the result is `degraded`. */
  degradedAbove: z.number().min(0).default(1.5),
  /** Load per CPU above which the result is `down`. */
  downAbove: z.number().min(0).default(3),
  /** What missing load metrics make the result. */
  ifMissing: IfMissing,
});

const AptRule = z.object({
  /** Pending apt upgrades (`apt_upgrades_pending` from prometheus-node-exporter-collectors' apt_info). */
  kind: z.literal('apt_upgrades_pending'),
  /** More pending upgrades than this: `degraded` (0: any pending upgrade). */
  degradedAbove: z.number().int().min(0).default(0),
  /** More pending upgrades than this: `down`; absent: never down for upgrades. */
  downAbove: z.number().int().min(0).optional(),
  /** More pending security upgrades (origin naming "security") than this: `down`; absent: no such rule. */
  securityDownAbove: z.number().int().min(0).optional(),
  /** What a missing apt metric makes the result (the textfile collector not installed). */
  ifMissing: IfMissing,
});

const RebootRule = z.object({
  /** `node_reboot_required` (apt_info, from /run/reboot-required) is 1. */
  kind: z.literal('reboot_required'),
  /** What a pending reboot makes the result. */
  severity: z.enum(['degraded', 'down']).default('degraded'),
  /** What a missing metric makes the result. */
  ifMissing: IfMissing,
});

export const PrometheusRule = z.discriminatedUnion('kind', [MetricRule, DiskRule, MemoryRule, LoadRule, AptRule, RebootRule]);
export type PrometheusRule = z.infer<typeof PrometheusRule>;

export const PrometheusSettings = z.object({
  /** The exporter's metrics URL (`http://host:9100/metrics`, `http://host:9182/metrics`). */
  url: z.url({ protocol: /^https?$/ }).max(4000),
  /** Request headers (Authorization for a protected exporter). */
  headers: z.record(z.string().min(1).max(200).regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'a header name'), z.string().max(8000).regex(/^[^\r\n]*$/, 'no line breaks')).default({}),
  /** Thresholds, presets or any metric; all are judged, the worst wins. None: the scrape alone is checked. */
  rules: z.array(PrometheusRule).max(50).default([]),
  /** Accept any certificate on an https exporter. */
  ignoreTlsErrors: z.boolean().default(false),
  /** PEM of a private CA to trust instead of the public roots. */
  ca: z.string().max(100_000).optional(),
  /** Largest exposition read; a bigger one is down (raise it for exporters with many series). */
  maxBytes: z.number().int().min(1024).max(64 * 1024 * 1024).default(8 * 1024 * 1024),
  // Thresholds on the scrape time.
  ...latencyThresholds(2000),
});
export type PrometheusSettings = z.infer<typeof PrometheusSettings>;

// ---------------------------------------------------------------------------------------------
// Rule evaluation (pure: exposition in, verdict out)

export interface RuleVerdict {
  status: ProbeStatus;
  /** What was measured, and why it is not up. */
  text: string;
  metrics: Record<string, number>;
}

const IGNORED_FS = new Set(['tmpfs', 'devtmpfs', 'ramfs', 'overlay', 'squashfs', 'nsfs', 'autofs', 'proc', 'sysfs', 'cgroup', 'cgroup2', 'fuse.lxcfs', 'fuse.snapfuse', 'iso9660', 'rootfs']);

const selectorCache = new Map<string, Selector>();
function cachedSelector(text: string): Selector {
  let s = selectorCache.get(text);
  if (!s) {
    s = parseSelector(text);
    if (selectorCache.size >= 2000) selectorCache.clear();
    selectorCache.set(text, s);
  }
  return s;
}

/** Metric names a rule reads, so the parser can skip every other line. */
export function namesFor(rule: PrometheusRule): string[] {
  switch (rule.kind) {
    case 'metric': return [cachedSelector(rule.selector).name];
    case 'disk_free_percent': return ['node_filesystem_avail_bytes', 'node_filesystem_size_bytes', 'windows_logical_disk_free_bytes', 'windows_logical_disk_size_bytes'];
    case 'memory_available_percent': return ['node_memory_MemAvailable_bytes', 'node_memory_MemTotal_bytes', 'windows_os_physical_memory_free_bytes', 'windows_cs_physical_memory_bytes', 'windows_memory_physical_free_bytes', 'windows_memory_physical_total_bytes'];
    case 'load1_per_cpu': return ['node_load1', 'node_cpu_seconds_total'];
    case 'apt_upgrades_pending': return ['apt_upgrades_pending'];
    case 'reboot_required': return ['node_reboot_required'];
  }
}

const first = (e: Exposition, name: string): Sample | undefined => e.samples.get(name)?.[0];
const pct = (n: number) => `${round(n, 1)}%`;

function missing(rule: { ifMissing: ProbeStatus }, what: string): RuleVerdict {
  return { status: rule.ifMissing, text: what, metrics: {} };
}

function lowIsBad(value: number, degradedBelow: number, downBelow: number): ProbeStatus {
  return value < downBelow ? 'down' : value < degradedBelow ? 'degraded' : 'up';
}

/** Judges one rule against a parsed exposition. */
export function evaluateRule(rule: PrometheusRule, expo: Exposition): RuleVerdict {
  switch (rule.kind) {
    case 'metric': {
      const sel = cachedSelector(rule.selector);
      const name = rule.label ?? sel.name;
      const picked = select(expo, sel);
      if (picked.length === 0) return missing(rule, `no series matches ${rule.selector}`);
      const judge = (v: number): ProbeStatus =>
        rule.downIf && compare(v, rule.downIf.op, rule.downIf.value) ? 'down' : rule.degradedIf && compare(v, rule.degradedIf.op, rule.degradedIf.value) ? 'degraded' : 'up';
      const cond = (st: ProbeStatus) => (st === 'down' ? rule.downIf : st === 'degraded' ? rule.degradedIf : undefined);
      if (rule.aggregate === 'each') {
        let status: ProbeStatus = 'up';
        const metrics: Record<string, number> = {};
        const bad: string[] = [];
        for (const s of picked.slice(0, 100)) {
          const key = picked.length === 1 ? name : seriesKey(name, s.labels);
          metrics[key] = s.value;
          const st = judge(s.value);
          if (st !== 'up') {
            const c = cond(st)!;
            bad.push(`${key} = ${s.value} (${c.op} ${c.value})`);
          }
          status = worst(status, st);
        }
        const text = bad.length ? bad.slice(0, 5).join(', ') + (bad.length > 5 ? `, … (${bad.length})` : '') : picked.length === 1 ? `${name} = ${picked[0]!.value}` : `${picked.length} series of ${name} within limits`;
        return { status, text, metrics };
      }
      const values = picked.map((s) => s.value);
      const v =
        rule.aggregate === 'sum' ? values.reduce((a, b) => a + b, 0)
        : rule.aggregate === 'min' ? Math.min(...values)
        : rule.aggregate === 'max' ? Math.max(...values)
        : rule.aggregate === 'avg' ? values.reduce((a, b) => a + b, 0) / values.length
        : values.length;
      const st = judge(v);
      const key = `${rule.aggregate}(${name})`;
      const c = cond(st);
      return { status: st, text: `${key} = ${round(v, 3)}${c ? ` (${c.op} ${c.value})` : ''}`, metrics: { [key]: v } };
    }

    case 'disk_free_percent': {
      const rows: { key: string; free: number; size: number }[] = [];
      const linuxAvail = expo.samples.get('node_filesystem_avail_bytes');
      if (linuxAvail) {
        const sizes = new Map<string, number>();
        for (const s of expo.samples.get('node_filesystem_size_bytes') ?? []) sizes.set(`${s.labels.device}|${s.labels.mountpoint}`, s.value);
        for (const s of linuxAvail) {
          const mp = s.labels.mountpoint ?? '';
          if (rule.mountpoint !== undefined ? mp !== rule.mountpoint : IGNORED_FS.has(s.labels.fstype ?? '')) continue;
          const size = sizes.get(`${s.labels.device}|${mp}`);
          if (size !== undefined && size > 0) rows.push({ key: mp, free: s.value, size });
        }
      }
      const winFree = expo.samples.get('windows_logical_disk_free_bytes');
      if (winFree) {
        const sizes = new Map<string, number>();
        for (const s of expo.samples.get('windows_logical_disk_size_bytes') ?? []) sizes.set(s.labels.volume ?? '', s.value);
        for (const s of winFree) {
          const vol = s.labels.volume ?? '';
          // Unlettered volumes (recovery, EFI) are not the client's disks.
          if (rule.mountpoint !== undefined ? vol.toLowerCase() !== rule.mountpoint.toLowerCase() : /^HarddiskVolume/i.test(vol)) continue;
          const size = sizes.get(vol);
          if (size !== undefined && size > 0) rows.push({ key: vol, free: s.value, size });
        }
      }
      if (rows.length === 0) return missing(rule, rule.mountpoint ? `no disk ${rule.mountpoint} in the exposition` : 'no disk metrics exposed');
      const metrics: Record<string, number> = {};
      let status: ProbeStatus = 'up';
      let fullest = rows[0]!;
      const seen = new Set<string>();
      for (const r of rows) {
        if (seen.has(r.key)) continue; // one filesystem mounted twice (bind mounts)
        seen.add(r.key);
        const p = (r.free / r.size) * 100;
        metrics[rows.length === 1 ? 'disk_free_percent' : `disk_free_percent{mountpoint="${r.key}"}`] = round(p, 2);
        status = worst(status, lowIsBad(p, rule.degradedBelow, rule.downBelow));
        if (p < (fullest.free / fullest.size) * 100) fullest = r;
      }
      const fp = (fullest.free / fullest.size) * 100;
      const limit = status === 'down' ? ` (< ${rule.downBelow}%)` : status === 'degraded' ? ` (< ${rule.degradedBelow}%)` : '';
      return { status, text: `disk ${fullest.key} ${pct(fp)} free of ${round(fullest.size / 2 ** 30, 1)} GiB${limit}${seen.size > 1 ? ` (fullest of ${seen.size})` : ''}`, metrics };
    }

    case 'memory_available_percent': {
      const pairs: [string, string][] = [
        ['node_memory_MemAvailable_bytes', 'node_memory_MemTotal_bytes'],
        ['windows_os_physical_memory_free_bytes', 'windows_cs_physical_memory_bytes'],
        ['windows_memory_physical_free_bytes', 'windows_memory_physical_total_bytes'],
      ];
      for (const [a, t] of pairs) {
        const avail = first(expo, a);
        const total = first(expo, t);
        if (avail && total && total.value > 0) {
          const p = (avail.value / total.value) * 100;
          const status = lowIsBad(p, rule.degradedBelow, rule.downBelow);
          const limit = status === 'down' ? ` (< ${rule.downBelow}%)` : status === 'degraded' ? ` (< ${rule.degradedBelow}%)` : '';
          return { status, text: `memory ${pct(p)} available of ${round(total.value / 2 ** 30, 1)} GiB${limit}`, metrics: { memory_available_percent: round(p, 2) } };
        }
      }
      return missing(rule, 'no memory metrics exposed');
    }

    case 'load1_per_cpu': {
      const load = first(expo, 'node_load1');
      const cpus = new Set((expo.samples.get('node_cpu_seconds_total') ?? []).map((s) => s.labels.cpu));
      if (!load || cpus.size === 0) return missing(rule, 'node_load1 or node_cpu_seconds_total not exposed');
      const v = load.value / cpus.size;
      const status: ProbeStatus = v > rule.downAbove ? 'down' : v > rule.degradedAbove ? 'degraded' : 'up';
      const limit = status === 'down' ? ` (> ${rule.downAbove})` : status === 'degraded' ? ` (> ${rule.degradedAbove})` : '';
      return { status, text: `load ${load.value} on ${cpus.size} CPUs = ${round(v, 2)} per CPU${limit}`, metrics: { load1_per_cpu: round(v, 3) } };
    }

    case 'apt_upgrades_pending': {
      const list = expo.samples.get('apt_upgrades_pending');
      if (!list || list.length === 0) return missing(rule, 'apt_upgrades_pending not exposed (is the apt textfile collector installed?)');
      let total = 0;
      let security = 0;
      for (const s of list) {
        total += s.value;
        if (/security/i.test(s.labels.origin ?? '')) security += s.value;
      }
      let status: ProbeStatus = 'up';
      const why: string[] = [];
      if (rule.downAbove !== undefined && total > rule.downAbove) { status = 'down'; why.push(`> ${rule.downAbove}`); }
      else if (total > rule.degradedAbove) { status = 'degraded'; why.push(`> ${rule.degradedAbove}`); }
      if (rule.securityDownAbove !== undefined && security > rule.securityDownAbove) { status = 'down'; why.push(`security > ${rule.securityDownAbove}`); }
      return {
        status,
        text: `${total} apt upgrades pending (${security} security)${why.length ? ` (${why.join(', ')})` : ''}`,
        metrics: { apt_upgrades_pending: total, apt_security_upgrades_pending: security },
      };
    }

    case 'reboot_required': {
      const s = first(expo, 'node_reboot_required');
      if (!s) return missing(rule, 'node_reboot_required not exposed (is the apt textfile collector installed?)');
      const needed = s.value > 0;
      return { status: needed ? rule.severity : 'up', text: needed ? 'reboot required' : 'no reboot required', metrics: { reboot_required: needed ? 1 : 0 } };
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Probe

/** Prometheus exporter scrape: the exposition parsed by hand, thresholds on any metric and presets. */
export const prometheusProbe: Probe<PrometheusSettings> = {
  type: 'prometheus',
  settings: PrometheusSettings,
  async run(s: PrometheusSettings, ctx: ProbeContext): Promise<ProbeResult> {
    let res;
    try {
      res = await httpRequest(
        {
          url: new URL(s.url),
          method: 'GET',
          headers: { accept: 'text/plain;version=0.0.4;q=1,*/*;q=0.1', ...s.headers },
          followRedirects: true,
          maxRedirects: 3,
          ignoreTlsErrors: s.ignoreTlsErrors,
          ca: s.ca,
          readBody: true,
          maxBodyBytes: s.maxBytes,
        },
        ctx,
      );
    } catch (e) {
      return down(`scrape ${s.url}: ${errorText(e)}`);
    }
    const ms = res.totalMs;
    if (res.status !== 200) return down(`scrape ${s.url}: HTTP ${res.status}`, ms);
    if (res.truncated) return down(`scrape ${s.url}: exposition larger than ${s.maxBytes} bytes (raise maxBytes)`, ms);
    const wanted = new Set<string>();
    for (const r of s.rules) for (const n of namesFor(r)) wanted.add(n);
    const expo = parseExposition(res.body!.toString('utf8'), wanted);
    if (expo.lines === 0) return down(`scrape ${s.url}: no samples in the exposition`, ms);
    if (!expo.valid) return down(`scrape ${s.url}: not a Prometheus exposition (${res.headers['content-type'] ?? 'no content type'})`, ms);

    let status: ProbeStatus = 'up';
    const metrics: Record<string, number> = { series: expo.lines };
    const bad: string[] = [];
    const good: string[] = [];
    for (const r of s.rules) {
      const v = evaluateRule(r, expo);
      status = worst(status, v.status);
      Object.assign(metrics, v.metrics);
      (v.status === 'up' ? good : bad).push(v.text);
    }
    const ls = latencyStatus(ms, s);
    if (ls !== 'up') bad.push(latencyNote(ms, s));
    status = worst(status, ls);
    const parts = [...bad, ...good];
    return {
      status,
      latencyMs: ms,
      message: `${parts.length ? `${parts.join('; ')} — ` : ''}${expo.lines} series scraped in ${fmtMs(ms)}${expo.errors ? ` (${expo.errors} unreadable lines)` : ''}`,
      metrics,
    };
  },
};
