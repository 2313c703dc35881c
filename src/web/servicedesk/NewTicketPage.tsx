/**
 * Opening a ticket: type, title, description, impact and urgency in words, the assets concerned,
 * a category. Provider staff also set the priority directly, the requester (a user of the client,
 * or a caller without an account), the assignee and the group.
 */
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api.ts';
import { Link, navigate } from '../router.tsx';
import { useSession } from '../session.tsx';
import { PageHead, useAction } from '../shared/ui.tsx';
import { DeskError, staffOn } from './common.tsx';
import { AssetsPicker, usePeople, type PickedAsset } from './pickers.tsx';
import { LEVELS, PRIORITIES, TICKET_TYPES, type TicketJson, type TicketType } from './types.ts';

interface Draft {
  type: TicketType;
  title: string;
  description: string;
  category: string;
  impact: number;
  urgency: number;
  assets: PickedAsset[];
  priority: string;
  /** '' = me, 'other' = a caller without an account, else a user id */
  requester: string;
  requester_name: string;
  requester_email: string;
  assignee: string;
  group: string;
}

export function NewTicketPage({ clientId }: { clientId: string }) {
  const { t } = useTranslation();
  const { session } = useSession();
  const staff = staffOn(session, clientId);
  const people = usePeople(clientId, staff);
  const { busy, error, run } = useAction();
  const [d, setD] = useState<Draft>({
    type: 'incident',
    title: '',
    description: '',
    category: '',
    impact: 4,
    urgency: 3,
    assets: [],
    priority: '',
    requester: '',
    requester_name: '',
    requester_email: '',
    assignee: '',
    group: '',
  });
  const set = <K extends keyof Draft>(k: K, v: Draft[K]) => setD((x) => ({ ...x, [k]: v }));
  const back = `/clients/${clientId}/tickets`;

  async function submit(e: FormEvent) {
    e.preventDefault();
    const body: Record<string, unknown> = {
      type: d.type,
      title: d.title.trim(),
      description: d.description,
      category: d.category.trim(),
      impact: d.impact,
      urgency: d.urgency,
      asset_ids: d.assets.map((a) => a.id),
    };
    if (staff) {
      if (d.priority) body.priority = Number(d.priority);
      if (d.requester === 'other') {
        if (d.requester_email.trim()) body.requester_email = d.requester_email.trim();
        if (d.requester_name.trim()) body.requester_name = d.requester_name.trim();
        body.source = 'phone';
      } else if (d.requester) body.requester_user_id = d.requester;
      if (d.assignee) body.assignee_user_id = d.assignee;
      if (d.group) body.group_id = d.group;
    }
    const created = await run(() => api.post<TicketJson>(`/clients/${clientId}/tickets`, body));
    if (created) navigate(`/clients/${clientId}/tickets/${created.id}`);
  }

  return (
    <div className="desk-new">
      <div className="breadcrumb">
        <Link to={back}>← {t('desk.queue.title')}</Link>
      </div>
      <PageHead title={t('desk.form.title')} sub={t('desk.form.sub')} />
      <form onSubmit={submit} className="box form-grid form-grid-3" data-testid="ticket-form">
        <label className="field">
          <span>{t('desk.ticket.type')}</span>
          <select value={d.type} onChange={(e) => set('type', e.target.value as TicketType)} data-testid="ticket-type">
            {TICKET_TYPES.map((x) => (
              <option key={x} value={x}>
                {t(`desk.type.${x}`)}
              </option>
            ))}
          </select>
        </label>
        <label className="field span-2">
          <span>{t('desk.form.titleLabel')}</span>
          <input required maxLength={300} value={d.title} onChange={(e) => set('title', e.target.value)} placeholder={t('desk.form.titlePlaceholder')} data-testid="ticket-title" autoFocus />
        </label>
        <label className="field span-all">
          <span>{t('desk.form.description')}</span>
          <textarea rows={6} maxLength={50_000} value={d.description} onChange={(e) => set('description', e.target.value)} placeholder={t('desk.form.descriptionPlaceholder')} data-testid="ticket-description" />
        </label>
        <label className="field">
          <span>{t('desk.form.impact')}</span>
          <select value={d.impact} onChange={(e) => set('impact', Number(e.target.value))} data-testid="ticket-impact">
            {LEVELS.map((l) => (
              <option key={l} value={l}>
                {t(`desk.impact.${l}`)}
              </option>
            ))}
          </select>
          <span className="field-hint">{t('desk.form.impactHint')}</span>
        </label>
        <label className="field">
          <span>{t('desk.form.urgency')}</span>
          <select value={d.urgency} onChange={(e) => set('urgency', Number(e.target.value))} data-testid="ticket-urgency">
            {LEVELS.map((l) => (
              <option key={l} value={l}>
                {t(`desk.urgency.${l}`)}
              </option>
            ))}
          </select>
          <span className="field-hint">{t('desk.form.urgencyHint')}</span>
        </label>
        <label className="field">
          <span>{t('desk.ticket.category')}</span>
          <input maxLength={100} value={d.category} onChange={(e) => set('category', e.target.value)} list="desk-categories" placeholder={t('desk.form.categoryPlaceholder')} data-testid="ticket-category" />
          <datalist id="desk-categories">
            {(['network', 'email', 'printing', 'workstation', 'application', 'access', 'telephony', 'other'] as const).map((c) => (
              <option key={c} value={t(`desk.categories.${c}`)} />
            ))}
          </datalist>
        </label>
        <div className="field span-all">
          <span>{t('desk.ticket.assets')}</span>
          <AssetsPicker clientId={clientId} value={d.assets} onChange={(v) => set('assets', v)} testId="ticket-assets" />
        </div>

        {staff && (
          <fieldset className="subgroup span-all desk-staff-fields">
            <legend>{t('desk.form.staffOnly')}</legend>
            <div className="form-grid form-grid-3">
              <label className="field">
                <span>{t('desk.ticket.priority')}</span>
                <select value={d.priority} onChange={(e) => set('priority', e.target.value)} data-testid="ticket-priority">
                  <option value="">{t('desk.form.priorityComputed')}</option>
                  {PRIORITIES.map((p) => (
                    <option key={p} value={p}>
                      P{p} — {t(`desk.priorityName.${p}`)}
                    </option>
                  ))}
                </select>
              </label>
              <label className="field">
                <span>{t('desk.ticket.requester')}</span>
                <select value={d.requester} onChange={(e) => set('requester', e.target.value)} data-testid="ticket-requester">
                  <option value="">{t('desk.form.requesterMe')}</option>
                  {people.clientUsers.map((u) => (
                    <option key={u.id} value={u.id}>
                      {u.name || u.email}
                    </option>
                  ))}
                  <option value="other">{t('desk.form.requesterOther')}</option>
                </select>
              </label>
              {d.requester === 'other' ? (
                <div className="field desk-pair">
                  <span>{t('desk.form.caller')}</span>
                  <input maxLength={200} value={d.requester_name} onChange={(e) => set('requester_name', e.target.value)} placeholder={t('desk.form.callerName')} aria-label={t('desk.form.callerName')} />
                  <input type="email" maxLength={320} value={d.requester_email} onChange={(e) => set('requester_email', e.target.value)} placeholder={t('desk.form.callerEmail')} aria-label={t('desk.form.callerEmail')} />
                </div>
              ) : (
                <span />
              )}
              <label className="field">
                <span>{t('desk.ticket.assignee')}</span>
                <select value={d.assignee} onChange={(e) => set('assignee', e.target.value)} data-testid="ticket-assignee">
                  <option value="">{t('desk.ticket.nobody')}</option>
                  {!people.staffUsers.some((u) => u.id === session.user.id) && <option value={session.user.id}>{t('desk.form.me', { name: session.user.name || session.user.email })}</option>}
                  {people.staffUsers.map((u) => (
                    <option key={u.id} value={u.id}>
                      {u.name || u.email}
                    </option>
                  ))}
                </select>
              </label>
              <label className="field">
                <span>{t('desk.ticket.group')}</span>
                <select value={d.group} onChange={(e) => set('group', e.target.value)} data-testid="ticket-group">
                  <option value="">{t('desk.ticket.noGroup')}</option>
                  {people.groups.map((g) => (
                    <option key={g.id} value={g.id}>
                      {g.name}
                    </option>
                  ))}
                </select>
              </label>
            </div>
          </fieldset>
        )}

        <div className="span-all">
          <DeskError error={error} />
        </div>
        <div className="form-actions span-all">
          <button type="submit" className="primary" disabled={busy || !d.title.trim()} data-testid="ticket-submit">
            {busy ? t('desk.form.creating') : t('desk.form.create')}
          </button>
          <Link to={back} className="button">
            {t('common.cancel')}
          </Link>
        </div>
      </form>
    </div>
  );
}
