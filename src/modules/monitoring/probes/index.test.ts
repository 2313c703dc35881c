import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { CHECK_TYPES, type Probe, probes, runCheck } from './index.ts';
import { compare, guarded, latencyStatus, worst } from './util.ts';

describe('probe registry', () => {
  it('has one probe per check type, each with its zod settings', () => {
    expect(Object.keys(probes).sort()).toEqual([...CHECK_TYPES].sort());
    for (const t of CHECK_TYPES) {
      expect(probes[t].type).toBe(t);
      expect(typeof probes[t].settings.safeParse).toBe('function');
    }
  });

  it('runCheck turns invalid settings into a down result naming the fields', async () => {
    const r = await runCheck('http', { url: 'not a url', expectedStatus: ['999'] }, { timeoutMs: 1000 });
    expect(r).toMatchObject({ status: 'down', latencyMs: null });
    expect(r.message).toMatch(/^invalid settings: url: .*; expectedStatus\.0: a status like 200, 2xx or 200-299/);
    expect((await runCheck('nope' as never, {}, { timeoutMs: 1000 })).message).toMatch(/unknown check type/);
  });

  it('every probe resolves, never rejects, on hopeless input', async () => {
    const cases: [keyof typeof probes, unknown][] = [
      ['tcp', { host: 'no-such-host.invalid', port: 1 }],
      ['http', { url: 'http://no-such-host.invalid/' }],
      ['tls', { host: 'no-such-host.invalid' }],
      ['dns', { name: 'x.invalid', server: '127.0.0.1:1' }],
      ['snmp', { host: '127.0.0.1', port: 1, mode: 'get', oids: [{ oid: '1.3.6.1.2.1.1.5.0' }] }],
      ['prometheus', { url: 'http://127.0.0.1:1/metrics' }],
      ['icmp', { host: 'no-such-host.invalid', count: 1 }],
    ];
    const results = await Promise.all(cases.map(([t, s]) => runCheck(t, s, { timeoutMs: 800 })));
    for (const [i, r] of results.entries()) {
      expect(r.status, `${cases[i]![0]}: ${r.message}`).toBe('down');
      expect(r.message.length).toBeGreaterThan(5);
    }
  });
});

describe('guarded', () => {
  const settings = z.object({});
  it('turns a throwing probe into a down result', async () => {
    const p: Probe<object> = { type: 'tcp', settings, run: () => { throw new Error('boom'); } };
    expect(await guarded(p).run({}, { timeoutMs: 100 })).toEqual({ status: 'down', latencyMs: null, message: 'probe error: boom' });
    const q: Probe<object> = { type: 'tcp', settings, run: async () => Promise.reject(Object.assign(new Error('x'), { code: 'ECONNRESET' })) };
    expect((await guarded(q).run({}, { timeoutMs: 100 })).message).toBe('probe error: connection reset by peer');
  });

  it('gives up on a probe that never settles, shortly after its timeout', async () => {
    const p: Probe<object> = { type: 'tcp', settings, run: () => new Promise(() => {}) };
    const t0 = Date.now();
    const r = await guarded(p).run({}, { timeoutMs: 50 });
    expect(r).toEqual({ status: 'down', latencyMs: null, message: 'timed out after 50 ms' });
    expect(Date.now() - t0).toBeLessThan(2000);
  });
});

describe('shared helpers', () => {
  it('compare: numbers as numbers, text as text', () => {
    expect(compare(5, '<', 10)).toBe(true);
    expect(compare('5', '<', 10)).toBe(true);
    expect(compare('abc', '<', 10)).toBe(false);
    expect(compare('1', '==', 1)).toBe(true);
    expect(compare('up', '==', 'up')).toBe(true);
    expect(compare('up', '!=', 'down')).toBe(true);
    expect(compare(10, '>=', '10')).toBe(true);
    expect(compare(null, '>', 0)).toBe(false);
  });

  it('worst and latencyStatus', () => {
    expect(worst('up', 'degraded')).toBe('degraded');
    expect(worst('down', 'degraded')).toBe('down');
    expect(latencyStatus(5, { latencyWarnMs: 10 })).toBe('up');
    expect(latencyStatus(11, { latencyWarnMs: 10 })).toBe('degraded');
    expect(latencyStatus(21, { latencyWarnMs: 10, latencyCritMs: 20 })).toBe('down');
  });
});
