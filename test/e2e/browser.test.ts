// End to end in a real browser: Debian's Chromium driven by playwright-core against the real
// server (fresh SQLite database, built web app). First admin → MFA enrolment → new client →
// CSV import of assets (French headers, semicolons) → list and search.
//
// Needs /usr/bin/chromium (apt-get install chromium). Without it the suite is skipped with a
// printed reason, unless VIGIE_REQUIRE_BROWSER=1 (CI), where it fails.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureFirstAdmin, openAndMigrate } from '../../src/app/bootstrap.ts';
import { loadConfig } from '../../src/app/config.ts';
import { buildServer, type App } from '../../src/app/server.ts';
import type { Db } from '../../src/db/database.ts';
import { currentTotp } from '../../src/modules/tenancy/totp.ts';

/** Debian's Chromium; VIGIE_CHROMIUM names another binary (or a missing one, to see the skip). */
const CHROMIUM = process.env.VIGIE_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const REQUIRED = process.env.VIGIE_REQUIRE_BROWSER === '1';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const WEB_DIR = join(ROOT, 'dist/web');
const SCREENSHOT = '/tmp/vigie-e2e.png';
const FAILURE_SCREENSHOT = '/tmp/vigie-e2e-failure.png';
const STEP_TIMEOUT = 20_000;

/** Twenty assets as a French spreadsheet exports them: semicolons, French labels, UTF-8 with a BOM, CRLF. */
const CLIENT_NAME = 'Boulangeries Martin';
const CSV_ROWS: [name: string, type: string, crit: string, site: string, serial: string, ip: string][] = [
  ['SRV-LYON-01', 'Serveur', 'Critique', 'Siège Lyon', 'CZJ1234A01', '10.1.0.10'],
  ['SRV-LYON-02', 'Serveur', '1', 'Siège Lyon', 'CZJ1234A02', '10.1.0.11'],
  ['SRV-LYON-03', 'Serveur physique', '2', 'Siège Lyon', 'CZJ1234A03', '10.1.0.12'],
  ['VM-COMPTA-01', 'Machine virtuelle', 'Haute', 'Siège Lyon', '', '10.1.0.20'],
  ['VM-ERP-01', 'Machine virtuelle', '1', 'Siège Lyon', '', '10.1.0.21'],
  ['SW-CŒUR-01', 'Commutateur', '1', 'Siège Lyon', 'FOC2233X0AB', '10.1.0.2'],
  ['FW-PERIM-01', 'Pare-feu', 'Critique', 'Siège Lyon', 'FGT60F0000123', '10.1.0.1'],
  ['NAS-SAUV-01', 'NAS', '2', 'Siège Lyon', '2040PDN123456', '10.1.0.30'],
  ['PC-ACCUEIL-01', 'Poste de travail', 'Basse', 'Siège Lyon', 'PF3ABC01', '10.1.1.101'],
  ['PC-ACCUEIL-02', 'Poste de travail', '4', 'Siège Lyon', 'PF3ABC02', '10.1.1.102'],
  ['PC-ACCUEIL-03', 'Ordinateur portable', '4', 'Fournil Villeurbanne', 'PF3ABC03', '10.2.1.101'],
  ['PC-DIRECTION-01', 'Poste de travail', 'Moyenne', 'Siège Lyon', 'PF3ABD01', '10.1.1.110'],
  ['PC-FOURNIL-01', 'Poste de travail', '3', 'Fournil Villeurbanne', 'PF3ABE01', '10.2.1.102'],
  ['PC-FOURNIL-02', 'Poste de travail', '', 'Fournil Villeurbanne', 'PF3ABE02', '10.2.1.103'],
  ['IMP-RDC-01', 'Imprimante', '4', 'Siège Lyon', 'E78912K3N', '10.1.1.200'],
  ['IMP-FOURNIL-01', 'Multifonction', '4', 'Fournil Villeurbanne', 'E78912K4N', '10.2.1.200'],
  ['AP-HALL-01', 'Borne Wi-Fi', '3', 'Siège Lyon', 'U6P0001', '10.1.0.50'],
  ['AP-FOURNIL-01', 'Borne WiFi', '3', 'Fournil Villeurbanne', 'U6P0002', '10.2.0.50'],
  ['ONDULEUR-BAIE-01', 'Onduleur', '2', 'Siège Lyon', 'AS1234567890', '10.1.0.40'],
  ['RT-FIBRE-01', 'Routeur', '1', 'Fournil Villeurbanne', 'FGL2231A0B1', '10.2.0.1'],
];
const SEARCH = 'accueil';
const SEARCH_HITS = CSV_ROWS.filter((r) => r[0].toLowerCase().includes(SEARCH)).length;

function csvText(): string {
  const header = 'Nom;Type;Criticité;Site;Numéro de série;Adresse IP';
  return '\ufeff' + [header, ...CSV_ROWS.map((r) => r.join(';'))].join('\r\n') + '\r\n';
}

