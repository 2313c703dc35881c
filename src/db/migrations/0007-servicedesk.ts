import type { Kysely } from 'kysely';

/**
 * Contracts and the service desk.
 *
 * - contracts: one aggregate per contract; its service windows (calendars), its targets per priority,
 *   its penalties, credits, priority matrix and service-desk settings are JSON columns read and
 *   written as a whole (shapes in modules/contracts/schema.ts).
 * - tickets: per-client numbered (`number`, unique per client); timestamps of the milestones the SLA
 *   clocks and the KPIs read; the due times of the two clocks copied for the queues.
 * - ticket_events: the ticket's history (state, assignment, priority… and the imported history).
 * - ticket_comments: public replies and internal notes; ticket_attachments: blobs by SHA-256.
 * - ticket_assets: which assets a ticket concerns (recurring incidents per asset).
 * - sla_clocks: one row per ticket and clock (gti, gtr) with the calendar and target it was started
 *   with (a contract edited later never moves a running clock silently); sla_events: start, pause,
 *   resume, met, breached, priority_change, escalation — stored, never recomputed in the past.
 * - support_groups, support_group_members: the provider's teams, each with a lead.
 * - ticket_watchers: who else hears about a ticket.
 * - oncall_shifts, oncall_pages: the on-call rota per contract and the pages sent.
 * - surveys: satisfaction surveys (token link), one per resolved ticket sampled.
 * - alert_ticket_cursor: where the monitoring → tickets consumer is in each client's alert stream.
 * - inbound_messages: e-mails received (message-id unique: a message is turned into a ticket once).
 * - mail_outbox: every e-mail the service desk sends (ticket notifications, escalations, pages,
 *   surveys), written in the transaction of the change that causes it and sent by a retried loop;
 *   also what the app shows as "messages sent".
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('contracts')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('client_id', 'varchar(36)', (c) => c.notNull().references('organisations.id'))
    .addColumn('name', 'varchar(200)', (c) => c.notNull())
    .addColumn('reference', 'varchar(100)', (c) => c.notNull().defaultTo(''))
    /** draft, active, ended */
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    /** 'YYYY-MM-DD' */
    .addColumn('starts_on', 'varchar(10)', (c) => c.notNull())
    .addColumn('ends_on', 'varchar(10)')
    .addColumn('service_level', 'varchar(100)', (c) => c.notNull().defaultTo(''))
    .addColumn('monthly_fee_cents', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('currency', 'varchar(3)', (c) => c.notNull().defaultTo('EUR'))
    /** penalties suspended until this day (transition phase), 'YYYY-MM-DD' */
    .addColumn('transition_until', 'varchar(10)')
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('windows', 'text', (c) => c.notNull())
    .addColumn('targets', 'text', (c) => c.notNull())
    .addColumn('penalties', 'text', (c) => c.notNull())
    .addColumn('credits', 'text', (c) => c.notNull())
    .addColumn('priority_matrix', 'text', (c) => c.notNull())
    .addColumn('settings', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('contracts_client').on('contracts').columns(['client_id', 'starts_on']).execute();

  await db.schema
    .createTable('support_groups')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('name', 'varchar(200)', (c) => c.notNull().unique())
    .addColumn('lead_user_id', 'varchar(36)', (c) => c.references('users.id'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('support_group_members')
    .addColumn('group_id', 'varchar(36)', (c) => c.notNull().references('support_groups.id'))
    .addColumn('user_id', 'varchar(36)', (c) => c.notNull().references('users.id'))
    .addPrimaryKeyConstraint('support_group_members_pk', ['group_id', 'user_id'])
    .execute();

  await db.schema
    .createTable('tickets')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('client_id', 'varchar(36)', (c) => c.notNull().references('organisations.id'))
    .addColumn('number', 'integer', (c) => c.notNull())
    /** incident, request, problem, change */
    .addColumn('type', 'varchar(16)', (c) => c.notNull())
    .addColumn('title', 'varchar(300)', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('category', 'varchar(100)', (c) => c.notNull().defaultTo(''))
    .addColumn('impact', 'integer', (c) => c.notNull())
    .addColumn('urgency', 'integer', (c) => c.notNull())
    /** 1 (P1, highest) … 4 */
    .addColumn('priority', 'integer', (c) => c.notNull())
    /** new, taken, in_progress, waiting, restored, resolved, closed */
    .addColumn('state', 'varchar(16)', (c) => c.notNull())
    /** portal, email, phone, monitoring, import, api */
    .addColumn('source', 'varchar(16)', (c) => c.notNull())
    .addColumn('contract_id', 'varchar(36)')
    .addColumn('requester_user_id', 'varchar(36)')
    .addColumn('requester_name', 'varchar(200)', (c) => c.notNull().defaultTo(''))
    .addColumn('requester_email', 'varchar(320)', (c) => c.notNull().defaultTo(''))
    .addColumn('assignee_user_id', 'varchar(36)')
    .addColumn('group_id', 'varchar(36)')
    /** problem ticket this incident is linked to */
    .addColumn('problem_id', 'varchar(36)')
    /** monitoring: the alert root (check or collector id) this incident is about; a flap reopens the same ticket */
    .addColumn('alert_subject_id', 'varchar(36)')
    .addColumn('external_ref', 'varchar(100)')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('taken_at', 'bigint')
    .addColumn('restored_at', 'bigint')
    .addColumn('resolved_at', 'bigint')
    .addColumn('closed_at', 'bigint')
    .addColumn('reopened_count', 'integer', (c) => c.notNull().defaultTo(0))
    /** copies of the clocks' due times and states, for the queues */
    .addColumn('gti_due_at', 'bigint')
    .addColumn('gtr_due_at', 'bigint')
    .addColumn('gti_state', 'varchar(16)')
    .addColumn('gtr_state', 'varchar(16)')
    .addUniqueConstraint('tickets_client_number', ['client_id', 'number'])
    .execute();
  await db.schema.createIndex('tickets_client_list').on('tickets').columns(['client_id', 'state', 'id']).execute();
  await db.schema.createIndex('tickets_client_id').on('tickets').columns(['client_id', 'id']).execute();
  await db.schema.createIndex('tickets_assignee').on('tickets').columns(['assignee_user_id', 'state']).execute();
  await db.schema.createIndex('tickets_group').on('tickets').columns(['group_id', 'state']).execute();
  await db.schema.createIndex('tickets_gtr_due').on('tickets').columns(['gtr_state', 'gtr_due_at']).execute();
  await db.schema.createIndex('tickets_alert').on('tickets').columns(['client_id', 'alert_subject_id']).execute();
  await db.schema.createIndex('tickets_external').on('tickets').columns(['client_id', 'external_ref']).execute();

  await db.schema
    .createTable('ticket_events')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('client_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('ticket_id', 'varchar(36)', (c) => c.notNull().references('tickets.id'))
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('actor_user_id', 'varchar(36)')
    .addColumn('actor_name', 'varchar(200)', (c) => c.notNull().defaultTo(''))
    .addColumn('kind', 'varchar(32)', (c) => c.notNull())
    .addColumn('data', 'text', (c) => c.notNull().defaultTo('{}'))
    .execute();
  await db.schema.createIndex('ticket_events_ticket').on('ticket_events').columns(['ticket_id', 'at']).execute();

  await db.schema
    .createTable('ticket_comments')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('client_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('ticket_id', 'varchar(36)', (c) => c.notNull().references('tickets.id'))
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('author_user_id', 'varchar(36)')
    .addColumn('author_name', 'varchar(200)', (c) => c.notNull().defaultTo(''))
    .addColumn('author_email', 'varchar(320)', (c) => c.notNull().defaultTo(''))
    /** 1: public reply (the client sees it), 0: internal note */
    .addColumn('public', 'integer', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    /** app, email, import */
    .addColumn('source', 'varchar(16)', (c) => c.notNull().defaultTo('app'))
    .execute();
  await db.schema.createIndex('ticket_comments_ticket').on('ticket_comments').columns(['ticket_id', 'at']).execute();

  await db.schema
    .createTable('ticket_attachments')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('client_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('ticket_id', 'varchar(36)', (c) => c.notNull().references('tickets.id'))
    .addColumn('comment_id', 'varchar(36)')
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('author_user_id', 'varchar(36)')
    .addColumn('filename', 'varchar(255)', (c) => c.notNull())
    .addColumn('content_type', 'varchar(100)', (c) => c.notNull())
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addColumn('sha256', 'varchar(64)', (c) => c.notNull())
    /** 1 when only provider staff may see it (attached to an internal note) */
    .addColumn('internal', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('ticket_attachments_ticket').on('ticket_attachments').column('ticket_id').execute();

  await db.schema
    .createTable('ticket_assets')
    .addColumn('ticket_id', 'varchar(36)', (c) => c.notNull().references('tickets.id'))
    .addColumn('asset_id', 'varchar(36)', (c) => c.notNull().references('assets.id'))
    .addColumn('client_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('ticket_assets_pk', ['ticket_id', 'asset_id'])
    .execute();
  await db.schema.createIndex('ticket_assets_asset').on('ticket_assets').columns(['asset_id', 'created_at']).execute();

  await db.schema
    .createTable('ticket_watchers')
    .addColumn('ticket_id', 'varchar(36)', (c) => c.notNull().references('tickets.id'))
    .addColumn('email', 'varchar(320)', (c) => c.notNull())
    .addColumn('client_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('user_id', 'varchar(36)')
    .addPrimaryKeyConstraint('ticket_watchers_pk', ['ticket_id', 'email'])
    .execute();

  await db.schema
    .createTable('sla_clocks')
    .addColumn('ticket_id', 'varchar(36)', (c) => c.notNull().references('tickets.id'))
    /** gti or gtr */
    .addColumn('clock', 'varchar(8)', (c) => c.notNull())
    .addColumn('client_id', 'varchar(36)', (c) => c.notNull())
    /** JSON: the target and the calendar the clock runs on, as when started or last re-targeted */
    .addColumn('spec', 'text', (c) => c.notNull())
    /** running, paused, met, breached (breached and still running: see stopped_at) */
    .addColumn('state', 'varchar(16)', (c) => c.notNull())
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('due_at', 'bigint', (c) => c.notNull())
    /** when 75 % of the target is reached (escalation), as due_at moves with pauses */
    .addColumn('warn_at', 'bigint', (c) => c.notNull())
    .addColumn('paused_since', 'bigint')
    .addColumn('paused_ms', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('stopped_at', 'bigint')
    .addColumn('breached_at', 'bigint')
    /** escalation levels already sent (JSON array of 75, 100) */
    .addColumn('escalated', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('sla_clocks_pk', ['ticket_id', 'clock'])
    .execute();
  await db.schema.createIndex('sla_clocks_due').on('sla_clocks').columns(['state', 'due_at']).execute();
  await db.schema.createIndex('sla_clocks_warn').on('sla_clocks').columns(['state', 'warn_at']).execute();

  await db.schema
    .createTable('sla_events')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('client_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('ticket_id', 'varchar(36)', (c) => c.notNull().references('tickets.id'))
    .addColumn('clock', 'varchar(8)', (c) => c.notNull())
    /** start, pause, resume, met, breached, priority_change, escalation */
    .addColumn('kind', 'varchar(24)', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('data', 'text', (c) => c.notNull().defaultTo('{}'))
    .execute();
  await db.schema.createIndex('sla_events_ticket').on('sla_events').columns(['ticket_id', 'at']).execute();

  await db.schema
    .createTable('oncall_shifts')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('client_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('contract_id', 'varchar(36)', (c) => c.notNull().references('contracts.id'))
    .addColumn('user_id', 'varchar(36)', (c) => c.notNull().references('users.id'))
    /** order of escalation within the shift: 0 first, then 1… */
    .addColumn('rank', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('starts_at', 'bigint', (c) => c.notNull())
    .addColumn('ends_at', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('oncall_shifts_contract').on('oncall_shifts').columns(['contract_id', 'starts_at']).execute();

  await db.schema
    .createTable('oncall_pages')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('client_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('ticket_id', 'varchar(36)', (c) => c.notNull().references('tickets.id'))
    .addColumn('user_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('level', 'integer', (c) => c.notNull())
    .addColumn('token_hash', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('paged_at', 'bigint', (c) => c.notNull())
    .addColumn('acked_at', 'bigint')
    .addColumn('escalated_at', 'bigint')
    .execute();
  await db.schema.createIndex('oncall_pages_ticket').on('oncall_pages').columns(['ticket_id', 'paged_at']).execute();
  await db.schema.createIndex('oncall_pages_open').on('oncall_pages').columns(['acked_at', 'escalated_at', 'paged_at']).execute();

  await db.schema
    .createTable('surveys')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('client_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('ticket_id', 'varchar(36)', (c) => c.notNull().references('tickets.id'))
    .addColumn('technician_user_id', 'varchar(36)')
    .addColumn('email', 'varchar(320)', (c) => c.notNull())
    .addColumn('token_hash', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('send_at', 'bigint', (c) => c.notNull())
    .addColumn('sent_at', 'bigint')
    .addColumn('score', 'integer')
    .addColumn('comment', 'text')
    .addColumn('answered_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('surveys_ticket').on('surveys').column('ticket_id').execute();
  await db.schema.createIndex('surveys_pending').on('surveys').columns(['sent_at', 'send_at']).execute();

  await db.schema
    .createTable('alert_ticket_cursor')
    .addColumn('client_id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('cursor', 'varchar(36)')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('inbound_messages')
    .addColumn('message_id', 'varchar(500)', (c) => c.primaryKey())
    .addColumn('client_id', 'varchar(36)')
    .addColumn('ticket_id', 'varchar(36)')
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    /** ticket, reply, refused */
    .addColumn('outcome', 'varchar(16)', (c) => c.notNull())
    .addColumn('reason', 'varchar(300)', (c) => c.notNull().defaultTo(''))
    .execute();

  await db.schema
    .createTable('mail_outbox')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('client_id', 'varchar(36)')
    .addColumn('ticket_id', 'varchar(36)')
    /** created, reply, state, escalation, page, survey, … */
    .addColumn('kind', 'varchar(32)', (c) => c.notNull())
    /** JSON array of addresses */
    .addColumn('recipients', 'text', (c) => c.notNull())
    .addColumn('subject', 'varchar(500)', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    /** JSON object of extra headers (Message-ID, In-Reply-To, References…) */
    .addColumn('headers', 'text', (c) => c.notNull().defaultTo('{}'))
    /** pending, sending, sent, failed, skipped */
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
    .addColumn('last_error', 'text')
    .addColumn('sent_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('mail_outbox_due').on('mail_outbox').columns(['status', 'next_attempt_at']).execute();
  await db.schema.createIndex('mail_outbox_ticket').on('mail_outbox').columns(['ticket_id', 'created_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of [
    'mail_outbox', 'inbound_messages', 'alert_ticket_cursor', 'surveys', 'oncall_pages', 'oncall_shifts', 'sla_events', 'sla_clocks', 'ticket_watchers', 'ticket_assets',
    'ticket_attachments', 'ticket_comments', 'ticket_events', 'tickets', 'support_group_members', 'support_groups', 'contracts',
  ]) {
    await db.schema.dropTable(t).execute();
  }
}
