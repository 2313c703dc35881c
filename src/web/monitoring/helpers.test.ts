// Pure helpers of the monitoring pages: settings paths and clean-up, schedules between the API and
// the recurrence rules (the form's preview must match the server), time-axis ticks.
import { describe, expect, it } from 'vitest';
import { cleanSettings, defaultSettings, getAt, headersToText, setAt, textToHeaders, withSnmpMode } from './settings.ts';
import { dayFromUntil, instantToLocalInput, localInputToInstant, previewOccurrences, scheduleProblems, toRecurrence, untilFromDay } from './schedule.ts';
import { niceTicks } from './ticks.ts';
import { TcpSettings } from '../../modules/monitoring/probes/tcp.ts';
import { HttpSettings } from '../../modules/monitoring/probes/http.ts';
import { TlsSettings } from '../../modules/monitoring/probes/tls.ts';
import { DnsSettings } from '../../modules/monitoring/probes/dns.ts';
import { IcmpSettings } from '../../modules/monitoring/probes/icmp.ts';
import { SnmpSettings } from '../../modules/monitoring/probes/snmp.ts';
import { PrometheusSettings } from '../../modules/monitoring/probes/prometheus.ts';
import { HeartbeatSettings } from '../../modules/monitoring/schema.ts';

describe('check settings in the form', () => {
  it('sets and removes dotted paths without touching the original', () => {
    const a = { keyword: { pattern: 'ok' }, oids: [{ oid: '1.3' }] };
    const b = setAt(a, 'keyword.mode', 'absent');
    expect(b).toEqual({ keyword: { pattern: 'ok', mode: 'absent' }, oids: [{ oid: '1.3' }] });
    expect(a.keyword).toEqual({ pattern: 'ok' });
    expect(setAt(b, 'oids.0.label', 'x').oids).toEqual([{ oid: '1.3', label: 'x' }]);
    expect(setAt(b, 'keyword', undefined)).toEqual({ oids: [{ oid: '1.3' }] });
    expect(getAt(b, 'keyword.mode')).toBe('absent');
    expect(getAt(b, 'nothing.here')).toBeUndefined();
  });

  it('leaves empty optional fields out, and a keyword without text', () => {
    expect(cleanSettings({ url: 'http://x/', latencyCritMs: undefined, servername: '', keyword: { mode: 'absent' }, method: 'GET', body: 'x' })).toEqual({ url: 'http://x/', method: 'GET' });
    expect(cleanSettings({ method: 'POST', body: '{}' })).toEqual({ method: 'POST', body: '{}' });
  });

  it('gives every type defaults its probe schema accepts once the host is known', () => {
    const schemas = { icmp: IcmpSettings, tcp: TcpSettings, http: HttpSettings, tls: TlsSettings, dns: DnsSettings, snmp: SnmpSettings, prometheus: PrometheusSettings, heartbeat: HeartbeatSettings } as const;
    const fill: Record<string, Record<string, unknown>> = { tcp: { port: 22 }, dns: { name: 'example.fr' } };
    for (const [type, schema] of Object.entries(schemas)) {
      const s = cleanSettings({ ...defaultSettings(type as keyof typeof schemas, '192.0.2.10'), ...(fill[type] ?? {}) });
      const r = schema.safeParse(s);
      expect(r.success, `${type}: ${r.success ? '' : JSON.stringify(r.error.issues)}`).toBe(true);
    }
    for (const mode of ['system', 'interface', 'get'] as const) {
      const s = withSnmpMode(defaultSettings('snmp', '192.0.2.1'), mode);
      if (mode === 'interface') s.ifName = 'eth0';
      expect(SnmpSettings.safeParse(cleanSettings(s)).success, mode).toBe(true);
    }
  });

  it('reads headers typed one per line', () => {
    expect(textToHeaders('Authorization: Bearer a:b\n\nbad line\nX-Test:  1 ')).toEqual({ Authorization: 'Bearer a:b', 'X-Test': '1' });
    expect(headersToText({ A: '1', B: '2' })).toBe('A: 1\nB: 2');
  });
});