if (!HAVE_CHROMIUM && !REQUIRED) {
  console.warn(`SKIPPED browser end-to-end test: ${CHROMIUM} is missing (apt-get install chromium; VIGIE_REQUIRE_BROWSER=1 makes this fail)`);
  describe.skip('browser end to end (no Chromium)', () => {
    it('signs in, enrols MFA, creates a client, imports and lists assets', () => {
      throw new Error(`not run: ${CHROMIUM} is missing`);
    });
  });
} else {
  describe('browser end to end', () => {
    let dir: string;
    let db: Db;
    let app: App;
    let browser: Browser;
    let base: string;
    let admin: { email: string; password: string };
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
      dir = mkdtempSync(join(tmpdir(), 'vigie-e2e-'));
      const databaseUrl = join(dir, 'vigie.sqlite');
      db = await openAndMigrate({ databaseUrl });
      const first = await ensureFirstAdmin(db, 'admin@e2e.test');
      if (!first) throw new Error('a fresh database should have no staff');
      admin = first;
      console.log(`first admin: ${admin.email} / one-time password ${admin.password}`);
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

    it('signs in, enrols MFA, creates a client, imports and lists assets', async () => {
      if (setupError) throw setupError;
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'fr-FR' });
      const page = await context.newPage();
      page.setDefaultTimeout(STEP_TIMEOUT);
      page.on('pageerror', (e) => pageErrors.push(String(e)));
      const testId = (id: string) => page.getByTestId(id);

      /** Runs one step; on failure, says which step, where the page was, and keeps a screenshot. */
      async function step(name: string, fn: () => Promise<void>) {
        try {
          await fn();
        } catch (e) {
          await page.screenshot({ path: FAILURE_SCREENSHOT, fullPage: true }).catch(() => {});
          const alert = await page.locator('[role="alert"]').allInnerTexts().catch(() => []);
          throw new Error(
            `step "${name}" failed at ${page.url()}: ${e instanceof Error ? e.message : String(e)}` +
              (alert.length ? `\nalerts on the page: ${alert.join(' | ')}` : '') +
              (pageErrors.length ? `\npage errors: ${pageErrors.join(' | ')}` : '') +
              `\nscreenshot: ${FAILURE_SCREENSHOT}`,
          );
        }
      }
      const rowCount = (id: string) => page.getByTestId(id).count();
      /** Waits until exactly `n` elements carry the test id (lists render and re-render asynchronously). */
      async function waitForCount(id: string, n: number) {
        await page.waitForFunction(([sel, want]) => document.querySelectorAll(sel as string).length === want, [`[data-testid="${id}"]`, n] as const, { timeout: STEP_TIMEOUT }).catch(async () => {
          throw new Error(`expected ${n} × ${id}, found ${await rowCount(id)}`);
        });
      }

      await step('open the app', async () => {
        await page.goto(base);
        await testId('login-email').waitFor();
      });

      await step('sign in with the one-time password', async () => {
        await testId('login-email').fill(admin.email);
        await testId('login-password').fill(admin.password);
        await testId('login-submit').click();
      });

      await step('enrol in MFA', async () => {
        const secretEl = testId('mfa-secret');
        await secretEl.waitFor();
        const secret = (await secretEl.innerText()).replace(/[^A-Z2-7]/gi, '').toUpperCase();
        expect(secret.length).toBeGreaterThanOrEqual(16);
        await testId('mfa-code').fill(currentTotp(secret));
        await testId('mfa-submit').click();
        await testId('recovery-ack').waitFor();
        await testId('recovery-ack').click();
      });

      await step('create a client', async () => {
        // The form may sit behind a "new client" button.
        const open = testId('new-client-open');
        await Promise.race([testId('new-client-name').waitFor(), open.waitFor()]);
        if (!(await testId('new-client-name').isVisible())) await open.click();
        await testId('new-client-name').fill(CLIENT_NAME);
        await testId('new-client-submit').click();
        await testId('client-row').filter({ hasText: CLIENT_NAME }).waitFor();
      });

      await step('open the client and its assets', async () => {
        await testId('client-row').filter({ hasText: CLIENT_NAME }).click();
        await testId('nav-assets').click();
        await testId('import-open').waitFor();
      });

      await step('import the CSV file', async () => {
        const file = join(dir, 'inventaire-boulangeries.csv');
        writeFileSync(file, csvText(), 'utf8');
        await testId('import-open').click();
        await testId('import-file').setInputFiles(file);
        await testId('import-check').click();
        const submit = testId('import-submit');
        await submit.waitFor();
        await expect.poll(() => submit.isEnabled(), { timeout: STEP_TIMEOUT }).toBe(true);
        await submit.click();
        await testId('import-result').waitFor();
        expect(await testId('import-result').innerText()).toContain(String(CSV_ROWS.length));
      });

      await step('see the imported assets', async () => {
        // Close the import dialog if the result stays in it.
        const close = page.getByTestId('import-close');
        if (await close.isVisible().catch(() => false)) await close.click();
        await waitForCount('asset-row', CSV_ROWS.length);
        await testId('asset-row').filter({ hasText: 'SRV-LYON-01' }).first().waitFor();
        await testId('asset-row').filter({ hasText: 'SW-CŒUR-01' }).first().waitFor();
      });

      await step('search narrows the list', async () => {
        await testId('asset-search').fill(SEARCH);
        await waitForCount('asset-row', SEARCH_HITS);
        for (const r of await testId('asset-row').allInnerTexts()) expect(r.toLowerCase()).toContain(SEARCH);
      });

      await page.screenshot({ path: SCREENSHOT, fullPage: true });
      console.log(`screenshot: ${SCREENSHOT}`);
      expect(pageErrors, 'uncaught errors in the page').toEqual([]);
      await context.close();
    }, 180_000);
  });
}

