/**
 * Test fixtures shared by the satisfaction and problems tests: tickets and contracts inserted as
 * rows, in the shapes of migrations 0007/0008 and contracts/schema.ts (not used by the product).
 */
import { newId } from '../../core/ids.ts';
import type { Db } from '../../db/database.ts';
import type { TicketTable } from '../../db/schema.ts';
import { ContractBody } from '../contracts/schema.ts';

/** Inserts a contract row; `settings` are merged over the defaults. */
export async function insertContract(
  db: Db,
  clientId: string,
  opts: { status?: string; starts_on?: string; satisfaction?: { sample_pct: number; delay_minutes: number }; recurring_threshold?: number } = {},
): Promise<string> {
  const c = ContractBody.parse({ name: 'Contrat', starts_on: opts.starts_on ?? '2020-01-01', windows: [{ id: 'bh', name: 'Heures ouvrées' }] });
  const settings = { ...c.settings, ...(opts.satisfaction ? { satisfaction: opts.satisfaction } : {}), ...(opts.recurring_threshold ? { recurring_threshold: opts.recurring_threshold } : {}) };
  const id = newId();
  const now = Date.now();
  await db.kysely
    .insertInto('contracts')
    .values({
      id, client_id: clientId, name: c.name, reference: '', status: opts.status ?? 'active', starts_on: c.starts_on, ends_on: null, service_level: '', monthly_fee_cents: 0,
      currency: 'EUR', transition_until: null, scope: JSON.stringify(c.scope), windows: JSON.stringify(c.windows), targets: JSON.stringify(c.targets),
      penalties: JSON.stringify(c.penalties), credits: JSON.stringify(c.credits), priority_matrix: JSON.stringify(c.priority_matrix), settings: JSON.stringify(settings),
      created_at: now, updated_at: now,
    })
    .execute();
  return id;
}

/** Inserts a ticket row (next number of the client), with `ticket_assets` rows for `assetIds`. */
export async function insertTicket(db: Db, clientId: string, t: Partial<TicketTable> & { assetIds?: string[] } = {}): Promise<TicketTable> {
  const { assetIds = [], ...fields } = t;
  const max = await db.kysely.selectFrom('tickets').select((e) => e.fn.max('number').as('n')).where('client_id', '=', clientId).executeTakeFirst();
  const now = fields.created_at ?? Date.now();
  const row: TicketTable = {
    id: newId(), client_id: clientId, number: Number(max?.n ?? 0) + 1, type: 'incident', title: 'Imprimante en panne', description: '', category: '', impact: 3, urgency: 3,
    priority: 3, state: 'new', source: 'portal', contract_id: null, requester_user_id: null, requester_name: '', requester_email: '', assignee_user_id: null, group_id: null,
    problem_id: null, alert_subject_id: null, external_ref: null, created_at: now, updated_at: now, taken_at: null, restored_at: null, resolved_at: null, closed_at: null,
    reopened_count: 0, gti_due_at: null, gtr_due_at: null, gti_state: null, gtr_state: null, gti_warn_at: null, gtr_warn_at: null, ...fields,
  };
  await db.kysely.insertInto('tickets').values(row).execute();
  for (const a of assetIds) await db.kysely.insertInto('ticket_assets').values({ ticket_id: row.id, asset_id: a, client_id: clientId, created_at: now }).execute();
  return row;
}

/** Inserts an asset row of the client. */
export async function insertAsset(db: Db, clientId: string, name: string): Promise<string> {
  const id = newId();
  const now = Date.now();
  await db.kysely
    .insertInto('assets')
    .values({
      id, client_id: clientId, site_id: null, name, type: 'server', criticality: 2, business_impact: '', owner: '', location: '', serial: '', manufacturer: '', model: '',
      ip_address: '', warranty_end: null, tags: '[]', custom_fields: '{}', notes: '', search_text: name.toLowerCase(), created_at: now, updated_at: now,
    })
    .execute();
  return id;
}
