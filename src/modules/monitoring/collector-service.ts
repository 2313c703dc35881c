/**
 * Site collectors: the provider registers one per client site, hands its token to whoever installs
 * `vigie collector` there, and the collector then pulls its checks and pushes its results over
 * outbound HTTPS. Only the token's SHA-256 is stored; the token is shown once, at creation.
 *
 * The protocol side never trusts the collector beyond its own checks: every result must name a
 * check assigned to this very collector (hence of its client), anything else is refused.
 */
import { sql } from 'kysely';
import { AppError, badRequest, notFound } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import { parseJson } from '../../core/json.ts';
import { randomToken, sha256 } from '../../core/crypto.ts';
import type { Db } from '../../db/database.ts';
import type { CollectorTable } from '../../db/schema.ts';
import type { Executor } from '../../db/tx.ts';
import { journaled, type AuditContext } from '../journal/service.ts';
import type { CollectorCreate, ResultsBatch } from './collector-schema.ts';
import { applyResults, type IncomingResult } from './ingest.ts';

export type CollectorRow = CollectorTable;

/** Prefix of collector tokens, so a leaked one is recognisable (secret scanners, logs). */
export const COLLECTOR_TOKEN_PREFIX = 'vcol_';
/** How often a collector is told to ask for its checks (it sends the ETag: unchanged costs no body). */
export const CONFIG_POLL_S = 30;
/** A result dated further than this in the future (a collector's clock gone wrong) is refused. */
export const MAX_CLOCK_AHEAD_MS = 5 * 60_000;

const num = (x: number | null) => (x === null ? null : Number(x));

/** What leaves the server about a collector: never its token's hash. */
export function presentCollector(c: CollectorRow, checks: number) {
  return {
    id: c.id,
    client_id: c.client_id,
    site_id: c.site_id,
    name: c.name,
    /** active, or revoked (its token no longer works). */
    status: c.revoked_at === null ? ('active' as const) : ('revoked' as const),
    /** Its last call (config poll or results), epoch ms; null before the first. */
    last_contact_at: num(c.last_contact_at),
    /** The collector's version, as it reported it. */
    version: c.version,
    /** Results waiting in its local buffer at its last call (null before it reported any). */
    backlog: num(c.backlog),
    /** The highest batch number received from it. */
    last_seq: Number(c.last_seq),
    /** Checks assigned to it. */
    checks,
    created_at: Number(c.created_at),
    revoked_at: num(c.revoked_at),
  };
}
export type CollectorJson = ReturnType<typeof presentCollector>;

async function requireClient(ex: Executor, clientId: string): Promise<void> {
  const c = await ex.selectFrom('organisations').select('id').where('id', '=', clientId).where('kind', '=', 'client').executeTakeFirst();
  if (!c) throw notFound('client');
}

async function requireCollector(ex: Executor, clientId: string, collectorId: string): Promise<CollectorRow> {
  const c = await ex.selectFrom('collectors').selectAll().where('id', '=', collectorId).where('client_id', '=', clientId).executeTakeFirst();
  if (!c) throw notFound('collector');
  return c;
}

async function checkCounts(ex: Executor, clientId: string, collectorId?: string): Promise<Map<string, number>> {
  let q = ex
    .selectFrom('checks')
    .select(['collector_id', (e) => e.fn.countAll<number>().as('n')])
    .where('client_id', '=', clientId)
    .where('collector_id', 'is not', null)
    .groupBy('collector_id');
  if (collectorId) q = q.where('collector_id', '=', collectorId);
  const rows = await q.execute();
  return new Map(rows.map((r) => [r.collector_id!, Number(r.n)]));
}

// ---------------------------------------------------------------- management

