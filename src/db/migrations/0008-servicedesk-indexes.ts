import { sql, type Kysely } from 'kysely';

/**
 * Service desk, second step: what the SLA pass and the queues need to touch only what is due.
 *
 * - sla_clocks.next_check_at: the next instant the SLA pass must look at this clock (its 75 %
 *   escalation, then its due time: breach and 100 % escalation); null when nothing is left to do
 *   (stopped, paused), a far instant when every level is sent. The pass reads `next_check_at <= now`
 *   through its index; sla_clocks_unscheduled holds the running clocks written without a schedule
 *   (bulk loads), which the pass adopts.
 * - tickets.gti_warn_at / gtr_warn_at: copies of the clocks' 75 % instants, for the `breaching` queue.
 * - tickets (client_id, assignee_user_id, id) and (client_id, group_id, id): the `mine` and
 *   `my_groups` queues of a client, newest first.
 * - tickets_client_open: (client_id, id) of the open tickets only (a partial index; the queries name
 *   the same literal state list): the open queues newest first without a sort or a walk through the
 *   closed ones.
 * - tickets_client_scan (client_id, id, state, priority, type, number, title) replaces
 *   tickets_client_id (client_id, id): newest first, and the filters and the title search are
 *   checked on the index before a row is read.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('sla_clocks').addColumn('next_check_at', 'bigint').execute();
  await db.schema.createIndex('sla_clocks_next_check').on('sla_clocks').column('next_check_at').execute();
  await db.schema
    .createIndex('sla_clocks_unscheduled')
    .on('sla_clocks')
    .column('warn_at')
    .where(sql<boolean>`next_check_at is null and state in ('running', 'breached') and stopped_at is null`)
    .execute();
  await db.schema.alterTable('tickets').addColumn('gti_warn_at', 'bigint').execute();
  await db.schema.alterTable('tickets').addColumn('gtr_warn_at', 'bigint').execute();
  await db.schema.createIndex('tickets_client_assignee').on('tickets').columns(['client_id', 'assignee_user_id', 'id']).execute();
  await db.schema.createIndex('tickets_client_group').on('tickets').columns(['client_id', 'group_id', 'id']).execute();
  await db.schema
    .createIndex('tickets_client_open')
    .on('tickets')
    .columns(['client_id', 'id'])
    .where(sql<boolean>`state in ('new', 'taken', 'in_progress', 'waiting', 'restored')`)
    .execute();
  await db.schema.createIndex('tickets_client_scan').on('tickets').columns(['client_id', 'id', 'state', 'priority', 'type', 'number', 'title']).execute();
  await db.schema.dropIndex('tickets_client_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('tickets_client_id').on('tickets').columns(['client_id', 'id']).execute();
  await db.schema.dropIndex('tickets_client_scan').execute();
  await db.schema.dropIndex('tickets_client_open').execute();
  await db.schema.dropIndex('tickets_client_group').execute();
  await db.schema.dropIndex('tickets_client_assignee').execute();
  await db.schema.alterTable('tickets').dropColumn('gtr_warn_at').execute();
  await db.schema.alterTable('tickets').dropColumn('gti_warn_at').execute();
  await db.schema.dropIndex('sla_clocks_unscheduled').execute();
  await db.schema.dropIndex('sla_clocks_next_check').execute();
  await db.schema.alterTable('sla_clocks').dropColumn('next_check_at').execute();
}
