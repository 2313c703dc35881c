import { badRequest, conflict, notFound, unprocessable } from '../../core/errors.ts';
import { sha256 } from '../../core/crypto.ts';
import { newId } from '../../core/ids.ts';
import type { Db } from '../../db/database.ts';
import type { Executor } from '../../db/tx.ts';
import { journaled, type AuditContext, type JournalInput } from '../journal/service.ts';
import { assetsToCsv, MAX_IMPORT_ROWS, parseCsv, resolveColumns, suggestMapping, validateRows, type Delimiter, type ImportError } from './csv.ts';
import { presentAsset, presentRelation, presentRelationFrom, presentSite, type AssetJson } from './presenters.ts';
import * as repo from './repository.ts';
import type { AssetRecord, AssetRow, SiteRow } from './repository.ts';
import { DEFAULT_CRITICALITY, type AssetFilters, type AssetInput, type AssetListQuery, type AssetPatch, type RelationKind } from './schema.ts';

// ---------------------------------------------------------------- helpers

/** Throws 404 unless the id is a client organisation (a provider admin may name any id). */
async function requireClient(ex: Executor, clientId: string): Promise<void> {
  if (!(await repo.clientExists(ex, clientId))) throw notFound('client');
}

async function requireSite(ex: Executor, clientId: string, siteId: string): Promise<SiteRow> {
  const s = await repo.getSite(ex, clientId, siteId);
  if (!s) throw notFound('site');
  return s;
}

async function requireAsset(ex: Executor, clientId: string, assetId: string): Promise<AssetRow> {
  const a = await repo.getAsset(ex, clientId, assetId);
  if (!a) throw notFound('asset');
  return a;
}

/** The site an asset is put on: null, or a site of the same client (else 400 `unknown_site`). */
async function siteForAsset(ex: Executor, clientId: string, siteId: string | null): Promise<SiteRow | null> {
  if (siteId === null) return null;
  const s = await repo.getSite(ex, clientId, siteId);
  if (!s) throw badRequest('unknown_site', 'This site does not exist for this client', { site_id: siteId });
  return s;
}

const siteTaken = (name: string) => conflict('site_name_taken', `This client already has a site named "${name}"`, { name });

function dedupe(tags: readonly string[]): string[] {
  return [...new Set(tags)];
}

// ---------------------------------------------------------------- sites

/** The client's sites by name, each with its number of assets. */
export async function listSites(db: Db, clientId: string) {
  await requireClient(db.kysely, clientId);
  const [sites, counts] = await Promise.all([repo.listSites(db.kysely, clientId), repo.assetCountsBySite(db.kysely, clientId)]);
  return sites.map((s) => presentSite(s, counts.get(s.id) ?? 0));
}

/** One site with its number of assets; 404 when it is not the client's. */
export async function getSite(db: Db, clientId: string, siteId: string) {
  const s = await requireSite(db.kysely, clientId, siteId);
  return presentSite(s, await repo.countAssetsOnSite(db.kysely, clientId, siteId));
}

export interface SiteInput {
  name: string;
  address?: string | undefined;
  city?: string | undefined;
  country?: string | undefined;
  notes?: string | undefined;
}

/** Creates a site; its name is unique within the client (409 `site_name_taken`). Journaled. */
export async function createSite(db: Db, ctx: AuditContext, clientId: string, input: SiteInput) {
  const now = Date.now();
  const site: SiteRow = {
    id: newId(), client_id: clientId, name: input.name, address: input.address ?? '', city: input.city ?? '', country: input.country ?? 'FR',
    notes: input.notes ?? '', created_at: now, updated_at: now,
  };
  return journaled(db, ctx, async (trx) => {
    await requireClient(trx, clientId);
    if (await repo.findSiteByName(trx, clientId, site.name)) throw siteTaken(site.name);
    try {
      await repo.insertSites(trx, [site]);
    } catch (e) {
      throw repo.isUniqueViolation(e) ? siteTaken(site.name) : e;
    }
    const out = presentSite(site, 0);
    return { result: out, journal: { clientId, action: 'site.create', objectType: 'site', objectId: site.id, after: presentSite(site) } };
  });
}

