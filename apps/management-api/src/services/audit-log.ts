import type { Db } from '@boltlink/db/client';
import { auditEvents, users } from '@boltlink/db/schema';
import { and, desc, eq, lt } from 'drizzle-orm';
import type { AuditEventView } from '../schemas/audit.ts';
import { DEFAULT_PAGE_SIZE } from '../schemas/common.ts';
import type { ServiceLogger } from './link-service.ts';

/** The actions the audit log records: what changed in a workspace, by kind of thing. */
export type AuditAction =
  | 'workspace.created'
  | 'workspace.renamed'
  | 'link.created'
  | 'link.updated'
  | 'link.deleted'
  | 'campaign.created'
  | 'campaign.updated'
  | 'campaign.deleted'
  | 'api_key.created'
  | 'api_key.revoked'
  | 'member.joined'
  | 'member.role_changed'
  | 'member.removed'
  | 'invitation.created'
  | 'invitation.revoked'
  | 'domain.added'
  | 'domain.verified'
  | 'domain.updated'
  | 'domain.removed';

export interface AuditActor {
  userId: string;
  workspaceId: string;
  /** The API key the change came with; null for a session. */
  keyId: string | null;
}

export interface AuditEntry {
  action: AuditAction;
  targetType: string;
  targetId: string;
  details?: Record<string, unknown>;
}

export function createAuditLog(deps: { db: Db; logger: ServiceLogger }) {
  const { db, logger } = deps;
  return {
    /**
     * Written after the change itself committed. A failed write does not undo the change the caller was
     * told about: it is logged at error level with the entries, so nothing is lost silently.
     */
    async record(actor: AuditActor, entries: readonly AuditEntry[]): Promise<void> {
      if (entries.length === 0) return;
      try {
        await db.insert(auditEvents).values(
          entries.map((entry) => ({
            workspaceId: actor.workspaceId,
            actorUserId: actor.userId,
            actorKeyId: actor.keyId,
            action: entry.action,
            targetType: entry.targetType,
            targetId: entry.targetId,
            details: entry.details ?? {},
          })),
        );
      } catch (error) {
        logger.error({ err: error, actor, entries }, 'audit log write failed');
      }
    },

    /** Newest first, keyset-paginated by id. */
    async list(
      workspaceId: string,
      query: { limit?: number; cursor?: string },
    ): Promise<{ items: AuditEventView[]; nextCursor: string | null }> {
      const limit = query.limit ?? DEFAULT_PAGE_SIZE;
      const rows = await db
        .select({ event: auditEvents, email: users.email })
        .from(auditEvents)
        .leftJoin(users, eq(users.id, auditEvents.actorUserId))
        .where(
          query.cursor === undefined
            ? eq(auditEvents.workspaceId, workspaceId)
            : and(eq(auditEvents.workspaceId, workspaceId), lt(auditEvents.id, Number(query.cursor))),
        )
        .orderBy(desc(auditEvents.id))
        .limit(limit + 1);
      const page = rows.slice(0, limit);
      return {
        items: page.map(({ event, email }) => ({
          id: String(event.id),
          action: event.action,
          target: { type: event.targetType, id: event.targetId },
          actor: {
            userId: event.actorUserId,
            email,
            via: event.actorKeyId === null ? 'session' : 'apiKey',
            apiKeyId: event.actorKeyId,
          },
          details: event.details,
          createdAt: event.createdAt.toISOString(),
        })),
        nextCursor: rows.length > limit ? String(page.at(-1)?.event.id) : null,
      };
    },
  };
}

export type AuditLog = ReturnType<typeof createAuditLog>;
