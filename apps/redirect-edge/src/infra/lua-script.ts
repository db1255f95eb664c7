import { createHash } from 'node:crypto';
import type { RedisClient } from '@boltlink/redis-keys/clients';

export type LuaArg = string | number;

/**
 * Runs a Lua script by its SHA and loads it once on NOSCRIPT (after a Redis restart or failover), so the
 * common case sends 40 bytes instead of the script body.
 */
export function luaScript(source: string) {
  const sha = createHash('sha1').update(source).digest('hex');
  return async (redis: RedisClient, keys: readonly string[], args: readonly LuaArg[]): Promise<unknown> => {
    try {
      return await redis.evalsha(sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (error instanceof Error && error.message.startsWith('NOSCRIPT')) {
        return redis.eval(source, keys.length, ...keys, ...args);
      }
      throw error;
    }
  };
}
