/**
 * The public survey page (no login: the token in the address is the credential). The score of the
 * e-mail's link (`?score=n`) is recorded on load; five big buttons change it, a comment may be
 * added, and the page thanks the requester. In the requester's language unless one was chosen.
 */
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, api } from '../api.ts';
import { currentLang, setLang } from '../i18n/index.ts';
import { navigate, useLocation } from '../router.tsx';
import { formatDateTime } from '../shared/format.ts';
import { Loading } from '../shared/ui.tsx';
import { SCORES, type PublicSurveyJson } from './types.ts';
import './satisfaction.css';

type State = { kind: 'loading' } | { kind: 'ready'; survey: PublicSurveyJson } | { kind: 'error'; error: unknown };

export function SurveyPage({ token }: { token: string }) {
  const { t } = useTranslation();
  const loc = useLocation();
  const [state, setState] = useState<State>({ kind: 'loading' });
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState<'score' | 'comment' | null>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const started = useRef(false);
  const path = `/surveys/${encodeURIComponent(token)}`;

  useEffect(() => {
    if (started.current) return;
    started.current = true;
    const wanted = Number(loc.search.get('score'));
    const score = Number.isInteger(wanted) && wanted >= 1 && wanted <= 5 ? wanted : null;
    void (async () => {
      try {
        let survey = await api.get<PublicSurveyJson>(path);
        // The requester's language, unless they chose one on this device.
        let chosen: string | null = null;
        try {
          chosen = localStorage.getItem('vigie.lang');
        } catch {
          chosen = null;
        }
        if (!chosen && survey.locale !== currentLang()) await setLang(survey.locale);
        if (score !== null && survey.open) {
          survey = await api.post<PublicSurveyJson>(path, { score });
          setSaved('score');
        }
        // A reload must not record the link's score over a later change.
        if (score !== null) navigate(`/survey/${encodeURIComponent(token)}`, { replace: true });
        setComment(survey.comment ?? '');
        setState({ kind: 'ready', survey });
      } catch (e) {
        setState({ kind: 'error', error: e });
      }
    })();
  }, [loc.search, path, token]);

  async function send(body: { score: number; comment?: string }, what: 'score' | 'comment') {
    setBusy(true);
    setActionError(null);
    try {
      const survey = await api.post<PublicSurveyJson>(path, body);
      setState({ kind: 'ready', survey });
      setSaved(what);
    } catch (e) {
      setActionError(e);
    } finally {
      setBusy(false);
    }
  }

  const lang = currentLang();
  const langButton = (
    <button type="button" className="small ghost survey-lang" onClick={() => void setLang(lang === 'fr' ? 'en' : 'fr')} lang={lang === 'fr' ? 'en' : 'fr'} data-testid="survey-lang">
      {lang === 'fr' ? 'English' : 'Français'}
    </button>
  );

  if (state.kind === 'loading') return <Loading />;
  if (state.kind === 'error') {
    const id = state.error instanceof ApiError ? state.error.id : '';
    return (
      <div className="center-page">
        <div className="card survey-page" data-testid="survey-error">
          {langButton}
          <h1>{t('satisfaction.survey.title')}</h1>
          <p>{id === 'unknown_survey' || id === 'validation_failed' ? t('satisfaction.survey.unknown') : id === 'rate_limited' ? t('satisfaction.survey.rateLimited') : t('satisfaction.survey.failed')}</p>
        </div>
      </div>
    );
  }

  const s = state.survey;
  function submitComment(e: FormEvent) {
    e.preventDefault();
    if (s.score === null) return;
    void send({ score: s.score, comment }, 'comment');
  }
  const closed = !s.open || (actionError instanceof ApiError && actionError.id === 'survey_closed');

  return (
    <div className="center-page">
      <div className="card survey-page" data-testid="survey-page">
        {langButton}
        <div className="muted">{s.client_name}</div>
        <h1>{t('satisfaction.survey.title')}</h1>
        <p>
          <strong>{s.ticket_ref}</strong> — {s.title}
        </p>
        {s.score !== null && (
          <div className="note note-ok" role="status" data-testid="survey-thanks">
            {saved === 'comment' ? t('satisfaction.survey.thanksComment') : t('satisfaction.survey.thanks')}
          </div>
        )}
        {closed ? (
          <p className="note note-warn" data-testid="survey-closed">
            {t('satisfaction.survey.closed')}
          </p>
        ) : (
          <>
            <p>{s.score === null ? t('satisfaction.survey.question') : t('satisfaction.survey.change')}</p>
            <div className="survey-scores" role="group" aria-label={t('satisfaction.survey.question')}>
              {SCORES.map((n) => (
                <button
                  key={n}
                  type="button"
                  className={s.score === n ? 'survey-score selected primary' : 'survey-score'}
                  aria-pressed={s.score === n}
                  disabled={busy}
                  onClick={() => void send({ score: n }, 'score')}
                  data-testid={`survey-score-${n}`}
                >
                  <span className="survey-digit">{n}</span>
                  <small>{t(`satisfaction.scores.${n}`)}</small>
                </button>
              ))}
            </div>
            {s.score !== null && (
              <form onSubmit={submitComment} className="stack">
                <label className="field">
                  <span>{t('satisfaction.survey.comment')}</span>
                  <textarea rows={4} maxLength={2000} value={comment} onChange={(e) => setComment(e.target.value)} data-testid="survey-comment" />
                </label>
                <div className="form-actions">
                  <button type="submit" className="primary" disabled={busy} data-testid="survey-send">
                    {t('satisfaction.survey.send')}
                  </button>
                </div>
              </form>
            )}
            <p className="muted small-text">{t('satisfaction.survey.until', { date: formatDateTime(s.closes_at) })}</p>
          </>
        )}
        {actionError !== null && !closed && (
          <div className="note note-error" role="alert">
            {t('satisfaction.survey.failed')}
          </div>
        )}
      </div>
    </div>
  );
}
