import type { RedirectRule } from '@boltlink/redirect-location/rules';
import type { LinkVariant } from '@boltlink/redirect-location/variants';
import { sql } from 'drizzle-orm';
import {
  bigint,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  smallint,
  text,
  timestamp,
  unique,
  uuid,
} from 'drizzle-orm/pg-core';
import { SHORT_CODE_PATTERN } from '../short-code.ts';
import { campaigns } from './campaigns.ts';
import { users } from './users.ts';
import { workspaces } from './workspaces.ts';

export const redirectTypes = [301, 302, 307, 308] as const;
export type RedirectType = (typeof redirectTypes)[number];

export const links = pgTable(
  'links',
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
    domain: text('domain').notNull(),
    code: text('code').notNull(),
    url: text('url').notNull(),
    title: text('title'),
    description: text('description'),
    image: text('image'),
    tags: text('tags').array().notNull().default(sql`'{}'::text[]`),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    maxClicks: integer('max_clicks'),
    passwordHash: text('password_hash'),
    redirectType: smallint('redirect_type').$type<RedirectType>().notNull().default(302),
    // Ordered redirect rules (`@boltlink/redirect-location/rules`), validated by the API; [] = none.
    redirectRules: jsonb('redirect_rules').$type<RedirectRule[]>().notNull().default(sql`'[]'::jsonb`),
    // A/B split (`@boltlink/redirect-location/variants`), validated by the API; [] = none, else 2 to 10.
    variants: jsonb('variants').$type<LinkVariant[]>().notNull().default(sql`'[]'::jsonb`),
    campaignId: uuid('campaign_id').references(() => campaigns.id, { onDelete: 'set null' }),
    // A JS number is exact up to 2^53 clicks, far beyond any single link.
    clickCount: bigint('click_count', { mode: 'number' }).notNull().default(0),
    // Blocked by an instance admin: every edge answers 410 until it is unblocked (docs/administration.md).
    blockedAt: timestamp('blocked_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true })
      .notNull()
      .defaultNow()
      .$onUpdate(() => new Date()),
  },
  (t) => [
    // The redirect lookup key; also what makes concurrent creates of one alias yield exactly one winner.
    unique('links_domain_code_unique').on(t.domain, t.code),
    // Keyset pagination of a workspace's links, newest first, with id as the tie breaker. NULLS FIRST matches
    // a plain `ORDER BY ... DESC`, so the planner can walk this index instead of sorting.
    index('links_workspace_id_created_at_id_idx').on(
      t.workspaceId,
      t.createdAt.desc().nullsFirst(),
      t.id.desc().nullsFirst(),
    ),
    index('links_tags_gin_idx').using('gin', t.tags),
    // Backs the campaignId filter and the ON DELETE SET NULL when a campaign is removed.
    index('links_campaign_id_idx').on(t.campaignId).where(sql`${t.campaignId} IS NOT NULL`),
    check('links_redirect_type_check', sql`${t.redirectType} IN (301, 302, 307, 308)`),
    check('links_max_clicks_check', sql`${t.maxClicks} IS NULL OR ${t.maxClicks} >= 1`),
    check('links_click_count_check', sql`${t.clickCount} >= 0`),
    check('links_code_format_check', sql`${t.code} ~ ${sql.raw(`'${SHORT_CODE_PATTERN}'`)}`),
    // A host name (253) plus an optional :port.
    check('links_domain_length_check', sql`char_length(${t.domain}) BETWEEN 1 AND 259`),
    check('links_url_length_check', sql`char_length(${t.url}) BETWEEN 1 AND 8192`),
    check('links_redirect_rules_array_check', sql`jsonb_typeof(${t.redirectRules}) = 'array'`),
    check('links_variants_array_check', sql`jsonb_typeof(${t.variants}) = 'array'`),
    check('links_tags_count_check', sql`coalesce(array_length(${t.tags}, 1), 0) <= 10`),
  ],
);

export type Link = typeof links.$inferSelect;
export type NewLink = typeof links.$inferInsert;
