// The service desk end to end in a real browser: Debian's Chromium driven by playwright-core against
// the real server (fresh SQLite database, built web app). A client under contract (business hours
// Mon–Fri 08:00–18:00 Europe/Paris with French holidays, and 24/7); a client user opens a ticket
// through the form and sees its GTI clock running; a technician (MFA) finds it in the queue, takes
// it in charge (GTI met), restores it with a public reply (GTR met) and leaves an internal note; the
// client user sees "Rétabli" and the reply, not the note.
//
// Needs /usr/bin/chromium (apt-get install chromium). Without it the suite is skipped with a
// printed reason, unless VIGIE_REQUIRE_BROWSER=1 (CI), where it fails.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAndMigrate } from '../../src/app/bootstrap.ts';
import { loadConfig } from '../../src/app/config.ts';
import { buildServer, type App } from '../../src/app/server.ts';
import { compileCalendar } from '../../src/core/calendar.ts';
import { newId } from '../../src/core/ids.ts';
import type { Db } from '../../src/db/database.ts';
import { contractToRow } from '../../src/modules/contracts/repository.ts';
import { ContractBody } from '../../src/modules/contracts/schema.ts';
import { AssetCreateBody } from '../../src/modules/inventory/schema.ts';
import { createAsset } from '../../src/modules/inventory/service.ts';
import { SYSTEM_CONTEXT } from '../../src/modules/journal/service.ts';
import { addMembership, createClient, createUser, getProviderId } from '../../src/modules/tenancy/service.ts';
import { currentTotp, newTotpSecret } from '../../src/modules/tenancy/totp.ts';

/** Debian's Chromium; VIGIE_CHROMIUM names another binary (or a missing one, to see the skip). */
const CHROMIUM = process.env.VIGIE_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const REQUIRED = process.env.VIGIE_REQUIRE_BROWSER === '1';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const WEB_DIR = join(ROOT, 'dist/web');
const SCREENSHOT = '/tmp/vigie-desk.png';
const STAFF_SCREENSHOT = '/tmp/vigie-desk-staff.png';
const FORM_SCREENSHOT = '/tmp/vigie-desk-form.png';
const NEW_SCREENSHOT = '/tmp/vigie-desk-new.png';
const QUEUE_SCREENSHOT = '/tmp/vigie-desk-queue-en.png';
const FAILURE_SCREENSHOT = '/tmp/vigie-desk-failure.png';
const STEP_TIMEOUT = 20_000;
/** 1366×768: the laptop the pages are designed for. */
const VIEWPORT = { width: 1366, height: 768 };

const CLIENT_NAME = 'Boulangeries Martin';
const TITLE = "L'imprimante du rez-de-chaussée n'imprime plus";
const PRINTER = 'IMP-RDC-01';
const REPLY = 'Bourrage papier retiré et file d’impression relancée : tout refonctionne.';
const NOTE = 'Galet d’entraînement usé : prévoir le remplacement.';
const ATTACHMENT = '2026-11-29 06:41 E-013 bourrage bac 2\n2026-11-29 06:42 file suspendue\n';

const BUSINESS = { id: 'business', name: 'Heures ouvrées', time_zone: 'Europe/Paris', always: false, hours: { mon: [['08:00', '18:00']], tue: [['08:00', '18:00']], wed: [['08:00', '18:00']], thu: [['08:00', '18:00']], fri: [['08:00', '18:00']] }, public_holidays: 'fr', closed_days: [] };
const ALWAYS = { id: 'always', name: '24/7', time_zone: 'Europe/Paris', always: true, hours: {}, public_holidays: 'none', closed_days: [] };