/** Changes a site's fields; a new name must stay unique within the client. Journaled. */
export async function updateSite(db: Db, ctx: AuditContext, clientId: string, siteId: string, patch: Partial<SiteInput>) {
  return journaled(db, ctx, async (trx) => {
    const before = await requireSite(trx, clientId, siteId);
    const after: SiteRow = {
      ...before,
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.address !== undefined ? { address: patch.address } : {}),
      ...(patch.city !== undefined ? { city: patch.city } : {}),
      ...(patch.country !== undefined ? { country: patch.country } : {}),
      ...(patch.notes !== undefined ? { notes: patch.notes } : {}),
      updated_at: Date.now(),
    };
    if (after.name !== before.name) {
      const clash = await repo.findSiteByName(trx, clientId, after.name);
      if (clash && clash.id !== siteId) throw siteTaken(after.name);
    }
    try {
      await repo.updateSite(trx, after);
    } catch (e) {
      throw repo.isUniqueViolation(e) ? siteTaken(after.name) : e;
    }
    const count = await repo.countAssetsOnSite(trx, clientId, siteId);
    return {
      result: presentSite(after, count),
      journal: { clientId, action: 'site.update', objectType: 'site', objectId: siteId, before: presentSite(before), after: presentSite(after) },
    };
  });
}

/** Deletes an empty site (409 `site_not_empty` while assets are on it). Journaled. */
export async function deleteSite(db: Db, ctx: AuditContext, clientId: string, siteId: string) {
  return journaled(db, ctx, async (trx) => {
    const before = await requireSite(trx, clientId, siteId);
    const n = await repo.countAssetsOnSite(trx, clientId, siteId);
    if (n > 0) throw conflict('site_not_empty', `${n} asset(s) are on this site: move or delete them first`, { asset_count: n });
    await repo.deleteSite(trx, clientId, siteId);
    return { result: { ok: true as const }, journal: { clientId, action: 'site.delete', objectType: 'site', objectId: siteId, before: presentSite(before) } };
  });
}

// ---------------------------------------------------------------- assets

/** One page of the client's assets (filters, search, sort) and the cursor of the next page. */
export async function listAssets(db: Db, clientId: string, q: AssetListQuery) {
  const after = q.cursor ? repo.decodeCursor(q.cursor, q.sort) : null;
  await requireClient(db.kysely, clientId);
  const { rows, next } = await repo.listAssets(db.kysely, clientId, q, q.limit, after);
  return { items: rows.map(presentAsset), next_cursor: next };
}

/** One asset with its relations both ways; 404 when it is not the client's. */
export async function getAsset(db: Db, clientId: string, assetId: string) {
  const a = await requireAsset(db.kysely, clientId, assetId);
  const rels = await repo.relationsOf(db.kysely, clientId, assetId);
  const otherIds = [...new Set(rels.map((r) => (r.from_asset_id === assetId ? r.to_asset_id : r.from_asset_id)))];
  const others = new Map((await repo.getAssetsBrief(db.kysely, clientId, otherIds)).map((o) => [o.id, o]));
  return { ...presentAsset(a), relations: rels.map((r) => presentRelationFrom(assetId, r, others)) };
}

/** Creates an asset; its site, if any, must be one of the client's (400 `unknown_site`). Journaled. */
export async function createAsset(db: Db, ctx: AuditContext, clientId: string, input: AssetInput) {
  const now = Date.now();
  return journaled(db, ctx, async (trx) => {
    await requireClient(trx, clientId);
    const site = await siteForAsset(trx, clientId, input.site_id ?? null);
    const rec: AssetRecord = {
      id: newId(), client_id: clientId, site_id: site?.id ?? null, name: input.name, type: input.type, criticality: input.criticality ?? DEFAULT_CRITICALITY,
      business_impact: input.business_impact ?? '', owner: input.owner ?? '', location: input.location ?? '', serial: input.serial ?? '',
      manufacturer: input.manufacturer ?? '', model: input.model ?? '', ip_address: input.ip_address ?? '', warranty_end: input.warranty_end ?? null,
      tags: JSON.stringify(dedupe(input.tags ?? [])), custom_fields: JSON.stringify(input.custom_fields ?? {}), notes: input.notes ?? '', created_at: now, updated_at: now,
    };
    await repo.insertAssets(trx, [rec]);
    const out = presentAsset({ ...rec, site_name: site?.name ?? null });
    return { result: out, journal: { clientId, action: 'asset.create', objectType: 'asset', objectId: rec.id, after: out } };
  });
}

