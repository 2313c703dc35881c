/**
 * The on-call rota of a client's contracts (shifts, weekly rotations), who is on duty now, the
 * acknowledgement of pages and the on-call efficiency figures. Every change is journaled.
 * Paging and escalation: paging.ts; the figures' arithmetic: stats.ts.
 */
import { AppError, badRequest, notFound } from '../../core/errors.ts';
import { randomToken, sha256 } from '../../core/crypto.ts';
import { newId } from '../../core/ids.ts';
import { isValidTimeZone, wallToInstant } from '../../core/zones.ts';
import type { Db } from '../../db/database.ts';
import type { OncallShiftTable } from '../../db/schema.ts';
import type { Executor } from '../../db/tx.ts';
import { findContract } from '../contracts/service.ts';
import { journaled, type AuditContext } from '../journal/service.ts';
import { getProviderId } from '../tenancy/service.ts';
import { standDownOpenPages, ticketRef } from './paging.ts';
import { HANDOVER_DAYS, MAX_SHIFT_MS, type RotationInput, type ShiftCreate, type ShiftPatch } from './schema.ts';
import { computeOncallStats, type OncallStats, type PageForStats } from './stats.ts';

const DAY = 86_400_000;
const MIN = 60_000;

export interface Shift {
  id: string;
  client_id: string;
  contract_id: string;
  user_id: string;
  user_name: string;
  rank: number;
  starts_at: number;
  ends_at: number;
  created_at: number;
}

/** What leaves the server about a shift. */
export function presentShift(s: Shift) {
  return { id: s.id, client_id: s.client_id, contract_id: s.contract_id, user_id: s.user_id, user_name: s.user_name, rank: s.rank, starts_at: s.starts_at, ends_at: s.ends_at, created_at: s.created_at };
}

function shiftFromRow(r: OncallShiftTable & { user_name: string }): Shift {
  return {
    id: r.id, client_id: r.client_id, contract_id: r.contract_id, user_id: r.user_id, user_name: r.user_name, rank: Number(r.rank),
    starts_at: Number(r.starts_at), ends_at: Number(r.ends_at), created_at: Number(r.created_at),
  };
}

function shiftQuery(ex: Executor) {
  return ex.selectFrom('oncall_shifts as s').innerJoin('users as u', 'u.id', 's.user_id').selectAll('s').select('u.name as user_name');
}

async function requireClient(ex: Executor, clientId: string): Promise<void> {
  const o = await ex.selectFrom('organisations').select('id').where('id', '=', clientId).where('kind', '=', 'client').executeTakeFirst();
  if (!o) throw notFound('client');
}

async function requireContract(ex: Executor, clientId: string, contractId: string): Promise<{ id: string; name: string }> {
  const c = await ex.selectFrom('contracts').select(['id', 'name']).where('id', '=', contractId).where('client_id', '=', clientId).executeTakeFirst();
  if (!c) throw notFound('contract');
  return c;
}

/** A shift of the client; 404 when it is not this client's. */
export async function getShift(ex: Executor, clientId: string, shiftId: string): Promise<Shift> {
  const r = await shiftQuery(ex).where('s.id', '=', shiftId).where('s.client_id', '=', clientId).executeTakeFirst();
  if (!r) throw notFound('shift');
  return shiftFromRow(r);
}

/**
 * The users who may be on duty for the client: enabled provider staff holding a role on it (or a
 * provider-wide admin). Returns those of `userIds` who may not, with their name when known.
 */
async function notOnRoster(ex: Executor, clientId: string, userIds: readonly string[]): Promise<string[]> {
  const wanted = [...new Set(userIds)];
  if (wanted.length === 0) return [];
  const providerId = await getProviderId(ex);
  const rows = await ex
    .selectFrom('users as u')
    .innerJoin('memberships as m', 'm.user_id', 'u.id')
    .select('u.id')
    .where('u.id', 'in', wanted)
    .where('u.organisation_id', '=', providerId)
    .where('u.disabled_at', 'is', null)
    .where((e) => e.or([e('m.organisation_id', '=', clientId), e.and([e('m.organisation_id', '=', providerId), e('m.role', '=', 'admin')])]))
    .where('m.role', 'in', ['admin', 'engineer', 'technician', 'account_manager'])
    .execute();
  const ok = new Set(rows.map((r) => r.id));
  return wanted.filter((id) => !ok.has(id));
}

