import type { RedisKeys } from '@boltlink/redis-keys/keys';
import type { Redis } from 'ioredis';
import { luaScript } from '../infra/lua-script.ts';

/** Counts one attempt and starts the window on the first: returns the count and the window's remaining ms. */
const CHARGE = luaScript(`
local current = redis.call('INCR', KEYS[1])
if current == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {current, ttl}
`);

export type AttemptDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export interface PasswordAttempts {
  /** Charged before the password is checked, so even the right password is refused while limited. */
  charge(linkId: string, client: string): Promise<AttemptDecision>;
}

/**
 * Shared across edge instances (Redis), per link and client. Unlike the 404 limiter this one fails closed:
 * while Redis is unreachable a password form would otherwise be open to unlimited guessing.
 */
export function createPasswordAttempts(deps: {
  redis: Redis;
  keys: RedisKeys;
  max: number;
  windowMs: number;
}): PasswordAttempts {
  const { redis, keys, max, windowMs } = deps;
  return {
    async charge(linkId, client) {
      const reply = (await CHARGE(redis, [keys.passwordAttempts(linkId, client)], [windowMs])) as [
        number,
        number,
      ];
      const [count, ttl] = reply;
      if (count <= max) return { allowed: true };
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(ttl / 1000)) };
    },
  };
}
