/** The page behind a page's acknowledgement link: reachable without signing in (the token in the address is the credential). */
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api.ts';
import { formatDateTime } from '../shared/format.ts';
import { Loading, useAction } from '../shared/ui.tsx';
import { oncallErrorText } from './OncallPage.tsx';
import type { PageView } from './types.ts';

export function OncallAckPage({ token }: { token: string }) {
  const { t } = useTranslation();
  const [page, setPage] = useState<PageView | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const ack = useAction();
  const path = `/oncall/ack/${encodeURIComponent(token)}`;

  useEffect(() => {
    let live = true;
    api.get<PageView>(path).then(
      (p) => live && setPage(p),
      (e: unknown) => live && setLoadError(e),
    );
    return () => {
      live = false;
    };
  }, [path]);

  async function acknowledge() {
    const r = await ack.run(() => api.post<PageView>(path));
    if (r) setPage(r);
  }

  return (
    <div className="center-page">
      <div className="card" data-testid="oncall-ack">
        <h1>{t('oncall.ack.title')}</h1>
        {loadError ? (
          <div className="note note-error" role="alert">
            {oncallErrorText(t, loadError)}
          </div>
        ) : !page ? (
          <Loading />
        ) : (
          <>
            <p>
              <span className="strong">
                {page.ticket.ref} · P{page.ticket.priority}
              </span>{' '}
              — {page.ticket.title}
            </p>
            <p className="muted small-text">
              {t('oncall.ack.details', { client: page.client.name, person: page.person.name, level: page.level, at: formatDateTime(page.paged_at) })}
            </p>
            {page.acked_at ? (
              <p className="ok" data-testid="oncall-ack-done">
                {t('oncall.ack.done', { at: formatDateTime(page.acked_at) })}
              </p>
            ) : (
              <button type="button" className="primary" disabled={ack.busy} onClick={() => void acknowledge()} data-testid="oncall-ack-button">
                {t('oncall.ack.button')}
              </button>
            )}
            {ack.error ? (
              <div className="note note-error" role="alert">
                {oncallErrorText(t, ack.error)}
              </div>
            ) : null}
            <p className="small-text">
              <a href={`/clients/${page.client.id}/tickets/${page.ticket.id}`}>{t('oncall.ack.openTicket')}</a>
            </p>
          </>
        )}
      </div>
    </div>
  );
}
