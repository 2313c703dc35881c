/** Small shared pieces: error notes, dialogs, one-time secrets, badges, data loading. */
import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import i18next from 'i18next';
import { ApiError, api } from '../api.ts';

/** The message to show for an error: a translation for the well-known ids, else the server's message. */
export function errorText(t: TFunction, err: unknown): string {
  if (err instanceof ApiError) {
    const key = `errors.${err.id}`;
    if (err.id === 'validation_failed') return `${t(key)} ${err.message}`;
    if (i18next.exists(key)) return t(key);
    return err.message || t('errors.unknown');
  }
  return err instanceof Error ? err.message : String(err);
}

export function ErrorNote({ error, testId }: { error: unknown; testId?: string }) {
  const { t } = useTranslation();
  if (!error) return null;
  return (
    <div className="note note-error" role="alert" data-testid={testId}>
      {errorText(t, error)}
    </div>
  );
}

export function Dialog({ title, onClose, children, wide, testId }: { title: string; onClose: () => void; children: ReactNode; wide?: boolean; testId?: string }) {
  const { t } = useTranslation();
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') onClose();
    };
    document.addEventListener('keydown', onKey);
    ref.current?.querySelector<HTMLElement>('input, select, textarea, button.primary')?.focus();
    return () => document.removeEventListener('keydown', onKey);
  }, [onClose]);
  return (
    <div className="overlay" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div className={wide ? 'dialog dialog-wide' : 'dialog'} role="dialog" aria-modal="true" aria-label={title} ref={ref} data-testid={testId}>
        <div className="dialog-head">
          <h2>{title}</h2>
          <button type="button" className="icon" onClick={onClose} aria-label={t('common.close')} title={t('common.close')}>
            ×
          </button>
        </div>
        <div className="dialog-body">{children}</div>
      </div>
    </div>
  );
}

export function CopyButton({ text }: { text: string }) {
  const { t } = useTranslation();
  const [copied, setCopied] = useState(false);
  async function copy() {
    try {
      await navigator.clipboard.writeText(text);
    } catch {
      // clipboard refused (no HTTPS, permissions): select a hidden textarea and copy the old way
      const ta = document.createElement('textarea');
      ta.value = text;
      document.body.appendChild(ta);
      ta.select();
      document.execCommand('copy');
      ta.remove();
    }
    setCopied(true);
    setTimeout(() => setCopied(false), 1500);
  }
  return (
    <button type="button" className="small" onClick={copy}>
      {copied ? t('common.copied') : t('common.copy')}
    </button>
  );
}

/** A secret shown once (a one-time password, an API token): copy it now, it will not come back. */
export function OneTimeSecret({ label, value, hint, onDone, testId }: { label: string; value: string; hint: string; onDone?: () => void; testId?: string }) {
  const { t } = useTranslation();
  return (
    <div className="note note-secret" data-testid={testId}>
      <div className="secret-label">{label}</div>
      <div className="secret-row">
        <code className="secret">{value}</code>
        <CopyButton text={value} />
        {onDone && (
          <button type="button" className="small" onClick={onDone}>
            {t('common.done')}
          </button>
        )}
      </div>
      <div className="muted">{hint}</div>
    </div>
  );
}

const CRIT_CLASS: Record<number, string> = { 1: 'crit crit-1', 2: 'crit crit-2', 3: 'crit crit-3', 4: 'crit crit-4' };

/** C1 (most critical) to C4. */
export function CritBadge({ value }: { value: number | null | undefined }) {
  const { t } = useTranslation();
  if (value === null || value === undefined) return <span className="muted">—</span>;
  return (
    <span className={CRIT_CLASS[value] ?? 'crit'} title={t(`criticality.${value}`, { defaultValue: '' })}>
      C{value}
    </span>
  );
}

export function RoleChip({ role, onRemove, removeLabel }: { role: string; onRemove?: () => void; removeLabel?: string }) {
  const { t } = useTranslation();
  return (
    <span className={`chip chip-${role}`}>
      {t(`roles.${role}`, { defaultValue: role })}
      {onRemove && (
        <button type="button" className="chip-x" onClick={onRemove} aria-label={removeLabel} title={removeLabel}>
          ×
        </button>
      )}
    </span>
  );
}

export function ProgressBar({ value, indeterminate, label }: { value?: number; indeterminate?: boolean; label?: string }) {
  return (
    <div className="progress-wrap">
      <div className={indeterminate ? 'progress indeterminate' : 'progress'} role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={indeterminate ? undefined : Math.round((value ?? 0) * 100)} aria-label={label}>
        <div className="progress-fill" style={indeterminate ? undefined : { width: `${Math.round((value ?? 0) * 100)}%` }} />
      </div>
      {label && <span className="progress-label">{label}</span>}
    </div>
  );
}

export function Loading() {
  const { t } = useTranslation();
  return <div className="loading">{t('common.loading')}</div>;
}

export function PageHead({ title, sub, children }: { title: string; sub?: ReactNode; children?: ReactNode }) {
  return (
    <div className="page-head">
      <div>
        <h1>{title}</h1>
        {sub && <div className="page-sub">{sub}</div>}
      </div>
      <div className="page-actions">{children}</div>
    </div>
  );
}

export interface ApiData<T> {
  data: T | null;
  error: unknown;
  loading: boolean;
  reload: () => void;
  setData: (d: T | null) => void;
}

/** GETs a path (null: nothing) and reloads when it changes; stale answers are dropped. */
export function useApiData<T>(path: string | null): ApiData<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(path !== null);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (path === null) return;
    let live = true;
    setLoading(true);
    setError(null);
    api.get<T>(path).then(
      (d) => {
        if (!live) return;
        setData(d);
        setLoading(false);
      },
      (e: unknown) => {
        if (!live) return;
        setError(e);
        setLoading(false);
      },
    );
    return () => {
      live = false;
    };
  }, [path, tick]);
  const reload = useCallback(() => setTick((x) => x + 1), []);
  return { data, error, loading, reload, setData };
}

/** A value that follows another after it has stopped changing for `ms`. */
export function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const h = setTimeout(() => setV(value), ms);
    return () => clearTimeout(h);
  }, [value, ms]);
  return v;
}

/** Runs an async action, keeping its busy state and error for the form that started it. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const run = useCallback(async <R,>(fn: () => Promise<R>): Promise<R | undefined> => {
    setBusy(true);
    setError(null);
    try {
      return await fn();
    } catch (e) {
      setError(e);
      return undefined;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, setError, run };
}
