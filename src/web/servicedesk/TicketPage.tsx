/**
 * One ticket: its header, the two SLA clocks (GTI, GTR) counting live, the actions the caller may
 * take (with an optional public reply), the conversation (public replies and internal notes),
 * attachments with upload progress, the history (ticket and SLA events), and for provider staff
 * inline changes of priority (with a reason), assignee and group.
 *
 * The ticket is fetched again every 30 s (10 s after the first load): others work on it too, and
 * two samples of a running clock tell whether its service window is open now (the figure moves)
 * or closed (it stands still), so the countdown only ticks when the clock really runs.
 */
import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { TicketSurveyBox } from '../satisfaction/TicketSurveyBox.tsx';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import { api } from '../api.ts';
import { Link } from '../router.tsx';
import { useSession } from '../session.tsx';
import { formatBytes, formatDateTime } from '../shared/format.ts';
import { CritBadge, Loading, ProgressBar, useAction } from '../shared/ui.tsx';
import {
  attachmentHref,
  clockText,
  DeskError,
  formatFull,
  formatWhen,
  PriorityBadge,
  staffOn,
  TicketStateBadge,
  uploadAttachment,
  useTick,
  type Progress,
} from './common.tsx';
import { isNever, liveClock, windowOpen, type Sample } from './clock.ts';
import { usePeople } from './pickers.tsx';
import { PRIORITIES, TICKET_ACTIONS, type AttachmentJson, type ClockJson, type CommentJson, type TicketAction, type TicketEventJson, type TicketJson } from './types.ts';

const FIRST_POLL = 10_000;
const POLL = 30_000;

