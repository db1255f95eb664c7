import type { Db } from '@boltlink/db/client';
import {
  apiKeys,
  domains,
  links,
  users,
  type WorkspaceRole,
  workspaceMembers,
  workspaces,
} from '@boltlink/db/schema';
import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import { AppError, notFound } from '../errors.ts';
import type { MemberView, WorkspaceView } from '../schemas/workspaces.ts';
import type { DomainInvalidations } from './domain-invalidations.ts';
import type { LinkCache } from './link-cache.ts';
import type { ServiceLogger } from './link-service.ts';
import { canChangeRole, ROLE_PERMISSIONS } from './permissions.ts';

/** Who manages members: the acting user and their role in the workspace. */
export interface Manager {
  userId: string;
  workspaceId: string;
  role: WorkspaceRole | null;
}

const REF_PAGE = 1000;

/** A workspace as the caller sees it: with their role and what it allows. */
export const workspaceView = (
  row: { id: string; name: string; personal: boolean; createdAt: Date },
  role: WorkspaceRole,
): WorkspaceView => ({
  id: row.id,
  name: row.name,
  personal: row.personal,
  role,
  permissions: [...ROLE_PERMISSIONS[role]],
  createdAt: row.createdAt.toISOString(),
});

export function createWorkspaceService(deps: {
  db: Db;
  cache: LinkCache;
  domainInvalidations: DomainInvalidations;
  logger: ServiceLogger;
}) {
  const { db, cache, logger } = deps;

  async function roleOf(workspaceId: string, userId: string): Promise<WorkspaceRole | null> {
    const [row] = await db
      .select({ role: workspaceMembers.role })
      .from(workspaceMembers)
      .where(and(eq(workspaceMembers.workspaceId, workspaceId), eq(workspaceMembers.userId, userId)));
    return row?.role ?? null;
  }

  /**
   * Changes or removes one membership under a lock on the workspace row, so two owners demoting each
   * other at once cannot leave the workspace without an owner.
   */
  async function changeMembership(manager: Manager, userId: string, to: WorkspaceRole | null) {
    return db.transaction(async (tx) => {
      await tx.execute(sql`SELECT 1 FROM workspaces WHERE id = ${manager.workspaceId}::uuid FOR UPDATE`);
      const [current] = await tx
        .select({ role: workspaceMembers.role })
        .from(workspaceMembers)
        .where(
          and(eq(workspaceMembers.workspaceId, manager.workspaceId), eq(workspaceMembers.userId, userId)),
        );
      if (!current) throw notFound('member');
      if (!manager.role || !canChangeRole(manager.role, current.role, to)) {
        throw new AppError('forbidden', 'only an owner grants, changes or removes the owner role');
      }
      if (current.role === 'owner' && to !== 'owner') {
        const [owners] = await tx
          .select({ n: sql<number>`count(*)::int` })
          .from(workspaceMembers)
          .where(
            and(eq(workspaceMembers.workspaceId, manager.workspaceId), eq(workspaceMembers.role, 'owner')),
          );
        if ((owners?.n ?? 0) <= 1) {
          throw new AppError(
            'conflict',
            'a workspace keeps at least one owner; make another member owner first',
          );
        }
      }
      const where = and(
        eq(workspaceMembers.workspaceId, manager.workspaceId),
        eq(workspaceMembers.userId, userId),
      );
      if (to !== null) {
        await tx.update(workspaceMembers).set({ role: to }).where(where);
        return { from: current.role, to, keysRevoked: 0 };
      }
      await tx.delete(workspaceMembers).where(where);
      // The keys they created here leave with them: whoever holds a key's secret is no longer on the team.
      const revoked = await tx
        .update(apiKeys)
        .set({ revokedAt: new Date() })
        .where(
          and(
            eq(apiKeys.workspaceId, manager.workspaceId),
            eq(apiKeys.userId, userId),
            isNull(apiKeys.revokedAt),
          ),
        )
        .returning({ id: apiKeys.id });
      return { from: current.role, to, keysRevoked: revoked.length };
    });
  }

  return {
    roleOf,

    async listFor(userId: string): Promise<WorkspaceView[]> {
      const rows = await db
        .select({
          id: workspaces.id,
          name: workspaces.name,
          personal: workspaces.personal,
          createdAt: workspaces.createdAt,
          role: workspaceMembers.role,
        })
        .from(workspaceMembers)
        .innerJoin(workspaces, eq(workspaces.id, workspaceMembers.workspaceId))
        .where(eq(workspaceMembers.userId, userId))
        .orderBy(sql`${workspaces.personal} DESC`, asc(workspaces.createdAt), asc(workspaces.id));
      return rows.map((row) => workspaceView(row, row.role));
    },

    async create(userId: string, name: string): Promise<WorkspaceView> {
      return db.transaction(async (tx) => {
        const [row] = await tx.insert(workspaces).values({ name: name.trim() }).returning();
        if (!row) throw new Error('insert returned no row');
        await tx.insert(workspaceMembers).values({ workspaceId: row.id, userId, role: 'owner' });
        return workspaceView(row, 'owner');
      });
    },

    async get(workspaceId: string, role: WorkspaceRole): Promise<WorkspaceView> {
      const [row] = await db.select().from(workspaces).where(eq(workspaces.id, workspaceId));
      if (!row) throw notFound('workspace');
      return workspaceView(row, role);
    },

    async rename(workspaceId: string, role: WorkspaceRole, name: string): Promise<WorkspaceView> {
      const [row] = await db
        .update(workspaces)
        .set({ name: name.trim(), updatedAt: new Date() })
        .where(eq(workspaces.id, workspaceId))
        .returning();
      if (!row) throw notFound('workspace');
      return workspaceView(row, role);
    },

    /** Deletes the workspace with its links, campaigns, keys, invitations and audit log. */
    async remove(workspaceId: string): Promise<void> {
      // The workspace row is locked first: a link being created in it meanwhile (its insert holds a key-share
      // lock on the row) commits before the links are read, and one created later fails its foreign key. So
      // the links deleted here are exactly the links the edges are told about below.
      const { refs, hostnames } = await db.transaction(async (tx) => {
        const [row] = await tx
          .select({ personal: workspaces.personal })
          .from(workspaces)
          .where(eq(workspaces.id, workspaceId))
          .for('update');
        if (!row) throw notFound('workspace');
        if (row.personal) throw new AppError('conflict', 'a personal workspace cannot be deleted');
        const deleted = await tx
          .delete(links)
          .where(eq(links.workspaceId, workspaceId))
          .returning({ domain: links.domain, code: links.code });
        // Its custom domains go too (the cascade would take them); read here so the edges can be told.
        const removedDomains = await tx
          .delete(domains)
          .where(eq(domains.workspaceId, workspaceId))
          .returning({ hostname: domains.hostname });
        await tx.delete(workspaces).where(eq(workspaces.id, workspaceId));
        return { refs: deleted, hostnames: removedDomains.map((d) => d.hostname) };
      });
      // After the commit: the edges must stop serving the deleted links. A Redis failure is logged, the
      // cache TTL bounds the staleness.
      try {
        for (let i = 0; i < refs.length; i += REF_PAGE) await cache.invalidate(refs.slice(i, i + REF_PAGE));
      } catch (error) {
        logger.error({ err: error, workspaceId, links: refs.length }, 'could not invalidate workspace links');
      }
      try {
        for (const hostname of hostnames) await deps.domainInvalidations.publish(hostname);
      } catch (error) {
        logger.error({ err: error, workspaceId, hostnames }, 'could not announce removed custom domains');
      }
    },

    async members(workspaceId: string): Promise<MemberView[]> {
      const rows = await db
        .select({
          userId: workspaceMembers.userId,
          email: users.email,
          role: workspaceMembers.role,
          joinedAt: workspaceMembers.createdAt,
        })
        .from(workspaceMembers)
        .innerJoin(users, eq(users.id, workspaceMembers.userId))
        .where(eq(workspaceMembers.workspaceId, workspaceId))
        .orderBy(asc(workspaceMembers.createdAt), asc(workspaceMembers.userId));
      return rows.map((row) => ({ ...row, joinedAt: row.joinedAt.toISOString() }));
    },

    changeRole: (manager: Manager, userId: string, role: WorkspaceRole) =>
      changeMembership(manager, userId, role),

    removeMember: (manager: Manager, userId: string) => changeMembership(manager, userId, null),
  };
}

export type WorkspaceService = ReturnType<typeof createWorkspaceService>;
