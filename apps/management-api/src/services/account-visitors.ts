import type { RedisClient } from '@boltlink/redis-keys/clients';
import type { RedisKeys, VisitorKind } from '@boltlink/redis-keys/keys';
import type { BotSelection } from './stats-filters.ts';

const KINDS: Record<BotSelection, VisitorKind[]> = {
  people: ['human'],
  bots: ['bot'],
  all: ['human', 'bot'],
};

/**
 * Account-wide unique visitors, read from the HyperLogLog sketches the analytics consumer writes per
 * (account, UTC day, human or bot): the union of the range's days in one PFCOUNT (an account's keys share
 * a hash tag, so this works on Redis Cluster too). An estimate: standard error 0.81 %, within 2 % for
 * about 98.6 % of answers (ADR 0004, docs/api.md).
 */
export interface AccountVisitors {
  count(accountId: string, days: readonly string[], bots: BotSelection): Promise<number>;
}

export function createRedisAccountVisitors(redis: RedisClient, keys: RedisKeys): AccountVisitors {
  return {
    async count(accountId, days, bots) {
      const kinds = KINDS[bots];
      const [first, ...rest] = days.flatMap((day) =>
        kinds.map((kind) => keys.accountVisitors(accountId, day, kind)),
      );
      if (first === undefined) return 0;
      return redis.pfcount(first, ...rest);
    },
  };
}
