/**
 * The live board: every check of the client grouped by asset, problems first, counters on top,
 * updated in place from the server-sent event stream. Built for tens of thousands of checks: the
 * items live in a map outside React, changes are applied once per frame, and only the asset groups
 * in view are rendered (rows of computed height in a scrolling box).
 */
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { API, api } from '../api.ts';
import { Link } from '../router.tsx';
import { formatDateTime, formatNumber } from '../shared/format.ts';
import { ErrorNote, PageHead, useApiData, useDebounced } from '../shared/ui.tsx';
import { intlLocale } from '../i18n/index.ts';
import type { Site } from '../inventory/types.ts';
import { formatAgo, formatLatency, useNow } from './common.tsx';
import { EFFECTIVE_STATES, SEVERITY, type Board, type BoardCounts, type BoardItem, type EffectiveState, type LiveState } from './types.ts';

const TILE_W = 168;
const TILE_H = 44;
const GAP = 6;
const HEAD_W = 190;
const ROW_PAD = 8;
const OVERSCAN_PX = 400;
const NO_ASSET = '';

interface Group {
  key: string;
  assetId: string | null;
  name: string;
  worst: EffectiveState;
  items: BoardItem[];
  counts: Partial<Record<EffectiveState, number>>;
}

type Conn = 'connecting' | 'connected' | 'reconnecting';

/**
 * The last board of each client seen in this tab: coming back to the page paints it at once, then
 * the fresh one replaces it (the events keep it current while the page is open).
 */
const lastBoards = new Map<string, { items: Map<string, BoardItem>; counts: BoardCounts; rank: Map<string, number>; groupRank: Map<string, number> }>();

/** The order of the asset groups by name (checks without an asset last), computed once per load. */
function rankGroups(items: Map<string, BoardItem>): Map<string, number> {
  const names = new Map<string, string>();
  for (const it of items.values()) if (it.asset_id && !names.has(it.asset_id)) names.set(it.asset_id, it.asset_name ?? '');
  const collator = new Intl.Collator(intlLocale(), { numeric: true, sensitivity: 'base' });
  const out = new Map<string, number>();
  [...names.entries()].sort((a, b) => collator.compare(a[1], b[1])).forEach(([id], i) => out.set(id, i));
  out.set(NO_ASSET, Number.MAX_SAFE_INTEGER);
  return out;
}

function emptyCounts(): BoardCounts {
  return { up: 0, degraded: 0, down: 0, unknown: 0, maintenance: 0, unreachable: 0 };
}

