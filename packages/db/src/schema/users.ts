import { sql } from 'drizzle-orm';
import { boolean, check, index, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
    // Stored lower-cased so the unique constraint is case-insensitive without citext or a functional index.
    email: text('email').notNull().unique('users_email_unique'),
    passwordHash: text('password_hash').notNull(),
    // An instance admin manages users and blocks links and destinations (docs/administration.md). The first
    // account of an instance is one.
    isAdmin: boolean('is_admin').notNull().default(false),
    // A disabled user's sessions and API keys are refused and login is refused; re-enabling restores them.
    disabledAt: timestamp('disabled_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true })
      .notNull()
      .defaultNow()
      .$onUpdate(() => new Date()),
  },
  (t) => [
    // Counting admins (never remove the last one) reads this small index.
    index('users_is_admin_idx').on(t.id).where(sql`${t.isAdmin}`),
    check('users_email_lower_check', sql`${t.email} = lower(${t.email})`),
    check('users_email_length_check', sql`char_length(${t.email}) BETWEEN 3 AND 320`),
  ],
);

export type User = typeof users.$inferSelect;
export type NewUser = typeof users.$inferInsert;
