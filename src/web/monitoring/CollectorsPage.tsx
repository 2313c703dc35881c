/** Site collectors of a client: last contact (a red badge when silent), creation with a one-time token, revocation. */
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api.ts';
import { can, useSession } from '../session.tsx';
import { formatDate, formatNumber } from '../shared/format.ts';
import { Link } from '../router.tsx';
import { CopyButton, ErrorNote, PageHead, useAction, useApiData } from '../shared/ui.tsx';
import type { Site } from '../inventory/types.ts';
import { Ago, useNow } from './common.tsx';
import type { Collector } from './types.ts';

/** A collector asks for its checks every 30 s: four missed calls and it is silent (its checks turn unknown). */
export const SILENT_AFTER_MS = 2 * 60_000;

export function isSilent(c: Collector, now: number): boolean {
  const flag = (c as Collector & { silent?: boolean }).silent;
  if (typeof flag === 'boolean') return flag;
  return c.last_contact_at === null || now - c.last_contact_at > SILENT_AFTER_MS;
}

export function CollectorsPage({ clientId }: { clientId: string }) {
  const { t } = useTranslation();
  const { session } = useSession();
  const writer = can(session, 'collector.manage', clientId);
  const base = `/clients/${clientId}/collectors`;
  const list = useApiData<{ items: Collector[] }>(base);
  const sites = useApiData<{ items: Site[] }>(`/clients/${clientId}/sites`);
  const [name, setName] = useState('');
  const [siteId, setSiteId] = useState('');
  const [created, setCreated] = useState<Collector | null>(null);
  const create = useAction();
  const revoke = useAction();
  const now = useNow(15_000);
  const siteName = (id: string | null) => (id ? (sites.data?.items.find((s) => s.id === id)?.name ?? '…') : null);
  const items = list.data?.items ?? [];

  async function submit(e: FormEvent) {
    e.preventDefault();
    const c = await create.run(() => api.post<Collector>(base, { name: name.trim(), site_id: siteId || null }));
    if (c) {
      setCreated(c);
      setName('');
      setSiteId('');
      list.reload();
    }
  }

  async function remove(c: Collector) {
    if (!window.confirm(t('mon.collectors.confirmRevoke', { name: c.name }))) return;
    const r = await revoke.run(() => api.del(`${base}/${c.id}`));
    if (r !== undefined) list.reload();
  }

  const command = created?.token ? `npx vigie collector --server ${window.location.origin} --token ${created.token}` : '';

  return (
    <div>
      <PageHead title={t('mon.collectors.title')} sub={t('mon.collectors.sub')} />
      {created?.token && (
        <div className="note note-secret" data-testid="collector-token">
          <div className="secret-label">{t('mon.collectors.tokenTitle', { name: created.name })}</div>
          <div className="secret-row">
            <code className="secret">{created.token}</code>
            <CopyButton text={created.token} />
          </div>
          <div className="muted">{t('mon.collectors.commandHint')}</div>
          <div className="secret-row">
            <code className="secret" data-testid="collector-command">
              {command}
            </code>
            <CopyButton text={command} />
            <button type="button" className="small" onClick={() => setCreated(null)}>
              {t('common.done')}
            </button>
          </div>
          <div className="muted">{t('mon.collectors.tokenOnce')}</div>
        </div>
      )}
      {writer && (
        <form className="panel inline-form" onSubmit={submit}>
          <span className="inline-title">{t('mon.collectors.new')}</span>
          <label className="field grow">
            <span>{t('mon.collectors.name')}</span>
            <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={200} placeholder={t('mon.collectors.namePlaceholder')} data-testid="collector-name" />
          </label>
          <label className="field">
            <span>{t('asset.site')}</span>
            <select value={siteId} onChange={(e) => setSiteId(e.target.value)} data-testid="collector-site">
              <option value="">{t('asset.noSite')}</option>
              {(sites.data?.items ?? []).map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name}
                </option>
              ))}
            </select>
          </label>
          <button type="submit" className="primary" disabled={create.busy || !name.trim()} data-testid="collector-submit">
            {t('mon.collectors.create')}
          </button>
        </form>
      )}
      <ErrorNote error={list.error ?? create.error ?? revoke.error} />
      <table className={list.loading ? 'table is-loading' : 'table'}>
        <thead>
          <tr>
            <th>{t('mon.collectors.name')}</th>
            <th>{t('asset.site')}</th>
            <th>{t('mon.collectors.lastContact')}</th>
            <th className="right">{t('mon.collectors.checks')}</th>
            <th className="right" title={t('mon.collectors.backlogHint')}>
              {t('mon.collectors.backlog')}
            </th>
            <th>{t('mon.collectors.version')}</th>
            <th>{t('mon.collectors.created')}</th>
            {writer && <th className="right">{t('common.actions')}</th>}
          </tr>
        </thead>
        <tbody>
          {!list.loading && items.length === 0 && (
            <tr>
              <td colSpan={writer ? 8 : 7} className="empty">
                {t('mon.collectors.none')}
              </td>
            </tr>
          )}
          {items.map((c) => {
            const silent = !c.revoked_at && isSilent(c, now);
            return (
              <tr key={c.id} data-testid="collector-row" className={c.revoked_at ? 'archived' : undefined}>
                <td className="strong">{c.name}</td>
                <td>{c.site_name ?? siteName(c.site_id) ?? <span className="muted">—</span>}</td>
                <td className="nowrap">
                  {c.revoked_at ? (
                    <span className="state state-unknown">{t('mon.collectors.revoked')}</span>
                  ) : (
                    <>
                      {c.last_contact_at === null ? <span className="muted">{t('mon.collectors.never')}</span> : <Ago at={c.last_contact_at} now={now} />}{' '}
                      {silent ? (
                        <span className="state state-down" data-testid="collector-silent" title={t('mon.collectors.silentHint')}>
                          {t('mon.collectors.silent')}
                        </span>
                      ) : (
                        <span className="state state-up">{t('mon.collectors.online')}</span>
                      )}
                    </>
                  )}
                </td>
                <td className="right">
                  {c.checks !== undefined && c.checks > 0 ? <Link to={`/clients/${clientId}/checks`}>{formatNumber(c.checks)}</Link> : <span className="muted">{c.checks ?? '—'}</span>}
                </td>
                <td className="right">{c.backlog ? <span className="warn">{formatNumber(c.backlog)}</span> : <span className="muted">{c.backlog === 0 ? '0' : '—'}</span>}</td>
                <td className="mono">{c.version ?? <span className="muted">—</span>}</td>
                <td className="nowrap">{formatDate(c.created_at)}</td>
                {writer && (
                  <td className="right">
                    {!c.revoked_at && (
                      <button type="button" className="small danger" onClick={() => void remove(c)} disabled={revoke.busy}>
                        {t('mon.collectors.revoke')}
                      </button>
                    )}
                  </td>
                )}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