export function BoardPage({ clientId }: { clientId: string }) {
  const { t } = useTranslation();
  const mounted = useRef(performance.now());
  const cached = lastBoards.get(clientId);
  const items = useRef(cached?.items ?? new Map<string, BoardItem>());
  const changedAt = useRef(new Map<string, number>());
  const [version, setVersion] = useState(0);
  const [counts, setCounts] = useState<BoardCounts>(() => cached?.counts ?? emptyCounts());
  const [loaded, setLoaded] = useState(cached !== undefined);
  const fetchMs = useRef<number | null>(null);
  const rank = useRef(cached?.rank ?? new Map<string, number>());
  const groupRank = useRef(cached?.groupRank ?? new Map<string, number>());
  /** Bumped when only the contents of tiles changed (latency, message): no regrouping needed. */
  const [tick, setTick] = useState(0);
  const [error, setError] = useState<unknown>(null);
  const [conn, setConn] = useState<Conn>('connecting');
  const [lastEvent, setLastEvent] = useState<number | null>(null);
  const [filter, setFilter] = useState<EffectiveState | 'problems' | ''>('');
  const [siteId, setSiteId] = useState('');
  const [q, setQ] = useState('');
  const dq = useDebounced(q, 150);
  const sites = useApiData<{ items: Site[] }>(`/clients/${clientId}/sites`);
  const now = useNow(30_000);
  const [loadMs, setLoadMs] = useState<number | null>(null);

  // ------------------------------------------------------------------ loading and live updates
  const loadSeq = useRef(0);
  const load = useCallback(async () => {
    const seq = ++loadSeq.current;
    const t0 = performance.now();
    try {
      const b = await api.get<Board>(`/clients/${clientId}/monitoring/board`);
      if (seq !== loadSeq.current) return;
      if (fetchMs.current === null) fetchMs.current = Math.round(performance.now() - t0);
      // the server sends the board sorted by name: that order is each check's rank within its group
      const m = new Map<string, BoardItem>();
      const r = new Map<string, number>();
      b.items.forEach((it, i) => {
        m.set(it.check_id, it);
        r.set(it.check_id, i);
      });
      items.current = m;
      rank.current = r;
      groupRank.current = rankGroups(m);
      const c = { ...emptyCounts(), ...b.counts };
      lastBoards.set(clientId, { items: m, counts: c, rank: r, groupRank: groupRank.current });
      setCounts(c);
      setError(null);
      setLoaded(true);
      setVersion((v) => v + 1);
    } catch (e) {
      if (seq === loadSeq.current) setError(e);
    }
  }, [clientId]);

  useEffect(() => {
    void load();
  }, [load]);

  // a full reload soon after changes the deltas cannot settle alone (unreachable children, new checks)
  const reconcileTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const lastReconcile = useRef(Date.now());
  const reconcileSoon = useCallback(() => {
    if (reconcileTimer.current) return;
    // a full reload costs about as much as the first load: not more often than every 15 s (60 s past 5,000 checks)
    const every = items.current.size > 5_000 ? 60_000 : 15_000;
    const wait = Math.max(2_000, every - (Date.now() - lastReconcile.current));
    reconcileTimer.current = setTimeout(() => {
      reconcileTimer.current = null;
      lastReconcile.current = Date.now();
      void load();
    }, wait);
  }, [load]);
  useEffect(() => () => void (reconcileTimer.current && clearTimeout(reconcileTimer.current)), []);

  const queue = useRef<LiveState[]>([]);
  const frame = useRef<number | null>(null);
  const flush = useCallback(() => {
    frame.current = null;
    const batch = queue.current;
    queue.current = [];
    if (batch.length === 0) return;
    const m = items.current;
    const delta = emptyCounts();
    let changed = false;
    let regroup = false;
    let reconcile = false;
    const at = Date.now();
    for (const ev of batch) {
      const old = m.get(ev.checkId);
      if (!old) {
        reconcile = true;
        continue;
      }
      let eff: EffectiveState = ev.effectiveState ?? ev.state;
      if (!ev.effectiveState && old.effective_state === 'unreachable' && (ev.state === 'down' || ev.state === 'unknown')) eff = 'unreachable';
      if ((old.state === 'down') !== (ev.state === 'down')) reconcile = true; // children may become (un)reachable
      if (old.effective_state !== eff) {
        delta[old.effective_state]--;
        delta[eff]++;
        changedAt.current.set(ev.checkId, at);
        regroup = true; // the order (problems first) changes
      }
      // in place: the groups hold these objects, so a change of latency or message needs no regrouping
      Object.assign(old, {
        state: ev.state,
        effective_state: eff,
        since: ev.since ?? old.since,
        last_result_at: ev.lastResultAt ?? old.last_result_at,
        last_latency_ms: ev.lastLatencyMs,
        last_message: ev.lastMessage,
      });
      changed = true;
    }
    if (changed) {
      if (regroup) {
        setCounts((c) => {
          const out = { ...c };
          for (const s of EFFECTIVE_STATES) out[s] = Math.max(0, (out[s] ?? 0) + delta[s]);
          return out;
        });
        setVersion((v) => v + 1);
      } else setTick((x) => x + 1);
      setLastEvent(at);
    }
    if (reconcile) reconcileSoon();
  }, [reconcileSoon]);

  useEffect(() => {
    let es: EventSource | null = null;
    let retry: ReturnType<typeof setTimeout> | null = null;
    let broken = false;
    let closed = false;
    const connect = () => {
      es = new EventSource(`${API}/clients/${clientId}/monitoring/events`);
      es.onopen = () => {
        setConn('connected');
        if (broken) void load(); // events were missed while away
        broken = false;
      };
      es.addEventListener('state', (e) => {
        try {
          const data = JSON.parse((e as MessageEvent<string>).data) as LiveState | LiveState[];
          for (const s of Array.isArray(data) ? data : [data]) queue.current.push(s);
          if (frame.current === null) frame.current = requestAnimationFrame(flush);
        } catch {
          // a malformed event is dropped; the next reconcile repairs the board
        }
      });
      es.onerror = () => {
        broken = true;
        setConn('reconnecting');
        if (es && es.readyState === EventSource.CLOSED && !closed) {
          es.close();
          retry = setTimeout(connect, 5_000);
        }
      };
    };
    connect();
    return () => {
      closed = true;
      es?.close();
      if (retry) clearTimeout(retry);
      if (frame.current !== null) cancelAnimationFrame(frame.current);
    };
  }, [clientId, flush, load]);

  // ------------------------------------------------------------------ grouping
  const groups = useMemo((): Group[] => {
    const needle = dq.trim().toLowerCase();
    const byKey = new Map<string, Group>();
    for (const it of items.current.values()) {
      const eff = it.effective_state;
      if (filter === 'problems' ? eff === 'up' || eff === 'maintenance' : filter && eff !== filter) continue;
      if (siteId && it.site_id !== siteId) continue;
      if (needle && !it.name.toLowerCase().includes(needle) && !(it.asset_name ?? '').toLowerCase().includes(needle)) continue;
      const key = it.asset_id ?? NO_ASSET;
      let g = byKey.get(key);
      if (!g) {
        g = { key, assetId: it.asset_id, name: it.asset_name ?? '', worst: eff, items: [], counts: {} };
        byKey.set(key, g);
      }
      g.items.push(it);
      g.counts[eff] = (g.counts[eff] ?? 0) + 1;
      if (SEVERITY[eff] < SEVERITY[g.worst]) g.worst = eff;
    }
    const out = [...byKey.values()];
    // integer comparisons only (20,000 items): the name order is the rank the server's order gave
    const r = rank.current;
    const rk = (it: BoardItem) => r.get(it.check_id) ?? Number.MAX_SAFE_INTEGER;
    for (const g of out) if (g.items.length > 1) g.items.sort((a, b) => SEVERITY[a.effective_state] - SEVERITY[b.effective_state] || rk(a) - rk(b));
    const gr = groupRank.current;
    const grk = (g: Group) => gr.get(g.key) ?? Number.MAX_SAFE_INTEGER - 1;
    out.sort((a, b) => SEVERITY[a.worst] - SEVERITY[b.worst] || grk(a) - grk(b));
    return out;
    // `version` stands for the contents of the items map
  }, [version, filter, siteId, dq]); // eslint-disable-line react-hooks/exhaustive-deps

  const shownChecks = useMemo(() => groups.reduce((n, g) => n + g.items.length, 0), [groups]);

  useEffect(() => {
    if (loaded) lastBoards.set(clientId, { items: items.current, counts, rank: rank.current, groupRank: groupRank.current });
  }, [clientId, loaded, counts]);

  // time to the first paint of the data: kept on the board for tests and benchmarks
  useEffect(() => {
    if (loaded && loadMs === null) requestAnimationFrame(() => setLoadMs(Math.round(performance.now() - mounted.current)));
  }, [loaded, loadMs]);

  const total = EFFECTIVE_STATES.reduce((n, s) => n + (counts[s] ?? 0), 0);

  return (
    <div className="board-page">
      <PageHead
        title={t('mon.board.title')}
        sub={
          <span className="row">
            <ConnBadge conn={conn} />
            {lastEvent && <span className="muted">{t('mon.board.lastEvent', { when: formatAgo(lastEvent, Math.max(now, lastEvent)) })}</span>}
          </span>
        }
      >
        <input type="search" className="filter-search board-search" placeholder={t('mon.board.search')} aria-label={t('mon.board.search')} value={q} onChange={(e) => setQ(e.target.value)} data-testid="board-search" />
        {(sites.data?.items.length ?? 0) > 0 && (
          <select value={siteId} onChange={(e) => setSiteId(e.target.value)} aria-label={t('asset.site')} data-testid="board-site">
            <option value="">{t('assets.allSites')}</option>
            {sites.data!.items.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </select>
        )}
      </PageHead>
      <div className="board-counts" data-testid="board-counts" data-total={total}>
        <button type="button" className={`count-card count-all${filter === '' ? ' on' : ''}`} onClick={() => setFilter('')} aria-pressed={filter === ''}>
          <span className="count-value">{formatNumber(total)}</span>
          <span className="count-label">{t('mon.board.all')}</span>
        </button>
        <button type="button" className={`count-card count-problems${filter === 'problems' ? ' on' : ''}`} onClick={() => setFilter(filter === 'problems' ? '' : 'problems')} aria-pressed={filter === 'problems'}>
          <span className="count-value">{formatNumber((counts.down ?? 0) + (counts.degraded ?? 0) + (counts.unreachable ?? 0) + (counts.unknown ?? 0))}</span>
          <span className="count-label">{t('mon.board.problems')}</span>
        </button>
        {EFFECTIVE_STATES.map((s) => (
          <button
            key={s}
            type="button"
            className={`count-card count-${s}${filter === s ? ' on' : ''}${(counts[s] ?? 0) === 0 ? ' zero' : ''}`}
            onClick={() => setFilter(filter === s ? '' : s)}
            aria-pressed={filter === s}
            data-testid={`board-count-${s}`}
            data-count={counts[s] ?? 0}
          >
            <span className="count-value">{formatNumber(counts[s] ?? 0)}</span>
            <span className="count-label">{t(`monState.${s}`)}</span>
          </button>
        ))}
      </div>
      <ErrorNote error={error} />
      {loaded && (
        <div className="board-meta muted small-text">
          {filter || dq || siteId ? t('mon.board.shown', { count: shownChecks, shown: formatNumber(shownChecks), groups: formatNumber(groups.length) }) : t('mon.board.summary', { count: shownChecks, shown: formatNumber(shownChecks), groups: formatNumber(groups.length) })}
          {loadMs !== null && (
            <span data-testid="board-load-ms" data-ms={loadMs} data-fetch-ms={fetchMs.current ?? ''} data-cached={cached !== undefined}>
              {' '}
              · {t('mon.board.loadedIn', { ms: loadMs })}
            </span>
          )}
        </div>
      )}
      {!loaded && !error ? (
        <div className="loading">{t('common.loading')}</div>
      ) : loaded && total === 0 ? (
        <div className="empty-page">
          <p className="muted">{t('mon.board.empty')}</p>
          <Link to={`/clients/${clientId}/checks`}>{t('mon.board.goChecks')}</Link>
        </div>
      ) : (
        <VirtualGroups groups={groups} tick={tick} clientId={clientId} now={now} changedAt={changedAt.current} nameOf={(id) => items.current.get(id)?.name} />
      )}
    </div>
  );
}

function ConnBadge({ conn }: { conn: Conn }) {
  const { t } = useTranslation();
  return (
    <span className={`conn conn-${conn}`} data-testid="board-conn" data-conn={conn} role="status">
      <span className="conn-dot" aria-hidden="true" />
      {t(`mon.board.conn.${conn}`)}
    </span>
  );
}

function groupHeight(n: number, perLine: number): number {
  const lines = Math.max(1, Math.ceil(n / perLine));
  return lines * TILE_H + (lines - 1) * GAP + ROW_PAD * 2;
}

/** The groups in view, positioned by their computed offsets inside a scrolling box. */
function VirtualGroups({
  groups,
  clientId,
  now,
  changedAt,
  nameOf,
}: {
  groups: Group[];
  /** Changes when tiles' contents changed in place (re-render, same layout). */
  tick: number;
  clientId: string;
  now: number;
  changedAt: Map<string, number>;
  nameOf: (id: string) => string | undefined;
}) {
  const { t } = useTranslation();
  const box = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(1000);
  const [height, setHeight] = useState(500);
  const [scroll, setScroll] = useState(0);

  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    const measure = () => {
      setWidth(el.clientWidth);
      setHeight(Math.max(300, window.innerHeight - el.getBoundingClientRect().top - 12));
    };
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    window.addEventListener('resize', measure);
    return () => {
      ro.disconnect();
      window.removeEventListener('resize', measure);
    };
  }, []);

  const perLine = Math.max(1, Math.floor((width - HEAD_W - 16 + GAP) / (TILE_W + GAP)));
  const offsets = useMemo(() => {
    const o = new Float64Array(groups.length + 1);
    for (let i = 0; i < groups.length; i++) o[i + 1] = o[i]! + groupHeight(groups[i]!.items.length, perLine);
    return o;
  }, [groups, perLine]);
  const totalH = offsets[groups.length] ?? 0;

  // first group whose bottom is below the top of the view
  const top = Math.max(0, scroll - OVERSCAN_PX);
  const bottom = scroll + height + OVERSCAN_PX;
  let lo = 0;
  let hi = groups.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (offsets[mid + 1]! <= top) lo = mid + 1;
    else hi = mid;
  }
  const visible: number[] = [];
  for (let i = lo; i < groups.length && offsets[i]! < bottom; i++) visible.push(i);

  return (
    <div className="board-scroll" ref={box} style={{ height }} onScroll={(e) => setScroll(e.currentTarget.scrollTop)} data-testid="board-list">
      <div className="board-inner" style={{ height: totalH }}>
        {visible.map((i) => {
          const g = groups[i]!;
          return (
            <div key={g.key} className={`board-group worst-${g.worst}`} style={{ top: offsets[i], height: offsets[i + 1]! - offsets[i]! }} data-testid="board-group">
              <div className="board-group-head" style={{ width: HEAD_W }}>
                <span className={`state-dot state-bg-${g.worst}`} aria-hidden="true" />
                <div className="board-group-name">
                  {g.assetId ? (
                    <Link to={`/clients/${clientId}/assets/${g.assetId}`} title={g.name}>
                      {g.name}
                    </Link>
                  ) : (
                    <span className="muted">{t('mon.board.noAsset')}</span>
                  )}
                  <div className="board-group-counts small-text">
                    {EFFECTIVE_STATES.filter((s) => g.counts[s]).map((s) => (
                      <span key={s} className={`mini mini-${s}`} title={t(`monState.${s}`)}>
                        {g.counts[s]}
                      </span>
                    ))}
                  </div>
                </div>
              </div>
              <div className="board-tiles" style={{ gridTemplateColumns: `repeat(${perLine}, ${TILE_W}px)` }}>
                {g.items.map((it) => (
                  <Tile key={it.check_id} it={it} clientId={clientId} now={now} flash={(changedAt.get(it.check_id) ?? 0) > Date.now() - 4000} nameOf={nameOf} />
                ))}
              </div>
            </div>
          );
        })}
      </div>
    </div>
  );
}

