/**
 * Problems of a client: assets whose incidents recur (over the contract's threshold in 30 days),
 * with a button that opens a problem linking those incidents, and the open problems.
 */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { LinkedTicketJson, ProblemJson, RecurringAssetJson } from '../../modules/problems/schema.ts';
import { api } from '../api.ts';
import { Link } from '../router.tsx';
import { useSession } from '../session.tsx';
import { formatDateTime } from '../shared/format.ts';
import { ErrorNote, Loading, PageHead, useAction, useApiData } from '../shared/ui.tsx';
import { canOpenProblems } from '../satisfaction/types.ts';

export function ProblemsPage({ clientId }: { clientId: string }) {
  const { t } = useTranslation();
  const { session } = useSession();
  const writer = canOpenProblems(session, clientId);
  const base = `/clients/${clientId}/problems`;
  const recurring = useApiData<{ threshold: number; window_days: number; items: RecurringAssetJson[] }>(`${base}/recurring`);
  const problems = useApiData<{ items: ProblemJson[] }>(base);
  const action = useAction();
  const [opened, setOpened] = useState<ProblemJson | null>(null);

  async function open(r: RecurringAssetJson) {
    const title = window.prompt(t('problems.titlePrompt'), t('problems.defaultTitle', { asset: r.asset_name }));
    if (title === null) return;
    const res = await action.run(() =>
      api.post<ProblemJson>(base, { asset_id: r.asset_id, incident_ids: r.ticket_ids, ...(title.trim() ? { title: title.trim() } : {}) }),
    );
    if (res) {
      setOpened(res);
      recurring.reload();
      problems.reload();
    }
  }

  const rec = recurring.data;
  return (
    <div>
      <PageHead title={t('problems.title')} sub={t('problems.sub')} />
      {opened && (
        <div className="note note-ok" role="status" data-testid="problem-opened">
          {t('problems.opened', { ref: opened.ref })}{' '}
          <Link to={`/clients/${clientId}/tickets/${opened.id}`}>{t('problems.view')}</Link>
        </div>
      )}
      <ErrorNote error={action.error} />
      <section className="box">
        <div className="box-head">
          <h2>{t('problems.recurring')}</h2>
          {rec && <span className="muted small-text">{t('problems.rule', { threshold: rec.threshold, days: rec.window_days })}</span>}
        </div>
        <ErrorNote error={recurring.error} />
        {recurring.loading && !rec ? (
          <Loading />
        ) : !rec || rec.items.length === 0 ? (
          <p className="muted">{t('problems.noneRecurring')}</p>
        ) : (
          <table className="table table-plain">
            <thead>
              <tr>
                <th>{t('problems.asset')}</th>
                <th className="right">{t('problems.incidents30')}</th>
                <th>{t('problems.last')}</th>
                <th>{t('problems.problem')}</th>
                {writer && <th className="right">{t('common.actions')}</th>}
              </tr>
            </thead>
            <tbody>
              {rec.items.map((r) => (
                <tr key={r.asset_id} data-testid="recurring-row">
                  <td className="strong">
                    <Link to={`/clients/${clientId}/assets/${r.asset_id}`}>{r.asset_name}</Link>
                  </td>
                  <td className="right">{r.incidents}</td>
                  <td className="nowrap small-text">{formatDateTime(r.last_at)}</td>
                  <td>
                    {r.problem_id ? (
                      <Link to={`/clients/${clientId}/tickets/${r.problem_id}`}>{problems.data?.items.find((p) => p.id === r.problem_id)?.ref ?? t('problems.linked')}</Link>
                    ) : (
                      <span className="muted">—</span>
                    )}
                  </td>
                  {writer && (
                    <td className="right nowrap">
                      {r.problem_id === null && (
                        <button type="button" className="small primary" disabled={action.busy} onClick={() => void open(r)} data-testid="open-problem">
                          {t('problems.open')}
                        </button>
                      )}
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section className="box">
        <div className="box-head">
          <h2>{t('problems.openProblems')}</h2>
        </div>
        <ErrorNote error={problems.error} />
        {problems.loading && !problems.data ? (
          <Loading />
        ) : (problems.data?.items.length ?? 0) === 0 ? (
          <p className="muted">{t('problems.noneOpen')}</p>
        ) : (
          <table className="table table-plain">
            <thead>
              <tr>
                <th>{t('problems.ref')}</th>
                <th>{t('problems.titleCol')}</th>
                <th>{t('problems.asset')}</th>
                <th className="right">{t('problems.linkedIncidents')}</th>
                <th>{t('problems.state')}</th>
                <th>{t('problems.created')}</th>
              </tr>
            </thead>
            <tbody>
              {problems.data!.items.map((p) => (
                <ProblemRow key={p.id} clientId={clientId} problem={p} />
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}

function ProblemRow({ clientId, problem: p }: { clientId: string; problem: ProblemJson }) {
  const { t } = useTranslation();
  const [shown, setShown] = useState(false);
  const incidents = useApiData<{ items: LinkedTicketJson[] }>(shown ? `/clients/${clientId}/problems/${p.id}/incidents` : null);
  return (
    <>
      <tr data-testid="problem-row">
        <td className="nowrap">
          <Link to={`/clients/${clientId}/tickets/${p.id}`}>{p.ref}</Link>
        </td>
        <td>{p.title}</td>
        <td>{p.assets.map((a) => a.name).join(', ') || <span className="muted">—</span>}</td>
        <td className="right">
          <button type="button" className="small ghost" onClick={() => setShown((x) => !x)} aria-expanded={shown}>
            {p.incidents} {shown ? '▴' : '▾'}
          </button>
        </td>
        <td>{t(`problems.states.${p.state}`, { defaultValue: p.state })}</td>
        <td className="nowrap small-text">{formatDateTime(p.created_at)}</td>
      </tr>
      {shown && (
        <tr>
          <td />
          <td colSpan={5}>
            <ErrorNote error={incidents.error} />
            {incidents.loading && !incidents.data ? (
              <Loading />
            ) : (
              <ul className="plain-list">
                {(incidents.data?.items ?? []).map((i) => (
                  <li key={i.id}>
                    <Link to={`/clients/${clientId}/tickets/${i.id}`}>{i.ref}</Link>{' '}
                    {i.title} <span className="muted small-text">· {t(`problems.states.${i.state}`, { defaultValue: i.state })} · {formatDateTime(i.created_at)}</span>
                  </li>
                ))}
              </ul>
            )}
          </td>
        </tr>
      )}
    </>
  );
}
