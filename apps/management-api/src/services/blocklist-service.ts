import type { Db } from '@boltlink/db/client';
import { blockedDestinations, links } from '@boltlink/db/schema';
import { encodeBlocklistChange } from '@boltlink/redis-keys/blocked-destinations';
import type { RedisClient } from '@boltlink/redis-keys/clients';
import { asc, eq, sql } from 'drizzle-orm';
import { AppError, notFound } from '../errors.ts';
import type { BlockedDestinationView, BlockedLinkView } from '../schemas/admin.ts';
import type { LinkCache } from './link-cache.ts';
import { hostnameOfDomain } from './link-rules.ts';
import type { ServiceLogger } from './link-service.ts';

// A DNS name as URL.hostname writes it (lower-case, punycode), with at least one dot: blocking a bare
// top-level label ("com") would block a whole TLD by a slip of the keyboard.
const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** A host name as stored and compared, or a validation error naming the field. */
export function blockableHostname(raw: string): string {
  const hostname = hostnameOfDomain(raw);
  if (!HOSTNAME.test(hostname) || raw.includes('/') || raw.includes(':')) {
    throw new AppError('validation_failed', 'hostname: must be a host name such as example.com');
  }
  return hostname;
}

/**
 * Instance admins block a link (any workspace's) or a destination host name with its subdomains. Every
 * edge answers 410 for them within a second: a blocked link's cache entry is dropped and announced (the
 * edges read the row again, blocked), a change of the host names is announced on its own channel (the
 * edges reload the list). The API refuses new links and edits to a blocked destination (link-service).
 */
export function createBlocklistService(deps: {
  db: Db;
  cache: LinkCache;
  /** Where the edges subscribe (the cache Redis). */
  publisher: RedisClient;
  publishChannel: string;
  logger: ServiceLogger;
  clock: () => Date;
}) {
  const { db, cache, publisher, logger, clock } = deps;

  async function announceBlocklist(): Promise<void> {
    try {
      await publisher.publish(deps.publishChannel, encodeBlocklistChange());
    } catch (error) {
      // Edges still pick the change up on their next reconnect; say so loudly meanwhile.
      logger.error({ err: error }, 'could not announce a change of the blocked destinations');
    }
  }

  return {
    /** The host names, for the link rules: read on each write, so every API process sees a change at once. */
    async hostnames(): Promise<string[]> {
      const rows = await db.select({ hostname: blockedDestinations.hostname }).from(blockedDestinations);
      return rows.map((row) => row.hostname);
    },

    async list(): Promise<BlockedDestinationView[]> {
      const rows = await db.select().from(blockedDestinations).orderBy(asc(blockedDestinations.hostname));
      return rows.map((row) => ({
        hostname: row.hostname,
        reason: row.reason,
        createdAt: row.createdAt.toISOString(),
      }));
    },

    async blockDestination(adminId: string, raw: string, reason: string | undefined) {
      const hostname = blockableHostname(raw);
      const [row] = await db
        .insert(blockedDestinations)
        .values({ hostname, reason: reason?.trim() || null, createdBy: adminId })
        .onConflictDoNothing()
        .returning();
      if (!row) throw new AppError('conflict', `${hostname} is already blocked`);
      await announceBlocklist();
      return { hostname: row.hostname, reason: row.reason, createdAt: row.createdAt.toISOString() };
    },

    async unblockDestination(raw: string): Promise<string> {
      const hostname = hostnameOfDomain(raw);
      const [row] = await db
        .delete(blockedDestinations)
        .where(eq(blockedDestinations.hostname, hostname))
        .returning({ hostname: blockedDestinations.hostname });
      if (!row) throw notFound('blocked destination');
      await announceBlocklist();
      return row.hostname;
    },

    /** Blocks or unblocks one link, whoever's it is. */
    async setLinkBlocked(id: string, blocked: boolean): Promise<BlockedLinkView> {
      const [row] = await db
        .update(links)
        .set({ blockedAt: blocked ? sql`coalesce(${links.blockedAt}, ${clock()})` : null })
        .where(eq(links.id, id))
        .returning({
          id: links.id,
          workspaceId: links.workspaceId,
          domain: links.domain,
          code: links.code,
          url: links.url,
          blockedAt: links.blockedAt,
        });
      if (!row) throw notFound('link');
      // The edges drop their copies and read the row again: the one mapping (cachedLinkFromRow) marks it.
      try {
        await cache.invalidate([{ domain: row.domain, code: row.code }]);
      } catch (error) {
        logger.error({ err: error, linkId: row.id }, 'link cache invalidation failed after a block change');
      }
      return { ...row, blockedAt: row.blockedAt === null ? null : row.blockedAt.toISOString() };
    },
  };
}

export type BlocklistService = ReturnType<typeof createBlocklistService>;
