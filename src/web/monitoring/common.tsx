/** Pieces the monitoring pages share: state badges, relative times, durations, the period picker. */
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { intlLocale } from '../i18n/index.ts';
import { formatDateTime } from '../shared/format.ts';
import type { EffectiveState } from './types.ts';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

export function StateBadge({ state, testId, title }: { state: EffectiveState | string; testId?: string; title?: string }) {
  const { t } = useTranslation();
  return (
    <span className={`state state-${state}`} data-testid={testId} data-state={state} title={title}>
      {t(`monState.${state}`, { defaultValue: state })}
    </span>
  );
}

/** A small coloured dot for a state (lists, selects). */
export function StateDot({ state }: { state: EffectiveState | string }) {
  return <span className={`state-dot state-bg-${state}`} aria-hidden="true" />;
}

let rtfCache: { locale: string; f: Intl.RelativeTimeFormat } | null = null;
function relativeFormat(): Intl.RelativeTimeFormat {
  const locale = intlLocale();
  if (!rtfCache || rtfCache.locale !== locale) rtfCache = { locale, f: new Intl.RelativeTimeFormat(locale, { numeric: 'auto', style: 'short' }) };
  return rtfCache.f;
}

/** "il y a 2 min", "in 3 h": a past or future instant relative to now. */
export function formatAgo(ms: number | null | undefined, now = Date.now()): string {
  if (ms === null || ms === undefined) return '';
  const rtf = relativeFormat();
  const d = ms - now;
  const a = Math.abs(d);
  if (a < 45_000) return rtf.format(Math.round(d / 1000), 'second');
  if (a < 45 * MINUTE) return rtf.format(Math.round(d / MINUTE), 'minute');
  if (a < 22 * HOUR) return rtf.format(Math.round(d / HOUR), 'hour');
  if (a < 26 * DAY) return rtf.format(Math.round(d / DAY), 'day');
  if (a < 320 * DAY) return rtf.format(Math.round(d / (30 * DAY)), 'month');
  return rtf.format(Math.round(d / (365 * DAY)), 'year');
}

/** A span of time, two units at most: "3 j 4 h", "12 min 5 s", "850 ms". */
export function formatDuration(ms: number): string {
  const fr = intlLocale().startsWith('fr');
  const u = fr ? { d: 'j', h: 'h', m: 'min', s: 's' } : { d: 'd', h: 'h', m: 'min', s: 's' };
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = Math.floor(ms / 1000);
  const days = Math.floor(s / 86400);
  const hours = Math.floor((s % 86400) / 3600);
  const mins = Math.floor((s % 3600) / 60);
  const secs = s % 60;
  const parts: string[] = [];
  if (days) parts.push(`${days} ${u.d}`);
  if (hours) parts.push(`${hours} ${u.h}`);
  if (mins) parts.push(`${mins} ${u.m}`);
  if (secs && !days) parts.push(`${secs} ${u.s}`);
  return parts.slice(0, 2).join(' ');
}

/** A latency: "12 ms", "1,25 s". */
export function formatLatency(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  const nf = (max: number) => new Intl.NumberFormat(intlLocale(), { maximumFractionDigits: max });
  if (ms < 10) return `${nf(1).format(ms)} ms`;
  if (ms < 1000) return `${nf(0).format(ms)} ms`;
  return `${nf(2).format(ms / 1000)} s`;
}

/** A ratio (0..1) as a percentage with 3 decimals: "99,987 %". */
export function formatAvailability(ratio: number): string {
  const pct = ratio > 1 ? ratio : ratio * 100; // tolerate a server that already sends a percentage
  return new Intl.NumberFormat(intlLocale(), { style: 'percent', minimumFractionDigits: 3, maximumFractionDigits: 3 }).format(pct / 100);
}

/** Re-renders every `ms` (relative times stay true). */
export function useNow(ms = 30_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const h = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(h);
  }, [ms]);
  return now;
}

