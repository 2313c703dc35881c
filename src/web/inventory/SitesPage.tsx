/** A client's sites (head office, warehouse, shop): list, create, edit, delete when empty. */
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api, qs } from '../api.ts';
import { Link } from '../router.tsx';
import { can, useSession } from '../session.tsx';
import { Dialog, ErrorNote, Loading, PageHead, useAction, useApiData } from '../shared/ui.tsx';
import type { Site } from './types.ts';

export function SitesPage({ clientId }: { clientId: string }) {
  const { t } = useTranslation();
  const { session } = useSession();
  const writer = can(session, 'inventory.write', clientId);
  const list = useApiData<{ items: Site[] }>(`/clients/${clientId}/sites`);
  const [editing, setEditing] = useState<Site | 'new' | null>(null);
  const action = useAction();
  const items = list.data?.items ?? [];

  async function remove(s: Site) {
    if (!window.confirm(t('sites.confirmDelete', { name: s.name }))) return;
    const r = await action.run(() => api.del(`/clients/${clientId}/sites/${s.id}`));
    if (r !== undefined) list.reload();
  }

  return (
    <div>
      <PageHead title={t('sites.title')} sub={list.data ? t('sites.count', { count: items.length }) : undefined}>
        {writer && (
          <button type="button" className="primary" onClick={() => setEditing('new')} data-testid="new-site-open">
            {t('sites.new')}
          </button>
        )}
      </PageHead>
      <ErrorNote error={list.error ?? action.error} />
      {list.loading && !list.data ? (
        <Loading />
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th>{t('sites.name')}</th>
              <th>{t('sites.address')}</th>
              <th>{t('sites.city')}</th>
              <th>{t('sites.country')}</th>
              <th className="right">{t('sites.assets')}</th>
              <th>{t('sites.notes')}</th>
              {writer && <th className="right">{t('common.actions')}</th>}
            </tr>
          </thead>
          <tbody>
            {items.length === 0 && (
              <tr>
                <td colSpan={7} className="empty">
                  {t('sites.none')}
                </td>
              </tr>
            )}
            {items.map((s) => (
              <tr key={s.id} data-testid="site-row">
                <td className="strong">{s.name}</td>
                <td className="truncate" title={s.address ?? ''}>
                  {s.address}
                </td>
                <td>{s.city}</td>
                <td>{s.country}</td>
                <td className="right">
                  <Link to={`/clients/${clientId}/assets${qs({ site_id: s.id })}`}>{s.asset_count}</Link>
                </td>
                <td className="truncate" title={s.notes ?? ''}>
                  {s.notes}
                </td>
                {writer && (
                  <td className="right nowrap">
                    <button type="button" className="small" onClick={() => setEditing(s)}>
                      {t('common.edit')}
                    </button>{' '}
                    <button
                      type="button"
                      className="small danger"
                      onClick={() => void remove(s)}
                      disabled={action.busy}
                      title={s.asset_count > 0 ? t('errors.site_not_empty') : undefined}
                    >
                      {t('common.delete')}
                    </button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {editing && (
        <Dialog title={editing === 'new' ? t('sites.new') : t('sites.edit', { name: editing.name })} onClose={() => setEditing(null)}>
          <SiteForm
            clientId={clientId}
            site={editing === 'new' ? null : editing}
            onCancel={() => setEditing(null)}
            onSaved={() => {
              setEditing(null);
              list.reload();
            }}
          />
        </Dialog>
      )}
    </div>
  );
}

function SiteForm({ clientId, site, onSaved, onCancel }: { clientId: string; site: Site | null; onSaved: () => void; onCancel: () => void }) {
  const { t } = useTranslation();
  const [name, setName] = useState(site?.name ?? '');
  const [address, setAddress] = useState(site?.address ?? '');
  const [city, setCity] = useState(site?.city ?? '');
  const [country, setCountry] = useState(site?.country ?? 'FR');
  const [notes, setNotes] = useState(site?.notes ?? '');
  const { busy, error, run } = useAction();

  async function submit(e: FormEvent) {
    e.preventDefault();
    const body: Record<string, string> = { name: name.trim(), address: address.trim(), city: city.trim(), notes };
    if (country.trim()) body.country = country.trim().toUpperCase();
    const r = site ? await run(() => api.patch(`/clients/${clientId}/sites/${site.id}`, body)) : await run(() => api.post(`/clients/${clientId}/sites`, body));
    if (r !== undefined) onSaved();
  }

  return (
    <form onSubmit={submit} className="form-grid">
      <label className="field span-all">
        <span>{t('sites.name')} *</span>
        <input required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} data-testid="site-name" />
      </label>
      <label className="field span-all">
        <span>{t('sites.address')}</span>
        <input maxLength={1000} value={address} onChange={(e) => setAddress(e.target.value)} />
      </label>
      <label className="field">
        <span>{t('sites.city')}</span>
        <input maxLength={120} value={city} onChange={(e) => setCity(e.target.value)} />
      </label>
      <label className="field">
        <span>{t('sites.country')}</span>
        <input maxLength={2} pattern="[A-Za-z]{2}" value={country} onChange={(e) => setCountry(e.target.value)} title={t('sites.countryHint')} />
      </label>
      <label className="field span-all">
        <span>{t('sites.notes')}</span>
        <textarea rows={3} maxLength={10000} value={notes} onChange={(e) => setNotes(e.target.value)} />
      </label>
      <div className="span-all">
        <ErrorNote error={error} />
      </div>
      <div className="form-actions span-all">
        <button type="submit" className="primary" disabled={busy} data-testid="site-save">
          {site ? t('common.save') : t('sites.create')}
        </button>
        <button type="button" onClick={onCancel}>
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}
