/**
 * The live preview beside the contract editor: for each priority, when a ticket declared now (or at
 * a chosen time) would be due (GTI and GTR), and each window's next 7 days as bars of open hours.
 * Asks the server (POST …/contracts/preview) with the draft, debounced: the same calendars as the
 * SLA clocks, never a second implementation in the browser.
 */
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, qs } from '../api.ts';
import { intlLocale } from '../i18n/index.ts';
import { useDebounced } from '../shared/ui.tsx';
import { instantToLocalInput, localInputToInstant } from '../monitoring/schedule.ts';
import { contractErrorText } from './errors.ts';
import { openPerDay, PRIORITIES, type ContractDraft, type ContractPreview, type DueTime } from './types.ts';

const browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone || 'Europe/Paris';

function formatDue(t: number, timeZone: string): string {
  try {
    return new Intl.DateTimeFormat(intlLocale(), { weekday: 'long', day: 'numeric', month: 'long', hour: '2-digit', minute: '2-digit', timeZone }).format(t);
  } catch {
    return new Date(t).toISOString();
  }
}

export function PreviewBox({ clientId, draft }: { clientId: string; draft: ContractDraft }) {
  const { t } = useTranslation();
  const [mode, setMode] = useState<'now' | 'at'>('now');
  const [atInput, setAtInput] = useState(() => instantToLocalInput(Math.ceil(Date.now() / 3_600_000) * 3_600_000, browserZone));
  const [tick, setTick] = useState(0);
  const at = mode === 'now' ? null : localInputToInstant(atInput, browserZone);
  // A draft still without a name is previewed all the same (the name plays no part in due times).
  const named = useMemo(() => (draft.name.trim() ? draft : { ...draft, name: '—' }), [draft]);
  const body = useDebounced(named, 400);
  const [result, setResult] = useState<{ preview: ContractPreview | null; error: unknown }>({ preview: null, error: null });
  const [loading, setLoading] = useState(false);

  // "now" moves: refresh the preview every minute.
  useEffect(() => {
    if (mode !== 'now') return;
    const h = setInterval(() => setTick((x) => x + 1), 60_000);
    return () => clearInterval(h);
  }, [mode]);

  useEffect(() => {
    let live = true;
    setLoading(true);
    api.post<ContractPreview>(`/clients/${clientId}/contracts/preview${qs({ at: at ?? undefined })}`, body).then(
      (p) => {
        if (!live) return;
        setResult({ preview: p, error: null });
        setLoading(false);
      },
      (e: unknown) => {
        if (!live) return;
        setResult((r) => ({ preview: r.preview, error: e }));
        setLoading(false);
      },
    );
    return () => {
      live = false;
    };
  }, [clientId, body, at, tick]);

  const when = mode === 'now' ? t('contracts.preview.now') : at !== null ? formatDue(at, browserZone) : '…';

  return (
    <div className="box contract-preview" data-testid="contract-preview" aria-busy={loading}>
      <div className="box-head">
        <h2>{t('contracts.preview.title')}</h2>
      </div>
      <div className="row small-text">
        <label className="check">
          <input type="radio" name="preview-at" checked={mode === 'now'} onChange={() => setMode('now')} />
          {t('contracts.preview.declaredNow')}
        </label>
        <label className="check">
          <input type="radio" name="preview-at" checked={mode === 'at'} onChange={() => setMode('at')} />
          {t('contracts.preview.declaredAt')}
        </label>
      </div>
      {mode === 'at' && <input type="datetime-local" className="mt" value={atInput} onChange={(e) => setAtInput(e.target.value)} aria-label={t('contracts.preview.declaredAt')} data-testid="contract-preview-at" />}
      {result.error !== null && (
        <div className="note note-error mt" role="alert">
          {contractErrorText(t, result.error)}
          {result.preview && <div className="muted small-text">{t('contracts.preview.stale')}</div>}
        </div>
      )}
      {result.preview && <PreviewView preview={result.preview} windows={draft.windows} when={when} />}
    </div>
  );
}