/** The people who may be put on duty for the client (enabled provider staff with a role on it, provider admins), by name. */
export async function listRoster(db: Db, clientId: string): Promise<{ id: string; name: string; email: string; roles: string[] }[]> {
  await requireClient(db.kysely, clientId);
  const providerId = await getProviderId(db);
  const rows = await db.kysely
    .selectFrom('users as u')
    .innerJoin('memberships as m', 'm.user_id', 'u.id')
    .select(['u.id', 'u.name', 'u.email', 'm.role', 'm.organisation_id'])
    .where('u.organisation_id', '=', providerId)
    .where('u.disabled_at', 'is', null)
    .where((e) => e.or([e('m.organisation_id', '=', clientId), e.and([e('m.organisation_id', '=', providerId), e('m.role', '=', 'admin')])]))
    .where('m.role', 'in', ['admin', 'engineer', 'technician', 'account_manager'])
    .orderBy('u.name')
    .orderBy('u.id')
    .execute();
  const out = new Map<string, { id: string; name: string; email: string; roles: string[] }>();
  for (const r of rows) {
    const p = out.get(r.id) ?? { id: r.id, name: r.name, email: r.email, roles: [] };
    if (!p.roles.includes(r.role)) p.roles.push(r.role);
    out.set(r.id, p);
  }
  return [...out.values()];
}

async function requireRoster(ex: Executor, clientId: string, userIds: readonly string[]): Promise<void> {
  const missing = await notOnRoster(ex, clientId, userIds);
  if (missing.length) throw badRequest('not_on_duty_roster', 'Only provider staff with a role on this client can be on duty', { user_ids: missing });
}

function checkRange(startsAt: number, endsAt: number): void {
  if (endsAt <= startsAt) throw badRequest('bad_range', 'The shift must end after it starts', { starts_at: startsAt, ends_at: endsAt });
  if (endsAt - startsAt > MAX_SHIFT_MS) throw badRequest('shift_too_long', 'A shift lasts at most 31 days', { starts_at: startsAt, ends_at: endsAt });
}

/** The shifts of a contract overlapping [from, to), by start then rank. */
export async function listShifts(db: Db, clientId: string, contractId: string, from: number, to: number): Promise<Shift[]> {
  await requireContract(db.kysely, clientId, contractId);
  const rows = await shiftQuery(db.kysely)
    .where('s.client_id', '=', clientId)
    .where('s.contract_id', '=', contractId)
    .where('s.ends_at', '>', from)
    .where('s.starts_at', '<', to)
    .orderBy('s.starts_at')
    .orderBy('s.rank')
    .orderBy('s.id')
    .limit(2000)
    .execute();
  return rows.map(shiftFromRow);
}

/** Adds a shift to a contract's rota (400 not_on_duty_roster, bad_range, shift_too_long). Journaled. */
export async function createShift(db: Db, ctx: AuditContext, clientId: string, contractId: string, input: ShiftCreate): Promise<Shift> {
  return journaled(db, ctx, async (trx) => {
    await requireContract(trx, clientId, contractId);
    checkRange(input.starts_at, input.ends_at);
    await requireRoster(trx, clientId, [input.user_id]);
    const row: OncallShiftTable = { id: newId(), client_id: clientId, contract_id: contractId, user_id: input.user_id, rank: input.rank, starts_at: input.starts_at, ends_at: input.ends_at, created_at: Date.now() };
    await trx.insertInto('oncall_shifts').values(row).execute();
    const shift = await getShift(trx, clientId, row.id);
    return { result: shift, journal: { clientId, action: 'oncall_shift.create', objectType: 'oncall_shift', objectId: row.id, after: presentShift(shift) } };
  });
}

