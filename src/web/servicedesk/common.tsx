/** Pieces the service-desk pages share: badges, SLA clock arithmetic and its words, error text, the upload. */
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import i18next from 'i18next';
import { API, ApiError, api } from '../api.ts';
import { intlLocale } from '../i18n/index.ts';
import { formatDuration } from '../monitoring/common.tsx';
import { rolesOn, type Session } from '../session.tsx';
import { PROVIDER_ROLES } from '../tenancy/roles.ts';
import { errorText } from '../shared/ui.tsx';
import { isNever, queueTone, type LiveClock } from './clock.ts';
import type { AttachmentJson, ClockJson, ClockState, TicketState } from './types.ts';

const MINUTE = 60_000;

/** Whether the signed-in person works this client's tickets (a provider role on it, as the server's isStaffOn). */
export function staffOn(session: Session, clientId: string): boolean {
  return session.provider_staff && rolesOn(session, clientId).some((r) => (PROVIDER_ROLES as readonly string[]).includes(r));
}

export function PriorityBadge({ value, testId }: { value: number; testId?: string }) {
  const { t } = useTranslation();
  return (
    <span className={`prio prio-${value}`} title={t(`desk.priorityName.${value}`, { defaultValue: '' })} data-testid={testId} data-priority={value}>
      P{value}
    </span>
  );
}

export function TicketStateBadge({ state, testId }: { state: TicketState | string; testId?: string }) {
  const { t } = useTranslation();
  return (
    <span className={`tstate tstate-${state}`} data-testid={testId} data-state={state}>
      {t(`desk.state.${state}`, { defaultValue: state })}
    </span>
  );
}

/** The message for an error: the service desk's own ids first, then the app's. */
export function deskErrorText(t: TFunction, err: unknown): string {
  if (err instanceof ApiError && i18next.exists(`desk.errors.${err.id}`)) return t(`desk.errors.${err.id}`);
  return errorText(t, err);
}

export function DeskError({ error, testId }: { error: unknown; testId?: string }) {
  const { t } = useTranslation();
  if (!error) return null;
  return (
    <div className="note note-error" role="alert" data-testid={testId}>
      {deskErrorText(t, error)}
    </div>
  );
}

/** Re-renders every `ms` while `on`. */
export function useTick(ms: number, on = true): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!on) return;
    setNow(Date.now());
    const h = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(h);
  }, [ms, on]);
  return now;
}

/** "10:42" today, "27/11 10:42" another day of this year, else the short date and time. */
export function formatWhen(ms: number | null | undefined, now = Date.now()): string {
  if (ms === null || ms === undefined) return '';
  const d = new Date(ms);
  const n = new Date(now);
  const locale = intlLocale();
  if (d.toDateString() === n.toDateString()) return new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit' }).format(ms);
  if (d.getFullYear() === n.getFullYear()) return new Intl.DateTimeFormat(locale, { day: '2-digit', month: '2-digit', hour: '2-digit', minute: '2-digit' }).format(ms);
  return new Intl.DateTimeFormat(locale, { dateStyle: 'short', timeStyle: 'short' }).format(ms);
}

/** A due time in full: "lundi 30 novembre 2026 à 11:00". */
export function formatFull(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '';
  return new Intl.DateTimeFormat(intlLocale(), { dateStyle: 'full', timeStyle: 'short' }).format(ms);
}

/** A span to the minute for long spans, to the second under an hour (a countdown that visibly moves). */
export function formatSpan(ms: number): string {
  const a = Math.abs(ms);
  if (a < MINUTE) return formatDuration(Math.max(1000, Math.floor(a / 1000) * 1000));
  return formatDuration(a >= 3_600_000 ? Math.floor(a / MINUTE) * MINUTE : a);
}

