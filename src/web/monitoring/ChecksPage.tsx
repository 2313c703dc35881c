/**
 * All the checks of a client: filters (state, type, text), the list, a new check. The list reads the
 * board (one light row per check, the effective state with `unreachable`), not the full check
 * definitions: at 20,000 checks that is half the bytes and a third of the time.
 */
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { qs } from '../api.ts';
import { Link, navigate, useLocation } from '../router.tsx';
import { can, useSession } from '../session.tsx';
import { formatNumber } from '../shared/format.ts';
import { Dialog, ErrorNote, PageHead, useApiData } from '../shared/ui.tsx';
import { CheckForm } from './CheckForm.tsx';
import { Ago, StateBadge, formatLatency, useNow } from './common.tsx';
import { CHECK_TYPES, EFFECTIVE_STATES, SEVERITY, type Board } from './types.ts';

const PAGE = 100;

export function ChecksPage({ clientId }: { clientId: string }) {
  const { t } = useTranslation();
  const { session } = useSession();
  const loc = useLocation();
  const writer = can(session, 'checks.write', clientId);
  const base = `/clients/${clientId}/checks`;
  const [state, setState] = useState(loc.search.get('state') ?? '');
  const [type, setType] = useState(loc.search.get('type') ?? '');
  const [q, setQ] = useState(loc.search.get('q') ?? '');
  const [shown, setShown] = useState(PAGE);
  const [creating, setCreating] = useState(false);
  const now = useNow();
  const list = useApiData<Board>(`/clients/${clientId}/monitoring/board`);

  useEffect(() => {
    navigate(`${base}${qs({ state, type, q: q.trim() })}`, { replace: true });
    setShown(PAGE);
  }, [base, state, type, q]);

  const items = useMemo(() => {
    const needle = q.trim().toLowerCase();
    return (list.data?.items ?? [])
      .filter((c) => (!state || c.effective_state === state) && (!type || c.type === type) && (!needle || c.name.toLowerCase().includes(needle) || (c.asset_name ?? '').toLowerCase().includes(needle)))
      // the server sends them by name: a stable sort keeps that order within each state
      .sort((a, b) => SEVERITY[a.effective_state] - SEVERITY[b.effective_state]);
  }, [list.data, state, type, q]);
  const filtered = Boolean(state || type || q.trim());

  return (
    <div>
      <PageHead title={t('mon.checks.title')} sub={list.loading && !list.data ? t('common.loading') : t(filtered ? 'mon.checks.countFiltered' : 'mon.checks.count', { count: items.length, shown: formatNumber(items.length) })}>
        {writer && (
          <button type="button" className="primary" onClick={() => setCreating(true)} data-testid="new-check-open">
            {t('mon.checks.new')}
          </button>
        )}
      </PageHead>
      <div className="filters">
        <input type="search" className="filter-search" placeholder={t('mon.checks.search')} aria-label={t('mon.checks.search')} value={q} onChange={(e) => setQ(e.target.value)} data-testid="check-search" />
        <select value={state} onChange={(e) => setState(e.target.value)} aria-label={t('mon.state')} data-testid="filter-state">
          <option value="">{t('mon.checks.allStates')}</option>
          {EFFECTIVE_STATES.map((s) => (
            <option key={s} value={s}>
              {t(`monState.${s}`)}
            </option>
          ))}
        </select>
        <select value={type} onChange={(e) => setType(e.target.value)} aria-label={t('mon.f.type')} data-testid="filter-check-type">
          <option value="">{t('mon.checks.allTypes')}</option>
          {CHECK_TYPES.map((ty) => (
            <option key={ty} value={ty}>
              {t(`checkType.${ty}`)}
            </option>
          ))}
        </select>
        {filtered && (
          <button
            type="button"
            className="link"
            onClick={() => {
              setQ('');
              setState('');
              setType('');
            }}
          >
            {t('assets.clearFilters')}
          </button>
        )}
      </div>
      <ErrorNote error={list.error} />
      <table className={list.loading ? 'table is-loading' : 'table'}>
        <thead>
          <tr>
            <th>{t('mon.state')}</th>
            <th>{t('mon.f.checkName')}</th>
            <th>{t('mon.f.type')}</th>
            <th>{t('mon.f.asset')}</th>
            <th>{t('mon.checks.since')}</th>
            <th>{t('mon.checks.lastResult')}</th>
            <th className="right">{t('mon.latency')}</th>
            <th>{t('mon.message')}</th>
          </tr>
        </thead>
        <tbody>
          {!list.loading && items.length === 0 && (
            <tr>
              <td colSpan={8} className="empty">
                {filtered ? t('mon.checks.noMatch') : writer ? t('mon.checks.emptyWriter') : t('mon.checks.empty')}
              </td>
            </tr>
          )}
          {items.slice(0, shown).map((c) => (
            <tr
              key={c.check_id}
              className={c.enabled === false ? 'clickable archived' : 'clickable'}
              data-testid="check-row"
              data-state={c.effective_state}
              onClick={(e) => !(e.target as HTMLElement).closest('a') && navigate(`${base}/${c.check_id}`)}
            >
              <td className="nowrap">
                <StateBadge state={c.effective_state} />
                {c.enabled === false && <span className="tag">{t('mon.disabled')}</span>}
              </td>
              <td className="strong">
                <Link to={`${base}/${c.check_id}`}>{c.name}</Link>
              </td>
              <td className="nowrap">{t(`checkType.${c.type}`, { defaultValue: c.type })}</td>
              <td>{c.asset_id ? <Link to={`/clients/${clientId}/assets/${c.asset_id}`}>{c.asset_name ?? '…'}</Link> : <span className="muted">—</span>}</td>
              <td className="nowrap">
                <Ago at={c.since} now={now} />
              </td>
              <td className="nowrap">
                <Ago at={c.last_result_at} now={now} />
              </td>
              <td className="right nowrap mono">{formatLatency(c.last_latency_ms)}</td>
              <td className="clip msg" title={c.last_message ?? undefined}>
                {c.last_message}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {items.length > shown && (
        <div className="more">
          <button type="button" onClick={() => setShown((n) => n + PAGE * 5)} data-testid="load-more">
            {t('mon.checks.showMore', { count: items.length - shown })}
          </button>
        </div>
      )}
      {creating && (
        <Dialog title={t('mon.checks.new')} onClose={() => setCreating(false)} wide>
          <CheckForm
            clientId={clientId}
            check={null}
            onCancel={() => setCreating(false)}
            onSaved={(c) => {
              setCreating(false);
              navigate(`${base}/${c.id}`);
            }}
          />
        </Dialog>
      )}
    </div>
  );
}
