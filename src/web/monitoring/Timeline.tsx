/** A check's state periods as one coloured bar over the chosen period, and its availability. */
import { useMemo, useRef, useState, type MouseEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { intlLocale } from '../i18n/index.ts';
import { formatDateTime } from '../shared/format.ts';
import { formatAvailability, formatDuration, StateDot } from './common.tsx';
import { niceTicks } from './ticks.ts';
import type { Availability, Period } from './types.ts';

interface Segment {
  state: string;
  from: number;
  to: number;
  ongoing: boolean;
  cause: string;
  left: number;
  width: number;
}

const DAY = 86_400_000;

function tickFormat(span: number): Intl.DateTimeFormat {
  const loc = intlLocale();
  if (span <= 3 * DAY) return new Intl.DateTimeFormat(loc, { hour: '2-digit', minute: '2-digit' });
  if (span <= 100 * DAY) return new Intl.DateTimeFormat(loc, { weekday: span <= 10 * DAY ? 'short' : undefined, day: 'numeric', month: 'short' });
  return new Intl.DateTimeFormat(loc, { month: 'short', year: 'numeric' });
}

export function StateTimeline({ periods, from, to }: { periods: Period[]; from: number; to: number }) {
  const { t } = useTranslation();
  const bar = useRef<HTMLDivElement>(null);
  const [hover, setHover] = useState<{ seg: Segment; x: number } | null>(null);
  const now = Date.now();
  const end = Math.min(to, now);
  const span = Math.max(1, to - from);

  const segments = useMemo(() => {
    const out: Segment[] = [];
    for (const p of periods) {
      const a = Math.max(p.from, from);
      const b = Math.min(p.to ?? end, to);
      if (b <= a) continue;
      out.push({ state: p.state, from: p.from, to: p.to ?? end, ongoing: p.to === null, cause: p.cause, left: ((a - from) / span) * 100, width: ((b - a) / span) * 100 });
    }
    return out.sort((x, y) => x.from - y.from);
  }, [periods, from, to, end, span]);

  function move(e: MouseEvent<HTMLDivElement>) {
    const el = bar.current;
    if (!el) return;
    const r = el.getBoundingClientRect();
    const pct = ((e.clientX - r.left) / r.width) * 100;
    const seg = segments.find((s) => pct >= s.left && pct <= s.left + Math.max(s.width, 0.3));
    setHover(seg ? { seg, x: e.clientX - r.left } : null);
  }

  const fmt = tickFormat(span);
  return (
    <div className="timeline" data-testid="state-timeline" data-segments={segments.length}>
      <div className="timeline-bar" ref={bar} onMouseMove={move} onMouseLeave={() => setHover(null)} role="img" aria-label={t('mon.timeline.label')}>
        {segments.map((s, i) => (
          <div
            key={i}
            className={`timeline-seg state-bg-${s.state}`}
            style={{ left: `${s.left}%`, width: `max(${s.width}%, 2px)` }}
            data-state={s.state}
            title={`${t(`monState.${s.state}`, { defaultValue: s.state })} · ${formatDateTime(s.from)} → ${s.ongoing ? t('mon.timeline.now') : formatDateTime(s.to)} (${formatDuration(s.to - s.from)})`}
          />
        ))}
        {to > now && <div className="timeline-future" style={{ left: `${((now - from) / span) * 100}%` }} />}
        {hover && (
          <div className="timeline-tip" style={{ left: Math.min(Math.max(hover.x, 110), (bar.current?.clientWidth ?? 400) - 110) }} role="tooltip">
            <div className="strong">
              <StateDot state={hover.seg.state} /> {t(`monState.${hover.seg.state}`, { defaultValue: hover.seg.state })}
            </div>
            <div>
              {formatDateTime(hover.seg.from)} → {hover.seg.ongoing ? t('mon.timeline.now') : formatDateTime(hover.seg.to)}
            </div>
            <div className="muted">
              {formatDuration(hover.seg.to - hover.seg.from)} · {t(`mon.cause.${hover.seg.cause}`, { defaultValue: hover.seg.cause })}
            </div>
          </div>
        )}
      </div>
      <div className="timeline-axis" aria-hidden="true">
        {niceTicks(from, to)
          .map((x) => ({ x, pct: ((x - from) / span) * 100 }))
          // labels are centred on their tick: none so close to an edge that it would spill over or collide
          .filter(({ pct }) => pct >= 4 && pct <= 95)
          .map(({ x, pct }) => (
            <span key={x} style={{ left: `${pct}%` }}>
              {fmt.format(x)}
            </span>
          ))}
      </div>
      {segments.length === 0 && <div className="muted small-text">{t('mon.timeline.empty')}</div>}
    </div>
  );
}

const BREAKDOWN = [
  ['up', 'up_ms'],
  ['degraded', 'degraded_ms'],
  ['down', 'down_ms'],
  ['maintenance', 'maintenance_ms'],
  ['unknown', 'unknown_ms'],
] as const;

export function AvailabilityView({ value }: { value: Availability }) {
  const { t } = useTranslation();
  const total = BREAKDOWN.reduce((s, [, k]) => s + (value[k] ?? 0), 0);
  return (
    <div className="availability">
      <div className="availability-figure">
        {value.availability === null ? (
          <span className="availability-value muted" data-testid="availability-value" data-value="">
            {t('mon.availability.noData')}
          </span>
        ) : (
          <span className={`availability-value ${value.availability >= 0.999 ? 'good' : value.availability >= 0.99 ? 'fair' : 'poor'}`} data-testid="availability-value" data-value={value.availability}>
            {formatAvailability(value.availability)}
          </span>
        )}
        <span className="muted small-text">{t('mon.availability.rule')}</span>
      </div>
      {total > 0 && (
        <div className="breakdown-bar" aria-hidden="true">
          {BREAKDOWN.map(([s, k]) => (value[k] > 0 ? <div key={s} className={`state-bg-${s}`} style={{ width: `${(value[k] / total) * 100}%` }} title={t(`monState.${s}`)} /> : null))}
        </div>
      )}
      <table className="table table-plain breakdown">
        <tbody>
          {BREAKDOWN.map(([s, k]) => (
            <tr key={s}>
              <td>
                <StateDot state={s} /> {t(`monState.${s}`)}
              </td>
              <td className="right nowrap">{value[k] > 0 ? formatDuration(value[k]) : '—'}</td>
              <td className="right nowrap muted">{total > 0 && value[k] > 0 ? `${new Intl.NumberFormat(intlLocale(), { maximumFractionDigits: 2 }).format((value[k] / total) * 100)} %` : ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
