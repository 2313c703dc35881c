/** On-call duty (astreinte) of a client: who is on duty now, the rota of the next 4 weeks, adding a shift or a weekly rotation, and the on-call efficiency figures. */
import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import i18next from 'i18next';
import { ApiError, api, qs } from '../api.ts';
import { useSession } from '../session.tsx';
import { formatDateTime } from '../shared/format.ts';
import { Loading, PageHead, errorText, useAction, useApiData } from '../shared/ui.tsx';
import { canWriteOncall, formatDuration, fromLocalInput, HANDOVER_DAYS, toLocalInput, type OnDuty, type RosterPerson, type Shift, type Stats } from './types.ts';

const DAY = 86_400_000;

/** The message of an error: the on-call module's own ids first, then the shared ones. */
export function oncallErrorText(t: TFunction, err: unknown): string {
  if (err instanceof ApiError && i18next.exists(`oncall.errors.${err.id}`)) return t(`oncall.errors.${err.id}`);
  return errorText(t, err);
}

function Problem({ error }: { error: unknown }) {
  const { t } = useTranslation();
  if (!error) return null;
  return (
    <div className="note note-error" role="alert">
      {oncallErrorText(t, error)}
    </div>
  );
}

export function OncallPage({ clientId }: { clientId: string }) {
  const { t } = useTranslation();
  const { session } = useSession();
  const writer = canWriteOncall(session, clientId);
  const contracts = useApiData<{ items: { id: string; name: string; status: string }[] }>(`/clients/${clientId}/contracts`);
  const now = useApiData<OnDuty>(`/clients/${clientId}/oncall/now`);
  const roster = useApiData<{ items: RosterPerson[] }>(writer ? `/clients/${clientId}/oncall/roster` : null);
  const [contractId, setContractId] = useState<string>('');
  const [days, setDays] = useState<30 | 90>(30);
  const [from] = useState(() => Date.now());

  const options = useMemo(() => {
    const list = contracts.data?.items ?? [];
    // contracts known from the rota when the contract list cannot be read
    const extra = (now.data?.contracts ?? []).filter((c) => !list.some((x) => x.id === c.contract_id)).map((c) => ({ id: c.contract_id, name: c.contract_name, status: 'active' }));
    return [...list, ...extra];
  }, [contracts.data, now.data]);
  useEffect(() => {
    if (!contractId && options.length) setContractId((options.find((c) => c.status === 'active') ?? options[0])!.id);
  }, [options, contractId]);

  const shifts = useApiData<{ items: Shift[] }>(contractId ? `/clients/${clientId}/contracts/${contractId}/oncall-shifts${qs({ from, to: from + 28 * DAY })}` : null);
  const stats = useApiData<Stats>(`/clients/${clientId}/oncall/stats${qs({ from: from - days * DAY, to: from })}`);
  const del = useAction();
  const reload = () => {
    shifts.reload();
    now.reload();
  };

  async function remove(s: Shift) {
    if (!window.confirm(t('oncall.rota.confirmDelete', { name: s.user_name }))) return;
    await del.run(() => api.del(`/clients/${clientId}/oncall-shifts/${s.id}`));
    reload();
  }

  const duty = now.data?.contracts.find((c) => c.contract_id === contractId);

  return (
    <div data-testid="oncall-page">
      <PageHead title={t('oncall.title')} sub={t('oncall.sub')}>
        {options.length > 1 && (
          <label className="field">
            <span>{t('oncall.contract')}</span>
            <select value={contractId} onChange={(e) => setContractId(e.target.value)} data-testid="oncall-contract">
              {options.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name}
                </option>
              ))}
            </select>
          </label>
        )}
      </PageHead>

      {!contracts.loading && options.length === 0 && <p className="muted">{t('oncall.noContract')}</p>}

      <section className="panel" data-testid="oncall-now">
        <h2>{t('oncall.now.title')}</h2>
        {now.loading ? (
          <Loading />
        ) : now.error ? (
          <Problem error={now.error} />
        ) : duty && duty.on_duty.length ? (
          <ol>
            {duty.on_duty.map((d) => (
              <li key={d.shift_id}>
                <span className="strong">{d.name}</span> <span className="muted">{t('oncall.now.until', { rank: d.rank, end: formatDateTime(d.ends_at) })}</span>
              </li>
            ))}
          </ol>
        ) : (
          <p className="muted">{t('oncall.now.nobody')}</p>
        )}
        {duty?.next_handover ? <p className="small-text">{t('oncall.now.nextHandover', { at: formatDateTime(duty.next_handover) })}</p> : null}
      </section>

      {contractId && (
        <section className="panel">
          <h2>{t('oncall.rota.title')}</h2>
          <Problem error={shifts.error ?? del.error} />
          {shifts.loading ? (
            <Loading />
          ) : (
            <table className="table" data-testid="oncall-rota">
              <thead>
                <tr>
                  <th>{t('oncall.rota.person')}</th>
                  <th>{t('oncall.rota.rank')}</th>
                  <th>{t('oncall.rota.start')}</th>
                  <th>{t('oncall.rota.end')}</th>
                  {writer && <th className="right">{t('oncall.rota.actions')}</th>}
                </tr>
              </thead>
              <tbody>
                {(shifts.data?.items ?? []).length === 0 && (
                  <tr>
                    <td colSpan={writer ? 5 : 4} className="empty">
                      {t('oncall.rota.none')}
                    </td>
                  </tr>
                )}
                {(shifts.data?.items ?? []).map((s) => (
                  <tr key={s.id} data-testid="oncall-shift-row">
                    <td className="strong">{s.user_name}</td>
                    <td>{s.rank}</td>
                    <td className="nowrap">{formatDateTime(s.starts_at)}</td>
                    <td className="nowrap">{formatDateTime(s.ends_at)}</td>
                    {writer && (
                      <td className="right">
                        <button type="button" className="small danger" disabled={del.busy} onClick={() => void remove(s)}>
                          {t('oncall.rota.delete')}
                        </button>
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      )}

      {writer && contractId && (
        <>
          <ShiftForm clientId={clientId} contractId={contractId} people={roster.data?.items ?? []} onDone={reload} />
          <RotationForm clientId={clientId} contractId={contractId} people={roster.data?.items ?? []} onDone={reload} />
        </>
      )}

      <section className="panel" data-testid="oncall-stats">
        <div className="box-head">
          <h2>{t('oncall.stats.title')}</h2>
          <div>
            {([30, 90] as const).map((d) => (
              <button key={d} type="button" className={d === days ? 'small primary' : 'small ghost'} onClick={() => setDays(d)}>
                {t('oncall.stats.days', { count: d })}
              </button>
            ))}
          </div>
        </div>
        {stats.loading ? (
          <Loading />
        ) : stats.error ? (
          <Problem error={stats.error} />
        ) : stats.data ? (
          <>
            <table className="table table-plain">
              <tbody>
                <tr>
                  <th>{t('oncall.stats.pages')}</th>
                  <td>{stats.data.pages}</td>
                  <th>{t('oncall.stats.acked')}</th>
                  <td>{stats.data.acked}</td>
                </tr>
                <tr>
                  <th>{t('oncall.stats.median')}</th>
                  <td>{formatDuration(stats.data.median_ack_ms)}</td>
                  <th>{t('oncall.stats.p90')}</th>
                  <td>{formatDuration(stats.data.p90_ack_ms)}</td>
                </tr>
                <tr>
                  <th>{t('oncall.stats.withinTarget')}</th>
                  <td colSpan={3}>
                    {stats.data.share_within_target === null ? '—' : `${Math.round(stats.data.share_within_target * 100)} % (${stats.data.within_target}/${stats.data.pages})`}
                  </td>
                </tr>
              </tbody>
            </table>
            {stats.data.by_person.length > 0 && (
              <table className="table">
                <thead>
                  <tr>
                    <th>{t('oncall.rota.person')}</th>
                    <th>{t('oncall.stats.pages')}</th>
                    <th>{t('oncall.stats.acked')}</th>
                    <th>{t('oncall.stats.median')}</th>
                    <th>{t('oncall.stats.withinTarget')}</th>
                  </tr>
                </thead>
                <tbody>
                  {stats.data.by_person.map((p) => (
                    <tr key={p.user_id}>
                      <td className="strong">{p.name}</td>
                      <td>{p.pages}</td>
                      <td>{p.acked}</td>
                      <td>{formatDuration(p.median_ack_ms)}</td>
                      <td>{p.share_within_target === null ? '—' : `${Math.round(p.share_within_target * 100)} %`}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </>
        ) : null}
      </section>
    </div>
  );
}

function PersonSelect({ people, value, onChange }: { people: RosterPerson[]; value: string; onChange: (v: string) => void }) {
  const { t } = useTranslation();
  return (
    <select required value={value} onChange={(e) => onChange(e.target.value)}>
      <option value="">{t('oncall.form.choose')}</option>
      {people.map((p) => (
        <option key={p.id} value={p.id}>
          {p.name || p.email}
        </option>
      ))}
    </select>
  );
}

function ShiftForm({ clientId, contractId, people, onDone }: { clientId: string; contractId: string; people: RosterPerson[]; onDone: () => void }) {
  const { t } = useTranslation();
  const [userId, setUserId] = useState('');
  const [start, setStart] = useState(() => toLocalInput(Math.ceil(Date.now() / 3_600_000) * 3_600_000));
  const [end, setEnd] = useState(() => toLocalInput(Math.ceil(Date.now() / 3_600_000) * 3_600_000 + 14 * 3_600_000));
  const [rank, setRank] = useState(0);
  const { busy, error, setError, run } = useAction();

  async function submit(e: FormEvent) {
    e.preventDefault();
    const s = fromLocalInput(start), en = fromLocalInput(end);
    if (s === null || en === null) return setError(new ApiError(400, 'bad_range', t('oncall.errors.bad_range')));
    const r = await run(() => api.post<Shift>(`/clients/${clientId}/contracts/${contractId}/oncall-shifts`, { user_id: userId, starts_at: s, ends_at: en, rank }));
    if (r) onDone();
  }

  return (
    <form className="panel" onSubmit={submit} data-testid="oncall-shift-form">
      <div className="inline-form">
        <span className="inline-title">{t('oncall.form.newShift')}</span>
        <label className="field grow">
          <span>{t('oncall.rota.person')} *</span>
          <PersonSelect people={people} value={userId} onChange={setUserId} />
        </label>
        <label className="field">
          <span>{t('oncall.rota.start')}</span>
          <input type="datetime-local" required value={start} onChange={(e) => setStart(e.target.value)} />
        </label>
        <label className="field">
          <span>{t('oncall.rota.end')}</span>
          <input type="datetime-local" required value={end} onChange={(e) => setEnd(e.target.value)} />
        </label>
        <label className="field w-num">
          <span>{t('oncall.rota.rank')}</span>
          <input type="number" min={0} max={9} value={rank} onChange={(e) => setRank(Number(e.target.value))} />
        </label>
        <button type="submit" className="primary" disabled={busy}>
          {t('oncall.form.add')}
        </button>
      </div>
      <Problem error={error} />
    </form>
  );
}

function RotationForm({ clientId, contractId, people, onDone }: { clientId: string; contractId: string; people: RosterPerson[]; onDone: () => void }) {
  const { t } = useTranslation();
  const [chosen, setChosen] = useState<string[]>([]);
  const [from, setFrom] = useState(() => new Date().toISOString().slice(0, 10));
  const [weeks, setWeeks] = useState(4);
  const [day, setDay] = useState<(typeof HANDOVER_DAYS)[number]>('mon');
  const [time, setTime] = useState('09:00');
  const [zone, setZone] = useState('Europe/Paris');
  const [created, setCreated] = useState<number | null>(null);
  const { busy, error, run } = useAction();

  const toggle = (id: string) => setChosen((c) => (c.includes(id) ? c.filter((x) => x !== id) : [...c, id]));

  async function submit(e: FormEvent) {
    e.preventDefault();
    setCreated(null);
    const r = await run(() =>
      api.post<{ items: Shift[] }>(`/clients/${clientId}/contracts/${contractId}/oncall-shifts/rotation`, {
        user_ids: chosen, from, weeks, handover_day: day, handover_time: time, time_zone: zone,
      }),
    );
    if (r) {
      setCreated(r.items.length);
      onDone();
    }
  }

  return (
    <form className="panel" onSubmit={submit} data-testid="oncall-rotation-form">
      <h2>{t('oncall.form.rotation')}</h2>
      <p className="muted small-text">{t('oncall.form.rotationHint')}</p>
      <div className="stack">
        {people.map((p) => (
          <label key={p.id} className="check">
            <input type="checkbox" checked={chosen.includes(p.id)} onChange={() => toggle(p.id)} />
            {p.name || p.email}
            {chosen.includes(p.id) && <span className="tag">{chosen.indexOf(p.id) + 1}</span>}
          </label>
        ))}
      </div>
      <div className="inline-form">
        <label className="field">
          <span>{t('oncall.form.from')}</span>
          <input type="date" required value={from} onChange={(e) => setFrom(e.target.value)} />
        </label>
        <label className="field w-num">
          <span>{t('oncall.form.weeks')}</span>
          <input type="number" min={1} max={52} required value={weeks} onChange={(e) => setWeeks(Number(e.target.value))} />
        </label>
        <label className="field">
          <span>{t('oncall.form.handoverDay')}</span>
          <select value={day} onChange={(e) => setDay(e.target.value as (typeof HANDOVER_DAYS)[number])}>
            {HANDOVER_DAYS.map((d) => (
              <option key={d} value={d}>
                {t(`oncall.days.${d}`)}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>{t('oncall.form.handoverTime')}</span>
          <input type="time" required value={time} onChange={(e) => setTime(e.target.value)} />
        </label>
        <label className="field">
          <span>{t('oncall.form.timeZone')}</span>
          <input required value={zone} onChange={(e) => setZone(e.target.value)} />
        </label>
        <button type="submit" className="primary" disabled={busy || chosen.length === 0}>
          {t('oncall.form.createRotation')}
        </button>
      </div>
      {created !== null && <p className="ok">{t('oncall.form.created', { count: created })}</p>}
      <Problem error={error} />
    </form>
  );
}
