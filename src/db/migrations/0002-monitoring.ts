import { SqliteAdapter, sql, type Kysely } from 'kysely';

/**
 * Supervision: checks, raw results, state periods, rollups, maintenance windows, collectors, alerts.
 * Results and rollups are keyed by the check's small integer `no`, not its UUID: a result row is then
 * about 20 bytes on SQLite (WITHOUT ROWID), where a UUID key alone would take 36.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const isSqlite = await detectSqlite(db);
  const withoutRowid = isSqlite ? sql`without rowid` : sql``;

  await db.schema
    .createTable('checks')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('no', 'integer', (c) => c.notNull().unique())
    .addColumn('client_id', 'varchar(36)', (c) => c.notNull().references('organisations.id'))
    .addColumn('asset_id', 'varchar(36)', (c) => c.references('assets.id'))
    .addColumn('collector_id', 'varchar(36)')
    .addColumn('parent_check_id', 'varchar(36)')
    .addColumn('name', 'varchar(200)', (c) => c.notNull())
    .addColumn('type', 'varchar(16)', (c) => c.notNull())
    .addColumn('settings', 'text', (c) => c.notNull())
    .addColumn('interval_s', 'integer', (c) => c.notNull())
    .addColumn('timeout_ms', 'integer', (c) => c.notNull())
    .addColumn('retries', 'integer', (c) => c.notNull())
    .addColumn('recovery_threshold', 'integer', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('heartbeat_token_hash', 'varchar(64)', (c) => c.unique())
    .addColumn('state', 'varchar(16)', (c) => c.notNull())
    .addColumn('state_since', 'bigint', (c) => c.notNull())
    /** JSON of the state machine's counters and a stateful probe's memory (SNMP counters). */
    .addColumn('runtime', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('last_result_at', 'bigint')
    .addColumn('last_status', 'varchar(16)')
    .addColumn('last_latency_ms', 'real')
    .addColumn('last_message', 'text')
    .addColumn('next_due_at', 'bigint', (c) => c.notNull())
    .addColumn('lease_owner', 'varchar(64)')
    .addColumn('lease_until', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('checks_client').on('checks').columns(['client_id', 'name']).execute();
  await db.schema.createIndex('checks_asset').on('checks').column('asset_id').execute();
  await db.schema.createIndex('checks_due').on('checks').columns(['enabled', 'next_due_at']).execute();
  await db.schema.createIndex('checks_collector').on('checks').column('collector_id').execute();

  await db.schema
    .createTable('check_results')
    .addColumn('check_no', 'integer', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    /** 0 up, 1 degraded, 2 down. */
    .addColumn('status', 'smallint', (c) => c.notNull())
    .addColumn('latency_us', 'integer')
    /** Kept only when it says something (not up, or changed). */
    .addColumn('message', 'text')
    .addPrimaryKeyConstraint('check_results_pk', ['check_no', 'at'])
    .modifyEnd(withoutRowid)
    .execute();

  await db.schema
    .createTable('state_periods')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('client_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('check_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('state', 'varchar(16)', (c) => c.notNull())
    .addColumn('from_at', 'bigint', (c) => c.notNull())
    .addColumn('to_at', 'bigint')
    .addColumn('cause', 'text', (c) => c.notNull().defaultTo(''))
    .execute();
  await db.schema.createIndex('state_periods_check').on('state_periods').columns(['check_id', 'from_at']).execute();
  await db.schema.createIndex('state_periods_client').on('state_periods').columns(['client_id', 'from_at']).execute();

  await db.schema
    .createTable('rollups')
    .addColumn('check_no', 'integer', (c) => c.notNull())
    /** 1 minute, 2 hour, 3 day. */
    .addColumn('grain', 'smallint', (c) => c.notNull())
    .addColumn('bucket', 'bigint', (c) => c.notNull())
    .addColumn('count', 'integer', (c) => c.notNull())
    .addColumn('up', 'integer', (c) => c.notNull())
    .addColumn('degraded', 'integer', (c) => c.notNull())
    .addColumn('down', 'integer', (c) => c.notNull())
    .addColumn('sum_latency_us', 'bigint', (c) => c.notNull())
    .addColumn('min_latency_us', 'integer')
    .addColumn('max_latency_us', 'integer')
    /** Counts per fixed latency bucket, JSON array (p95 is read from it). */
    .addColumn('histogram', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('rollups_pk', ['check_no', 'grain', 'bucket'])
    .modifyEnd(withoutRowid)
    .execute();

  await db.schema
    .createTable('maintenance_windows')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('client_id', 'varchar(36)', (c) => c.notNull().references('organisations.id'))
    .addColumn('target_type', 'varchar(16)', (c) => c.notNull())
    .addColumn('target_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('title', 'varchar(200)', (c) => c.notNull())
    /** once, weekly or monthly; the recurrence itself is in `spec`. */
    .addColumn('kind', 'varchar(16)', (c) => c.notNull())
    .addColumn('spec', 'text', (c) => c.notNull())
    .addColumn('time_zone', 'varchar(64)', (c) => c.notNull())
    .addColumn('created_by', 'varchar(36)')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('maintenance_client').on('maintenance_windows').columns(['client_id', 'target_id']).execute();

  await db.schema
    .createTable('collectors')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('client_id', 'varchar(36)', (c) => c.notNull().references('organisations.id'))
    .addColumn('site_id', 'varchar(36)')
    .addColumn('name', 'varchar(200)', (c) => c.notNull())
    .addColumn('token_hash', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('last_contact_at', 'bigint')
    .addColumn('last_seq', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('version', 'varchar(32)')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint')
    .execute();
  await db.schema.createIndex('collectors_client').on('collectors').column('client_id').execute();

  await db.schema
    .createTable('collector_batches')
    .addColumn('collector_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .addColumn('results', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('collector_batches_pk', ['collector_id', 'seq'])
    .execute();

  await db.schema
    .createTable('alert_rules')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('client_id', 'varchar(36)', (c) => c.notNull().references('organisations.id'))
    .addColumn('name', 'varchar(200)', (c) => c.notNull())
    .addColumn('channel', 'varchar(16)', (c) => c.notNull())
    .addColumn('target', 'text', (c) => c.notNull())
    .addColumn('secret', 'text')
    /** JSON: which states raise it, minimum asset criticality, repeat and recovery settings. */
    .addColumn('settings', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('alert_rules_client').on('alert_rules').column('client_id').execute();

  await db.schema
    .createTable('alerts')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('client_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('check_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('root_check_id', 'varchar(36)')
    /** problem, repeat or recovery. */
    .addColumn('kind', 'varchar(16)', (c) => c.notNull())
    .addColumn('state', 'varchar(16)', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('children', 'text', (c) => c.notNull().defaultTo('[]'))
    .execute();
  await db.schema.createIndex('alerts_client').on('alerts').columns(['client_id', 'at']).execute();
  await db.schema.createIndex('alerts_check').on('alerts').columns(['check_id', 'at']).execute();

  await db.schema
    .createTable('alert_deliveries')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('alert_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('rule_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
    .addColumn('last_error', 'text')
    .addColumn('sent_at', 'bigint')
    .execute();
  await db.schema.createIndex('alert_deliveries_due').on('alert_deliveries').columns(['status', 'next_attempt_at']).execute();
}

// Asking the adapter, not the server: a failed probe query would abort PostgreSQL's migration transaction.
async function detectSqlite(db: Kysely<any>): Promise<boolean> {
  return db.getExecutor().adapter instanceof SqliteAdapter;
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['alert_deliveries', 'alerts', 'alert_rules', 'collector_batches', 'collectors', 'maintenance_windows', 'rollups', 'state_periods', 'check_results', 'checks']) {
    await db.schema.dropTable(t).execute();
  }
}
