/** Loads the session, then shows the login steps or the signed-in app and its routes. */
import { lazy, Suspense, useCallback, useEffect, useMemo, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, api, onUnauthenticated, setCsrfToken } from './api.ts';
import { matchPath, navigate, useLocation } from './router.tsx';
import { isProviderAdmin, SessionContext, type Session } from './session.tsx';
import { Layout } from './shared/Layout.tsx';
import { ErrorNote, Loading } from './shared/ui.tsx';
import { LoginPage, type LoginStage } from './auth/LoginPage.tsx';
import { ClientsPage } from './tenancy/ClientsPage.tsx';
import { UsersPage } from './tenancy/UsersPage.tsx';
import { StaffPage } from './tenancy/StaffPage.tsx';
import { TokensPage } from './tenancy/TokensPage.tsx';
import { SitesPage } from './inventory/SitesPage.tsx';
import { AssetsPage } from './inventory/AssetsPage.tsx';
import { AssetDetailPage } from './inventory/AssetDetailPage.tsx';
import { JournalPage } from './journal/JournalPage.tsx';
import { BoardPage } from './monitoring/BoardPage.tsx';
import { ChecksPage } from './monitoring/ChecksPage.tsx';
import { MaintenancePage } from './monitoring/MaintenancePage.tsx';
import { CollectorsPage } from './monitoring/CollectorsPage.tsx';
import { AlertsPage } from './monitoring/AlertsPage.tsx';
import { OncallPage } from './oncall/OncallPage.tsx';
import { OncallAckPage } from './oncall/OncallAckPage.tsx';
import { ContractsPage } from './contracts/ContractsPage.tsx';
import { ContractEditor } from './contracts/ContractEditor.tsx';
import { QueuePage } from './servicedesk/QueuePage.tsx';
import { NewTicketPage } from './servicedesk/NewTicketPage.tsx';
import { TicketPage } from './servicedesk/TicketPage.tsx';
import { SurveyPage } from './satisfaction/SurveyPage.tsx';
import { SatisfactionPage } from './satisfaction/SatisfactionPage.tsx';
import { ProblemsPage } from './problems/ProblemsPage.tsx';

// The check page carries the chart library: loaded when first opened.
const CheckPage = lazy(() => import('./monitoring/CheckPage.tsx').then((m) => ({ default: m.CheckPage })));

type State = { kind: 'loading' } | { kind: 'error'; error: unknown } | { kind: 'signedOut'; stage: LoginStage } | { kind: 'signedIn'; session: Session };

const LAST_CLIENT = 'vigie.client';

/** Where a signed-in user lands: their client's assets when they have just one, else the client list. */
function homeFor(s: Session): string {
  if (!s.provider_staff && s.clients.length === 1) return `/clients/${s.clients[0]!.id}/assets`;
  return '/clients';
}

/** Only same-app paths are followed after login. */
function safeNext(next: string | null): string | null {
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/login') ? next : null;
}

/** Pages reached without signing in (a link's token is their credential), or null. */
function publicPage(path: string): ReactNode | null {
  const m = matchPath('/survey/:token', path);
  if (m) return <SurveyPage key={m.token} token={m.token!} />;
  const ack = matchPath('/oncall/ack/:token', path);
  if (ack) return <OncallAckPage key={ack.token} token={ack.token!} />;
  return null;
}

export function App() {
  const [state, setState] = useState<State>({ kind: 'loading' });
  const loc = useLocation();

  const loadSession = useCallback(async () => {
    try {
      const s = await api.get<Session | { stage: 'mfa' | 'mfa_enrol'; csrf_token: string | null }>('/auth/session');
      setCsrfToken(s.csrf_token);
      if (s.stage === 'full') setState({ kind: 'signedIn', session: s as Session });
      else setState({ kind: 'signedOut', stage: s.stage });
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) {
        setCsrfToken(null);
        setState({ kind: 'signedOut', stage: 'password' });
      } else setState({ kind: 'error', error: e });
    }
  }, []);

  useEffect(() => {
    void loadSession();
    onUnauthenticated(() => {
      setCsrfToken(null);
      setState({ kind: 'signedOut', stage: 'password' });
    });
    return () => onUnauthenticated(null);
  }, [loadSession]);

  const logout = useCallback(async () => {
    try {
      await api.post('/auth/logout');
    } catch {
      // the session may already be gone; sign out locally anyway
    }
    setCsrfToken(null);
    setState({ kind: 'signedOut', stage: 'password' });
    navigate('/login', { replace: true });
  }, []);

  const ctx = useMemo(() => (state.kind === 'signedIn' ? { session: state.session, refresh: loadSession, logout } : null), [state, loadSession, logout]);

  // Keep the address bar in step with the state: /login when signed out, away from it when signed in.
  useEffect(() => {
    if (publicPage(loc.path)) return;
    if (state.kind === 'signedOut' && loc.path !== '/login') {
      const next = loc.href === '/' ? '' : `?next=${encodeURIComponent(loc.href)}`;
      navigate(`/login${next}`, { replace: true });
    }
    if (state.kind === 'signedIn' && (loc.path === '/login' || loc.path === '/')) {
      navigate(safeNext(loc.search.get('next')) ?? homeFor(state.session), { replace: true });
    }
  }, [state, loc.path, loc.href, loc.search]);

  const pub = publicPage(loc.path);
  if (pub) return pub;
  if (state.kind === 'loading') return <Loading />;
  if (state.kind === 'error') return <FatalError error={state.error} />;
  if (state.kind === 'signedOut') return <LoginPage initialStage={state.stage} onSignedIn={loadSession} />;
  return (
    <SessionContext.Provider value={ctx}>
      <Routes session={state.session} path={loc.path} />
    </SessionContext.Provider>
  );
}

