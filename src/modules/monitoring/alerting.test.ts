import { beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../../../test/support/databases.ts';
import { makeClient } from '../../../test/support/world.ts';
import { parseJson } from '../../core/json.ts';
import type { Db } from '../../db/database.ts';
import { createAsset, createRelation } from '../inventory/service.ts';
import { AssetCreateBody } from '../inventory/schema.ts';
import { SYSTEM_CONTEXT } from '../journal/service.ts';
import { createRule } from './alert-rules.ts';
import { createCollector } from './collector-service.ts';
import { AlertRuleCreateBody } from './alert-schema.ts';
import { alertsSince, raiseAlerts, sweepAlerts, type AlertItem } from './alerting.ts';
import { busFor } from './bus.ts';
import { applyResults, machineConfigOf, type Runtime } from './ingest.ts';
import { CheckCreateBody } from './schema.ts';
import { createCheck } from './service.ts';
import { enterMaintenance, leaveMaintenance, type ProbeStatus } from './state-machine.ts';

const S = 1000;
const MIN = 60_000;

describeEachDatabase('alerting: check states become alerts and deliveries', (getDb) => {
  let db: Db;
  beforeAll(() => {
    db = getDb();
  });
  // Every test runs on its own client, on a timeline of its own after its checks were created
  // (a state never starts before the check's current period).
  let base = Date.now() + MIN;
  const timeline = () => (base += 2 * 3_600_000);

  async function check(clientId: string, name: string, o: { retries?: number; parent?: string; asset?: string; interval?: number } = {}) {
    const input = CheckCreateBody.parse({
      name, type: 'tcp', settings: { host: '127.0.0.1', port: 9 }, retries: o.retries ?? 0, interval_s: o.interval ?? 10, timeout_ms: 2000,
      ...(o.parent ? { parent_check_id: o.parent } : {}), ...(o.asset ? { asset_id: o.asset } : {}),
    });
    return (await createCheck(db, SYSTEM_CONTEXT, clientId, input)).check.id;
  }
  async function rule(clientId: string, body: Record<string, unknown>) {
    return (await createRule(db, SYSTEM_CONTEXT, clientId, AlertRuleCreateBody.parse({ channel: 'email', target: 'ops@client.test', ...body }))).rule;
  }
  async function asset(clientId: string, name: string, criticality: number) {
    return (await createAsset(db, SYSTEM_CONTEXT, clientId, AssetCreateBody.parse({ name, type: 'server', criticality }))).id;
  }
  /** Feeds one result per check at `t` through real ingestion, then alerting at `t`. */
  async function at(t: number, results: [string, ProbeStatus, string?][]): Promise<AlertItem[]> {
    const out = await applyResults(
      db,
      results.map(([checkId, status, message]) => ({ checkId, at: t, status, latencyMs: status === 'down' ? null : 1, message: message ?? (status === 'down' ? 'connection refused' : 'ok') })),
    );
    return raiseAlerts(db, out.transitions, { now: t });
  }
  const stream = async (clientId: string) => (await alertsSince(db, clientId, null, { settleMs: 0 })).items;
  const summary = (a: AlertItem[]) => a.map((x) => `${x.kind}:${x.state}`);
  const recipients = (a: AlertItem) => a.deliveries.map((d) => d.rule_name).sort();

  /** Puts a check in or out of maintenance the way the maintenance sweep does (through the state machine). */
  async function maintenance(checkId: string, on: boolean, t: number) {
    const c = await db.kysely.selectFrom('checks').selectAll().where('id', '=', checkId).executeTakeFirstOrThrow();
    const rt = parseJson<Runtime>(c.runtime, {} as Runtime);
    const s = on ? enterMaintenance(rt.machine, t, machineConfigOf(c)) : leaveMaintenance(rt.machine, t, machineConfigOf(c));
    await db.kysely.updateTable('checks').set({ state: s.state.state, state_since: s.state.since, runtime: JSON.stringify({ ...rt, machine: s.state }) }).where('id', '=', checkId).execute();
    return raiseAlerts(db, s.transition ? [{ ...s.transition, checkId, clientId: c.client_id }] : [], { now: t });
  }

  it('raises a problem on down, nothing while it stays down, a recovery when it is back up; the stream and the bus carry them', async () => {
    const client = await makeClient(db);
    const t0 = timeline();
    const fw = await check(client.id, 'Pare-feu', { retries: 1 });
    await rule(client.id, { name: 'Astreinte' });
    await rule(client.id, { name: 'Outil de tickets', channel: 'webhook', target: 'https://tickets.client.test/hook' });
    await rule(client.id, { name: 'Désactivée', enabled: false });
    const onBus: AlertItem[] = [];
    const listener = (a: AlertItem) => a.client_id === client.id && onBus.push(a);
    busFor(db).on('alert', listener);

    expect(await at(t0, [[fw, 'up']])).toEqual([]);
    // One failure is tolerated (retries 1): the second confirms down, dated from the first.
    expect(await at(t0 + 10 * S, [[fw, 'down']])).toEqual([]);
    const [problem, ...more] = await at(t0 + 20 * S, [[fw, 'down']]);
    expect(more).toEqual([]);
    expect(problem).toMatchObject({ kind: 'problem', state: 'down', check_id: fw, check_name: 'Pare-feu', since: t0 + 10 * S, at: t0 + 20 * S, message: 'connection refused', children: [], root_check_id: null });
    expect(recipients(problem!)).toEqual(['Astreinte', 'Outil de tickets']);
    expect(problem!.deliveries.every((d) => d.status === 'pending' && d.attempts === 0)).toBe(true);
    expect(await at(t0 + 30 * S, [[fw, 'down']])).toEqual([]);
    expect(await sweepAlerts(db, { now: t0 + 40 * S, clients: [client.id] })).toEqual([]);
    const [recovery] = await at(t0 + 40 * S, [[fw, 'up', 'HTTP 200']]);
    expect(recovery).toMatchObject({ kind: 'recovery', state: 'up', since: t0 + 40 * S, message: 'HTTP 200' });
    expect(recipients(recovery!)).toEqual(['Astreinte', 'Outil de tickets']);
    expect(await at(t0 + 50 * S, [[fw, 'up']])).toEqual([]);
    busFor(db).off('alert', listener);

    const s = await stream(client.id);
    expect(summary(s)).toEqual(['problem:down', 'recovery:up']);
    expect(onBus.map((a) => a.id)).toEqual(s.map((a) => a.id));
    // The cursor moves on: nothing new after the last one, and a new alert comes next.
    const { cursor } = await alertsSince(db, client.id, null, { settleMs: 0 });
    expect((await alertsSince(db, client.id, cursor, { settleMs: 0 })).items).toEqual([]);
    await at(t0 + 60 * S, [[fw, 'down']]);
    await at(t0 + 70 * S, [[fw, 'down']]);
    expect(summary((await alertsSince(db, client.id, cursor, { settleMs: 0 })).items)).toEqual(['problem:down']);
    // An alert younger than the settling delay waits for the next call.
    expect((await alertsSince(db, client.id, cursor, { settleMs: 60_000 })).items).toEqual([]);
  });

  it('alerts on degraded only when a rule asks for it, and only to that rule', async () => {
    const client = await makeClient(db);
    const t0 = timeline();
    const web = await check(client.id, 'Site web');
    await rule(client.id, { name: 'Pannes seulement' });
    await at(t0, [[web, 'up']]);
    expect(await at(t0 + 10 * S, [[web, 'degraded', 'slow: 2400 ms']])).toEqual([]);
    await rule(client.id, { name: 'Dégradations aussi', settings: { states: ['down', 'degraded'] } });
    // The sweep sees a degraded check that a rule now asks for.
    const [deg] = await sweepAlerts(db, { now: t0 + 15 * S, clients: [client.id] });
    expect(deg).toMatchObject({ kind: 'problem', state: 'degraded', message: 'slow: 2400 ms' });
    expect(recipients(deg!)).toEqual(['Dégradations aussi']);
    const [down] = await at(t0 + 20 * S, [[web, 'down']]);
    expect(down).toMatchObject({ kind: 'problem', state: 'down' });
    expect(recipients(down!)).toEqual(['Dégradations aussi', 'Pannes seulement']);
    // (Minutes apart: five changes within 10 minutes would be flapping.)
    const [back] = await at(t0 + 11 * MIN, [[web, 'degraded']]);
    expect(back).toMatchObject({ kind: 'problem', state: 'degraded' });
    expect(recipients(back!)).toEqual(['Dégradations aussi']);
    const [up] = await at(t0 + 22 * MIN, [[web, 'up']]);
    expect(up).toMatchObject({ kind: 'recovery', state: 'up' });
    // Whoever was told of the trouble is told it ended.
    expect(recipients(up!)).toEqual(['Dégradations aussi', 'Pannes seulement']);
  });

  it('repeats every N minutes while the check stays down, per rule, and stops at the recovery', async () => {
    const client = await makeClient(db);
    const t0 = timeline();
    const nas = await check(client.id, 'NAS');
    await rule(client.id, { name: 'Toutes les 30 min', settings: { repeat_minutes: 30 } });
    await rule(client.id, { name: 'Toutes les heures', settings: { repeat_minutes: 60, send_recovery: false } });
    await rule(client.id, { name: 'Une fois' });
    await at(t0, [[nas, 'up']]);
    const [problem] = await at(t0 + 10 * S, [[nas, 'down']]);
    expect(recipients(problem!)).toHaveLength(3);
    const sweep = (t: number) => sweepAlerts(db, { now: t, clients: [client.id] });
    const t1 = t0 + 10 * S;
    expect(await sweep(t1 + 29 * MIN)).toEqual([]);
    const r30 = await sweep(t1 + 30 * MIN);
    expect(summary(r30)).toEqual(['repeat:down']);
    expect(recipients(r30[0]!)).toEqual(['Toutes les 30 min']);
    expect(r30[0]!.since).toBe(t1);
    expect(await sweep(t1 + 45 * MIN)).toEqual([]);
    const r60 = await sweep(t1 + 60 * MIN);
    expect(recipients(r60[0]!)).toEqual(['Toutes les 30 min', 'Toutes les heures']);
    expect(await sweep(t1 + 61 * MIN)).toEqual([]);
    const [rec] = await at(t1 + 70 * MIN, [[nas, 'up']]);
    expect(rec!.kind).toBe('recovery');
    expect(recipients(rec!)).toEqual(['Toutes les 30 min', 'Une fois']);
    expect(await sweep(t1 + 200 * MIN)).toEqual([]);
    expect(summary(await stream(client.id))).toEqual(['problem:down', 'repeat:down', 'repeat:down', 'recovery:up']);
  });

  it('raises nothing while the check is in maintenance: no problem, no repeat; a recovery after it if the trouble ended meanwhile', async () => {
    const client = await makeClient(db);
    const t0 = timeline();
    const srv = await check(client.id, 'Serveur de fichiers');
    const other = await check(client.id, 'Imprimante');
    await rule(client.id, { name: 'Astreinte', settings: { repeat_minutes: 5 } });
    await at(t0, [[srv, 'up'], [other, 'up']]);
    expect(await maintenance(srv, true, t0 + 5 * S)).toEqual([]);
    // Down during the maintenance: recorded, not alerted.
    expect(await at(t0 + 10 * S, [[srv, 'down']])).toEqual([]);
    expect(await at(t0 + 20 * S, [[srv, 'down']])).toEqual([]);
    expect(await sweepAlerts(db, { now: t0 + 30 * MIN, clients: [client.id] })).toEqual([]);
    const row = await db.kysely.selectFrom('check_results as r').innerJoin('checks as c', 'c.no', 'r.check_no').select((e) => e.fn.countAll().as('n')).where('c.id', '=', srv).executeTakeFirstOrThrow();
    expect(Number(row.n)).toBe(3);
    // Another check of the client down meanwhile is alerted as usual.
    expect(summary(await at(t0 + 25 * S, [[other, 'down']]))).toEqual(['problem:down']);
    // Still down when the maintenance ends: now it is a problem.
    const onSrv = (a: AlertItem[]) => summary(a.filter((x) => x.check_id === srv));
    expect(onSrv(await maintenance(srv, false, t0 + 40 * MIN))).toEqual(['problem:down']);

    // A check already down and alerted gets no repeats during a maintenance, and recovers after it.
    const t1 = t0 + 50 * MIN;
    expect(onSrv(await maintenance(srv, true, t1))).toEqual([]);
    expect(await sweepAlerts(db, { now: t1 + 30 * MIN, clients: [client.id] }).then((a) => a.filter((x) => x.check_id === srv))).toEqual([]);
    expect(await at(t1 + 31 * MIN, [[srv, 'up']])).toEqual([]);
    expect(onSrv(await maintenance(srv, false, t1 + 40 * MIN))).toEqual(['recovery:up']);
    expect(summary((await stream(client.id)).filter((a) => a.check_id === srv))).toEqual(['problem:down', 'recovery:up']);
  });

  it('one alert names the root cause when a parent and its children go down together; the unreachable children raise nothing', async () => {
    const client = await makeClient(db);
    const t0 = timeline();
    await rule(client.id, { name: 'Astreinte', settings: { repeat_minutes: 10 } });
    const fw = await check(client.id, 'Pare-feu site de Lyon');
    const sw = await check(client.id, 'Switch cœur', { parent: fw });
    const srv = await check(client.id, 'Serveur ERP', { parent: fw });
    const nas = await check(client.id, 'NAS sauvegardes', { parent: fw });
    const vm = await check(client.id, 'VM comptabilité', { parent: srv });
    const all = [fw, sw, srv, nas, vm];
    await at(t0, all.map((id) => [id, 'up'] as [string, ProbeStatus]));
    const alerts = await at(t0 + 10 * S, all.map((id) => [id, 'down'] as [string, ProbeStatus]));
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ kind: 'problem', state: 'down', check_id: fw, root_check_id: fw });
    expect(alerts[0]!.children.map((c) => c.name)).toEqual(['NAS sauvegardes', 'Serveur ERP', 'Switch cœur', 'VM comptabilité']);
    expect(alerts[0]!.children.find((c) => c.name === 'VM comptabilité')!.check_id).toBe(vm);
    // Their data is still recorded: each child is down in its own right.
    const states = await db.kysely.selectFrom('checks').select(['id', 'state']).where('client_id', '=', client.id).execute();
    expect(states.every((s) => s.state === 'down')).toBe(true);
    // Repeats concern the root only.
    const rep = await sweepAlerts(db, { now: t0 + 10 * S + 10 * MIN, clients: [client.id] });
    expect(rep.map((a) => [a.kind, a.check_id])).toEqual([['repeat', fw]]);
    // The parent comes back but one child stays down: that child is its own problem now.
    const back = await at(t0 + 11 * MIN, [[fw, 'up'], [sw, 'up'], [nas, 'up'], [vm, 'up'], [srv, 'down']]);
    expect(back.map((a) => [a.kind, a.check_name]).sort()).toEqual([['problem', 'Serveur ERP'], ['recovery', 'Pare-feu site de Lyon']]);
    expect(back.find((a) => a.kind === 'problem')!.children).toEqual([]);
  });

  it('holds a child whose parent is not confirmed yet, so a parent failing after its children still gives one alert', async () => {
    const client = await makeClient(db);
    const t0 = timeline();
    await rule(client.id, { name: 'Astreinte' });
    // The firewall needs 3 failures in a row (retries 2); the servers behind it, one.
    const fw = await check(client.id, 'Pare-feu', { retries: 2 });
    const a = await check(client.id, 'Serveur A', { parent: fw });
    const b = await check(client.id, 'Serveur B', { parent: fw });
    await at(t0, [[fw, 'up'], [a, 'up'], [b, 'up']]);
    expect(await at(t0 + 10 * S, [[fw, 'down'], [a, 'down'], [b, 'down']])).toEqual([]);
    expect(await sweepAlerts(db, { now: t0 + 15 * S, clients: [client.id] })).toEqual([]);
    expect(await at(t0 + 20 * S, [[fw, 'down']])).toEqual([]);
    const alerts = await at(t0 + 30 * S, [[fw, 'down']]);
    expect(alerts.map((x) => [x.check_name, x.children.map((c) => c.name)])).toEqual([['Pare-feu', ['Serveur A', 'Serveur B']]]);

    // When the parent keeps answering, the child's own failure is alerted as soon as the parent has answered since.
    const c2 = await makeClient(db);
    await rule(c2.id, { name: 'Astreinte' });
    const fw2 = await check(c2.id, 'Pare-feu', { retries: 2, interval: 60 });
    const app = await check(c2.id, 'Application', { parent: fw2 });
    const t1 = t0 + MIN;
    await at(t1, [[fw2, 'up'], [app, 'up']]);
    expect(await at(t1 + 10 * S, [[app, 'down']])).toEqual([]);
    expect(summary(await at(t1 + 20 * S, [[fw2, 'up']]))).toEqual([]);
    const [own] = await sweepAlerts(db, { now: t1 + 21 * S, clients: [c2.id] });
    expect(own).toMatchObject({ kind: 'problem', check_id: app, children: [] });

    // A parent that goes silent (no answer either way) holds its children at most its confirmation time.
    const c3 = await makeClient(db);
    await rule(c3.id, { name: 'Astreinte' });
    const fw3 = await check(c3.id, 'Pare-feu', { retries: 1, interval: 60 });
    const db3 = await check(c3.id, 'Base de données', { parent: fw3 });
    await at(t1, [[fw3, 'up'], [db3, 'up']]);
    expect(await at(t1 + 30 * S, [[db3, 'down']])).toEqual([]);
    expect(await sweepAlerts(db, { now: t1 + 30 * S + 2 * MIN, clients: [c3.id] })).toEqual([]);
    expect(summary(await sweepAlerts(db, { now: t1 + 30 * S + 3 * MIN, clients: [c3.id] }))).toEqual(['problem:down']);
  });

  it('asset dependencies: checks of assets that depend on (or run on) a down asset are unreachable and listed by its alert', async () => {
    const client = await makeClient(db);
    const t0 = timeline();
    await rule(client.id, { name: 'Astreinte' });
    const fwAsset = await asset(client.id, 'fw-lyon', 1);
    const hostAsset = await asset(client.id, 'esx-lyon', 1);
    const vmAsset = await asset(client.id, 'vm-erp', 2);
    const printer = await asset(client.id, 'imprimante', 4);
    // esx-lyon depends on the firewall; the VM runs on the host; the printer is only connected to it.
    await createRelation(db, SYSTEM_CONTEXT, client.id, hostAsset, { to_asset_id: fwAsset, kind: 'depends_on' });
    await createRelation(db, SYSTEM_CONTEXT, client.id, vmAsset, { to_asset_id: hostAsset, kind: 'runs_on' });
    await createRelation(db, SYSTEM_CONTEXT, client.id, printer, { to_asset_id: fwAsset, kind: 'connected_to' });
    const fwPing = await check(client.id, 'Pare-feu ping', { asset: fwAsset });
    const fwWeb = await check(client.id, 'Pare-feu console', { asset: fwAsset });
    const host = await check(client.id, 'Hyperviseur', { asset: hostAsset });
    const erp = await check(client.id, 'ERP web', { asset: vmAsset });
    const prn = await check(client.id, 'Imprimante', { asset: printer });
    const all = [fwPing, fwWeb, host, erp, prn];
    await at(t0, all.map((id) => [id, 'up'] as [string, ProbeStatus]));

    // The firewall's ping fails but its console answers: the asset answers, nothing is hidden behind it.
    const partial = await at(t0 + 10 * S, [[fwPing, 'down'], [fwWeb, 'up'], [host, 'down']]);
    expect(partial.map((a) => a.check_name).sort()).toEqual(['Hyperviseur', 'Pare-feu ping']);
    expect(partial.every((a) => a.children.length === 0)).toBe(true);
    await at(t0 + 20 * S, all.map((id) => [id, 'up'] as [string, ProbeStatus]));

    // Now the whole firewall goes down with everything behind it: the firewall's checks alert, each naming the
    // host and the VM (through runs_on, transitively); the printer (connected_to only) alerts on its own.
    const t1 = t0 + 30 * MIN;
    const alerts = await at(t1, all.map((id) => [id, 'down'] as [string, ProbeStatus]));
    expect(alerts.map((a) => [a.check_name, a.children.map((c) => c.name)]).sort()).toEqual([
      ['Imprimante', []],
      ['Pare-feu console', ['ERP web', 'Hyperviseur']],
      ['Pare-feu ping', ['ERP web', 'Hyperviseur']],
    ]);
    expect(alerts.find((a) => a.check_name === 'Pare-feu ping')).toMatchObject({ root_check_id: fwPing });
    // The firewall comes back; the host stays down: now it is the root, and the VM is behind it.
    const back = await at(t1 + 10 * MIN, [[fwPing, 'up'], [fwWeb, 'up'], [prn, 'up'], [host, 'down'], [erp, 'down']]);
    const problem = back.filter((a) => a.kind === 'problem');
    expect(problem.map((a) => [a.check_name, a.children.map((c) => c.name)])).toEqual([['Hyperviseur', ['ERP web']]]);
  });

  it('asset dependencies: a check behind an asset not yet confirmed down is held, then one alert', async () => {
    const client = await makeClient(db);
    const t0 = timeline();
    await rule(client.id, { name: 'Astreinte' });
    const sw = await asset(client.id, 'switch', 1);
    const srv = await asset(client.id, 'serveur', 2);
    await createRelation(db, SYSTEM_CONTEXT, client.id, srv, { to_asset_id: sw, kind: 'depends_on' });
    const swCheck = await check(client.id, 'Switch', { asset: sw, retries: 2 });
    const srvCheck = await check(client.id, 'Serveur', { asset: srv });
    await at(t0, [[swCheck, 'up'], [srvCheck, 'up']]);
    expect(await at(t0 + 10 * S, [[swCheck, 'down'], [srvCheck, 'down']])).toEqual([]);
    expect(await at(t0 + 20 * S, [[swCheck, 'down']])).toEqual([]);
    const alerts = await at(t0 + 30 * S, [[swCheck, 'down']]);
    expect(alerts.map((x) => [x.check_name, x.children.map((c) => c.name)])).toEqual([['Switch', ['Serveur']]]);
  });

  it('a collector gone silent raises one alert naming it and its checks, a repeat, then a recovery when it calls again', async () => {
    const client = await makeClient(db);
    const t0 = timeline();
    await rule(client.id, { name: 'Astreinte', settings: { repeat_minutes: 30 } });
    const { collector } = await createCollector(db, SYSTEM_CONTEXT, client.id, { name: 'Collecteur Lyon' });
    const { collector: idle } = await createCollector(db, SYSTEM_CONTEXT, client.id, { name: 'Pas encore installé' });
    const mine = ['Switch Lyon', 'NAS Lyon'];
    for (const name of mine) {
      const id = await check(client.id, name);
      await db.kysely.updateTable('checks').set({ collector_id: collector.id }).where('id', '=', id).execute();
    }
    const other = await check(client.id, 'Site web');
    await db.kysely.updateTable('checks').set({ collector_id: idle.id }).where('id', '=', other).execute();
    await db.kysely.updateTable('collectors').set({ last_contact_at: t0 }).where('id', '=', collector.id).execute();

    expect((await sweepAlerts(db, { now: t0 + 2 * MIN })).filter((a) => a.client_id === client.id)).toEqual([]);
    const raised = (await sweepAlerts(db, { now: t0 + 4 * MIN })).filter((a) => a.client_id === client.id);
    expect(raised).toHaveLength(1);
    expect(raised[0]).toMatchObject({ subject: 'collector', kind: 'problem', state: 'down', check_id: collector.id, check_name: 'Collecteur Lyon', since: t0, root_check_id: collector.id });
    expect(raised[0]!.children.map((c) => c.name)).toEqual(['NAS Lyon', 'Switch Lyon']);
    expect(recipients(raised[0]!)).toEqual(['Astreinte']);
    expect(await sweepAlerts(db, { now: t0 + 10 * MIN, clients: [client.id] })).toEqual([]);
    expect(summary(await sweepAlerts(db, { now: t0 + 35 * MIN, clients: [client.id] }))).toEqual(['repeat:down']);
    await db.kysely.updateTable('collectors').set({ last_contact_at: t0 + 40 * MIN }).where('id', '=', collector.id).execute();
    const back = await sweepAlerts(db, { now: t0 + 40 * MIN + S, clients: [client.id] });
    expect(back.map((a) => [a.subject, a.kind, a.state])).toEqual([['collector', 'recovery', 'up']]);
    expect((await stream(client.id)).map((a) => `${a.subject}:${a.kind}`)).toEqual(['collector:problem', 'collector:repeat', 'collector:recovery']);
  });

  it('damps a flapping check: one alert saying so, then quiet until it is stable again', async () => {
    const client = await makeClient(db);
    const t0 = timeline();
    await rule(client.id, { name: 'Astreinte', settings: { repeat_minutes: 5 } });
    const vpn = await check(client.id, 'VPN');
    const raised: AlertItem[] = [];
    let t = t0;
    // Up and down every 10 s for 3 minutes.
    for (let i = 0; i < 18; i++, t += 10 * S) raised.push(...(await at(t, [[vpn, i % 2 === 0 ? 'up' : 'down']])));
    const kinds = summary(raised);
    const flap = kinds.findIndex((k) => k.startsWith('flapping'));
    expect(flap).toBeGreaterThan(0);
    expect(kinds.slice(0, flap).every((k) => k === 'problem:down' || k === 'recovery:up')).toBe(true);
    expect(kinds.slice(flap)).toHaveLength(1);
    expect(kinds.filter((k) => k.startsWith('flapping'))).toHaveLength(1);
    // Quiet while it flaps: no repeat either.
    expect(await sweepAlerts(db, { now: t + 6 * MIN, clients: [client.id] })).toEqual([]);
    // Stable (up) for more than the flap window: the machine drops the flag; the sweep tells it is over.
    const after: AlertItem[] = [];
    for (let i = 0; i < 70; i++, t += 10 * S) after.push(...(await at(t, [[vpn, 'up']])));
    after.push(...(await sweepAlerts(db, { now: t, clients: [client.id] })));
    expect(summary(after)).toEqual(['recovery:up']);
    expect(await sweepAlerts(db, { now: t + MIN, clients: [client.id] })).toEqual([]);
    // Afterwards it alerts as usual again.
    expect(summary(await at(t + MIN, [[vpn, 'down']]))).toEqual(['problem:down']);
  });

  it('sends only to the rules whose minimum criticality the asset reaches (checks without asset pass)', async () => {
    const client = await makeClient(db);
    const t0 = timeline();
    await rule(client.id, { name: 'Critique seulement', settings: { min_criticality: 1 } });
    await rule(client.id, { name: 'Criticité 1 à 3', settings: { min_criticality: 3, states: ['down', 'degraded'] } });
    await rule(client.id, { name: 'Tout' });
    const core = await check(client.id, 'ERP', { asset: await asset(client.id, 'srv-erp', 1) });
    const printer = await check(client.id, 'Imprimante', { asset: await asset(client.id, 'imp-accueil', 4) });
    const mid = await check(client.id, 'Intranet', { asset: await asset(client.id, 'srv-intranet', 3) });
    const bare = await check(client.id, 'Site public');
    await at(t0, [[core, 'up'], [printer, 'up'], [mid, 'up'], [bare, 'up']]);
    const alerts = await at(t0 + 10 * S, [[core, 'down'], [printer, 'down'], [mid, 'down'], [bare, 'down']]);
    const by = Object.fromEntries(alerts.map((a) => [a.check_name, recipients(a)]));
    expect(by).toEqual({
      ERP: ['Criticité 1 à 3', 'Critique seulement', 'Tout'],
      Imprimante: ['Tout'],
      Intranet: ['Criticité 1 à 3', 'Tout'],
      'Site public': ['Criticité 1 à 3', 'Critique seulement', 'Tout'],
    });
    // Degraded is asked for by a rule that does not cover the printer: no alert for its degradation.
    await at(t0 + 20 * S, [[printer, 'up'], [mid, 'up']]);
    const deg = await at(t0 + 30 * S, [[printer, 'degraded'], [mid, 'degraded']]);
    expect(deg.map((a) => [a.check_name, a.kind, a.state])).toEqual([['Intranet', 'problem', 'degraded']]);
  });

  it('unknown (no data) is not down: no problem, no recovery, until the check says something', async () => {
    const client = await makeClient(db);
    const t0 = timeline();
    await rule(client.id, { name: 'Astreinte' });
    const c = await check(client.id, 'Routeur');
    await at(t0, [[c, 'up']]);
    expect(summary(await at(t0 + 10 * S, [[c, 'down']]))).toEqual(['problem:down']);
    // Results stop: the check becomes unknown.
    const { sweepSilentChecks } = await import('./ingest.ts');
    const tr = (await sweepSilentChecks(db, t0 + 5 * MIN)).filter((x) => x.checkId === c);
    expect(tr.map((x) => x.to)).toEqual(['unknown']);
    expect(await raiseAlerts(db, tr, { now: t0 + 5 * MIN })).toEqual([]);
    expect(await sweepAlerts(db, { now: t0 + 6 * MIN, clients: [client.id] })).toEqual([]);
    // (Minutes apart: five changes within 10 minutes would be flapping.)
    expect(summary(await at(t0 + 12 * MIN, [[c, 'down']]))).toEqual([]);
    expect(summary(await at(t0 + 13 * MIN, [[c, 'up']]))).toEqual(['recovery:up']);
  });
});
