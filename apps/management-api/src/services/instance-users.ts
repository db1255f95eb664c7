import type { Db } from '@boltlink/db/client';
import { users } from '@boltlink/db/schema';
import { and, asc, eq, gt, ilike, isNull, type SQL, sql } from 'drizzle-orm';
import { AppError, notFound } from '../errors.ts';
import type { AdminUserView } from '../schemas/admin.ts';
import { DEFAULT_PAGE_SIZE } from '../schemas/common.ts';
import { escapeLike } from './link-list.ts';

/**
 * Serializes changes that could leave the instance without an enabled admin: two admins revoking each
 * other at once must not both succeed. Any constant works; distinct from sign-up's.
 */
const ADMIN_CHANGE_LOCK = 0x426f6c7441646d6en;

const view = (row: typeof users.$inferSelect): AdminUserView => ({
  id: row.id,
  email: row.email,
  isAdmin: row.isAdmin,
  disabledAt: row.disabledAt === null ? null : row.disabledAt.toISOString(),
  createdAt: row.createdAt.toISOString(),
});

export interface UserChange {
  disabled?: boolean;
  isAdmin?: boolean;
}

/** The instance's users, as its admins manage them (docs/administration.md). */
export function createInstanceUsers(deps: { db: Db; clock: () => Date }) {
  const { db, clock } = deps;

  return {
    /** What the authenticator needs of the account behind a session, read on every request. */
    async statusOf(userId: string): Promise<{ isAdmin: boolean; disabled: boolean } | null> {
      const [row] = await db
        .select({ isAdmin: users.isAdmin, disabledAt: users.disabledAt })
        .from(users)
        .where(eq(users.id, userId));
      return row ? { isAdmin: row.isAdmin, disabled: row.disabledAt !== null } : null;
    },

    async get(id: string): Promise<AdminUserView> {
      const [row] = await db.select().from(users).where(eq(users.id, id));
      if (!row) throw notFound('user');
      return view(row);
    },

    /** By email, ascending: the unique email is the cursor, so pages never skip or repeat a user. */
    async list(query: { limit?: number; cursor?: string; q?: string }) {
      const limit = query.limit ?? DEFAULT_PAGE_SIZE;
      const filters: SQL[] = [];
      if (query.q !== undefined)
        filters.push(ilike(users.email, `%${escapeLike(query.q.trim().toLowerCase())}%`));
      if (query.cursor !== undefined) filters.push(gt(users.email, query.cursor));
      const rows = await db
        .select()
        .from(users)
        .where(and(...filters))
        .orderBy(asc(users.email))
        .limit(limit + 1);
      const page = rows.slice(0, limit);
      return {
        items: page.map(view),
        nextCursor: rows.length > limit ? (page.at(-1)?.email ?? null) : null,
      };
    },

    /**
     * Disables, re-enables, grants or revokes instance admin. Refused when it would leave no enabled admin
     * (an admin who disables or demotes themself included), so the instance always has someone to run it.
     * Returns the user and what actually changed.
     */
    async update(id: string, change: UserChange) {
      return db.transaction(async (tx) => {
        await tx.execute(sql`SELECT pg_advisory_xact_lock(${ADMIN_CHANGE_LOCK})`);
        const [before] = await tx.select().from(users).where(eq(users.id, id)).for('update');
        if (!before) throw notFound('user');
        const disabledAt =
          change.disabled === undefined
            ? before.disabledAt
            : change.disabled
              ? (before.disabledAt ?? clock())
              : null;
        const isAdmin = change.isAdmin ?? before.isAdmin;
        const wasActiveAdmin = before.isAdmin && before.disabledAt === null;
        if (wasActiveAdmin && !(isAdmin && disabledAt === null)) {
          const [others] = await tx
            .select({ count: sql<number>`count(*)::int` })
            .from(users)
            .where(and(eq(users.isAdmin, true), isNull(users.disabledAt), sql`${users.id} <> ${id}`));
          if ((others?.count ?? 0) === 0) {
            throw new AppError(
              'conflict',
              'this is the last enabled instance admin; make another user admin first',
            );
          }
        }
        const [after] = await tx
          .update(users)
          .set({ disabledAt, isAdmin, updatedAt: clock() })
          .where(eq(users.id, id))
          .returning();
        if (!after) throw notFound('user');
        return {
          user: view(after),
          changed: {
            disabled: (before.disabledAt === null) !== (after.disabledAt === null),
            isAdmin: before.isAdmin !== after.isAdmin,
          },
        };
      });
    },
  };
}

export type InstanceUsers = ReturnType<typeof createInstanceUsers>;
