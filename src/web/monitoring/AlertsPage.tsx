/** Alerting of a client: the rules (email, webhook; test, edit, delete) and the stream of alerts with their deliveries. */
import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api, qs } from '../api.ts';
import { Link } from '../router.tsx';
import { can, useSession } from '../session.tsx';
import { formatDateTime } from '../shared/format.ts';
import { Dialog, ErrorNote, Loading, OneTimeSecret, PageHead, useAction, useApiData } from '../shared/ui.tsx';
import { Ago, StateBadge, useNow } from './common.tsx';
import type { Alert, AlertRule, AlertRuleSettings } from './types.ts';

export function AlertsPage({ clientId }: { clientId: string }) {
  const { t } = useTranslation();
  const { session } = useSession();
  const writer = can(session, 'alerts.manage', clientId);
  return (
    <div>
      <PageHead title={t('mon.alerts.title')} sub={t('mon.alerts.sub')} />
      <RulesBox clientId={clientId} writer={writer} />
      <AlertStream clientId={clientId} />
    </div>
  );
}

function RulesBox({ clientId, writer }: { clientId: string; writer: boolean }) {
  const { t } = useTranslation();
  const base = `/clients/${clientId}/alert-rules`;
  const rules = useApiData<{ items: AlertRule[] }>(base);
  const [editing, setEditing] = useState<AlertRule | 'new' | null>(null);
  const [secret, setSecret] = useState<{ name: string; secret: string } | null>(null);
  const [tested, setTested] = useState<{ id: string; ok: boolean; text: string } | null>(null);
  const action = useAction();

  async function test(r: AlertRule) {
    setTested(null);
    const res = await action.run(() => api.post<{ status: 'sent' | 'failed' | 'skipped'; error?: string | null }>(`${base}/${r.id}/test`));
    if (res !== undefined) {
      const ok = res.status === 'sent';
      setTested({ id: r.id, ok, text: ok ? t('mon.rules.testOk', { name: r.name }) : t('mon.rules.testFailed', { name: r.name, error: res.error ?? t(`mon.alerts.delivery.${res.status}`) }) });
    }
  }
  async function rotate(r: AlertRule) {
    if (!window.confirm(t('mon.rules.confirmRotate', { name: r.name }))) return;
    const res = await action.run(() => api.patch<AlertRule>(`${base}/${r.id}`, { rotate_secret: true }));
    if (res?.secret) setSecret({ name: r.name, secret: res.secret });
  }
  async function remove(r: AlertRule) {
    if (!window.confirm(t('mon.rules.confirmDelete', { name: r.name }))) return;
    const res = await action.run(() => api.del(`${base}/${r.id}`));
    if (res !== undefined) rules.reload();
  }
  async function toggle(r: AlertRule) {
    const res = await action.run(() => api.patch(`${base}/${r.id}`, { enabled: !r.enabled }));
    if (res !== undefined) rules.reload();
  }

  const items = rules.data?.items ?? [];
  return (
    <section className="box">
      <div className="box-head">
        <h2>{t('mon.rules.title')}</h2>
        {writer && (
          <button type="button" className="small primary" onClick={() => setEditing('new')} data-testid="new-rule-open">
            {t('mon.rules.new')}
          </button>
        )}
      </div>
      {secret && (
        <OneTimeSecret label={t('mon.rules.secretLabel', { name: secret.name })} value={secret.secret} hint={t('mon.rules.secretHint')} onDone={() => setSecret(null)} testId="rule-secret" />
      )}
      {tested && (
        <div className={tested.ok ? 'note note-ok' : 'note note-error'} role="status" data-testid="rule-test-result">
          {tested.text}
        </div>
      )}
      <ErrorNote error={rules.error ?? action.error} />
      {rules.loading && !rules.data ? (
        <Loading />
      ) : items.length === 0 ? (
        <p className="muted">{t('mon.rules.none')}</p>
      ) : (
        <table className="table table-plain">
          <thead>
            <tr>
              <th>{t('mon.rules.name')}</th>
              <th>{t('mon.rules.channel')}</th>
              <th>{t('mon.rules.target')}</th>
              <th>{t('mon.rules.when')}</th>
              <th className="center">{t('mon.rules.enabled')}</th>
              {writer && <th className="right">{t('common.actions')}</th>}
            </tr>
          </thead>
          <tbody>
            {items.map((r) => (
              <tr key={r.id} data-testid="rule-row" className={r.enabled ? undefined : 'archived'}>
                <td className="strong">{r.name}</td>
                <td>{t(`mon.rules.channels.${r.channel}`)}</td>
                <td className="mono clip" title={r.target}>
                  {r.target}
                </td>
                <td className="small-text">{ruleSummary(t, r.settings)}</td>
                <td className="center">
                  <input type="checkbox" checked={r.enabled} disabled={!writer} onChange={() => void toggle(r)} aria-label={t('mon.rules.enabled')} />
                </td>
                {writer && (
                <td className="right nowrap">
                  <button type="button" className="small" onClick={() => void test(r)} disabled={action.busy} data-testid="rule-test">
                    {t('mon.rules.test')}
                  </button>{' '}
                  <button type="button" className="small" onClick={() => setEditing(r)}>
                    {t('common.edit')}
                  </button>{' '}
                  {r.channel === 'webhook' && (
                    <>
                      <button type="button" className="small" onClick={() => void rotate(r)} title={t('mon.rules.rotateHint')}>
                        {t('mon.rules.rotate')}
                      </button>{' '}
                    </>
                  )}
                  <button type="button" className="small danger" onClick={() => void remove(r)}>
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
        <Dialog title={editing === 'new' ? t('mon.rules.new') : t('mon.rules.edit', { name: editing.name })} onClose={() => setEditing(null)}>
          <RuleForm
            clientId={clientId}
            rule={editing === 'new' ? null : editing}
            onCancel={() => setEditing(null)}
            onSaved={(r) => {
              setEditing(null);
              if (r.secret) setSecret({ name: r.name, secret: r.secret });
              rules.reload();
            }}
          />
        </Dialog>
      )}
    </section>
  );
}

function ruleSummary(t: (k: string, o?: Record<string, unknown>) => string, s: AlertRuleSettings): string {
  const parts = [s.states.map((x) => t(`monState.${x}`)).join(` ${t('mon.rules.or')} `)];
  if (s.min_criticality) parts.push(t('mon.rules.minCritShort', { c: s.min_criticality }));
  if (s.repeat_minutes) parts.push(t('mon.rules.repeatShort', { count: s.repeat_minutes }));
  if (s.send_recovery) parts.push(t('mon.rules.recoveryShort'));
  return parts.join(' · ');
}

function RuleForm({ clientId, rule, onSaved, onCancel }: { clientId: string; rule: AlertRule | null; onSaved: (r: AlertRule) => void; onCancel: () => void }) {
  const { t, i18n } = useTranslation();
  const [name, setName] = useState(rule?.name ?? '');
  const [channel, setChannel] = useState<'email' | 'webhook'>(rule?.channel ?? 'email');
  const [target, setTarget] = useState(rule?.target ?? '');
  const [degraded, setDegraded] = useState(rule?.settings.states.includes('degraded') ?? false);
  const [minCrit, setMinCrit] = useState<string>(rule?.settings.min_criticality ? String(rule.settings.min_criticality) : '');
  const [repeat, setRepeat] = useState<string>(rule?.settings.repeat_minutes ? String(rule.settings.repeat_minutes) : '');
  const [recovery, setRecovery] = useState(rule?.settings.send_recovery ?? true);
  const [enabled, setEnabled] = useState(rule?.enabled ?? true);
  const [locale, setLocale] = useState<'fr' | 'en'>(rule?.settings.locale ?? (i18n.language === 'en' ? 'en' : 'fr'));
  const { busy, error, run } = useAction();

  async function submit(e: FormEvent) {
    e.preventDefault();
    const settings: AlertRuleSettings = {
      states: degraded ? ['down', 'degraded'] : ['down'],
      send_recovery: recovery,
      // null clears a value on a change; absent takes the default on creation
      min_criticality: minCrit ? Number(minCrit) : null,
      repeat_minutes: repeat ? Number(repeat) : null,
      locale,
    };
    const body = { name: name.trim(), channel, target: target.trim(), settings, enabled };
    const r = await run(() => (rule ? api.patch<AlertRule>(`/clients/${clientId}/alert-rules/${rule.id}`, body) : api.post<AlertRule>(`/clients/${clientId}/alert-rules`, body)));
    if (r) onSaved(r);
  }

  return (
    <form className="stack" onSubmit={submit} data-testid="rule-form">
      <div className="form-grid">
        <label className="field span-all">
          <span>{t('mon.rules.name')} *</span>
          <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={200} placeholder={t('mon.rules.namePlaceholder')} data-testid="rule-name" />
        </label>
        <label className="field">
          <span>{t('mon.rules.channel')}</span>
          <select value={channel} onChange={(e) => setChannel(e.target.value as 'email' | 'webhook')} disabled={!!rule} data-testid="rule-channel">
            <option value="email">{t('mon.rules.channels.email')}</option>
            <option value="webhook">{t('mon.rules.channels.webhook')}</option>
          </select>
        </label>
        <label className="field">
          <span>{channel === 'email' ? t('mon.rules.emailTarget') : t('mon.rules.webhookTarget')} *</span>
          <input
            type={channel === 'email' ? 'text' : 'url'}
            value={target}
            onChange={(e) => setTarget(e.target.value)}
            required
            placeholder={channel === 'email' ? 'astreinte@infogerant.fr' : 'https://hooks.example.fr/vigie'}
            className="mono"
            data-testid="rule-target"
          />
        </label>
        <div className="field span-all">
          <span>{t('mon.rules.when')}</span>
          <div className="checks">
            <label className="check">
              <input type="checkbox" checked disabled /> {t('monState.down')}
            </label>
            <label className="check">
              <input type="checkbox" checked={degraded} onChange={(e) => setDegraded(e.target.checked)} data-testid="rule-degraded" /> {t('monState.degraded')}
            </label>
          </div>
        </div>
        <label className="field">
          <span>{t('mon.rules.minCrit')}</span>
          <select value={minCrit} onChange={(e) => setMinCrit(e.target.value)}>
            <option value="">{t('mon.rules.anyCrit')}</option>
            {[1, 2, 3, 4].map((c) => (
              <option key={c} value={c}>
                {t('mon.rules.critAtLeast', { c, label: t(`criticality.${c}`) })}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>{t('mon.rules.repeat')}</span>
          <input type="number" min={5} max={10080} step={1} value={repeat} onChange={(e) => setRepeat(e.target.value)} placeholder={t('mon.rules.noRepeat')} />
        </label>
        <label className="field">
          <span>{t('mon.rules.locale')}</span>
          <select value={locale} onChange={(e) => setLocale(e.target.value as 'fr' | 'en')}>
            <option value="fr">Français</option>
            <option value="en">English</option>
          </select>
        </label>
        <div className="checks span-all">
          <label className="check">
            <input type="checkbox" checked={recovery} onChange={(e) => setRecovery(e.target.checked)} /> {t('mon.rules.sendRecovery')}
          </label>
          <label className="check">
            <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} /> {t('mon.rules.enabled')}
          </label>
        </div>
        {channel === 'webhook' && <p className="muted small-text span-all">{t('mon.rules.webhookHint')}</p>}
      </div>
      <ErrorNote error={error} />
      <div className="form-actions">
        <button type="submit" className="primary" disabled={busy || !name.trim() || !target.trim()} data-testid="rule-submit">
          {rule ? t('common.save') : t('mon.rules.create')}
        </button>
        <button type="button" onClick={onCancel}>
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}

function AlertStream({ clientId }: { clientId: string }) {
  const { t } = useTranslation();
  const base = `/clients/${clientId}/alerts`;
  const [items, setItems] = useState<Alert[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const [open, setOpen] = useState<string | null>(null);
  const req = useRef(0);
  const now = useNow();

  const load = useCallback(
    async (cursor: string | null) => {
      const id = ++req.current;
      setLoading(true);
      try {
        const r = await api.get<{ items: Alert[]; next_cursor: string | null }>(`${base}${qs({ cursor })}`);
        if (id !== req.current) return;
        setItems((xs) => (cursor ? [...xs, ...r.items] : r.items));
        setNext(r.next_cursor);
        setError(null);
      } catch (e) {
        if (id === req.current) setError(e);
      } finally {
        if (id === req.current) setLoading(false);
      }
    },
    [base],
  );

  useEffect(() => {
    void load(null);
    // the newest alerts, every 30 s, while the first page is what is shown
    const h = setInterval(() => {
      if (document.visibilityState === 'visible') void load(null);
    }, 30_000);
    return () => clearInterval(h);
  }, [load]);

  return (
    <section className="box">
      <div className="box-head">
        <h2>{t('mon.alerts.stream')}</h2>
        <button type="button" className="small ghost" onClick={() => void load(null)} title={t('mon.refresh')}>
          ↻ {t('mon.refresh')}
        </button>
      </div>
      <ErrorNote error={error} />
      <table className={loading ? 'table table-plain is-loading' : 'table table-plain'}>
        <thead>
          <tr>
            <th>{t('mon.alerts.at')}</th>
            <th>{t('mon.alerts.kind')}</th>
            <th>{t('mon.state')}</th>
            <th>{t('mon.alerts.check')}</th>
            <th>{t('mon.message')}</th>
            <th>{t('mon.alerts.deliveries')}</th>
          </tr>
        </thead>
        <tbody>
          {!loading && items.length === 0 && (
            <tr>
              <td colSpan={6} className="empty">
                {t('mon.alerts.none')}
              </td>
            </tr>
          )}
          {items.map((a) => {
            return (
              <AlertRowView key={a.id} a={a} clientId={clientId} childCount={Array.isArray(a.children) ? a.children.length : 0} open={open === a.id} onToggle={() => setOpen((o) => (o === a.id ? null : a.id))} now={now} />
            );
          })}
        </tbody>
      </table>
      {next && (
        <div className="more">
          <button type="button" onClick={() => void load(next)} disabled={loading} data-testid="load-more">
            {loading ? t('common.loading') : t('common.loadMore')}
          </button>
        </div>
      )}
    </section>
  );
}

function AlertRowView({ a, clientId, childCount, open, onToggle, now }: { a: Alert; clientId: string; childCount: number; open: boolean; onToggle: () => void; now: number }) {
  const { t } = useTranslation();
  const failed = a.deliveries.filter((d) => d.status === 'failed').length;
  const sent = a.deliveries.filter((d) => d.status === 'sent').length;
  return (
    <>
      <tr data-testid="alert-row" data-kind={a.kind} className="clickable" onClick={(e) => !(e.target as HTMLElement).closest('a') && onToggle()}>
        <td className="nowrap" title={formatDateTime(a.at)}>
          <Ago at={a.at} now={now} />
        </td>
        <td>
          <span className={`kind kind-${a.kind}`}>{t(`mon.alerts.kinds.${a.kind}`, { defaultValue: a.kind })}</span>
        </td>
        <td>
          <StateBadge state={a.kind === 'recovery' ? 'up' : a.state} />
        </td>
        <td>
          {a.subject === 'collector' ? (
            <Link to={`/clients/${clientId}/collectors`} className="strong">
              {t('mon.alerts.collector', { name: a.check_name })}
            </Link>
          ) : (
            <Link to={`/clients/${clientId}/checks/${a.check_id}`} className="strong">
              {a.check_name}
            </Link>
          )}
          {childCount > 0 && <span className="tag">{t('mon.alerts.children', { count: childCount })}</span>}
        </td>
        <td className="clip msg" title={a.message}>
          {a.message}
        </td>
        <td className="nowrap small-text">
          {a.deliveries.length === 0 ? (
            <span className="muted">{t('mon.alerts.noDelivery')}</span>
          ) : (
            <>
              {sent > 0 && <span className="ok">✓ {sent}</span>} {failed > 0 && <span className="expired">✗ {failed}</span>} {a.deliveries.length - sent - failed > 0 && <span className="muted">… {a.deliveries.length - sent - failed}</span>}
            </>
          )}
        </td>
      </tr>
      {open && (
        <tr className="diff-row">
          <td colSpan={6}>
            <div className="pre small-text">{a.message}</div>
            {childCount > 0 && (
              <div className="small-text">
                <span className="muted">{t('mon.alerts.childrenList')}</span>{' '}
                {a.children.map((c, i) => (
                  <span key={c.check_id}>
                    {i > 0 && ', '}
                    <Link to={`/clients/${clientId}/checks/${c.check_id}`}>{c.name}</Link>
                  </span>
                ))}
              </div>
            )}
            {a.deliveries.length > 0 && (
              <table className="table table-diff">
                <thead>
                  <tr>
                    <th>{t('mon.alerts.rule')}</th>
                    <th>{t('mon.alerts.status')}</th>
                    <th>{t('mon.alerts.attempts')}</th>
                    <th>{t('mon.alerts.sentAt')}</th>
                    <th>{t('mon.alerts.lastError')}</th>
                  </tr>
                </thead>
                <tbody>
                  {a.deliveries.map((d, i) => (
                    <tr key={i}>
                      <td>
                        {d.rule_name ?? <span className="muted">{t('mon.alerts.ruleGone')}</span>}
                        {d.channel && <span className="muted small-text"> · {t(`mon.rules.channels.${d.channel}`, { defaultValue: d.channel })}</span>}
                      </td>
                      <td>{t(`mon.alerts.delivery.${d.status}`, { defaultValue: d.status })}</td>
                      <td>{d.attempts}</td>
                      <td>{d.sent_at ? formatDateTime(d.sent_at) : d.next_attempt_at ? t('mon.alerts.nextAttempt', { when: formatDateTime(d.next_attempt_at) }) : ''}</td>
                      <td className="expired">{d.last_error}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </td>
        </tr>
      )}
    </>
  );
}
