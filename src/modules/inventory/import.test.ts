import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../../../test/support/databases.ts';
import { login, makeClient, Session, testServer, twoClients } from '../../../test/support/world.ts';
import type { App } from '../../app/server.ts';
import { sha256 } from '../../core/crypto.ts';
import type { Db } from '../../db/database.ts';
import { parseCsv } from './csv.ts';

type World = Awaited<ReturnType<typeof twoClients>>;

async function footprint(db: Db, clientId: string) {
  const count = async (t: 'sites' | 'assets' | 'journal') =>
    Number((await db.kysely.selectFrom(t).select((eb) => eb.fn.countAll().as('n')).where('client_id', '=', clientId).executeTakeFirstOrThrow()).n);
  return { sites: await count('sites'), assets: await count('assets'), journal: await count('journal') };
}

/** A valid English comma-separated file of n assets over two sites. */
function englishFile(n: number, bad: Record<number, string> = {}): string {
  const lines = ['name,type,criticality,site,serial,manufacturer,model,ip_address,owner,location,warranty_end,tags,business_impact,notes'];
  for (let i = 0; i < n; i++) {
    // File line of this row: i + 2 (the header is line 1).
    lines.push(bad[i + 2] ?? `asset-${i},server,${(i % 4) + 1},${i % 2 ? 'Paris' : 'Nantes'},SN-${i},Dell,R${i},10.1.0.${i % 250},IT,Rack ${i % 3},2027-01-${String((i % 28) + 1).padStart(2, '0')},prod|dc,,`);
  }
  return lines.join('\n') + '\n';
}

