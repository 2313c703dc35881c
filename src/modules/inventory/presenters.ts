import { parseJson } from '../../core/json.ts';
import type { AssetRow, RelationRow, SiteRow } from './repository.ts';

/** What leaves the server about sites, assets and relations: whitelisted fields, numbers as numbers. */

export type CustomFields = Record<string, string | number | boolean>;

export function presentSite(s: SiteRow, assetCount?: number) {
  return {
    id: s.id,
    client_id: s.client_id,
    name: s.name,
    address: s.address,
    city: s.city,
    country: s.country,
    notes: s.notes,
    created_at: Number(s.created_at),
    updated_at: Number(s.updated_at),
    ...(assetCount === undefined ? {} : { asset_count: assetCount }),
  };
}
export type SiteJson = ReturnType<typeof presentSite>;

export function presentAsset(a: AssetRow) {
  return {
    id: a.id,
    client_id: a.client_id,
    site_id: a.site_id,
    site_name: a.site_name ?? null,
    name: a.name,
    type: a.type,
    criticality: Number(a.criticality),
    business_impact: a.business_impact,
    owner: a.owner,
    location: a.location,
    serial: a.serial,
    manufacturer: a.manufacturer,
    model: a.model,
    ip_address: a.ip_address,
    warranty_end: a.warranty_end === null ? null : Number(a.warranty_end),
    tags: parseJson<string[]>(a.tags, []),
    custom_fields: parseJson<CustomFields>(a.custom_fields, {}),
    notes: a.notes,
    created_at: Number(a.created_at),
    updated_at: Number(a.updated_at),
  };
}
export type AssetJson = ReturnType<typeof presentAsset>;

export function presentRelation(r: RelationRow) {
  return { id: r.id, kind: r.kind, from_asset_id: r.from_asset_id, to_asset_id: r.to_asset_id };
}

/** A relation seen from one asset: which way it points and the asset at the other end. */
export function presentRelationFrom(assetId: string, r: RelationRow, others: ReadonlyMap<string, { id: string; name: string; type: string }>) {
  const out = r.from_asset_id === assetId;
  const otherId = out ? r.to_asset_id : r.from_asset_id;
  const o = others.get(otherId);
  return { id: r.id, kind: r.kind, direction: out ? ('out' as const) : ('in' as const), other: { id: otherId, name: o?.name ?? '', type: o?.type ?? '' } };
}
