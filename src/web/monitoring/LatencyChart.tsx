/** The latency of a check over a period, drawn by uPlot: mean and p95 of rollups, or each raw result as a point. */
import { useEffect, useMemo, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { intlLocale } from '../i18n/index.ts';
import { formatDateTime } from '../shared/format.ts';
import { formatLatency } from './common.tsx';
import type { Results } from './types.ts';

const STEP_S: Record<string, number> = { minute: 60, hour: 3600, day: 86400 };
const COLORS = { mean: '#1d5fbf', p95: '#d97706', max: '#9aa4b0', up: '#1a7f37', degraded: '#d49100', down: '#c62828' };

type Data = (number | null)[][];

/** A span of time with failures, drawn behind the lines: red when something was down, amber when degraded. */
interface Band {
  x0: number;
  x1: number;
  kind: 'down' | 'degraded';
}

function median(xs: number[]): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Columns for uPlot, with a null after each hole so that lines break where data is missing, and the failure bands. */
function toData(r: Results): { data: Data; kind: 'raw' | 'rollup'; empty: boolean; bands: Band[] } {
  const bands: Band[] = [];
  if (r.resolution === 'raw') {
    const pts = [...r.points].sort((a, b) => a.at - b.at);
    const xs: number[] = [];
    const up: (number | null)[] = [];
    const degraded: (number | null)[] = [];
    const down: (number | null)[] = [];
    const spacing = median(pts.slice(1).map((p, i) => (p.at - pts[i]!.at) / 1000)) || 60;
    for (const p of pts) {
      const x = p.at / 1000;
      xs.push(x);
      up.push(p.status === 'up' ? p.latency_ms : null);
      degraded.push(p.status === 'degraded' ? p.latency_ms : null);
      down.push(p.status === 'down' ? p.latency_ms : null);
      if (p.status !== 'up') bands.push({ x0: x - spacing / 2, x1: x + spacing / 2, kind: p.status });
    }
    return { data: [xs, up, degraded, down], kind: 'raw', empty: pts.length === 0, bands };
  }
  const step = STEP_S[r.resolution] ?? 60;
  const pts = [...r.points].sort((a, b) => a.at - b.at);
  // a check run every 5 min leaves empty minutes that are not holes: judge holes by the usual spacing
  const hole = Math.max(step, median(pts.slice(1).map((p, i) => (p.at - pts[i]!.at) / 1000))) * 2.5;
  const xs: number[] = [];
  const mean: (number | null)[] = [];
  const p95: (number | null)[] = [];
  const max: (number | null)[] = [];
  let prev: number | null = null;
  for (const p of pts) {
    const x = p.at / 1000;
    if (prev !== null && x - prev > hole) {
      xs.push(prev + step);
      mean.push(null);
      p95.push(null);
      max.push(null);
    }
    xs.push(x);
    mean.push(p.mean_ms);
    p95.push(p.p95_ms);
    max.push(p.max_ms);
    if (p.down > 0) bands.push({ x0: x, x1: x + step, kind: 'down' });
    else if (p.degraded > 0) bands.push({ x0: x, x1: x + step, kind: 'degraded' });
    prev = x;
  }
  return { data: [xs, mean, p95, max], kind: 'rollup', empty: pts.length === 0, bands };
}

/** Axis labels in the user's language, coarser as the period grows. */
function timeFormatter(spanS: number): Intl.DateTimeFormat {
  const loc = intlLocale();
  if (spanS <= 2 * 86400) return new Intl.DateTimeFormat(loc, { hour: '2-digit', minute: '2-digit' });
  if (spanS <= 100 * 86400) return new Intl.DateTimeFormat(loc, { day: 'numeric', month: 'short' });
  return new Intl.DateTimeFormat(loc, { month: 'short', year: 'numeric' });
}

export function LatencyChart({ results, from, to, height = 220 }: { results: Results; from: number; to: number; height?: number }) {
  const { t, i18n } = useTranslation();
  const box = useRef<HTMLDivElement>(null);
  const { data, kind, empty, bands } = useMemo(() => toData(results), [results]);

  useEffect(() => {
    const el = box.current;
    if (!el || empty) return;
    const span = (to - from) / 1000;
    const fmt = timeFormatter(span);
    const pointSeries = (label: string, color: string): uPlot.Series => ({
      label,
      stroke: color,
      fill: color,
      paths: () => null,
      points: { show: true, size: 5, stroke: color, fill: color, width: 1 },
      value: (_u, v) => (v === null || v === undefined ? '—' : formatLatency(v)),
    });
    const lineSeries = (label: string, color: string, extra: Partial<uPlot.Series> = {}): uPlot.Series => ({
      label,
      stroke: color,
      width: 1.5,
      spanGaps: false,
      value: (_u, v) => (v === null || v === undefined ? '—' : formatLatency(v)),
      ...extra,
    });
    const series: uPlot.Series[] = [
      { label: t('mon.chart.time'), value: (_u, v) => (v === null || v === undefined ? '' : formatDateTime(v * 1000)) },
      ...(kind === 'raw'
        ? [pointSeries(t('monState.up'), COLORS.up), pointSeries(t('monState.degraded'), COLORS.degraded), pointSeries(t('monState.down'), COLORS.down)]
        : [
            lineSeries(t('mon.chart.mean'), COLORS.mean, { fill: 'rgba(29,95,191,0.07)' }),
            lineSeries(t('mon.chart.p95'), COLORS.p95),
            lineSeries(t('mon.chart.max'), COLORS.max, { show: false, dash: [4, 3], width: 1 }),
          ]),
    ];
    const opts: uPlot.Options = {
      width: Math.max(300, el.clientWidth),
      height,
      scales: {
        x: { time: true, range: () => [from / 1000, to / 1000] },
        y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.12 : 10] },
      },
      axes: [
        {
          stroke: '#5b6673',
          grid: { stroke: '#eceef1', width: 1 },
          ticks: { stroke: '#d9dde3', width: 1 },
          values: (_u, splits) => splits.map((s) => fmt.format(s * 1000)),
          font: '11px system-ui, sans-serif',
        },
        {
          stroke: '#5b6673',
          grid: { stroke: '#eceef1', width: 1 },
          ticks: { stroke: '#d9dde3', width: 1 },
          size: 64,
          values: (_u, splits) => splits.map((s) => formatLatency(s)),
          font: '11px system-ui, sans-serif',
        },
      ],
      series,
      cursor: { drag: { x: true, y: false }, points: { size: 6 } },
      hooks: {
        // failure bands behind the series, at least 2 px wide so a short outage over a year stays visible
        drawAxes: [
          (u) => {
            const { ctx } = u;
            const { top, height: h } = u.bbox;
            ctx.save();
            for (const b of bands) {
              const a = u.valToPos(b.x0, 'x', true);
              const z = u.valToPos(b.x1, 'x', true);
              ctx.fillStyle = b.kind === 'down' ? 'rgba(198, 40, 40, 0.16)' : 'rgba(208, 138, 0, 0.13)';
              ctx.fillRect(a, top, Math.max(2, z - a), h);
            }
            ctx.restore();
          },
        ],
      },
      legend: { live: true },
    };
    const u = new uPlot(opts, data as uPlot.AlignedData, el);
    const ro = new ResizeObserver(() => {
      const w = Math.max(300, el.clientWidth);
      if (Math.abs(w - u.width) > 2) u.setSize({ width: w, height });
    });
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
    };
  }, [data, kind, empty, bands, from, to, height, t, i18n.language]);

  if (empty) {
    return (
      <div className="chart-empty" data-testid="latency-chart" data-empty="true" style={{ height }}>
        {t('mon.chart.noData')}
      </div>
    );
  }
  return <div className="chart" ref={box} data-testid="latency-chart" data-resolution={results.resolution} data-points={results.points.length} />;
}
