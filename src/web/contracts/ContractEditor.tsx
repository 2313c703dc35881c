/**
 * One contract: the editor (general terms, service windows, GTI/GTR targets per priority,
 * penalties and credits, the impact × urgency matrix, scope, service-desk settings) beside a live
 * preview of due times. Readers who may not write see the same page read-only.
 */
import { useEffect, useMemo, useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, api } from '../api.ts';
import { intlLocale } from '../i18n/index.ts';
import { Link, navigate } from '../router.tsx';
import { useSession } from '../session.tsx';
import { Loading, PageHead, useAction, useApiData } from '../shared/ui.tsx';
import type { Site } from '../inventory/types.ts';
import { AssetPicker } from '../monitoring/pickers.tsx';
import { timeZones } from '../monitoring/schedule.ts';
import { StatusBadge } from './ContractsPage.tsx';
import { contractErrorText } from './errors.ts';
import { PreviewBox } from './PreviewBox.tsx';
import {
  canWriteContracts,
  CLOCK_STARTS,
  draftOf,
  formatMoney,
  HOLIDAY_SETS,
  newDraft,
  newWindow,
  PRIORITIES,
  STATUSES,
  UNITS,
  WEEKDAYS,
  windowIdFrom,
  type Contract,
  type ContractDraft,
  type ServiceWindow,
  type Target,
  type TargetDuration,
  type Weekday,
} from './types.ts';
import './contracts.css';

type Update = (fn: (d: ContractDraft) => void) => void;

export function ContractEditor({ clientId, contractId }: { clientId: string; contractId: string | null }) {
  const { t } = useTranslation();
  const { session } = useSession();
  const writer = canWriteContracts(session, clientId);
  const base = `/clients/${clientId}/contracts`;
  const loaded = useApiData<Contract>(contractId ? `${base}/${contractId}` : null);
  const [draft, setDraft] = useState<ContractDraft | null>(() => (contractId ? null : newDraft(t('contracts.windows.officeName'))));
  const [initial, setInitial] = useState<string>(() => (draft ? JSON.stringify(draft) : ''));
  const save = useAction();
  const del = useAction();
  const [savedNote, setSavedNote] = useState(false);

  useEffect(() => {
    if (loaded.data) {
      const d = draftOf(loaded.data);
      setDraft(d);
      setInitial(JSON.stringify(d));
    }
  }, [loaded.data]);

  const dirty = draft !== null && JSON.stringify(draft) !== initial;
  useEffect(() => {
    if (!dirty || !writer) return;
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [dirty, writer]);

  const update: Update = (fn) =>
    setDraft((d) => {
      if (!d) return d;
      const next = structuredClone(d);
      fn(next);
      return next;
    });

  if (contractId && loaded.error) {
    return (
      <div>
        <PageHead title={t('contracts.title')} sub={<Link to={base}>← {t('contracts.backToList')}</Link>} />
        <div className="note note-error" role="alert">
          {contractErrorText(t, loaded.error)}
        </div>
      </div>
    );
  }
  if (!draft) return <Loading />;

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!draft || !writer) return;
    setSavedNote(false);
    const r = await save.run(() => (contractId ? api.patch<Contract>(`${base}/${contractId}`, draft) : api.post<Contract>(base, draft)));
    if (!r) return;
    if (!contractId) {
      navigate(`${base}/${r.id}`, { replace: true });
      return;
    }
    loaded.setData(r);
    setSavedNote(true);
  }

  async function remove() {
    if (!contractId || !window.confirm(t('contracts.confirmDelete', { name: draft?.name ?? '' }))) return;
    const r = await del.run(() => api.del(`${base}/${contractId}`));
    if (r !== undefined) navigate(base);
  }

  const details = save.error instanceof ApiError && save.error.id === 'validation_failed' && Array.isArray(save.error.details) ? (save.error.details as { path?: string; message?: string }[]) : [];
  const title = contractId ? loaded.data?.name || t('contracts.untitled') : t('contracts.new');

  return (
    <div>
      <PageHead
        title={title}
        sub={
          <>
            <Link to={base}>← {t('contracts.backToList')}</Link>
            {loaded.data && (
              <>
                {' · '}
                <StatusBadge status={loaded.data.status} />
              </>
            )}
            {!writer && <span className="muted"> · {t('contracts.readOnly')}</span>}
          </>
        }
      >
        {writer && contractId && (
          <button type="button" className="danger" onClick={() => void remove()} disabled={del.busy} data-testid="contract-delete">
            {t('common.delete')}
          </button>
        )}
        {writer && (
          <button type="submit" form="contract-form" className="primary" disabled={save.busy || (!dirty && !!contractId) || !draft.name.trim()} data-testid="contract-save">
            {contractId ? t('common.save') : t('contracts.create')}
          </button>
        )}
      </PageHead>
      {del.error !== null && del.error !== undefined && (
        <div className="note note-error" role="alert">
          {contractErrorText(t, del.error)}
        </div>
      )}
      {save.error !== null && save.error !== undefined && (
        <div className="note note-error" role="alert" data-testid="contract-error">
          <div>
            {contractErrorText(t, save.error)}
            {details.map((d, i) => (
              <div key={i} className="mono small-text">
                {d.path}: {d.message}
              </div>
            ))}
          </div>
        </div>
      )}
      {savedNote && !dirty && (
        <div className="note note-ok" role="status">
          {t('contracts.saved')}
        </div>
      )}
      <div className="contract-layout">
        <form id="contract-form" className="contract-form" onSubmit={submit} data-testid="contract-form">
          <fieldset className="plain-fieldset" disabled={!writer}>
            <GeneralSection draft={draft} update={update} />
            <WindowsSection draft={draft} update={update} writer={writer} />
            <TargetsSection draft={draft} update={update} />
            <PenaltiesSection draft={draft} update={update} writer={writer} />
            <MatrixSection draft={draft} update={update} />
            <ScopeSection clientId={clientId} draft={draft} update={update} writer={writer} />
            <SettingsSection draft={draft} update={update} />
          </fieldset>
          {writer && (
            <div className="form-actions">
              <button type="submit" className="primary" disabled={save.busy || (!dirty && !!contractId) || !draft.name.trim()}>
                {contractId ? t('common.save') : t('contracts.create')}
              </button>
              {dirty && <span className="muted small-text">{t('contracts.unsaved')}</span>}
            </div>
          )}
        </form>
        <aside className="contract-aside">
          <PreviewBox clientId={clientId} draft={draft} />
        </aside>
      </div>
    </div>
  );
}