export function TicketPage({ clientId, ticketId }: { clientId: string; ticketId: string }) {
  const { t } = useTranslation();
  const { session } = useSession();
  const staff = staffOn(session, clientId);
  const base = `/clients/${clientId}/tickets/${ticketId}`;
  const [ticket, setTicket] = useState<TicketJson | null>(null);
  const [receivedAt, setReceivedAt] = useState(0);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [comments, setComments] = useState<CommentJson[]>([]);
  const [files, setFiles] = useState<AttachmentJson[]>([]);
  const [events, setEvents] = useState<TicketEventJson[]>([]);
  const [sideError, setSideError] = useState<unknown>(null);
  /** per clock: the previous sample, and whether the window looked open between the last two */
  const samples = useRef<Record<string, Sample>>({});
  /** per running clock: true (window open: tick), false (closed: hold), absent (not known yet: hold) */
  const [running, setRunning] = useState<Record<string, boolean>>({});
  const runningRef = useRef(running);
  /** bumped by every fetch and every change, so that a poll answered after a change is dropped */
  const seq = useRef(0);

  /** `changed`: the answer to a change (action, priority): its figures jump, so it starts new samples. */
  const takeTicket = useCallback((x: TicketJson, changed = false) => {
    const at = Date.now();
    if (changed) samples.current = {};
    const open: Record<string, boolean> = {};
    for (const c of x.clocks) {
      if (c.state !== 'running' && c.state !== 'breached') continue;
      // not known from these samples: keep what was known, else hold rather than tick wrongly
      const o = windowOpen(c, samples.current[c.clock], at) ?? runningRef.current[c.clock];
      if (o !== undefined) open[c.clock] = o;
      samples.current[c.clock] = { remaining: c.remaining_ms, at };
    }
    runningRef.current = open;
    setRunning(open);
    setTicket(x);
    setReceivedAt(at);
    setLoadError(null);
  }, []);

  const loadTicket = useCallback(async () => {
    const id = ++seq.current;
    try {
      const x = await api.get<TicketJson>(base);
      if (id === seq.current) takeTicket(x);
    } catch (e) {
      if (id === seq.current) setLoadError(e);
    }
  }, [base, takeTicket]);

  /** The ticket as a change answered it (action, priority, assignment). */
  const changed = useCallback(
    (x: TicketJson) => {
      seq.current++;
      takeTicket(x, true);
    },
    [takeTicket],
  );

  const loadSide = useCallback(async () => {
    try {
      const [c, ev, at] = await Promise.all([
        api.get<{ items: CommentJson[] }>(`${base}/comments`),
        api.get<{ items: TicketEventJson[] }>(`${base}/events`),
        api.get<{ items: AttachmentJson[] }>(`${base}/attachments`),
      ]);
      setComments(c.items);
      setFiles(at.items);
      setEvents(ev.items);
      setSideError(null);
    } catch (e) {
      setSideError(e);
    }
  }, [base]);

  const reloadAll = useCallback(async () => {
    await Promise.all([loadTicket(), loadSide()]);
  }, [loadTicket, loadSide]);

  useEffect(() => {
    void reloadAll();
    let h: ReturnType<typeof setTimeout>;
    const poll = (ms: number) => {
      h = setTimeout(() => {
        if (document.visibilityState === 'visible') void reloadAll();
        poll(POLL);
      }, ms);
    };
    poll(FIRST_POLL);
    return () => clearTimeout(h);
  }, [reloadAll]);

  if (!ticket) {
    return (
      <div>
        <div className="breadcrumb">
          <Link to={`/clients/${clientId}/tickets`}>← {t('desk.queue.title')}</Link>
        </div>
        {loadError ? <DeskError error={loadError} /> : <Loading />}
      </div>
    );
  }

  const attachments = mergeAttachments(comments, files);
  const names = new Map<string, string>();
  if (ticket.assignee) names.set(ticket.assignee.user_id, ticket.assignee.name);
  if (ticket.group) names.set(ticket.group.id, ticket.group.name);
  for (const e of events) if (e.actor.user_id && e.actor.name) names.set(e.actor.user_id, e.actor.name);
  return (
    <div className="desk-ticket" data-testid="ticket-page" data-state={ticket.state}>
      <div className="breadcrumb">
        <Link to={`/clients/${clientId}/tickets`}>← {t('desk.queue.title')}</Link>
        {staff && (
          <>
            {' · '}
            <Link to="/tickets">{t('desk.nav.desk')}</Link>
          </>
        )}
      </div>
      <div className="page-head">
        <div>
          <h1 className="desk-title">
            <span className="mono desk-ref" data-testid="ticket-ref">
              {ticket.ref}
            </span>{' '}
            <span data-testid="ticket-heading">{ticket.title}</span>
          </h1>
          <div className="page-sub desk-badges">
            <PriorityBadge value={ticket.priority} testId="ticket-priority-badge" /> <TicketStateBadge state={ticket.state} testId="ticket-state" /> <span className="tag">{t(`desk.type.${ticket.type}`)}</span>
            <span>
              {t('desk.ticket.openedBy', { name: ticket.requester.name || ticket.requester.email, when: formatDateTime(ticket.created_at) })}
              {ticket.source !== 'portal' && ` · ${t(`desk.source.${ticket.source}`, { defaultValue: ticket.source })}`}
            </span>
          </div>
        </div>
      </div>
      <DeskError error={loadError} />

      <div className="detail-grid desk-grid">
        <div>
          <Clocks ticket={ticket} receivedAt={receivedAt} running={running} />
          <Actions ticket={ticket} base={base} staff={staff} onDone={(x) => {
              changed(x);
              void loadSide();
            }} />
          <section className="box">
            <div className="box-head">
              <h2>{t('desk.ticket.description')}</h2>
            </div>
            {ticket.description.trim() ? <div className="pre desk-body" data-testid="ticket-description-text">{ticket.description}</div> : <p className="muted">{t('desk.ticket.noDescription')}</p>}
          </section>
          <Conversation comments={comments} staff={staff} base={base} clientId={clientId} ticketId={ticketId} onPosted={() => void reloadAll()} error={sideError} />
        </div>
        <div>
          <Details ticket={ticket} clientId={clientId} staff={staff} base={base} onSaved={(x) => {
              changed(x);
              void loadSide();
            }} />
          <Attachments clientId={clientId} ticketId={ticketId} staff={staff} items={attachments} onUploaded={(a) => { setFiles((xs) => (xs.some((x) => x.id === a.id) ? xs : [...xs, a])); void loadSide(); }} />
          {(ticket.state === 'resolved' || ticket.state === 'closed') && <TicketSurveyBox clientId={clientId} ticketId={ticketId} />}
          <History events={events} names={names} />
        </div>
      </div>
    </div>
  );
}

