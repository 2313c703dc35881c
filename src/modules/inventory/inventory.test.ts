import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../../../test/support/databases.ts';
import { login, makeClient, Session, testServer, twoClients } from '../../../test/support/world.ts';
import type { App } from '../../app/server.ts';
import type { Db } from '../../db/database.ts';

type World = Awaited<ReturnType<typeof twoClients>>;

/** Rows of a client in each inventory table, and its journal length: what "nothing changed" compares. */
async function footprint(db: Db, clientId: string) {
  const count = async (t: 'sites' | 'assets' | 'asset_relations' | 'journal') =>
    Number((await db.kysely.selectFrom(t).select((eb) => eb.fn.countAll().as('n')).where('client_id', '=', clientId).executeTakeFirstOrThrow()).n);
  return { sites: await count('sites'), assets: await count('assets'), relations: await count('asset_relations'), journal: await count('journal') };
}

async function journalActions(db: Db, clientId: string, objectId?: string) {
  let q = db.kysely.selectFrom('journal').select(['action', 'object_id', 'before', 'after']).where('client_id', '=', clientId).orderBy('seq');
  if (objectId) q = q.where('object_id', '=', objectId);
  return q.execute();
}

describeEachDatabase('inventory: sites, assets, relations', (getDb) => {
  let app: App;
  let w: World;
  let admin: Session, engineerA: Session, refA: Session, userA: Session, auditorA: Session, refB: Session;
  let A: string, B: string;

  beforeAll(async () => {
    const db = getDb();
    app = await testServer(db);
    w = await twoClients(db);
    A = w.a.client.id;
    B = w.b.client.id;
    [admin, engineerA, refA, userA, auditorA, refB] = await Promise.all([
      login(app, w.admin), login(app, w.engineerA), login(app, w.a.referent), login(app, w.a.user), login(app, w.a.auditor), login(app, w.b.referent),
    ]);
  });
  afterAll(async () => {
    await app?.close();
  });

  it('sites: create, list with asset counts, read, rename, refuse duplicates, delete only when empty', async () => {
    const created = await refA.post(`/api/v1/clients/${A}/sites`, { name: 'Siège', address: '1 rue de la Paix', city: 'Paris', country: 'fr' });
    expect(created.statusCode).toBe(201);
    const site = created.json();
    expect(site).toMatchObject({ client_id: A, name: 'Siège', city: 'Paris', country: 'FR', notes: '', asset_count: 0 });
    expect(Object.keys(site).sort()).toEqual(['address', 'asset_count', 'city', 'client_id', 'country', 'created_at', 'id', 'name', 'notes', 'updated_at']);

    const dup = await engineerA.post(`/api/v1/clients/${A}/sites`, { name: 'Siège' });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().error.id).toBe('site_name_taken');
    // Another client may use the same name.
    expect((await refB.post(`/api/v1/clients/${B}/sites`, { name: 'Siège' })).statusCode).toBe(201);

    const lyon = (await refA.post(`/api/v1/clients/${A}/sites`, { name: 'Lyon' })).json();
    const asset = await refA.post(`/api/v1/clients/${A}/assets`, { name: 'srv-lyon', type: 'server', site_id: lyon.id });
    expect(asset.statusCode).toBe(201);

    const list = (await userA.get(`/api/v1/clients/${A}/sites`)).json().items;
    expect(list.map((s: { name: string; asset_count: number }) => [s.name, s.asset_count])).toEqual([['Lyon', 1], ['Siège', 0]]);
    expect((await auditorA.get(`/api/v1/clients/${A}/sites/${lyon.id}`)).json()).toMatchObject({ name: 'Lyon', asset_count: 1 });

    const renamed = await refA.patch(`/api/v1/clients/${A}/sites/${site.id}`, { name: 'Siège social', notes: 'accueil au 2e' });
    expect(renamed.statusCode).toBe(200);
    expect(renamed.json()).toMatchObject({ name: 'Siège social', notes: 'accueil au 2e', city: 'Paris' });
    const clash = await refA.patch(`/api/v1/clients/${A}/sites/${site.id}`, { name: 'Lyon' });
    expect(clash.statusCode).toBe(409);
    expect(clash.json().error.id).toBe('site_name_taken');

    const notEmpty = await refA.delete(`/api/v1/clients/${A}/sites/${lyon.id}`);
    expect(notEmpty.statusCode).toBe(409);
    expect(notEmpty.json().error.id).toBe('site_not_empty');
    // Another client's site is not found, whoever asks.
    expect((await refB.get(`/api/v1/clients/${B}/sites/${site.id}`)).statusCode).toBe(404);
    expect((await refB.delete(`/api/v1/clients/${B}/sites/${site.id}`)).statusCode).toBe(404);
    expect((await refB.get(`/api/v1/clients/${A}/sites`)).statusCode).toBe(404);

    expect((await refA.delete(`/api/v1/clients/${A}/sites/${site.id}`)).json()).toEqual({ ok: true });
    expect((await refA.get(`/api/v1/clients/${A}/sites/${site.id}`)).statusCode).toBe(404);

    const entries = await journalActions(getDb(), A, site.id);
    expect(entries.map((e) => e.action)).toEqual(['site.create', 'site.update', 'site.delete']);
    expect(JSON.parse(entries[1]!.before!).name).toBe('Siège');
    expect(JSON.parse(entries[1]!.after!).name).toBe('Siège social');
  });

  it('assets: create, read, patch, delete, with before/after in the journal', async () => {
    const site = (await engineerA.post(`/api/v1/clients/${A}/sites`, { name: 'Entrepôt' })).json();
    const r = await engineerA.post(`/api/v1/clients/${A}/assets`, {
      name: '  fw-entrepot ', type: 'firewall', criticality: 1, site_id: site.id, business_impact: 'Plus d’accès internet', owner: 'DSI', location: 'Baie A',
      serial: 'FGT60F-123', manufacturer: 'Fortinet', model: 'FortiGate 60F', ip_address: '192.168.1.254', warranty_end: Date.UTC(2027, 5, 30),
      tags: ['réseau', 'prod', 'prod'], custom_fields: { firmware: '7.2.8', ports: 10, managed: true }, notes: 'HA passive',
    });
    expect(r.statusCode).toBe(201);
    const a = r.json();
    expect(a).toMatchObject({
      client_id: A, site_id: site.id, site_name: 'Entrepôt', name: 'fw-entrepot', type: 'firewall', criticality: 1, tags: ['réseau', 'prod'],
      custom_fields: { firmware: '7.2.8', ports: 10, managed: true }, warranty_end: Date.UTC(2027, 5, 30),
    });
    expect(Object.keys(a).sort()).toEqual([
      'business_impact', 'client_id', 'created_at', 'criticality', 'custom_fields', 'id', 'ip_address', 'location', 'manufacturer', 'model', 'name', 'notes',
      'owner', 'serial', 'site_id', 'site_name', 'tags', 'type', 'updated_at', 'warranty_end',
    ]);
    const got = (await auditorA.get(`/api/v1/clients/${A}/assets/${a.id}`)).json();
    expect(got).toEqual({ ...a, relations: [] });

    // Defaults: criticality 3, no site, empty strings.
    const minimal = (await refA.post(`/api/v1/clients/${A}/assets`, { name: 'ERP', type: 'business_application' })).json();
    expect(minimal).toMatchObject({ criticality: 3, site_id: null, site_name: null, serial: '', tags: [], custom_fields: {}, warranty_end: null });

    const p = await refA.patch(`/api/v1/clients/${A}/assets/${a.id}`, { criticality: 2, site_id: null, tags: ['edge'], warranty_end: null });
    expect(p.statusCode).toBe(200);
    expect(p.json()).toMatchObject({ criticality: 2, site_id: null, site_name: null, tags: ['edge'], warranty_end: null, name: 'fw-entrepot', serial: 'FGT60F-123' });
    expect(p.json().updated_at).toBeGreaterThan(a.updated_at);
    // The search text follows the change.
    expect((await userA.get(`/api/v1/clients/${A}/assets?tag=edge`)).json().items.map((x: { id: string }) => x.id)).toEqual([a.id]);
    expect((await userA.get(`/api/v1/clients/${A}/assets?tag=prod`)).json().items).toEqual([]);

    expect((await refA.delete(`/api/v1/clients/${A}/assets/${a.id}`)).json()).toEqual({ ok: true });
    expect((await refA.get(`/api/v1/clients/${A}/assets/${a.id}`)).statusCode).toBe(404);
    const entries = await journalActions(getDb(), A, a.id);
    expect(entries.map((e) => e.action)).toEqual(['asset.create', 'asset.update', 'asset.delete']);
    expect(JSON.parse(entries[1]!.before!)).toMatchObject({ criticality: 1, site_name: 'Entrepôt' });
    expect(JSON.parse(entries[1]!.after!)).toMatchObject({ criticality: 2, site_name: null });
    expect(JSON.parse(entries[2]!.before!)).toMatchObject({ name: 'fw-entrepot' });
  });

  it('relations: both ways on the asset, no self relation, no duplicate, same client only; deleting an asset deletes its relations', async () => {
    const mk = async (s: Session, client: string, name: string, type: string) => (await s.post(`/api/v1/clients/${client}/assets`, { name, type })).json().id as string;
    const host = await mk(refA, A, 'esx-01', 'server');
    const vm = await mk(refA, A, 'vm-erp', 'vm');
    const backup = await mk(refA, A, 'veeam', 'backup_system');
    const foreign = await mk(refB, B, 'b-server', 'server');

    const rel = await engineerA.post(`/api/v1/clients/${A}/assets/${vm}/relations`, { to_asset_id: host, kind: 'runs_on' });
    expect(rel.statusCode).toBe(201);
    expect(rel.json()).toEqual({ id: expect.any(String), kind: 'runs_on', from_asset_id: vm, to_asset_id: host });
    const bk = (await refA.post(`/api/v1/clients/${A}/assets/${backup}/relations`, { to_asset_id: vm, kind: 'backs_up' })).json();

    const dup = await refA.post(`/api/v1/clients/${A}/assets/${vm}/relations`, { to_asset_id: host, kind: 'runs_on' });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().error.id).toBe('relation_exists');
    const self = await refA.post(`/api/v1/clients/${A}/assets/${vm}/relations`, { to_asset_id: vm, kind: 'depends_on' });
    expect(self.statusCode).toBe(400);
    expect(self.json().error.id).toBe('self_relation');
    const before = await footprint(getDb(), A);
    // A loop of dependencies (the host would depend on the VM that runs on it) is refused; a descriptive relation is not a dependency.
    const loop = await refA.post(`/api/v1/clients/${A}/assets/${host}/relations`, { to_asset_id: vm, kind: 'depends_on' });
    expect(loop.statusCode).toBe(400);
    expect(loop.json().error.id).toBe('dependency_cycle');
    expect(await footprint(getDb(), A)).toEqual(before);
    expect((await refA.post(`/api/v1/clients/${A}/assets/${vm}/relations`, { to_asset_id: foreign, kind: 'depends_on' })).statusCode).toBe(404);
    expect((await refB.post(`/api/v1/clients/${B}/assets/${foreign}/relations`, { to_asset_id: vm, kind: 'depends_on' })).statusCode).toBe(404);
    expect((await refB.post(`/api/v1/clients/${B}/assets/${vm}/relations`, { to_asset_id: foreign, kind: 'depends_on' })).statusCode).toBe(404);
    expect((await refA.post(`/api/v1/clients/${A}/assets/${vm}/relations`, { to_asset_id: host, kind: 'loves' })).json().error.id).toBe('validation_failed');
    expect((await refB.delete(`/api/v1/clients/${B}/relations/${bk.id}`)).statusCode).toBe(404);
    expect(await footprint(getDb(), A)).toEqual(before);

    const detail = (await userA.get(`/api/v1/clients/${A}/assets/${vm}`)).json();
    expect(detail.relations).toEqual([
      { id: rel.json().id, kind: 'runs_on', direction: 'out', other: { id: host, name: 'esx-01', type: 'server' } },
      { id: bk.id, kind: 'backs_up', direction: 'in', other: { id: backup, name: 'veeam', type: 'backup_system' } },
    ]);

    expect((await refA.delete(`/api/v1/clients/${A}/relations/${bk.id}`)).json()).toEqual({ ok: true });
    expect((await refA.get(`/api/v1/clients/${A}/assets/${backup}`)).json().relations).toEqual([]);

    // Deleting the VM removes the runs_on relation too, and journals it.
    expect((await refA.delete(`/api/v1/clients/${A}/assets/${vm}`)).statusCode).toBe(200);
    expect((await refA.get(`/api/v1/clients/${A}/assets/${host}`)).json().relations).toEqual([]);
    expect((await journalActions(getDb(), A, rel.json().id)).map((e) => e.action)).toEqual(['relation.create', 'relation.delete']);
    expect((await journalActions(getDb(), A, bk.id)).map((e) => e.action)).toEqual(['relation.create', 'relation.delete']);
  });

  it('refuses bad input with a stable id and changes nothing', async () => {
    const siteB = (await refB.post(`/api/v1/clients/${B}/sites`, { name: 'B-only' })).json();
    const asset = (await refA.post(`/api/v1/clients/${A}/assets`, { name: 'keep-me', type: 'nas', criticality: 2 })).json();
    const before = await footprint(getDb(), A);
    const cases: [string, Promise<{ statusCode: number; json: () => { error: { id: string } } }>, number, string][] = [
      ['unknown type', refA.post(`/api/v1/clients/${A}/assets`, { name: 'x', type: 'toaster' }), 400, 'validation_failed'],
      ['criticality 5', refA.post(`/api/v1/clients/${A}/assets`, { name: 'x', type: 'server', criticality: 5 }), 400, 'validation_failed'],
      ['criticality 0 on patch', refA.patch(`/api/v1/clients/${A}/assets/${asset.id}`, { criticality: 0 }), 400, 'validation_failed'],
      ['empty name', refA.post(`/api/v1/clients/${A}/assets`, { name: '   ', type: 'server' }), 400, 'validation_failed'],
      ['tag with a pipe', refA.post(`/api/v1/clients/${A}/assets`, { name: 'x', type: 'server', tags: ['a|b'] }), 400, 'validation_failed'],
      ['custom field object', refA.post(`/api/v1/clients/${A}/assets`, { name: 'x', type: 'server', custom_fields: { a: { b: 1 } } }), 400, 'validation_failed'],
      ['site of another client', refA.post(`/api/v1/clients/${A}/assets`, { name: 'x', type: 'server', site_id: siteB.id }), 400, 'unknown_site'],
      ['site of another client on patch', refA.patch(`/api/v1/clients/${A}/assets/${asset.id}`, { site_id: siteB.id }), 400, 'unknown_site'],
      ['malformed cursor', userA.get(`/api/v1/clients/${A}/assets?cursor=%%%`), 400, 'invalid_cursor'],
      ['cursor of garbage', userA.get(`/api/v1/clients/${A}/assets?cursor=bm90LWpzb24`), 400, 'invalid_cursor'],
      ['limit 0', userA.get(`/api/v1/clients/${A}/assets?limit=0`), 400, 'validation_failed'],
      ['limit 501', userA.get(`/api/v1/clients/${A}/assets?limit=501`), 400, 'validation_failed'],
      ['unknown sort', userA.get(`/api/v1/clients/${A}/assets?sort=serial`), 400, 'validation_failed'],
      ['not an id', userA.get(`/api/v1/clients/${A}/assets/42`), 400, 'validation_failed'],
      ['site name too long', refA.post(`/api/v1/clients/${A}/sites`, { name: 'x'.repeat(201) }), 400, 'validation_failed'],
      ['bad country', refA.post(`/api/v1/clients/${A}/sites`, { name: 'Nice', country: 'France' }), 400, 'validation_failed'],
      ['asset of another client', refB.patch(`/api/v1/clients/${B}/assets/${asset.id}`, { name: 'stolen' }), 404, 'not_found'],
    ];
    for (const [what, res, status, id] of cases) {
      const r = await res;
      expect([what, r.statusCode, r.json().error.id]).toEqual([what, status, id]);
    }
    // A cursor made for one sort is refused for another.
    const many = await Promise.all([1, 2].map((i) => refA.post(`/api/v1/clients/${A}/assets`, { name: `extra-${i}`, type: 'server' })));
    const page = (await userA.get(`/api/v1/clients/${A}/assets?limit=1`)).json();
    expect(page.next_cursor).toEqual(expect.any(String));
    const wrongSort = await userA.get(`/api/v1/clients/${A}/assets?limit=1&sort=criticality&cursor=${page.next_cursor}`);
    expect(wrongSort.json().error.id).toBe('invalid_cursor');
    for (const m of many) await refA.delete(`/api/v1/clients/${A}/assets/${m.json().id}`);
    const after = await footprint(getDb(), A);
    expect({ ...after, journal: 0 }).toEqual({ ...before, journal: 0 });
    expect(after.journal).toBe(before.journal + 4);
    expect((await refA.get(`/api/v1/clients/${A}/assets/${asset.id}`)).json()).toMatchObject({ name: 'keep-me', criticality: 2, site_id: null });
  });

  it('lets the technical referent and provider staff write; users and auditors only read; other clients see nothing', async () => {
    const asset = (await engineerA.post(`/api/v1/clients/${A}/assets`, { name: 'printer-1', type: 'printer' })).json();
    const site = (await admin.post(`/api/v1/clients/${A}/sites`, { name: 'Annexe' })).json();
    const before = await footprint(getDb(), A);
    for (const s of [userA, auditorA]) {
      expect((await s.get(`/api/v1/clients/${A}/assets`)).statusCode).toBe(200);
      expect((await s.get(`/api/v1/clients/${A}/assets/${asset.id}`)).statusCode).toBe(200);
      expect((await s.get(`/api/v1/clients/${A}/sites`)).statusCode).toBe(200);
      const writes = [
        s.post(`/api/v1/clients/${A}/assets`, { name: 'x', type: 'server' }),
        s.patch(`/api/v1/clients/${A}/assets/${asset.id}`, { name: 'y' }),
        s.delete(`/api/v1/clients/${A}/assets/${asset.id}`),
        s.post(`/api/v1/clients/${A}/assets/${asset.id}/relations`, { to_asset_id: asset.id, kind: 'depends_on' }),
        s.post(`/api/v1/clients/${A}/sites`, { name: 'z' }),
        s.patch(`/api/v1/clients/${A}/sites/${site.id}`, { name: 'z' }),
        s.delete(`/api/v1/clients/${A}/sites/${site.id}`),
        s.post(`/api/v1/clients/${A}/assets/import`, { csv: 'name,type\na,server\n' }),
        s.post(`/api/v1/clients/${A}/assets/import/preview`, { csv: 'name,type\na,server\n' }),
      ];
      for (const r of await Promise.all(writes)) {
        expect(r.statusCode).toBe(403);
        expect(r.json().error.id).toBe('forbidden');
      }
    }
    // The other client's people do not even learn the client exists.
    expect((await refB.get(`/api/v1/clients/${A}/assets`)).statusCode).toBe(404);
    expect((await refB.get(`/api/v1/clients/${A}/assets/${asset.id}`)).statusCode).toBe(404);
    expect((await refB.post(`/api/v1/clients/${A}/assets`, { name: 'x', type: 'server' })).statusCode).toBe(404);
    expect((await refB.get(`/api/v1/clients/${B}/assets/${asset.id}`)).statusCode).toBe(404);
    expect((await engineerA.get(`/api/v1/clients/${B}/assets`)).statusCode).toBe(404);
    expect(await footprint(getDb(), A)).toEqual(before);
    // A provider admin may name a client that does not exist: still a 404.
    expect((await admin.get(`/api/v1/clients/${asset.id}/assets`)).statusCode).toBe(404);
    expect((await admin.post(`/api/v1/clients/${asset.id}/sites`, { name: 'ghost' })).statusCode).toBe(404);
  });

  it('filters, searches and sorts; pages walk the whole set with no duplicate and no gap', async () => {
    const db = getDb();
    const c = (await makeClient(db)).id;
    const sites = await Promise.all(['Paris', 'Lyon'].map(async (name) => (await admin.post(`/api/v1/clients/${c}/sites`, { name })).json()));
    // 120 assets with many equal names and criticalities, so ties are broken by id.
    const types = ['server', 'vm', 'workstation', 'switch'];
    const lines = ['name,type,criticality,site,serial,ip_address,owner,location,tags'];
    for (let i = 0; i < 120; i++) {
      lines.push([`host-${String(i % 40).padStart(2, '0')}`, types[i % 4], (i % 4) + 1, i % 3 === 0 ? 'Lyon' : 'Paris', `SN${1000 + i}`, `10.0.${i % 7}.${i}`,
        i === 7 ? 'Émilie Dupont' : 'IT', i === 8 ? 'Salle Serveurs' : '', i % 10 === 0 ? 'prod|backup' : 'lab'].join(','));
    }
    const imported = await admin.post(`/api/v1/clients/${c}/assets/import`, { csv: lines.join('\n') });
    expect(imported.json()).toMatchObject({ created: 120, sites_created: [] });
    // Spread updated_at so that this sort has both ties and order.
    const all = (await admin.get(`/api/v1/clients/${c}/assets?limit=500`)).json().items as { id: string; name: string; criticality: number; updated_at: number; type: string; site_id: string; tags: string[] }[];
    expect(all).toHaveLength(120);
    for (const [i, a] of all.slice(0, 30).entries()) await db.kysely.updateTable('assets').set({ updated_at: a.updated_at + 1000 * (i % 5) }).where('id', '=', a.id).execute();

    const walk = async (query: string, limit: number) => {
      const ids: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const r = await userList(`${query}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
        expect(r.statusCode).toBe(200);
        const body = r.json();
        expect(body.items.length).toBeLessThanOrEqual(limit);
        ids.push(...body.items.map((x: { id: string }) => x.id));
        cursor = body.next_cursor;
        pages++;
      } while (cursor && pages < 100);
      return { ids, pages };
    };
    const userList = (q: string) => admin.get(`/api/v1/clients/${c}/assets?${q}`);

    for (const sort of ['name', 'criticality', 'updated_at']) {
      const full = (await userList(`sort=${sort}&limit=500`)).json().items as typeof all;
      expect(full).toHaveLength(120);
      const { ids, pages } = await walk(`sort=${sort}`, 25);
      expect(pages).toBe(5);
      expect(new Set(ids).size).toBe(120);
      expect(ids).toEqual(full.map((a) => a.id));
      // The order is the one asked for.
      for (let i = 1; i < full.length; i++) {
        const [p, q] = [full[i - 1]!, full[i]!];
        if (sort === 'criticality') expect(p.criticality).toBeLessThanOrEqual(q.criticality);
        if (sort === 'updated_at') expect(p.updated_at).toBeGreaterThanOrEqual(q.updated_at);
        if (sort === 'name' || (sort === 'criticality' && p.criticality === q.criticality) || (sort === 'updated_at' && p.updated_at === q.updated_at)) {
          expect(p.name <= q.name).toBe(true);
        }
      }
    }
    // Exactly one page when everything fits; an exact multiple ends with no cursor.
    expect((await userList('limit=120')).json().next_cursor).toBeNull();

    const ids = async (q: string) => ((await userList(`${q}&limit=500`)).json().items as typeof all).map((a) => a.id).sort();
    const expectIds = (pred: (a: (typeof all)[number]) => boolean) => all.filter(pred).map((a) => a.id).sort();
    expect(await ids('type=vm')).toEqual(expectIds((a) => a.type === 'vm'));
    expect((await ids('type=vm')).length).toBe(30);
    expect(await ids('criticality=1')).toEqual(expectIds((a) => a.criticality === 1));
    expect(await ids(`site_id=${sites[1].id}`)).toEqual(expectIds((a) => a.site_id === sites[1].id));
    expect((await ids(`site_id=${sites[1].id}`)).length).toBe(40);
    expect(await ids('tag=PROD')).toEqual(expectIds((a) => a.tags.includes('prod')));
    expect((await ids('tag=prod')).length).toBe(12);
    expect(await ids('tag=pro')).toEqual([]);
    expect(await ids('type=server&criticality=1&tag=prod')).toEqual(expectIds((a) => a.type === 'server' && a.criticality === 1 && a.tags.includes('prod')));
    // Walking a filtered list by criticality also covers it exactly.
    const filtered = await walk('type=server&sort=criticality', 7);
    expect(filtered.ids.sort()).toEqual(expectIds((a) => a.type === 'server'));

    // Search: name, serial, IP, tags, owner, location; case- and accent-insensitive; LIKE characters are literal.
    expect((await ids('q=HOST-05')).length).toBe(3);
    expect((await ids('q=sn1042')).length).toBe(1);
    expect((await ids('q=10.0.3.10')).length).toBe(3); // 10.0.3.10, 10.0.3.101 (i=101 → 101 % 7 = 3) and 10.0.3.108
    expect((await ids('q=backup')).length).toBe(12);
    expect((await ids('q=emilie')).length).toBe(1);
    expect((await ids('q=salle serveurs')).length).toBe(1);
    expect(await ids('q=%25')).toEqual([]);
    expect(await ids('q=_')).toEqual([]);
    expect((await ids('q=')).length).toBe(120);
  });
});