/** Changes a shift (person, times, rank), with the same rules as creation. Journaled. */
export async function updateShift(db: Db, ctx: AuditContext, clientId: string, shiftId: string, patch: ShiftPatch): Promise<Shift> {
  return journaled(db, ctx, async (trx) => {
    const before = await getShift(trx, clientId, shiftId);
    if (Object.values(patch).every((v) => v === undefined)) throw badRequest('nothing_to_change', 'Give at least one of user_id, starts_at, ends_at, rank');
    const next = {
      user_id: patch.user_id ?? before.user_id,
      rank: patch.rank ?? before.rank,
      starts_at: patch.starts_at ?? before.starts_at,
      ends_at: patch.ends_at ?? before.ends_at,
    };
    checkRange(next.starts_at, next.ends_at);
    if (next.user_id !== before.user_id) await requireRoster(trx, clientId, [next.user_id]);
    await trx.updateTable('oncall_shifts').set(next).where('id', '=', shiftId).where('client_id', '=', clientId).execute();
    const after = await getShift(trx, clientId, shiftId);
    return { result: after, journal: { clientId, action: 'oncall_shift.update', objectType: 'oncall_shift', objectId: shiftId, before: presentShift(before), after: presentShift(after) } };
  });
}

/** Removes a shift. Journaled. */
export async function deleteShift(db: Db, ctx: AuditContext, clientId: string, shiftId: string): Promise<void> {
  await journaled(db, ctx, async (trx) => {
    const before = await getShift(trx, clientId, shiftId);
    await trx.deleteFrom('oncall_shifts').where('id', '=', shiftId).where('client_id', '=', clientId).execute();
    return { result: null, journal: { clientId, action: 'oncall_shift.delete', objectType: 'oncall_shift', objectId: shiftId, before: presentShift(before) } };
  });
}

/**
 * The shifts of a weekly rotation (pure): handovers every week on `handover_day` at `handover_time`
 * local time in `time_zone` (DST-correct: the same wall time on both sides of a change; a time in a
 * spring-forward gap maps to the first instant after it), the first at the first handover day on or
 * after `from`; person i takes week i modulo the number of people. 400 invalid_time_zone, bad_date, bad_time.
 */
export function rotationShifts(input: Pick<RotationInput, 'user_ids' | 'from' | 'weeks' | 'handover_day' | 'handover_time' | 'time_zone'>): { user_id: string; starts_at: number; ends_at: number }[] {
  if (!isValidTimeZone(input.time_zone)) throw badRequest('invalid_time_zone', `Unknown time zone ${input.time_zone}`, { time_zone: input.time_zone });
  if (!/^\d{4}-\d{2}-\d{2}$/.test(input.from)) throw badRequest('bad_date', `${input.from} is not a date as YYYY-MM-DD`, { from: input.from });
  if (!/^(?:[01]\d|2[0-3]):[0-5]\d$/.test(input.handover_time)) throw badRequest('bad_time', `${input.handover_time} is not a time as HH:MM`, { handover_time: input.handover_time });
  const [y, mo, d] = input.from.split('-').map(Number) as [number, number, number];
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) throw badRequest('bad_date', `${input.from} is not a date`, { from: input.from });
  const day = Math.round(date.getTime() / DAY);
  const weekday = (((day + 3) % 7) + 7) % 7; // 0 = Monday (1970-01-01 was a Thursday)
  const first = day + ((HANDOVER_DAYS.indexOf(input.handover_day) - weekday + 7) % 7);
  const [hh, mm] = input.handover_time.split(':').map(Number) as [number, number];
  const handover = (k: number) => wallToInstant((first + 7 * k) * DAY + (hh * 60 + mm) * MIN, input.time_zone, 'earlier');
  const out: { user_id: string; starts_at: number; ends_at: number }[] = [];
  for (let k = 0; k < input.weeks; k++) out.push({ user_id: input.user_ids[k % input.user_ids.length]!, starts_at: handover(k), ends_at: handover(k + 1) });
  return out;
}