// ------------------------------------------------------------------------------------ small inputs

function Section({ title, hint, children, testId }: { title: string; hint?: string; children: ReactNode; testId?: string }) {
  return (
    <fieldset className="subgroup" data-testid={testId}>
      <legend>{title}</legend>
      {hint && <p className="muted small-text">{hint}</p>}
      {children}
    </fieldset>
  );
}

/** A number input that accepts an empty field while typing (kept as the last number). */
function NumberInput({ value, onChange, min, max, step, className, label, testId }: { value: number; onChange: (n: number) => void; min?: number; max?: number; step?: number | 'any'; className?: string; label?: string; testId?: string }) {
  const [text, setText] = useState(String(value));
  useEffect(() => {
    if (Number(text) !== value || text.trim() === '') setText(String(value));
  }, [value]); // eslint-disable-line react-hooks/exhaustive-deps
  return (
    <input
      type="number"
      className={className}
      value={text}
      min={min}
      max={max}
      step={step ?? 1}
      aria-label={label}
      data-testid={testId}
      onChange={(e) => {
        setText(e.target.value);
        const n = Number(e.target.value);
        if (e.target.value.trim() !== '' && Number.isFinite(n)) onChange(n);
      }}
    />
  );
}

const centsToText = (cents: number) => {
  const s = (cents / 100).toFixed(2);
  return intlLocale().startsWith('fr') ? s.replace('.', ',') : s;
};
function parseMoney(text: string): number | null {
  const s = text.replace(/[\s\u00a0\u202f]/g, '').replace(',', '.');
  if (!/^\d+(\.\d{0,2})?$/.test(s)) return null;
  return Math.round(Number(s) * 100);
}

/** An amount in euros (or the contract's currency) typed with two decimals, kept in cents. */
function MoneyInput({ cents, currency, onChange, label, testId }: { cents: number; currency: string; onChange: (c: number) => void; label: string; testId?: string }) {
  const { t } = useTranslation();
  const [text, setText] = useState(() => centsToText(cents));
  useEffect(() => {
    if (parseMoney(text) !== cents) setText(centsToText(cents));
  }, [cents]); // eslint-disable-line react-hooks/exhaustive-deps
  const bad = parseMoney(text) === null;
  return (
    <div className="field">
      <span>{label}</span>
      <div className="row nowrap-row">
        <input
          inputMode="decimal"
          className="grow"
          value={text}
          aria-invalid={bad}
          data-testid={testId}
          onChange={(e) => {
            setText(e.target.value);
            const c = parseMoney(e.target.value);
            if (c !== null) onChange(c);
          }}
        />
        <span className="muted">{currency}</span>
      </div>
      {bad ? <span className="field-error">{t('contracts.badAmount')}</span> : <span className="muted small-text">{formatMoney(cents, currency, intlLocale())}</span>}
    </div>
  );
}

