/**
 * Everyone holding a role on a client: its own users and the provider staff assigned to it.
 * Referents and admins invite colleagues and change roles; admins assign provider staff.
 */
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api.ts';
import { can, isProviderAdmin, useSession } from '../session.tsx';
import { ErrorNote, Loading, OneTimeSecret, PageHead, RoleChip, useAction, useApiData } from '../shared/ui.tsx';
import { ASSIGNABLE_STAFF_ROLES, CLIENT_ROLES, type ClientUser, type StaffUser } from './roles.ts';

export function UsersPage({ clientId }: { clientId: string }) {
  const { t } = useTranslation();
  const { session } = useSession();
  const manage = can(session, 'user.manage', clientId);
  const assign = can(session, 'staff.assign', clientId);
  const list = useApiData<{ items: ClientUser[] }>(`/clients/${clientId}/users`);
  const action = useAction();
  const [created, setCreated] = useState<{ email: string; password: string } | null>(null);
  const items = list.data?.items ?? [];
  const ownUsers = items.filter((u) => u.organisation_id === clientId);
  const staff = items.filter((u) => u.organisation_id !== clientId);

  async function removeMembership(u: ClientUser, m: { id: string; role: string }) {
    if (!window.confirm(t('users.confirmRemoveRole', { role: t(`roles.${m.role}`), name: u.name || u.email }))) return;
    const ok = await action.run(() => api.del(`/clients/${clientId}/memberships/${m.id}`));
    if (ok !== undefined) list.reload();
  }

  async function addRole(u: ClientUser, role: string) {
    const ok = await action.run(() => api.post(`/clients/${clientId}/memberships`, { user_id: u.id, role }));
    if (ok !== undefined) list.reload();
  }

  const canRemove = (role: string) => (CLIENT_ROLES as readonly string[]).includes(role) ? manage : assign;

  function table(users: ClientUser[], offer: readonly string[], caption: string) {
    return (
      <table className="table table-users">
        <caption>{caption}</caption>
        <colgroup>
          <col style={{ width: '18%' }} />
          <col style={{ width: '26%' }} />
          <col />
          <col style={{ width: '150px' }} />
          {(manage || assign) && <col style={{ width: '170px' }} />}
        </colgroup>
        <thead>
          <tr>
            <th>{t('users.name')}</th>
            <th>{t('users.email')}</th>
            <th>{t('users.roles')}</th>
            <th>{t('users.mfa')}</th>
            {(manage || assign) && <th className="w-add">{t('users.addRole')}</th>}
          </tr>
        </thead>
        <tbody>
          {users.length === 0 && (
            <tr>
              <td colSpan={5} className="empty">
                {t('users.none')}
              </td>
            </tr>
          )}
          {users.map((u) => {
            const missing = offer.filter((r) => !u.roles.includes(r));
            const canAdd = offer === CLIENT_ROLES ? manage : assign;
            return (
              <tr key={u.id} data-testid="user-row" className={u.disabled ? 'archived' : undefined}>
                <td className="strong">{u.name}</td>
                <td>{u.email}</td>
                <td>
                  {u.memberships.map((m) => (
                    <RoleChip key={m.id} role={m.role} onRemove={canRemove(m.role) ? () => void removeMembership(u, m) : undefined} removeLabel={t('users.removeRole')} />
                  ))}
                </td>
                <td>{u.mfa_enabled ? <span className="ok">{t('users.mfaOn')}</span> : <span className="muted">{t('users.mfaOff')}</span>}</td>
                {(manage || assign) && (
                  <td>
                    {canAdd && missing.length > 0 && (
                      <select
                        className="compact"
                        value=""
                        aria-label={t('users.addRole')}
                        onChange={(e) => e.target.value && void addRole(u, e.target.value)}
                        disabled={action.busy}
                      >
                        <option value="">{t('users.addRolePick')}</option>
                        {missing.map((r) => (
                          <option key={r} value={r}>
                            {t(`roles.${r}`)}
                          </option>
                        ))}
                      </select>
                    )}
                  </td>
                )}
              </tr>
            );
          })}
        </tbody>
      </table>
    );
  }

  return (
    <div>
      <PageHead title={t('users.title')} sub={t('users.sub')} />
      {created && (
        <OneTimeSecret label={t('users.oneTimePassword', { email: created.email })} value={created.password} hint={t('users.oneTimeHint')} onDone={() => setCreated(null)} testId="one-time-password" />
      )}
      <ErrorNote error={list.error ?? action.error} />
      {manage && (
        <NewUserForm
          clientId={clientId}
          onCreated={(email, password) => {
            setCreated({ email, password });
            list.reload();
          }}
        />
      )}
      {list.loading && !list.data ? (
        <Loading />
      ) : (
        <>
          {table(ownUsers, CLIENT_ROLES, t('users.clientUsers'))}
          {table(staff, ASSIGNABLE_STAFF_ROLES, t('users.providerStaff'))}
        </>
      )}
      {assign && isProviderAdmin(session) && <AssignStaffForm clientId={clientId} assigned={staff} onDone={list.reload} />}
    </div>
  );
}

