/** The client companies the user may see; provider admins create new ones here. */
import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api.ts';
import { Link, navigate } from '../router.tsx';
import { isProviderAdmin, useSession } from '../session.tsx';
import { formatDate } from '../shared/format.ts';
import { ErrorNote, Loading, PageHead, RoleChip, useAction, useApiData } from '../shared/ui.tsx';

interface Client {
  id: string;
  name: string;
  slug: string;
  notes: string;
  created_at: number;
  archived_at: number | null;
}

export function ClientsPage() {
  const { t } = useTranslation();
  const { session, refresh } = useSession();
  const admin = isProviderAdmin(session);
  const list = useApiData<{ items: Client[] }>('/clients');

  // A client user with a single company has nothing to choose.
  const only = !session.provider_staff && session.clients.length === 1 ? session.clients[0]! : null;
  useEffect(() => {
    if (only) navigate(`/clients/${only.id}/assets`, { replace: true });
  }, [only]);

  const items = list.data?.items ?? [];
  const roles = (id: string) => session.clients.find((c) => c.id === id)?.roles ?? [];

  return (
    <div>
      <PageHead title={t('clients.title')} sub={list.data ? t('clients.count', { count: items.length }) : undefined} />
      {admin && (
        <NewClientForm
          onCreated={async (c) => {
            list.setData({ items: [...items, c].sort((a, b) => a.name.localeCompare(b.name)) });
            await refresh();
          }}
        />
      )}
      <ErrorNote error={list.error} />
      {list.loading && !list.data ? (
        <Loading />
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th>{t('clients.name')}</th>
              <th>{t('clients.slug')}</th>
              <th>{t('clients.yourRoles')}</th>
              <th>{t('clients.notes')}</th>
              <th>{t('clients.created')}</th>
            </tr>
          </thead>
          <tbody>
            {items.length === 0 && (
              <tr>
                <td colSpan={5} className="empty">
                  {admin ? t('clients.emptyAdmin') : t('clients.empty')}
                </td>
              </tr>
            )}
            {items.map((c) => (
              <tr key={c.id} data-testid="client-row" className={c.archived_at ? 'archived clickable' : 'clickable'} onClick={(e) => !(e.target as HTMLElement).closest('a') && navigate(`/clients/${c.id}/assets`)}>
                <td>
                  <Link to={`/clients/${c.id}/assets`} className="strong">
                    {c.name}
                  </Link>
                  {c.archived_at && <span className="tag">{t('clients.archived')}</span>}
                </td>
                <td className="mono">{c.slug}</td>
                <td>
                  {admin && roles(c.id).length === 0 ? (
                    <RoleChip role="admin" />
                  ) : (
                    roles(c.id).map((r) => <RoleChip key={r} role={r} />)
                  )}
                </td>
                <td className="truncate" title={c.notes}>
                  {c.notes}
                </td>
                <td className="nowrap">{formatDate(c.created_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

/** Always open for admins: one compact line above the list. */
function NewClientForm({ onCreated }: { onCreated: (c: Client) => void | Promise<void> }) {
  const { t } = useTranslation();
  const [name, setName] = useState('');
  const [slug, setSlug] = useState('');
  const [notes, setNotes] = useState('');
  const { busy, error, run } = useAction();

  async function submit(e: FormEvent) {
    e.preventDefault();
    const body: Record<string, string> = { name: name.trim() };
    if (slug.trim()) body.slug = slug.trim();
    if (notes.trim()) body.notes = notes.trim();
    const c = await run(() => api.post<Client>('/clients', body));
    if (c) {
      setName('');
      setSlug('');
      setNotes('');
      await onCreated(c);
    }
  }

  return (
    <form className="panel" onSubmit={submit} aria-label={t('clients.new')}>
      <div className="inline-form">
        <span className="inline-title">{t('clients.new')}</span>
        <label className="field grow">
          <span>{t('clients.name')} *</span>
          <input required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} data-testid="new-client-name" />
        </label>
        <label className="field">
          <span>{t('clients.slug')}</span>
          <input pattern="[a-z0-9][a-z0-9\-]{0,59}" maxLength={60} value={slug} onChange={(e) => setSlug(e.target.value)} placeholder={t('clients.slugHint')} data-testid="new-client-slug" />
        </label>
        <label className="field grow">
          <span>{t('clients.notes')}</span>
          <input maxLength={5000} value={notes} onChange={(e) => setNotes(e.target.value)} />
        </label>
        <button type="submit" className="primary" disabled={busy} data-testid="new-client-submit">
          {t('clients.create')}
        </button>
      </div>
      <ErrorNote error={error} />
    </form>
  );
}
