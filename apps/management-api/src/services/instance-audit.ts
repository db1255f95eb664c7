import type { Db } from '@boltlink/db/client';
import { instanceAuditEvents, users } from '@boltlink/db/schema';
import { desc, eq, lt } from 'drizzle-orm';
import type { InstanceAuditEventView } from '../schemas/admin.ts';
import { DEFAULT_PAGE_SIZE } from '../schemas/common.ts';
import type { ServiceLogger } from './link-service.ts';

/** What instance admins do; workspace changes stay in each workspace's own audit log. */
export type InstanceAuditAction =
  | 'user.created'
  | 'user.disabled'
  | 'user.enabled'
  | 'admin.granted'
  | 'admin.revoked'
  | 'link.blocked'
  | 'link.unblocked'
  | 'destination.blocked'
  | 'destination.unblocked';

export interface InstanceAuditEntry {
  action: InstanceAuditAction;
  targetType: 'user' | 'link' | 'destination';
  targetId: string;
  details?: Record<string, unknown>;
}

export function createInstanceAudit(deps: { db: Db; logger: ServiceLogger }) {
  const { db, logger } = deps;
  return {
    /** Written after the change committed; a failed write is logged with the entries, never lost silently. */
    async record(actorUserId: string, entries: readonly InstanceAuditEntry[]): Promise<void> {
      if (entries.length === 0) return;
      try {
        await db.insert(instanceAuditEvents).values(
          entries.map((entry) => ({
            actorUserId,
            action: entry.action,
            targetType: entry.targetType,
            targetId: entry.targetId,
            details: entry.details ?? {},
          })),
        );
      } catch (error) {
        logger.error({ err: error, actorUserId, entries }, 'instance audit log write failed');
      }
    },

    /** Newest first, keyset-paginated by id. */
    async list(query: {
      limit?: number;
      cursor?: string;
    }): Promise<{ items: InstanceAuditEventView[]; nextCursor: string | null }> {
      const limit = query.limit ?? DEFAULT_PAGE_SIZE;
      const rows = await db
        .select({ event: instanceAuditEvents, email: users.email })
        .from(instanceAuditEvents)
        .leftJoin(users, eq(users.id, instanceAuditEvents.actorUserId))
        .where(query.cursor === undefined ? undefined : lt(instanceAuditEvents.id, Number(query.cursor)))
        .orderBy(desc(instanceAuditEvents.id))
        .limit(limit + 1);
      const page = rows.slice(0, limit);
      return {
        items: page.map(({ event, email }) => ({
          id: String(event.id),
          action: event.action,
          target: { type: event.targetType, id: event.targetId },
          actor: { userId: event.actorUserId, email },
          details: event.details,
          createdAt: event.createdAt.toISOString(),
        })),
        nextCursor: rows.length > limit ? String(page.at(-1)?.event.id) : null,
      };
    },
  };
}

export type InstanceAudit = ReturnType<typeof createInstanceAudit>;
