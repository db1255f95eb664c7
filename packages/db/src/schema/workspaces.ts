import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  index,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core';
import { users } from './users.ts';

/** Roles a user holds in a workspace, most powerful first. What each may do is decided in the API (docs/workspaces.md). */
export const workspaceRoles = ['owner', 'admin', 'member', 'viewer'] as const;
export type WorkspaceRole = (typeof workspaceRoles)[number];

const roleCheck = (column: unknown) => sql`${column} IN ('owner', 'admin', 'member', 'viewer')`;

// Links, campaigns and API keys belong to a workspace (ADR 0014). Every user has one personal workspace,
// created with the user (a trigger on users, so every way of creating a user gets one) and carrying the
// user's own id: rows keyed by account before workspaces (roll-ups, visitor sketches, budgets) carry over
// to it unchanged.
export const workspaces = pgTable(
  'workspaces',
  {
    id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
    name: text('name').notNull(),
    /** The user's own workspace: it cannot be deleted, and it is where a session acts by default. */
    personal: boolean('personal').notNull().default(false),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true })
      .notNull()
      .defaultNow()
      .$onUpdate(() => new Date()),
  },
  (t) => [check('workspaces_name_length_check', sql`char_length(${t.name}) BETWEEN 1 AND 100`)],
);

export const workspaceMembers = pgTable(
  'workspace_members',
  {
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    role: text('role').$type<WorkspaceRole>().notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // Every authenticated request looks up (workspace, user): the primary key is that probe.
    primaryKey({ name: 'workspace_members_pkey', columns: [t.workspaceId, t.userId] }),
    // A user's workspaces (the list route, and the cascade when a user is deleted).
    index('workspace_members_user_id_idx').on(t.userId),
    check('workspace_members_role_check', roleCheck(t.role)),
  ],
);

/** Invitations to join a workspace: the token is shown once to the inviter, only its SHA-256 is stored. */
export const workspaceInvitations = pgTable(
  'workspace_invitations',
  {
    id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    email: text('email').notNull(),
    role: text('role').$type<WorkspaceRole>().notNull(),
    tokenHash: text('token_hash').notNull().unique('workspace_invitations_token_hash_unique'),
    invitedBy: uuid('invited_by').references(() => users.id, { onDelete: 'set null' }),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    acceptedAt: timestamp('accepted_at', { withTimezone: true }),
    acceptedBy: uuid('accepted_by').references(() => users.id, { onDelete: 'set null' }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('workspace_invitations_workspace_id_created_at_idx').on(t.workspaceId, t.createdAt.desc()),
    // Nobody is invited to own a workspace: ownership is not handed out by invitation.
    check('workspace_invitations_role_check', sql`${t.role} IN ('admin', 'member', 'viewer')`),
    check('workspace_invitations_token_hash_sha256_check', sql`${t.tokenHash} ~ '^[0-9a-f]{64}$'`),
    check('workspace_invitations_email_lower_check', sql`${t.email} = lower(${t.email})`),
    check('workspace_invitations_email_length_check', sql`char_length(${t.email}) BETWEEN 3 AND 320`),
  ],
);

/** Who did what in a workspace, from which session or API key. Rows are never updated. */
export const auditEvents = pgTable(
  'audit_events',
  {
    // Increasing, so the newest-first cursor is the id alone.
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    // No foreign keys to the actor: the record outlives the user and the key.
    actorUserId: uuid('actor_user_id'),
    actorKeyId: uuid('actor_key_id'),
    action: text('action').notNull(),
    targetType: text('target_type').notNull(),
    targetId: text('target_id').notNull(),
    details: jsonb('details').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('audit_events_workspace_id_id_idx').on(t.workspaceId, t.id.desc()),
    check('audit_events_action_length_check', sql`char_length(${t.action}) BETWEEN 1 AND 100`),
  ],
);

export type Workspace = typeof workspaces.$inferSelect;
export type WorkspaceMember = typeof workspaceMembers.$inferSelect;
export type WorkspaceInvitation = typeof workspaceInvitations.$inferSelect;
export type AuditEvent = typeof auditEvents.$inferSelect;