function RoleCheckboxes({ roles, value, onChange }: { roles: readonly string[]; value: string[]; onChange: (v: string[]) => void }) {
  const { t } = useTranslation();
  return (
    <div className="checks">
      {roles.map((r) => (
        <label key={r} className="check">
          <input type="checkbox" checked={value.includes(r)} onChange={(e) => onChange(e.target.checked ? [...value, r] : value.filter((x) => x !== r))} />
          {t(`roles.${r}`)}
        </label>
      ))}
    </div>
  );
}

function NewUserForm({ clientId, onCreated }: { clientId: string; onCreated: (email: string, password: string) => void }) {
  const { t, i18n } = useTranslation();
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [locale, setLocale] = useState(i18n.language === 'en' ? 'en' : 'fr');
  const [roles, setRoles] = useState<string[]>(['user']);
  const [open, setOpen] = useState(false);
  const { busy, error, setError, run } = useAction();

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (roles.length === 0) return setError(new Error(t('users.pickRole')));
    const r = await run(() => api.post<{ user: { email: string }; one_time_password: string }>(`/clients/${clientId}/users`, { email, name, locale, roles }));
    if (r) {
      onCreated(r.user.email, r.one_time_password);
      setEmail('');
      setName('');
      setRoles(['user']);
      setOpen(false);
    }
  }

  return (
    <details className="panel" open={open} onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>{t('users.new')}</summary>
      <form onSubmit={submit} className="form-grid">
        <label className="field">
          <span>{t('users.email')} *</span>
          <input type="email" required value={email} onChange={(e) => setEmail(e.target.value)} data-testid="new-user-email" />
        </label>
        <label className="field">
          <span>{t('users.name')} *</span>
          <input required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} data-testid="new-user-name" />
        </label>
        <label className="field span-all">
          <span>{t('users.language')}</span>
          <select value={locale} onChange={(e) => setLocale(e.target.value)} className="w-auto">
            <option value="fr">Français</option>
            <option value="en">English</option>
          </select>
        </label>
        <div className="field span-all">
          <span>{t('users.roles')} *</span>
          <RoleCheckboxes roles={CLIENT_ROLES} value={roles} onChange={setRoles} />
        </div>
        <div className="span-all">
          <ErrorNote error={error} />
        </div>
        <div className="form-actions span-all">
          <button type="submit" className="primary" disabled={busy} data-testid="new-user-submit">
            {t('users.create')}
          </button>
        </div>
      </form>
    </details>
  );
}

function AssignStaffForm({ clientId, assigned, onDone }: { clientId: string; assigned: ClientUser[]; onDone: () => void }) {
  const { t } = useTranslation();
  const staff = useApiData<{ items: StaffUser[] }>('/staff');
  const [userId, setUserId] = useState('');
  const [role, setRole] = useState<string>('engineer');
  const { busy, error, run } = useAction();
  const candidates = (staff.data?.items ?? []).filter((s) => !s.disabled && !s.roles.includes('admin'));

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!userId) return;
    const r = await run(() => api.post(`/clients/${clientId}/memberships`, { user_id: userId, role }));
    if (r !== undefined) {
      setUserId('');
      onDone();
    }
  }

  return (
    <form className="panel" onSubmit={submit}>
      <div className="inline-form">
        <span className="inline-title">{t('users.assignStaff')}</span>
        <label className="field grow">
          <span>{t('users.staffMember')}</span>
          <select value={userId} onChange={(e) => setUserId(e.target.value)} required>
            <option value="">{staff.loading ? t('common.loading') : t('users.pickStaff')}</option>
            {candidates.map((s) => {
              const already = assigned.find((a) => a.id === s.id);
              return (
                <option key={s.id} value={s.id}>
                  {s.name} — {s.email}
                  {already ? ` (${already.roles.map((r) => t(`roles.${r}`)).join(', ')})` : ''}
                </option>
              );
            })}
          </select>
        </label>
        <label className="field">
          <span>{t('users.role')}</span>
          <select value={role} onChange={(e) => setRole(e.target.value)}>
            {ASSIGNABLE_STAFF_ROLES.map((r) => (
              <option key={r} value={r}>
                {t(`roles.${r}`)}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" className="primary" disabled={busy || !userId}>
          {t('users.assign')}
        </button>
      </div>
      <p className="muted small-text">{t('users.adminsSeeAll')}</p>
      <ErrorNote error={staff.error ?? error} />
    </form>
  );
}
