/** Maintenance windows of a client: the list with their next occurrences, and the form (one-off, weekly, monthly). */
import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, api, qs } from '../api.ts';
import { Link, useLocation } from '../router.tsx';
import { can, useSession } from '../session.tsx';
import { Dialog, ErrorNote, Loading, PageHead, errorText, useAction, useApiData } from '../shared/ui.tsx';
import type { Site } from '../inventory/types.ts';
import { AssetPicker, CheckPicker, type Picked } from './pickers.tsx';
import {
  DEFAULT_TIME_ZONE,
  dayFromUntil,
  formatInZone,
  instantToLocalInput,
  localInputToInstant,
  previewOccurrences,
  scheduleProblems,
  scheduleSummary,
  timeZones,
  untilFromDay,
  weekdayNames,
} from './schedule.ts';
import type { MaintenanceWindow, Occurrence, Schedule, TargetType } from './types.ts';

export { scheduleSummary };

const TARGETS: TargetType[] = ['check', 'asset', 'site'];

/** Names of the windows' targets: from the API when it gives them, else looked up once each. */
function useTargetNames(clientId: string, windows: MaintenanceWindow[], sites: Site[]): Record<string, string> {
  const [names, setNames] = useState<Record<string, string>>({});
  useEffect(() => {
    let live = true;
    const missing = windows.filter((w) => w.target_name === undefined && w.target_type !== 'site' && !(w.target_id in names));
    for (const w of missing.slice(0, 50)) {
      const path = w.target_type === 'check' ? `/clients/${clientId}/checks/${w.target_id}` : `/clients/${clientId}/assets/${w.target_id}`;
      api.get<{ name: string }>(path).then(
        (r) => live && setNames((n) => ({ ...n, [w.target_id]: r.name })),
        () => live && setNames((n) => ({ ...n, [w.target_id]: '?' })),
      );
    }
    return () => {
      live = false;
    };
  }, [clientId, windows]); // eslint-disable-line react-hooks/exhaustive-deps
  const out: Record<string, string> = { ...names };
  for (const s of sites) out[s.id] = s.name;
  for (const w of windows) if (w.target_name) out[w.target_id] = w.target_name;
  return out;
}

export function MaintenancePage({ clientId }: { clientId: string }) {
  const { t } = useTranslation();
  const { session } = useSession();
  const loc = useLocation();
  const writer = can(session, 'maintenance.write', clientId);
  const base = `/clients/${clientId}/maintenance-windows`;
  const list = useApiData<{ items: MaintenanceWindow[] }>(base);
  const sites = useApiData<{ items: Site[] }>(`/clients/${clientId}/sites`);
  const [editing, setEditing] = useState<MaintenanceWindow | 'new' | null>(null);
  const [open, setOpen] = useState<string | null>(loc.search.get('window'));
  const del = useAction();
  const items = list.data?.items ?? [];
  const names = useTargetNames(clientId, items, sites.data?.items ?? []);
  const now = Date.now();

  const rows = useMemo(
    () =>
      items
        .map((w) => {
          // the occurrence going on or coming next, by the same rules as the server's
          const current = previewOccurrences(w.schedule, w.time_zone, now, 1)[0] ?? null;
          const active = w.active_now ?? (current !== null && current.start <= now && now < current.end);
          const next = active ? current : w.next_occurrence !== undefined ? w.next_occurrence : current;
          return { w, next, active };
        })
        .sort((a, b) => Number(b.active) - Number(a.active) || (a.next?.start ?? Infinity) - (b.next?.start ?? Infinity)),
    [items, now],
  );

  async function remove(w: MaintenanceWindow) {
    if (!window.confirm(t('mon.maint.confirmDelete', { title: w.title }))) return;
    const r = await del.run(() => api.del(`${base}/${w.id}`));
    if (r !== undefined) list.reload();
  }

  return (
    <div>
      <PageHead title={t('mon.maint.title')} sub={t('mon.maint.sub')}>
        {writer && (
          <button type="button" className="primary" onClick={() => setEditing('new')} data-testid="new-maintenance-open">
            {t('mon.maint.new')}
          </button>
        )}
      </PageHead>
      <ErrorNote error={list.error ?? del.error} />
      <table className={list.loading ? 'table is-loading' : 'table'}>
        <thead>
          <tr>
            <th className="w-toggle" />
            <th>{t('mon.maint.titleField')}</th>
            <th>{t('mon.maint.target')}</th>
            <th>{t('mon.maint.schedule')}</th>
            <th>{t('mon.maint.next')}</th>
            {writer && <th className="right">{t('common.actions')}</th>}
          </tr>
        </thead>
        <tbody>
          {!list.loading && rows.length === 0 && (
            <tr>
              <td colSpan={writer ? 6 : 5} className="empty">
                {t('mon.maint.none')}
              </td>
            </tr>
          )}
          {rows.map(({ w, next, active }) => (
            <MaintenanceRow
              key={w.id}
              clientId={clientId}
              w={w}
              next={next}
              active={active}
              targetName={names[w.target_id]}
              open={open === w.id}
              onToggle={() => setOpen((o) => (o === w.id ? null : w.id))}
              writer={writer}
              onEdit={() => setEditing(w)}
              onDelete={() => void remove(w)}
            />
          ))}
        </tbody>
      </table>
      {editing && (
        <Dialog title={editing === 'new' ? t('mon.maint.new') : t('mon.maint.edit', { title: editing.title })} onClose={() => setEditing(null)} wide>
          <MaintenanceForm
            clientId={clientId}
            window={editing === 'new' ? null : editing}
            targetName={editing === 'new' ? undefined : names[editing.target_id]}
            onCancel={() => setEditing(null)}
            onSaved={(w) => {
              setEditing(null);
              setOpen(w.id);
              list.reload();
            }}
          />
        </Dialog>
      )}
    </div>
  );
}

