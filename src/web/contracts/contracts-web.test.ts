// The contract pages without a browser: the editor's draft is a body the API accepts, the week bars
// add up the open hours per local day, and the editor and preview render (server-side, in French)
// for a writer and read-only for a reader.
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import { beforeAll, describe, expect, it } from 'vitest';
import { ContractBody } from '../../modules/contracts/schema.ts';
import { previewContract } from '../../modules/contracts/service.ts';
import { fr } from '../i18n/fr.ts';
import { en } from '../i18n/en.ts';
import type { Session } from '../session.tsx';
import { canReadContracts, canWriteContracts, dayKey, newDraft, openPerDay, windowIdFrom } from './types.ts';

const H = 3_600_000;
const parisJuly = (day: number, hour: number, minute = 0) => Date.UTC(2026, 6, day, hour - 2, minute);
const CLIENT = '01900000-0000-7000-8000-000000000001';

function session(roles: string[], provider = false): Session {
  return {
    stage: 'full',
    user: { id: 'u', organisation_id: 'o', email: 'x@y.test', name: 'X', locale: 'fr', mfa_enabled: true },
    csrf_token: null,
    provider_staff: provider,
    provider_roles: provider ? roles : [],
    clients: [{ id: CLIENT, name: 'Alpha', slug: 'alpha', roles: provider ? [] : roles }],
  };
}

describe('contract editor helpers', () => {
  it('starts a new contract from a body the API accepts as is', () => {
    const d = { ...newDraft('Heures ouvrées'), name: 'Infogérance' };
    expect(ContractBody.parse(d)).toEqual(d);
    expect(d.windows.map((w) => w.id)).toEqual(['office', '24-7']);
  });

  it('mirrors the server policy: referents, auditor and staff read; admin and account manager write', () => {
    for (const r of ['technical_referent', 'steering_referent', 'strategic_referent', 'auditor']) expect(canReadContracts(session([r]), CLIENT), r).toBe(true);
    expect(canReadContracts(session(['user']), CLIENT)).toBe(false);
    expect(canWriteContracts(session(['technical_referent']), CLIENT)).toBe(false);
    expect(canWriteContracts(session(['admin'], true), CLIENT)).toBe(true);
  });

  it('makes window ids from names', () => {
    expect(windowIdFrom('Heures ouvrées', [])).toBe('heures-ouvrees');
    expect(windowIdFrom('Heures ouvrées', ['heures-ouvrees'])).toBe('heures-ouvrees-2');
    expect(windowIdFrom('24/7', [])).toBe('24-7');
    expect(windowIdFrom('   ', [])).toBe('window');
  });

  it('adds up open hours per local day for the week bars (14 July closed)', () => {
    const c = ContractBody.parse({ ...newDraft('Heures ouvrées'), name: 'x' });
    const at = parisJuly(13, 17);
    const p = previewContract(c, at);
    const office = openPerDay(p.windows[0]!.next_week, at, 'Europe/Paris');
    expect(office.map((d) => [d.day, d.openMs / H])).toEqual([
      ['2026-07-13', 1],
      ['2026-07-14', 0],
      ['2026-07-15', 10],
      ['2026-07-16', 10],
      ['2026-07-17', 10],
      ['2026-07-18', 0],
      ['2026-07-19', 0],
      ['2026-07-20', 9],
    ]);
    const always = openPerDay(p.windows[1]!.next_week, at, 'Europe/Paris');
    expect(always.map((d) => d.openMs / H)).toEqual([7, 24, 24, 24, 24, 24, 24, 17]);
    expect(dayKey(Date.UTC(2025, 11, 31, 23, 30), 'Europe/Paris')).toBe('2026-01-01');
  });
});

describe('contract pages rendered', () => {
  let mod: typeof import('./ContractEditor.tsx');
  let preview: typeof import('./PreviewBox.tsx');
  let ctx: typeof import('../session.tsx');

  beforeAll(async () => {
    // The router listens to the browser's history when loaded: a minimal window is enough here.
    (globalThis as { window?: unknown }).window ??= { addEventListener() {}, location: { pathname: '/', search: '' }, history: {} };
    await i18next.use(initReactI18next).init({ resources: { fr: { translation: fr }, en: { translation: en } }, lng: 'fr', fallbackLng: 'en', interpolation: { escapeValue: false } });
    mod = await import('./ContractEditor.tsx');
    preview = await import('./PreviewBox.tsx');
    ctx = await import('../session.tsx');
  });

  const render = (s: Session) =>
    renderToStaticMarkup(
      createElement(ctx.SessionContext.Provider, { value: { session: s, refresh: async () => {}, logout: async () => {} } }, createElement(mod.ContractEditor, { clientId: CLIENT, contractId: null })),
    );

  it('shows every section of a new contract to a writer, with the 4 × 4 matrix', () => {
    const html = render(session(['account_manager']));
    for (const id of ['contract-general', 'contract-windows', 'contract-targets', 'contract-penalties', 'contract-matrix', 'contract-scope', 'contract-settings', 'contract-preview']) expect(html, id).toContain(`data-testid="${id}"`);
    expect(html.match(/data-testid="matrix-\d-\d"/g)).toHaveLength(16);
    expect(html).toContain('Heures ouvrées');
    expect(html).toContain('Créer le contrat');
    expect(html).not.toContain('<fieldset class="plain-fieldset" disabled');
  });

  it('is read-only for a reader', () => {
    const html = render(session(['technical_referent']));
    expect(html).toContain('<fieldset class="plain-fieldset" disabled');
    expect(html).not.toContain('data-testid="contract-save"');
    expect(html).toContain('lecture seule');
  });

  it('says when each priority would be due, and draws each window’s week', () => {
    const c = ContractBody.parse({ ...newDraft('Heures ouvrées'), name: 'x' });
    const p = previewContract(c, parisJuly(13, 17));
    const html = renderToStaticMarkup(createElement(preview.PreviewView, { preview: p, windows: c.windows, when: 'lundi 13 juillet à 17:00' }));
    expect(html).toContain('Un ticket P2 déclaré lundi 13 juillet à 17:00 serait à échéance :');
    // P2: GTI 1 h on office hours → Monday 18:00 (when the window closes); GTR 8 h → Wednesday 15:00 (Tuesday 14 July is closed).
    expect(html).toMatch(/lundi 13 juillet (à )?18:00/);
    expect(html).toMatch(/mercredi 15 juillet (à )?15:00/);
    expect(html.match(/class="week-bar"/g)).toHaveLength(16);
  });
});
