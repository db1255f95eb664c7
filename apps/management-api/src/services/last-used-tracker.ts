import type { Db } from '@boltlink/db/client';
import type { RedisClient } from '@boltlink/redis-keys/clients';
import { sql } from 'drizzle-orm';
import type { ServiceLogger } from './link-service.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// Deletes a field only if it still holds the value we flushed, so a use recorded during the flush
// survives until the next one.
const DELETE_IF_UNCHANGED = `
for i = 1, #ARGV, 2 do
  if redis.call('HGET', KEYS[1], ARGV[i]) == ARGV[i + 1] then
    redis.call('HDEL', KEYS[1], ARGV[i])
  end
end
return 1`;

export interface LastUsedTracker {
  /** Records a use; never awaited by the request and never fails it. */
  touch(keyId: string): void;
  /** Buffered (not yet flushed) last-use times in epoch ms. */
  pending(keyIds: readonly string[]): Promise<Map<string, number>>;
  /** Writes buffered times to Postgres in one statement. Returns how many keys were written. */
  flush(): Promise<number>;
}

/**
 * API key `lastUsedAt` without a database write per request: each use is an HSET into one Redis hash,
 * and a periodic flush writes all of them with a single UPDATE. `greatest()` makes concurrent flushes
 * from several API instances harmless.
 */
export function createLastUsedTracker(deps: {
  redis: RedisClient;
  db: Db;
  hashKey: string;
  clock: () => Date;
  logger: ServiceLogger;
}): LastUsedTracker {
  const { redis, db, hashKey, clock, logger } = deps;
  return {
    touch(keyId) {
      redis.hset(hashKey, keyId, String(clock().getTime())).catch((error: unknown) => {
        logger.warn({ err: error, keyId }, 'could not record API key use');
      });
    },

    async pending(keyIds) {
      const out = new Map<string, number>();
      if (keyIds.length === 0) return out;
      const values = await redis.hmget(hashKey, ...keyIds);
      keyIds.forEach((id, i) => {
        const value = Number(values[i]);
        if (Number.isFinite(value) && value > 0) out.set(id, value);
      });
      return out;
    },

    async flush() {
      const entries = Object.entries(await redis.hgetall(hashKey)).filter(
        ([id, ms]) => UUID.test(id) && Number.isFinite(Number(ms)),
      );
      if (entries.length === 0) return 0;
      const ids = entries.map(([id]) => id);
      const times = entries.map(([, ms]) => new Date(Number(ms)).toISOString());
      await db.execute(sql`
        UPDATE api_keys AS k
        SET last_used_at = greatest(k.last_used_at, u.used_at)
        FROM unnest(${sql.param(ids)}::uuid[], ${sql.param(times)}::timestamptz[]) AS u(id, used_at)
        WHERE k.id = u.id`);
      await redis.eval(DELETE_IF_UNCHANGED, 1, hashKey, ...entries.flat());
      return entries.length;
    },
  };
}