/** Creates a weekly rotation's shifts in one go (all or nothing). Journaled, one entry per shift. */
export async function createRotation(db: Db, ctx: AuditContext, clientId: string, contractId: string, input: RotationInput): Promise<Shift[]> {
  return journaled(db, ctx, async (trx) => {
    await requireContract(trx, clientId, contractId);
    const planned = rotationShifts(input);
    await requireRoster(trx, clientId, input.user_ids);
    const now = Date.now();
    const rows: OncallShiftTable[] = planned.map((p) => ({ id: newId(), client_id: clientId, contract_id: contractId, user_id: p.user_id, rank: input.rank, starts_at: p.starts_at, ends_at: p.ends_at, created_at: now }));
    await trx.insertInto('oncall_shifts').values(rows).execute();
    const shifts = (await shiftQuery(trx).where('s.client_id', '=', clientId).where('s.id', 'in', rows.map((r) => r.id)).orderBy('s.starts_at').execute()).map(shiftFromRow);
    return {
      result: shifts,
      journal: shifts.map((s) => ({ clientId, action: 'oncall_shift.create', objectType: 'oncall_shift', objectId: s.id, after: { ...presentShift(s), rotation: { handover_day: input.handover_day, handover_time: input.handover_time, time_zone: input.time_zone } } })),
    };
  });
}