/** Every attachment the caller may see: the ticket's list and those of the comments, once each. */
function mergeAttachments(comments: CommentJson[], files: AttachmentJson[]): AttachmentJson[] {
  const byId = new Map<string, AttachmentJson>();
  for (const c of comments) for (const a of c.attachments) byId.set(a.id, a);
  for (const a of files) byId.set(a.id, a);
  return [...byId.values()].sort((a, b) => a.at - b.at);
}

// ------------------------------------------------------------------------------------ clocks

function Clocks({ ticket, receivedAt, running }: { ticket: TicketJson; receivedAt: number; running: Record<string, boolean> }) {
  const { t } = useTranslation();
  const ticking = ticket.clocks.some((c) => c.state === 'running' || c.state === 'breached');
  const now = useTick(1000, ticking);
  if (ticket.clocks.length === 0) {
    return (
      <section className="box desk-clocks" data-testid="clocks">
        <p className="muted">{ticket.contract_id ? t('desk.clock.noneForPriority') : t('desk.clock.noContract')}</p>
      </section>
    );
  }
  const order = ['gti', 'gtr'];
  const clocks = [...ticket.clocks].sort((a, b) => order.indexOf(a.clock) - order.indexOf(b.clock));
  return (
    <section className="box desk-clocks" data-testid="clocks">
      {clocks.map((c) => (
        <ClockView key={c.clock} c={c} receivedAt={receivedAt} now={now} open={running[c.clock]} stoppedAt={stoppedAt(ticket, c.clock)} t={t} />
      ))}
    </section>
  );
}

/** When the clock's milestone was reached (the server sends no met_at for a clock met late). */
function stoppedAt(ticket: TicketJson, clock: 'gti' | 'gtr'): number | null {
  if (clock === 'gti') return ticket.state === 'new' ? null : ticket.taken_at;
  return ticket.state === 'restored' || ticket.state === 'resolved' || ticket.state === 'closed' ? (ticket.restored_at ?? ticket.resolved_at) : null;
}

function targetText(t: TFunction, c: ClockJson): string {
  return t(`desk.clock.unit.${c.target.unit}`, { count: c.target.value }) + ' · ' + c.target.window_name;
}

function ClockView({ c, receivedAt, now, open, stoppedAt, t }: { c: ClockJson; receivedAt: number; now: number; open: boolean | undefined; stoppedAt: number | null; t: TFunction }) {
  const live = liveClock(c, receivedAt, now, open !== true, stoppedAt);
  const pct = Math.min(100, Math.round(live.progress * 100));
  const closed = c.state === 'running' && open === false;
  return (
    <div className={`desk-clock tone-${live.tone}`} data-testid={`clock-${c.clock}`} data-state={c.state} data-tone={live.tone}>
      <div className="desk-clock-head">
        <span className="desk-clock-name" title={t(`desk.clock.${c.clock}Long`)}>
          {t(`desk.clock.${c.clock}`)}
        </span>
        <span className="desk-clock-target">{targetText(t, c)}</span>
      </div>
      <div className="desk-clock-text" data-testid={`clock-${c.clock}-text`} aria-live="off">
        {clockText(t, c, live, now, stoppedAt)}
      </div>
      <div className="desk-bar" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct} aria-label={t(`desk.clock.${c.clock}`)}>
        <div className="desk-bar-fill" style={{ width: `${pct}%` }} />
        <div className="desk-bar-mark" title={t('desk.clock.warnMark')} />
      </div>
      <div className="desk-clock-due small-text">
        {isNever(c.due_at) ? (
          <span className="muted">{t('desk.clock.dueMoves')}</span>
        ) : c.state === 'met' || stoppedAt !== null ? (
          t('desk.clock.wasDue', { at: formatFull(c.due_at) })
        ) : (
          t('desk.clock.due', { at: formatFull(c.due_at) })
        )}
        {closed && (
          <span className="muted" title={t('desk.clock.outsideWindowHint')} data-testid={`clock-${c.clock}-closed`}>
            {' '}
            · {t('desk.clock.outsideWindow')}
          </span>
        )}
      </div>
    </div>
  );
}

