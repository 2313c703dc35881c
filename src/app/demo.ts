/**
 * Demo data: a provider team and two client companies with their people, sites and assets, so a new
 * instance shows something real. Loading is idempotent: what exists (clients by short name, people by
 * email, sites and assets by name, relations) is left alone, so a second load adds nothing.
 * Everything goes through the services and is journaled as `demo`.
 */
import type { Db } from '../db/database.ts';
import type { AuditContext } from '../modules/journal/service.ts';
import type { ClientRole, ProviderRole } from '../modules/tenancy/roles.ts';
import { addMembership, createClient, createUser, findUserByEmail, getProviderId } from '../modules/tenancy/service.ts';
import { DEMO_CLIENTS, type DemoClient } from './demo-data.ts';
import { loadDemoDesk } from './demo-desk.ts';
import { loadDemoInventory } from './demo-inventory.ts';

/** The password of every demo account. Demo instances are for trying Vigie, never for real data. */
export const DEMO_PASSWORD = 'vigie-demo';

export const DEMO_CONTEXT: AuditContext = { actorId: null, actorLabel: 'demo', ip: null };

export interface DemoAccount {
  email: string;
  name: string;
  password: string;
  /** The company: the provider's name or the client's. */
  organisation: string;
  roles: string[];
  /** Provider staff enrol in TOTP at first login; client users need no MFA. */
  mfa: boolean;
}

export interface DemoResult {
  /** True when this call created something (false: everything was already there). */
  loaded: boolean;
  accounts: DemoAccount[];
  created: { clients: number; users: number; sites: number; assets: number; relations: number; contracts: number; tickets: number };
}

interface DemoStaff {
  email: string;
  name: string;
  roles: ProviderRole[];
  /** Role held on each demo client (the assignment). */
  assignedAs: ProviderRole;
}

export const DEMO_STAFF: readonly DemoStaff[] = [
  { email: 'camille.martin@vigie.example', name: 'Camille Martin', roles: ['engineer'], assignedAs: 'engineer' },
  { email: 'lucas.bernard@vigie.example', name: 'Lucas Bernard', roles: ['technician'], assignedAs: 'technician' },
];

/** Loads the demo data once (see the module comment); returns the demo logins to print. */
export async function loadDemo(db: Db, ctx: AuditContext = DEMO_CONTEXT): Promise<DemoResult> {
  const created = { clients: 0, users: 0, sites: 0, assets: 0, relations: 0, contracts: 0, tickets: 0 };
  const accounts: DemoAccount[] = [];
  const providerId = await getProviderId(db);
  const provider = await db.kysely.selectFrom('organisations').select('name').where('id', '=', providerId).executeTakeFirstOrThrow();

  const staffIds: { id: string; staff: DemoStaff }[] = [];
  for (const s of DEMO_STAFF) {
    const id = await ensureUser(db, ctx, s.email, s.name, providerId, s.roles, created);
    staffIds.push({ id, staff: s });
    accounts.push({ email: s.email, name: s.name, password: DEMO_PASSWORD, organisation: provider.name, roles: [...s.roles], mfa: true });
  }

  for (const c of DEMO_CLIENTS) {
    const clientId = await ensureClient(db, ctx, c, created);
    for (const { id, staff } of staffIds) {
      const has = await db.kysely.selectFrom('memberships').select('id').where('user_id', '=', id).where('organisation_id', '=', clientId).where('role', '=', staff.assignedAs).executeTakeFirst();
      if (!has) await addMembership(db, ctx, clientId, id, staff.assignedAs);
    }
    for (const p of c.people) {
      await ensureUser(db, ctx, p.email, p.name, clientId, p.roles, created);
      accounts.push({ email: p.email, name: p.name, password: DEMO_PASSWORD, organisation: c.name, roles: [...p.roles], mfa: false });
    }
    const inv = await loadDemoInventory(db, ctx, clientId, c);
    created.sites += inv.sites;
    created.assets += inv.assets;
    created.relations += inv.relations;
    // A contract and three weeks of tickets (imported with their history: SLA results as if live).
    const tech = staffIds.find((x) => x.staff.assignedAs === 'technician')!;
    const requester = c.people.find((p) => p.roles.includes('user')) ?? c.people[0]!;
    const desk = await loadDemoDesk(db, ctx, clientId, c.name, { requester: requester.email, technicianId: tech.id, technicianEmail: tech.staff.email });
    created.contracts += desk.contracts;
    created.tickets += desk.tickets;
  }

  const loaded = Object.values(created).some((n) => n > 0);
  return { loaded, accounts, created };
}

async function ensureClient(db: Db, ctx: AuditContext, c: DemoClient, created: DemoResult['created']): Promise<string> {
  const found = await db.kysely.selectFrom('organisations').select('id').where('slug', '=', c.slug).where('kind', '=', 'client').executeTakeFirst();
  if (found) return found.id;
  const org = await createClient(db, ctx, { name: c.name, slug: c.slug, notes: c.notes });
  created.clients++;
  return org.id;
}

async function ensureUser(db: Db, ctx: AuditContext, email: string, name: string, orgId: string, roles: (ProviderRole | ClientRole)[], created: DemoResult['created']): Promise<string> {
  const found = await findUserByEmail(db, email);
  if (found) return found.id;
  const r = await createUser(db, ctx, { email, name, organisationId: orgId, roles, password: DEMO_PASSWORD });
  created.users++;
  return r.user.id;
}