/** Registers a collector of a client (optionally on one of its sites); returns it with its token, shown once. */
export async function createCollector(db: Db, ctx: AuditContext, clientId: string, input: CollectorCreate): Promise<{ collector: CollectorJson; token: string }> {
  const token = randomToken(COLLECTOR_TOKEN_PREFIX);
  const collector = await journaled(db, ctx, async (trx) => {
    await requireClient(trx, clientId);
    if (input.site_id) {
      const site = await trx.selectFrom('sites').select('id').where('id', '=', input.site_id).where('client_id', '=', clientId).executeTakeFirst();
      if (!site) throw badRequest('unknown_site', 'This site does not exist for this client', { site_id: input.site_id });
    }
    const row: CollectorRow = {
      id: newId(), client_id: clientId, site_id: input.site_id ?? null, name: input.name, token_hash: sha256(token), last_contact_at: null, last_seq: 0,
      version: null, created_at: Date.now(), revoked_at: null, backlog: null,
    };
    await trx.insertInto('collectors').values(row).execute();
    const out = presentCollector(row, 0);
    return { result: out, journal: { clientId, action: 'collector.create', objectType: 'collector', objectId: row.id, after: out } };
  });
  return { collector, token };
}

/** The client's collectors by name, revoked ones included, each with its number of checks. */
export async function listCollectors(db: Db, clientId: string): Promise<CollectorJson[]> {
  await requireClient(db.kysely, clientId);
  const [rows, counts] = await Promise.all([
    db.kysely.selectFrom('collectors').selectAll().where('client_id', '=', clientId).orderBy('name').orderBy('id').execute(),
    checkCounts(db.kysely, clientId),
  ]);
  return rows.map((c) => presentCollector(c, counts.get(c.id) ?? 0));
}

/** One collector of the client with its last contact, version, backlog and checks; 404 when not the client's. */
export async function getCollector(db: Db, clientId: string, collectorId: string): Promise<CollectorJson> {
  const c = await requireCollector(db.kysely, clientId, collectorId);
  return presentCollector(c, (await checkCounts(db.kysely, clientId, collectorId)).get(c.id) ?? 0);
}

/**
 * Revokes a collector: its token stops working at once. Its checks stay assigned to it (they turn
 * unknown when it goes silent); reassign them to another collector or to the server. Idempotent.
 */
export async function revokeCollector(db: Db, ctx: AuditContext, clientId: string, collectorId: string): Promise<CollectorJson> {
  return journaled(db, ctx, async (trx) => {
    const before = await requireCollector(trx, clientId, collectorId);
    const n = (await checkCounts(trx, clientId, collectorId)).get(collectorId) ?? 0;
    if (before.revoked_at !== null) return { result: presentCollector(before, n), journal: [] };
    const after: CollectorRow = { ...before, revoked_at: Date.now() };
    await trx.updateTable('collectors').set({ revoked_at: after.revoked_at }).where('id', '=', collectorId).where('client_id', '=', clientId).execute();
    return {
      result: presentCollector(after, n),
      journal: { clientId, action: 'collector.revoke', objectType: 'collector', objectId: collectorId, before: presentCollector(before, n), after: presentCollector(after, n) },
    };
  });
}

// ---------------------------------------------------------------- protocol

/** The collector holding this token; 401 `collector_unauthenticated` when unknown or revoked. */
export async function authenticateCollector(db: Db, authorization: string | undefined): Promise<CollectorRow> {
  const token = authorization?.startsWith('Bearer ') ? authorization.slice(7).trim() : '';
  if (!token.startsWith(COLLECTOR_TOKEN_PREFIX)) throw new AppError(401, 'collector_unauthenticated', 'Send the collector token as "Authorization: Bearer vcol_…"');
  const c = await db.kysely.selectFrom('collectors').selectAll().where('token_hash', '=', sha256(token)).executeTakeFirst();
  if (!c || c.revoked_at !== null) throw new AppError(401, 'collector_unauthenticated', 'This collector token is unknown or revoked');
  return c;
}