/** Changes the given fields of an asset (tags and custom_fields are replaced whole). Journaled with before and after. */
export async function updateAsset(db: Db, ctx: AuditContext, clientId: string, assetId: string, patch: AssetPatch) {
  return journaled(db, ctx, async (trx) => {
    const before = await requireAsset(trx, clientId, assetId);
    let siteName = before.site_name;
    if (patch.site_id !== undefined) siteName = (await siteForAsset(trx, clientId, patch.site_id))?.name ?? null;
    const { site_name: _s, ...rec } = before;
    const after: AssetRecord = { ...rec, updated_at: Math.max(Date.now(), Number(before.updated_at) + 1) };
    if (patch.name !== undefined) after.name = patch.name;
    if (patch.type !== undefined) after.type = patch.type;
    if (patch.criticality !== undefined) after.criticality = patch.criticality;
    if (patch.site_id !== undefined) after.site_id = patch.site_id;
    for (const k of ['business_impact', 'owner', 'location', 'serial', 'manufacturer', 'model', 'ip_address', 'notes'] as const) {
      if (patch[k] !== undefined) after[k] = patch[k];
    }
    if (patch.warranty_end !== undefined) after.warranty_end = patch.warranty_end;
    if (patch.tags !== undefined) after.tags = JSON.stringify(dedupe(patch.tags));
    if (patch.custom_fields !== undefined) after.custom_fields = JSON.stringify(patch.custom_fields);
    await repo.updateAsset(trx, after);
    const out = presentAsset({ ...after, site_name: siteName });
    return { result: out, journal: { clientId, action: 'asset.update', objectType: 'asset', objectId: assetId, before: presentAsset(before), after: out } };
  });
}

/** Deletes an asset and every relation from or to it, each journaled. */
export async function deleteAsset(db: Db, ctx: AuditContext, clientId: string, assetId: string) {
  return journaled(db, ctx, async (trx) => {
    const before = await requireAsset(trx, clientId, assetId);
    const rels = await repo.relationsOf(trx, clientId, assetId);
    await repo.deleteRelationsOf(trx, clientId, assetId);
    await repo.deleteAsset(trx, clientId, assetId);
    const journal: JournalInput[] = rels.map((r) => ({ clientId, action: 'relation.delete', objectType: 'asset_relation', objectId: r.id, before: presentRelation(r) }));
    journal.push({ clientId, action: 'asset.delete', objectType: 'asset', objectId: assetId, before: presentAsset(before) });
    return { result: { ok: true as const }, journal };
  });
}

// ---------------------------------------------------------------- relations

/** Relation kinds that say the "from" asset needs the "to" asset (supervision follows them). */
const DEPENDENCY_KINDS: readonly RelationKind[] = ['depends_on', 'runs_on'];

/**
 * Relates two assets of the same client (404 otherwise): "from <kind> to". No relation to itself
 * (400 `self_relation`), no duplicate (409 `relation_exists`), no loop of dependencies (400
 * `dependency_cycle`: A depends on B which runs on A). Journaled.
 */
export async function createRelation(db: Db, ctx: AuditContext, clientId: string, fromId: string, input: { to_asset_id: string; kind: RelationKind }) {
  return journaled(db, ctx, async (trx) => {
    // Existence in this client first: another client's asset is a 404 whatever else is wrong.
    await requireAsset(trx, clientId, fromId);
    if (input.to_asset_id === fromId) throw badRequest('self_relation', 'An asset cannot be related to itself');
    await requireAsset(trx, clientId, input.to_asset_id);
    const exists = () => conflict('relation_exists', 'These assets are already related this way');
    if (await repo.findRelation(trx, clientId, fromId, input.to_asset_id, input.kind)) throw exists();
    if (DEPENDENCY_KINDS.includes(input.kind)) await refuseDependencyCycle(trx, clientId, fromId, input.to_asset_id);
    const rel = { id: newId(), client_id: clientId, from_asset_id: fromId, to_asset_id: input.to_asset_id, kind: input.kind, created_at: Date.now() };
    try {
      await repo.insertRelation(trx, rel);
    } catch (e) {
      throw repo.isUniqueViolation(e) ? exists() : e;
    }
    const out = presentRelation(rel);
    return { result: out, journal: { clientId, action: 'relation.create', objectType: 'asset_relation', objectId: rel.id, after: out } };
  });
}