function MaintenanceRow({
  clientId,
  w,
  next,
  active,
  targetName,
  open,
  onToggle,
  writer,
  onEdit,
  onDelete,
}: {
  clientId: string;
  w: MaintenanceWindow;
  next: Occurrence | null;
  active: boolean;
  targetName: string | undefined;
  open: boolean;
  onToggle: () => void;
  writer: boolean;
  onEdit: () => void;
  onDelete: () => void;
}) {
  const { t } = useTranslation();
  const targetLink =
    w.target_type === 'check' ? `/clients/${clientId}/checks/${w.target_id}` : w.target_type === 'asset' ? `/clients/${clientId}/assets/${w.target_id}` : `/clients/${clientId}/assets${qs({ site_id: w.target_id })}`;
  return (
    <>
      <tr data-testid="maintenance-row" className={active ? 'row-active' : undefined}>
        <td className="w-toggle">
          <button type="button" className="disclosure" onClick={onToggle} aria-expanded={open} aria-label={t('mon.maint.occurrences')}>
            {open ? '▾' : '▸'}
          </button>
        </td>
        <td className="strong">
          {w.title} {active && <span className="state state-maintenance">{t('mon.maint.activeNow')}</span>}
        </td>
        <td>
          <span className="muted">{t(`mon.maint.targetType.${w.target_type}`)}</span>{' '}
          {w.target_name === null ? <span className="muted">{t('mon.maint.targetGone')}</span> : <Link to={targetLink}>{targetName ?? '…'}</Link>}
        </td>
        <td>
          {scheduleSummary(t, w)} <span className="muted small-text">({w.time_zone})</span>
        </td>
        <td className="nowrap">
          {active && next ? (
            <span className="strong">{t('mon.maint.until', { end: formatInZone(next.end, w.time_zone) })}</span>
          ) : next ? (
            formatInZone(next.start, w.time_zone)
          ) : (
            <span className="muted">{t('mon.maint.noMore')}</span>
          )}
        </td>
        {writer && (
          <td className="right nowrap">
            <button type="button" className="small" onClick={onEdit}>
              {t('common.edit')}
            </button>{' '}
            <button type="button" className="small danger" onClick={onDelete}>
              {t('common.delete')}
            </button>
          </td>
        )}
      </tr>
      {open && (
        <tr className="diff-row">
          <td />
          <td colSpan={writer ? 5 : 4}>
            <ServerOccurrences clientId={clientId} w={w} />
          </td>
        </tr>
      )}
    </>
  );
}

/** The next occurrences as the server computes them (GET …/occurrences). */
function ServerOccurrences({ clientId, w }: { clientId: string; w: MaintenanceWindow }) {
  const { t } = useTranslation();
  const [from] = useState(() => Date.now());
  const occ = useApiData<Occurrence[] | { items: Occurrence[] }>(`/clients/${clientId}/maintenance-windows/${w.id}/occurrences${qs({ from, to: from + 92 * 86_400_000 })}`);
  if (occ.loading && !occ.data) return <Loading />;
  const items = Array.isArray(occ.data) ? occ.data : (occ.data?.items ?? []);
  return (
    <div className="occurrences" data-testid="maintenance-occurrences">
      <ErrorNote error={occ.error} />
      <div className="muted small-text">{t('mon.maint.next90')}</div>
      {items.length === 0 ? <p className="muted">{t('mon.maint.noMore')}</p> : <OccurrenceList items={items.slice(0, 10)} timeZone={w.time_zone} />}
      {items.length > 10 && <div className="muted small-text">{t('mon.maint.andMore', { count: items.length - 10 })}</div>}
    </div>
  );
}

