/**
 * The demo clients' sites, assets and relations, created through the inventory service (so each
 * object is validated by the API's schemas and journaled on its own). Objects already there, by
 * name (relations by their two ends and kind), are left alone.
 */
import type { Db } from '../db/database.ts';
import type { AuditContext } from '../modules/journal/service.ts';
import { AssetCreateBody, SiteCreateBody } from '../modules/inventory/schema.ts';
import { createAsset, createRelation, createSite } from '../modules/inventory/service.ts';
import type { DemoClient } from './demo-data.ts';

function day(iso: string): number {
  return Date.parse(`${iso}T00:00:00Z`);
}

/** Creates what is missing of the client's demo inventory; returns how many objects it created. */
export async function loadDemoInventory(db: Db, ctx: AuditContext, clientId: string, c: DemoClient) {
  const created = { sites: 0, assets: 0, relations: 0 };

  const siteIds = new Map<string, string>();
  for (const s of await db.kysely.selectFrom('sites').select(['id', 'name']).where('client_id', '=', clientId).execute()) siteIds.set(s.name, s.id);
  for (const s of c.sites) {
    if (siteIds.has(s.name)) continue;
    const site = await createSite(db, ctx, clientId, SiteCreateBody.parse({ name: s.name, address: s.address, city: s.city, country: 'FR', notes: s.notes ?? '' }));
    siteIds.set(s.name, site.id);
    created.sites++;
  }

  const assetIds = new Map<string, string>();
  for (const a of await db.kysely.selectFrom('assets').select(['id', 'name']).where('client_id', '=', clientId).execute()) assetIds.set(a.name, a.id);
  for (const a of c.assets) {
    if (assetIds.has(a.name)) continue;
    const { site, warranty_end, ...fields } = a;
    const input = AssetCreateBody.parse({
      ...fields,
      site_id: site === null ? null : (siteIds.get(site) ?? null),
      warranty_end: warranty_end ? day(warranty_end) : null,
    });
    const asset = await createAsset(db, ctx, clientId, input);
    assetIds.set(a.name, asset.id);
    created.assets++;
  }

  const existing = await db.kysely.selectFrom('asset_relations').select(['from_asset_id', 'to_asset_id', 'kind']).where('client_id', '=', clientId).execute();
  const have = new Set(existing.map((r) => `${r.from_asset_id}|${r.kind}|${r.to_asset_id}`));
  for (const [from, kind, to] of c.relations) {
    const fromId = assetIds.get(from), toId = assetIds.get(to);
    if (!fromId || !toId) throw new Error(`demo data: the relation ${from} ${kind} ${to} names an unknown asset`);
    if (have.has(`${fromId}|${kind}|${toId}`)) continue;
    await createRelation(db, ctx, clientId, fromId, { to_asset_id: toId, kind });
    created.relations++;
  }
  return created;
}