/** Would "from needs to" close a loop, i.e. does `to` already need `from`, transitively? */
async function refuseDependencyCycle(trx: Executor, clientId: string, fromId: string, toId: string) {
  const rows = await trx.selectFrom('asset_relations').select(['from_asset_id', 'to_asset_id']).where('client_id', '=', clientId).where('kind', 'in', [...DEPENDENCY_KINDS]).execute();
  const needs = new Map<string, string[]>();
  for (const r of rows) needs.set(r.from_asset_id, [...(needs.get(r.from_asset_id) ?? []), r.to_asset_id]);
  const seen = new Set([toId]);
  const queue = [toId];
  for (let i = 0; i < queue.length; i++) {
    for (const n of needs.get(queue[i]!) ?? []) {
      if (n === fromId) throw badRequest('dependency_cycle', 'The other asset already depends on this one: the dependency would loop');
      if (!seen.has(n)) seen.add(n), queue.push(n);
    }
  }
}

/** Removes a relation of the client. Journaled. */
export async function deleteRelation(db: Db, ctx: AuditContext, clientId: string, relationId: string) {
  return journaled(db, ctx, async (trx) => {
    const r = await repo.getRelation(trx, clientId, relationId);
    if (!r) throw notFound('relation');
    await repo.deleteRelation(trx, clientId, relationId);
    return { result: { ok: true as const }, journal: { clientId, action: 'relation.delete', objectType: 'asset_relation', objectId: r.id, before: presentRelation(r) } };
  });
}

// ---------------------------------------------------------------- CSV import and export

const MAX_REPORTED_ERRORS = 1000;

function importInvalid(errors: ImportError[], rows: number): never {
  const lines = new Set(errors.map((e) => e.line)).size;
  throw unprocessable('import_invalid', `${lines} line(s) of the file are invalid; nothing was imported`, {
    errors: errors.slice(0, MAX_REPORTED_ERRORS),
    rows,
    error_count: errors.length,
  });
}

/** The header line, the mapping proposed for it and the first five rows: the UI's column-mapping step. */
export function previewImport(input: { csv: string; delimiter?: Delimiter | undefined }) {
  const { parsed, errors } = parseCsv(input.csv, input.delimiter, { maxRecords: 6 });
  if (!parsed) importInvalid(errors, 0);
  return { headers: parsed.headers, suggested_mapping: suggestMapping(parsed.headers), sample: parsed.rows.slice(0, 5).map((r) => r.cells), delimiter: parsed.delimiter };
}

export interface ImportInput {
  csv: string;
  mapping?: Record<string, string> | undefined;
  delimiter?: Delimiter | undefined;
  dry_run: boolean;
}

export interface ImportReport {
  created: number;
  sites_created: string[];
  ignored_columns: string[];
  dry_run: boolean;
}

/** Sites named in the file, matched to the client's (exactly, else ignoring case and accents); the others are to create. */
function resolveSites(existing: SiteRow[], names: Iterable<string>) {
  const exact = new Map(existing.map((s) => [s.name, s]));
  const folded = new Map<string, SiteRow>();
  for (const s of existing) if (!folded.has(repo.foldText(s.name))) folded.set(repo.foldText(s.name), s);
  const idByName = new Map<string, string>();
  const toCreate = new Map<string, string>();
  for (const n of names) {
    const s = exact.get(n) ?? folded.get(repo.foldText(n));
    if (s) idByName.set(n, s.id);
    else if (!toCreate.has(repo.foldText(n))) toCreate.set(repo.foldText(n), n);
  }
  return { idByName, toCreate: [...toCreate.values()] };
}

/**
 * Imports assets from CSV, all or nothing: any invalid line and nothing is written (422
 * `import_invalid` listing each error). Sites named in the file that do not exist are created.
 * One transaction, one `asset.import` journal entry. With dry_run, the same report and no write.
 */
