/**
 * Support groups: the provider's teams (provider-wide, not per client), each with a lead and
 * members, all provider staff. Admins write them; staff read them. Every change is journaled.
 */
import { badRequest, conflict, notFound } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import type { Db } from '../../db/database.ts';
import type { Executor } from '../../db/tx.ts';
import { journaled, type AuditContext } from '../journal/service.ts';
import { getProviderId } from '../tenancy/service.ts';

export interface GroupJson {
  id: string;
  name: string;
  lead: { user_id: string; name: string } | null;
  members: { user_id: string; name: string; email: string }[];
  created_at: number;
}

export interface GroupInput {
  name: string;
  lead_user_id: string | null;
  member_ids: string[];
}

async function loadGroups(ex: Executor, id?: string): Promise<GroupJson[]> {
  let q = ex.selectFrom('support_groups as g').leftJoin('users as l', 'l.id', 'g.lead_user_id').select(['g.id', 'g.name', 'g.lead_user_id', 'g.created_at', 'l.name as lead_name']);
  if (id) q = q.where('g.id', '=', id);
  const groups = await q.orderBy('g.name').execute();
  if (groups.length === 0) return [];
  const members = await ex
    .selectFrom('support_group_members as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .select(['m.group_id', 'u.id', 'u.name', 'u.email'])
    .where('m.group_id', 'in', groups.map((g) => g.id))
    .orderBy('u.name')
    .execute();
  return groups.map((g) => ({
    id: g.id,
    name: g.name,
    lead: g.lead_user_id ? { user_id: g.lead_user_id, name: g.lead_name ?? '' } : null,
    members: members.filter((m) => m.group_id === g.id).map((m) => ({ user_id: m.id, name: m.name, email: m.email })),
    created_at: Number(g.created_at),
  }));
}

/** Every group by name. */
export async function listGroups(db: Db): Promise<GroupJson[]> {
  return loadGroups(db.kysely);
}

async function getGroup(ex: Executor, id: string): Promise<GroupJson> {
  const g = (await loadGroups(ex, id))[0];
  if (!g) throw notFound('support group');
  return g;
}

/** 400 `unknown_user` unless every id is an active member of the provider organisation. */
async function checkStaff(ex: Executor, ids: readonly string[]) {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return unique;
  const providerId = await getProviderId(ex);
  const found = await ex.selectFrom('users').select('id').where('organisation_id', '=', providerId).where('disabled_at', 'is', null).where('id', 'in', unique).execute();
  const have = new Set(found.map((r) => r.id));
  const missing = unique.filter((id) => !have.has(id));
  if (missing.length) throw badRequest('unknown_user', 'Group members and leads are provider staff', { user_ids: missing });
  return unique;
}

async function nameTaken(ex: Executor, name: string, except?: string) {
  const rows = await ex.selectFrom('support_groups').select(['id', 'name']).execute();
  return rows.some((r) => r.id !== except && r.name.toLowerCase() === name.toLowerCase());
}

/** Creates a group (its lead is a member too). Journaled. */
export async function createGroup(db: Db, ctx: AuditContext, input: GroupInput): Promise<GroupJson> {
  const id = newId();
  await journaled(db, ctx, async (trx) => {
    const ids = await checkStaff(trx, [...input.member_ids, ...(input.lead_user_id ? [input.lead_user_id] : [])]);
    if (await nameTaken(trx, input.name)) throw conflict('group_name_taken', 'A group already has this name', { name: input.name });
    await trx.insertInto('support_groups').values({ id, name: input.name, lead_user_id: input.lead_user_id, created_at: Date.now() }).execute();
    if (ids.length) await trx.insertInto('support_group_members').values(ids.map((u) => ({ group_id: id, user_id: u }))).execute();
    return { result: null, journal: { clientId: null, action: 'support_group.create', objectType: 'support_group', objectId: id, after: { name: input.name, lead_user_id: input.lead_user_id, member_ids: ids } } };
  });
  return getGroup(db.kysely, id);
}

/** Changes a group: name, lead, members (replaced when given). Journaled. */
export async function updateGroup(db: Db, ctx: AuditContext, id: string, patch: Partial<GroupInput>): Promise<GroupJson> {
  await journaled(db, ctx, async (trx) => {
    const before = await getGroup(trx, id);
    const name = patch.name ?? before.name;
    const lead = patch.lead_user_id !== undefined ? patch.lead_user_id : (before.lead?.user_id ?? null);
    const members = patch.member_ids ?? before.members.map((m) => m.user_id);
    const ids = await checkStaff(trx, [...members, ...(lead ? [lead] : [])]);
    if (name !== before.name && (await nameTaken(trx, name, id))) throw conflict('group_name_taken', 'A group already has this name', { name });
    await trx.updateTable('support_groups').set({ name, lead_user_id: lead }).where('id', '=', id).execute();
    await trx.deleteFrom('support_group_members').where('group_id', '=', id).execute();
    if (ids.length) await trx.insertInto('support_group_members').values(ids.map((u) => ({ group_id: id, user_id: u }))).execute();
    return {
      result: null,
      journal: {
        clientId: null, action: 'support_group.update', objectType: 'support_group', objectId: id,
        before: { name: before.name, lead_user_id: before.lead?.user_id ?? null, member_ids: before.members.map((m) => m.user_id) }, after: { name, lead_user_id: lead, member_ids: ids },
      },
    };
  });
  return getGroup(db.kysely, id);
}

/** Deletes a group; its tickets lose their group. Journaled. */
export async function deleteGroup(db: Db, ctx: AuditContext, id: string): Promise<void> {
  await journaled(db, ctx, async (trx) => {
    const before = await getGroup(trx, id);
    await trx.updateTable('tickets').set({ group_id: null }).where('group_id', '=', id).execute();
    await trx.deleteFrom('support_group_members').where('group_id', '=', id).execute();
    await trx.deleteFrom('support_groups').where('id', '=', id).execute();
    return { result: null, journal: { clientId: null, action: 'support_group.delete', objectType: 'support_group', objectId: id, before: { name: before.name } } };
  });
}
