import { readFileSync, statfsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freeTcpPort, skipWithout, started } from '../../../../test/peers/common.ts';
import { type HttpPeer, startHttpServer } from '../../../../test/peers/http.ts';
import { type NodeExporterPeer, aptInfoMissing, nodeExporterMissing, runAptInfo, startNodeExporter } from '../../../../test/peers/node-exporter.ts';
import { WINDOWS_EXPORTER_TEXT, type WindowsExporterPeer, startWindowsExporterFixture } from '../../../../test/peers/windows-exporter.ts';
import { parseExposition } from './exposition.ts';
import { closeHttpAgents } from './http-client.ts';
import { PrometheusRule, PrometheusSettings, evaluateRule, prometheusProbe } from './prometheus.ts';

const ctx = { timeoutMs: 5000 };
const rule = (r: Record<string, unknown>) => PrometheusRule.parse(r);

describe('prometheus rules on a parsed exposition', () => {
  const win = parseExposition(WINDOWS_EXPORTER_TEXT);

  it('disk_free_percent on windows_exporter volumes: the fullest lettered volume decides', () => {
    const c = evaluateRule(rule({ kind: 'disk_free_percent', mountpoint: 'c:' }), win);
    expect(c.status).toBe('up');
    expect(c.metrics.disk_free_percent).toBeCloseTo(15.8, 1);
    expect(c.text).toMatch(/^disk C: 15\.8% free of 237\.9 GiB$/);
    expect(evaluateRule(rule({ kind: 'disk_free_percent', mountpoint: 'C:', degradedBelow: 20 }), win).status).toBe('degraded');
    const all = evaluateRule(rule({ kind: 'disk_free_percent' }), win);
    expect(all.status).toBe('down'); // D: has 0.24 % free
    expect(all.text).toMatch(/^disk D: 0\.2% free of 465\.7 GiB \(< 5%\) \(fullest of 2\)$/);
    expect(Object.keys(all.metrics)).toEqual(['disk_free_percent{mountpoint="C:"}', 'disk_free_percent{mountpoint="D:"}']);
    expect(evaluateRule(rule({ kind: 'disk_free_percent', mountpoint: 'Z:' }), win)).toMatchObject({ status: 'down', text: 'no disk Z: in the exposition' });
    expect(evaluateRule(rule({ kind: 'disk_free_percent', mountpoint: 'Z:', ifMissing: 'up' }), win).status).toBe('up');
  });

  it('memory_available_percent on windows_exporter (old and new metric names)', () => {
    const m = evaluateRule(rule({ kind: 'memory_available_percent' }), win);
    expect(m.status).toBe('up');
    expect(m.metrics.memory_available_percent).toBeCloseTo(55.35, 2);
    expect(m.text).toBe('memory 55.4% available of 15.9 GiB');
    const newer = parseExposition('windows_memory_physical_free_bytes 1e9\nwindows_memory_physical_total_bytes 16e9\n');
    expect(evaluateRule(rule({ kind: 'memory_available_percent' }), newer)).toMatchObject({ status: 'degraded', metrics: { memory_available_percent: 6.25 } });
  });

  it('metric rules: each series, or aggregated, with comparisons', () => {
    const stopped = evaluateRule(rule({ kind: 'metric', selector: 'windows_service_state{state="running"}', downIf: { op: '==', value: 0 } }), win);
    expect(stopped.status).toBe('down');
    expect(stopped.text).toBe('windows_service_state{name="wuauserv",state="running"} = 0 (== 0)');
    const count = evaluateRule(rule({ kind: 'metric', selector: 'windows_cpu_time_total{mode="idle"}', aggregate: 'count', degradedIf: { op: '<', value: 4 } }), win);
    expect(count).toMatchObject({ status: 'degraded', metrics: { 'count(windows_cpu_time_total)': 2 } });
    const sum = evaluateRule(rule({ kind: 'metric', selector: 'windows_logical_disk_free_bytes{volume=~"[A-Z]:"}', aggregate: 'sum', label: 'free_bytes' }), win);
    expect(sum.metrics['sum(free_bytes)']).toBe(41560828928);
    const missing = evaluateRule(rule({ kind: 'metric', selector: 'node_load1' }), win);
    expect(missing).toMatchObject({ status: 'down', text: 'no series matches node_load1' });
    expect(PrometheusRule.safeParse({ kind: 'metric', selector: 'bad selector{' }).success).toBe(false);
  });

  it('apt and reboot presets', () => {
    const e = parseExposition(
      'apt_upgrades_pending{origin="Debian:bookworm/stable",arch="amd64"} 4\napt_upgrades_pending{origin="Debian:bookworm-security/stable-security",arch="amd64"} 2\nnode_reboot_required 1\n',
    );
    expect(evaluateRule(rule({ kind: 'apt_upgrades_pending' }), e)).toMatchObject({ status: 'degraded', text: '6 apt upgrades pending (2 security) (> 0)', metrics: { apt_upgrades_pending: 6, apt_security_upgrades_pending: 2 } });
    expect(evaluateRule(rule({ kind: 'apt_upgrades_pending', degradedAbove: 10 }), e).status).toBe('up');
    expect(evaluateRule(rule({ kind: 'apt_upgrades_pending', downAbove: 5 }), e).status).toBe('down');
    expect(evaluateRule(rule({ kind: 'apt_upgrades_pending', degradedAbove: 10, securityDownAbove: 0 }), e)).toMatchObject({ status: 'down', text: '6 apt upgrades pending (2 security) (security > 0)' });
    expect(evaluateRule(rule({ kind: 'reboot_required' }), e)).toMatchObject({ status: 'degraded', text: 'reboot required' });
    expect(evaluateRule(rule({ kind: 'reboot_required', severity: 'down' }), e).status).toBe('down');
    expect(evaluateRule(rule({ kind: 'reboot_required' }), parseExposition('node_reboot_required 0\n')).status).toBe('up');
    expect(evaluateRule(rule({ kind: 'reboot_required' }), parseExposition('x 1\n')).text).toMatch(/not exposed/);
  });
});

