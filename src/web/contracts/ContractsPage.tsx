/** A client's contracts: name, status, dates, service level, fee and targets; open one to see or edit it. */
import { useTranslation } from 'react-i18next';
import { Link, navigate } from '../router.tsx';
import { intlLocale } from '../i18n/index.ts';
import { useSession } from '../session.tsx';
import { ErrorNote, PageHead, useApiData } from '../shared/ui.tsx';
import { canWriteContracts, formatMoney, type Contract, type TargetDuration } from './types.ts';
import './contracts.css';

/** '30 min', '4 h', '2 j ouvrés'. */
export function durationText(t: (k: string, o?: Record<string, unknown>) => string, d: TargetDuration | null): string {
  if (!d) return '—';
  return t(`contracts.unitShort.${d.unit}`, { count: d.value });
}

export function StatusBadge({ status }: { status: string }) {
  const { t } = useTranslation();
  const cls = status === 'active' ? 'state state-up' : status === 'draft' ? 'state state-unknown' : 'state state-maintenance';
  return <span className={cls}>{t(`contracts.status.${status}`, { defaultValue: status })}</span>;
}

function formatIsoDay(day: string | null): string {
  if (!day) return '';
  const [y, m, d] = day.split('-').map(Number);
  return new Intl.DateTimeFormat(intlLocale(), { dateStyle: 'medium', timeZone: 'UTC' }).format(Date.UTC(y!, m! - 1, d!));
}

export function ContractsPage({ clientId }: { clientId: string }) {
  const { t } = useTranslation();
  const { session } = useSession();
  const writer = canWriteContracts(session, clientId);
  const list = useApiData<{ items: Contract[] }>(`/clients/${clientId}/contracts`);
  const items = list.data?.items ?? [];
  const base = `/clients/${clientId}/contracts`;

  return (
    <div>
      <PageHead title={t('contracts.title')} sub={t('contracts.sub')}>
        {writer && (
          <button type="button" className="primary" onClick={() => navigate(`${base}/new`)} data-testid="contract-new">
            {t('contracts.new')}
          </button>
        )}
      </PageHead>
      <ErrorNote error={list.error} />
      <table className={list.loading ? 'table is-loading' : 'table'} data-testid="contracts-table">
        <thead>
          <tr>
            <th>{t('contracts.name')}</th>
            <th>{t('contracts.statusLabel')}</th>
            <th>{t('contracts.period')}</th>
            <th>{t('contracts.serviceLevel')}</th>
            <th className="right">{t('contracts.monthlyFee')}</th>
            <th>{t('contracts.targetsSummary')}</th>
          </tr>
        </thead>
        <tbody>
          {!list.loading && items.length === 0 && (
            <tr>
              <td colSpan={6} className="empty">
                {t('contracts.none')}
              </td>
            </tr>
          )}
          {items.map((c) => (
            <tr key={c.id} className="clickable" onClick={() => navigate(`${base}/${c.id}`)} data-testid="contract-row">
              <td>
                <Link to={`${base}/${c.id}`} className="strong" onClick={(e) => e.stopPropagation()}>
                  {c.name}
                </Link>
                {c.reference && <div className="muted small-text">{c.reference}</div>}
              </td>
              <td>
                <StatusBadge status={c.status} />
              </td>
              <td className="nowrap">
                {formatIsoDay(c.starts_on)} → {c.ends_on ? formatIsoDay(c.ends_on) : <span className="muted">{t('contracts.noEnd')}</span>}
              </td>
              <td>{c.service_level || <span className="muted">—</span>}</td>
              <td className="right nowrap">{formatMoney(c.monthly_fee_cents, c.currency, intlLocale())}</td>
              <td className="small-text">
                {c.targets.length === 0 ? (
                  <span className="muted">{t('contracts.noTargets')}</span>
                ) : (
                  c.targets.map((x) => (
                    <div key={x.priority} className="nowrap">
                      <span className={`c-prio c-prio-${x.priority}`}>P{x.priority}</span> {t('contracts.gti')} {durationText(t, x.gti)} · {t('contracts.gtr')} {durationText(t, x.gtr)}
                    </div>
                  ))
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