/** The due times per priority and each window's week, as the server computed them. */
export function PreviewView({ preview: p, windows, when }: { preview: ContractPreview; windows: readonly { id: string; time_zone: string }[]; when: string }) {
  const { t } = useTranslation();
  const zoneOf = new Map(windows.map((w) => [w.id, w.time_zone]));
  const byPriority = new Map(p.items.map((i) => [i.priority, i]));
  return (
    <>
      <ul className="due-list" data-testid="contract-preview-items">
        {PRIORITIES.map((prio) => {
          const item = byPriority.get(prio);
          return (
            <li key={prio} data-testid={`contract-preview-p${prio}`}>
              <div>
                <span className={`c-prio c-prio-${prio}`}>P{prio}</span> {t('contracts.preview.sentence', { priority: prio, when })}
              </div>
              {!item ? (
                <div className="muted">{t('contracts.preview.noTarget')}</div>
              ) : (
                <>
                  <DueLine label={t('contracts.gti')} due={item.gti} zone={item.gti ? (zoneOf.get(item.gti.window) ?? browserZone) : browserZone} />
                  <DueLine label={t('contracts.gtr')} due={item.gtr} zone={item.gtr ? (zoneOf.get(item.gtr.window) ?? browserZone) : browserZone} />
                </>
              )}
            </li>
          );
        })}
      </ul>
      {p.windows.map((w) => (
        <WindowWeek key={w.id} w={w} at={p.at} zone={zoneOf.get(w.id) ?? browserZone} />
      ))}
    </>
  );
}

function DueLine({ label, due, zone }: { label: string; due: DueTime | null; zone: string }) {
  const { t } = useTranslation();
  return (
    <div className="due-clock">
      <span className="strong">{label}</span>
      {due === null ? (
        <span className="muted">{t('contracts.preview.noClock')}</span>
      ) : due.due_at === null ? (
        <span className="warn">{t('contracts.preview.never', { window: due.window_name })}</span>
      ) : (
        <span>
          {formatDue(due.due_at, zone)} <span className="muted">· {due.window_name}</span>
          {!due.open_now && <span className="muted"> · {t('contracts.preview.closedNow')}</span>}
        </span>
      )}
    </div>
  );
}

function WindowWeek({ w, at, zone }: { w: ContractPreview['windows'][number]; at: number; zone: string }) {
  const { t } = useTranslation();
  const days = useMemo(() => openPerDay(w.next_week, at, zone), [w.next_week, at, zone]);
  const weekday = new Intl.DateTimeFormat(intlLocale(), { weekday: 'short', timeZone: 'UTC' });
  const total = days.reduce((s, d) => s + d.openMs, 0);
  return (
    <div className="window-preview" data-testid={`contract-preview-window-${w.id}`}>
      <div className="small-text">
        <span className={w.open_now ? 'open-dot on' : 'open-dot'} aria-hidden="true" />
        <span className="strong">{w.name}</span>{' '}
        <span className="muted">
          {w.open_now ? t('contracts.preview.openNow') : w.next_open_at !== null ? t('contracts.preview.opensAt', { when: formatDue(w.next_open_at, zone) }) : t('contracts.preview.neverOpens')}
        </span>
      </div>
      <div className="week-bars" role="img" aria-label={t('contracts.preview.weekAria', { name: w.name, hours: Math.round(total / 3_600_000) })}>
        {days.map((d) => {
          const hours = d.openMs / 3_600_000;
          const [y, m, dd] = d.day.split('-').map(Number);
          const wd = weekday.format(Date.UTC(y!, m! - 1, dd!));
          const label = `${wd} ${dd}`;
          return (
            <div key={d.day} className="week-bar" title={`${label} : ${t('contracts.preview.hours', { count: Math.round(hours * 10) / 10 })}`}>
              <div className="week-bar-track">
                <div className="week-bar-fill" style={{ height: `${Math.min(100, (hours / 24) * 100)}%` }} />
              </div>
              <span className="week-bar-label">
                <span>{wd}</span>
                <span>{dd}</span>
              </span>
            </div>
          );
        })}
      </div>
    </div>
  );
}