// ------------------------------------------------------------------------------------ actions

const PRIMARY: Partial<Record<TicketAction, boolean>> = { take: true, restore: true };

function Actions({ ticket, base, staff, onDone }: { ticket: TicketJson; base: string; staff: boolean; onDone: (x: TicketJson) => void }) {
  const { t } = useTranslation();
  const [comment, setComment] = useState('');
  const { busy, error, run } = useAction();
  const actions = TICKET_ACTIONS.filter((a) => ticket.actions.includes(a));
  if (actions.length === 0) return null;

  async function act(action: TicketAction) {
    const body: { action: TicketAction; comment?: string } = { action };
    if (comment.trim()) body.comment = comment.trim();
    const r = await run(() => api.post<TicketJson>(`${base}/actions`, body));
    if (r) {
      setComment('');
      onDone(r);
    }
  }

  return (
    <section className="box desk-actions" data-testid="ticket-actions">
      <textarea
        rows={2}
        value={comment}
        onChange={(e) => setComment(e.target.value)}
        placeholder={staff ? t('desk.action.commentPlaceholder') : t('desk.action.commentPlaceholderClient')}
        aria-label={t('desk.action.comment')}
        data-testid="action-comment"
      />
      <div className="desk-action-buttons">
        {actions.map((a) => (
          <button key={a} type="button" className={PRIMARY[a] ? 'primary' : undefined} disabled={busy} onClick={() => void act(a)} title={t(`desk.action.hint.${a}`)} data-testid={`action-${a}`}>
            {t(`desk.action.${a}`)}
          </button>
        ))}
      </div>
      <DeskError error={error} />
    </section>
  );
}

// ------------------------------------------------------------------------------------ details

