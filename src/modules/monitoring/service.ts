import { badRequest, conflict, notFound } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import { parseJson } from '../../core/json.ts';
import { randomToken, sha256 } from '../../core/crypto.ts';
import type { Db } from '../../db/database.ts';
import type { CheckTable } from '../../db/schema.ts';
import type { Executor } from '../../db/tx.ts';
import { journaled, type AuditContext } from '../journal/service.ts';
import { busFor } from './bus.ts';
import { probes } from './probes/index.ts';
import type { CheckType } from './probes/types.ts';
import { HeartbeatSettings, type AnyCheckType, type CheckCreate, type CheckPatch } from './schema.ts';
import { initialCheckState } from './state-machine.ts';
import { maskSettings, restoreMasked } from './secrets.ts';

export type CheckRow = CheckTable;

/** Parses a type's settings with its schema (defaults filled in); 400 `invalid_settings` otherwise. */
export function parseSettings(type: AnyCheckType, settings: unknown): Record<string, unknown> {
  const schema = type === 'heartbeat' ? HeartbeatSettings : probes[type as CheckType].settings;
  const r = schema.safeParse(settings);
  if (!r.success) {
    const issues = r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
    throw badRequest('invalid_settings', `Invalid settings for a ${type} check: ${issues.map((i) => `${i.path || '(root)'} ${i.message}`).join('; ')}`, issues);
  }
  return r.data as Record<string, unknown>;
}

/** What leaves the server about a check: never the heartbeat token's hash, the lease, nor a secret of its settings. */
export function presentCheck(c: CheckRow) {
  const n = (x: number | null) => (x === null ? null : Number(x));
  return {
    id: c.id, client_id: c.client_id, asset_id: c.asset_id, collector_id: c.collector_id, parent_check_id: c.parent_check_id, name: c.name, type: c.type,
    settings: maskSettings(parseJson<Record<string, unknown>>(c.settings, {})) as Record<string, unknown>, interval_s: c.interval_s, timeout_ms: c.timeout_ms, retries: c.retries,
    recovery_threshold: c.recovery_threshold, enabled: c.enabled === 1, state: c.state, state_since: Number(c.state_since), last_result_at: n(c.last_result_at),
    last_status: c.last_status, last_latency_ms: c.last_latency_ms === null ? null : Number(c.last_latency_ms), last_message: c.last_message,
    created_at: Number(c.created_at), updated_at: Number(c.updated_at),
  };
}

async function requireInClient(trx: Executor, table: 'assets' | 'collectors' | 'checks', clientId: string, id: string, what: string) {
  const row = await trx.selectFrom(table).select('id').where('id', '=', id).where('client_id', '=', clientId).executeTakeFirst();
  if (!row) throw badRequest(`unknown_${what}`, `No such ${what} in this client`);
}

/** Refuses a parent that is the check itself or that (transitively) depends on it. */
async function refuseCycle(trx: Executor, checkId: string, parentId: string) {
  let cur: string | null = parentId;
  for (let depth = 0; cur && depth < 100; depth++) {
    if (cur === checkId) throw badRequest('dependency_cycle', 'This parent depends on the check itself');
    const row: { parent_check_id: string | null } | undefined = await trx.selectFrom('checks').select('parent_check_id').where('id', '=', cur).executeTakeFirst();
    cur = row?.parent_check_id ?? null;
  }
}

async function checkReferences(trx: Executor, clientId: string, checkId: string, input: Partial<CheckCreate>) {
  if (input.asset_id) await requireInClient(trx, 'assets', clientId, input.asset_id, 'asset');
  if (input.collector_id) {
    await requireInClient(trx, 'collectors', clientId, input.collector_id, 'collector');
    const col = await trx.selectFrom('collectors').select('revoked_at').where('id', '=', input.collector_id).executeTakeFirstOrThrow();
    if (col.revoked_at !== null) throw badRequest('collector_revoked', 'This collector has been revoked: its checks would never run');
  }
  if (input.parent_check_id) {
    await requireInClient(trx, 'checks', clientId, input.parent_check_id, 'check');
    await refuseCycle(trx, checkId, input.parent_check_id);
  }
}

/**
 * Creates a check of a client; a heartbeat check gets a secret push URL token, returned once.
 * Its small integer `no` (the key of its results) is the next free one.
 */
export async function createCheck(db: Db, ctx: AuditContext, clientId: string, input: CheckCreate) {
  const settings = parseSettings(input.type, input.settings);
  if (input.timeout_ms > input.interval_s * 1000) throw badRequest('timeout_exceeds_interval', 'The timeout must be shorter than the interval');
  const id = newId();
  const now = Date.now();
  const secret = input.type === 'heartbeat' ? randomToken('hb_') : null;
  const state = initialCheckState(now);
  for (let attempt = 0; ; attempt++) {
    try {
      const row = await journaled(db, ctx, async (trx) => {
        await checkReferences(trx, clientId, id, input);
        const max = await trx.selectFrom('checks').select((e) => e.fn.max('no').as('m')).executeTakeFirst();
        const row: CheckRow = {
          id, no: Number(max?.m ?? 0) + 1, client_id: clientId, asset_id: input.asset_id ?? null, collector_id: input.collector_id ?? null,
          parent_check_id: input.parent_check_id ?? null, name: input.name, type: input.type, settings: JSON.stringify(settings), interval_s: input.interval_s,
          timeout_ms: input.timeout_ms, retries: input.retries, recovery_threshold: input.recovery_threshold, enabled: input.enabled ? 1 : 0,
          heartbeat_token_hash: secret ? sha256(secret) : null, state: state.state, state_since: now, runtime: JSON.stringify({ machine: state }),
          last_result_at: null, last_status: null, last_latency_ms: null, last_message: null, next_due_at: now, lease_owner: null, lease_until: null,
          created_at: now, updated_at: now,
        };
        await trx.insertInto('checks').values(row).execute();
        await trx.insertInto('state_periods').values({ id: newId(), client_id: clientId, check_id: id, state: 'unknown', from_at: now, to_at: null, cause: 'created' }).execute();
        return { result: row, journal: { clientId, action: 'check.create', objectType: 'check', objectId: id, after: presentCheck(row) } };
      });
      busFor(db).emit('checkChanged', id);
      return { check: row, heartbeatSecret: secret };
    } catch (e) {
      // Two creations racing for the same `no` on PostgreSQL: take the next one.
      if (attempt < 5 && /unique|duplicate/i.test(String((e as Error).message)) && /no/.test(String((e as Error).message))) continue;
      throw e;
    }
  }
}

