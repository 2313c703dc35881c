/** One asset: its fields (edit, delete), its checks, its relations to other assets, and its history from the journal. */
import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { api, qs } from '../api.ts';
import { Link, navigate } from '../router.tsx';
import { can, useSession } from '../session.tsx';
import { formatDateTime, formatDay } from '../shared/format.ts';
import { CritBadge, ErrorNote, Loading, useAction, useApiData, useDebounced } from '../shared/ui.tsx';
import type { JournalEntry } from '../journal/JournalPage.tsx';
import { AssetChecks } from '../monitoring/AssetChecks.tsx';
import { AssetForm } from './AssetForm.tsx';
import { RELATION_KINDS, type Asset, type AssetWithRelations, type Relation, type Site } from './types.ts';

export function AssetDetailPage({ clientId, assetId }: { clientId: string; assetId: string }) {
  const { t } = useTranslation();
  const { session } = useSession();
  const writer = can(session, 'inventory.write', clientId);
  const base = `/clients/${clientId}/assets`;
  const asset = useApiData<AssetWithRelations>(`${base}/${assetId}`);
  const sites = useApiData<{ items: Site[] }>(writer ? `/clients/${clientId}/sites` : null);
  const [editing, setEditing] = useState(false);
  const [historyTick, setHistoryTick] = useState(0);
  const del = useAction();
  const a = asset.data;

  async function remove() {
    if (!a || !window.confirm(t('asset.confirmDelete', { name: a.name }))) return;
    const r = await del.run(() => api.del(`${base}/${a.id}`));
    if (r !== undefined) navigate(base);
  }

  function saved(updated: Asset) {
    asset.setData({ ...updated, relations: a?.relations ?? [] });
    setEditing(false);
    setHistoryTick((x) => x + 1);
  }

  if (asset.loading && !a) return <Loading />;
  if (!a) {
    return (
      <div>
        <div className="breadcrumb">
          <Link to={base}>← {t('nav.assets')}</Link>
        </div>
        <ErrorNote error={asset.error} />
      </div>
    );
  }

  return (
    <div>
      <div className="breadcrumb">
        <Link to={base}>← {t('nav.assets')}</Link>
      </div>
      <div className="page-head">
        <div>
          <h1 className="asset-title">
            {a.name} <CritBadge value={a.criticality} />
          </h1>
          <div className="page-sub">
            {t(`assetType.${a.type}`, { defaultValue: a.type })}
            {a.site_name && ` · ${a.site_name}`}
            {' · '}
            {t('asset.updated', { when: formatDateTime(a.updated_at) })}
          </div>
        </div>
        {writer && !editing && (
          <div className="page-actions">
            <button type="button" onClick={() => setEditing(true)} data-testid="asset-edit">
              {t('common.edit')}
            </button>
            <button type="button" className="danger" onClick={() => void remove()} disabled={del.busy} data-testid="asset-delete">
              {t('common.delete')}
            </button>
          </div>
        )}
      </div>
      <ErrorNote error={del.error} />
      <div className="detail-grid">
        <section className="box">
          <h2>{t('asset.details')}</h2>
          {editing ? (
            <AssetForm clientId={clientId} asset={a} sites={sites.data?.items ?? []} onSaved={saved} onCancel={() => setEditing(false)} />
          ) : (
            <AssetFields asset={a} clientId={clientId} />
          )}
        </section>
        <div className="detail-side">
          <AssetChecks clientId={clientId} asset={a} />
          <Relations
            clientId={clientId}
            asset={a}
            writer={writer}
            onChange={(relations) => {
              asset.setData({ ...a, relations });
              setHistoryTick((x) => x + 1);
            }}
          />
          {can(session, 'journal.read', clientId) && <History clientId={clientId} assetId={a.id} tick={historyTick} />}
        </div>
      </div>
    </div>
  );
}

