import { sql } from 'drizzle-orm';
import { bigint, check, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/**
 * Destination host names an instance admin blocked: links to the host or any of its subdomains are refused
 * by the API and answered 410 by every edge. Small by nature; every edge holds the whole list in memory.
 */
export const blockedDestinations = pgTable(
  'blocked_destinations',
  {
    hostname: text('hostname').primaryKey(),
    reason: text('reason'),
    // No foreign key: the block outlives the admin who made it.
    createdBy: uuid('created_by'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    check('blocked_destinations_hostname_lower_check', sql`${t.hostname} = lower(${t.hostname})`),
    check('blocked_destinations_hostname_length_check', sql`char_length(${t.hostname}) BETWEEN 1 AND 253`),
    check('blocked_destinations_reason_length_check', sql`char_length(${t.reason}) <= 500`),
  ],
);

/** What instance admins did (users disabled, admins granted, links and destinations blocked). */
export const instanceAuditEvents = pgTable(
  'instance_audit_events',
  {
    // Increasing, so the newest-first cursor is the id alone.
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    // No foreign key to the actor: the record outlives the user.
    actorUserId: uuid('actor_user_id'),
    action: text('action').notNull(),
    targetType: text('target_type').notNull(),
    targetId: text('target_id').notNull(),
    details: jsonb('details').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    check('instance_audit_events_action_length_check', sql`char_length(${t.action}) BETWEEN 1 AND 100`),
  ],
);

export type BlockedDestination = typeof blockedDestinations.$inferSelect;
export type InstanceAuditEvent = typeof instanceAuditEvents.$inferSelect;