describe('maintenance schedules', () => {
  const tz = 'Europe/Paris';

  it('reads the API schedule, and the recurrence module’s own field names too', () => {
    expect(toRecurrence({ kind: 'weekly', days: [7], start: '02:00', duration_minutes: 240 }, tz).schedule).toEqual({ kind: 'weekly', days: [7], startTime: '02:00', durationMs: 240 * 60_000 });
    expect(toRecurrence({ kind: 'monthly', day: null, nth: -1, weekday: 5, start: '22:00', duration_minutes: 60, until: null }, tz).schedule).toEqual({
      kind: 'monthly',
      on: { nth: -1, weekday: 5 },
      startTime: '22:00',
      durationMs: 3_600_000,
    });
    expect(toRecurrence({ kind: 'monthly', day: -1, nth: null, weekday: null, start: '22:00', duration_minutes: 60 }, tz).schedule).toMatchObject({ on: { day: -1 } });
  });

  it('previews Sunday 02:00 for 4 h in Paris across the autumn change of time', () => {
    const from = Date.UTC(2025, 9, 20); // 20 October 2025
    const occ = previewOccurrences({ kind: 'weekly', days: [7], start: '02:00', duration_minutes: 240 }, tz, from, 3);
    // 02:00 summer time (UTC+2) on the 26th, then winter time (UTC+1)
    expect(occ.map((o) => new Date(o.start).toISOString())).toEqual(['2025-10-26T00:00:00.000Z', '2025-11-02T01:00:00.000Z', '2025-11-09T01:00:00.000Z']);
    expect((occ[0]!.end - occ[0]!.start) / 3_600_000).toBe(5); // wall-clock 02:00–06:00 on the fall-back day
  });

  it('refuses what the server would refuse', () => {
    expect(scheduleProblems({ kind: 'weekly', days: [], start: '02:00', duration_minutes: 60 }, tz).length).toBeGreaterThan(0);
    expect(scheduleProblems({ kind: 'once', start: 10, end: 5 }, tz).length).toBeGreaterThan(0);
    expect(previewOccurrences({ kind: 'weekly', days: [1], start: '25:00', duration_minutes: 60 }, tz, 0, 3)).toEqual([]);
  });

  it('converts the form’s local inputs in the window’s zone', () => {
    const t = localInputToInstant('2025-07-14T22:30', tz)!;
    expect(new Date(t).toISOString()).toBe('2025-07-14T20:30:00.000Z');
    expect(instantToLocalInput(t, tz)).toBe('2025-07-14T22:30');
    const until = untilFromDay('2025-12-31', tz)!;
    expect(new Date(until).toISOString()).toBe('2025-12-31T23:00:00.000Z'); // the last day included
    expect(dayFromUntil(until, tz)).toBe('2025-12-31');
    expect(localInputToInstant('nonsense', tz)).toBeNull();
  });
});

describe('time-axis ticks', () => {
  it('stays within the range, in order, and few', () => {
    const now = Date.UTC(2025, 5, 15, 13, 27);
    for (const span of [3_600_000, 86_400_000, 7 * 86_400_000, 30 * 86_400_000, 365 * 86_400_000]) {
      const ticks = niceTicks(now - span, now);
      expect(ticks.length, String(span)).toBeGreaterThanOrEqual(2);
      expect(ticks.length, String(span)).toBeLessThanOrEqual(9);
      for (let i = 0; i < ticks.length; i++) {
        expect(ticks[i]!).toBeGreaterThanOrEqual(now - span);
        expect(ticks[i]!).toBeLessThanOrEqual(now);
        if (i) expect(ticks[i]!).toBeGreaterThan(ticks[i - 1]!);
      }
    }
  });
});