function AssetFields({ asset: a, clientId }: { asset: Asset; clientId: string }) {
  const { t } = useTranslation();
  const expired = a.warranty_end !== null && a.warranty_end < Date.now();
  const rows: [string, ReactNode][] = [
    [t('asset.type'), t(`assetType.${a.type}`, { defaultValue: a.type })],
    [t('asset.criticality'), <><CritBadge value={a.criticality} /> {a.criticality ? t(`criticality.${a.criticality}`) : ''}</>],
    [t('asset.site'), a.site_name],
    [t('asset.location'), a.location],
    [t('asset.owner'), a.owner],
    [t('asset.ip_address'), a.ip_address && <span className="mono">{a.ip_address}</span>],
    [t('asset.manufacturer'), a.manufacturer],
    [t('asset.model'), a.model],
    [t('asset.serial'), a.serial && <span className="mono">{a.serial}</span>],
    [t('asset.warranty_end'), a.warranty_end !== null && <span className={expired ? 'expired' : undefined}>{formatDay(a.warranty_end)}{expired && ` (${t('assets.warrantyExpired')})`}</span>],
    [
      t('asset.tags'),
      a.tags.length > 0 &&
        a.tags.map((tag) => (
          <Link key={tag} className="chip chip-tag" to={`/clients/${clientId}/assets${qs({ tag })}`}>
            {tag}
          </Link>
        )),
    ],
    [t('asset.business_impact'), a.business_impact && <span className="pre">{a.business_impact}</span>],
    [t('asset.notes'), a.notes && <span className="pre">{a.notes}</span>],
  ];
  const custom = Object.entries(a.custom_fields ?? {});
  return (
    <dl className="fields">
      {rows.map(([k, v]) => (
        <div className="field-row" key={k}>
          <dt>{k}</dt>
          <dd>{v || <span className="muted">—</span>}</dd>
        </div>
      ))}
      {custom.length > 0 && (
        <>
          <div className="field-sep">{t('asset.custom_fields')}</div>
          {custom.map(([k, v]) => (
            <div className="field-row" key={`c:${k}`}>
              <dt>{k}</dt>
              <dd>{typeof v === 'boolean' ? (v ? t('common.yes') : t('common.no')) : String(v)}</dd>
            </div>
          ))}
        </>
      )}
      <div className="field-row">
        <dt>{t('asset.created')}</dt>
        <dd>{formatDateTime(a.created_at)}</dd>
      </div>
    </dl>
  );
}

