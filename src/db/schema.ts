import type { Generated } from 'kysely';

/** Row types of every table. Times are epoch milliseconds (UTC); JSON is stored as text. */

export interface OrganisationTable {
  id: string;
  kind: 'provider' | 'client';
  name: string;
  slug: string;
  notes: string;
  created_at: number;
  updated_at: number;
  archived_at: number | null;
}

export interface UserTable {
  id: string;
  organisation_id: string;
  email: string;
  name: string;
  locale: string;
  password_hash: string | null;
  mfa_secret: string | null;
  mfa_enabled_at: number | null;
  /** The last TOTP time step accepted: a code is good once (no replay). */
  mfa_last_step: number | null;
  /** JSON array of SHA-256 hashes of unused recovery codes. */
  recovery_codes: string;
  disabled_at: number | null;
  created_at: number;
  updated_at: number;
}

export interface MembershipTable {
  id: string;
  user_id: string;
  /** The provider organisation (provider-wide roles) or a client organisation. */
  organisation_id: string;
  role: string;
  created_at: number;
}

export interface SessionTable {
  id: string;
  user_id: string;
  token_hash: string;
  /** 'full', or a step still owed: 'mfa' (code) or 'mfa_enrol' (provider staff without MFA). */
  stage: string;
  ip: string;
  user_agent: string;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
}

export interface ApiTokenTable {
  id: string;
  client_id: string;
  name: string;
  role: string;
  token_hash: string;
  prefix: string;
  created_by: string;
  created_at: number;
  expires_at: number;
  revoked_at: number | null;
  last_used_at: number | null;
}

export interface JournalTable {
  seq: number;
  id: string;
  at: number;
  actor_id: string | null;
  actor_label: string;
  client_id: string | null;
  action: string;
  object_type: string;
  object_id: string | null;
  before: string | null;
  after: string | null;
  ip: string | null;
  reason: string | null;
  prev_hash: string;
  hash: string;
}

export interface JournalHeadTable {
  id: number;
  last_seq: number;
  last_hash: string;
}

export interface SiteTable {
  id: string;
  client_id: string;
  name: string;
  address: string;
  city: string;
  country: string;
  notes: string;
  created_at: number;
  updated_at: number;
}

export interface AssetTable {
  id: string;
  client_id: string;
  site_id: string | null;
  name: string;
  type: string;
  criticality: number;
  business_impact: string;
  owner: string;
  location: string;
  serial: string;
  manufacturer: string;
  model: string;
  ip_address: string;
  warranty_end: number | null;
  tags: string;
  custom_fields: string;
  notes: string;
  /** Lower-cased, accent-free name, serial, ip, tags, owner and location: what the search box matches. */
  search_text: string;
  created_at: number;
  updated_at: number;
}

export interface AssetRelationTable {
  id: string;
  client_id: string;
  from_asset_id: string;
  to_asset_id: string;
  kind: string;
  created_at: number;
}

export interface Database {
  organisations: OrganisationTable;
  users: UserTable;
  memberships: MembershipTable;
  sessions: SessionTable;
  api_tokens: ApiTokenTable;
  journal: JournalTable;
  journal_head: JournalHeadTable;
  sites: SiteTable;
  assets: AssetTable;
  asset_relations: AssetRelationTable;
}

export type Unused = Generated<number>;
