import { sql } from 'drizzle-orm';
import { check, index, integer, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { users } from './users.ts';
import { workspaces } from './workspaces.ts';

/** A custom domain is pending until its DNS proves it, verified after, failed once the retries gave up. */
export const domainStatuses = ['pending', 'verified', 'failed'] as const;
export type DomainStatus = (typeof domainStatuses)[number];

/** How a domain proved itself: a TXT record carrying its token, or a CNAME to the instance's edge host. */
export const domainVerificationMethods = ['txt', 'cname'] as const;
export type DomainVerificationMethod = (typeof domainVerificationMethods)[number];

// A workspace's own short domain (docs/domains.md). Instance domains (SHORT_DOMAINS) are configuration and
// never rows here. The edge serves a row's links only while its status is 'verified'.
export const domains = pgTable(
  'domains',
  {
    id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    // Lower-cased ASCII (an internationalised name is stored in punycode), no port, no trailing dot: the
    // Host header of a request, normalised the same way, is looked up by equality. Unique across the
    // instance: one hostname belongs to one workspace, whatever its status.
    hostname: text('hostname').notNull().unique('domains_hostname_unique'),
    status: text('status').$type<DomainStatus>().notNull().default('pending'),
    /** Published by the domain's owner as TXT `_boltlink.<hostname>`; not a secret (it sits in public DNS). */
    verificationToken: text('verification_token').notNull(),
    verificationMethod: text('verification_method').$type<DomainVerificationMethod>(),
    verifiedAt: timestamp('verified_at', { withTimezone: true }),
    lastCheckedAt: timestamp('last_checked_at', { withTimezone: true }),
    // When the background check looks again; null once verified or given up.
    nextCheckAt: timestamp('next_check_at', { withTimezone: true }),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    // Where a request for the bare domain (`/`) goes; null: BoltLink's default answer.
    rootRedirectUrl: text('root_redirect_url'),
    // Where an unknown code goes; null: BoltLink's own not-found page.
    notFoundRedirectUrl: text('not_found_redirect_url'),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true })
      .notNull()
      .defaultNow()
      .$onUpdate(() => new Date()),
  },
  (t) => [
    // A workspace's domains, newest first (the list route), and the cascade when the workspace goes.
    index('domains_workspace_id_created_at_idx').on(t.workspaceId, t.createdAt.desc()),
    // The background check picks the pending domains that are due, oldest due first.
    index('domains_next_check_at_idx').on(t.nextCheckAt).where(sql`${t.status} = 'pending'`),
    check('domains_status_check', sql`${t.status} IN ('pending', 'verified', 'failed')`),
    check(
      'domains_verification_method_check',
      sql`${t.verificationMethod} IS NULL OR ${t.verificationMethod} IN ('txt', 'cname')`,
    ),
    check('domains_hostname_length_check', sql`char_length(${t.hostname}) BETWEEN 1 AND 253`),
    // Lower case only, so the unique constraint is case-insensitive; no port, no trailing dot.
    check('domains_hostname_format_check', sql`${t.hostname} ~ '^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$'`),
    check(
      'domains_verification_token_length_check',
      sql`char_length(${t.verificationToken}) BETWEEN 16 AND 128`,
    ),
    check('domains_attempts_check', sql`${t.attempts} >= 0`),
    check('domains_verified_at_check', sql`(${t.status} = 'verified') = (${t.verifiedAt} IS NOT NULL)`),
    check(
      'domains_root_redirect_url_length_check',
      sql`${t.rootRedirectUrl} IS NULL OR char_length(${t.rootRedirectUrl}) BETWEEN 1 AND 8192`,
    ),
    check(
      'domains_not_found_redirect_url_length_check',
      sql`${t.notFoundRedirectUrl} IS NULL OR char_length(${t.notFoundRedirectUrl}) BETWEEN 1 AND 8192`,
    ),
  ],
);

export type Domain = typeof domains.$inferSelect;
export type NewDomain = typeof domains.$inferInsert;
