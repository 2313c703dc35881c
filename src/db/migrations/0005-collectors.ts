import { sql, type Kysely } from 'kysely';

/**
 * Site collectors and distributed supervision.
 * - `collectors.backlog`: results waiting in the collector's local buffer, as it last reported them
 *   (a silent-check sweep waits for a collector in contact whose backlog is still being delivered).
 * - `checks_claim`: the claim loop of `vigie worker` / `vigie serve` on PostgreSQL reads the due,
 *   server-run checks in due order; a partial index keeps that read small whatever the number of
 *   collector or disabled checks.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('collectors').addColumn('backlog', 'bigint').execute();
  await db.schema
    .createIndex('checks_claim')
    .on('checks')
    .column('next_due_at')
    .where(sql<boolean>`enabled = 1 and collector_id is null and type <> 'heartbeat'`)
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('checks_claim').execute();
  await db.schema.alterTable('collectors').dropColumn('backlog').execute();
}