/** "reste 2 h 14 min", "dépassé de 12 min", "en pause depuis 10:42", "tenu à 10:42", "tenu en retard, à 10:42". */
export function clockText(t: TFunction, c: ClockJson, live: LiveClock, now: number, stoppedAt: number | null = null): string {
  if (c.state === 'met') return t('desk.clock.met', { at: formatWhen(c.met_at ?? stoppedAt, now) });
  if (c.state === 'breached' && stoppedAt !== null) return t('desk.clock.metLate', { at: formatWhen(stoppedAt, now), span: formatSpan(live.remaining) });
  if (c.state === 'paused') return t('desk.clock.pausedSince', { at: formatWhen(c.paused_since, now) });
  if (live.remaining < 0) return t('desk.clock.late', { span: formatSpan(live.remaining) });
  return t('desk.clock.left', { span: formatSpan(live.remaining) });
}

/**
 * The short form a queue shows for one clock, from the summary's due time and state (wall time:
 * the queue has no calendar; the colour turns at 75 % of the time from declaration to due).
 */
export function dueCell(t: TFunction, state: ClockState | null, dueAt: number | null, createdAt: number, now: number, stopped = false): { text: string; tone: LiveClock['tone'] | 'none'; title: string } {
  if (!state) return { text: '—', tone: 'none', title: '' };
  if (state === 'paused' || isNever(dueAt)) return { text: t('desk.due.paused'), tone: 'idle', title: '' };
  const due = dueAt!;
  const title = formatFull(due);
  if (state === 'met') return { text: t('desk.due.met'), tone: 'done', title };
  if (state === 'breached' && stopped) return { text: t('desk.due.breached'), tone: 'late', title };
  const left = due - now;
  if (state === 'breached' || left < 0) return { text: t('desk.due.late', { span: formatSpan(left) }), tone: 'late', title };
  return { text: t('desk.due.left', { span: formatSpan(left) }), tone: queueTone(createdAt, due, now), title };
}

/** The attachment's download address (a plain link: the session cookie goes with it). */
export function attachmentHref(clientId: string, ticketId: string, a: AttachmentJson): string {
  return `${API}/clients/${clientId}/tickets/${ticketId}/attachments/${a.id}`;
}

/** The server's limit (servicedesk/attachments.ts): a larger file is refused before it is sent. */
export const MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024;

export interface Progress {
  loaded: number;
  total: number;
}

/**
 * POSTs one file as multipart (field `file`, and `internal`) with XMLHttpRequest, which reports
 * upload progress. The CSRF token is read from the session first (api.ts keeps its own private).
 */
export async function uploadAttachment(clientId: string, ticketId: string, file: File, internal: boolean, onProgress: (p: Progress) => void, signal?: AbortSignal): Promise<AttachmentJson> {
  if (file.size > MAX_ATTACHMENT_BYTES) throw new ApiError(413, 'file_too_large', file.name);
  const s = await api.get<{ csrf_token?: string | null }>('/auth/session');
  return new Promise<AttachmentJson>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `${API}/clients/${clientId}/tickets/${ticketId}/attachments`);
    xhr.setRequestHeader('accept', 'application/json');
    if (s.csrf_token) xhr.setRequestHeader('x-csrf-token', s.csrf_token);
    xhr.upload.onprogress = (e) => onProgress({ loaded: e.loaded, total: e.lengthComputable ? e.total : file.size });
    xhr.onerror = () => reject(new ApiError(0, 'network_error', 'Network error'));
    xhr.onabort = () => reject(new ApiError(0, 'aborted', 'Cancelled'));
    xhr.onload = () => {
      let data: unknown = null;
      try {
        data = xhr.responseText ? JSON.parse(xhr.responseText) : null;
      } catch {
        data = null;
      }
      if (xhr.status >= 200 && xhr.status < 300) return resolve(data as AttachmentJson);
      const e = (data as { error?: { id?: string; message?: string; details?: unknown } } | null)?.error;
      reject(e?.id ? new ApiError(xhr.status, e.id, e.message ?? e.id, e.details) : new ApiError(xhr.status, xhr.status === 413 ? 'payload_too_large' : `http_${xhr.status}`, xhr.statusText));
    };
    signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    const form = new FormData();
    // fields before the file: a streaming multipart parser reads them first
    form.append('internal', internal ? 'true' : 'false');
    form.append('file', file, file.name);
    onProgress({ loaded: 0, total: file.size });
    xhr.send(form);
  });
}