describe('prometheus probe on a windows_exporter exposition served over HTTP', () => {
  let peer: WindowsExporterPeer;
  let web: HttpPeer;
  beforeAll(async () => {
    peer = await startWindowsExporterFixture();
    web = await startHttpServer();
  });
  afterAll(async () => {
    closeHttpAgents();
    await peer.stop();
    await web.stop();
  });

  it('judges every rule, the worst wins, the message leads with what is wrong', async () => {
    const r = await prometheusProbe.run(
      PrometheusSettings.parse({ url: peer.url, rules: [{ kind: 'memory_available_percent' }, { kind: 'disk_free_percent', mountpoint: 'C:', degradedBelow: 20 }] }),
      ctx,
    );
    expect(r.status).toBe('degraded');
    expect(r.message).toMatch(/^disk C: 15\.8% free of 237\.9 GiB \(< 20%\); memory 55\.4% available of 15\.9 GiB — \d+ series scraped in /);
    expect(r.metrics).toMatchObject({ memory_available_percent: 55.35, disk_free_percent: 15.8 });
  });

  it('with no rules, checks the scrape alone', async () => {
    const r = await prometheusProbe.run(PrometheusSettings.parse({ url: peer.url }), ctx);
    expect(r.status).toBe('up');
    expect(r.metrics!.series).toBe(22);
  });

  it('is down for a page that is not an exposition, a 404, or a refused connection', async () => {
    const html = await prometheusProbe.run(PrometheusSettings.parse({ url: `${web.base}/error-page` }), ctx);
    expect(html.status).toBe('down');
    expect(html.message).toMatch(/not a Prometheus exposition/);
    const notFound = await prometheusProbe.run(PrometheusSettings.parse({ url: `${peer.url}x` }), ctx);
    expect(notFound).toMatchObject({ status: 'down' });
    expect(notFound.message).toMatch(/HTTP 404/);
    const refused = await prometheusProbe.run(PrometheusSettings.parse({ url: `http://127.0.0.1:${await freeTcpPort()}/metrics` }), ctx);
    expect(refused.message).toMatch(/connection refused/);
  });

  it('is down when the exposition is larger than maxBytes', async () => {
    const r = await prometheusProbe.run(PrometheusSettings.parse({ url: `${web.base}/big?bytes=200000`, maxBytes: 4096 }), ctx);
    expect(r.status).toBe('down');
    expect(r.message).toMatch(/larger than 4096 bytes/);
  });
});