function OccurrenceList({ items, timeZone }: { items: Occurrence[]; timeZone: string }) {
  return (
    <ol className="occ-list">
      {items.map((o) => (
        <li key={o.start}>
          {formatInZone(o.start, timeZone)} → {formatInZone(o.end, timeZone)}
        </li>
      ))}
    </ol>
  );
}

// ------------------------------------------------------------------------------------ form

type Kind = Schedule['kind'];

export function MaintenanceForm({
  clientId,
  window: w,
  target,
  targetName,
  onSaved,
  onCancel,
}: {
  clientId: string;
  window: MaintenanceWindow | null;
  /** A new window on this target (from a check page). */
  target?: { type: TargetType; id: string; name: string };
  targetName?: string;
  onSaved: (w: MaintenanceWindow) => void;
  onCancel: () => void;
}) {
  const { t } = useTranslation();
  const sites = useApiData<{ items: Site[] }>(`/clients/${clientId}/sites`);
  const s0 = w?.schedule as (Schedule & { startTime?: string; durationMs?: number; on?: { day?: number; nth?: number; weekday?: number } }) | undefined;
  const tz0 = w?.time_zone ?? DEFAULT_TIME_ZONE;
  const [title, setTitle] = useState(w?.title ?? '');
  const [targetType, setTargetType] = useState<TargetType>(w?.target_type ?? target?.type ?? 'check');
  const [picked, setPicked] = useState<Picked | null>(w ? { id: w.target_id, name: targetName ?? w.target_name ?? w.target_id } : target ? { id: target.id, name: target.name } : null);
  const [timeZone, setTimeZone] = useState(tz0);
  const [kind, setKind] = useState<Kind>(s0?.kind ?? 'weekly');
  const soon = Math.ceil(Date.now() / 3_600_000) * 3_600_000;
  const [onceStart, setOnceStart] = useState(s0?.kind === 'once' ? instantToLocalInput(s0.start, tz0) : instantToLocalInput(soon, tz0));
  const [onceEnd, setOnceEnd] = useState(s0?.kind === 'once' ? instantToLocalInput(s0.end, tz0) : instantToLocalInput(soon + 2 * 3_600_000, tz0));
  const [days, setDays] = useState<number[]>(s0?.kind === 'weekly' ? s0.days : [7]);
  const [start, setStart] = useState<string>(s0 && s0.kind !== 'once' ? (s0.startTime ?? s0.start) : '02:00');
  const minutes0 = s0 && s0.kind !== 'once' ? (s0.durationMs !== undefined ? Math.round(s0.durationMs / 60_000) : s0.duration_minutes) : 120;
  const [durH, setDurH] = useState(Math.floor(minutes0 / 60));
  const [durM, setDurM] = useState(minutes0 % 60);
  const [untilDay, setUntilDay] = useState(s0 && s0.kind !== 'once' ? dayFromUntil(s0.until, tz0) : '');
  const nth0 = s0?.kind === 'monthly' ? (s0.on?.nth ?? s0.nth ?? null) : null;
  const [monthMode, setMonthMode] = useState<'day' | 'nth'>(nth0 !== null && nth0 !== undefined ? 'nth' : 'day');
  const [monthDay, setMonthDay] = useState<number>(s0?.kind === 'monthly' ? (s0.on?.day ?? s0.day ?? 1) : 1);
  const [nth, setNth] = useState<number>(nth0 ?? 1);
  const [weekday, setWeekday] = useState<number>(s0?.kind === 'monthly' ? (s0.on?.weekday ?? s0.weekday ?? 7) : 7);
  const { busy, error, run } = useAction();
  const zones = useMemo(() => timeZones(), []);
  const dayNames = weekdayNames('short');

  const schedule = useMemo((): Schedule | null => {
    const duration_minutes = durH * 60 + durM;
    const until = untilDay ? untilFromDay(untilDay, timeZone) : null;
    if (kind === 'once') {
      const a = localInputToInstant(onceStart, timeZone);
      const b = localInputToInstant(onceEnd, timeZone);
      return a === null || b === null ? null : { kind: 'once', start: a, end: b };
    }
    if (kind === 'weekly') return { kind: 'weekly', days: [...days].sort((x, y) => x - y), start, duration_minutes, ...(until ? { until } : {}) };
    return { kind: 'monthly', ...(monthMode === 'day' ? { day: monthDay } : { nth, weekday }), start, duration_minutes, ...(until ? { until } : {}) };
  }, [kind, onceStart, onceEnd, days, start, durH, durM, untilDay, monthMode, monthDay, nth, weekday, timeZone]);

  const problems = useMemo(() => {
    if (!schedule) return [t('mon.maint.badDates')];
    try {
      return scheduleProblems(schedule, timeZone);
    } catch (e) {
      return [String(e)];
    }
  }, [schedule, timeZone, t]);
  const preview = useMemo(() => (schedule && problems.length === 0 ? previewOccurrences(schedule, timeZone, Date.now(), 6) : []), [schedule, problems, timeZone]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!schedule || !picked) return;
    const body = { title: title.trim(), target_type: targetType, target_id: picked.id, time_zone: timeZone, schedule };
    const saved = await run(() => (w ? api.patch<MaintenanceWindow>(`/clients/${clientId}/maintenance-windows/${w.id}`, body) : api.post<MaintenanceWindow>(`/clients/${clientId}/maintenance-windows`, body)));
    if (saved) onSaved(saved);
  }

  const details = error instanceof ApiError && Array.isArray(error.details) ? (error.details as { path?: string; message?: string }[]) : [];

  return (
    <form className="stack" onSubmit={submit} data-testid="maintenance-form">
      <div className="form-grid form-grid-3">
        <label className="field span-2">
          <span>{t('mon.maint.titleField')} *</span>
          <input value={title} onChange={(e) => setTitle(e.target.value)} required maxLength={200} placeholder={t('mon.maint.titlePlaceholder')} data-testid="maintenance-title" />
        </label>
        <label className="field">
          <span>{t('mon.maint.timeZone')}</span>
          <input list="vigie-zones" value={timeZone} onChange={(e) => setTimeZone(e.target.value)} data-testid="maintenance-tz" />
          <datalist id="vigie-zones">
            {zones.map((z) => (
              <option key={z} value={z} />
            ))}
          </datalist>
        </label>
        <label className="field">
          <span>{t('mon.maint.target')} *</span>
          <select
            value={targetType}
            disabled={!!target}
            onChange={(e) => {
              setTargetType(e.target.value as TargetType);
              setPicked(null);
            }}
            data-testid="maintenance-target-type"
          >
            {TARGETS.map((x) => (
              <option key={x} value={x}>
                {t(`mon.maint.targetType.${x}`)}
              </option>
            ))}
          </select>
        </label>
        <div className="field span-2">
          <span>{t(`mon.maint.targetType.${targetType}`)} *</span>
          {target ? (
            <div className="picked-row">
              <span className="picked">{target.name}</span>
            </div>
          ) : targetType === 'site' ? (
            <select value={picked?.id ?? ''} onChange={(e) => setPicked(e.target.value ? { id: e.target.value, name: e.target.selectedOptions[0]?.text ?? '' } : null)} data-testid="maintenance-site">
              <option value="">{t('mon.maint.chooseSite')}</option>
              {(sites.data?.items ?? []).map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name}
                </option>
              ))}
            </select>
          ) : targetType === 'asset' ? (
            <AssetPicker clientId={clientId} value={picked} onChange={(a) => setPicked(a)} testId="maintenance-asset" />
          ) : (
            <CheckPicker clientId={clientId} value={picked} onChange={setPicked} noneLabel={t('mon.maint.chooseCheck')} testId="maintenance-check" />
          )}
        </div>
      </div>

      <fieldset className="subgroup">
        <legend>{t('mon.maint.schedule')}</legend>
        <div className="segmented" role="radiogroup" aria-label={t('mon.maint.schedule')}>
          {(['once', 'weekly', 'monthly'] as const).map((k) => (
            <button key={k} type="button" role="radio" aria-checked={kind === k} className={kind === k ? 'on' : undefined} onClick={() => setKind(k)} data-testid={`maintenance-kind-${k}`}>
              {t(`mon.maint.kind.${k}`)}
            </button>
          ))}
        </div>
        {kind === 'once' ? (
          <div className="form-grid form-grid-3 mt">
            <label className="field">
              <span>{t('mon.maint.start')}</span>
              <input type="datetime-local" value={onceStart} onChange={(e) => setOnceStart(e.target.value)} data-testid="maintenance-once-start" />
            </label>
            <label className="field">
              <span>{t('mon.maint.end')}</span>
              <input type="datetime-local" value={onceEnd} min={onceStart} onChange={(e) => setOnceEnd(e.target.value)} data-testid="maintenance-once-end" />
            </label>
          </div>
        ) : (
          <div className="form-grid form-grid-3 mt">
            {kind === 'weekly' ? (
              <div className="field span-all">
                <span>{t('mon.maint.days')}</span>
                <div className="checks">
                  {dayNames.map((n, i) => (
                    <label key={i} className="check">
                      <input type="checkbox" checked={days.includes(i + 1)} onChange={(e) => setDays((d) => (e.target.checked ? [...d, i + 1] : d.filter((x) => x !== i + 1)))} data-testid={`maintenance-day-${i + 1}`} />
                      {n}
                    </label>
                  ))}
                </div>
              </div>
            ) : (
              <div className="field span-all">
                <span>{t('mon.maint.monthlyOn')}</span>
                <div className="row">
                  <label className="check">
                    <input type="radio" name="month-mode" checked={monthMode === 'day'} onChange={() => setMonthMode('day')} />
                    {t('mon.maint.onDay')}
                  </label>
                  <select className="compact" value={monthDay} disabled={monthMode !== 'day'} onChange={(e) => setMonthDay(Number(e.target.value))} aria-label={t('mon.maint.onDay')}>
                    {Array.from({ length: 31 }, (_, i) => i + 1).map((d) => (
                      <option key={d} value={d}>
                        {d}
                      </option>
                    ))}
                    <option value={-1}>{t('mon.maint.lastDay')}</option>
                  </select>
                  <label className="check">
                    <input type="radio" name="month-mode" checked={monthMode === 'nth'} onChange={() => setMonthMode('nth')} />
                    {t('mon.maint.onNth')}
                  </label>
                  <select className="compact" value={nth} disabled={monthMode !== 'nth'} onChange={(e) => setNth(Number(e.target.value))} aria-label={t('mon.maint.onNth')}>
                    {[1, 2, 3, 4, 5, -1].map((n) => (
                      <option key={n} value={n}>
                        {t(`mon.maint.nth.${n}`)}
                      </option>
                    ))}
                  </select>
                  <select className="compact" value={weekday} disabled={monthMode !== 'nth'} onChange={(e) => setWeekday(Number(e.target.value))} aria-label={t('mon.maint.weekday')}>
                    {weekdayNames('long').map((n, i) => (
                      <option key={i} value={i + 1}>
                        {n}
                      </option>
                    ))}
                  </select>
                </div>
              </div>
            )}
            <label className="field">
              <span>{t('mon.maint.startTime')}</span>
              <input type="time" value={start} onChange={(e) => setStart(e.target.value)} required data-testid="maintenance-start-time" />
            </label>
            <div className="field">
              <span>{t('mon.maint.duration')}</span>
              <div className="row nowrap-row">
                <input type="number" className="w-num-s" min={0} max={24 * 28} value={durH} onChange={(e) => setDurH(Math.max(0, Number(e.target.value) || 0))} aria-label={t('mon.maint.hours')} data-testid="maintenance-hours" />
                <span className="muted">h</span>
                <input type="number" className="w-num-s" min={0} max={59} step={5} value={durM} onChange={(e) => setDurM(Math.min(59, Math.max(0, Number(e.target.value) || 0)))} aria-label={t('mon.maint.minutes')} />
                <span className="muted">min</span>
              </div>
            </div>
            <label className="field">
              <span>{t('mon.maint.untilDay')}</span>
              <input type="date" value={untilDay} onChange={(e) => setUntilDay(e.target.value)} />
            </label>
          </div>
        )}
      </fieldset>

      <div className="preview" data-testid="maintenance-preview">
        <div className="strong">{t('mon.maint.preview')}</div>
        {problems.length > 0 ? (
          <div className="field-error">{problems.join(' · ')}</div>
        ) : preview.length === 0 ? (
          <p className="muted">{t('mon.maint.noMore')}</p>
        ) : (
          <OccurrenceList items={preview} timeZone={timeZone} />
        )}
      </div>

      {error !== null && error !== undefined && (
        <div className="note note-error" role="alert">
          <div>
            {errorText(t, error)}
            {details.map((d, i) => (
              <div key={i} className="mono small-text">
                {d.path}: {d.message}
              </div>
            ))}
          </div>
        </div>
      )}
      <div className="form-actions">
        <button type="submit" className="primary" disabled={busy || !title.trim() || !picked || problems.length > 0} data-testid="maintenance-submit">
          {w ? t('common.save') : t('mon.maint.create')}
        </button>
        <button type="button" onClick={onCancel}>
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}