describeEachDatabase('inventory: CSV import and export', (getDb) => {
  let app: App;
  let w: World;
  let admin: Session, refA: Session, userA: Session, auditorA: Session;
  let A: string;

  beforeAll(async () => {
    app = await testServer(getDb());
    w = await twoClients(getDb());
    A = w.a.client.id;
    [admin, refA, userA, auditorA] = await Promise.all([login(app, w.admin), login(app, w.a.referent), login(app, w.a.user), login(app, w.a.auditor)]);
  });
  afterAll(async () => {
    await app?.close();
  });

  const fresh = async () => (await makeClient(getDb())).id;

  it('imports a file in one transaction, creates the sites it names and writes one journal entry', async () => {
    const c = await fresh();
    await admin.post(`/api/v1/clients/${c}/sites`, { name: 'Paris' });
    const csv = englishFile(50);
    const before = await footprint(getDb(), c);
    const r = await admin.post(`/api/v1/clients/${c}/assets/import`, { csv });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({ created: 50, sites_created: ['Nantes'], ignored_columns: [], dry_run: false });
    const after = await footprint(getDb(), c);
    expect(after).toEqual({ sites: before.sites + 1, assets: 50, journal: before.journal + 1 });
    const entry = await getDb().kysely.selectFrom('journal').selectAll().where('client_id', '=', c).orderBy('seq', 'desc').executeTakeFirstOrThrow();
    expect(entry.action).toBe('asset.import');
    expect(JSON.parse(entry.after!)).toMatchObject({ count: 50, file_hash: sha256(csv), sites_created: ['Nantes'] });

    const list = (await admin.get(`/api/v1/clients/${c}/assets?q=asset-7&limit=500`)).json().items;
    const a7 = list.find((a: { name: string }) => a.name === 'asset-7');
    expect(a7).toMatchObject({ type: 'server', criticality: 4, site_name: 'Paris', serial: 'SN-7', tags: ['prod', 'dc'], warranty_end: Date.UTC(2027, 0, 8) });
    const sites = (await admin.get(`/api/v1/clients/${c}/sites`)).json().items;
    expect(sites.map((s: { name: string; asset_count: number }) => [s.name, s.asset_count])).toEqual([['Nantes', 25], ['Paris', 25]]);
  });

  it('refuses the whole file when 2 lines of 50 are bad, reporting exactly those lines, and writes nothing', async () => {
    const c = await fresh();
    const csv = englishFile(50, {
      13: 'asset-x,toaster,1,Paris,,,,,,,,,,',
      40: 'asset-y,server,5,Lyon,,,,,,,31/02/2027,,,',
    });
    const before = await footprint(getDb(), c);
    const r = await admin.post(`/api/v1/clients/${c}/assets/import`, { csv });
    expect(r.statusCode).toBe(422);
    const err = r.json().error;
    expect(err.id).toBe('import_invalid');
    expect(err.details.rows).toBe(50);
    expect(err.details.errors).toEqual([
      { line: 13, column: 'type', field: 'type', value: 'toaster', message: expect.any(String) },
      { line: 40, column: 'criticality', field: 'criticality', value: '5', message: expect.any(String) },
      { line: 40, column: 'warranty_end', field: 'warranty_end', value: '31/02/2027', message: expect.any(String) },
    ]);
    expect(await footprint(getDb(), c)).toEqual(before);
    // Dry run reports the same errors.
    const dry = await admin.post(`/api/v1/clients/${c}/assets/import`, { csv, dry_run: true });
    expect(dry.statusCode).toBe(422);
    expect(dry.json().error.details.errors.map((e: { line: number }) => e.line)).toEqual([13, 40, 40]);
  });

  it('reads a French Excel file: semicolons, BOM, French headers, types and dates; unknown columns ignored or mapped', async () => {
    const c = await fresh();
    const csv = '\uFEFF' + [
      'Nom;Type;Criticité;Site;Numéro de série;Fabricant;Modèle;Adresse IP;Propriétaire;Emplacement;Fin de garantie;Étiquettes;Impact métier;Notes;Couleur',
      'SRV-AD01;Serveur;1;Siège;CZ123;HPE;DL380 Gen10;192.168.10.5;Service informatique;Salle serveur;31/12/2026;prod, ad;Plus de connexion au domaine;"Contrôleur de domaine; principal";gris',
      'PC-ACCUEIL;Poste de travail;4;Siège;;Lenovo;ThinkCentre;;Accueil;RDC;;;;;noir',
      'FW-SIEGE;Pare-feu;1;Siège;FG1;Fortinet;60F;192.168.10.254;;Baie;2027-06-30;réseau;Internet coupé;;',
      'IMP-RH;Imprimante;critique;Entrepôt Nord;;;;;;;;;;;',
      'ONDULEUR-1;onduleur;3;Entrepôt Nord;;APC;;;;;;;;;',
      'AP-1;Borne WiFi;;Entrepôt Nord;;;;;;;;;;;',
    ].join('\r\n') + '\r\n';

    const preview = await refA.post(`/api/v1/clients/${c}/assets/import/preview`, { csv });
    expect(preview.statusCode).toBe(404); // the referent of A has nothing to do with this new client
    const p = await admin.post(`/api/v1/clients/${c}/assets/import/preview`, { csv });
    expect(p.statusCode).toBe(200);
    expect(p.json().delimiter).toBe(';');
    expect(p.json().headers[0]).toBe('Nom');
    expect(p.json().sample).toHaveLength(5);
    expect(p.json().sample[0][13]).toBe('Contrôleur de domaine; principal');
    expect(p.json().suggested_mapping).toMatchObject({ name: 'Nom', type: 'Type', criticality: 'Criticité', serial: 'Numéro de série', warranty_end: 'Fin de garantie', tags: 'Étiquettes', business_impact: 'Impact métier' });
    expect(p.json().suggested_mapping).not.toHaveProperty('Couleur');

    const dry = await admin.post(`/api/v1/clients/${c}/assets/import`, { csv, dry_run: true });
    expect(dry.json()).toEqual({ created: 6, sites_created: ['Siège', 'Entrepôt Nord'], ignored_columns: ['Couleur'], dry_run: true });
    expect(await footprint(getDb(), c)).toEqual({ sites: 0, assets: 0, journal: 1 }); // client.create only

    const mapping = { ...p.json().suggested_mapping, 'custom:couleur': 'Couleur' };
    const r = await admin.post(`/api/v1/clients/${c}/assets/import`, { csv, mapping });
    expect(r.json()).toEqual({ created: 6, sites_created: ['Siège', 'Entrepôt Nord'], ignored_columns: [], dry_run: false });
    const items = (await admin.get(`/api/v1/clients/${c}/assets?limit=500`)).json().items as Record<string, unknown>[];
    const byName = new Map(items.map((a) => [a.name, a]));
    expect(byName.get('SRV-AD01')).toMatchObject({
      type: 'server', criticality: 1, site_name: 'Siège', serial: 'CZ123', ip_address: '192.168.10.5', owner: 'Service informatique', location: 'Salle serveur',
      warranty_end: Date.UTC(2026, 11, 31), tags: ['prod', 'ad'], business_impact: 'Plus de connexion au domaine', notes: 'Contrôleur de domaine; principal',
      custom_fields: { couleur: 'gris' },
    });
    expect(byName.get('PC-ACCUEIL')).toMatchObject({ type: 'workstation', criticality: 4, warranty_end: null, tags: [] });
    expect(byName.get('FW-SIEGE')).toMatchObject({ type: 'firewall', warranty_end: Date.UTC(2027, 5, 30), custom_fields: {} });
    expect(byName.get('IMP-RH')).toMatchObject({ type: 'printer', criticality: 1, site_name: 'Entrepôt Nord' });
    expect(byName.get('ONDULEUR-1')).toMatchObject({ type: 'ups' });
    expect(byName.get('AP-1')).toMatchObject({ type: 'access_point', criticality: 3 });

    // A second import names the existing sites in another case: they are reused, not duplicated.
    const again = await admin.post(`/api/v1/clients/${c}/assets/import`, { csv: 'nom;type;site\nSW-1;commutateur;SIÈGE\nRT-1;routeur;entrepot nord\n' });
    expect(again.json()).toMatchObject({ created: 2, sites_created: [] });
    expect((await admin.get(`/api/v1/clients/${c}/sites`)).json().items).toHaveLength(2);
  });

  it('refuses a mapping naming a missing column, a file without a type column, malformed CSV and an empty file', async () => {
    const c = await fresh();
    const cases: [unknown, number[]][] = [
      [{ csv: 'Hostname,Kind\na,server\n', mapping: { name: 'Hostname', type: 'Genre' } }, [1]],
      [{ csv: 'name,serial\na,1\n' }, [1]],
      [{ csv: 'name,type\na,server\nb,"ser"ver\n' }, [3]],
      [{ csv: '' }, [1]],
      [{ csv: 'name,type\na,server,extra\n' }, [2]],
    ];
    for (const [body, lines] of cases) {
      const r = await admin.post(`/api/v1/clients/${c}/assets/import`, body);
      expect(r.statusCode).toBe(422);
      expect(r.json().error.id).toBe('import_invalid');
      expect(r.json().error.details.errors.map((e: { line: number }) => e.line)).toEqual(lines);
    }
    const badKey = await admin.post(`/api/v1/clients/${c}/assets/import`, { csv: 'a,b\n', mapping: { colour: 'a' } });
    expect(badKey.json().error.id).toBe('validation_failed');
    const badDelimiter = await admin.post(`/api/v1/clients/${c}/assets/import`, { csv: 'a,b\n', delimiter: '|' });
    expect(badDelimiter.json().error.id).toBe('validation_failed');
    expect(await footprint(getDb(), c)).toEqual({ sites: 0, assets: 0, journal: 1 });
  });

  it('exports CSV that imports back to the same inventory, and journals each export', async () => {
    const src = await fresh();
    const csv = [
      'name,type,criticality,site,serial,ip_address,warranty_end,tags,notes,custom:ram,custom:virtualised,custom:os',
      'srv-1,server,1,Paris,S1,10.0.0.1,2027-03-31,prod|erp,"line one\nline two",64,false,Windows Server 2022',
      '=cmd|calc,vm,2,,,,,,-starts with a dash,,true,',
      '"Compta, paie",business_application,2,Lyon,,,,"saas,rh",@mention,,,',
    ].join('\n');
    expect((await admin.post(`/api/v1/clients/${src}/assets/import`, { csv })).json()).toMatchObject({ created: 3 });

    const exp = await userA.get(`/api/v1/clients/${A}/assets/export`);
    expect(exp.statusCode).toBe(200); // a user may export their own client's inventory
    const r1 = await admin.get(`/api/v1/clients/${src}/assets/export`);
    expect(r1.statusCode).toBe(200);
    expect(r1.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(r1.headers['content-disposition']).toMatch(/^attachment; filename=".+\.csv"$/);
    const text = r1.body;
    expect(text.split('\n')[0]).toBe('name,type,criticality,site,serial,manufacturer,model,ip_address,owner,location,warranty_end,tags,business_impact,notes,custom:os,custom:ram,custom:virtualised');
    expect(text).toContain("'=cmd|calc");
    expect(text).not.toMatch(/(^|,)[=@]/m);

    const dst = await fresh();
    const back = await admin.post(`/api/v1/clients/${dst}/assets/import`, { csv: text });
    expect(back.json()).toEqual({ created: 3, sites_created: ['Lyon', 'Paris'], ignored_columns: [], dry_run: false });
    const strip = (items: Record<string, unknown>[]) => items.map(({ id: _i, client_id: _c, site_id: _s, created_at: _a, updated_at: _u, ...rest }) => rest);
    const a = (await admin.get(`/api/v1/clients/${src}/assets?limit=500`)).json().items;
    const b = (await admin.get(`/api/v1/clients/${dst}/assets?limit=500`)).json().items;
    expect(strip(b)).toEqual(strip(a));
    expect(a.find((x: { name: string }) => x.name === 'srv-1').custom_fields).toEqual({ ram: 64, virtualised: false, os: 'Windows Server 2022' });
    expect(a.find((x: { name: string }) => x.name === '=cmd|calc').notes).toBe('-starts with a dash');
    expect((await admin.get(`/api/v1/clients/${dst}/assets/export`)).body).toBe(text);

    // Filters apply to the export too.
    const servers = parseCsv((await admin.get(`/api/v1/clients/${src}/assets/export?type=server`)).body).parsed!;
    expect(servers.rows.map((r) => r.cells[0])).toEqual(['srv-1']);
    const entries = await getDb().kysely.selectFrom('journal').selectAll().where('client_id', '=', src).where('action', '=', 'asset.export').orderBy('seq').execute();
    expect(entries).toHaveLength(2);
    expect(JSON.parse(entries[1]!.after!)).toMatchObject({ count: 1, filters: { type: 'server' } });
    expect(entries[0]!.actor_id).toBe(w.admin.id);
  });

  it('lets the technical referent import and the user and auditor only export', async () => {
    const csv = 'name,type\nref-import,server\n';
    for (const s of [userA, auditorA]) {
      const r = await s.post(`/api/v1/clients/${A}/assets/import`, { csv });
      expect(r.statusCode).toBe(403);
      expect((await s.get(`/api/v1/clients/${A}/assets/export`)).statusCode).toBe(200);
    }
    const ok = await refA.post(`/api/v1/clients/${A}/assets/import`, { csv });
    expect(ok.json()).toMatchObject({ created: 1 });
    const entry = await getDb().kysely.selectFrom('journal').selectAll().where('client_id', '=', A).where('action', '=', 'asset.import').executeTakeFirstOrThrow();
    expect(entry.actor_id).toBe(w.a.referent.id);
  });

  it('imports 10,000 rows quickly', async () => {
    const c = await fresh();
    const csv = englishFile(10_000);
    const t0 = performance.now();
    const r = await admin.post(`/api/v1/clients/${c}/assets/import`, { csv });
    const ms = performance.now() - t0;
    expect(r.json()).toMatchObject({ created: 10_000 });
    expect(ms).toBeLessThan(10_000);
    expect((await footprint(getDb(), c)).assets).toBe(10_000);
    const t1 = performance.now();
    const exp = await admin.get(`/api/v1/clients/${c}/assets/export`);
    expect(exp.body.trim().split('\n')).toHaveLength(10_001);
    console.info(`[${getDb().dialect}] import of 10,000 rows: ${Math.round(ms)} ms; export: ${Math.round(performance.now() - t1)} ms`);
  });
});