describe.skipIf(skipWithout('prometheus probe against prometheus-node-exporter', nodeExporterMissing()))('prometheus probe against prometheus-node-exporter', () => {
  let peer: NodeExporterPeer;
  beforeAll(async () => {
    peer = started(await startNodeExporter());
  });
  afterAll(async () => {
    closeHttpAgents();
    await peer?.stop();
  });
  const run = (rules: unknown[], extra: Record<string, unknown> = {}) => prometheusProbe.run(PrometheusSettings.parse({ url: peer.url, rules, ...extra }), ctx);

  it('disk_free_percent of / matches statfs', async () => {
    const r = await run([{ kind: 'disk_free_percent', mountpoint: '/', degradedBelow: 0, downBelow: 0 }]);
    expect(r.status, r.message).toBe('up');
    const st = statfsSync('/');
    const expected = (st.bavail / st.blocks) * 100;
    expect(r.metrics!.disk_free_percent).toBeGreaterThan(expected - 2);
    expect(r.metrics!.disk_free_percent).toBeLessThan(expected + 2);
    expect(r.message).toMatch(/^disk \/ [\d.]+% free of [\d.]+ GiB — \d+ series scraped in/);
    // Every real filesystem when no mount point is named.
    const all = await run([{ kind: 'disk_free_percent', degradedBelow: 0, downBelow: 0 }]);
    expect(all.status).toBe('up');
    // A threshold above what is free makes it down.
    const full = await run([{ kind: 'disk_free_percent', mountpoint: '/', degradedBelow: 100, downBelow: 100 }]);
    expect(full.status).toBe('down');
  });

  it('memory_available_percent matches /proc/meminfo', async () => {
    const r = await run([{ kind: 'memory_available_percent', degradedBelow: 0, downBelow: 0 }]);
    expect(r.status).toBe('up');
    const mi = readFileSync('/proc/meminfo', 'utf8');
    const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(mi)![1]);
    const expected = (kb('MemAvailable') / kb('MemTotal')) * 100;
    expect(Math.abs(r.metrics!.memory_available_percent! - expected)).toBeLessThan(5);
  });

  it('load1_per_cpu matches os.loadavg() / CPU count', async () => {
    const r = await run([{ kind: 'load1_per_cpu', degradedAbove: 1000, downAbove: 1000 }]);
    expect(r.status).toBe('up');
    const expected = loadavg()[0]! / cpus().length;
    expect(Math.abs(r.metrics!.load1_per_cpu! - expected)).toBeLessThan(0.5 + expected);
    expect(r.message).toMatch(new RegExp(`on ${cpus().length} CPUs`));
  });

  it('apt_upgrades_pending and node_reboot_required from an apt-style textfile', async () => {
    peer.writeTextfile(
      'apt',
      [
        '# HELP apt_upgrades_pending Apt packages pending updates by origin.',
        '# TYPE apt_upgrades_pending gauge',
        'apt_upgrades_pending{origin="Debian:bookworm/stable",arch="all"} 3',
        'apt_upgrades_pending{origin="Debian:bookworm-security/stable-security",arch="amd64"} 2',
        '# HELP node_reboot_required Node reboot is required for software updates.',
        '# TYPE node_reboot_required gauge',
        'node_reboot_required 1',
        '',
      ].join('\n'),
    );
    const r = await run([{ kind: 'apt_upgrades_pending' }, { kind: 'reboot_required' }]);
    expect(r.status).toBe('degraded');
    expect(r.message).toMatch(/^5 apt upgrades pending \(2 security\) \(> 0\); reboot required — /);
    expect(r.metrics).toMatchObject({ apt_upgrades_pending: 5, apt_security_upgrades_pending: 2, reboot_required: 1 });
    expect((await run([{ kind: 'apt_upgrades_pending', securityDownAbove: 0 }])).status).toBe('down');
    expect((await run([{ kind: 'reboot_required', severity: 'down' }])).status).toBe('down');
    // The textfile collector's own health, as any metric.
    const tf = await run([{ kind: 'metric', selector: 'node_textfile_scrape_error', downIf: { op: '>', value: 0 } }]);
    expect(tf.status, tf.message).toBe('up');
  });

  it.skipIf(skipWithout('apt_info.py collector', aptInfoMissing()))('apt_upgrades_pending as the real apt_info.py collector writes it', async () => {
    const text = runAptInfo();
    peer.writeTextfile('apt', text);
    const expected = [...text.matchAll(/^apt_upgrades_pending\{[^}]*\} (\d+)$/gm)].reduce((a, m) => a + Number(m[1]), 0);
    const reboot = /^node_reboot_required (\d)/m.exec(text)![1];
    const r = await run([{ kind: 'apt_upgrades_pending', degradedAbove: 100_000 }, { kind: 'reboot_required' }]);
    expect(r.metrics).toMatchObject({ apt_upgrades_pending: expected, reboot_required: Number(reboot) });
    expect(r.status).toBe(reboot === '1' ? 'degraded' : 'up');
  });

  it('any metric with label matchers', async () => {
    const r = await run([
      { kind: 'metric', selector: 'node_exporter_build_info{version=~"\\\\d+\\\\..*"}', downIf: { op: '!=', value: 1 } },
      { kind: 'metric', selector: 'node_cpu_seconds_total{mode="idle"}', aggregate: 'count', degradedIf: { op: '<', value: 1 } },
    ]);
    expect(r.status, r.message).toBe('up');
    expect(r.metrics!['count(node_cpu_seconds_total)']).toBe(cpus().length);
    const missing = await run([{ kind: 'metric', selector: 'node_nonexistent_metric' }]);
    expect(missing.status).toBe('down');
    expect(missing.message).toMatch(/no series matches node_nonexistent_metric/);
  });

  it('is degraded when the scrape is slower than the threshold', async () => {
    const s = PrometheusSettings.parse({ url: peer.url });
    const r = await prometheusProbe.run({ ...s, latencyWarnMs: 0 }, ctx);
    expect(r.status).toBe('degraded');
    expect(r.message).toMatch(/slow: /);
  });
});
