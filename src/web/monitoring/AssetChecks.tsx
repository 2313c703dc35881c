/** The "Supervision" section of an asset page: its checks with their state, and a new check on it. */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { qs } from '../api.ts';
import { Link } from '../router.tsx';
import { can, useSession } from '../session.tsx';
import { Dialog, ErrorNote, Loading, useApiData } from '../shared/ui.tsx';
import { CheckForm } from './CheckForm.tsx';
import { Ago, StateBadge, formatLatency, useNow } from './common.tsx';
import { SEVERITY, type Check } from './types.ts';

export function AssetChecks({ clientId, asset }: { clientId: string; asset: { id: string; name: string; ip_address: string | null } }) {
  const { t } = useTranslation();
  const { session } = useSession();
  const writer = can(session, 'checks.write', clientId);
  const list = useApiData<{ items: Check[] }>(`/clients/${clientId}/checks${qs({ asset_id: asset.id })}`);
  const [creating, setCreating] = useState(false);
  const now = useNow();
  const items = [...(list.data?.items ?? [])].sort((a, b) => SEVERITY[a.state] - SEVERITY[b.state] || a.name.localeCompare(b.name));
  return (
    <section className="box" data-testid="asset-checks">
      <div className="box-head">
        <h2>{t('mon.asset.title')}</h2>
        {writer && (
          <button type="button" className="small" onClick={() => setCreating(true)} data-testid="asset-new-check">
            {t('mon.checks.new')}
          </button>
        )}
      </div>
      <ErrorNote error={list.error} />
      {list.loading && !list.data ? (
        <Loading />
      ) : items.length === 0 ? (
        <p className="muted">{writer ? t('mon.asset.noneWriter') : t('mon.asset.none')}</p>
      ) : (
        <table className="table table-plain table-fit">
          <tbody>
            {items.map((c) => (
              <tr key={c.id} data-testid="check-row" data-state={c.state} className={c.enabled ? undefined : 'archived'}>
                <td className="nowrap">
                  <StateBadge state={c.state} />
                </td>
                <td className="fill">
                  <Link to={`/clients/${clientId}/checks/${c.id}`} className="strong">
                    {c.name}
                  </Link>{' '}
                  <span className="muted small-text">{t(`checkType.${c.type}`)}</span>
                  {c.last_message && (
                    <div className="muted small-text clip-line" title={c.last_message}>
                      {c.last_message}
                    </div>
                  )}
                </td>
                <td className="right nowrap small-text">
                  <div className="mono">{formatLatency(c.last_latency_ms)}</div>
                  <div className="muted">
                    <Ago at={c.state_since} now={now} />
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {creating && (
        <Dialog title={t('mon.asset.newOn', { name: asset.name })} onClose={() => setCreating(false)} wide>
          <CheckForm
            clientId={clientId}
            check={null}
            asset={asset}
            onCancel={() => setCreating(false)}
            onSaved={() => {
              setCreating(false);
              list.reload();
            }}
          />
        </Dialog>
      )}
    </section>
  );
}
