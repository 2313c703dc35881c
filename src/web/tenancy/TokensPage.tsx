/** API tokens of a client: scripts and collectors act with one role; the secret is shown once. */
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api.ts';
import { can, isProviderAdmin, rolesOn, useSession } from '../session.tsx';
import { formatDate, formatDateTime } from '../shared/format.ts';
import { ErrorNote, Loading, OneTimeSecret, PageHead, RoleChip, useAction, useApiData } from '../shared/ui.tsx';
import { ALL_ROLES } from './roles.ts';

interface Token {
  id: string;
  name: string;
  role: string;
  prefix: string;
  created_at: number;
  expires_at: number;
  revoked_at: number | null;
  last_used_at: number | null;
}

export function TokensPage({ clientId }: { clientId: string }) {
  const { t } = useTranslation();
  const { session } = useSession();
  const manage = can(session, 'token.manage', clientId);
  const list = useApiData<{ items: Token[] }>(`/clients/${clientId}/tokens`);
  const action = useAction();
  const [secret, setSecret] = useState<{ name: string; secret: string } | null>(null);
  const items = list.data?.items ?? [];
  const now = Date.now();

  async function revoke(tk: Token) {
    if (!window.confirm(t('tokens.confirmRevoke', { name: tk.name }))) return;
    const r = await action.run(() => api.del(`/clients/${clientId}/tokens/${tk.id}`));
    if (r !== undefined) list.reload();
  }

  function status(tk: Token) {
    if (tk.revoked_at) return <span className="muted">{t('tokens.revoked')}</span>;
    if (tk.expires_at < now) return <span className="warn">{t('tokens.expired')}</span>;
    return <span className="ok">{t('tokens.active')}</span>;
  }

  return (
    <div>
      <PageHead title={t('tokens.title')} sub={t('tokens.sub')} />
      {secret && <OneTimeSecret label={t('tokens.secretLabel', { name: secret.name })} value={secret.secret} hint={t('tokens.secretHint')} onDone={() => setSecret(null)} testId="token-secret" />}
      <ErrorNote error={list.error ?? action.error} />
      {manage && (
        <NewTokenForm
          clientId={clientId}
          roles={isProviderAdmin(session) ? ALL_ROLES : rolesOn(session, clientId)}
          onCreated={(name, s) => {
            setSecret({ name, secret: s });
            list.reload();
          }}
        />
      )}
      {list.loading && !list.data ? (
        <Loading />
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th>{t('tokens.name')}</th>
              <th>{t('tokens.role')}</th>
              <th>{t('tokens.prefix')}</th>
              <th>{t('tokens.created')}</th>
              <th>{t('tokens.expires')}</th>
              <th>{t('tokens.lastUsed')}</th>
              <th>{t('tokens.status')}</th>
              {manage && <th className="right">{t('common.actions')}</th>}
            </tr>
          </thead>
          <tbody>
            {items.length === 0 && (
              <tr>
                <td colSpan={8} className="empty">
                  {t('tokens.none')}
                </td>
              </tr>
            )}
            {items.map((tk) => (
              <tr key={tk.id} data-testid="token-row" className={tk.revoked_at ? 'archived' : undefined}>
                <td className="strong">{tk.name}</td>
                <td>
                  <RoleChip role={tk.role} />
                </td>
                <td className="mono">{tk.prefix}…</td>
                <td className="nowrap">{formatDate(tk.created_at)}</td>
                <td className="nowrap">{formatDate(tk.expires_at)}</td>
                <td className="nowrap">{tk.last_used_at ? formatDateTime(tk.last_used_at) : <span className="muted">{t('tokens.never')}</span>}</td>
                <td>{status(tk)}</td>
                {manage && (
                  <td className="right">
                    {!tk.revoked_at && (
                      <button type="button" className="small danger" onClick={() => void revoke(tk)} disabled={action.busy}>
                        {t('tokens.revoke')}
                      </button>
                    )}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function NewTokenForm({ clientId, roles, onCreated }: { clientId: string; roles: readonly string[]; onCreated: (name: string, secret: string) => void }) {
  const { t } = useTranslation();
  const [name, setName] = useState('');
  const [role, setRole] = useState(roles.includes('technical_referent') ? 'technical_referent' : (roles[0] ?? ''));
  const [days, setDays] = useState(90);
  const { busy, error, run } = useAction();

  async function submit(e: FormEvent) {
    e.preventDefault();
    const r = await run(() => api.post<Token & { secret: string }>(`/clients/${clientId}/tokens`, { name: name.trim(), role, expires_in_days: days }));
    if (r) {
      onCreated(r.name, r.secret);
      setName('');
    }
  }

  return (
    <form className="panel" onSubmit={submit}>
      <div className="inline-form">
        <span className="inline-title">{t('tokens.new')}</span>
        <label className="field grow">
          <span>{t('tokens.name')} *</span>
          <input required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} placeholder={t('tokens.namePlaceholder')} data-testid="new-token-name" />
        </label>
        <label className="field">
          <span>{t('tokens.role')}</span>
          <select value={role} onChange={(e) => setRole(e.target.value)} required>
            {roles.map((r) => (
              <option key={r} value={r}>
                {t(`roles.${r}`)}
              </option>
            ))}
          </select>
        </label>
        <label className="field w-num">
          <span>{t('tokens.days')}</span>
          <input type="number" min={1} max={730} required value={days} onChange={(e) => setDays(Number(e.target.value))} />
        </label>
        <button type="submit" className="primary" disabled={busy} data-testid="new-token-submit">
          {t('tokens.create')}
        </button>
      </div>
      <ErrorNote error={error} />
    </form>
  );
}