/** The contract as the contracts module stores it: one row, JSON columns, defaults from its schema. */
async function insertContract(db: Db, clientId: string) {
  const today = new Date().toISOString().slice(0, 10);
  const c = ContractBody.parse({
    name: 'Infogérance 2026',
    reference: 'CT-2026-001',
    status: 'active',
    starts_on: '2020-01-01',
    ends_on: null,
    service_level: 'Standard',
    windows: [BUSINESS, ALWAYS],
    targets: [
      { priority: 1, gti: { value: 30, unit: 'minutes', window: 'always' }, gtr: { value: 4, unit: 'hours', window: 'always' } },
      { priority: 2, gti: { value: 1, unit: 'hours', window: 'business' }, gtr: { value: 8, unit: 'hours', window: 'business' } },
      { priority: 3, gti: { value: 4, unit: 'hours', window: 'business' }, gtr: { value: 2, unit: 'business_days', window: 'business' } },
      { priority: 4, gti: { value: 1, unit: 'business_days', window: 'business' }, gtr: { value: 5, unit: 'business_days', window: 'business' } },
    ],
  });
  expect(c.starts_on <= today).toBe(true);
  const now = Date.now();
  await db.kysely.insertInto('contracts').values(contractToRow({ ...c, id: newId(), client_id: clientId, status: 'active', created_at: now, updated_at: now })).execute();
}