export async function importAssets(db: Db, ctx: AuditContext, clientId: string, input: ImportInput): Promise<ImportReport> {
  await requireClient(db.kysely, clientId);
  const { parsed, errors: parseErrors } = parseCsv(input.csv, input.delimiter);
  if (!parsed) importInvalid(parseErrors, 0);
  if (parsed.rows.length > MAX_IMPORT_ROWS) {
    importInvalid([{ line: parsed.rows[MAX_IMPORT_ROWS]!.line, column: null, field: null, value: null, message: `At most ${MAX_IMPORT_ROWS} rows per import: split the file` }], parsed.rows.length);
  }
  const cols = resolveColumns(parsed.headers, input.mapping);
  if (cols.errors.length) importInvalid(cols.errors, parsed.rows.length);
  const { drafts, errors } = validateRows(parsed, cols.columns);
  if (errors.length) importInvalid(errors, parsed.rows.length);
  const siteNames = new Set(drafts.map((d) => d.site).filter((s): s is string => s !== null));

  if (input.dry_run) {
    const { toCreate } = resolveSites(await repo.listSites(db.kysely, clientId), siteNames);
    return { created: drafts.length, sites_created: toCreate, ignored_columns: cols.ignored, dry_run: true };
  }

  const fileHash = sha256(input.csv);
  return journaled(db, ctx, async (trx): Promise<{ result: ImportReport; journal: JournalInput }> => {
    const { idByName, toCreate } = resolveSites(await repo.listSites(trx, clientId), siteNames);
    const now = Date.now();
    const newSites: SiteRow[] = toCreate.map((name) => ({ id: newId(now), client_id: clientId, name, address: '', city: '', country: 'FR', notes: '', created_at: now, updated_at: now }));
    try {
      await repo.insertSites(trx, newSites);
    } catch (e) {
      // Another import or a user created one of these sites meanwhile (PostgreSQL): nothing is written.
      throw repo.isUniqueViolation(e) ? conflict('site_name_taken', 'A site named in the file was created meanwhile; import again', { sites: toCreate }) : e;
    }
    const byFolded = new Map(newSites.map((s) => [repo.foldText(s.name), s.id]));
    const records: AssetRecord[] = drafts.map((d) => ({
      id: newId(now), client_id: clientId, site_id: d.site === null ? null : (idByName.get(d.site) ?? byFolded.get(repo.foldText(d.site)) ?? null),
      name: d.name, type: d.type, criticality: d.criticality, business_impact: d.business_impact, owner: d.owner, location: d.location, serial: d.serial,
      manufacturer: d.manufacturer, model: d.model, ip_address: d.ip_address, warranty_end: d.warranty_end, tags: JSON.stringify(d.tags),
      custom_fields: JSON.stringify(d.custom_fields), notes: d.notes, created_at: now, updated_at: now,
    }));
    await repo.insertAssets(trx, records);
    const report: ImportReport = { created: records.length, sites_created: toCreate, ignored_columns: cols.ignored, dry_run: false };
    return {
      result: report,
      journal: {
        clientId, action: 'asset.import', objectType: 'asset', objectId: null,
        after: { count: records.length, file_hash: fileHash, rows: parsed.rows.length, delimiter: parsed.delimiter, sites_created: toCreate, ignored_columns: cols.ignored },
      },
    };
  });
}

/** Every asset matching the filters, as CSV that imports back unchanged. The export is journaled. */
export async function exportAssets(db: Db, ctx: AuditContext, clientId: string, filters: AssetFilters): Promise<{ csv: string; count: number }> {
  await requireClient(db.kysely, clientId);
  const all: AssetJson[] = [];
  let after: repo.AssetCursor | null = null;
  for (;;) {
    const page = await repo.listAssets(db.kysely, clientId, filters, 1000, after);
    for (const r of page.rows) all.push(presentAsset(r));
    if (!page.next) break;
    after = repo.decodeCursor(page.next, filters.sort);
  }
  const csv = assetsToCsv(all);
  await journaled(db, ctx, async () => ({
    result: null,
    journal: { clientId, action: 'asset.export', objectType: 'asset', objectId: null, after: { count: all.length, filters: { ...filters }, file_hash: sha256(csv) } },
  }));
  return { csv, count: all.length };
}
