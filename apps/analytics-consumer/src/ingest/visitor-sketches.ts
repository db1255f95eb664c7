import { execPipelined, type RedisClient } from '@boltlink/redis-keys/clients';
import type { RedisKeys } from '@boltlink/redis-keys/keys';

/** A visitor seen on one UTC day (YYYY-MM-DD) on a link of an account. */
export interface SeenVisitor {
  accountId: string;
  day: string;
  visitorHash: string;
  isBot: boolean;
}

/**
 * Account-wide unique visitors as HyperLogLog sketches, one per (account, UTC day, human or bot) in Redis
 * (ADR 0004): a range's uniques are the union of its days' sketches (PFCOUNT of their keys), an estimate
 * with a standard error of 0.81 %. Adding a visitor twice changes nothing, so a redelivered batch adds it
 * again harmlessly. Per-link uniques stay exact (raw events and link_visitors_daily).
 */
export interface VisitorSketches {
  add(visitors: readonly SeenVisitor[]): Promise<void>;
}

/** Elements per PFADD: bounds one command's size whatever the batch. */
const PFADD_CHUNK = 1000;

export function createRedisVisitorSketches(redis: RedisClient, keys: RedisKeys): VisitorSketches {
  return {
    async add(visitors) {
      if (visitors.length === 0) return;
      const byKey = new Map<string, string[]>();
      for (const visitor of visitors) {
        const key = keys.accountVisitors(visitor.accountId, visitor.day, visitor.isBot ? 'bot' : 'human');
        const hashes = byKey.get(key);
        if (hashes) hashes.push(visitor.visitorHash);
        else byKey.set(key, [visitor.visitorHash]);
      }
      await execPipelined(redis, [...byKey], (pipeline, [key, hashes]) => {
        for (let i = 0; i < hashes.length; i += PFADD_CHUNK) {
          pipeline.pfadd(key, ...hashes.slice(i, i + PFADD_CHUNK));
        }
      });
    },
  };
}