if (!HAVE_CHROMIUM && !REQUIRED) {
  console.warn(`SKIPPED service desk browser test: ${CHROMIUM} is missing (apt-get install chromium; VIGIE_REQUIRE_BROWSER=1 makes this fail)`);
  describe.skip('service desk in the browser (no Chromium)', () => {
    it('a client user opens a ticket, a technician takes it in charge and restores it', () => {
      throw new Error(`not run: ${CHROMIUM} is missing`);
    });
  });
} else {
  describe('service desk in the browser', () => {
    let dir: string;
    let db: Db;
    let app: App;
    let browser: Browser;
    let base: string;
    let clientId: string;
    const user = { email: 'paul.martin@boulangeries-martin.test', password: 'une phrase de passe assez longue', name: 'Paul Martin' };
    const tech = { email: 'julie.tech@infogerant.test', password: 'correct horse battery staple', name: 'Julie Technicienne', totp: newTotpSecret() };
    const pageErrors: string[] = [];

    // A setup failure is kept and thrown by the test, so that it counts as a failed test.
    let setupError: unknown = null;
    beforeAll(async () => {
      try {
        await setUp();
      } catch (e) {
        setupError = e;
      }
    }, 300_000);

    async function setUp() {
      if (!HAVE_CHROMIUM) throw new Error(`VIGIE_REQUIRE_BROWSER=1 but ${CHROMIUM} is missing: apt-get install chromium`);
      if (!existsSync(join(WEB_DIR, 'index.html'))) {
        // Build the web app once (CI builds it before the tests; this is for a bare `npm test`).
        const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
        const [cmd, args] = pkg.scripts?.['build:web'] ? ['npm', ['run', 'build:web']] : ['npx', ['vite', 'build']];
        console.log(`dist/web/index.html is missing: running ${cmd} ${args.join(' ')}`);
        const r = spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit', timeout: 280_000 });
        if (r.status !== 0 || !existsSync(join(WEB_DIR, 'index.html'))) throw new Error(`building the web app failed (${cmd} ${args.join(' ')} exited with ${r.status})`);
      }
      dir = mkdtempSync(join(tmpdir(), 'vigie-desk-e2e-'));
      const databaseUrl = join(dir, 'vigie.sqlite');
      db = await openAndMigrate({ databaseUrl });

      // The world, through the services (as test/support/world.ts does).
      const client = await createClient(db, SYSTEM_CONTEXT, { name: CLIENT_NAME, slug: 'boulangeries-martin' });
      clientId = client.id;
      await insertContract(db, clientId);
      await createAsset(db, SYSTEM_CONTEXT, clientId, AssetCreateBody.parse({ name: PRINTER, type: 'printer', criticality: 3 }));
      await createAsset(db, SYSTEM_CONTEXT, clientId, AssetCreateBody.parse({ name: 'SRV-LYON-01', type: 'server', criticality: 1 }));
      await createUser(db, SYSTEM_CONTEXT, { email: user.email, name: user.name, password: user.password, organisationId: clientId, roles: ['user'] });
      const t = await createUser(db, SYSTEM_CONTEXT, { email: tech.email, name: tech.name, password: tech.password, organisationId: await getProviderId(db), roles: ['technician'] });
      await db.kysely.updateTable('users').set({ mfa_secret: tech.totp, mfa_enabled_at: Date.now() }).where('id', '=', t.user.id).execute();
      await addMembership(db, SYSTEM_CONTEXT, clientId, t.user.id, 'technician');

      const config = loadConfig({}, { databaseUrl, dataDir: dir, webDir: WEB_DIR, logLevel: 'silent', port: 0, host: '127.0.0.1' });
      app = await buildServer({ db, config }, { logger: false });
      await app.listen({ port: 0, host: '127.0.0.1' });
      base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
      browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 60_000 });
    }

    afterAll(async () => {
      await browser?.close();
      await app?.close();
      await db?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('a client user opens a ticket, a technician takes it in charge and restores it', async () => {
      if (setupError) throw setupError;
      const contexts: BrowserContext[] = [];
      async function open(who: string): Promise<Page> {
        const context = await browser.newContext({ viewport: VIEWPORT, locale: 'fr-FR', timezoneId: 'Europe/Paris' });
        contexts.push(context);
        const page = await context.newPage();
        page.setDefaultTimeout(STEP_TIMEOUT);
        page.on('pageerror', (e) => pageErrors.push(`${who}: ${String(e)}`));
        return page;
      }
      const userPage = await open('client user');
      const techPage = await open('technician');
      let current = userPage;

      /** Runs one step; on failure, says which step, where the page was, and keeps a screenshot. */
      async function step(name: string, page: Page, fn: () => Promise<void>) {
        current = page;
        try {
          await fn();
        } catch (e) {
          await current.screenshot({ path: FAILURE_SCREENSHOT, fullPage: true }).catch(() => {});
          const alert = await current.locator('[role="alert"]').allInnerTexts().catch(() => []);
          throw new Error(
            `step "${name}" failed at ${current.url()}: ${e instanceof Error ? e.message : String(e)}` +
              (alert.length ? `\nalerts on the page: ${alert.join(' | ')}` : '') +
              (pageErrors.length ? `\npage errors: ${pageErrors.join(' | ')}` : '') +
              `\nscreenshot: ${FAILURE_SCREENSHOT}`,
          );
        }
      }
      const attr = (page: Page, id: string, name: string) => page.getByTestId(id).first().getAttribute(name);
      /** Every string on the page comes from a catalogue: no key shows through. */
      async function noRawKeys(page: Page) {
        const text = await page.locator('body').innerText();
        expect(text, 'an untranslated key').not.toMatch(/\bdesk\.[a-zA-Z_.]+/);
      }

      // ------------------------------------------------------------ the client user opens a ticket

      await step('the client user signs in', userPage, async () => {
        await userPage.goto(base);
        await userPage.getByTestId('login-email').fill(user.email);
        await userPage.getByTestId('login-password').fill(user.password);
        await userPage.getByTestId('login-submit').click();
        await userPage.getByTestId('nav-tickets').waitFor();
      });

      await step('the tickets page is empty', userPage, async () => {
        await userPage.getByTestId('nav-tickets').click();
        await userPage.getByTestId('queue-empty').waitFor();
        expect(await userPage.getByTestId('ticket-row').count()).toBe(0);
      });

      await step('open a ticket through the form', userPage, async () => {
        await userPage.getByTestId('new-ticket-open').click();
        await userPage.getByTestId('ticket-title').fill(TITLE);
        await userPage.getByTestId('ticket-description').fill("Depuis ce matin, les documents restent dans la file d'attente. L'imprimante affiche « Bourrage ».");
        await userPage.getByTestId('ticket-impact').selectOption('3'); // Plusieurs personnes
        await userPage.getByTestId('ticket-urgency').selectOption('3'); // Normale → P3
        expect(await userPage.getByTestId('ticket-impact').locator('option:checked').innerText()).toBe('Plusieurs personnes');
        await userPage.getByTestId('asset-search-input').fill('IMP');
        await userPage.getByTestId('asset-option').filter({ hasText: PRINTER }).click();
        await userPage.getByTestId('picked-asset').filter({ hasText: PRINTER }).waitFor();
        await userPage.screenshot({ path: FORM_SCREENSHOT, fullPage: true });
        await userPage.getByTestId('ticket-submit').click();
        await userPage.getByTestId('ticket-page').waitFor();
      });

      let ref = '';
      await step('the new ticket shows its GTI clock running', userPage, async () => {
        ref = (await userPage.getByTestId('ticket-ref').innerText()).trim();
        expect(ref).toMatch(/^T-\d+$/);
        expect(await userPage.getByTestId('ticket-heading').innerText()).toBe(TITLE);
        expect(await attr(userPage, 'ticket-state', 'data-state')).toBe('new');
        expect(await attr(userPage, 'ticket-priority-badge', 'data-priority')).toBe('3');
        expect(await userPage.getByTestId('ticket-details').innerText()).toContain(PRINTER);
        await userPage.getByTestId('clock-gti').waitFor();
        expect(await attr(userPage, 'clock-gti', 'data-state')).toBe('running');
        expect(await attr(userPage, 'clock-gtr', 'data-state')).toBe('running');
        expect(await userPage.getByTestId('clock-gti-text').innerText()).toMatch(/^reste /);
        expect(await userPage.getByTestId('clock-gti').innerText()).toContain('4 heures · Heures ouvrées');
        expect(await userPage.getByTestId('clock-gtr').innerText()).toContain('2 jours ouvrés');
        // During business hours the countdown visibly moves; outside them it waits for the window.
        const business = compileCalendar(ContractBody.parse({ name: 'x', starts_on: '2020-01-01', windows: [BUSINESS] }).windows[0]!);
        if (business.isOpen(Date.now()) && business.isOpen(Date.now() + 30_000)) {
          const first = await userPage.getByTestId('clock-gti-text').innerText();
          await expect.poll(() => userPage.getByTestId('clock-gti-text').innerText(), { timeout: 15_000 }).not.toBe(first);
        }
        // The client user's own actions: none yet (only staff work a new ticket).
        expect(await userPage.getByTestId('action-take').count()).toBe(0);
        await noRawKeys(userPage);
        await userPage.screenshot({ path: NEW_SCREENSHOT, fullPage: true });
      });

      // ------------------------------------------------------------ the technician works it

      await step('the technician signs in with MFA', techPage, async () => {
        await techPage.goto(base);
        await techPage.getByTestId('login-email').fill(tech.email);
        await techPage.getByTestId('login-password').fill(tech.password);
        await techPage.getByTestId('login-submit').click();
        await techPage.getByTestId('mfa-code').fill(currentTotp(tech.totp));
        await techPage.getByTestId('mfa-submit').click();
        await techPage.getByTestId('nav-desk').waitFor();
      });

      await step('the ticket waits in the unassigned queue', techPage, async () => {
        await techPage.getByTestId('nav-desk').click();
        await techPage.getByTestId('queue-mine').waitFor();
        await techPage.getByTestId('queue-empty').waitFor(); // nothing assigned to her yet
        await techPage.getByTestId('queue-unassigned').click();
        const row = techPage.locator(`[data-testid="ticket-row"][data-ref="${ref}"]`);
        await row.waitFor();
        const text = await row.innerText();
        expect(text).toContain(TITLE);
        expect(text).toContain(CLIENT_NAME);
        expect(text).toContain('P3');
        expect(await row.getByTestId('row-gti').getAttribute('data-tone')).toMatch(/^(ok|warn)$/);
        await row.getByRole('link', { name: ref }).click();
        await techPage.getByTestId('ticket-page').waitFor();
      });

      await step('qualify it as P2, with a reason: the clocks are re-targeted', techPage, async () => {
        await techPage.getByTestId('priority-edit').click();
        await techPage.getByTestId('priority-select').selectOption('2');
        await techPage.getByTestId('priority-reason').fill('Tout le rez-de-chaussée imprime sur cette machine');
        await techPage.getByTestId('priority-save').click();
        await expect.poll(() => attr(techPage, 'ticket-priority-badge', 'data-priority')).toBe('2');
        await expect.poll(() => techPage.getByTestId('clock-gti').innerText()).toContain('1 heure · Heures ouvrées');
        await techPage.getByTestId('history-event').filter({ hasText: 'Priorité : P3 → P2' }).first().waitFor();
      });

      await step('attach a file, with upload progress', techPage, async () => {
        await techPage.getByTestId('attachment-input').setInputFiles({ name: 'journal-imprimante.txt', mimeType: 'text/plain', buffer: Buffer.from(ATTACHMENT) });
        await techPage.getByTestId('attachment').filter({ hasText: 'journal-imprimante.txt' }).waitFor();
      });

      await step('take it in charge: GTI met', techPage, async () => {
        await techPage.getByTestId('action-take').click();
        await expect.poll(() => attr(techPage, 'ticket-state', 'data-state')).toBe('taken');
        await expect.poll(() => attr(techPage, 'clock-gti', 'data-state')).toBe('met');
        expect(await techPage.getByTestId('clock-gti-text').innerText()).toMatch(/^tenu à /);
        expect(await techPage.getByTestId('assignee-select').locator('option:checked').innerText()).toContain(tech.name);
      });

      await step('leave an internal note', techPage, async () => {
        await techPage.getByTestId('reply-internal').click();
        await techPage.getByTestId('reply-body').fill(NOTE);
        await techPage.getByTestId('reply-submit').click();
        await techPage.locator('[data-testid="comment"][data-public="false"]').filter({ hasText: NOTE }).waitFor();
      });

      await step('restore it with a public reply: GTR met', techPage, async () => {
        await techPage.getByTestId('action-comment').fill(REPLY);
        await techPage.getByTestId('action-restore').click();
        await expect.poll(() => attr(techPage, 'ticket-state', 'data-state')).toBe('restored');
        await expect.poll(() => attr(techPage, 'clock-gtr', 'data-state')).toBe('met');
        expect(await techPage.getByTestId('clock-gtr-text').innerText()).toMatch(/^tenu à /);
        await techPage.locator('[data-testid="comment"][data-public="true"]').filter({ hasText: REPLY }).waitFor();
        await techPage.getByTestId('history-event').filter({ hasText: 'GTI tenue' }).first().waitFor();
        await techPage.getByTestId('history-event').filter({ hasText: 'GTR tenue' }).first().waitFor();
        await noRawKeys(techPage);
      });
      await techPage.screenshot({ path: STAFF_SCREENSHOT, fullPage: true });

      // ------------------------------------------------------------ the client user sees it restored

      await step('the client user sees "Rétabli" and the reply, not the note', userPage, async () => {
        await userPage.reload();
        await userPage.getByTestId('ticket-page').waitFor();
        await expect.poll(() => attr(userPage, 'ticket-state', 'data-state')).toBe('restored');
        expect(await userPage.getByTestId('ticket-state').innerText()).toBe('Rétabli');
        await userPage.getByTestId('comment').filter({ hasText: REPLY }).waitFor();
        expect(await userPage.getByTestId('conversation').innerText()).not.toContain(NOTE);
        expect(await attr(userPage, 'clock-gti', 'data-state')).toBe('met');
        expect(await attr(userPage, 'clock-gtr', 'data-state')).toBe('met');
        // The client user may now confirm (close) or reopen their own ticket.
        await userPage.getByTestId('action-close').waitFor();
        expect(await userPage.getByTestId('reply-internal').count()).toBe(0);
        expect(await attr(userPage, 'ticket-priority-badge', 'data-priority')).toBe('2');
      });

      await step('the client user downloads the attachment', userPage, async () => {
        const link = userPage.getByTestId('attachment').filter({ hasText: 'journal-imprimante.txt' }).getByRole('link');
        const href = await link.getAttribute('href');
        expect(href).toMatch(new RegExp(`^/api/v1/clients/${clientId}/tickets/[0-9a-f-]+/attachments/[0-9a-f-]+$`));
        const res = await userPage.request.get(base + href!);
        expect(res.status()).toBe(200);
        expect(await res.text()).toBe(ATTACHMENT);
      });

      await step('the list shows it restored', userPage, async () => {
        await userPage.getByTestId('nav-tickets').click();
        const row = userPage.locator(`[data-testid="ticket-row"][data-ref="${ref}"]`);
        await row.waitFor();
        expect(await row.innerText()).toContain('Rétabli');
        await row.getByRole('link', { name: ref }).click();
        await userPage.getByTestId('ticket-page').waitFor();
      });

      await step('the technician opens a P1 for a caller: the 24/7 GTI counts down live', techPage, async () => {
        await techPage.getByTestId('nav-desk').click();
        await techPage.getByTestId('new-ticket-open').click();
        await techPage.getByTestId('ticket-title').fill('Plus de réseau au fournil');
        await techPage.getByTestId('ticket-priority').selectOption('1');
        await techPage.getByTestId('ticket-requester').selectOption({ label: user.name });
        await techPage.getByTestId('ticket-submit').click();
        await techPage.getByTestId('ticket-page').waitFor();
        expect(await attr(techPage, 'ticket-priority-badge', 'data-priority')).toBe('1');
        expect(await techPage.getByTestId('ticket-details').innerText()).toContain(user.name);
        expect(await techPage.getByTestId('clock-gti').innerText()).toContain('30 minutes · 24/7');
        const first = await techPage.getByTestId('clock-gti-text').innerText();
        expect(first).toMatch(/^reste (29|30) min/);
        await expect.poll(() => techPage.getByTestId('clock-gti-text').innerText(), { timeout: 5_000 }).not.toBe(first);
      });

      await step('waiting on the client pauses the GTR, resuming restarts it', techPage, async () => {
        await techPage.getByTestId('action-take').click();
        await expect.poll(() => attr(techPage, 'clock-gti', 'data-state')).toBe('met');
        await techPage.getByTestId('action-comment').fill('Le boîtier fibre affiche-t-il un voyant rouge ?');
        await techPage.getByTestId('action-wait').click();
        await expect.poll(() => attr(techPage, 'clock-gtr', 'data-state')).toBe('paused');
        expect(await techPage.getByTestId('clock-gtr-text').innerText()).toMatch(/^en pause depuis /);
        expect(await attr(techPage, 'ticket-state', 'data-state')).toBe('waiting');
        await techPage.getByTestId('action-resume').click();
        await expect.poll(() => attr(techPage, 'clock-gtr', 'data-state')).toBe('running');
        expect(await techPage.getByTestId('clock-gtr-text').innerText()).toMatch(/^reste /);
      });

      await step('the queue and the ticket in English', techPage, async () => {
        await techPage.getByTestId('lang-switch').click();
        await expect.poll(() => techPage.getByTestId('clock-gtr-text').innerText()).toMatch(/ left$/);
        await noRawKeys(techPage);
        await techPage.getByTestId('nav-desk').click();
        await techPage.getByTestId('queue-open').click();
        await techPage.getByTestId('ticket-row').nth(1).waitFor();
        expect(await techPage.getByTestId('ticket-table').innerText()).toContain('Restored');
        expect(await techPage.getByTestId('ticket-table').innerText()).toContain('In progress');
        await noRawKeys(techPage);
        await techPage.screenshot({ path: QUEUE_SCREENSHOT, fullPage: true });
      });

      await userPage.screenshot({ path: SCREENSHOT, fullPage: true });
      console.log(`screenshots: ${SCREENSHOT} (client user, at the end), ${STAFF_SCREENSHOT} (technician), ${FORM_SCREENSHOT} (form), ${NEW_SCREENSHOT} (new ticket)`);
      expect(pageErrors, 'uncaught errors in the page').toEqual([]);
      for (const c of contexts) await c.close();
    }, 180_000);
  });
}
