/** The estate of one client: filters, the asset table with keyset paging, creation, CSV import and export. */
import { useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { API, api, qs } from '../api.ts';
import { Link, navigate, useLocation } from '../router.tsx';
import { can, useSession } from '../session.tsx';
import { formatDay, formatNumber } from '../shared/format.ts';
import { CritBadge, Dialog, ErrorNote, PageHead, useApiData, useDebounced } from '../shared/ui.tsx';
import { AssetForm } from './AssetForm.tsx';
import { ImportDialog, SitesNote } from './ImportDialog.tsx';
import { ASSET_TYPES, CRITICALITIES, type Asset, type ImportResult, type Site } from './types.ts';

const PAGE = 50;
const SORTS = ['name', 'criticality', 'updated_at'] as const;

interface Filters {
  q: string;
  type: string;
  site_id: string;
  criticality: string;
  tag: string;
  sort: string;
}

function filtersFrom(search: URLSearchParams): Filters {
  return {
    q: search.get('q') ?? '',
    type: search.get('type') ?? '',
    site_id: search.get('site_id') ?? '',
    criticality: search.get('criticality') ?? '',
    tag: search.get('tag') ?? '',
    sort: search.get('sort') ?? 'name',
  };
}

function queryOf(f: Filters): Record<string, string> {
  return { q: f.q.trim(), type: f.type, site_id: f.site_id, criticality: f.criticality, tag: f.tag, sort: f.sort === 'name' ? '' : f.sort };
}

export function AssetsPage({ clientId }: { clientId: string }) {
  const { t } = useTranslation();
  const { session } = useSession();
  const loc = useLocation();
  const writer = can(session, 'inventory.write', clientId);
  const [filters, setFilters] = useState<Filters>(() => filtersFrom(loc.search));
  const [search, setSearch] = useState(filters.q);
  const debouncedSearch = useDebounced(search, 250);
  const sites = useApiData<{ items: Site[] }>(`/clients/${clientId}/sites`);
  const [items, setItems] = useState<Asset[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [loadingMore, setLoadingMore] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [creating, setCreating] = useState(false);
  const [importing, setImporting] = useState(false);
  const [imported, setImported] = useState<ImportResult | null>(null);
  const [reloadTick, setReloadTick] = useState(0);
  const requestId = useRef(0);

  useEffect(() => {
    setFilters((f) => (f.q === debouncedSearch ? f : { ...f, q: debouncedSearch }));
  }, [debouncedSearch]);

  const query = qs(queryOf(filters));
  const base = `/clients/${clientId}/assets`;

  // The filters live in the address too, so a reload or a shared link shows the same list.
  useEffect(() => {
    navigate(`${base}${query}`, { replace: true });
  }, [base, query]);

  // And the other way: a link to this page with other filters (the sidebar's, a site's count) applies them.
  const queryRef = useRef(query);
  queryRef.current = query;
  useEffect(() => {
    const fromUrl = filtersFrom(loc.search);
    if (qs(queryOf(fromUrl)) !== queryRef.current) {
      setFilters(fromUrl);
      setSearch(fromUrl.q);
    }
    // Only when the address changes: our own replace above leaves it equal to the query.
  }, [loc.href]);

  useEffect(() => {
    const id = ++requestId.current;
    setLoading(true);
    setError(null);
    api.get<{ items: Asset[]; next_cursor: string | null }>(`${base}${qs({ ...queryOf(filters), limit: PAGE })}`).then(
      (r) => {
        if (id !== requestId.current) return;
        setItems(r.items);
        setNext(r.next_cursor);
        setLoading(false);
      },
      (e: unknown) => {
        if (id !== requestId.current) return;
        setError(e);
        setLoading(false);
      },
    );
  }, [base, query, reloadTick]);

  const loadMore = useCallback(async () => {
    if (!next) return;
    const id = requestId.current;
    setLoadingMore(true);
    try {
      const r = await api.get<{ items: Asset[]; next_cursor: string | null }>(`${base}${qs({ ...queryOf(filters), limit: PAGE, cursor: next })}`);
      if (id !== requestId.current) return;
      setItems((xs) => [...xs, ...r.items]);
      setNext(r.next_cursor);
    } catch (e) {
      setError(e);
    } finally {
      setLoadingMore(false);
    }
  }, [base, filters, next]);

  const set = (k: keyof Filters, v: string) => setFilters((f) => ({ ...f, [k]: v }));
  const filtered = Boolean(filters.q.trim() || filters.type || filters.site_id || filters.criticality || filters.tag);
  const now = Date.now();

  return (
    <div>
      <PageHead
        title={t('assets.title')}
        sub={
          loading && items.length === 0
            ? t('common.loading')
            : next
              ? t('assets.countMore', { count: items.length, shown: formatNumber(items.length) })
              : t(filtered ? 'assets.countFiltered' : 'assets.count', { count: items.length, shown: formatNumber(items.length) })
        }
      >
        <a className="button" href={`${API}${base}/export${qs({ ...queryOf(filters) })}`} download data-testid="export-csv">
          {t('assets.export')}
        </a>
        {writer && (
          <>
            <button type="button" onClick={() => setImporting(true)} data-testid="import-open">
              {t('assets.import')}
            </button>
            <button type="button" className="primary" onClick={() => setCreating(true)} data-testid="new-asset-open">
              {t('assets.new')}
            </button>
          </>
        )}
      </PageHead>

      {imported && (
        <div className="note note-ok" data-testid="import-result" role="status">
          <span>
            {t('import.done', { count: imported.created })} <SitesNote result={imported} />{' '}
            {imported.ignored_columns.length > 0 && t('import.ignoredColumns', { columns: imported.ignored_columns.join(', ') })}
          </span>
          <button type="button" className="icon" onClick={() => setImported(null)} aria-label={t('common.close')}>
            ×
          </button>
        </div>
      )}

      <div className="filters">
        <input
          type="search"
          className="filter-search"
          placeholder={t('assets.searchPlaceholder')}
          aria-label={t('assets.search')}
          value={search}
          onChange={(e) => setSearch(e.target.value)}
          data-testid="asset-search"
        />
        <select value={filters.type} onChange={(e) => set('type', e.target.value)} aria-label={t('asset.type')} data-testid="filter-type">
          <option value="">{t('assets.allTypes')}</option>
          {ASSET_TYPES.map((x) => (
            <option key={x} value={x}>
              {t(`assetType.${x}`)}
            </option>
          ))}
        </select>
        <select value={filters.site_id} onChange={(e) => set('site_id', e.target.value)} aria-label={t('asset.site')} data-testid="filter-site">
          <option value="">{t('assets.allSites')}</option>
          {(sites.data?.items ?? []).map((s) => (
            <option key={s.id} value={s.id}>
              {s.name}
            </option>
          ))}
        </select>
        <select value={filters.criticality} onChange={(e) => set('criticality', e.target.value)} aria-label={t('asset.criticality')} data-testid="filter-criticality">
          <option value="">{t('assets.allCriticalities')}</option>
          {CRITICALITIES.map((c) => (
            <option key={c} value={c}>
              C{c} — {t(`criticality.${c}`)}
            </option>
          ))}
        </select>
        {filters.tag && (
          <span className="chip chip-filter">
            {t('asset.tag')}: {filters.tag}
            <button type="button" className="chip-x" onClick={() => set('tag', '')} aria-label={t('assets.clearTag')}>
              ×
            </button>
          </span>
        )}
        {filtered && (
          <button
            type="button"
            className="link"
            onClick={() => {
              setSearch('');
              setFilters((f) => ({ ...f, q: '', type: '', site_id: '', criticality: '', tag: '' }));
            }}
          >
            {t('assets.clearFilters')}
          </button>
        )}
        <label className="filter-sort">
          <span>{t('assets.sortBy')}</span>
          <select value={filters.sort} onChange={(e) => set('sort', e.target.value)} data-testid="filter-sort">
            {SORTS.map((s) => (
              <option key={s} value={s}>
                {t(`assets.sort.${s}`)}
              </option>
            ))}
          </select>
        </label>
      </div>

      <ErrorNote error={error ?? sites.error} />

      <table className={loading ? 'table table-assets is-loading' : 'table table-assets'}>
        <thead>
          <tr>
            <th>{t('asset.name')}</th>
            <th>{t('asset.type')}</th>
            <th className="center" title={t('asset.criticality')}>
              {t('asset.criticalityShort')}
            </th>
            <th>{t('asset.site')}</th>
            <th>{t('asset.ip_address')}</th>
            <th>{t('asset.serial')}</th>
            <th>{t('asset.owner')}</th>
            <th>{t('asset.warranty_end')}</th>
          </tr>
        </thead>
        <tbody>
          {!loading && items.length === 0 && (
            <tr>
              <td colSpan={8} className="empty">
                {filtered ? t('assets.noMatch') : writer ? t('assets.emptyWriter') : t('assets.empty')}
              </td>
            </tr>
          )}
          {items.map((a) => {
            const expired = a.warranty_end !== null && a.warranty_end < now;
            return (
              <tr key={a.id} data-testid="asset-row" className="clickable" onClick={(e) => !(e.target as HTMLElement).closest('a') && navigate(`${base}/${a.id}`)}>
                <td className="strong">
                  <Link to={`${base}/${a.id}`}>{a.name}</Link>
                </td>
                <td>{t(`assetType.${a.type}`, { defaultValue: a.type })}</td>
                <td className="center">
                  <CritBadge value={a.criticality} />
                </td>
                <td>{a.site_name}</td>
                <td className="mono">{a.ip_address}</td>
                <td className="mono">{a.serial}</td>
                <td>{a.owner}</td>
                <td className={expired ? 'nowrap expired' : 'nowrap'} title={expired ? t('assets.warrantyExpired') : undefined}>
                  {formatDay(a.warranty_end)}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {next && (
        <div className="more">
          <button type="button" onClick={() => void loadMore()} disabled={loadingMore} data-testid="load-more">
            {loadingMore ? t('common.loading') : t('common.loadMore')}
          </button>
        </div>
      )}

      {creating && (
        <Dialog title={t('assets.new')} onClose={() => setCreating(false)} wide>
          <AssetForm
            clientId={clientId}
            asset={null}
            sites={sites.data?.items ?? []}
            onCancel={() => setCreating(false)}
            onSaved={() => {
              setCreating(false);
              setReloadTick((x) => x + 1);
            }}
          />
        </Dialog>
      )}
      {importing && (
        <ImportDialog
          clientId={clientId}
          onClose={() => setImporting(false)}
          onImported={(r) => {
            setImporting(false);
            setImported(r);
            setReloadTick((x) => x + 1);
            sites.reload();
          }}
        />
      )}
    </div>
  );
}
