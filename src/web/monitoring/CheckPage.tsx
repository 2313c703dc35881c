/**
 * One check: its state and since when, latency over a chosen period (uPlot), the state timeline,
 * availability, its settings, the maintenance windows that apply to it; edit and delete.
 */
import { useEffect, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { api, qs } from '../api.ts';
import { Link, navigate } from '../router.tsx';
import { can, useSession } from '../session.tsx';
import { formatDateTime } from '../shared/format.ts';
import { Dialog, ErrorNote, Loading, useAction, useApiData } from '../shared/ui.tsx';
import { CheckForm } from './CheckForm.tsx';
import { Ago, PeriodPicker, StateBadge, formatDuration, formatLatency, useNow, usePeriod } from './common.tsx';
import { LatencyChart } from './LatencyChart.tsx';
import { MaintenanceForm } from './MaintenancePage.tsx';
import { scheduleSummary } from './schedule.ts';
import { AvailabilityView, StateTimeline } from './Timeline.tsx';
import type { Availability, Check, MaintenanceWindow, Period, Results } from './types.ts';

export function CheckPage({ clientId, checkId }: { clientId: string; checkId: string }) {
  const { t } = useTranslation();
  const { session } = useSession();
  const writer = can(session, 'checks.write', clientId);
  const base = `/clients/${clientId}/checks`;
  const check = useApiData<Check>(`${base}/${checkId}`);
  const period = usePeriod('24h');
  const range = `${qs({ from: period.range.from, to: period.range.to })}`;
  const results = useApiData<Results>(`${base}/${checkId}/results${range}`);
  const periods = useApiData<{ items: Period[] }>(`${base}/${checkId}/periods${range}`);
  const avail = useApiData<Availability>(`${base}/${checkId}/availability${range}`);
  const parent = useApiData<Check>(check.data?.parent_check_id ? `${base}/${check.data.parent_check_id}` : null);
  const [editing, setEditing] = useState(false);
  const del = useAction();
  const now = useNow(15_000);
  const c = check.data;

  // Live: the check's own state every 30 s (the board has the event stream; one check needs no more).
  const reloadCheck = check.reload;
  useEffect(() => {
    const h = setInterval(reloadCheck, 30_000);
    return () => clearInterval(h);
  }, [reloadCheck]);

  async function remove() {
    if (!c || !window.confirm(t('mon.check.confirmDelete', { name: c.name }))) return;
    const r = await del.run(() => api.del(`${base}/${c.id}`));
    if (r !== undefined) navigate(base);
  }

  if (check.loading && !c) return <Loading />;
  if (!c) {
    return (
      <div>
        <div className="breadcrumb">
          <Link to={base}>← {t('nav.monChecks')}</Link>
        </div>
        <ErrorNote error={check.error} />
      </div>
    );
  }

  return (
    <div>
      <div className="breadcrumb">
        <Link to={base}>← {t('nav.monChecks')}</Link>
        {c.asset_id && (
          <>
            {' · '}
            <Link to={`/clients/${clientId}/assets/${c.asset_id}`}>{c.asset_name ?? t('mon.f.asset')}</Link>
          </>
        )}
      </div>
      <div className="page-head">
        <div>
          <h1 className="asset-title">
            <StateBadge state={c.state} testId="check-state" /> {c.name}
            {!c.enabled && <span className="tag">{t('mon.disabled')}</span>}
          </h1>
          <div className="page-sub">
            {t(`checkType.${c.type}`)} · {t('mon.check.since', { when: formatDateTime(c.state_since) })} (<Ago at={c.state_since} now={now} />)
            {c.last_result_at !== null && (
              <>
                {' · '}
                {t('mon.check.lastResult')} <Ago at={c.last_result_at} now={now} />
                {c.last_latency_ms !== null && ` · ${formatLatency(c.last_latency_ms)}`}
              </>
            )}
          </div>
          {c.last_message && (
            <div className={`last-message last-${c.last_status ?? 'none'}`} data-testid="check-message">
              {c.last_message}
            </div>
          )}
        </div>
        {writer && (
          <div className="page-actions">
            <button type="button" onClick={() => setEditing(true)} data-testid="check-edit">
              {t('common.edit')}
            </button>
            <button type="button" className="danger" onClick={() => void remove()} disabled={del.busy} data-testid="check-delete">
              {t('common.delete')}
            </button>
          </div>
        )}
      </div>
      <ErrorNote error={del.error} />

      <div className="period-bar">
        <PeriodPicker period={period} />
        <span className="muted small-text">
          {formatDateTime(period.range.from)} → {formatDateTime(period.range.to)}
          {results.data && ` · ${t(`mon.resolution.${results.data.resolution}`)}`}
        </span>
      </div>

      <div className="detail-grid">
        <div>
          <section className="box">
            <h2>{t('mon.check.latency')}</h2>
            <ErrorNote error={results.error} />
            {results.data ? <LatencyChart results={results.data} from={period.range.from} to={period.range.to} /> : <div className="chart-empty">{results.loading ? t('common.loading') : ''}</div>}
          </section>
          <section className="box">
            <h2>{t('mon.check.timeline')}</h2>
            <ErrorNote error={periods.error} />
            {periods.data ? <StateTimeline periods={periods.data.items} from={period.range.from} to={Math.min(period.range.to, Date.now())} /> : <Loading />}
          </section>
          <MaintenanceOnCheck clientId={clientId} check={c} writer={can(session, 'maintenance.write', clientId)} />
        </div>
        <div className="detail-side">
          <section className="box">
            <h2>{t('mon.check.availability')}</h2>
            <ErrorNote error={avail.error} />
            {avail.data ? <AvailabilityView value={avail.data} /> : <Loading />}
          </section>
          <section className="box">
            <h2>{t('mon.check.settings')}</h2>
            <SettingsSummary check={c} parent={parent.data} clientId={clientId} />
          </section>
        </div>
      </div>

      {editing && (
        <Dialog title={t('mon.check.edit', { name: c.name })} onClose={() => setEditing(false)} wide>
          <CheckForm
            clientId={clientId}
            check={c}
            parentName={parent.data?.name ?? null}
            onCancel={() => setEditing(false)}
            onSaved={(updated) => {
              setEditing(false);
              check.setData({ ...c, ...updated });
              check.reload();
            }}
          />
        </Dialog>
      )}
    </div>
  );
}

function flatten(o: unknown, prefix = ''): [string, string][] {
  if (o === null || o === undefined) return [];
  if (Array.isArray(o)) {
    if (o.every((x) => typeof x !== 'object' || x === null)) return [[prefix, o.join(', ')]];
    return o.flatMap((x, i) => flatten(x, `${prefix}[${i + 1}]`));
  }
  if (typeof o === 'object') {
    const entries = Object.entries(o as Record<string, unknown>);
    // a comparison {op, value} reads as one line
    if (entries.length === 2 && 'op' in (o as object) && 'value' in (o as object)) return [[prefix, `${(o as { op: string }).op} ${String((o as { value: unknown }).value)}`]];
    return entries.flatMap(([k, v]) => flatten(v, prefix ? `${prefix}.${k}` : k));
  }
  return [[prefix, String(o)]];
}

const SECRET_KEYS = /(authKey|privKey|community|password|secret|token|authorization)/i;

function SettingsSummary({ check: c, parent, clientId }: { check: Check; parent: Check | null; clientId: string }) {
  const { t } = useTranslation();
  const rows: [string, ReactNode][] = [
    [t('mon.f.type'), t(`checkType.${c.type}`)],
    [t('mon.f.interval'), formatDuration(c.interval_s * 1000)],
    [t('mon.f.timeout'), formatLatency(c.timeout_ms)],
    [t('mon.f.retries'), String(c.retries)],
    [t('mon.f.recovery'), String(c.recovery_threshold)],
    [t('mon.f.collector'), c.collector_id ? <Link to={`/clients/${clientId}/collectors`}>{t('mon.check.byCollector')}</Link> : t('mon.form.serverRuns')],
    [t('mon.f.parent'), parent ? <Link to={`/clients/${clientId}/checks/${parent.id}`}>{parent.name}</Link> : c.parent_check_id ? '…' : null],
    [t('mon.f.enabled'), c.enabled ? t('common.yes') : t('common.no')],
  ];
  const settings = flatten(c.settings);
  return (
    <dl className="fields" data-testid="check-settings">
      {rows.map(([k, v]) => (
        <div className="field-row" key={k}>
          <dt>{k}</dt>
          <dd>{v || <span className="muted">—</span>}</dd>
        </div>
      ))}
      {settings.length > 0 && <div className="field-sep">{t('mon.form.settingsOf', { type: t(`checkType.${c.type}`) })}</div>}
      {settings.map(([k, v]) => {
        const leaf = k.split('.').pop()!.replace(/\[\d+\]$/, '');
        return (
          <div className="field-row" key={k}>
            <dt title={k}>{t(`mon.f.${leaf}`, { defaultValue: k })}{/\[\d+\]/.test(k) ? ` ${k.match(/\[(\d+)\]/)![1]}` : ''}</dt>
            <dd className="mono">{SECRET_KEYS.test(k) ? '••••••' : v}</dd>
          </div>
        );
      })}
    </dl>
  );
}

function MaintenanceOnCheck({ clientId, check, writer }: { clientId: string; check: Check; writer: boolean }) {
  const { t } = useTranslation();
  // on the check, on its asset or on its asset's site (the server resolves which apply)
  const windows = useApiData<{ items: MaintenanceWindow[] }>(`/clients/${clientId}/maintenance-windows${qs({ check_id: check.id })}`);
  const [adding, setAdding] = useState(false);
  const mine = windows.data?.items ?? [];
  return (
    <section className="box" data-testid="check-maintenance">
      <div className="box-head">
        <h2>{t('mon.maint.onCheck')}</h2>
        {writer && !adding && (
          <button type="button" className="small" onClick={() => setAdding(true)} data-testid="check-maintenance-add">
            {t('mon.maint.new')}
          </button>
        )}
      </div>
      <ErrorNote error={windows.error} />
      {mine.length === 0 ? (
        <p className="muted">{t('mon.maint.noneOnCheck')}</p>
      ) : (
        <ul className="plain-list">
          {mine.map((w) => (
            <li key={w.id}>
              <Link to={`/clients/${clientId}/maintenance?window=${w.id}`} className="strong">
                {w.title}
              </Link>{' '}
              <span className="muted">
                · {scheduleSummary(t, w)}
                {w.target_type !== 'check' && ` · ${t(`mon.maint.via.${w.target_type}`, { name: w.target_name ?? '' })}`}
                {w.active_now && (
                  <>
                    {' '}
                    <span className="state state-maintenance">{t('mon.maint.activeNow')}</span>
                  </>
                )}
              </span>
            </li>
          ))}
        </ul>
      )}
      {adding && (
        <Dialog title={t('mon.maint.new')} onClose={() => setAdding(false)} wide>
          <MaintenanceForm
            clientId={clientId}
            window={null}
            target={{ type: 'check', id: check.id, name: check.name }}
            onCancel={() => setAdding(false)}
            onSaved={() => {
              setAdding(false);
              windows.reload();
            }}
          />
        </Dialog>
      )}
    </section>
  );
}
