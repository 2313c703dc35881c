import { sql, type ExpressionBuilder } from 'kysely';
import { z } from 'zod';
import { badRequest } from '../../core/errors.ts';
import { parseJson } from '../../core/json.ts';
import type { AssetRelationTable, AssetTable, Database, SiteTable } from '../../db/schema.ts';
import type { Executor } from '../../db/tx.ts';
import { ASSET_SORTS, type AssetFilters, type AssetSort } from './schema.ts';

/**
 * The inventory's SQL. Every function takes the client id and filters on it: an id of another
 * client's object finds nothing. Functions take an `Executor`, so they run inside a transaction too.
 */

export type SiteRow = SiteTable;
export type RelationRow = AssetRelationTable;
/** An asset as stored, without its search text. */
export type AssetRecord = Omit<AssetTable, 'search_text'>;
/** An asset with the name of its site, as the API shows it. */
export type AssetRow = AssetRecord & { site_name: string | null };

// ---------------------------------------------------------------- search text

/** Lower-case and without accents: what the search box and the tag filter compare. */
export function foldText(s: string): string {
  return s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().replace(/[\x00-\x1f\x7f]/g, ' ');
}

const FIELD_SEP = '\u001e';
const TAG_MARK = '\u001f';

/**
 * The `search_text` column: name, serial, IP address, owner, location and tags, folded. Fields are
 * separated by a control character a search never holds, and each tag is framed by another so the
 * tag filter matches whole tags only.
 */
export function searchTextOf(a: Pick<AssetRecord, 'name' | 'serial' | 'ip_address' | 'owner' | 'location' | 'tags'>): string {
  const tags = parseJson<string[]>(a.tags, []);
  return [a.name, a.serial, a.ip_address, a.owner, a.location].map(foldText).join(FIELD_SEP) + FIELD_SEP + tags.map((t) => TAG_MARK + foldText(t) + TAG_MARK).join('');
}

function likeEscape(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

// ---------------------------------------------------------------- clients and sites

/** True when the id is a client organisation. */
export async function clientExists(ex: Executor, clientId: string): Promise<boolean> {
  const o = await ex.selectFrom('organisations').select('id').where('id', '=', clientId).where('kind', '=', 'client').executeTakeFirst();
  return !!o;
}

export async function listSites(ex: Executor, clientId: string): Promise<SiteRow[]> {
  return ex.selectFrom('sites').selectAll().where('client_id', '=', clientId).orderBy('name').orderBy('id').execute();
}

/** Number of assets per site of the client. */
export async function assetCountsBySite(ex: Executor, clientId: string): Promise<Map<string, number>> {
  const rows = await ex
    .selectFrom('assets')
    .select(['site_id', (eb) => eb.fn.countAll().as('n')])
    .where('client_id', '=', clientId)
    .where('site_id', 'is not', null)
    .groupBy('site_id')
    .execute();
  return new Map(rows.map((r) => [r.site_id!, Number(r.n)]));
}

export async function getSite(ex: Executor, clientId: string, siteId: string): Promise<SiteRow | undefined> {
  return ex.selectFrom('sites').selectAll().where('client_id', '=', clientId).where('id', '=', siteId).executeTakeFirst();
}

export async function findSiteByName(ex: Executor, clientId: string, name: string): Promise<SiteRow | undefined> {
  return ex.selectFrom('sites').selectAll().where('client_id', '=', clientId).where('name', '=', name).executeTakeFirst();
}

export async function insertSites(ex: Executor, rows: SiteRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 500) await ex.insertInto('sites').values(rows.slice(i, i + 500)).execute();
}

export async function updateSite(ex: Executor, row: SiteRow): Promise<void> {
  const { id, client_id, created_at: _c, ...set } = row;
  await ex.updateTable('sites').set(set).where('client_id', '=', client_id).where('id', '=', id).execute();
}

export async function deleteSite(ex: Executor, clientId: string, siteId: string): Promise<void> {
  await ex.deleteFrom('sites').where('client_id', '=', clientId).where('id', '=', siteId).execute();
}

export async function countAssetsOnSite(ex: Executor, clientId: string, siteId: string): Promise<number> {
  const r = await ex.selectFrom('assets').select((eb) => eb.fn.countAll().as('n')).where('client_id', '=', clientId).where('site_id', '=', siteId).executeTakeFirstOrThrow();
  return Number(r.n);
}

