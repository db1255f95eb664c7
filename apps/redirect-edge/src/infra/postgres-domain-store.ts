import type { Db } from '@boltlink/db/client';
import { domains } from '@boltlink/db/schema';
import { cachedDomainFromRow } from '@boltlink/redis-keys/domain-cache';
import { eq } from 'drizzle-orm';
import type { DomainStore } from '../domain/ports.ts';

/** Postgres behind the domain caches: one row by its unique host name, mapped to the value they hold. */
export function createPostgresDomainStore(db: Db): DomainStore {
  return {
    async findDomain(hostname) {
      const rows = await db
        .select({
          hostname: domains.hostname,
          status: domains.status,
          rootRedirectUrl: domains.rootRedirectUrl,
          notFoundRedirectUrl: domains.notFoundRedirectUrl,
        })
        .from(domains)
        .where(eq(domains.hostname, hostname))
        .limit(1);
      return cachedDomainFromRow(hostname, rows[0] ?? null);
    },
  };
}