function Details({ ticket, clientId, staff, base, onSaved }: { ticket: TicketJson; clientId: string; staff: boolean; base: string; onSaved: (x: TicketJson) => void }) {
  const { t } = useTranslation();
  const { session } = useSession();
  const people = usePeople(clientId, staff);
  const { busy, error, run } = useAction();
  const [prio, setPrio] = useState<{ value: number; reason: string } | null>(null);

  async function patch(body: Record<string, unknown>) {
    const r = await run(() => api.patch<TicketJson>(base, body));
    if (r) onSaved(r);
    return r;
  }
  async function savePriority(e: FormEvent) {
    e.preventDefault();
    if (!prio) return;
    const r = await patch({ priority: prio.value, reason: prio.reason.trim() || undefined });
    if (r) setPrio(null);
  }

  const staffOptions = people.staffUsers.map((u) => ({ id: u.id, name: u.name || u.email }));
  if (staff && !staffOptions.some((u) => u.id === session.user.id)) staffOptions.unshift({ id: session.user.id, name: t('desk.form.me', { name: session.user.name || session.user.email }) });
  if (ticket.assignee && !staffOptions.some((u) => u.id === ticket.assignee!.user_id)) staffOptions.push({ id: ticket.assignee.user_id, name: ticket.assignee.name });
  const groups = [...people.groups];
  if (ticket.group && !groups.some((g) => g.id === ticket.group!.id)) groups.push({ id: ticket.group.id, name: ticket.group.name, lead_user_id: null, member_ids: [] });

  return (
    <section className="box" data-testid="ticket-details">
      <div className="box-head">
        <h2>{t('desk.ticket.details')}</h2>
      </div>
      <dl className="fields">
        <div className="field-row">
          <dt>{t('desk.ticket.priority')}</dt>
          <dd>
            {prio ? (
              <form onSubmit={savePriority} className="desk-inline" data-testid="priority-form">
                <select value={prio.value} onChange={(e) => setPrio({ ...prio, value: Number(e.target.value) })} aria-label={t('desk.ticket.priority')} data-testid="priority-select">
                  {PRIORITIES.map((p) => (
                    <option key={p} value={p}>
                      P{p} — {t(`desk.priorityName.${p}`)}
                    </option>
                  ))}
                </select>
                <input required maxLength={500} value={prio.reason} onChange={(e) => setPrio({ ...prio, reason: e.target.value })} placeholder={t('desk.ticket.priorityReason')} aria-label={t('desk.ticket.priorityReason')} data-testid="priority-reason" />
                <span className="row">
                  <button type="submit" className="small primary" disabled={busy || prio.value === ticket.priority || !prio.reason.trim()} data-testid="priority-save">
                    {t('common.save')}
                  </button>
                  <button type="button" className="small" onClick={() => setPrio(null)}>
                    {t('common.cancel')}
                  </button>
                </span>
              </form>
            ) : (
              <>
                <PriorityBadge value={ticket.priority} /> <span className="muted small-text">{t(`desk.priorityName.${ticket.priority}`)}</span>{' '}
                {staff && (
                  <button type="button" className="link" onClick={() => setPrio({ value: ticket.priority, reason: '' })} data-testid="priority-edit">
                    {t('common.edit')}
                  </button>
                )}
              </>
            )}
          </dd>
        </div>
        <div className="field-row">
          <dt>{t('desk.ticket.impactUrgency')}</dt>
          <dd>
            {t(`desk.impact.${ticket.impact}`)} · {t(`desk.urgency.${ticket.urgency}`)}
          </dd>
        </div>
        <div className="field-row">
          <dt>{t('desk.ticket.requester')}</dt>
          <dd>
            {ticket.requester.name || ticket.requester.email}
            {ticket.requester.name && ticket.requester.email && <div className="muted small-text">{ticket.requester.email}</div>}
          </dd>
        </div>
        <div className="field-row">
          <dt>{t('desk.ticket.assignee')}</dt>
          <dd data-testid="ticket-assignee-value">
            {staff ? (
              <select className="compact" value={ticket.assignee?.user_id ?? ''} disabled={busy} onChange={(e) => void patch({ assignee_user_id: e.target.value || null })} aria-label={t('desk.ticket.assignee')} data-testid="assignee-select">
                <option value="">{t('desk.ticket.nobody')}</option>
                {staffOptions.map((u) => (
                  <option key={u.id} value={u.id}>
                    {u.name}
                  </option>
                ))}
              </select>
            ) : (
              (ticket.assignee?.name ?? <span className="muted">{t('desk.ticket.nobodyYet')}</span>)
            )}
          </dd>
        </div>
        <div className="field-row">
          <dt>{t('desk.ticket.group')}</dt>
          <dd>
            {staff ? (
              <select className="compact" value={ticket.group?.id ?? ''} disabled={busy} onChange={(e) => void patch({ group_id: e.target.value || null })} aria-label={t('desk.ticket.group')} data-testid="group-select">
                <option value="">{t('desk.ticket.noGroup')}</option>
                {groups.map((g) => (
                  <option key={g.id} value={g.id}>
                    {g.name}
                  </option>
                ))}
              </select>
            ) : (
              (ticket.group?.name ?? <span className="muted">—</span>)
            )}
          </dd>
        </div>
        {ticket.category && (
          <div className="field-row">
            <dt>{t('desk.ticket.category')}</dt>
            <dd>{ticket.category}</dd>
          </div>
        )}
        <div className="field-row">
          <dt>{t('desk.ticket.assets')}</dt>
          <dd>
            {ticket.assets.length === 0 ? (
              <span className="muted">—</span>
            ) : (
              <ul className="plain-list">
                {ticket.assets.map((a) => (
                  <li key={a.id}>
                    <Link to={`/clients/${clientId}/assets/${a.id}`}>{a.name}</Link> <CritBadge value={a.criticality} /> <span className="muted small-text">{t(`assetType.${a.type}`, { defaultValue: a.type })}</span>
                  </li>
                ))}
              </ul>
            )}
          </dd>
        </div>
        <Milestone label={t('desk.ticket.createdAt')} at={ticket.created_at} />
        <Milestone label={t('desk.ticket.takenAt')} at={ticket.taken_at} />
        <Milestone label={t('desk.ticket.restoredAt')} at={ticket.restored_at} />
        <Milestone label={t('desk.ticket.resolvedAt')} at={ticket.resolved_at} />
        <Milestone label={t('desk.ticket.closedAt')} at={ticket.closed_at} />
        {ticket.reopened_count > 0 && (
          <div className="field-row">
            <dt>{t('desk.ticket.reopened')}</dt>
            <dd>{ticket.reopened_count}</dd>
          </div>
        )}
        {ticket.watchers.length > 0 && (
          <div className="field-row">
            <dt>{t('desk.ticket.watchers')}</dt>
            <dd className="small-text">{ticket.watchers.join(', ')}</dd>
          </div>
        )}
      </dl>
      <DeskError error={error} />
    </section>
  );
}

