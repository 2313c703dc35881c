import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../../../test/support/databases.ts';
import { login, testServer, twoClients } from '../../../test/support/world.ts';
import type { App } from '../../app/server.ts';
import { newId } from '../../core/ids.ts';
import type { CheckTable } from '../../db/schema.ts';
import { loadBoard } from './board.ts';

const CHECKS = 20_000;
const STATES = ['up', 'up', 'up', 'up', 'up', 'up', 'degraded', 'down', 'unknown', 'maintenance'] as const;

describeEachDatabase('live board at 20,000 checks', (getDb, dialect) => {
  let app: App;
  let w: Awaited<ReturnType<typeof twoClients>>;

  beforeAll(async () => {
    const db = getDb();
    app = await testServer(db);
    w = await twoClients(db);
    const now = Date.now();
    const clientId = w.a.client.id;
    const site = { id: newId(), client_id: clientId, name: 'Siège', address: '', city: '', country: 'FR', notes: '', created_at: now, updated_at: now };
    await db.kysely.insertInto('sites').values(site).execute();
    // 2,000 assets, 10 checks each; check 0 of each asset is its "switch", the parent of the 9 others.
    const assets = Array.from({ length: CHECKS / 10 }, (_, i) => ({
      id: newId(), client_id: clientId, site_id: site.id, name: `asset-${String(i).padStart(4, '0')}`, type: 'server', criticality: 2, business_impact: '', owner: '', location: '',
      serial: '', manufacturer: '', model: '', ip_address: '', warranty_end: null, tags: '[]', custom_fields: '{}', notes: '', search_text: `asset-${i}`, created_at: now, updated_at: now,
    }));
    for (let i = 0; i < assets.length; i += 500) await db.kysely.insertInto('assets').values(assets.slice(i, i + 500)).execute();
    const rows: CheckTable[] = [];
    let parent = '';
    for (let i = 0; i < CHECKS; i++) {
      const id = newId();
      if (i % 10 === 0) parent = id;
      rows.push({
        id, no: 1_000_000 + i, client_id: clientId, asset_id: assets[Math.floor(i / 10)]!.id, collector_id: null, parent_check_id: i % 10 === 0 ? null : parent,
        name: `check-${String(i).padStart(5, '0')}`, type: 'http', settings: '{"url":"https://intranet.example/health"}', interval_s: 60, timeout_ms: 10_000, retries: 2,
        recovery_threshold: 1, enabled: 1, heartbeat_token_hash: null, state: STATES[i % 10]!, state_since: now - i * 1000, runtime: '{}', last_result_at: now - 5000,
        last_status: 'up', last_latency_ms: 12.5, last_message: 'HTTP 200 in 12 ms', next_due_at: now, lease_owner: null, lease_until: null, created_at: now, updated_at: now,
      });
    }
    for (let i = 0; i < rows.length; i += 500) await db.kysely.insertInto('checks').values(rows.slice(i, i + 500)).execute();
  }, 120_000);
  afterAll(async () => {
    await app?.close();
  });

  it(`loads in well under 300 ms (measured, printed) with correct counts`, async () => {
    const db = getDb();
    const s = await login(app, w.a.user);
    const url = `/api/v1/clients/${w.a.client.id}/monitoring/board`;
    const first = await s.get(url);
    expect(first.statusCode).toBe(200);
    const body = first.json();
    expect(body.items).toHaveLength(CHECKS);
    // Per 10 checks: the parent (i % 10 == 0) is up; 9 children: 5 up, 1 degraded, 1 down, 1 unknown, 1 maintenance —
    // and since the parent is up, nothing is unreachable.
    expect(body.counts).toEqual({ up: 12_000, degraded: 2000, down: 2000, unknown: 2000, maintenance: 2000, unreachable: 0 });

    // Take every tenth parent down: its down and unknown children become unreachable.
    await db.kysely.updateTable('checks').set({ state: 'down' }).where('client_id', '=', w.a.client.id).where('parent_check_id', 'is', null).where('no', '<', 1_000_000 + 1000).execute();
    // Timed as a browser gets it: over a real socket, to the last byte (JSON parsing aside).
    await app.listen({ port: 0, host: '127.0.0.1' });
    const port = (app.server.address() as AddressInfo).port;
    const fetchBoard = () =>
      new Promise<{ ms: number; body: string }>((resolve, reject) => {
        const t = performance.now();
        const req = request({ host: '127.0.0.1', port, path: url, headers: { cookie: `vigie_session=${s.cookie}` } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ ms: performance.now() - t, body: Buffer.concat(chunks).toString('utf8') }));
        });
        req.on('error', reject);
        req.end();
      });
    const timings: number[] = [];
    let last = '';
    for (let i = 0; i < 7; i++) {
      const r = await fetchBoard();
      timings.push(r.ms);
      last = r.body;
    }
    expect(JSON.parse(last).counts).toEqual({ up: 12_000 - 100, degraded: 2000, down: 2000 - 100 + 100, unknown: 2000 - 100, maintenance: 2000, unreachable: 200 });
    timings.sort((a, b) => a - b);
    const t = performance.now();
    const board = await loadBoard(db, w.a.client.id);
    const loadMs = performance.now() - t;
    const t2 = performance.now();
    JSON.stringify(board);
    const jsonMs = performance.now() - t2;
    const figures = {
      bench: 'board', database: dialect, checks: CHECKS, http_median_ms: Math.round(timings[3]!), http_min_ms: Math.round(timings[0]!), http_max_ms: Math.round(timings[6]!),
      load_ms: Math.round(loadMs), json_ms: Math.round(jsonMs), bytes: last.length,
    };
    console.log(JSON.stringify(figures));
    // The aim is < 300 ms; the bound here is loose so a busy CI machine does not fail on noise.
    expect(timings[3]).toBeLessThan(1000);
  }, 60_000);
});
