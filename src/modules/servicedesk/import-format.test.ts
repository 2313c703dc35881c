import { describe, expect, it } from 'vitest';
import { actionBetween, checkJsonTickets, historyProblems, parseInstant, parseLevel, parseState, parseTicketCsv } from './import-format.ts';

const paris = (iso: string) => Date.parse(iso);

describe('historical ticket import: reading the previous provider’s files', () => {
  it('reads instants with an offset, and Paris wall-clock time on both sides of a DST change', () => {
    expect(parseInstant('2026-03-02T10:15:00+01:00')).toBe(paris('2026-03-02T09:15:00Z'));
    expect(parseInstant('2026-03-02 10:15')).toBe(paris('2026-03-02T09:15:00Z'));
    expect(parseInstant('02/07/2026 10:15')).toBe(paris('2026-07-02T08:15:00Z'));
    expect(parseInstant('2026-07-02')).toBe(paris('2026-07-01T22:00:00Z'));
    // 02:30 does not exist in Paris on 29 March 2026: the instant after the gap.
    expect(parseInstant('2026-03-29 02:30')).toBe(paris('2026-03-29T01:00:00Z'));
    for (const bad of ['2026-02-30 10:00', '31/04/2026', 'hier', '2026-03-02 25:00', '']) expect(parseInstant(bad)).toBeNull();
  });

  it('understands states, priorities and types in French and English', () => {
    expect(parseState('Pris en charge')).toBe('taken');
    expect(parseState('résolu')).toBe('resolved');
    expect(parseState('Clos')).toBe('closed');
    expect(parseState('waiting')).toBe('waiting');
    expect(parseState('égaré')).toBeNull();
    expect([parseLevel('P1'), parseLevel('2'), parseLevel('Très haute'), parseLevel('basse'), parseLevel('5'), parseLevel('P9')]).toEqual([1, 2, 1, 4, 1, null]);
  });

  it('maps each step to the live state machine’s action, and refuses impossible or unordered histories', () => {
    expect(actionBetween('new', 'taken')).toBe('take');
    expect(actionBetween('waiting', 'in_progress')).toBe('resume');
    expect(actionBetween('closed', 'in_progress')).toBe('reopen');
    expect(actionBetween('new', 'closed')).toBeNull();
    const t0 = paris('2026-03-02T09:00:00Z');
    expect(historyProblems(t0, [{ at: t0 + 1, state: 'taken' }, { at: t0 + 2, state: 'restored' }, { at: t0 + 3, state: 'closed' }])).toEqual([]);
    expect(historyProblems(t0, [{ at: t0 + 5, state: 'taken' }, { at: t0 + 1, state: 'restored' }])).toHaveLength(1);
    expect(historyProblems(t0, [{ at: t0 + 5, state: 'waiting' }])[0]).toContain('cannot go from new to waiting');
  });

  it('reads a French CSV with a history cell, and a GLPI-like export with milestone columns', () => {
    const csv = [
      'Référence;Titre;Type;Priorité;Demandeur;Technicien;Équipements;Date d\'ouverture;Historique',
      'GLPI-1042;Imprimante bloquée;Incident;P3;claire@client.test;tech@infogerant.test;IMP-RDC-01;2026-03-02 09:10;2026-03-02 09:40 pris en charge | 2026-03-02 10:00 en attente | 2026-03-03 08:30 en cours | 2026-03-03 11:00 rétabli | 2026-03-04 09:00 clos',
      'GLPI-1043;Nouvel arrivant;Demande;basse;;;;03/03/2026 14:00;',
    ].join('\n');
    const r = parseTicketCsv(csv);
    expect(r.errors).toEqual([]);
    expect(r.tickets).toHaveLength(2);
    expect(r.tickets[0]).toMatchObject({ line: 2, external_ref: 'GLPI-1042', type: 'incident', priority: 3, requester_email: 'claire@client.test', assignee_email: 'tech@infogerant.test', asset_names: ['IMP-RDC-01'] });
    expect(r.tickets[0]!.history.map((h) => h.state)).toEqual(['taken', 'waiting', 'in_progress', 'restored', 'closed']);
    expect(r.tickets[1]).toMatchObject({ type: 'request', priority: 4, history: [] });

    const glpi = ['ID,Titre,Statut,Date d\'ouverture,Date de résolution,Date de clôture,Priorité', '77,VPN HS,Clos,2026-05-04 08:00,2026-05-04 12:00,2026-05-05 08:00,Haute'].join('\n');
    const g = parseTicketCsv(glpi);
    expect(g.errors).toEqual([]);
    expect(g.tickets[0]!.history.map((h) => h.state)).toEqual(['in_progress', 'resolved', 'closed']);
  });

  it('reports every bad line with its line number and column, and duplicate references', () => {
    const csv = [
      'reference,title,created_at,history,priority',
      'A-1,Ok,2026-01-05 10:00,,2',
      'A-2,,2026-01-05 10:00,,2',
      'A-3,Bad date,2026-13-05 10:00,,2',
      'A-4,Bad history,2026-01-05 10:00,2026-01-05 11:00 clos,2',
      'A-1,Duplicate,2026-01-06 10:00,,P7',
    ].join('\n');
    const r = parseTicketCsv(csv);
    const by = r.errors.map((e) => [e.line, e.field]);
    expect(by).toEqual(expect.arrayContaining([[3, 'title'], [4, 'created_at'], [5, 'history'], [6, 'priority']]));
    expect(parseTicketCsv('title\nx').errors.map((e) => e.field)).toEqual(['external_ref', 'created_at']);
  });

  it('checks the JSON form with the same rules', () => {
    const r = checkJsonTickets([
      { external_ref: 'X-1', type: 'incident', title: 'Panne', description: '', category: '', priority: 'P2', requester_email: '', requester_name: '', assignee_email: null, asset_names: [], created_at: '2026-04-01T08:00:00Z', history: [{ at: '2026-04-01T08:30:00Z', state: 'taken' }] },
      { external_ref: 'X-1', type: 'bidule', title: 'Doublon', description: '', category: '', requester_email: '', requester_name: '', assignee_email: null, asset_names: [], created_at: 'demain', history: [] },
    ]);
    expect(r.tickets).toHaveLength(1);
    expect(r.errors.map((e) => e.field).sort()).toEqual(['created_at', 'type']);
  });
});