function Milestone({ label, at }: { label: string; at: number | null }) {
  if (at === null) return null;
  return (
    <div className="field-row">
      <dt>{label}</dt>
      <dd>{formatDateTime(at)}</dd>
    </div>
  );
}

// ------------------------------------------------------------------------------------ conversation

function Conversation({ comments, staff, base, clientId, ticketId, onPosted, error }: { comments: CommentJson[]; staff: boolean; base: string; clientId: string; ticketId: string; onPosted: () => void; error: unknown }) {
  const { t } = useTranslation();
  const [body, setBody] = useState('');
  const [pub, setPub] = useState(true);
  const post = useAction();

  async function submit(e: FormEvent) {
    e.preventDefault();
    const r = await post.run(() => api.post<CommentJson>(`${base}/comments`, { body: body.trim(), public: staff ? pub : true }));
    if (r) {
      setBody('');
      onPosted();
    }
  }

  return (
    <section className="box" data-testid="conversation">
      <div className="box-head">
        <h2>{t('desk.conv.title')}</h2>
        <span className="muted small-text">{t('desk.conv.count', { count: comments.length })}</span>
      </div>
      <DeskError error={error} />
      {comments.length === 0 ? (
        <p className="muted">{t('desk.conv.none')}</p>
      ) : (
        <ol className="desk-comments">
          {comments.map((c) => (
            <li key={c.id} className={c.public ? 'desk-comment' : 'desk-comment internal'} data-testid="comment" data-public={c.public ? 'true' : 'false'}>
              <div className="desk-comment-head">
                <span className="strong">{c.author.name || t('desk.conv.system')}</span>
                {!c.public && <span className="desk-internal-tag">{t('desk.conv.internal')}</span>}
                {c.source === 'email' && <span className="tag">{t('desk.conv.byEmail')}</span>}
                <time className="muted small-text" dateTime={new Date(c.at).toISOString()} title={formatDateTime(c.at)}>
                  {formatWhen(c.at)}
                </time>
              </div>
              <div className="pre desk-body" data-testid="comment-body">
                {c.body}
              </div>
              {c.attachments.length > 0 && (
                <ul className="desk-files">
                  {c.attachments.map((a) => (
                    <li key={a.id}>
                      <a href={attachmentHref(clientId, ticketId, a)} download={a.filename}>
                        📎 {a.filename}
                      </a>{' '}
                      <span className="muted small-text">{formatBytes(a.size)}</span>
                    </li>
                  ))}
                </ul>
              )}
            </li>
          ))}
        </ol>
      )}
      <form onSubmit={submit} className="desk-reply" data-testid="reply-form">
        {staff && (
          <div className="segmented" role="group" aria-label={t('desk.conv.visibility')}>
            <button type="button" className={pub ? 'on' : undefined} aria-pressed={pub} onClick={() => setPub(true)} data-testid="reply-public">
              {t('desk.conv.public')}
            </button>
            <button type="button" className={!pub ? 'on' : undefined} aria-pressed={!pub} onClick={() => setPub(false)} data-testid="reply-internal">
              {t('desk.conv.internalNote')}
            </button>
          </div>
        )}
        <textarea
          rows={3}
          maxLength={50_000}
          value={body}
          onChange={(e) => setBody(e.target.value)}
          className={staff && !pub ? 'internal' : undefined}
          placeholder={staff && !pub ? t('desk.conv.internalPlaceholder') : t('desk.conv.publicPlaceholder')}
          aria-label={t('desk.conv.reply')}
          data-testid="reply-body"
        />
        <div className="form-actions">
          <button type="submit" className="primary" disabled={post.busy || !body.trim()} data-testid="reply-submit">
            {staff && !pub ? t('desk.conv.addNote') : t('desk.conv.send')}
          </button>
          {staff && <span className="muted small-text">{pub ? t('desk.conv.publicHint') : t('desk.conv.internalHint')}</span>}
        </div>
        <DeskError error={post.error} />
      </form>
    </section>
  );
}