/** An optional date: empty means none. */
function DateField({ label, value, onChange, required, testId }: { label: string; value: string | null; onChange: (v: string | null) => void; required?: boolean; testId?: string }) {
  return (
    <label className="field">
      <span>
        {label}
        {required ? ' *' : ''}
      </span>
      <input type="date" value={value ?? ''} required={required} onChange={(e) => onChange(e.target.value || (required ? (value ?? '') : null))} data-testid={testId} />
    </label>
  );
}

// ------------------------------------------------------------------------------------ general

function GeneralSection({ draft, update }: { draft: ContractDraft; update: Update }) {
  const { t } = useTranslation();
  return (
    <Section title={t('contracts.general')} testId="contract-general">
      <div className="form-grid form-grid-3">
        <label className="field span-2">
          <span>{t('contracts.name')} *</span>
          <input value={draft.name} onChange={(e) => update((d) => void (d.name = e.target.value))} required maxLength={200} placeholder={t('contracts.namePlaceholder')} data-testid="contract-name" />
        </label>
        <label className="field">
          <span>{t('contracts.reference')}</span>
          <input value={draft.reference} onChange={(e) => update((d) => void (d.reference = e.target.value))} maxLength={100} data-testid="contract-reference" />
        </label>
        <label className="field">
          <span>{t('contracts.statusLabel')}</span>
          <select value={draft.status} onChange={(e) => update((d) => void (d.status = e.target.value as ContractDraft['status']))} data-testid="contract-status">
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {t(`contracts.status.${s}`)}
              </option>
            ))}
          </select>
        </label>
        <DateField label={t('contracts.startsOn')} value={draft.starts_on} required onChange={(v) => update((d) => void (d.starts_on = v ?? d.starts_on))} testId="contract-starts" />
        <DateField label={t('contracts.endsOn')} value={draft.ends_on} onChange={(v) => update((d) => void (d.ends_on = v))} testId="contract-ends" />
        <label className="field">
          <span>{t('contracts.serviceLevel')}</span>
          <input value={draft.service_level} onChange={(e) => update((d) => void (d.service_level = e.target.value))} maxLength={100} placeholder={t('contracts.serviceLevelPlaceholder')} />
        </label>
        <MoneyInput label={t('contracts.monthlyFee')} cents={draft.monthly_fee_cents} currency={draft.currency} onChange={(c) => update((d) => void (d.monthly_fee_cents = c))} testId="contract-fee" />
        <label className="field">
          <span>{t('contracts.currency')}</span>
          <input value={draft.currency} maxLength={3} pattern="[A-Z]{3}" onChange={(e) => update((d) => void (d.currency = e.target.value.toUpperCase()))} />
        </label>
        <DateField label={t('contracts.transitionUntil')} value={draft.transition_until} onChange={(v) => update((d) => void (d.transition_until = v))} />
        <div className="span-2 field-hint muted small-text">{t('contracts.transitionHint')}</div>
      </div>
    </Section>
  );
}

// ------------------------------------------------------------------------------------ windows

function toMinutes(hhmm: string): number | null {
  const m = /^(\d{2}):(\d{2})$/.exec(hhmm);
  return m ? Number(m[1]) * 60 + Number(m[2]) : null;
}
const fromMinutes = (m: number) => (m >= 1440 ? '24:00' : `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`);

/** Every reference to a window id (targets, on-call business window) moved to another id. */
function renameWindowRefs(d: ContractDraft, from: string, to: string) {
  for (const tg of d.targets) {
    if (tg.gti?.window === from) tg.gti.window = to;
    if (tg.gtr?.window === from) tg.gtr.window = to;
  }
  if (d.settings.oncall.business_window === from) d.settings.oncall.business_window = to;
}

function WindowsSection({ draft, update, writer }: { draft: ContractDraft; update: Update; writer: boolean }) {
  const { t } = useTranslation();
  const zones = useMemo(() => timeZones(), []);
  function add() {
    update((d) => {
      const name = t('contracts.windows.newName');
      d.windows.push(newWindow(windowIdFrom(name, d.windows.map((w) => w.id)), name));
    });
  }
  return (
    <Section title={t('contracts.windows.title')} hint={t('contracts.windows.hint')} testId="contract-windows">
      <datalist id="contract-zones">
        {zones.map((z) => (
          <option key={z} value={z} />
        ))}
      </datalist>
      {draft.windows.map((w, i) => (
        <WindowCard key={i} index={i} w={w} draft={draft} update={update} writer={writer} />
      ))}
      {writer && draft.windows.length < 10 && (
        <button type="button" className="small" onClick={add} data-testid="window-add">
          + {t('contracts.windows.add')}
        </button>
      )}
    </Section>
  );
}