/** The check's name without its asset's, already shown by the group ("SRV-01 · ping" → "ping"). */
function shortName(it: BoardItem): string {
  const a = it.asset_name;
  if (a && it.name.length > a.length + 1 && it.name.toLowerCase().startsWith(a.toLowerCase())) {
    const rest = it.name.slice(a.length).replace(/^[\s·:|/–—-]+/, '');
    if (rest) return rest;
  }
  return it.name;
}

function Tile({ it, clientId, now, flash, nameOf }: { it: BoardItem; clientId: string; now: number; flash: boolean; nameOf: (id: string) => string | undefined }) {
  const { t } = useTranslation();
  const eff = it.effective_state;
  const causes = eff === 'unreachable' && it.root_causes?.length ? it.root_causes.map((id) => nameOf(id) ?? '?').join(', ') : null;
  const title = [
    it.name,
    `${t(`monState.${eff}`)} · ${t('mon.board.since', { when: formatDateTime(it.since) })}`,
    causes ? t('mon.board.behind', { names: causes }) : null,
    it.enabled === false ? t('mon.disabled') : null,
    it.last_result_at ? `${t('mon.checks.lastResult')}: ${formatDateTime(it.last_result_at)}` : null,
    it.last_message,
  ]
    .filter(Boolean)
    .join('\n');
  return (
    <Link to={`/clients/${clientId}/checks/${it.check_id}`} className={`tile tile-${eff}${flash ? ' flash' : ''}${it.enabled === false ? ' tile-disabled' : ''}`} title={title} data-testid="board-item" data-state={eff} data-check={it.check_id}>
      <span className="tile-name">{shortName(it)}</span>
      <span className="tile-sub">
        {eff === 'up' ? formatLatency(it.last_latency_ms) : t(`monState.${eff}`)}
        <span className="tile-since">{formatAgo(it.since, now)}</span>
      </span>
    </Link>
  );
}
