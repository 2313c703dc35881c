/**
 * A ticket's satisfaction survey, for the ticket page: planned (when it goes out), sent, or the
 * answer (score and comment). Renders nothing when the ticket has no survey or it cannot be read.
 * Usage: <TicketSurveyBox clientId={…} ticketId={…} />
 */
import { useTranslation } from 'react-i18next';
import { formatDateTime } from '../shared/format.ts';
import { useApiData } from '../shared/ui.tsx';
import type { TicketSurveyJson } from './types.ts';

export function TicketSurveyBox({ clientId, ticketId }: { clientId: string; ticketId: string }) {
  const { t } = useTranslation();
  const s = useApiData<TicketSurveyJson>(`/clients/${clientId}/tickets/${ticketId}/survey`).data;
  if (!s || s.status === 'none') return null;
  return (
    <section className="box" data-testid="ticket-survey">
      <div className="box-head">
        <h2>{t('satisfaction.ticket_box.title')}</h2>
      </div>
      {s.status === 'planned' && <p className="muted">{t('satisfaction.ticket_box.planned', { date: formatDateTime(s.send_at) })}</p>}
      {s.status === 'sent' && <p className="muted">{t('satisfaction.ticket_box.sent', { date: formatDateTime(s.sent_at) })}</p>}
      {s.status === 'answered' && (
        <>
          <p>
            <strong>{s.score} / 5</strong> — {t(`satisfaction.scores.${s.score}`)}{' '}
            <span className="muted small-text">({formatDateTime(s.answered_at)})</span>
          </p>
          {s.comment && <blockquote className="pre">{s.comment}</blockquote>}
        </>
      )}
    </section>
  );
}
