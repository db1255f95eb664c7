import { sql } from 'drizzle-orm';
import { check, index, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { users } from './users.ts';
import { workspaces } from './workspaces.ts';

/** The scopes an API key may carry; a session implicitly has all of them. */
export const apiKeyScopes = ['links:read', 'links:write', 'stats:read'] as const;
export type ApiKeyScope = (typeof apiKeyScopes)[number];

export const apiKeys = pgTable(
  'api_keys',
  {
    id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
    // Who created the row; the workspace owns it.
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    // Writers from before workspaces leave it out: a trigger then files the row in its creator's personal
    // workspace (migration 0006, ADR 0014).
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' })
      .$defaultFn(() => sql`default`),
    name: text('name').notNull(),
    // Only the prefix and last four characters are ever shown again; the key itself is never stored.
    prefix: text('prefix').notNull(),
    lastFour: text('last_four').notNull(),
    keyHash: text('key_hash').notNull().unique('api_keys_key_hash_unique'),
    scopes: text('scopes').array().$type<ApiKeyScope[]>().notNull().default(sql`'{}'::text[]`),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (t) => [
    index('api_keys_workspace_id_created_at_idx').on(t.workspaceId, t.createdAt.desc().nullsFirst()),
    check('api_keys_key_hash_sha256_check', sql`${t.keyHash} ~ '^[0-9a-f]{64}$'`),
    check('api_keys_last_four_check', sql`char_length(${t.lastFour}) = 4`),
    check('api_keys_name_length_check', sql`char_length(${t.name}) BETWEEN 1 AND 100`),
    check(
      'api_keys_scopes_check',
      sql`${t.scopes} <@ ARRAY['links:read', 'links:write', 'stats:read']::text[]`,
    ),
  ],
);

export type ApiKey = typeof apiKeys.$inferSelect;
export type NewApiKey = typeof apiKeys.$inferInsert;
