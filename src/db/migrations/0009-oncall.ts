import type { Kysely } from 'kysely';

/**
 * On-call duty (astreinte), second step: what paging needs beyond migration 0007.
 *
 * - oncall_pages.superseded_at: the page was stood down without its own acknowledgement (another page
 *   of the same ticket was acknowledged first, or the ticket was restored, resolved or closed): it is
 *   not escalated and does not count in the on-call efficiency figures.
 * - oncall_pages.webhook_*: the page's signed webhook (contract setting `oncall.webhook_url`), sent by
 *   the on-call pass after the page's transaction committed: state null (no webhook), pending,
 *   sending (claimed until webhook_next_at), sent, failed; attempts, next attempt, last error, and the
 *   JSON body (dropped once sent or failed for good: it carries the acknowledgement link).
 * - oncall_webhook_secrets: the signing secret of each contract's on-call webhook (X-Vigie-Signature).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('oncall_pages').addColumn('superseded_at', 'bigint').execute();
  await db.schema.alterTable('oncall_pages').addColumn('webhook_state', 'varchar(16)').execute();
  await db.schema.alterTable('oncall_pages').addColumn('webhook_attempts', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('oncall_pages').addColumn('webhook_next_at', 'bigint').execute();
  await db.schema.alterTable('oncall_pages').addColumn('webhook_error', 'text').execute();
  await db.schema.alterTable('oncall_pages').addColumn('webhook_body', 'text').execute();
  await db.schema.createIndex('oncall_pages_webhook').on('oncall_pages').columns(['webhook_state', 'webhook_next_at']).execute();
  await db.schema.createIndex('oncall_pages_client').on('oncall_pages').columns(['client_id', 'paged_at']).execute();
  await db.schema.createIndex('oncall_shifts_client').on('oncall_shifts').columns(['client_id', 'ends_at']).execute();
  await db.schema
    .createTable('oncall_webhook_secrets')
    .addColumn('contract_id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('client_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('secret', 'varchar(200)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('oncall_webhook_secrets').execute();
  await db.schema.dropIndex('oncall_shifts_client').execute();
  await db.schema.dropIndex('oncall_pages_client').execute();
  await db.schema.dropIndex('oncall_pages_webhook').execute();
  for (const c of ['webhook_body', 'webhook_error', 'webhook_next_at', 'webhook_attempts', 'webhook_state', 'superseded_at']) {
    await db.schema.alterTable('oncall_pages').dropColumn(c).execute();
  }
}