// ------------------------------------------------------------------------------------ attachments

function Attachments({ clientId, ticketId, staff, items, onUploaded }: { clientId: string; ticketId: string; staff: boolean; items: AttachmentJson[]; onUploaded: (a: AttachmentJson) => void }) {
  const { t } = useTranslation();
  const [internal, setInternal] = useState(false);
  const [progress, setProgress] = useState<(Progress & { name: string }) | null>(null);
  const [error, setError] = useState<unknown>(null);
  const abort = useRef<AbortController | null>(null);
  const input = useRef<HTMLInputElement>(null);

  useEffect(() => () => abort.current?.abort(), []);

  async function upload(files: FileList | null) {
    if (!files || files.length === 0) return;
    setError(null);
    for (const file of Array.from(files)) {
      const ctl = new AbortController();
      abort.current = ctl;
      try {
        setProgress({ loaded: 0, total: file.size, name: file.name });
        const a = await uploadAttachment(clientId, ticketId, file, staff && internal, (p) => setProgress({ ...p, name: file.name }), ctl.signal);
        onUploaded(a);
      } catch (e) {
        setError(e);
        break;
      } finally {
        setProgress(null);
        abort.current = null;
      }
    }
    if (input.current) input.current.value = '';
  }

  return (
    <section className="box" data-testid="attachments">
      <div className="box-head">
        <h2>{t('desk.files.title')}</h2>
      </div>
      {items.length === 0 ? (
        <p className="muted">{t('desk.files.none')}</p>
      ) : (
        <ul className="desk-files">
          {items.map((a) => (
            <li key={a.id} data-testid="attachment">
              <a href={attachmentHref(clientId, ticketId, a)} download={a.filename}>
                {a.filename}
              </a>{' '}
              <span className="muted small-text">
                {formatBytes(a.size)} · {formatWhen(a.at)}
              </span>
              {a.internal && <span className="desk-internal-tag">{t('desk.conv.internal')}</span>}
            </li>
          ))}
        </ul>
      )}
      {progress ? (
        <div className="desk-upload">
          <ProgressBar value={progress.total ? progress.loaded / progress.total : 0} label={t('desk.files.uploading', { name: progress.name, done: formatBytes(progress.loaded), total: formatBytes(progress.total) })} />
          <button type="button" className="small" onClick={() => abort.current?.abort()}>
            {t('common.cancel')}
          </button>
        </div>
      ) : (
        <div className="desk-upload">
          <label className="button small">
            {t('desk.files.add')}
            <input ref={input} type="file" multiple className="visually-hidden" onChange={(e) => void upload(e.target.files)} data-testid="attachment-input" />
          </label>
          {staff && (
            <label className="check small-text">
              <input type="checkbox" checked={internal} onChange={(e) => setInternal(e.target.checked)} /> {t('desk.files.internal')}
            </label>
          )}
        </div>
      )}
      <DeskError error={error} />
    </section>
  );
}

