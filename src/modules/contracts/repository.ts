/**
 * Contracts in the store: a row's JSON columns parsed into the typed contract (defaults filled for
 * older rows) and back; the queries, always filtered on `client_id`.
 */
import { z } from 'zod';
import { parseJson } from '../../core/json.ts';
import type { ContractTable } from '../../db/schema.ts';
import type { Executor } from '../../db/tx.ts';
import {
  CONTRACT_STATUSES,
  ContractBody,
  ContractSettings,
  Credits,
  DEFAULT_PRIORITY_MATRIX,
  Penalties,
  PriorityMatrix,
  Scope,
  ServiceWindow,
  Target,
  type ContractInput,
} from './schema.ts';

export type ContractStatus = (typeof CONTRACT_STATUSES)[number];

/** A stored contract with its JSON columns parsed. */
export interface Contract extends ContractInput {
  id: string;
  client_id: string;
  status: ContractStatus;
  created_at: number;
  updated_at: number;
}

/** Parses a JSON column with its schema; a column that no longer parses gives `fallback`. */
function column<T>(text: string, schema: z.ZodType<T>, fallback: T): T {
  const r = schema.safeParse(parseJson<unknown>(text, undefined));
  return r.success ? r.data : fallback;
}

const DEFAULTS = ContractBody.parse({ name: 'x', starts_on: '2000-01-01', windows: [{ id: 'x', name: 'x' }] });

/** A stored row as a contract. */
export function contractFromRow(r: ContractTable): Contract {
  return {
    id: r.id,
    client_id: r.client_id,
    name: r.name,
    reference: r.reference,
    status: (CONTRACT_STATUSES as readonly string[]).includes(r.status) ? (r.status as ContractStatus) : 'draft',
    starts_on: r.starts_on,
    ends_on: r.ends_on,
    service_level: r.service_level,
    monthly_fee_cents: Number(r.monthly_fee_cents),
    currency: r.currency,
    transition_until: r.transition_until,
    scope: column(r.scope, Scope, DEFAULTS.scope),
    windows: column(r.windows, z.array(ServiceWindow), []),
    targets: column(r.targets, z.array(Target), []),
    penalties: column(r.penalties, Penalties, DEFAULTS.penalties),
    credits: column(r.credits, Credits, DEFAULTS.credits),
    priority_matrix: column(r.priority_matrix, PriorityMatrix, DEFAULT_PRIORITY_MATRIX),
    settings: column(r.settings, ContractSettings, DEFAULTS.settings),
    created_at: Number(r.created_at),
    updated_at: Number(r.updated_at),
  };
}

/** A contract as a row (JSON columns as text). */
export function contractToRow(c: Contract): ContractTable {
  return {
    id: c.id,
    client_id: c.client_id,
    name: c.name,
    reference: c.reference,
    status: c.status,
    starts_on: c.starts_on,
    ends_on: c.ends_on,
    service_level: c.service_level,
    monthly_fee_cents: c.monthly_fee_cents,
    currency: c.currency,
    transition_until: c.transition_until,
    scope: JSON.stringify(c.scope),
    windows: JSON.stringify(c.windows),
    targets: JSON.stringify(c.targets),
    penalties: JSON.stringify(c.penalties),
    credits: JSON.stringify(c.credits),
    priority_matrix: JSON.stringify(c.priority_matrix),
    settings: JSON.stringify(c.settings),
    created_at: c.created_at,
    updated_at: c.updated_at,
  };
}

/** The client's contract row, or undefined (another client's id finds nothing). */
export async function findContractRow(ex: Executor, clientId: string, id: string): Promise<ContractTable | undefined> {
  return ex.selectFrom('contracts').selectAll().where('id', '=', id).where('client_id', '=', clientId).executeTakeFirst();
}

/** The client's contracts, latest start first. */
export async function listContractRows(ex: Executor, clientId: string): Promise<ContractTable[]> {
  return ex.selectFrom('contracts').selectAll().where('client_id', '=', clientId).orderBy('starts_on', 'desc').orderBy('name').orderBy('id').execute();
}

/** The client's active contract covering a local date 'YYYY-MM-DD', latest start first. */
export async function activeContractRow(ex: Executor, clientId: string, day: string): Promise<ContractTable | undefined> {
  return ex
    .selectFrom('contracts')
    .selectAll()
    .where('client_id', '=', clientId)
    .where('status', '=', 'active')
    .where('starts_on', '<=', day)
    .where((e) => e.or([e('ends_on', 'is', null), e('ends_on', '>=', day)]))
    .orderBy('starts_on', 'desc')
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
}

/** Which of these ids are not rows of `table` belonging to the client (checked by chunks). */
export async function missingOwnIds(ex: Executor, table: 'sites' | 'assets', clientId: string, ids: readonly string[]): Promise<string[]> {
  const wanted = [...new Set(ids)];
  const found = new Set<string>();
  for (let i = 0; i < wanted.length; i += 500) {
    const chunk = wanted.slice(i, i + 500);
    const rows = await ex.selectFrom(table).select('id').where('client_id', '=', clientId).where('id', 'in', chunk).execute();
    for (const r of rows) found.add(r.id);
  }
  return wanted.filter((id) => !found.has(id));
}

/** How many tickets and on-call shifts name this contract (what keeps it from being deleted). */
export async function contractReferences(ex: Executor, clientId: string, id: string): Promise<{ tickets: number; oncall_shifts: number }> {
  const t = await ex.selectFrom('tickets').select((e) => e.fn.countAll().as('n')).where('client_id', '=', clientId).where('contract_id', '=', id).executeTakeFirstOrThrow();
  const s = await ex.selectFrom('oncall_shifts').select((e) => e.fn.countAll().as('n')).where('contract_id', '=', id).executeTakeFirstOrThrow();
  return { tickets: Number(t.n), oncall_shifts: Number(s.n) };
}