function Relations({ clientId, asset, writer, onChange }: { clientId: string; asset: AssetWithRelations; writer: boolean; onChange: (r: Relation[]) => void }) {
  const { t } = useTranslation();
  const [adding, setAdding] = useState(false);
  const action = useAction();

  async function remove(r: Relation) {
    if (!window.confirm(t('relations.confirmRemove', { name: r.other.name }))) return;
    const ok = await action.run(() => api.del(`/clients/${clientId}/relations/${r.id}`));
    if (ok !== undefined) onChange(asset.relations.filter((x) => x.id !== r.id));
  }

  return (
    <section className="box">
      <div className="box-head">
        <h2>{t('relations.title')}</h2>
        {writer && !adding && (
          <button type="button" className="small" onClick={() => setAdding(true)} data-testid="relation-add">
            {t('relations.add')}
          </button>
        )}
      </div>
      {adding && (
        <AddRelation
          clientId={clientId}
          asset={asset}
          onCancel={() => setAdding(false)}
          onAdded={async () => {
            setAdding(false);
            const fresh = await api.get<AssetWithRelations>(`/clients/${clientId}/assets/${asset.id}`);
            onChange(fresh.relations);
          }}
        />
      )}
      <ErrorNote error={action.error} />
      {asset.relations.length === 0 ? (
        <p className="muted">{t('relations.none')}</p>
      ) : (
        <table className="table table-plain">
          <tbody>
            {asset.relations.map((r) => (
              <tr key={r.id} data-testid="relation-row">
                <td className="nowrap muted">{t(`relations.${r.direction}.${r.kind}`, { defaultValue: r.kind })}</td>
                <td>
                  <Link to={`/clients/${clientId}/assets/${r.other.id}`}>{r.other.name}</Link> <span className="muted">({t(`assetType.${r.other.type}`, { defaultValue: r.other.type })})</span>
                </td>
                {writer && (
                  <td className="right">
                    <button type="button" className="icon" onClick={() => void remove(r)} aria-label={t('relations.remove')} title={t('relations.remove')}>
                      ×
                    </button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function AddRelation({ clientId, asset, onAdded, onCancel }: { clientId: string; asset: Asset; onAdded: () => Promise<void>; onCancel: () => void }) {
  const { t } = useTranslation();
  const [kind, setKind] = useState<string>('runs_on');
  const [q, setQ] = useState('');
  const dq = useDebounced(q, 250);
  const [picked, setPicked] = useState<Asset | null>(null);
  const [results, setResults] = useState<Asset[]>([]);
  const { busy, error, run } = useAction();

  useEffect(() => {
    let live = true;
    api.get<{ items: Asset[] }>(`/clients/${clientId}/assets${qs({ q: dq.trim(), limit: 8 })}`).then(
      (r) => live && setResults(r.items.filter((x) => x.id !== asset.id)),
      () => live && setResults([]),
    );
    return () => {
      live = false;
    };
  }, [clientId, dq, asset.id]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!picked) return;
    const r = await run(() => api.post(`/clients/${clientId}/assets/${asset.id}/relations`, { to_asset_id: picked.id, kind }));
    if (r !== undefined) await onAdded();
  }

  return (
    <form className="relation-form" onSubmit={submit}>
      <div className="row">
        <span className="strong">{asset.name}</span>
        <select className="compact" value={kind} onChange={(e) => setKind(e.target.value)} aria-label={t('relations.kind')}>
          {RELATION_KINDS.map((k) => (
            <option key={k} value={k}>
              {t(`relations.out.${k}`)}
            </option>
          ))}
        </select>
      </div>
      {(kind === 'depends_on' || kind === 'runs_on') && <p className="muted small-text">{t('relations.supervisionHint')}</p>}
      {picked ? (
        <div className="row">
          <span className="picked">
            {picked.name} <span className="muted">({t(`assetType.${picked.type}`, { defaultValue: picked.type })})</span>
          </span>
          <button type="button" className="link" onClick={() => setPicked(null)}>
            {t('relations.change')}
          </button>
        </div>
      ) : (
        <div className="picker">
          <input type="search" value={q} onChange={(e) => setQ(e.target.value)} placeholder={t('relations.searchAsset')} aria-label={t('relations.searchAsset')} autoFocus data-testid="relation-search" />
          <ul className="picker-list">
            {results.map((r) => (
              <li key={r.id}>
                <button type="button" onClick={() => setPicked(r)}>
                  <span>{r.name}</span> <span className="muted">{t(`assetType.${r.type}`, { defaultValue: r.type })}{r.site_name ? ` · ${r.site_name}` : ''}</span>
                </button>
              </li>
            ))}
            {results.length === 0 && <li className="muted">{t('relations.noResult')}</li>}
          </ul>
        </div>
      )}
      <ErrorNote error={error} />
      <div className="form-actions">
        <button type="submit" className="primary small" disabled={!picked || busy}>
          {t('relations.addSubmit')}
        </button>
        <button type="button" className="small" onClick={onCancel}>
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}

function History({ clientId, assetId, tick }: { clientId: string; assetId: string; tick: number }) {
  const { t } = useTranslation();
  const path = `/clients/${clientId}/journal${qs({ object_id: assetId, limit: 50 })}`;
  const h = useApiData<{ items: JournalEntry[] }>(path);
  const reload = h.reload;
  useEffect(() => {
    if (tick > 0) reload();
  }, [tick, reload]);
  return (
    <section className="box">
      <h2>{t('history.title')}</h2>
      <ErrorNote error={h.error} />
      {h.loading && !h.data ? (
        <Loading />
      ) : (h.data?.items.length ?? 0) === 0 ? (
        <p className="muted">{t('history.none')}</p>
      ) : (
        <ul className="history">
          {h.data!.items.map((e) => (
            <li key={e.seq}>
              <div>
                <span className="strong">{t(`actions.${e.action}`, { defaultValue: e.action })}</span> <span className="muted">· {e.actor}</span>
              </div>
              <div className="muted small-text">
                {formatDateTime(e.at)}
                {changedKeys(e).length > 0 && ` · ${changedKeys(e).map((k) => t(`asset.${k}`, { defaultValue: k })).join(', ')}`}
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function changedKeys(e: JournalEntry): string[] {
  if (!e.before || !e.after || typeof e.before !== 'object' || typeof e.after !== 'object') return [];
  const b = e.before as Record<string, unknown>;
  const a = e.after as Record<string, unknown>;
  return [...new Set([...Object.keys(b), ...Object.keys(a)])].filter((k) => k !== 'updated_at' && JSON.stringify(b[k]) !== JSON.stringify(a[k]));
}
