import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../../../test/support/databases.ts';
import { insertContract, paris } from '../../../test/support/servicedesk.ts';
import { login, testServer, twoClients, type Session } from '../../../test/support/world.ts';
import type { App } from '../../app/server.ts';
import type { Db } from '../../db/database.ts';

describeEachDatabase('historical tickets: imported with their history, SLA results as if live', (getDb) => {
  let db: Db;
  let app: App;
  let w: Awaited<ReturnType<typeof twoClients>>;
  let engineer: Session, referent: Session, refB: Session;
  let A: string;
  beforeAll(async () => {
    db = getDb();
    app = await testServer(db);
    w = await twoClients(db);
    A = w.a.client.id;
    await insertContract(db, A);
    [engineer, referent, refB] = await Promise.all([login(app, w.engineerA), login(app, w.a.referent), login(app, w.b.referent)]);
    await referent.post(`/api/v1/clients/${A}/assets`, { name: 'IMP-RDC-01', type: 'printer', criticality: 4 });
  });
  afterAll(async () => {
    await app?.close();
  });
  const footprint = async () => {
    const n = async (t: 'tickets' | 'ticket_events' | 'sla_events' | 'journal') => Number((await db.kysely.selectFrom(t).select((e) => e.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    return [await n('tickets'), await n('ticket_events'), await n('sla_events'), await n('journal')];
  };

  it('replays each ticket through the state machine and clocks at the original instants; dry run and bad lines change nothing', async () => {
    const csv = [
      'Référence;Titre;Priorité;Demandeur;Technicien;Équipements;Date d\'ouverture;Historique',
      // P2 on business hours (GTI 1 h, GTR 8 h): taken after 30 min, restored the same day → both met.
      `GLPI-1;Imprimante bloquée;P2;${w.a.user.email};${w.engineerA.email};IMP-RDC-01;2026-03-02 09:00;2026-03-02 09:30 pris en charge | 2026-03-02 15:00 rétabli | 2026-03-03 09:00 clos`,
      // Friday 17:00: GTI due Friday 18:00 (one open hour), taken Monday → breached; GTR (8 open hours, one hour waiting) restored Monday 16:00 → met.
      `GLPI-2;VPN impossible;P2;;;;2026-03-06 17:00;2026-03-09 09:10 pris en charge | 2026-03-09 11:00 en attente | 2026-03-09 12:00 en cours | 2026-03-09 16:00 rétabli`,
    ].join('\n');

    const before = await footprint();
    const dry = await engineer.post(`/api/v1/clients/${A}/tickets/import`, { csv, dry_run: true });
    expect(dry.statusCode).toBe(200);
    expect(dry.json()).toMatchObject({ dry_run: true, tickets: 2, created: [] });
    expect(await footprint()).toEqual(before);

    const bad = await engineer.post(`/api/v1/clients/${A}/tickets/import`, { csv: `${csv}\nGLPI-3;Sans date;P3;;;NAS-INCONNU;pas une date;` });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().error.id).toBe('import_invalid');
    expect(bad.json().error.details.errors.map((e: { line: number; field: string }) => [e.line, e.field])).toEqual([[4, 'created_at']]);
    const unknownAsset = await engineer.post(`/api/v1/clients/${A}/tickets/import`, { csv: `${csv}\nGLPI-3;Écran;P3;;;NAS-INCONNU;2026-03-02 10:00;` });
    expect(unknownAsset.json().error.details.errors.map((e: { line: number; field: string }) => [e.line, e.field])).toEqual([[4, 'assets']]);
    expect(await footprint()).toEqual(before);
    // Client roles do not import; another client's id is a 404.
    expect((await referent.post(`/api/v1/clients/${A}/tickets/import`, { csv })).statusCode).toBe(403);
    expect((await refB.post(`/api/v1/clients/${A}/tickets/import`, { csv })).statusCode).toBe(404);

    const res = await engineer.post(`/api/v1/clients/${A}/tickets/import`, { csv });
    expect(res.statusCode).toBe(200);
    const report = res.json();
    expect(report).toMatchObject({ dry_run: false, tickets: 2, sla: { gti_met: 1, gti_breached: 1, gtr_met: 2, gtr_breached: 0, running: 0 } });
    const [one, two] = report.created as { id: string; external_ref: string }[];
    const t1 = (await engineer.get(`/api/v1/clients/${A}/tickets/${one!.id}`)).json();
    expect(t1).toMatchObject({ state: 'closed', priority: 2, source: 'import', created_at: paris('2026-03-02 09:00'), taken_at: paris('2026-03-02 09:30'), restored_at: paris('2026-03-02 15:00') });
    expect(t1.requester.email).toBe(w.a.user.email);
    expect(t1.assets.map((a: { name: string }) => a.name)).toEqual(['IMP-RDC-01']);
    const gti1 = t1.clocks.find((c: { clock: string }) => c.clock === 'gti');
    expect(gti1).toMatchObject({ state: 'met', due_at: paris('2026-03-02 10:00') });
    const t2 = (await engineer.get(`/api/v1/clients/${A}/tickets/${two!.id}`)).json();
    expect(t2.state).toBe('restored');
    const byClock = Object.fromEntries(t2.clocks.map((c: { clock: string }) => [c.clock, c]));
    expect(byClock.gti).toMatchObject({ state: 'breached', due_at: paris('2026-03-06 18:00') });
    // The hour waiting on the client does not count: GTR due Monday 16:00 instead of 15:00, restored at 16:00 exactly → met.
    expect(byClock.gtr).toMatchObject({ due_at: paris('2026-03-09 16:00') });
    // The history is the ticket's, at its instants.
    const events = (await engineer.get(`/api/v1/clients/${A}/tickets/${two!.id}/events`)).json().items as { kind: string; at: number }[];
    expect(events.filter((e) => e.kind === 'state').map((e) => e.at)).toEqual(['2026-03-09 09:10', '2026-03-09 11:00', '2026-03-09 12:00', '2026-03-09 16:00'].map(paris));
    // No e-mail for history.
    expect(Number((await db.kysely.selectFrom('mail_outbox').select((e) => e.fn.countAll().as('n')).where('ticket_id', 'in', [one!.id, two!.id]).executeTakeFirstOrThrow()).n)).toBe(0);

    // The same file again: every line already imported, nothing written.
    const again = await engineer.post(`/api/v1/clients/${A}/tickets/import`, { csv });
    expect(again.statusCode).toBe(422);
    expect(again.json().error.details.errors.every((e: { field: string }) => e.field === 'external_ref')).toBe(true);
  });

  it('takes the JSON form through the API', async () => {
    const res = await engineer.post(`/api/v1/clients/${A}/tickets/import`, {
      tickets: [{ external_ref: 'OLD-77', title: 'Sauvegarde en échec', priority: 1, created_at: '2026-04-04T02:00:00+02:00', history: [{ at: '2026-04-04T02:20:00+02:00', state: 'taken' }, { at: '2026-04-04T05:00:00+02:00', state: 'restored' }] }],
    });
    expect(res.statusCode).toBe(200);
    // P1 on 24/7: GTI 30 min met (20 min), GTR 4 h met (3 h).
    expect(res.json().sla).toEqual({ gti_met: 1, gti_breached: 0, gtr_met: 1, gtr_breached: 0, running: 0 });
    expect((await engineer.post(`/api/v1/clients/${A}/tickets/import`, {})).json().error.id).toBe('nothing_to_import');
  });
});
