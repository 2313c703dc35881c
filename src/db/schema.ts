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

export interface Database extends MonitoringTables, ServiceDeskTables {
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

// ---------------------------------------------------------------- monitoring

export interface CheckTable {
  id: string;
  /** Small integer key of the check in results and rollups (compact rows). */
  no: number;
  client_id: string;
  asset_id: string | null;
  collector_id: string | null;
  parent_check_id: string | null;
  name: string;
  type: string;
  settings: string;
  interval_s: number;
  timeout_ms: number;
  retries: number;
  recovery_threshold: number;
  enabled: number;
  heartbeat_token_hash: string | null;
  state: string;
  state_since: number;
  runtime: string;
  last_result_at: number | null;
  last_status: string | null;
  last_latency_ms: number | null;
  last_message: string | null;
  next_due_at: number;
  lease_owner: string | null;
  lease_until: number | null;
  created_at: number;
  updated_at: number;
}

export interface CheckResultTable {
  check_no: number;
  at: number;
  status: number;
  latency_us: number | null;
  message: string | null;
}

export interface StatePeriodTable {
  id: string;
  client_id: string;
  check_id: string;
  state: string;
  from_at: number;
  to_at: number | null;
  cause: string;
}

export interface RollupTable {
  check_no: number;
  grain: number;
  bucket: number;
  count: number;
  up: number;
  degraded: number;
  down: number;
  sum_latency_us: number;
  min_latency_us: number | null;
  max_latency_us: number | null;
  histogram: string;
}

export interface MaintenanceWindowTable {
  id: string;
  client_id: string;
  target_type: string;
  target_id: string;
  title: string;
  kind: string;
  spec: string;
  time_zone: string;
  created_by: string | null;
  created_at: number;
  updated_at: number;
}

export interface CollectorTable {
  id: string;
  client_id: string;
  site_id: string | null;
  name: string;
  token_hash: string;
  last_contact_at: number | null;
  last_seq: number;
  version: string | null;
  created_at: number;
  revoked_at: number | null;
  /** Results waiting in the collector's local buffer, as last reported (migration 0005). */
  backlog: number | null;
}

export interface CollectorBatchTable {
  collector_id: string;
  seq: number;
  received_at: number;
  results: number;
}

export interface AlertRuleTable {
  id: string;
  client_id: string;
  name: string;
  channel: string;
  target: string;
  secret: string | null;
  settings: string;
  enabled: number;
  created_at: number;
  updated_at: number;
}

export interface AlertTable {
  id: string;
  client_id: string;
  check_id: string;
  root_check_id: string | null;
  kind: string;
  state: string;
  at: number;
  message: string;
  children: string;
  /** The check's name when the alert was raised (migration 0004). */
  check_name: string;
  /** Start of the state the alert reports (migration 0004). */
  since: number | null;
  /** What check_id names: 'check' or 'collector' (migration 0006). */
  subject: Generated<string>;
}

/** A check's open alert episode: a problem was raised and no recovery yet (migration 0004). */
export interface AlertEpisodeTable {
  check_id: string;
  client_id: string;
  level: string;
  opened_at: number;
  last_alert_id: string;
  notified: string;
  updated_at: number;
}

export interface AlertDeliveryTable {
  id: string;
  alert_id: string;
  rule_id: string;
  status: string;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  sent_at: number | null;
}

export interface MonitoringTables {
  checks: CheckTable;
  check_results: CheckResultTable;
  state_periods: StatePeriodTable;
  rollups: RollupTable;
  maintenance_windows: MaintenanceWindowTable;
  collectors: CollectorTable;
  collector_batches: CollectorBatchTable;
  alert_rules: AlertRuleTable;
  alerts: AlertTable;
  alert_deliveries: AlertDeliveryTable;
  alert_episodes: AlertEpisodeTable;
  job_state: JobStateTable;
  rollup_dirty: RollupDirtyTable;
}

/** Progress of a background job (the rollup watermark), as text. */
export interface JobStateTable {
  name: string;
  value: string;
  updated_at: number;
}

/** A minute of a check's results that changed after it was rolled up (late results): to re-roll. */
export interface RollupDirtyTable {
  check_no: number;
  bucket: number;
  marked_at: number;
}

// ---------------------------------------------------------------- contracts and service desk (migration 0007)

export interface ContractTable {
  id: string;
  client_id: string;
  name: string;
  reference: string;
  status: string;
  starts_on: string;
  ends_on: string | null;
  service_level: string;
  monthly_fee_cents: number;
  currency: string;
  transition_until: string | null;
  /** JSON, shapes in modules/contracts/schema.ts */
  scope: string;
  windows: string;
  targets: string;
  penalties: string;
  credits: string;
  priority_matrix: string;
  settings: string;
  created_at: number;
  updated_at: number;
}

export interface SupportGroupTable {
  id: string;
  name: string;
  lead_user_id: string | null;
  created_at: number;
}

export interface SupportGroupMemberTable {
  group_id: string;
  user_id: string;
}

export interface TicketTable {
  id: string;
  client_id: string;
  number: number;
  type: string;
  title: string;
  description: string;
  category: string;
  impact: number;
  urgency: number;
  priority: number;
  state: string;
  source: string;
  contract_id: string | null;
  requester_user_id: string | null;
  requester_name: string;
  requester_email: string;
  assignee_user_id: string | null;
  group_id: string | null;
  problem_id: string | null;
  alert_subject_id: string | null;
  external_ref: string | null;
  created_at: number;
  updated_at: number;
  taken_at: number | null;
  restored_at: number | null;
  resolved_at: number | null;
  closed_at: number | null;
  reopened_count: number;
  gti_due_at: number | null;
  gtr_due_at: number | null;
  gti_state: string | null;
  gtr_state: string | null;
  /** copies of the clocks' 75 % instants (migration 0008) */
  gti_warn_at: number | null;
  gtr_warn_at: number | null;
}

export interface TicketEventTable {
  id: string;
  client_id: string;
  ticket_id: string;
  at: number;
  actor_user_id: string | null;
  actor_name: string;
  kind: string;
  data: string;
}

export interface TicketCommentTable {
  id: string;
  client_id: string;
  ticket_id: string;
  at: number;
  author_user_id: string | null;
  author_name: string;
  author_email: string;
  public: number;
  body: string;
  source: string;
}

export interface TicketAttachmentTable {
  id: string;
  client_id: string;
  ticket_id: string;
  comment_id: string | null;
  at: number;
  author_user_id: string | null;
  filename: string;
  content_type: string;
  size: number;
  sha256: string;
  internal: number;
}

export interface TicketAssetTable {
  ticket_id: string;
  asset_id: string;
  client_id: string;
  created_at: number;
}

export interface TicketWatcherTable {
  ticket_id: string;
  email: string;
  client_id: string;
  user_id: string | null;
}

export interface SlaClockTable {
  ticket_id: string;
  clock: string;
  client_id: string;
  spec: string;
  state: string;
  started_at: number;
  due_at: number;
  warn_at: number;
  paused_since: number | null;
  paused_ms: number;
  stopped_at: number | null;
  breached_at: number | null;
  escalated: string;
  updated_at: number;
  /** next instant the SLA pass must look at this clock; null: nothing left to do (migration 0008) */
  next_check_at: number | null;
}

export interface SlaEventTable {
  id: string;
  client_id: string;
  ticket_id: string;
  clock: string;
  kind: string;
  at: number;
  data: string;
}

export interface OncallShiftTable {
  id: string;
  client_id: string;
  contract_id: string;
  user_id: string;
  rank: number;
  starts_at: number;
  ends_at: number;
  created_at: number;
}

export interface OncallPageTable {
  id: string;
  client_id: string;
  ticket_id: string;
  user_id: string;
  level: number;
  token_hash: string;
  paged_at: number;
  acked_at: number | null;
  escalated_at: number | null;
  /** stood down without its own acknowledgement (another page acknowledged, ticket closed) (migration 0009) */
  superseded_at: number | null;
  /** the page's webhook: null (none), pending, sending, sent, failed (migration 0009) */
  webhook_state: string | null;
  webhook_attempts: number;
  webhook_next_at: number | null;
  webhook_error: string | null;
  /** JSON body to post; null once sent or failed for good */
  webhook_body: string | null;
}

export interface OncallWebhookSecretTable {
  contract_id: string;
  client_id: string;
  secret: string;
  created_at: number;
}

export interface SurveyTable {
  id: string;
  client_id: string;
  ticket_id: string;
  technician_user_id: string | null;
  email: string;
  token_hash: string;
  send_at: number;
  sent_at: number | null;
  score: number | null;
  comment: string | null;
  answered_at: number | null;
  created_at: number;
}

export interface AlertTicketCursorTable {
  client_id: string;
  cursor: string | null;
  updated_at: number;
}

export interface InboundMessageTable {
  message_id: string;
  client_id: string | null;
  ticket_id: string | null;
  received_at: number;
  outcome: string;
  reason: string;
}

export interface MailOutboxTable {
  id: string;
  client_id: string | null;
  ticket_id: string | null;
  kind: string;
  recipients: string;
  subject: string;
  body: string;
  headers: string;
  status: string;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  sent_at: number | null;
  created_at: number;
}

export interface ServiceDeskTables {
  mail_outbox: MailOutboxTable;
  contracts: ContractTable;
  support_groups: SupportGroupTable;
  support_group_members: SupportGroupMemberTable;
  tickets: TicketTable;
  ticket_events: TicketEventTable;
  ticket_comments: TicketCommentTable;
  ticket_attachments: TicketAttachmentTable;
  ticket_assets: TicketAssetTable;
  ticket_watchers: TicketWatcherTable;
  sla_clocks: SlaClockTable;
  sla_events: SlaEventTable;
  oncall_shifts: OncallShiftTable;
  oncall_pages: OncallPageTable;
  oncall_webhook_secrets: OncallWebhookSecretTable;
  surveys: SurveyTable;
  alert_ticket_cursor: AlertTicketCursorTable;
  inbound_messages: InboundMessageTable;
}