// ---------------------------------------------------------------- assets

const ASSET_COLUMNS = [
  'a.id', 'a.client_id', 'a.site_id', 'a.name', 'a.type', 'a.criticality', 'a.business_impact', 'a.owner', 'a.location', 'a.serial',
  'a.manufacturer', 'a.model', 'a.ip_address', 'a.warranty_end', 'a.tags', 'a.custom_fields', 'a.notes', 'a.created_at', 'a.updated_at',
] as const;

function assetsWithSite(ex: Executor) {
  return ex.selectFrom('assets as a').leftJoin('sites as s', 's.id', 'a.site_id').select(ASSET_COLUMNS).select('s.name as site_name');
}

export async function getAsset(ex: Executor, clientId: string, assetId: string): Promise<AssetRow | undefined> {
  return assetsWithSite(ex).where('a.client_id', '=', clientId).where('a.id', '=', assetId).executeTakeFirst();
}

/** Several assets of the client by id (those of other clients are left out). */
export async function getAssetsBrief(ex: Executor, clientId: string, ids: string[]) {
  if (ids.length === 0) return [];
  return ex.selectFrom('assets').select(['id', 'name', 'type']).where('client_id', '=', clientId).where('id', 'in', ids).execute();
}

/** Inserts assets in chunks (both databases cap the number of bound parameters), filling `search_text`. */
export async function insertAssets(ex: Executor, rows: AssetRecord[], chunk = 500): Promise<void> {
  for (let i = 0; i < rows.length; i += chunk) {
    await ex
      .insertInto('assets')
      .values(rows.slice(i, i + chunk).map((r) => ({ ...r, search_text: searchTextOf(r) })))
      .execute();
  }
}

/** Writes every field of the asset back, and its search text. */
export async function updateAsset(ex: Executor, row: AssetRecord): Promise<void> {
  const { id, client_id, created_at: _c, ...set } = row;
  await ex.updateTable('assets').set({ ...set, search_text: searchTextOf(row) }).where('client_id', '=', client_id).where('id', '=', id).execute();
}

export async function deleteAsset(ex: Executor, clientId: string, assetId: string): Promise<void> {
  await ex.deleteFrom('assets').where('client_id', '=', clientId).where('id', '=', assetId).execute();
}

export async function countAssets(ex: Executor, clientId: string): Promise<number> {
  const r = await ex.selectFrom('assets').select((eb) => eb.fn.countAll().as('n')).where('client_id', '=', clientId).executeTakeFirstOrThrow();
  return Number(r.n);
}

// ---------------------------------------------------------------- keyset pagination

/** Where a page ends: the last row's sort key, name and id. */
export interface AssetCursor {
  s: AssetSort;
  /** criticality or updated_at of the last row; absent when sorting by name. */
  k?: number;
  n: string;
  i: string;
}

const CursorShape = z.object({ s: z.enum(ASSET_SORTS), k: z.number().int().optional(), n: z.string().max(400), i: z.string().max(64) }).strict();

export function encodeCursor(c: AssetCursor): string {
  return Buffer.from(JSON.stringify(c), 'utf8').toString('base64url');
}

/** Reads a cursor made by `encodeCursor` for the same sort; anything else is a 400 `invalid_cursor`. */
export function decodeCursor(text: string, sort: AssetSort): AssetCursor {
  const bad = () => badRequest('invalid_cursor', 'This cursor is not valid for this list; start again from the first page');
  if (!/^[A-Za-z0-9_-]+$/.test(text)) throw bad();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  const r = CursorShape.safeParse(parsed);
  if (!r.success || r.data.s !== sort || (sort === 'name') !== (r.data.k === undefined)) throw bad();
  return r.data as AssetCursor;
}

function cursorOf(sort: AssetSort, row: AssetRow): AssetCursor {
  if (sort === 'name') return { s: sort, n: row.name, i: row.id };
  return { s: sort, k: Number(sort === 'criticality' ? row.criticality : row.updated_at), n: row.name, i: row.id };
}

type AssetEb = ExpressionBuilder<Database & { a: AssetTable; s: SiteTable }, 'a' | 's'>;

/**
 * One page of the client's assets, filtered and sorted, starting after `after`. Keyset pagination on
 * (sort key, name, id): the cost of a page does not grow with its position, and the (client_id, …,
 * name, id) indexes serve the name and criticality orders directly.
 */
