/** The frame of every signed-in page: sidebar (client switcher, sections) and top bar (user, language, logout). */
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, navigate, useLocation } from '../router.tsx';
import { can, isProviderAdmin, useSession } from '../session.tsx';
import { currentLang, setLang } from '../i18n/index.ts';
import { canReadOncall } from '../oncall/types.ts';
import { canReadContracts } from '../contracts/types.ts';
import { canReadProblems, canReadSatisfaction } from '../satisfaction/types.ts';

interface NavItem {
  to: string;
  label: string;
  testId: string;
  /** Also active on deeper paths (an asset under the assets list). */
  prefix?: boolean;
}

function NavLink({ item, path }: { item: NavItem; path: string }) {
  const active = path === item.to || (item.prefix && path.startsWith(`${item.to}/`));
  return (
    <Link to={item.to} className={active ? 'nav-link active' : 'nav-link'} data-testid={item.testId} aria-current={active ? 'page' : undefined}>
      {item.label}
    </Link>
  );
}

/** The same section for another client (an asset page goes back to that client's list). */
function switchTarget(path: string, from: string | null, to: string): string {
  const m = from ? new RegExp(`^/clients/${from}/(assets|sites|users|journal|tokens|board|checks|maintenance|collectors|alerts|tickets|contracts|satisfaction|problems|oncall)`).exec(path) : null;
  return `/clients/${to}/${m ? m[1] : 'assets'}`;
}

/** `clientId`: the client whose sections the sidebar offers; `inClient`: the page is one of them. */
export function Layout({ clientId, inClient, children }: { clientId: string | null; inClient: boolean; children: ReactNode }) {
  const { t } = useTranslation();
  const { session, logout } = useSession();
  const { path } = useLocation();
  const admin = isProviderAdmin(session);
  const client = clientId ? session.clients.find((c) => c.id === clientId) : undefined;
  const lang = currentLang();

  const clientNav: NavItem[] = [];
  if (clientId) {
    const base = `/clients/${clientId}`;
    clientNav.push({ to: `${base}/assets`, label: t('nav.assets'), testId: 'nav-assets', prefix: true });
    clientNav.push({ to: `${base}/sites`, label: t('nav.sites'), testId: 'nav-sites' });
    if (canReadContracts(session, clientId)) clientNav.push({ to: `${base}/contracts`, label: t('contracts.nav'), testId: 'nav-contracts', prefix: true });
    clientNav.push({ to: `${base}/tickets`, label: t('desk.nav.tickets'), testId: 'nav-tickets', prefix: true });
    if (canReadProblems(session, clientId)) clientNav.push({ to: `${base}/problems`, label: t('problems.nav'), testId: 'nav-problems' });
    if (canReadSatisfaction(session, clientId)) clientNav.push({ to: `${base}/satisfaction`, label: t('satisfaction.nav'), testId: 'nav-satisfaction' });
    if (canReadOncall(session, clientId)) clientNav.push({ to: `${base}/oncall`, label: t('oncall.nav'), testId: 'nav-oncall' });
    if (can(session, 'user.read', clientId)) clientNav.push({ to: `${base}/users`, label: t('nav.users'), testId: 'nav-users' });
    if (can(session, 'journal.read', clientId)) clientNav.push({ to: `${base}/journal`, label: t('nav.journal'), testId: 'nav-journal' });
    if (can(session, 'token.read', clientId)) clientNav.push({ to: `${base}/tokens`, label: t('nav.tokens'), testId: 'nav-tokens' });
  }
  const monNav: NavItem[] = [];
  if (clientId) {
    const base = `/clients/${clientId}`;
    monNav.push({ to: `${base}/board`, label: t('nav.monBoard'), testId: 'nav-mon-board' });
    monNav.push({ to: `${base}/checks`, label: t('nav.monChecks'), testId: 'nav-mon-checks', prefix: true });
    monNav.push({ to: `${base}/maintenance`, label: t('nav.monMaintenance'), testId: 'nav-mon-maintenance' });
    monNav.push({ to: `${base}/collectors`, label: t('nav.monCollectors'), testId: 'nav-mon-collectors' });
    monNav.push({ to: `${base}/alerts`, label: t('nav.monAlerts'), testId: 'nav-mon-alerts' });
  }
  const globalNav: NavItem[] = [];
  if (session.provider_staff || session.clients.length > 1) globalNav.push({ to: '/clients', label: t('nav.clients'), testId: 'nav-clients' });
  if (session.provider_staff) globalNav.push({ to: '/tickets', label: t('desk.nav.desk'), testId: 'nav-desk' });
  if (admin) {
    globalNav.push({ to: '/staff', label: t('nav.staff'), testId: 'nav-staff' });
    globalNav.push({ to: '/journal', label: t('nav.globalJournal'), testId: 'nav-global-journal' });
  }

  return (
    <div className="shell">
      <aside className="sidebar">
        <Link to="/" className="brand">
          <span className="brand-mark" aria-hidden="true">
            V
          </span>
          Vigie
        </Link>
        {session.clients.length > 1 ? (
          <label className="switcher">
            <span className="switcher-label">{t('nav.client')}</span>
            <select value={clientId ?? ''} onChange={(e) => e.target.value && navigate(switchTarget(path, clientId, e.target.value))} data-testid="client-switcher">
              {!client && <option value="">{t('nav.chooseClient')}</option>}
              {session.clients.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name}
                </option>
              ))}
            </select>
          </label>
        ) : (
          client && (
            <div className="switcher">
              <span className="switcher-label">{t('nav.client')}</span>
              <div className="switcher-single">{client.name}</div>
            </div>
          )
        )}
        {clientNav.length > 0 && (
          <nav className="nav-group" aria-label={t('nav.client')}>
            {clientNav.map((i) => (
              <NavLink key={i.testId} item={i} path={path} />
            ))}
          </nav>
        )}
        {monNav.length > 0 && (
          <nav className="nav-group" aria-label={t('nav.monitoring')} data-testid="nav-monitoring">
            <div className="nav-title">{t('nav.monitoring')}</div>
            {monNav.map((i) => (
              <NavLink key={i.testId} item={i} path={path} />
            ))}
          </nav>
        )}
        {globalNav.length > 0 && (
          <nav className="nav-group" aria-label={t('nav.provider')}>
            <div className="nav-title">{session.provider_staff ? t('nav.provider') : t('nav.general')}</div>
            {globalNav.map((i) => (
              <NavLink key={i.testId} item={i} path={path} />
            ))}
          </nav>
        )}
      </aside>
      <div className="main">
        <header className="topbar">
          <div className="topbar-title">{inClient ? (client?.name ?? '') : ''}</div>
          <div className="topbar-right">
            <span className="user" title={session.user.email}>
              {session.user.name || session.user.email}
              {session.provider_staff && <span className="user-org">{t('nav.providerStaff')}</span>}
            </span>
            <button
              type="button"
              className="small ghost"
              data-testid="lang-switch"
              onClick={() => void setLang(lang === 'fr' ? 'en' : 'fr')}
              title={t('nav.switchLanguage')}
              lang={lang === 'fr' ? 'en' : 'fr'}
            >
              {lang === 'fr' ? 'English' : 'Français'}
            </button>
            <button type="button" className="small ghost" onClick={() => void logout()} data-testid="logout">
              {t('nav.logout')}
            </button>
          </div>
        </header>
        <main className="content">{children}</main>
      </div>
    </div>
  );
}
