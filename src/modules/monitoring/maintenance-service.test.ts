import { expect, it } from 'vitest';
import { describeEachDatabase } from '../../../test/support/databases.ts';
import { makeClient } from '../../../test/support/world.ts';
import { AssetCreateBody, SiteCreateBody } from '../inventory/schema.ts';
import { createAsset, createSite } from '../inventory/service.ts';
import { SYSTEM_CONTEXT } from '../journal/service.ts';
import { toPeriods } from './board.ts';
import { busFor, type LiveState } from './bus.ts';
import { MonitoringEngine } from './engine.ts';
import { applyResults } from './ingest.ts';
import { createWindow, deleteWindow, sweepMaintenance, WindowCreateBody, windowOccurrences } from './maintenance-service.ts';
import { availability } from './periods.ts';
import { CheckCreateBody } from './schema.ts';
import { createCheck, periodsOf } from './service.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const hhmm = (t: number) => new Date(t).toISOString().slice(11, 16);

describeEachDatabase('maintenance windows applied to checks', (getDb) => {
  async function world() {
    const db = getDb();
    const client = await makeClient(db);
    const site = await createSite(db, SYSTEM_CONTEXT, client.id, SiteCreateBody.parse({ name: 'Siège' }));
    const asset = await createAsset(db, SYSTEM_CONTEXT, client.id, AssetCreateBody.parse({ name: 'srv-compta', type: 'server', site_id: site.id }));
    const other = await createAsset(db, SYSTEM_CONTEXT, client.id, AssetCreateBody.parse({ name: 'imprimante', type: 'printer' }));
    const check = async (name: string, assetId: string | null, type = 'tcp') =>
      (await createCheck(db, SYSTEM_CONTEXT, client.id, CheckCreateBody.parse({ name, type, settings: type === 'tcp' ? { host: '192.0.2.1', port: 1 } : {}, retries: 0, asset_id: assetId })))
        .check;
    return { db, client, site, asset, other, check };
  }

  it('a weekly window active now puts the asset\'s checks in maintenance (own period, out of availability), and they leave at its end', async () => {
    const { db, client, asset, other, check } = await world();
    const inside = await check('Compta HTTPS', asset.id);
    const outside = await check('Imprimante', other.id);
    const t0 = Date.now() + 1000;
    await applyResults(db, [
      { checkId: inside.id, at: t0, status: 'up', latencyMs: 2, message: 'ok' },
      { checkId: outside.id, at: t0, status: 'up', latencyMs: 2, message: 'ok' },
    ]);
    // Every day, from 10 minutes before t0, for an hour (UTC wall clock); the sweep runs 5 minutes after t0.
    const w = await createWindow(db, SYSTEM_CONTEXT, client.id, WindowCreateBody.parse({
      title: 'Mises à jour', target_type: 'asset', target_id: asset.id, time_zone: 'UTC',
      schedule: { kind: 'weekly', days: [1, 2, 3, 4, 5, 6, 7], start: hhmm(t0 - 10 * MIN), duration_minutes: 60 },
    }));
    const now = t0 + 5 * MIN;
    const occ = windowOccurrences(w, now - 2 * HOUR, now + 1).find((o) => o.start <= now && now < o.end)!;
    expect(occ).toBeDefined();

    const live: LiveState[] = [];
    const onLive = (l: LiveState[]) => live.push(...l);
    busFor(db).on('live', onLive);
    const tr = await sweepMaintenance(db, now);
    busFor(db).off('live', onLive);
    // Seen after its start: dated at the start of the sweep's grace (60 s), not retroactively at the occurrence's start.
    expect(tr.filter((t) => t.clientId === client.id).map((t) => [t.checkId, t.from, t.to, t.at, t.cause])).toEqual([[inside.id, 'up', 'maintenance', now - 60_000, 'maintenance_start']]);
    expect(live.filter((l) => l.clientId === client.id).map((l) => [l.checkId, l.state])).toEqual([[inside.id, 'maintenance']]);
    const row = await db.kysely.selectFrom('checks').select(['state', 'state_since']).where('id', '=', inside.id).executeTakeFirstOrThrow();
    expect([row.state, Number(row.state_since)]).toEqual(['maintenance', now - 60_000]);
    expect((await db.kysely.selectFrom('checks').select('state').where('id', '=', outside.id).executeTakeFirstOrThrow()).state).toBe('up');
    // Sweeping again changes nothing.
    expect((await sweepMaintenance(db, now + 10_000)).filter((t) => t.clientId === client.id)).toEqual([]);

    // Probes keep being evaluated under maintenance: the check fails, but shows maintenance and raises nothing.
    const fail = await applyResults(db, [{ checkId: inside.id, at: now + 20_000, status: 'down', latencyMs: null, message: 'connection refused' }]);
    expect(fail.transitions).toEqual([]);

    // At the occurrence's end it leaves maintenance, dated at the end, straight to what the probes say.
    const after = occ.end + 5_000;
    const out = await sweepMaintenance(db, after);
    expect(out.filter((t) => t.clientId === client.id).map((t) => [t.checkId, t.from, t.to, t.at, t.cause])).toEqual([[inside.id, 'maintenance', 'down', occ.end, 'maintenance_end']]);

    const periods = await periodsOf(db, client.id, inside.id, 0, after + HOUR);
    expect(periods.map((p) => [p.state, p.from, p.to])).toEqual([
      ['unknown', expect.any(Number), t0],
      ['up', t0, now - 60_000],
      ['maintenance', now - 60_000, occ.end],
      ['down', occ.end, null],
    ]);
    const a = availability(toPeriods(periods), { from: t0, to: after }, { now: after });
    expect(a).toMatchObject({ upMs: 4 * MIN, downMs: 5_000, maintenanceMs: occ.end - (now - 60_000), unknownMs: 0 });
    expect(a.availability).toBe((4 * MIN) / (4 * MIN + 5_000));
  });

  it('site and check targets, deletion (leaves at once), and concurrent sweeps changing a check once', async () => {
    const { db, client, site, asset, check } = await world();
    const c1 = await check('Serveur', asset.id);
    const c2 = await check('Sans actif', null, 'heartbeat');
    const t0 = Date.now() + 1000;
    const now = t0 + 5 * MIN;
    await applyResults(db, [{ checkId: c1.id, at: t0, status: 'up', latencyMs: 1, message: 'ok' }]);
    const bySite = await createWindow(db, SYSTEM_CONTEXT, client.id, WindowCreateBody.parse({
      title: 'Coupure électrique', target_type: 'site', target_id: site.id, schedule: { kind: 'once', start: t0 - 30 * MIN, end: t0 + HOUR },
    }));
    await createWindow(db, SYSTEM_CONTEXT, client.id, WindowCreateBody.parse({
      title: 'Job déplacé', target_type: 'check', target_id: c2.id, schedule: { kind: 'once', start: now - 30_000, end: t0 + HOUR },
    }));
    const [x, y] = await Promise.all([sweepMaintenance(db, now), sweepMaintenance(db, now)]);
    const mine = [...x, ...y].filter((t) => t.clientId === client.id);
    // Within the grace the start is exact (30 s ago); before it, clipped to the grace.
    expect(mine.map((t) => [t.checkId, t.from, t.to, t.at]).sort()).toEqual(
      [[c1.id, 'up', 'maintenance', now - 60_000], [c2.id, 'unknown', 'maintenance', now - 30_000]].sort(),
    );
    expect((await periodsOf(db, client.id, c1.id, 0, now + HOUR)).map((p) => p.state)).toEqual(['unknown', 'up', 'maintenance']);

    await deleteWindow(db, SYSTEM_CONTEXT, client.id, bySite.id);
    const later = now + 5 * MIN;
    const out = await sweepMaintenance(db, later);
    expect(out.filter((t) => t.clientId === client.id).map((t) => [t.checkId, t.to, t.at])).toEqual([[c1.id, 'up', later]]);
    expect((await db.kysely.selectFrom('checks').select('state').where('id', '=', c2.id).executeTakeFirstOrThrow()).state).toBe('maintenance');
    const journal = await db.kysely.selectFrom('journal').select('action').where('object_id', '=', bySite.id).orderBy('seq').execute();
    expect(journal.map((j) => j.action)).toEqual(['maintenance.create', 'maintenance.delete']);
  });

  it('the engine applies windows in its sweep', async () => {
    const { db, client, check } = await world();
    const c = await check('Sauvegarde', null, 'heartbeat');
    await createWindow(db, SYSTEM_CONTEXT, client.id, WindowCreateBody.parse({
      title: 'Migration', target_type: 'check', target_id: c.id, schedule: { kind: 'once', start: Date.now() - 1000, end: Date.now() + HOUR },
    }));
    const engine = new MonitoringEngine(db, { sweepMs: 50 });
    const seen: string[] = [];
    engine.onTransitions = (t) => void seen.push(...t.filter((x) => x.checkId === c.id).map((x) => x.cause));
    await engine.start();
    try {
      await expect.poll(async () => (await db.kysely.selectFrom('checks').select('state').where('id', '=', c.id).executeTakeFirstOrThrow()).state).toBe('maintenance');
      await expect.poll(() => seen).toEqual(['maintenance_start']);
    } finally {
      await engine.stop();
    }
  });
});