function WindowCard({ index, w, draft, update, writer }: { index: number; w: ServiceWindow; draft: ContractDraft; update: Update; writer: boolean }) {
  const { t } = useTranslation();
  const [closedDay, setClosedDay] = useState('');
  const dayNames = useMemo(() => {
    const f = new Intl.DateTimeFormat(intlLocale(), { weekday: 'long', timeZone: 'UTC' });
    // 2024-01-01 was a Monday
    return WEEKDAYS.map((_, i) => f.format(Date.UTC(2024, 0, 1 + i)));
  }, []);
  const setW = (fn: (x: ServiceWindow) => void) => update((d) => fn(d.windows[index]!));
  const others = draft.windows.filter((_, j) => j !== index).map((x) => x.id);

  function setId(id: string) {
    update((d) => {
      const old = d.windows[index]!.id;
      d.windows[index]!.id = id;
      if (!others.includes(id) && !others.includes(old)) renameWindowRefs(d, old, id);
    });
  }
  function remove() {
    const rest = draft.windows.filter((_, j) => j !== index);
    const used = draft.targets.some((x) => x.gti?.window === w.id || x.gtr?.window === w.id) || draft.settings.oncall.business_window === w.id;
    if (used && !window.confirm(t('contracts.windows.confirmRemove', { name: w.name, other: rest[0]!.name }))) return;
    update((d) => {
      d.windows.splice(index, 1);
      for (const tg of d.targets) {
        if (tg.gti?.window === w.id) tg.gti.window = rest[0]!.id;
        if (tg.gtr?.window === w.id) tg.gtr.window = rest[0]!.id;
      }
      if (d.settings.oncall.business_window === w.id) d.settings.oncall.business_window = null;
    });
  }
  function addRange(day: Weekday) {
    setW((x) => {
      const ranges = (x.hours[day] ??= []);
      const last = ranges.length ? toMinutes(ranges[ranges.length - 1]![1]) : null;
      if (last === null) ranges.push(['08:00', '18:00']);
      else if (last < 1440) ranges.push([fromMinutes(last + (last <= 1380 ? 60 : 0)), fromMinutes(Math.min(1440, last + 120))]);
    });
  }
  function copyMonday() {
    setW((x) => {
      for (const day of ['tue', 'wed', 'thu', 'fri'] as const) x.hours[day] = (x.hours.mon ?? []).map((r) => [r[0], r[1]] as [string, string]);
    });
  }

  return (
    <div className="window-card" data-testid={`window-${index}`}>
      <div className="window-card-head">
        <label className="field grow">
          <span>{t('contracts.windows.name')} *</span>
          <input value={w.name} maxLength={100} required onChange={(e) => setW((x) => void (x.name = e.target.value))} data-testid={`window-${index}-name`} />
        </label>
        <label className="field">
          <span>{t('contracts.windows.id')}</span>
          <input className="w-text mono" value={w.id} maxLength={32} pattern="[a-z0-9][a-z0-9_\-]{0,31}" title={t('contracts.windows.idHint')} onChange={(e) => setId(e.target.value.toLowerCase())} />
        </label>
        <label className="field">
          <span>{t('contracts.windows.zone')}</span>
          <input list="contract-zones" value={w.time_zone} onChange={(e) => setW((x) => void (x.time_zone = e.target.value))} />
        </label>
        <label className="check field-check">
          <input type="checkbox" checked={w.always} onChange={(e) => setW((x) => void (x.always = e.target.checked))} data-testid={`window-${index}-always`} />
          {t('contracts.windows.always')}
        </label>
        {writer && draft.windows.length > 1 && (
          <button type="button" className="small ghost" onClick={remove} title={t('contracts.windows.remove')}>
            {t('common.remove')}
          </button>
        )}
      </div>
      {w.always ? (
        <p className="muted small-text">{t('contracts.windows.alwaysHint')}</p>
      ) : (
        <>
          <div className="hours-grid">
            {WEEKDAYS.map((day, di) => {
              const ranges = w.hours[day] ?? [];
              return (
                <div key={day} style={{ display: 'contents' }}>
                  <span>{dayNames[di]}</span>
                  <div className="hours-ranges">
                    {ranges.length === 0 && <span className="muted">{t('contracts.windows.closed')}</span>}
                    {ranges.map((r, ri) => (
                      <span key={ri} className="hours-range">
                        <TimeText value={r[0]} label={t('contracts.windows.from')} onChange={(v) => setW((x) => void (x.hours[day]![ri]![0] = v))} />–
                        <TimeText value={r[1]} label={t('contracts.windows.to')} onChange={(v) => setW((x) => void (x.hours[day]![ri]![1] = v))} />
                        {writer && (
                          <button type="button" className="chip-x" aria-label={t('contracts.windows.removeRange')} title={t('contracts.windows.removeRange')} onClick={() => setW((x) => void x.hours[day]!.splice(ri, 1))}>
                            ×
                          </button>
                        )}
                      </span>
                    ))}
                    {writer && ranges.length < 6 && (
                      <button type="button" className="link small-text" onClick={() => addRange(day)} data-testid={`window-${index}-${day}-add`}>
                        + {t('contracts.windows.addRange')}
                      </button>
                    )}
                  </div>
                </div>
              );
            })}
          </div>
          {writer && (
            <button type="button" className="link small-text mt" onClick={copyMonday}>
              {t('contracts.windows.copyMonday')}
            </button>
          )}
          <div className="form-grid mt">
            <label className="field">
              <span>{t('contracts.windows.holidays')}</span>
              <select value={w.public_holidays} onChange={(e) => setW((x) => void (x.public_holidays = e.target.value as ServiceWindow['public_holidays']))}>
                {HOLIDAY_SETS.map((h) => (
                  <option key={h} value={h}>
                    {t(`contracts.holidaySet.${h}`)}
                  </option>
                ))}
              </select>
            </label>
            <div className="field">
              <span>{t('contracts.windows.closedDays')}</span>
              <div className="chip-list">
                {w.closed_days.length === 0 && <span className="muted small-text">{t('contracts.windows.noClosedDays')}</span>}
                {w.closed_days.map((day, k) => (
                  <span key={day} className="chip">
                    {day}
                    {writer && (
                      <button type="button" className="chip-x" aria-label={t('common.remove')} onClick={() => setW((x) => void x.closed_days.splice(k, 1))}>
                        ×
                      </button>
                    )}
                  </span>
                ))}
              </div>
              {writer && (
                <div className="row mt">
                  <input type="date" value={closedDay} onChange={(e) => setClosedDay(e.target.value)} aria-label={t('contracts.windows.closedDays')} />
                  <button
                    type="button"
                    className="small"
                    disabled={!closedDay || w.closed_days.includes(closedDay)}
                    onClick={() => {
                      setW((x) => void (x.closed_days = [...x.closed_days, closedDay].sort()));
                      setClosedDay('');
                    }}
                  >
                    {t('contracts.windows.addClosedDay')}
                  </button>
                </div>
              )}
            </div>
          </div>
        </>
      )}
    </div>
  );
}

