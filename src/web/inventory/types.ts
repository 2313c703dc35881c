/** The inventory API's shapes, as the web app reads them. */

export const ASSET_TYPES = [
  'server',
  'vm',
  'workstation',
  'switch',
  'firewall',
  'router',
  'access_point',
  'printer',
  'nas',
  'ups',
  'phone_system',
  'cloud_service',
  'business_application',
  'licence',
  'backup_system',
] as const;
export type AssetType = (typeof ASSET_TYPES)[number];

export const CRITICALITIES = [1, 2, 3, 4] as const;

export const RELATION_KINDS = ['runs_on', 'connected_to', 'depends_on', 'backs_up'] as const;
export type RelationKind = (typeof RELATION_KINDS)[number];

/** The asset fields a CSV column can be mapped to, in the order the import dialog lists them. */
export const IMPORT_FIELDS = ['name', 'type', 'criticality', 'site', 'serial', 'manufacturer', 'model', 'ip_address', 'owner', 'location', 'warranty_end', 'tags', 'business_impact', 'notes'] as const;
export type ImportField = (typeof IMPORT_FIELDS)[number];

export type CustomValue = string | number | boolean;

export interface Asset {
  id: string;
  client_id: string;
  site_id: string | null;
  site_name: string | null;
  name: string;
  type: string;
  criticality: number | null;
  business_impact: string | null;
  owner: string | null;
  location: string | null;
  serial: string | null;
  manufacturer: string | null;
  model: string | null;
  ip_address: string | null;
  warranty_end: number | null;
  tags: string[];
  custom_fields: Record<string, CustomValue>;
  notes: string | null;
  created_at: number;
  updated_at: number;
}

export interface Relation {
  id: string;
  kind: RelationKind | string;
  direction: 'out' | 'in';
  other: { id: string; name: string; type: string };
}

export interface AssetWithRelations extends Asset {
  relations: Relation[];
}

export interface Site {
  id: string;
  name: string;
  address: string | null;
  city: string | null;
  country: string | null;
  notes: string | null;
  asset_count: number;
}

export interface ImportPreview {
  headers: string[];
  suggested_mapping: Partial<Record<ImportField, string>>;
  sample: string[][];
  delimiter: string;
}

export interface ImportResult {
  /** Assets created (or, in a dry run, that would be). */
  created: number;
  /** The sites created for names the file gave (a count in older servers). */
  sites_created: string[] | number;
  ignored_columns: string[];
  dry_run?: boolean;
}

/** How many sites an import creates, and their names when the server gives them. */
export function sitesCreated(r: ImportResult): { count: number; names: string[] } {
  return Array.isArray(r.sites_created) ? { count: r.sites_created.length, names: r.sites_created } : { count: r.sites_created ?? 0, names: [] };
}

export interface ImportLineError {
  line: number;
  column: string | null;
  field: string | null;
  value: string | null;
  message: string;
}