/** An instant with its relative form in the tooltip, or the other way round. */
export function Ago({ at, now }: { at: number | null | undefined; now?: number }) {
  if (at === null || at === undefined) return <span className="muted">—</span>;
  return (
    <time dateTime={new Date(at).toISOString()} title={formatDateTime(at)}>
      {formatAgo(at, now)}
    </time>
  );
}

// ------------------------------------------------------------------------------------ periods

export const PERIODS = ['24h', '7d', '30d', '12m', 'custom'] as const;
export type PeriodKey = (typeof PERIODS)[number];

const SPAN: Record<Exclude<PeriodKey, 'custom'>, number> = { '24h': DAY, '7d': 7 * DAY, '30d': 30 * DAY, '12m': 365 * DAY };

export interface Range {
  key: PeriodKey;
  from: number;
  to: number;
}

function localDayInput(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

function parseLocalDay(s: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  return m ? new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3])).getTime() : null;
}

export function rangeFor(key: PeriodKey, now = Date.now(), custom?: { from: number; to: number }): Range {
  if (key === 'custom') return { key, from: custom?.from ?? now - 7 * DAY, to: custom?.to ?? now };
  return { key, from: now - SPAN[key], to: now };
}

/** The period a check page shows; `refresh` moves a relative period's end to now. */
export function usePeriod(initial: PeriodKey = '24h') {
  const [range, setRange] = useState<Range>(() => rangeFor(initial));
  return useMemo(
    () => ({
      range,
      setKey: (key: PeriodKey) => setRange((r) => (key === 'custom' ? { key, from: r.from, to: r.to } : rangeFor(key))),
      setCustom: (from: number, to: number) => setRange({ key: 'custom', from, to }),
      refresh: () => setRange((r) => (r.key === 'custom' ? { ...r } : rangeFor(r.key))),
    }),
    [range],
  );
}

export function PeriodPicker({ period }: { period: ReturnType<typeof usePeriod> }) {
  const { t } = useTranslation();
  const { range } = period;
  const [fromDay, setFromDay] = useState(() => localDayInput(range.from));
  const [toDay, setToDay] = useState(() => localDayInput(range.to));
  useEffect(() => {
    setFromDay(localDayInput(range.from));
    setToDay(localDayInput(range.to));
  }, [range.from, range.to]);
  function applyCustom(f: string, to: string) {
    const a = parseLocalDay(f);
    const b = parseLocalDay(to);
    if (a === null || b === null || b < a) return;
    const end = new Date(b);
    end.setDate(end.getDate() + 1); // the whole last day
    period.setCustom(a, Math.min(end.getTime(), Date.now()));
  }
  return (
    <div className="period-picker" data-testid="period-picker">
      <div className="segmented" role="group" aria-label={t('mon.period')}>
        {PERIODS.map((p) => (
          <button key={p} type="button" className={range.key === p ? 'on' : undefined} aria-pressed={range.key === p} onClick={() => period.setKey(p)} data-testid={`period-${p}`}>
            {t(`mon.periods.${p}`)}
          </button>
        ))}
      </div>
      {range.key === 'custom' && (
        <span className="period-custom">
          <input
            type="date"
            value={fromDay}
            max={toDay}
            aria-label={t('mon.from')}
            onChange={(e) => {
              setFromDay(e.target.value);
              applyCustom(e.target.value, toDay);
            }}
          />
          <span className="muted">→</span>
          <input
            type="date"
            value={toDay}
            min={fromDay}
            max={localDayInput(Date.now())}
            aria-label={t('mon.to')}
            onChange={(e) => {
              setToDay(e.target.value);
              applyCustom(fromDay, e.target.value);
            }}
          />
        </span>
      )}
      <button type="button" className="small ghost" onClick={period.refresh} title={t('mon.refresh')} aria-label={t('mon.refresh')}>
        ↻
      </button>
    </div>
  );
}