/** Who is on duty at `at` for each contract of the client with a current or coming shift, in rank order, and the next handovers. */
export async function onDutyNow(db: Db, clientId: string, at: number) {
  await requireClient(db.kysely, clientId);
  const rows = await db.kysely
    .selectFrom('oncall_shifts as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .innerJoin('contracts as c', (j) => j.onRef('c.id', '=', 's.contract_id').onRef('c.client_id', '=', 's.client_id'))
    .select(['s.id', 's.contract_id', 's.user_id', 's.rank', 's.starts_at', 's.ends_at', 'u.name', 'u.disabled_at', 'c.name as contract_name'])
    .where('s.client_id', '=', clientId)
    .where('s.ends_at', '>', at)
    .where('s.starts_at', '<=', at + 60 * DAY)
    .orderBy('s.rank')
    .orderBy('s.starts_at')
    .orderBy('s.id')
    .limit(5000)
    .execute();
  const byContract = new Map<string, { contract_id: string; contract_name: string; on_duty: { shift_id: string; user_id: string; name: string; rank: number; starts_at: number; ends_at: number }[]; next_handover: number | null }>();
  for (const r of rows) {
    let c = byContract.get(r.contract_id);
    if (!c) byContract.set(r.contract_id, (c = { contract_id: r.contract_id, contract_name: r.contract_name, on_duty: [], next_handover: null }));
    const s = Number(r.starts_at), e = Number(r.ends_at);
    const change = s > at ? s : e;
    c.next_handover = c.next_handover === null ? change : Math.min(c.next_handover, change);
    if (s <= at && r.disabled_at === null) c.on_duty.push({ shift_id: r.id, user_id: r.user_id, name: r.name, rank: Number(r.rank), starts_at: s, ends_at: e });
  }
  const contracts = [...byContract.values()].sort((a, b) => a.contract_name.localeCompare(b.contract_name) || a.contract_id.localeCompare(b.contract_id));
  const nexts = contracts.map((c) => c.next_handover).filter((x): x is number => x !== null);
  return { at, contracts, next_handover: nexts.length ? Math.min(...nexts) : null };
}

// ---------------------------------------------------------------------------------------------
// Acknowledgement

function pageSelect(ex: Executor) {
  return ex
    .selectFrom('oncall_pages as p')
    .innerJoin('tickets as t', (j) => j.onRef('t.id', '=', 'p.ticket_id').onRef('t.client_id', '=', 'p.client_id'))
    .innerJoin('organisations as o', 'o.id', 'p.client_id')
    .innerJoin('users as u', 'u.id', 'p.user_id')
    .select([
      'p.id', 'p.client_id', 'p.ticket_id', 'p.user_id', 'p.level', 'p.paged_at', 'p.acked_at', 'p.escalated_at', 'p.superseded_at',
      't.number', 't.title', 't.priority', 't.state', 'o.name as client_name', 'u.name as user_name',
    ]);
}
type PageView = Awaited<ReturnType<ReturnType<typeof pageSelect>['executeTakeFirstOrThrow']>>;

/** What the acknowledgement page and the API show about a page. */
export function presentPage(p: PageView) {
  return {
    id: p.id,
    level: Number(p.level),
    paged_at: Number(p.paged_at),
    acked_at: p.acked_at === null ? null : Number(p.acked_at),
    escalated_at: p.escalated_at === null ? null : Number(p.escalated_at),
    person: { id: p.user_id, name: p.user_name },
    client: { id: p.client_id, name: p.client_name },
    ticket: { id: p.ticket_id, ref: ticketRef(Number(p.number)), number: Number(p.number), title: p.title, priority: Number(p.priority), state: p.state },
  };
}

const unknownPage = () => new AppError(404, 'unknown_page', 'No page has this acknowledgement link');

/** The page of an acknowledgement token (nothing changed); 404 unknown_page. */
export async function pageByToken(db: Db, token: string) {
  const p = await pageSelect(db.kysely).where('p.token_hash', '=', sha256(token)).executeTakeFirst();
  if (!p) throw unknownPage();
  return presentPage(p);
}

async function ackPage(db: Db, ctx: (p: PageView) => AuditContext, find: (ex: Executor) => Promise<PageView | undefined>, via: 'link' | 'app', now: number) {
  const found = await find(db.kysely);
  if (!found) throw unknownPage();
  if (found.acked_at !== null) return { ...presentPage(found), already_acknowledged: true };
  return journaled(db, ctx(found), async (trx) => {
    const r = await trx.updateTable('oncall_pages').set({ acked_at: now }).where('id', '=', found.id).where('client_id', '=', found.client_id).where('acked_at', 'is', null).executeTakeFirst();
    const after = (await find(trx))!;
    if (Number(r.numUpdatedRows) !== 1) return { result: { ...presentPage(after), already_acknowledged: true }, journal: [] };
    const stood = await standDownOpenPages(trx, found.client_id, found.ticket_id, now, found.id);
    return {
      result: { ...presentPage(after), already_acknowledged: false },
      journal: {
        clientId: found.client_id, action: 'oncall.ack', objectType: 'oncall_page', objectId: found.id,
        after: { ticket_id: found.ticket_id, level: Number(found.level), paged_at: Number(found.paged_at), acked_at: now, via, pages_stood_down: stood },
      },
    };
  });
}

/** Acknowledges the page of a token (the link of the page's e-mail); idempotent; 404 unknown_page. Journaled as the person paged. */
export async function ackByToken(db: Db, token: string, ip: string | null, now = Date.now()) {
  const hash = sha256(token);
  return ackPage(db, (p) => ({ actorId: p.user_id, actorLabel: p.user_name, ip, reason: 'on-call acknowledgement link' }), (ex) => pageSelect(ex).where('p.token_hash', '=', hash).executeTakeFirst(), 'link', now);
}

/**
 * Acknowledges, as the signed-in user, their latest page about a ticket of the client (the latest
 * not yet acknowledged, else the latest: idempotent); 404 unknown_page when they were not paged about it.
 */
export async function ackInApp(db: Db, ctx: AuditContext, userId: string, clientId: string, ticketId: string, now = Date.now()) {
  const find = async (ex: Executor) => {
    const rows = await pageSelect(ex).where('p.client_id', '=', clientId).where('p.ticket_id', '=', ticketId).where('p.user_id', '=', userId).orderBy('p.paged_at', 'desc').orderBy('p.id', 'desc').execute();
    return rows.find((r) => r.acked_at === null) ?? rows[0];
  };
  const first = await find(db.kysely);
  if (!first) throw unknownPage();
  return ackPage(db, () => ctx, async (ex) => (await pageSelect(ex).where('p.id', '=', first.id).executeTakeFirst()) as PageView | undefined, 'app', now);
}

// ---------------------------------------------------------------------------------------------
// Figures

/** On-call efficiency of the client's pages sent in [from, to) (stood-down pages left out): see stats.ts. */
export async function oncallStats(db: Db, clientId: string, from: number, to: number): Promise<OncallStats & { from: number; to: number }> {
  await requireClient(db.kysely, clientId);
  const rows = await db.kysely
    .selectFrom('oncall_pages as p')
    .innerJoin('users as u', 'u.id', 'p.user_id')
    .innerJoin('tickets as t', (j) => j.onRef('t.id', '=', 'p.ticket_id').onRef('t.client_id', '=', 'p.client_id'))
    .select(['p.user_id', 'u.name', 'p.paged_at', 'p.acked_at', 't.contract_id'])
    .where('p.client_id', '=', clientId)
    .where('p.paged_at', '>=', from)
    .where('p.paged_at', '<', to)
    .where('p.superseded_at', 'is', null)
    .limit(100_000)
    .execute();
  const targets = new Map<string, number>();
  const pages: PageForStats[] = [];
  for (const r of rows) {
    const key = r.contract_id ?? '';
    let target = targets.get(key);
    if (target === undefined) {
      const c = r.contract_id ? await findContract(db.kysely, clientId, r.contract_id) : null;
      target = (c?.settings.oncall.ack_minutes ?? 15) * MIN;
      targets.set(key, target);
    }
    pages.push({ user_id: r.user_id, name: r.name, paged_at: Number(r.paged_at), acked_at: r.acked_at === null ? null : Number(r.acked_at), target_ms: target });
  }
  return { from, to, ...computeOncallStats(pages) };
}

// ---------------------------------------------------------------------------------------------
// Webhook signing secret

/** The contract's on-call webhook: its URL (contract setting) and whether a signing secret exists (never the secret). */
export async function webhookInfo(db: Db, clientId: string, contractId: string) {
  const c = await findContract(db.kysely, clientId, contractId);
  if (!c) throw notFound('contract');
  const s = await db.kysely.selectFrom('oncall_webhook_secrets').select('created_at').where('contract_id', '=', contractId).where('client_id', '=', clientId).executeTakeFirst();
  return { contract_id: contractId, webhook_url: c.settings.oncall.webhook_url, has_secret: !!s, secret_created_at: s ? Number(s.created_at) : null };
}

/** Creates or replaces the signing secret of a contract's on-call webhook; returned here once. Journaled (without the secret). */
export async function rotateWebhookSecret(db: Db, ctx: AuditContext, clientId: string, contractId: string): Promise<{ secret: string }> {
  const secret = randomToken('vgw_');
  const now = Date.now();
  return journaled(db, ctx, async (trx) => {
    await requireContract(trx, clientId, contractId);
    const existing = await trx.selectFrom('oncall_webhook_secrets').select('contract_id').where('contract_id', '=', contractId).executeTakeFirst();
    if (existing) await trx.updateTable('oncall_webhook_secrets').set({ secret, created_at: now }).where('contract_id', '=', contractId).where('client_id', '=', clientId).execute();
    else await trx.insertInto('oncall_webhook_secrets').values({ contract_id: contractId, client_id: clientId, secret, created_at: now }).execute();
    return { result: { secret }, journal: { clientId, action: 'oncall.webhook_secret', objectType: 'contract', objectId: contractId, after: { secret_rotated: true } } };
  });
}
