import type { Kysely } from 'kysely';

/**
 * Alerting: what the alert stream and the delivery queue need beyond migration 0002.
 * - alerts keep the check's name and the start of the state they report, so the stream reads on its
 *   own (a check may be deleted or renamed later) and the service desk can date its tickets;
 * - alert_episodes: one row per check with an open alert episode (a problem was raised and no
 *   recovery yet): the level alerted, who was told and when. It makes repeats, recoveries and flap
 *   damping O(open episodes) instead of a scan of the alert history;
 * - the deliveries of an alert are read with it.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('alerts').addColumn('check_name', 'varchar(200)', (c) => c.notNull().defaultTo('')).execute();
  await db.schema.alterTable('alerts').addColumn('since', 'bigint').execute();
  await db.schema.createIndex('alerts_client_id').on('alerts').columns(['client_id', 'id']).execute();
  await db.schema.createIndex('alert_deliveries_alert').on('alert_deliveries').column('alert_id').execute();

  await db.schema
    .createTable('alert_episodes')
    .addColumn('check_id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('client_id', 'varchar(36)', (c) => c.notNull())
    /** down, degraded or flapping: what the last problem alert said. */
    .addColumn('level', 'varchar(16)', (c) => c.notNull())
    .addColumn('opened_at', 'bigint', (c) => c.notNull())
    .addColumn('last_alert_id', 'varchar(36)', (c) => c.notNull())
    /** JSON: rule id → when it was last sent an alert of this episode (repeats, recovery recipients). */
    .addColumn('notified', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('alert_episodes_client').on('alert_episodes').column('client_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('alert_episodes').execute();
  await db.schema.dropIndex('alert_deliveries_alert').execute();
  await db.schema.dropIndex('alerts_client_id').execute();
  await db.schema.alterTable('alerts').dropColumn('since').execute();
  await db.schema.alterTable('alerts').dropColumn('check_name').execute();
}
