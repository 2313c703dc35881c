/** The provider's own people (admins only): create staff, reset a password or a second factor. */
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api.ts';
import { Link } from '../router.tsx';
import { useSession } from '../session.tsx';
import { ErrorNote, Loading, OneTimeSecret, PageHead, RoleChip, useAction, useApiData } from '../shared/ui.tsx';
import { PROVIDER_ROLES, type StaffUser } from './roles.ts';

export function StaffPage() {
  const { t } = useTranslation();
  const { session } = useSession();
  const list = useApiData<{ items: StaffUser[] }>('/staff');
  const action = useAction();
  const [secret, setSecret] = useState<{ email: string; password: string } | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const clientName = (id: string) => session.clients.find((c) => c.id === id)?.name ?? id.slice(0, 8);

  async function resetPassword(u: StaffUser) {
    if (!window.confirm(t('staff.confirmResetPassword', { name: u.name || u.email }))) return;
    setNotice(null);
    const r = await action.run(() => api.post<{ one_time_password: string }>(`/users/${u.id}/reset-password`));
    if (r) setSecret({ email: u.email, password: r.one_time_password });
  }

  async function resetMfa(u: StaffUser) {
    if (!window.confirm(t('staff.confirmResetMfa', { name: u.name || u.email }))) return;
    setSecret(null);
    const r = await action.run(() => api.post(`/users/${u.id}/reset-mfa`));
    if (r !== undefined) {
      setNotice(t('staff.mfaResetDone', { email: u.email }));
      list.reload();
    }
  }

  const items = list.data?.items ?? [];
  return (
    <div>
      <PageHead title={t('staff.title')} sub={list.data ? t('staff.count', { count: items.length }) : undefined} />
      {secret && <OneTimeSecret label={t('users.oneTimePassword', { email: secret.email })} value={secret.password} hint={t('users.oneTimeHint')} onDone={() => setSecret(null)} testId="one-time-password" />}
      {notice && <div className="note note-ok">{notice}</div>}
      <ErrorNote error={list.error ?? action.error} />
      <NewStaffForm
        onCreated={(email, password) => {
          setNotice(null);
          setSecret({ email, password });
          list.reload();
        }}
      />
      {list.loading && !list.data ? (
        <Loading />
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th>{t('users.name')}</th>
              <th>{t('users.email')}</th>
              <th>{t('users.roles')}</th>
              <th>{t('staff.assignments')}</th>
              <th>{t('users.mfa')}</th>
              <th className="right">{t('common.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((u) => (
              <tr key={u.id} data-testid="staff-row" className={u.disabled ? 'archived' : undefined}>
                <td className="strong">{u.name}</td>
                <td>{u.email}</td>
                <td>
                  {u.roles.map((r) => (
                    <RoleChip key={r} role={r} />
                  ))}
                </td>
                <td>
                  {u.roles.includes('admin') ? (
                    <span className="muted">{t('staff.allClients')}</span>
                  ) : u.assignments.length === 0 ? (
                    <span className="muted">—</span>
                  ) : (
                    u.assignments.map((a) => (
                      <span key={a.id} className="assignment">
                        <Link to={`/clients/${a.client_id}/users`}>{clientName(a.client_id)}</Link> <span className="muted">({t(`roles.${a.role}`)})</span>
                      </span>
                    ))
                  )}
                </td>
                <td>{u.mfa_enabled ? <span className="ok">{t('users.mfaOn')}</span> : <span className="warn">{t('staff.mfaPending')}</span>}</td>
                <td className="right nowrap">
                  <button type="button" className="small" onClick={() => void resetPassword(u)} disabled={action.busy}>
                    {t('staff.resetPassword')}
                  </button>{' '}
                  <button type="button" className="small" onClick={() => void resetMfa(u)} disabled={action.busy || !u.mfa_enabled}>
                    {t('staff.resetMfa')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function NewStaffForm({ onCreated }: { onCreated: (email: string, password: string) => void }) {
  const { t, i18n } = useTranslation();
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [roles, setRoles] = useState<string[]>(['engineer']);
  const [open, setOpen] = useState(false);
  const { busy, error, setError, run } = useAction();

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (roles.length === 0) return setError(new Error(t('users.pickRole')));
    const locale = i18n.language === 'en' ? 'en' : 'fr';
    const r = await run(() => api.post<{ user: { email: string }; one_time_password: string }>('/staff', { email, name, roles, locale }));
    if (r) {
      onCreated(r.user.email, r.one_time_password);
      setEmail('');
      setName('');
      setOpen(false);
    }
  }

  return (
    <details className="panel" open={open} onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>{t('staff.new')}</summary>
      <form onSubmit={submit} className="form-grid">
        <label className="field">
          <span>{t('users.email')} *</span>
          <input type="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
        </label>
        <label className="field">
          <span>{t('users.name')} *</span>
          <input required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <div className="field span-all">
          <span>{t('users.roles')} *</span>
          <div className="checks">
            {PROVIDER_ROLES.map((r) => (
              <label key={r} className="check">
                <input type="checkbox" checked={roles.includes(r)} onChange={(e) => setRoles(e.target.checked ? [...roles, r] : roles.filter((x) => x !== r))} />
                {t(`roles.${r}`)}
              </label>
            ))}
          </div>
        </div>
        <p className="muted small-text span-all">{t('staff.mfaRequired')}</p>
        <div className="span-all">
          <ErrorNote error={error} />
        </div>
        <div className="form-actions span-all">
          <button type="submit" className="primary" disabled={busy}>
            {t('staff.create')}
          </button>
        </div>
      </form>
    </details>
  );
}