/** 'HH:MM' typed as text (a time input cannot say 24:00). */
function TimeText({ value, onChange, label }: { value: string; onChange: (v: string) => void; label: string }) {
  return <input className="w-num-s mono" value={value} maxLength={5} size={5} placeholder="HH:MM" pattern="([01]\d|2[0-3]):[0-5]\d|24:00" aria-label={label} onChange={(e) => onChange(e.target.value)} />;
}

// ------------------------------------------------------------------------------------ targets

function TargetsSection({ draft, update }: { draft: ContractDraft; update: Update }) {
  const { t } = useTranslation();
  const firstWindow = draft.windows[0]?.id ?? '';
  function setTarget(priority: number, fn: (x: Target) => void) {
    update((d) => {
      let x = d.targets.find((y) => y.priority === priority);
      if (!x) {
        x = { priority, gti: null, gtr: null, clock_start: 'declaration' };
        d.targets.push(x);
      }
      fn(x);
      d.targets = d.targets.filter((y) => y.gti !== null || y.gtr !== null).sort((a, b) => a.priority - b.priority);
    });
  }
  return (
    <Section title={t('contracts.targets.title')} hint={t('contracts.targets.hint')} testId="contract-targets">
      <table className="table table-plain targets-table">
        <thead>
          <tr>
            <th className="col-prio">{t('contracts.priority')}</th>
            <th>{t('contracts.targets.gti')}</th>
            <th>{t('contracts.targets.gtr')}</th>
            <th className="col-start">{t('contracts.targets.clockStart')}</th>
          </tr>
        </thead>
        <tbody>
          {PRIORITIES.map((p) => {
            const x = draft.targets.find((y) => y.priority === p);
            return (
              <tr key={p} data-testid={`target-p${p}`}>
                <td>
                  <span className={`c-prio c-prio-${p}`}>P{p}</span>
                </td>
                {(['gti', 'gtr'] as const).map((clock) => (
                  <td key={clock}>
                    <DurationEdit
                      value={x?.[clock] ?? null}
                      windows={draft.windows}
                      testId={`target-p${p}-${clock}`}
                      onChange={(v) => setTarget(p, (y) => void (y[clock] = v))}
                      fresh={{ value: clock === 'gti' ? 1 : 4, unit: 'hours', window: firstWindow }}
                    />
                  </td>
                ))}
                <td>
                  <select value={x?.clock_start ?? 'declaration'} disabled={!x} onChange={(e) => setTarget(p, (y) => void (y.clock_start = e.target.value as Target['clock_start']))}>
                    {CLOCK_STARTS.map((c) => (
                      <option key={c} value={c}>
                        {t(`contracts.clockStart.${c}`)}
                      </option>
                    ))}
                  </select>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </Section>
  );
}

function DurationEdit({ value, windows, onChange, fresh, testId }: { value: TargetDuration | null; windows: ServiceWindow[]; onChange: (v: TargetDuration | null) => void; fresh: TargetDuration; testId: string }) {
  const { t } = useTranslation();
  return (
    <span className="duration-edit" data-testid={testId}>
      <input type="checkbox" checked={value !== null} onChange={(e) => onChange(e.target.checked ? fresh : null)} aria-label={t('contracts.targets.enabled')} title={t('contracts.targets.enabled')} />
      {value === null ? (
        <span className="muted small-text">{t('contracts.targets.none')}</span>
      ) : (
        <>
          <NumberInput value={value.value} min={0} step="any" label={t('contracts.targets.value')} onChange={(n) => onChange({ ...value, value: n })} testId={`${testId}-value`} />
          <select value={value.unit} onChange={(e) => onChange({ ...value, unit: e.target.value as TargetDuration['unit'] })} aria-label={t('contracts.targets.unit')}>
            {UNITS.map((u) => (
              <option key={u} value={u}>
                {t(`contracts.unit.${u}`)}
              </option>
            ))}
          </select>
          <select value={value.window} onChange={(e) => onChange({ ...value, window: e.target.value })} aria-label={t('contracts.targets.window')}>
            {!windows.some((w) => w.id === value.window) && <option value={value.window}>{value.window} ?</option>}
            {windows.map((w) => (
              <option key={w.id} value={w.id}>
                {w.name}
              </option>
            ))}
          </select>
        </>
      )}
    </span>
  );
}

// ------------------------------------------------------------------------------------ penalties

function PenaltiesSection({ draft, update, writer }: { draft: ContractDraft; update: Update; writer: boolean }) {
  const { t } = useTranslation();
  const tiers = draft.credits.tiers;
  return (
    <Section title={t('contracts.penalties.title')} testId="contract-penalties">
      <div className="form-grid form-grid-3">
        <MoneyInput label={t('contracts.penalties.rate')} cents={draft.penalties.rate_per_hour_cents} currency={draft.currency} onChange={(c) => update((d) => void (d.penalties.rate_per_hour_cents = c))} />
        <label className="field">
          <span>{t('contracts.penalties.cap')}</span>
          <NumberInput value={draft.penalties.cap_pct} min={0} max={100} step="any" onChange={(n) => update((d) => void (d.penalties.cap_pct = n))} />
        </label>
        <label className="field">
          <span>{t('contracts.credits.target')}</span>
          <NumberInput value={draft.credits.availability_target_pct} min={0} max={100} step="any" onChange={(n) => update((d) => void (d.credits.availability_target_pct = n))} />
        </label>
      </div>
      <div className="field mt">
        <span>{t('contracts.credits.tiers')}</span>
        {tiers.length === 0 ? (
          <span className="muted small-text">{t('contracts.credits.noTiers')}</span>
        ) : (
          <table className="table table-plain table-edit">
            <thead>
              <tr>
                <th>{t('contracts.credits.below')}</th>
                <th>{t('contracts.credits.credit')}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {tiers.map((tier, i) => (
                <tr key={i}>
                  <td>
                    <NumberInput value={tier.below_pct} min={0} max={100} step="any" label={t('contracts.credits.below')} onChange={(n) => update((d) => void (d.credits.tiers[i]!.below_pct = n))} />
                  </td>
                  <td>
                    <NumberInput value={tier.credit_pct} min={0} max={100} step="any" label={t('contracts.credits.credit')} onChange={(n) => update((d) => void (d.credits.tiers[i]!.credit_pct = n))} />
                  </td>
                  <td className="right">
                    {writer && (
                      <button type="button" className="small ghost" onClick={() => update((d) => void d.credits.tiers.splice(i, 1))}>
                        {t('common.remove')}
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {writer && tiers.length < 10 && (
          <div>
            <button
              type="button"
              className="small mt"
              onClick={() =>
                update((d) => {
                  const last = d.credits.tiers[d.credits.tiers.length - 1];
                  d.credits.tiers.push(last ? { below_pct: Math.max(0, last.below_pct - 0.5), credit_pct: Math.min(100, last.credit_pct + 5) } : { below_pct: d.credits.availability_target_pct, credit_pct: 5 });
                })
              }
            >
              + {t('contracts.credits.addTier')}
            </button>
          </div>
        )}
      </div>
    </Section>
  );
}

// ------------------------------------------------------------------------------------ matrix

function MatrixSection({ draft, update }: { draft: ContractDraft; update: Update }) {
  const { t } = useTranslation();
  return (
    <Section title={t('contracts.matrix.title')} hint={t('contracts.matrix.hint')} testId="contract-matrix">
      <table className="matrix">
        <thead>
          <tr>
            <th>
              {t('contracts.matrix.impact')} ↓ / {t('contracts.matrix.urgency')} →
            </th>
            {[1, 2, 3, 4].map((u) => (
              <th key={u}>
                {u} · {t(`contracts.urgency.${u}`)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {[1, 2, 3, 4].map((i) => (
            <tr key={i}>
              <th>
                {i} · {t(`contracts.impact.${i}`)}
              </th>
              {[1, 2, 3, 4].map((u) => {
                const v = draft.priority_matrix[i - 1]?.[u - 1] ?? 4;
                return (
                  <td key={u}>
                    <select
                      className={`c-prio c-prio-${v}`}
                      value={v}
                      aria-label={t('contracts.matrix.cell', { impact: i, urgency: u })}
                      data-testid={`matrix-${i}-${u}`}
                      onChange={(e) => update((d) => void (d.priority_matrix[i - 1]![u - 1] = Number(e.target.value)))}
                    >
                      {PRIORITIES.map((p) => (
                        <option key={p} value={p}>
                          P{p}
                        </option>
                      ))}
                    </select>
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </Section>
  );
}

// ------------------------------------------------------------------------------------ scope

/** Names of the scope's assets, looked up once each. */
function useAssetNames(clientId: string, ids: string[]): Record<string, string> {
  const [names, setNames] = useState<Record<string, string>>({});
  useEffect(() => {
    let live = true;
    for (const id of ids.filter((x) => !(x in names)).slice(0, 100)) {
      api.get<{ name: string }>(`/clients/${clientId}/assets/${id}`).then(
        (r) => live && setNames((n) => ({ ...n, [id]: r.name })),
        () => live && setNames((n) => ({ ...n, [id]: '?' })),
      );
    }
    return () => {
      live = false;
    };
  }, [clientId, ids.join(',')]); // eslint-disable-line react-hooks/exhaustive-deps
  return names;
}

function ScopeSection({ clientId, draft, update, writer }: { clientId: string; draft: ContractDraft; update: Update; writer: boolean }) {
  const { t } = useTranslation();
  const sites = useApiData<{ items: Site[] }>(`/clients/${clientId}/sites`);
  const names = useAssetNames(clientId, draft.scope.asset_ids);
  const [service, setService] = useState('');
  const s = draft.scope;
  function addService() {
    const v = service.trim();
    if (!v) return;
    update((d) => void (d.scope.services = [...new Set([...d.scope.services, v])]));
    setService('');
  }
  return (
    <Section title={t('contracts.scope.title')} testId="contract-scope">
      <label className="check">
        <input type="checkbox" checked={s.all_assets} onChange={(e) => update((d) => void (d.scope.all_assets = e.target.checked))} data-testid="scope-all" />
        {t('contracts.scope.all')}
      </label>
      {s.all_assets && (s.site_ids.length > 0 || s.asset_ids.length > 0) && <p className="muted small-text">{t('contracts.scope.allHint')}</p>}
      {!s.all_assets && (
        <div className="form-grid mt">
          <div className="field">
            <span>{t('contracts.scope.sites')}</span>
            <div className="checks">
              {(sites.data?.items ?? []).length === 0 && <span className="muted small-text">{t('contracts.scope.noSites')}</span>}
              {(sites.data?.items ?? []).map((site) => (
                <label key={site.id} className="check">
                  <input
                    type="checkbox"
                    checked={s.site_ids.includes(site.id)}
                    onChange={(e) => update((d) => void (d.scope.site_ids = e.target.checked ? [...d.scope.site_ids, site.id] : d.scope.site_ids.filter((x) => x !== site.id)))}
                  />
                  {site.name}
                </label>
              ))}
            </div>
          </div>
          <div className="field">
            <span>{t('contracts.scope.assets')}</span>
            <div className="chip-list">
              {s.asset_ids.length === 0 && <span className="muted small-text">{t('contracts.scope.noAssets')}</span>}
              {s.asset_ids.map((id, k) => (
                <span key={id} className="chip">
                  <Link to={`/clients/${clientId}/assets/${id}`}>{names[id] ?? '…'}</Link>
                  {writer && (
                    <button type="button" className="chip-x" aria-label={t('common.remove')} onClick={() => update((d) => void d.scope.asset_ids.splice(k, 1))}>
                      ×
                    </button>
                  )}
                </span>
              ))}
            </div>
            {writer && (
              <div className="mt">
                <AssetPicker clientId={clientId} value={null} onChange={(a) => a && update((d) => void (d.scope.asset_ids = [...new Set([...d.scope.asset_ids, a.id])]))} testId="scope-asset-picker" />
              </div>
            )}
          </div>
        </div>
      )}
      <div className="field mt">
        <span>{t('contracts.scope.services')}</span>
        <div className="chip-list">
          {s.services.length === 0 && <span className="muted small-text">{t('contracts.scope.noServices')}</span>}
          {s.services.map((v, k) => (
            <span key={v} className="chip">
              {v}
              {writer && (
                <button type="button" className="chip-x" aria-label={t('common.remove')} onClick={() => update((d) => void d.scope.services.splice(k, 1))}>
                  ×
                </button>
              )}
            </span>
          ))}
        </div>
        {writer && (
          <div className="row mt">
            <input
              value={service}
              maxLength={200}
              placeholder={t('contracts.scope.servicePlaceholder')}
              onChange={(e) => setService(e.target.value)}
              onKeyDown={(e) => {
                if (e.key === 'Enter') {
                  e.preventDefault();
                  addService();
                }
              }}
              data-testid="scope-service"
            />
            <button type="button" className="small" onClick={addService} disabled={!service.trim()}>
              {t('contracts.scope.addService')}
            </button>
          </div>
        )}
      </div>
    </Section>
  );
}

// ------------------------------------------------------------------------------------ settings

function SettingsSection({ draft, update }: { draft: ContractDraft; update: Update }) {
  const { t } = useTranslation();
  const s = draft.settings;
  return (
    <Section title={t('contracts.settings.title')} testId="contract-settings">
      <div className="form-grid form-grid-3">
        <label className="field">
          <span>{t('contracts.settings.samplePct')}</span>
          <NumberInput value={s.satisfaction.sample_pct} min={0} max={100} step="any" onChange={(n) => update((d) => void (d.settings.satisfaction.sample_pct = n))} />
        </label>
        <label className="field">
          <span>{t('contracts.settings.delayMinutes')}</span>
          <NumberInput value={s.satisfaction.delay_minutes} min={0} max={10080} onChange={(n) => update((d) => void (d.settings.satisfaction.delay_minutes = n))} />
        </label>
        <label className="field">
          <span>{t('contracts.settings.recurring')}</span>
          <NumberInput value={s.recurring_threshold} min={2} max={100} onChange={(n) => update((d) => void (d.settings.recurring_threshold = n))} />
        </label>
        <label className="check field-check">
          <input type="checkbox" checked={s.monitoring.open_tickets} onChange={(e) => update((d) => void (d.settings.monitoring.open_tickets = e.target.checked))} />
          {t('contracts.settings.openTickets')}
        </label>
        <label className="field">
          <span>{t('contracts.settings.quietMinutes')}</span>
          <NumberInput value={s.monitoring.quiet_minutes} min={0} max={10080} onChange={(n) => update((d) => void (d.settings.monitoring.quiet_minutes = n))} />
        </label>
        <div />
        <div className="field">
          <span>{t('contracts.settings.oncallPriorities')}</span>
          <div className="checks">
            {PRIORITIES.map((p) => (
              <label key={p} className="check">
                <input
                  type="checkbox"
                  checked={s.oncall.priorities.includes(p)}
                  onChange={(e) =>
                    update((d) => void (d.settings.oncall.priorities = e.target.checked ? [...d.settings.oncall.priorities, p].sort((a, b) => a - b) : d.settings.oncall.priorities.filter((x) => x !== p)))
                  }
                />
                P{p}
              </label>
            ))}
          </div>
        </div>
        <label className="field">
          <span>{t('contracts.settings.businessWindow')}</span>
          <select value={s.oncall.business_window ?? ''} onChange={(e) => update((d) => void (d.settings.oncall.business_window = e.target.value || null))}>
            <option value="">{t('contracts.settings.noBusinessWindow')}</option>
            {draft.windows.map((w) => (
              <option key={w.id} value={w.id}>
                {w.name}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>{t('contracts.settings.ackMinutes')}</span>
          <NumberInput value={s.oncall.ack_minutes} min={1} max={1440} onChange={(n) => update((d) => void (d.settings.oncall.ack_minutes = n))} />
        </label>
        <label className="field span-all">
          <span>{t('contracts.settings.webhook')}</span>
          <input type="url" value={s.oncall.webhook_url ?? ''} maxLength={2000} placeholder="https://…" onChange={(e) => update((d) => void (d.settings.oncall.webhook_url = e.target.value.trim() || null))} />
        </label>
      </div>
    </Section>
  );
}