// ------------------------------------------------------------------------------------ history

/** What happened, in words: known kinds get a sentence, others their kind and data. */
function eventText(t: TFunction, e: TicketEventJson, names: Map<string, string>): string {
  const d = e.data;
  const str = (k: string) => (typeof d[k] === 'string' || typeof d[k] === 'number' ? String(d[k]) : '');
  const stateWord = (k: string) => (str(k) ? t(`desk.state.${str(k)}`, { defaultValue: str(k) }) : '');
  if (e.kind.startsWith('sla.')) {
    const kind = e.kind.slice(4);
    const clock = str('clock') ? t(`desk.clock.${str('clock')}`, { defaultValue: str('clock').toUpperCase() }) : '';
    return t(`desk.event.sla.${kind}`, { defaultValue: `${clock} ${kind}`, clock, from: str('from'), to: str('to'), level: str('level') });
  }
  switch (e.kind) {
    case 'created':
      return t('desk.event.created');
    case 'state':
      return str('to') ? t('desk.event.state', { from: stateWord('from'), to: stateWord('to') }) : t('desk.event.action', { action: t(`desk.action.${str('action')}`, { defaultValue: str('action') }) });
    case 'priority':
      return t('desk.event.priority', { from: str('from'), to: str('to') }) + (str('reason') ? ` — ${str('reason')}` : '');
    case 'assigned':
      return str('to') ? t('desk.event.assigned', { name: names.get(str('to')) ?? t('desk.event.someone') }) : t('desk.event.unassigned');
    case 'group':
      return str('to') ? t('desk.event.group', { name: names.get(str('to')) ?? t('desk.event.anotherGroup') }) : t('desk.event.ungrouped');
    case 'qualified':
      return t('desk.event.qualified', { priority: str('priority') });
    case 'assets':
      return t('desk.event.assets');
    case 'watchers':
      return t('desk.event.watchers');
    case 'comment':
      return d.public === false ? t('desk.event.note') : t('desk.event.reply');
    case 'attachment':
      return t('desk.event.attachment', { name: str('filename') });
    case 'updated':
      return t('desk.event.updated', { field: t(`desk.field.${str('field')}`, { defaultValue: str('field') }) });
    default:
      return t(`desk.event.${e.kind}`, { defaultValue: e.kind });
  }
}

function History({ events, names }: { events: TicketEventJson[]; names: Map<string, string> }) {
  const { t } = useTranslation();
  // newest first; the server sends them in time order (ties in the order they were written)
  const sorted = [...events].reverse();
  return (
    <section className="box" data-testid="ticket-history">
      <div className="box-head">
        <h2>{t('desk.history.title')}</h2>
      </div>
      {sorted.length === 0 ? (
        <p className="muted">{t('desk.history.none')}</p>
      ) : (
        <ul className="history desk-history">
          {sorted.map((e) => (
            <li key={e.id} className={e.kind.startsWith('sla.') ? 'desk-ev-sla' : undefined} data-testid="history-event" data-kind={e.kind}>
              <span className="desk-ev-text">{eventText(t, e, names)}</span>
              <span className="muted small-text">
                {e.actor.name && `${e.actor.name} · `}
                <time dateTime={new Date(e.at).toISOString()} title={formatDateTime(e.at)}>
                  {formatWhen(e.at)}
                </time>
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