export interface ContactReport {
  version?: string | null | undefined;
  backlog?: number | null | undefined;
  seq?: number | undefined;
}

/** Records a call of the collector: last contact, version, reported backlog, highest batch number. */
export async function recordContact(db: Db, collectorId: string, r: ContactReport, now = Date.now()): Promise<void> {
  const set: Record<string, unknown> = { last_contact_at: now };
  if (r.version) set.version = r.version.slice(0, 32);
  if (r.backlog !== undefined && r.backlog !== null) set.backlog = r.backlog;
  let q = db.kysely.updateTable('collectors').set(set).where('id', '=', collectorId);
  if (r.seq !== undefined) q = q.set({ last_seq: sql<number>`case when last_seq < ${r.seq} then ${r.seq} else last_seq end` });
  await q.execute();
}

export interface CollectorCheck {
  id: string;
  type: string;
  settings: Record<string, unknown>;
  interval_s: number;
  timeout_ms: number;
}

/**
 * The enabled checks this collector runs, and their version (an ETag over exactly what is sent):
 * the collector sends it back and gets a 304 while nothing changed.
 */
export async function collectorChecks(db: Db, c: CollectorRow): Promise<{ checks: CollectorCheck[]; version: string }> {
  const rows = await db.kysely
    .selectFrom('checks')
    .select(['id', 'type', 'settings', 'interval_s', 'timeout_ms'])
    .where('collector_id', '=', c.id)
    .where('client_id', '=', c.client_id)
    .where('enabled', '=', 1)
    .where('type', '!=', 'heartbeat')
    .orderBy('id')
    .execute();
  const checks = rows.map((r) => ({ id: r.id, type: r.type, settings: parseJson<Record<string, unknown>>(r.settings, {}), interval_s: r.interval_s, timeout_ms: r.timeout_ms }));
  const version = sha256(JSON.stringify(rows)).slice(0, 32);
  return { checks, version };
}

export interface BatchAnswer {
  ok: true;
  /** False when this batch number had been applied already (a retry): nothing was written again. */
  applied: boolean;
  /** Results newly stored. */
  stored: number;
  /** Results not applied: their check is not (or no longer) assigned to this collector, or they are dated in the future. */
  refused: number;
}

/**
 * Applies a collector's numbered batch exactly once (receipt (collector, seq) in the same
 * transaction). Results naming a check that is not assigned to this collector — another client's,
 * another collector's, a deleted one — are refused and never touch anything.
 */
export async function ingestCollectorBatch(db: Db, c: CollectorRow, batch: ResultsBatch, now = Date.now()): Promise<BatchAnswer & { refusedChecks: string[] }> {
  const ids = [...new Set(batch.results.map((r) => r.check_id))];
  const mine = new Set<string>();
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await db.kysely
      .selectFrom('checks')
      .select('id')
      .where('id', 'in', ids.slice(i, i + 500))
      .where('collector_id', '=', c.id)
      .where('client_id', '=', c.client_id)
      .execute();
    for (const r of rows) mine.add(r.id);
  }
  const accepted: IncomingResult[] = [];
  const refusedChecks = new Set<string>();
  let refused = 0;
  for (const r of batch.results) {
    if (!mine.has(r.check_id) || r.at > now + MAX_CLOCK_AHEAD_MS) {
      refused++;
      refusedChecks.add(r.check_id);
      continue;
    }
    const x: IncomingResult = { checkId: r.check_id, at: r.at, status: r.status, latencyMs: r.latency_ms, message: r.message };
    if (r.probe_state !== undefined) x.probeState = r.probe_state;
    accepted.push(x);
  }
  // The receipt is written even when everything was refused: the batch is accounted for, a retry is a no-op.
  const out = await applyResults(db, accepted, { collectorId: c.id, seq: batch.seq });
  return { ok: true, applied: out.applied, stored: out.stored, refused: out.applied ? refused : 0, refusedChecks: [...refusedChecks] };
}
