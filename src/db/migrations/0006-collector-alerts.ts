import type { Kysely } from 'kysely';

/**
 * Alerts about a collector: `alerts.subject` says what `check_id` names — a check (every alert so
 * far) or a collector gone silent (its checks are listed as the alert's children).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('alerts').addColumn('subject', 'varchar(16)', (c) => c.notNull().defaultTo('check')).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('alerts').dropColumn('subject').execute();
}
