import { z } from 'zod';
import { ClientParams, Id } from '../tenancy/schema.ts';

export { ClientParams };

/** Every kind of asset the inventory knows. */
export const ASSET_TYPES = [
  'server', 'vm', 'workstation', 'switch', 'firewall', 'router', 'access_point', 'printer', 'nas', 'ups',
  'phone_system', 'cloud_service', 'business_application', 'licence', 'backup_system',
] as const;
export type AssetType = (typeof ASSET_TYPES)[number];

/** How two assets relate: `from` runs on / is connected to / depends on / backs up `to`. */
export const RELATION_KINDS = ['runs_on', 'connected_to', 'depends_on', 'backs_up'] as const;
export type RelationKind = (typeof RELATION_KINDS)[number];

/** List orders; each is keyset-paginated on (sort key, name, id). */
export const ASSET_SORTS = ['name', 'criticality', 'updated_at'] as const;
export type AssetSort = (typeof ASSET_SORTS)[number];

/** Criticality when none is given: 3 of 4 (1 is the most critical). */
export const DEFAULT_CRITICALITY = 3;

const text = (max: number) => z.string().trim().max(max);
const NO_CONTROL = /^[^\x00-\x1f\x7f]*$/;

/** One tag: no `|` nor `,`, which separate tags in CSV files. */
export const Tag = z.string().trim().min(1).max(50).regex(/^[^|,\x00-\x1f\x7f]+$/, 'a tag may not contain | or ,');
/** A custom field's name: 1 to 64 characters, no surrounding spaces. */
export const CustomFieldKey = z.string().min(1).max(64).regex(/^[^\s\x00-\x1f\x7f](?:[^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f])?$/, 'no control characters nor surrounding spaces');
/** A custom field's value. */
export const CustomFieldValue = z.union([z.string().max(2000), z.number().finite(), z.boolean()]);

export const SiteParams = ClientParams.extend({
  /** The site. */
  siteId: Id,
});
export const AssetParams = ClientParams.extend({
  /** The asset. */
  assetId: Id,
});
export const RelationParams = ClientParams.extend({
  /** The relation. */
  relationId: Id,
});

export const SiteCreateBody = z.object({
  /** The site's name, unique within the client ("Siège", "Entrepôt Lyon"). */
  name: z.string().trim().min(1).max(200).regex(NO_CONTROL, 'no control characters'),
  /** Postal address. */
  address: text(1000).optional(),
  /** City. */
  city: text(120).optional(),
  /** ISO 3166-1 alpha-2 country code; FR when absent. */
  country: z.string().trim().toUpperCase().regex(/^[A-Z]{2}$/, 'a two-letter country code').optional(),
  /** Free notes. */
  notes: z.string().max(10_000).optional(),
});

export const SitePatchBody = SiteCreateBody.partial();

export const AssetFields = z.object({
  /** The asset's name (host name, product name). */
  name: z.string().trim().min(1).max(200).regex(NO_CONTROL, 'no control characters'),
  /** What kind of asset it is. */
  type: z.enum(ASSET_TYPES),
  /** 1 (most critical) to 4 (least); 3 when absent on creation. */
  criticality: z.number().int().min(1).max(4).optional(),
  /** The site it is on, a site of the same client; null for none. */
  site_id: Id.nullable().optional(),
  /** What the business loses when it is down. */
  business_impact: text(2000).optional(),
  /** Who owns it at the client (person or department). */
  owner: text(200).optional(),
  /** Where it is within the site (room, rack, office). */
  location: text(200).optional(),
  /** Serial number. */
  serial: text(120).optional(),
  /** Manufacturer or publisher. */
  manufacturer: text(120).optional(),
  /** Model or edition. */
  model: text(120).optional(),
  /** IP address (or addresses, free text). */
  ip_address: text(64).optional(),
  /** End of warranty or support, epoch ms; null for none. */
  warranty_end: z.number().int().min(0).max(8.64e15).nullable().optional(),
  /** Free tags; duplicates are dropped. */
  tags: z.array(Tag).max(50).optional(),
  /** Client-specific fields (at most 50). */
  custom_fields: z.record(CustomFieldKey, CustomFieldValue).refine((o) => Object.keys(o).length <= 50, 'at most 50 custom fields').optional(),
  /** Free notes. */
  notes: z.string().max(10_000).optional(),
});
export type AssetInput = z.infer<typeof AssetFields>;

export const AssetCreateBody = AssetFields;
export const AssetPatchBody = AssetFields.partial();
export type AssetPatch = z.infer<typeof AssetPatchBody>;

export const AssetListQuery = z.object({
  /** Case-insensitive search in name, serial, IP address, tags, owner and location. */
  q: z.string().max(200).optional(),
  /** Only this type. */
  type: z.enum(ASSET_TYPES).optional(),
  /** Only assets on this site. */
  site_id: Id.optional(),
  /** Only this criticality. */
  criticality: z.coerce.number().int().min(1).max(4).optional(),
  /** Only assets carrying this tag (case-insensitive). */
  tag: z.string().max(50).optional(),
  /** name (A→Z), criticality (most critical first, then name) or updated_at (most recent first, then name). */
  sort: z.enum(ASSET_SORTS).default('name'),
  /** Page size, 1 to 500. */
  limit: z.coerce.number().int().min(1).max(500).default(50),
  /** Opaque cursor from the previous page's `next_cursor`. */
  cursor: z.string().max(2000).optional(),
});
export type AssetListQuery = z.infer<typeof AssetListQuery>;
/** The list filters without paging, as the export takes them. */
export const AssetExportQuery = AssetListQuery.omit({ limit: true, cursor: true });
export type AssetFilters = Omit<AssetListQuery, 'limit' | 'cursor'>;

export const RelationCreateBody = z.object({
  /** The asset this one points to (same client). */
  to_asset_id: Id,
  /** What the relation means, read "this asset <kind> to_asset". */
  kind: z.enum(RELATION_KINDS),
});

/** Fields an import column can fill: an asset field, the site by name, or `custom:<key>`. */
export const IMPORT_FIELDS = ['name', 'type', 'criticality', 'site', 'serial', 'manufacturer', 'model', 'ip_address', 'owner', 'location', 'warranty_end', 'tags', 'business_impact', 'notes'] as const;
export type ImportField = (typeof IMPORT_FIELDS)[number];

export const ImportFieldKey = z.string().refine(
  (k) => (IMPORT_FIELDS as readonly string[]).includes(k) || (k.startsWith('custom:') && CustomFieldKey.safeParse(k.slice(7).trim()).success),
  { message: `a field (${IMPORT_FIELDS.join(', ')}) or custom:<key>` },
);

/** The delimiters an import accepts. */
export const Delimiter = z.enum([',', ';', '\t']);

/** The largest CSV accepted (characters). */
export const MAX_CSV_CHARS = 20 * 1024 * 1024;

export const ImportBody = z.object({
  /** The CSV file's text (UTF-8), header line first. */
  csv: z.string().max(MAX_CSV_CHARS),
  /** Field → header of the column that fills it; headers are matched by name and alias when absent. */
  mapping: z.record(ImportFieldKey, z.string().max(500)).optional(),
  /** Column delimiter; detected from the header line when absent. */
  delimiter: Delimiter.optional(),
  /** Validate and report without writing anything. */
  dry_run: z.boolean().default(false),
});

export const ImportPreviewBody = z.object({
  /** The CSV file's text (UTF-8), header line first. */
  csv: z.string().max(MAX_CSV_CHARS),
  /** Column delimiter; detected from the header line when absent. */
  delimiter: Delimiter.optional(),
});
