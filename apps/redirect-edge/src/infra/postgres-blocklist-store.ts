import type { Db } from '@boltlink/db/client';
import { blockedDestinations } from '@boltlink/db/schema';
import type { BlocklistStore } from '../domain/ports.ts';

/** The blocked destination host names, read whole: an instance blocks tens or hundreds, not millions. */
export function createPostgresBlocklistStore(db: Db): BlocklistStore {
  return {
    async hostnames() {
      const rows = await db.select({ hostname: blockedDestinations.hostname }).from(blockedDestinations);
      return rows.map((row) => row.hostname);
    },
  };
}
