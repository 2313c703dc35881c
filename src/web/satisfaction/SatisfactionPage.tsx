/** A client's satisfaction: average, response rate, distribution, per month, per technician, recent answers. */
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { qs } from '../api.ts';
import { intlLocale } from '../i18n/index.ts';
import { Link } from '../router.tsx';
import { formatDateTime, formatNumber } from '../shared/format.ts';
import { ErrorNote, Loading, PageHead, useApiData } from '../shared/ui.tsx';
import { SCORES, type SatisfactionJson } from './types.ts';
import './satisfaction.css';

const PERIODS = [3, 6, 12, 24] as const;
const DAY = 86_400_000;

function Bar({ value, max, cls }: { value: number; max: number; cls?: string }) {
  return (
    <div className="sat-bar" aria-hidden="true">
      <div className={`sat-bar-fill${cls ? ` ${cls}` : ''}`} style={{ width: `${max > 0 ? Math.round((value / max) * 100) : 0}%` }} />
    </div>
  );
}

const avg = (x: number | null) => (x === null ? '—' : new Intl.NumberFormat(intlLocale(), { maximumFractionDigits: 2, minimumFractionDigits: 1 }).format(x));

function monthLabel(m: string): string {
  const [y, mo] = m.split('-').map(Number);
  return new Intl.DateTimeFormat(intlLocale(), { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(Date.UTC(y!, mo! - 1, 1));
}

export function SatisfactionPage({ clientId }: { clientId: string }) {
  const { t } = useTranslation();
  const [months, setMonths] = useState<(typeof PERIODS)[number]>(12);
  // Whole minutes, so the address (and the data) does not change at each render.
  const to = useMemo(() => Math.ceil(Date.now() / 60_000) * 60_000, []);
  const from = to - Math.round(months * 30.44) * DAY;
  const res = useApiData<SatisfactionJson>(`/clients/${clientId}/satisfaction${qs({ from, to })}`);
  const d = res.data;
  const maxDist = d ? Math.max(...SCORES.map((s) => d.distribution[String(s) as '1'])) : 0;

  return (
    <div>
      <PageHead title={t('satisfaction.title')} sub={t('satisfaction.sub')}>
        <label className="field-inline">
          <span>{t('satisfaction.period')}</span>
          <select value={months} onChange={(e) => setMonths(Number(e.target.value) as (typeof PERIODS)[number])} data-testid="sat-period">
            {PERIODS.map((p) => (
              <option key={p} value={p}>
                {t('satisfaction.lastMonths', { n: p })}
              </option>
            ))}
          </select>
        </label>
      </PageHead>
      <ErrorNote error={res.error} />
      {res.loading && !d ? (
        <Loading />
      ) : d ? (
        <>
          <div className="sat-figures" data-testid="sat-figures">
            <div className="sat-figure">
              <div className="muted">{t('satisfaction.average')}</div>
              <div className="sat-value" data-testid="sat-average">
                {avg(d.average)}
                {d.average !== null && <span className="muted small-text"> / 5</span>}
              </div>
            </div>
            <div className="sat-figure">
              <div className="muted">{t('satisfaction.responseRate')}</div>
              <div className="sat-value">{d.sent ? `${Math.round(d.response_rate * 100)} %` : '—'}</div>
            </div>
            <div className="sat-figure">
              <div className="muted">{t('satisfaction.answered')}</div>
              <div className="sat-value">{formatNumber(d.answered)}</div>
            </div>
            <div className="sat-figure">
              <div className="muted">{t('satisfaction.sent')}</div>
              <div className="sat-value">{formatNumber(d.sent)}</div>
            </div>
          </div>
          {d.sent === 0 ? (
            <p className="muted">{t('satisfaction.none')}</p>
          ) : (
            <>
              <section className="box">
                <div className="box-head">
                  <h2>{t('satisfaction.distribution')}</h2>
                </div>
                {[...SCORES].reverse().map((s) => {
                  const n = d.distribution[String(s) as '1'];
                  return (
                    <div key={s} className="sat-bar-row" data-testid="sat-dist-row">
                      <span title={t(`satisfaction.scores.${s}`)}>{'★'.repeat(s)}</span>
                      <Bar value={n} max={maxDist} cls={`s${s}`} />
                      <span className="right">{n}</span>
                    </div>
                  );
                })}
              </section>
              <section className="box">
                <div className="box-head">
                  <h2>{t('satisfaction.byMonth')}</h2>
                </div>
                <table className="table table-plain">
                  <thead>
                    <tr>
                      <th>{t('satisfaction.month')}</th>
                      <th className="right">{t('satisfaction.answered')}</th>
                      <th className="right">{t('satisfaction.average')}</th>
                      <th style={{ width: '40%' }} />
                    </tr>
                  </thead>
                  <tbody>
                    {d.by_month.map((m) => (
                      <tr key={m.month}>
                        <td>{monthLabel(m.month)}</td>
                        <td className="right">{m.answered}</td>
                        <td className="right strong">{avg(m.average)}</td>
                        <td>
                          <Bar value={m.average} max={5} cls={`s${Math.round(m.average)}`} />
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </section>
              <section className="box">
                <div className="box-head">
                  <h2>{t('satisfaction.byTechnician')}</h2>
                </div>
                <table className="table table-plain">
                  <thead>
                    <tr>
                      <th>{t('satisfaction.technician')}</th>
                      <th className="right">{t('satisfaction.answered')}</th>
                      <th className="right">{t('satisfaction.average')}</th>
                      <th style={{ width: '40%' }} />
                    </tr>
                  </thead>
                  <tbody>
                    {d.by_technician.map((x) => (
                      <tr key={x.user_id ?? 'none'} data-testid="sat-tech-row">
                        <td>{x.user_id ? x.name : <span className="muted">{t('satisfaction.unassigned')}</span>}</td>
                        <td className="right">{x.answered}</td>
                        <td className="right strong">{avg(x.average)}</td>
                        <td>
                          <Bar value={x.average} max={5} cls={`s${Math.round(x.average)}`} />
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </section>
              <section className="box">
                <div className="box-head">
                  <h2>{t('satisfaction.recent')}</h2>
                </div>
                {d.recent.length === 0 ? (
                  <p className="muted">{t('satisfaction.noAnswers')}</p>
                ) : (
                  <table className="table table-plain">
                    <thead>
                      <tr>
                        <th>{t('satisfaction.ticket')}</th>
                        <th>{t('satisfaction.score')}</th>
                        <th>{t('satisfaction.comment')}</th>
                        <th>{t('satisfaction.answeredAt')}</th>
                      </tr>
                    </thead>
                    <tbody>
                      {d.recent.map((r) => (
                        <tr key={r.ticket_id} data-testid="sat-recent-row">
                          <td className="nowrap">
                            <Link to={`/clients/${clientId}/tickets/${r.ticket_id}`}>{r.ref}</Link>
                          </td>
                          <td className="nowrap" title={t(`satisfaction.scores.${r.score}`)}>
                            {r.score} / 5
                          </td>
                          <td>{r.comment ?? <span className="muted">—</span>}</td>
                          <td className="nowrap small-text">{formatDateTime(r.answered_at)}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                )}
              </section>
            </>
          )}
        </>
      ) : null}
    </div>
  );
}
