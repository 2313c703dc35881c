import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../../test/support/databases.ts';
import { Session, testServer } from '../../test/support/world.ts';
import { verifyJournal } from '../modules/journal/service.ts';
import type { App } from './server.ts';
import { DEMO_PASSWORD, loadDemo } from './demo.ts';
import { DEMO_CLIENTS } from './demo-data.ts';

describeEachDatabase('demo data', (getDb) => {
  let app: App;
  let first: Awaited<ReturnType<typeof loadDemo>>;
  beforeAll(async () => {
    first = await loadDemo(getDb());
    app = await testServer(getDb());
  });
  afterAll(async () => {
    await app?.close();
  });

  it('loads two clients with sites, 15–25 assets each, relations and people, one journal entry per object', async () => {
    const db = getDb();
    expect(first.loaded).toBe(true);
    expect(first.created).toMatchObject({ clients: 2, users: 10, sites: 3, contracts: 2, tickets: 20 });
    const clients = await db.kysely.selectFrom('organisations').select(['id', 'slug', 'name']).where('kind', '=', 'client').orderBy('name').execute();
    expect(clients.map((c) => c.name)).toEqual(['Boulangeries Durand', 'Cabinet Lefèvre Avocats']);
    for (const c of clients) {
      const assets = await db.kysely.selectFrom('assets').selectAll().where('client_id', '=', c.id).execute();
      expect(assets.length).toBeGreaterThanOrEqual(15);
      expect(assets.length).toBeLessThanOrEqual(25);
      const types = new Set(assets.map((a) => a.type));
      for (const t of ['firewall', 'switch', 'server', 'nas', 'vm', 'workstation', 'printer', 'ups', 'business_application', 'cloud_service', 'backup_system']) expect(types).toContain(t);
      expect(assets.filter((a) => a.warranty_end !== null).length).toBeGreaterThan(5);
      const kinds = new Set((await db.kysely.selectFrom('asset_relations').select('kind').where('client_id', '=', c.id).execute()).map((r) => r.kind));
      expect([...kinds].sort()).toEqual(['backs_up', 'connected_to', 'depends_on', 'runs_on']);
      const created = await db.kysely.selectFrom('journal').select('object_id').where('client_id', '=', c.id).where('action', '=', 'asset.create').execute();
      expect(new Set(created.map((j) => j.object_id))).toEqual(new Set(assets.map((a) => a.id)));
    }
    const sites = await db.kysely.selectFrom('sites').select('city').orderBy('city').execute();
    expect(sites.map((s) => s.city)).toEqual(['Lyon', 'Paris', 'Villeurbanne']);
    expect(await verifyJournal(db)).toMatchObject({ ok: true });
  });

  it('adds nothing when loaded again', async () => {
    const db = getDb();
    const count = async () => Number((await db.kysely.selectFrom('journal').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const before = await count();
    const again = await loadDemo(db);
    expect(again.loaded).toBe(false);
    expect(again.created).toEqual({ clients: 0, users: 0, sites: 0, assets: 0, relations: 0, contracts: 0, tickets: 0 });
    expect(again.accounts).toEqual(first.accounts);
    expect(await count()).toBe(before);
  });

  it('gives working logins: client people without MFA, staff through MFA enrolment, each seeing their own clients', async () => {
    for (const a of first.accounts) expect(a.password).toBe(DEMO_PASSWORD);
    const durand = DEMO_CLIENTS[0]!;
    const ref = new Session(app);
    const r = await ref.post('/api/v1/auth/login', { email: durand.people[0]!.email, password: DEMO_PASSWORD });
    expect(r.json().stage).toBe('full');
    const seen = (await ref.get('/api/v1/clients')).json().items.map((c: { slug: string }) => c.slug);
    expect(seen).toEqual([durand.slug]);

    const staff = first.accounts.find((a) => a.name === 'Camille Martin')!;
    expect(staff.mfa).toBe(true);
    const s = new Session(app);
    expect((await s.post('/api/v1/auth/login', { email: staff.email, password: DEMO_PASSWORD })).json().stage).toBe('mfa_enrol');
  });
});
