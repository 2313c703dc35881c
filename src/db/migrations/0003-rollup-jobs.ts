import { SqliteAdapter, sql, type Kysely } from 'kysely';

/**
 * Background jobs of supervision: a small key/value table for their progress (the rollup
 * watermark), and the minute buckets that late results (a collector replaying its backlog with the
 * original timestamps) made stale after they were rolled up, for the rollup job to re-roll.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const isSqlite = db.getExecutor().adapter instanceof SqliteAdapter;
  await db.schema
    .createTable('job_state')
    .addColumn('name', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('rollup_dirty')
    .addColumn('check_no', 'integer', (c) => c.notNull())
    /** Start of the stale minute (epoch ms). */
    .addColumn('bucket', 'bigint', (c) => c.notNull())
    /** When it was last marked: the job removes a mark only if nobody marked it again meanwhile. */
    .addColumn('marked_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('rollup_dirty_pk', ['check_no', 'bucket'])
    .modifyEnd(isSqlite ? sql`without rowid` : sql``)
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('rollup_dirty').execute();
  await db.schema.dropTable('job_state').execute();
}