export async function getCheck(db: Db | Executor, clientId: string, checkId: string): Promise<CheckRow> {
  const k = 'kysely' in db ? db.kysely : db;
  const c = await k.selectFrom('checks').selectAll().where('id', '=', checkId).where('client_id', '=', clientId).executeTakeFirst();
  if (!c) throw notFound('check');
  return c;
}

/** The client's checks, by name, optionally of one asset or in one state. */
export async function listChecks(db: Db, clientId: string, f: { asset_id?: string | undefined; state?: string | undefined } = {}) {
  let q = db.kysely.selectFrom('checks').selectAll().where('client_id', '=', clientId).orderBy('name').orderBy('id');
  if (f.asset_id) q = q.where('asset_id', '=', f.asset_id);
  if (f.state) q = q.where('state', '=', f.state);
  return q.execute();
}

/** Changes a check's definition (not its type); the schedulers pick it up at once. */
export async function updateCheck(db: Db, ctx: AuditContext, clientId: string, checkId: string, patch: CheckPatch) {
  const row = await journaled(db, ctx, async (trx) => {
    const before = await getCheck(trx, clientId, checkId);
    await checkReferences(trx, clientId, checkId, patch);
    const after: CheckRow = { ...before, updated_at: Date.now() };
    if (patch.name !== undefined) after.name = patch.name;
    if (patch.asset_id !== undefined) after.asset_id = patch.asset_id;
    if (patch.collector_id !== undefined) after.collector_id = patch.collector_id;
    if (patch.parent_check_id !== undefined) after.parent_check_id = patch.parent_check_id;
    if (patch.settings !== undefined) {
      const kept = restoreMasked(patch.settings, parseJson(before.settings, {}));
      after.settings = JSON.stringify(parseSettings(before.type as AnyCheckType, kept));
    }
    if (patch.interval_s !== undefined) after.interval_s = patch.interval_s;
    if (patch.timeout_ms !== undefined) after.timeout_ms = patch.timeout_ms;
    if (patch.retries !== undefined) after.retries = patch.retries;
    if (patch.recovery_threshold !== undefined) after.recovery_threshold = patch.recovery_threshold;
    if (patch.enabled !== undefined) after.enabled = patch.enabled ? 1 : 0;
    if (after.timeout_ms > after.interval_s * 1000) throw badRequest('timeout_exceeds_interval', 'The timeout must be shorter than the interval');
    const { id: _id, no: _no, client_id: _c, type: _t, ...changes } = after;
    await trx.updateTable('checks').set(changes).where('id', '=', checkId).execute();
    return { result: after, journal: { clientId, action: 'check.update', objectType: 'check', objectId: checkId, before: presentCheck(before), after: presentCheck(after) } };
  });
  busFor(db).emit('checkChanged', checkId);
  return row;
}

/** Deletes a check with its results, periods and rollups; refused while other checks depend on it. */
export async function deleteCheck(db: Db, ctx: AuditContext, clientId: string, checkId: string) {
  await journaled(db, ctx, async (trx) => {
    const before = await getCheck(trx, clientId, checkId);
    const child = await trx.selectFrom('checks').select('id').where('parent_check_id', '=', checkId).executeTakeFirst();
    if (child) throw conflict('check_has_dependants', 'Other checks depend on this one: change their parent first');
    await trx.deleteFrom('check_results').where('check_no', '=', before.no).execute();
    await trx.deleteFrom('rollups').where('check_no', '=', before.no).execute();
    await trx.deleteFrom('state_periods').where('check_id', '=', checkId).execute();
    await trx.deleteFrom('checks').where('id', '=', checkId).execute();
    return { result: null, journal: { clientId, action: 'check.delete', objectType: 'check', objectId: checkId, before: presentCheck(before) } };
  });
  busFor(db).emit('checkChanged', checkId);
}

/** State periods of a check overlapping [from, to), oldest first. */
export async function periodsOf(db: Db, clientId: string, checkId: string, from: number, to: number) {
  const rows = await db.kysely
    .selectFrom('state_periods')
    .selectAll()
    .where('check_id', '=', checkId)
    .where('client_id', '=', clientId)
    .where('from_at', '<', to)
    .where((eb) => eb.or([eb('to_at', 'is', null), eb('to_at', '>', from)]))
    .orderBy('from_at')
    .execute();
  return rows.map((p) => ({ state: p.state, from: Number(p.from_at), to: p.to_at === null ? null : Number(p.to_at), cause: p.cause }));
}