function FatalError({ error }: { error: unknown }) {
  const { t } = useTranslation();
  return (
    <div className="center-page">
      <div className="card">
        <h1>{t('app.unavailable')}</h1>
        <ErrorNote error={error} />
        <button type="button" className="primary" onClick={() => window.location.reload()}>
          {t('common.retry')}
        </button>
      </div>
    </div>
  );
}

function NotFound() {
  const { t } = useTranslation();
  return (
    <div className="empty-page">
      <h1>{t('app.notFound')}</h1>
      <p className="muted">{t('app.notFoundHint')}</p>
    </div>
  );
}

function Routes({ session, path }: { session: Session; path: string }) {
  const admin = isProviderAdmin(session);
  let clientId: string | null = null;
  let page: ReactNode = null;
  let m: Record<string, string> | null;

  if ((m = matchPath('/clients/:clientId/:section', path)) || (m = matchPath('/clients/:clientId/:section/:objectId', path)) || (m = matchPath('/clients/:clientId', path))) {
    clientId = m.clientId!;
  }
  if (clientId && !session.clients.some((c) => c.id === clientId)) {
    // not one of this user's clients (or a stale link): the server would answer 404 anyway
    page = <NotFound />;
    clientId = null;
  } else if (matchPath('/clients', path)) page = <ClientsPage />;
  else if (matchPath('/staff', path)) page = admin ? <StaffPage /> : <NotFound />;
  else if (matchPath('/journal', path)) page = admin ? <JournalPage clientId={null} /> : <NotFound />;
  else if (matchPath('/tickets', path)) page = session.provider_staff ? <QueuePage key="provider" clientId={null} /> : <NotFound />;
  else if ((m = matchPath('/clients/:clientId/tickets/new', path))) page = <NewTicketPage key={m.clientId} clientId={m.clientId!} />;
  else if ((m = matchPath('/clients/:clientId/tickets/:ticketId', path))) page = <TicketPage key={m.ticketId} clientId={m.clientId!} ticketId={m.ticketId!} />;
  else if ((m = matchPath('/clients/:clientId/contracts/:contractId', path)))
    page = <ContractEditor key={m.contractId} clientId={m.clientId!} contractId={m.contractId === 'new' ? null : m.contractId!} />;
  else if ((m = matchPath('/clients/:clientId/assets/:assetId', path))) page = <AssetDetailPage key={m.assetId} clientId={m.clientId!} assetId={m.assetId!} />;
  else if ((m = matchPath('/clients/:clientId/checks/:checkId', path)))
    page = (
      <Suspense fallback={<Loading />}>
        <CheckPage key={m.checkId} clientId={m.clientId!} checkId={m.checkId!} />
      </Suspense>
    );
  else if ((m = matchPath('/clients/:clientId/:section', path))) {
    const id = m.clientId!;
    switch (m.section) {
      case 'assets':
        page = <AssetsPage key={id} clientId={id} />;
        break;
      case 'sites':
        page = <SitesPage key={id} clientId={id} />;
        break;
      case 'users':
        page = <UsersPage key={id} clientId={id} />;
        break;
      case 'journal':
        page = <JournalPage key={id} clientId={id} />;
        break;
      case 'tokens':
        page = <TokensPage key={id} clientId={id} />;
        break;
      case 'board':
        page = <BoardPage key={id} clientId={id} />;
        break;
      case 'checks':
        page = <ChecksPage key={id} clientId={id} />;
        break;
      case 'maintenance':
        page = <MaintenancePage key={id} clientId={id} />;
        break;
      case 'collectors':
        page = <CollectorsPage key={id} clientId={id} />;
        break;
      case 'alerts':
        page = <AlertsPage key={id} clientId={id} />;
        break;
      case 'oncall':
        page = <OncallPage key={id} clientId={id} />;
        break;
      case 'contracts':
        page = <ContractsPage key={id} clientId={id} />;
        break;
      case 'tickets':
        page = <QueuePage key={id} clientId={id} />;
        break;
      case 'satisfaction':
        page = <SatisfactionPage key={id} clientId={id} />;
        break;
      case 'problems':
        page = <ProblemsPage key={id} clientId={id} />;
        break;
      default:
        page = <NotFound />;
    }
  } else if ((m = matchPath('/clients/:clientId', path))) {
    page = <Redirect to={`/clients/${m.clientId}/assets`} />;
  } else if (path === '/' || path === '/login') page = <Loading />;
  else page = <NotFound />;

  // Remember the client in use, to offer its sections from provider-wide pages too.
  let current = clientId;
  if (clientId) {
    try {
      localStorage.setItem(LAST_CLIENT, clientId);
    } catch {
      // not remembered
    }
  } else {
    let last: string | null = null;
    try {
      last = localStorage.getItem(LAST_CLIENT);
    } catch {
      last = null;
    }
    current = session.clients.find((c) => c.id === last)?.id ?? (session.clients.length === 1 ? session.clients[0]!.id : null);
  }
  return (
    <Layout clientId={current} inClient={clientId !== null}>
      {page}
    </Layout>
  );
}

function Redirect({ to }: { to: string }) {
  useEffect(() => navigate(to, { replace: true }), [to]);
  return null;
}
