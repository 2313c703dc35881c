import { beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../../../test/support/databases.ts';
import { insertContract } from '../../../test/support/servicedesk.ts';
import { makeClient } from '../../../test/support/world.ts';
import type { Db } from '../../db/database.ts';
import { createAsset, createRelation } from '../inventory/service.ts';
import { AssetCreateBody } from '../inventory/schema.ts';
import { SYSTEM_CONTEXT } from '../journal/service.ts';
import { raiseAlerts } from '../monitoring/alerting.ts';
import { applyResults } from '../monitoring/ingest.ts';
import { CheckCreateBody } from '../monitoring/schema.ts';
import { createCheck } from '../monitoring/service.ts';
import type { ProbeStatus } from '../monitoring/state-machine.ts';
import { runAlertTicketPass } from './from-monitoring.ts';

const S = 1000;
const MIN = 60_000;

describeEachDatabase('supervision → service desk: alerts open, update, restore and resolve incidents', (getDb) => {
  let db: Db;
  beforeAll(() => {
    db = getDb();
  });
  // Alert ids are made at real time; the stream hides alerts younger than a few seconds on PostgreSQL:
  // the test's instants run a little ahead of the real clock.
  let base = Date.now() + MIN;
  const timeline = () => (base += 6 * 3_600_000);

  async function check(clientId: string, name: string, assetId: string) {
    const input = CheckCreateBody.parse({ name, type: 'tcp', settings: { host: '127.0.0.1', port: 9 }, retries: 0, interval_s: 60, timeout_ms: 2000, asset_id: assetId });
    return (await createCheck(db, SYSTEM_CONTEXT, clientId, input)).check.id;
  }
  const asset = async (clientId: string, name: string, criticality: number) => (await createAsset(db, SYSTEM_CONTEXT, clientId, AssetCreateBody.parse({ name, type: 'firewall', criticality }))).id;
  async function at(t: number, results: [string, ProbeStatus][]) {
    const out = await applyResults(db, results.map(([checkId, status]) => ({ checkId, at: t, status, latencyMs: status === 'down' ? null : 2, message: status === 'down' ? 'connection refused' : 'ok' })));
    return raiseAlerts(db, out.transitions, { now: t });
  }
  const tickets = (clientId: string) =>
    db.kysely.selectFrom('tickets').select(['id', 'number', 'state', 'priority', 'source', 'alert_subject_id', 'title', 'reopened_count', 'restored_at', 'gtr_state']).where('client_id', '=', clientId).orderBy('number').execute();

  it('one incident per asset, noted, restored when every check is back, reopened by a flap, resolved after the quiet period', async () => {
    const client = await makeClient(db);
    await insertContract(db, client.id);
    const fw = await asset(client.id, 'fw-lyon', 1);
    const srv = await asset(client.id, 'srv-erp', 3);
    await createRelation(db, SYSTEM_CONTEXT, client.id, srv, { to_asset_id: fw, kind: 'depends_on' });
    const ping = await check(client.id, 'fw-lyon ping', fw);
    const web = await check(client.id, 'fw-lyon console', fw);
    const erp = await check(client.id, 'ERP web', srv);
    const t0 = timeline();
    await at(t0, [[ping, 'up'], [web, 'up'], [erp, 'up']]);
    expect(await runAlertTicketPass(db, t0 + S)).toMatchObject({ opened: 0 });

    // The firewall fails with the server behind it: both firewall checks alert, one ticket for the asset, none for the server.
    const t1 = t0 + 10 * MIN;
    const alerts = await at(t1, [[ping, 'down'], [web, 'down'], [erp, 'down']]);
    expect(alerts.map((a) => a.check_name).sort()).toEqual(['fw-lyon console', 'fw-lyon ping']);
    expect(await runAlertTicketPass(db, t1 + 10 * S)).toMatchObject({ opened: 1, noted: 1 });
    let list = await tickets(client.id);
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ state: 'new', priority: 1, source: 'monitoring', alert_subject_id: fw });
    expect(list[0]!.title).toContain('fw-lyon');
    const ticketId = list[0]!.id;
    const desc = await db.kysely.selectFrom('tickets').select('description').where('id', '=', ticketId).executeTakeFirstOrThrow();
    expect(desc.description).toContain('ERP web');
    expect((await db.kysely.selectFrom('ticket_assets').select('asset_id').where('ticket_id', '=', ticketId).execute()).map((r) => r.asset_id)).toEqual([fw]);
    // P1 on 24/7 from declaration: both clocks run.
    expect((await db.kysely.selectFrom('sla_clocks').select('clock').where('ticket_id', '=', ticketId).execute()).map((r) => r.clock).sort()).toEqual(['gti', 'gtr']);
    // Nothing twice.
    expect(await runAlertTicketPass(db, t1 + 20 * S)).toEqual({ opened: 0, noted: 0, reopened: 0, restored: 0, resolved: 0 });

    // The ping answers, the console does not: still failing, not restored.
    const t2 = t1 + 15 * MIN;
    await at(t2, [[ping, 'up'], [erp, 'up']]);
    expect(await runAlertTicketPass(db, t2 + 10 * S)).toMatchObject({ restored: 0 });
    // Everything answers: restored (GTR met), still open for the quiet period.
    const t3 = t2 + 15 * MIN;
    await at(t3, [[web, 'up']]);
    expect(await runAlertTicketPass(db, t3 + 10 * S)).toMatchObject({ restored: 1 });
    list = await tickets(client.id);
    expect(list[0]).toMatchObject({ state: 'restored', restored_at: t3 + 10 * S, gtr_state: 'met' });

    // A flap inside the quiet period reopens the same ticket.
    const t4 = t3 + 15 * MIN;
    await at(t4, [[ping, 'down']]);
    expect(await runAlertTicketPass(db, t4 + 10 * S)).toMatchObject({ reopened: 1, opened: 0 });
    list = await tickets(client.id);
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ state: 'in_progress', reopened_count: 1 });

    // Back again, then quiet for 30 minutes: resolved by the desk.
    const t5 = t4 + 15 * MIN;
    await at(t5, [[ping, 'up']]);
    expect(await runAlertTicketPass(db, t5 + 10 * S)).toMatchObject({ restored: 1 });
    expect(await runAlertTicketPass(db, t5 + 20 * MIN)).toMatchObject({ resolved: 0 });
    expect(await runAlertTicketPass(db, t5 + 31 * MIN)).toMatchObject({ resolved: 1 });
    list = await tickets(client.id);
    expect(list[0]!.state).toBe('resolved');

    // After resolution, a new outage is a new incident.
    const t6 = t5 + 60 * MIN;
    await at(t6, [[ping, 'down']]);
    expect(await runAlertTicketPass(db, t6 + 10 * S)).toMatchObject({ opened: 1 });
    list = await tickets(client.id);
    expect(list.map((t) => [t.number, t.state])).toEqual([[1, 'resolved'], [2, 'new']]);
    const events = await db.kysely.selectFrom('ticket_events').select('kind').where('ticket_id', '=', ticketId).execute();
    expect(events.map((e) => e.kind)).toEqual(expect.arrayContaining(['created', 'comment', 'state']));
  });

  it('a contract that says no supervision tickets opens none, and the cursor still moves on', async () => {
    const client = await makeClient(db);
    const contractId = await insertContract(db, client.id);
    const row = await db.kysely.selectFrom('contracts').select('settings').where('id', '=', contractId).executeTakeFirstOrThrow();
    const settings = JSON.parse(row.settings);
    settings.monitoring.open_tickets = false;
    await db.kysely.updateTable('contracts').set({ settings: JSON.stringify(settings) }).where('id', '=', contractId).execute();
    const a = await asset(client.id, 'switch', 2);
    const sw = await check(client.id, 'switch ping', a);
    const t0 = timeline();
    await at(t0, [[sw, 'up']]);
    await at(t0 + MIN, [[sw, 'down']]);
    expect(await runAlertTicketPass(db, t0 + MIN + 10 * S)).toMatchObject({ opened: 0 });
    expect(await tickets(client.id)).toEqual([]);
    const cursor = await db.kysely.selectFrom('alert_ticket_cursor').select('cursor').where('client_id', '=', client.id).executeTakeFirst();
    expect(cursor?.cursor).toBeTruthy();
  });
});