export async function listAssets(ex: Executor, clientId: string, f: AssetFilters, limit: number, after: AssetCursor | null): Promise<{ rows: AssetRow[]; next: string | null }> {
  const rows = await assetListQuery(ex, clientId, f, limit + 1, after).execute();
  const more = rows.length > limit;
  const page = more ? rows.slice(0, limit) : rows;
  return { rows: page, next: more ? encodeCursor(cursorOf(f.sort, page[page.length - 1]!)) : null };
}

/** The SELECT behind `listAssets` (exposed to read its plan). */
export function assetListQuery(ex: Executor, clientId: string, f: AssetFilters, limit: number, after: AssetCursor | null) {
  let q = assetsWithSite(ex).where('a.client_id', '=', clientId);
  if (f.type) q = q.where('a.type', '=', f.type);
  if (f.criticality !== undefined) q = q.where('a.criticality', '=', f.criticality);
  if (f.site_id) q = q.where('a.site_id', '=', f.site_id);
  const needle = f.q ? foldText(f.q).trim() : '';
  if (needle) q = q.where(sql<boolean>`${sql.ref('a.search_text')} like ${`%${likeEscape(needle)}%`} escape '\\'`);
  const tag = f.tag ? foldText(f.tag).trim() : '';
  if (tag) q = q.where(sql<boolean>`${sql.ref('a.search_text')} like ${`%${TAG_MARK}${likeEscape(tag)}${TAG_MARK}%`} escape '\\'`);

  if (after) {
    const c = after;
    q = q.where((eb: AssetEb) => {
      const nameId = eb(eb.refTuple('a.name', 'a.id'), '>', eb.tuple(c.n, c.i));
      // With one criticality asked for, (criticality, name, id) order is (name, id) order: say so, the index range is tighter.
      if (f.sort === 'name' || (f.sort === 'criticality' && f.criticality !== undefined)) return nameId;
      if (f.sort === 'criticality') return eb(eb.refTuple('a.criticality', 'a.name', 'a.id'), '>', eb.tuple(c.k!, c.n, c.i));
      return eb.or([eb('a.updated_at', '<', c.k!), eb.and([eb('a.updated_at', '=', c.k!), nameId])]);
    });
  }
  if (f.sort === 'criticality') q = q.orderBy('a.criticality');
  if (f.sort === 'updated_at') q = q.orderBy('a.updated_at', 'desc');
  return q.orderBy('a.name').orderBy('a.id').limit(limit);
}

// ---------------------------------------------------------------- relations

export async function getRelation(ex: Executor, clientId: string, relationId: string): Promise<RelationRow | undefined> {
  return ex.selectFrom('asset_relations').selectAll().where('client_id', '=', clientId).where('id', '=', relationId).executeTakeFirst();
}

export async function findRelation(ex: Executor, clientId: string, from: string, to: string, kind: string): Promise<RelationRow | undefined> {
  return ex
    .selectFrom('asset_relations')
    .selectAll()
    .where('client_id', '=', clientId)
    .where('from_asset_id', '=', from)
    .where('to_asset_id', '=', to)
    .where('kind', '=', kind)
    .executeTakeFirst();
}

export async function insertRelation(ex: Executor, row: RelationRow): Promise<void> {
  await ex.insertInto('asset_relations').values(row).execute();
}

export async function deleteRelation(ex: Executor, clientId: string, relationId: string): Promise<void> {
  await ex.deleteFrom('asset_relations').where('client_id', '=', clientId).where('id', '=', relationId).execute();
}

/** Every relation from or to the asset. */
export async function relationsOf(ex: Executor, clientId: string, assetId: string): Promise<RelationRow[]> {
  return ex
    .selectFrom('asset_relations')
    .selectAll()
    .where('client_id', '=', clientId)
    .where((eb) => eb.or([eb('from_asset_id', '=', assetId), eb('to_asset_id', '=', assetId)]))
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

export async function deleteRelationsOf(ex: Executor, clientId: string, assetId: string): Promise<void> {
  await ex
    .deleteFrom('asset_relations')
    .where('client_id', '=', clientId)
    .where((eb) => eb.or([eb('from_asset_id', '=', assetId), eb('to_asset_id', '=', assetId)]))
    .execute();
}

// ---------------------------------------------------------------- errors

/** A unique constraint refused the write (SQLite or PostgreSQL). */
export function isUniqueViolation(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
