/**
 * Ticket queues. Provider-wide (`clientId` null, provider staff): tabs Mine, My groups, Breaching
 * soon, Unassigned, All open, Closed, and a client filter. For one client: the same tabs for staff;
 * a client's own people see open, closed and all of their company's tickets with simpler columns.
 * Search, type and priority filters, keyset paging ("load more"); the state lives in the address.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, qs } from '../api.ts';
import { Link, navigate, useLocation } from '../router.tsx';
import { useSession } from '../session.tsx';
import { formatNumber } from '../shared/format.ts';
import { PageHead, useDebounced } from '../shared/ui.tsx';
import { Ago } from '../monitoring/common.tsx';
import { DeskError, dueCell, PriorityBadge, staffOn, TicketStateBadge, useTick } from './common.tsx';
import { CLIENT_QUEUES, PRIORITIES, STAFF_QUEUES, TICKET_TYPES, type Queue, type TicketPage, type TicketSummaryJson } from './types.ts';
import type { ClockState } from './types.ts';

const PAGE = 50;

interface Filters {
  queue: Queue;
  q: string;
  type: string;
  priority: string;
  client_id: string;
}

function filtersFrom(search: URLSearchParams, queues: readonly Queue[], fallback: Queue): Filters {
  const queue = search.get('queue') as Queue | null;
  return {
    queue: queue && queues.includes(queue) ? queue : fallback,
    q: search.get('q') ?? '',
    type: search.get('type') ?? '',
    priority: search.get('priority') ?? '',
    client_id: search.get('client_id') ?? '',
  };
}

export function QueuePage({ clientId }: { clientId: string | null }) {
  const { t } = useTranslation();
  const { session } = useSession();
  const loc = useLocation();
  const staff = clientId ? staffOn(session, clientId) : session.provider_staff;
  const queues: readonly Queue[] = staff ? STAFF_QUEUES : CLIENT_QUEUES;
  const fallback: Queue = staff ? 'mine' : 'open';
  const [filters, setFilters] = useState<Filters>(() => filtersFrom(loc.search, queues, fallback));
  const [search, setSearch] = useState(filters.q);
  const debounced = useDebounced(search, 250);
  const [items, setItems] = useState<TicketSummaryJson[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [loadingMore, setLoadingMore] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [tick, setTick] = useState(0);
  const requestId = useRef(0);
  const now = useTick(1000);

  useEffect(() => {
    setFilters((f) => (f.q === debounced ? f : { ...f, q: debounced }));
  }, [debounced]);

  const listPath = clientId ? `/clients/${clientId}/tickets` : '/tickets';
  const query = {
    queue: filters.queue === fallback ? '' : filters.queue,
    q: filters.q.trim(),
    type: filters.type,
    priority: filters.priority,
    client_id: clientId ? '' : filters.client_id,
  };
  const address = qs(query);
  useEffect(() => {
    navigate(`${listPath}${address}`, { replace: true });
  }, [listPath, address]);
  // A link to this page with other filters (the sidebar's) applies them.
  const addressRef = useRef(address);
  addressRef.current = address;
  useEffect(() => {
    const f = filtersFrom(loc.search, queues, fallback);
    const fromUrl = qs({ queue: f.queue === fallback ? '' : f.queue, q: f.q.trim(), type: f.type, priority: f.priority, client_id: clientId ? '' : f.client_id });
    if (fromUrl !== addressRef.current) {
      setFilters(f);
      setSearch(f.q);
    }
  }, [loc.href]);

  const apiQuery = { ...query, queue: filters.queue, limit: PAGE };
  useEffect(() => {
    const id = ++requestId.current;
    setLoading(true);
    setError(null);
    api.get<TicketPage>(`${listPath}${qs(apiQuery)}`).then(
      (r) => {
        if (id !== requestId.current) return;
        setItems(r.items);
        setNext(r.next_cursor);
        setLoading(false);
      },
      (e: unknown) => {
        if (id !== requestId.current) return;
        setError(e);
        setItems([]);
        setNext(null);
        setLoading(false);
      },
    );
  }, [listPath, address, filters.queue, tick]);

  const loadMore = useCallback(async () => {
    if (!next) return;
    const id = requestId.current;
    setLoadingMore(true);
    try {
      const r = await api.get<TicketPage>(`${listPath}${qs({ ...apiQuery, cursor: next })}`);
      if (id !== requestId.current) return;
      setItems((xs) => [...xs, ...r.items]);
      setNext(r.next_cursor);
    } catch (e) {
      setError(e);
    } finally {
      setLoadingMore(false);
    }
  }, [listPath, address, filters.queue, next]);

  const set = (k: keyof Filters, v: string) => setFilters((f) => ({ ...f, [k]: v }));
  const filtered = Boolean(filters.q.trim() || filters.type || filters.priority || (!clientId && filters.client_id));
  const newFor = clientId ?? (filters.client_id || (session.clients.length === 1 ? session.clients[0]!.id : ''));
  const showClient = !clientId;
  const cols = staff ? 9 + (showClient ? 1 : 0) : 6;

  return (
    <div>
      <PageHead
        title={clientId ? t('desk.queue.title') : t('desk.queue.providerTitle')}
        sub={loading && items.length === 0 ? t('common.loading') : next ? t('desk.queue.countMore', { count: items.length, shown: formatNumber(items.length) }) : t('desk.queue.count', { count: items.length, shown: formatNumber(items.length) })}
      >
        <button type="button" className="small ghost" onClick={() => setTick((x) => x + 1)} title={t('desk.queue.refresh')} aria-label={t('desk.queue.refresh')}>
          ↻
        </button>
        {newFor ? (
          <Link to={`/clients/${newFor}/tickets/new`} className="button primary" data-testid="new-ticket-open">
            {t('desk.queue.new')}
          </Link>
        ) : (
          <span className="muted small-text">{t('desk.queue.chooseClientToCreate')}</span>
        )}
      </PageHead>

      <div className="segmented desk-tabs" role="tablist" aria-label={t('desk.queue.queues')}>
        {queues.map((q) => (
          <button key={q} type="button" role="tab" aria-selected={filters.queue === q} className={filters.queue === q ? 'on' : undefined} onClick={() => set('queue', q)} data-testid={`queue-${q}`}>
            {t(`desk.queues.${q}`)}
          </button>
        ))}
      </div>

      <div className="filters">
        <input
          type="search"
          className="filter-search"
          placeholder={t('desk.queue.searchPlaceholder')}
          aria-label={t('desk.queue.search')}
          value={search}
          onChange={(e) => setSearch(e.target.value)}
          data-testid="ticket-search"
        />
        {!clientId && session.clients.length > 1 && (
          <select value={filters.client_id} onChange={(e) => set('client_id', e.target.value)} aria-label={t('desk.ticket.client')} data-testid="filter-client">
            <option value="">{t('desk.queue.allClients')}</option>
            {session.clients.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        )}
        <select value={filters.type} onChange={(e) => set('type', e.target.value)} aria-label={t('desk.ticket.type')} data-testid="filter-type">
          <option value="">{t('desk.queue.allTypes')}</option>
          {TICKET_TYPES.map((x) => (
            <option key={x} value={x}>
              {t(`desk.type.${x}`)}
            </option>
          ))}
        </select>
        <select value={filters.priority} onChange={(e) => set('priority', e.target.value)} aria-label={t('desk.ticket.priority')} data-testid="filter-priority">
          <option value="">{t('desk.queue.allPriorities')}</option>
          {PRIORITIES.map((p) => (
            <option key={p} value={p}>
              P{p} — {t(`desk.priorityName.${p}`)}
            </option>
          ))}
        </select>
        {filtered && (
          <button
            type="button"
            className="link"
            onClick={() => {
              setSearch('');
              setFilters((f) => ({ ...f, q: '', type: '', priority: '', client_id: '' }));
            }}
          >
            {t('desk.queue.clearFilters')}
          </button>
        )}
      </div>

      <DeskError error={error} />

      <table className={loading ? 'table table-tickets is-loading' : 'table table-tickets'} data-testid="ticket-table">
        <thead>
          <tr>
            <th className="w-ref">{t('desk.ticket.ref')}</th>
            {staff && showClient && <th>{t('desk.ticket.client')}</th>}
            <th>{t('desk.ticket.title')}</th>
            <th className="center" title={t('desk.ticket.priority')}>
              P
            </th>
            <th>{t('desk.ticket.state')}</th>
            {staff ? (
              <>
                <th>{t('desk.ticket.requester')}</th>
                <th>{t('desk.ticket.assignee')}</th>
                <th title={t('desk.clock.gtiLong')}>{t('desk.clock.gti')}</th>
                <th title={t('desk.clock.gtrLong')}>{t('desk.clock.gtr')}</th>
                <th>{t('desk.ticket.updated')}</th>
              </>
            ) : (
              <>
                <th>{t('desk.ticket.requester')}</th>
                <th>{t('desk.ticket.updated')}</th>
              </>
            )}
          </tr>
        </thead>
        <tbody>
          {!loading && items.length === 0 && !error && (
            <tr>
              <td colSpan={cols} className="empty" data-testid="queue-empty">
                {filtered ? t('desk.queue.noMatch') : t(`desk.queueEmpty.${filters.queue}`)}
              </td>
            </tr>
          )}
          {items.map((x) => {
            const to = `/clients/${x.client_id}/tickets/${x.id}`;
            return (
              <tr key={x.id} data-testid="ticket-row" data-ref={x.ref} className="clickable" onClick={(e) => !(e.target as HTMLElement).closest('a') && navigate(to)}>
                <td className="mono nowrap">
                  <Link to={to}>{x.ref}</Link>
                </td>
                {staff && showClient && <td className="clip">{x.client_name ?? session.clients.find((c) => c.id === x.client_id)?.name ?? ''}</td>}
                <td className="strong ticket-title-cell">
                  <Link to={to}>{x.title}</Link>
                  {x.type !== 'incident' && <span className="tag">{t(`desk.type.${x.type}`)}</span>}
                </td>
                <td className="center">
                  <PriorityBadge value={x.priority} />
                </td>
                <td>
                  <TicketStateBadge state={x.state} />
                </td>
                {staff ? (
                  <>
                    <td className="clip">{x.requester.name || x.requester.email}</td>
                    <td className="clip">{x.assignee ? x.assignee.name : x.group ? <span className="muted">{x.group.name}</span> : <span className="muted">{t('desk.ticket.nobody')}</span>}</td>
                    <DueTd state={x.gti_state} due={x.gti_due_at} created={x.created_at} now={now} stopped={x.state !== 'new'} testId="row-gti" />
                    <DueTd state={x.gtr_state} due={x.gtr_due_at} created={x.created_at} now={now} stopped={x.state === 'restored' || x.state === 'resolved' || x.state === 'closed'} testId="row-gtr" />
                    <td className="nowrap small-text">
                      <Ago at={x.updated_at} now={now} />
                    </td>
                  </>
                ) : (
                  <>
                    <td className="clip">{x.requester.name || x.requester.email}</td>
                    <td className="nowrap small-text">
                      <Ago at={x.updated_at} now={now} />
                    </td>
                  </>
                )}
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
    </div>
  );
}

function DueTd({ state, due, created, now, stopped, testId }: { state: ClockState | null; due: number | null; created: number; now: number; stopped: boolean; testId: string }) {
  const { t } = useTranslation();
  const c = dueCell(t, state, due, created, now, stopped);
  return (
    <td className={`nowrap due due-${c.tone}`} title={c.title} data-testid={testId} data-tone={c.tone}>
      {c.text}
    </td>
  );
}
