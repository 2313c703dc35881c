/**
 * The journal: every change and privileged access, newest first, with before/after per entry.
 * Per client, or whole for provider admins, who can also verify the hash chain.
 */
import { Fragment, useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, qs } from '../api.ts';
import { Link } from '../router.tsx';
import { isProviderAdmin, useSession } from '../session.tsx';
import { formatDateTime, formatNumber } from '../shared/format.ts';
import { ErrorNote, PageHead, useAction, useDebounced } from '../shared/ui.tsx';

export interface JournalEntry {
  seq: number;
  id?: string;
  at: number;
  actor_id?: string | null;
  actor: string;
  client_id?: string | null;
  action: string;
  object_type: string | null;
  object_id: string | null;
  before: unknown;
  after: unknown;
  ip: string | null;
  reason: string | null;
  hash: string;
}

interface VerifyResult {
  ok: boolean;
  entries: number;
  first_broken: { seq: number; reason: string } | null;
}

const PAGE = 100;

export function JournalPage({ clientId }: { clientId: string | null }) {
  const { t } = useTranslation();
  const { session } = useSession();
  const [action, setAction] = useState('');
  const debouncedAction = useDebounced(action.trim(), 300);
  const [items, setItems] = useState<JournalEntry[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const [open, setOpen] = useState<Set<number>>(new Set());
  const request = useRef(0);
  const base = clientId ? `/clients/${clientId}/journal` : '/journal';
  const clientName = (id: string | null | undefined) => (id ? (session.clients.find((c) => c.id === id)?.name ?? id.slice(0, 8)) : '');

  const load = useCallback(
    async (cursor: string | null) => {
      const id = cursor ? request.current : ++request.current;
      setLoading(true);
      setError(null);
      try {
        const r = await api.get<{ items: JournalEntry[]; next_cursor: string | number | null }>(`${base}${qs({ limit: PAGE, action: debouncedAction, cursor })}`);
        if (id !== request.current) return;
        setItems((xs) => (cursor ? [...xs, ...r.items] : r.items));
        setNext(r.next_cursor === null || r.next_cursor === undefined ? null : String(r.next_cursor));
      } catch (e) {
        if (id === request.current) setError(e);
      } finally {
        if (id === request.current) setLoading(false);
      }
    },
    [base, debouncedAction],
  );

  useEffect(() => {
    setOpen(new Set());
    void load(null);
  }, [load]);

  const toggle = (seq: number) =>
    setOpen((s) => {
      const n = new Set(s);
      if (n.has(seq)) n.delete(seq);
      else n.add(seq);
      return n;
    });

  const global = clientId === null;
  return (
    <div>
      <PageHead title={global ? t('journal.globalTitle') : t('journal.title')} sub={t('journal.sub')}>
        {global && isProviderAdmin(session) && <VerifyButton />}
      </PageHead>
      <div className="filters">
        <input type="search" className="filter-search" value={action} onChange={(e) => setAction(e.target.value)} placeholder={t('journal.actionFilter')} aria-label={t('journal.actionFilter')} data-testid="journal-action" />
        <span className="muted">{t('journal.shown', { count: items.length, shown: formatNumber(items.length) })}</span>
      </div>
      <ErrorNote error={error} />
      <table className={loading ? 'table table-journal is-loading' : 'table table-journal'}>
        <thead>
          <tr>
            <th className="w-toggle" />
            <th className="right">#</th>
            <th>{t('journal.at')}</th>
            <th>{t('journal.actor')}</th>
            <th>{t('journal.action')}</th>
            <th>{t('journal.object')}</th>
            {global && <th>{t('journal.client')}</th>}
            <th>{t('journal.ip')}</th>
          </tr>
        </thead>
        <tbody>
          {!loading && items.length === 0 && (
            <tr>
              <td colSpan={global ? 8 : 7} className="empty">
                {t('journal.none')}
              </td>
            </tr>
          )}
          {items.map((e) => {
            const isOpen = open.has(e.seq);
            const hasDiff = e.before !== null || e.after !== null || e.reason;
            return (
              <Fragment key={e.seq}>
                <tr data-testid="journal-row" className={hasDiff ? 'clickable' : undefined} onClick={() => hasDiff && toggle(e.seq)}>
                  <td className="w-toggle">
                    {hasDiff && (
                      <button type="button" className="disclosure" aria-expanded={isOpen} aria-label={t('journal.details')} onClick={(ev) => { ev.stopPropagation(); toggle(e.seq); }}>
                        {isOpen ? '▾' : '▸'}
                      </button>
                    )}
                  </td>
                  <td className="right mono muted">{e.seq}</td>
                  <td className="nowrap">{formatDateTime(e.at)}</td>
                  <td className="clip">
                    <Actor entry={e} />
                  </td>
                  <td className="nowrap" title={e.action}>
                    {t(`actions.${e.action}`, { defaultValue: e.action })}
                  </td>
                  <td>
                    <ObjectRef entry={e} clientId={clientId ?? e.client_id ?? null} />
                  </td>
                  {global && (
                    <td className="clip" title={clientName(e.client_id)}>
                      {clientName(e.client_id)}
                    </td>
                  )}
                  <td className="mono muted">{e.ip}</td>
                </tr>
                {isOpen && (
                  <tr className="diff-row">
                    <td />
                    <td colSpan={global ? 7 : 6}>
                      <Diff before={e.before} after={e.after} />
                      {e.reason && (
                        <div className="small-text">
                          <span className="muted">{t('journal.reason')}:</span> {e.reason}
                        </div>
                      )}
                      <div className="small-text muted mono" title={t('journal.hash')}>
                        {t('journal.hash')}: {e.hash}
                      </div>
                    </td>
                  </tr>
                )}
              </Fragment>
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
    </div>
  );
}

function ObjectRef({ entry: e, clientId }: { entry: JournalEntry; clientId: string | null }) {
  const { t } = useTranslation();
  if (!e.object_type) return null;
  const label = t(`objects.${e.object_type}`, { defaultValue: e.object_type });
  const name = objectName(e);
  if (e.object_type === 'asset' && e.object_id && clientId && e.action !== 'asset.delete') {
    return (
      <>
        <span className="muted">{label}</span> <Link to={`/clients/${clientId}/assets/${e.object_id}`}>{name ?? e.object_id.slice(0, 8)}</Link>
      </>
    );
  }
  return (
    <>
      <span className="muted">{label}</span> {name ?? <span className="mono muted">{e.object_id?.slice(0, 8)}</span>}
    </>
  );
}

/** A readable name for the object, from its before/after snapshot. */
function objectName(e: JournalEntry): string | null {
  for (const snap of [e.after, e.before]) {
    if (snap && typeof snap === 'object') {
      const o = snap as Record<string, unknown>;
      for (const k of ['name', 'email']) if (typeof o[k] === 'string' && o[k]) return o[k] as string;
    }
  }
  return null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Epoch-ms fields (…_at, warranty_end) as dates; the rest as text or JSON. */
function show(key: string, v: unknown): string {
  if (v === undefined) return '';
  if (typeof v === 'number' && (key.endsWith('_at') || key === 'warranty_end') && v > 1e11) return formatDateTime(v);
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

function Actor({ entry: e }: { entry: JournalEntry }) {
  const { session } = useSession();
  // Before a session is complete (MFA steps) the actor is recorded by id.
  const label = e.actor === session.user.id ? session.user.email : e.actor;
  return (
    <span className={UUID.test(label) ? 'mono' : undefined} title={label}>
      {UUID.test(label) ? `${label.slice(0, 8)}…` : label}
    </span>
  );
}

function Diff({ before, after }: { before: unknown; after: unknown }) {
  const { t } = useTranslation();
  const [all, setAll] = useState(false);
  const isObj = (x: unknown): x is Record<string, unknown> => x !== null && typeof x === 'object' && !Array.isArray(x);
  if (!isObj(before) && !isObj(after)) {
    if (before === null && after === null) return null;
    return (
      <pre className="json">
        {show('', before)} → {show('', after)}
      </pre>
    );
  }
  const b = isObj(before) ? before : {};
  const a = isObj(after) ? after : {};
  const both = isObj(before) && isObj(after);
  const allKeys = [...new Set([...Object.keys(b), ...Object.keys(a)])];
  const changedKeys = both ? allKeys.filter((k) => JSON.stringify(b[k]) !== JSON.stringify(a[k])) : allKeys;
  const keys = all ? allKeys : changedKeys;
  return (
    <>
    {both && allKeys.length > changedKeys.length && (
      <div className="diff-all">
        <button type="button" className="link" onClick={() => setAll((x) => !x)}>
          {all ? t('journal.changedOnly', { count: changedKeys.length }) : t('journal.allFields', { count: allKeys.length })}
        </button>
      </div>
    )}
    <table className="table table-diff">
      <thead>
        <tr>
          <th>{t('journal.field')}</th>
          {isObj(before) && <th>{t('journal.before')}</th>}
          {isObj(after) && <th>{t('journal.after')}</th>}
        </tr>
      </thead>
      <tbody>
        {keys.map((k) => {
          const changed = isObj(before) && isObj(after) && JSON.stringify(b[k]) !== JSON.stringify(a[k]);
          return (
            <tr key={k} className={changed ? 'changed' : undefined}>
              <td className="mono">{k}</td>
              {isObj(before) && <td className={changed ? 'del' : undefined}>{show(k, b[k])}</td>}
              {isObj(after) && <td className={changed ? 'ins' : undefined}>{show(k, a[k])}</td>}
            </tr>
          );
        })}
      </tbody>
    </table>
    </>
  );
}

function VerifyButton() {
  const { t } = useTranslation();
  const { busy, error, run } = useAction();
  const [result, setResult] = useState<VerifyResult | null>(null);
  async function verify() {
    setResult(null);
    const r = await run(() => api.post<VerifyResult>('/journal/verify'));
    if (r) setResult(r);
  }
  return (
    <div className="verify">
      <button type="button" onClick={() => void verify()} disabled={busy} data-testid="journal-verify">
        {busy ? t('journal.verifying') : t('journal.verify')}
      </button>
      {result && (
        <span className={result.ok ? 'verify-result ok' : 'verify-result bad'} data-testid="journal-verify-result" role="status">
          {result.ok
            ? t('journal.verifyOk', { count: result.entries, entries: formatNumber(result.entries) })
            : t('journal.verifyBroken', { seq: result.first_broken?.seq ?? '?', reason: result.first_broken?.reason ?? '' })}
        </span>
      )}
      <ErrorNote error={error} />
    </div>
  );
}
