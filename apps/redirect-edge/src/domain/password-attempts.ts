import type { RedisClient } from '@boltlink/redis-keys/clients';
import type { RedisKeys } from '@boltlink/redis-keys/keys';
import { luaScript } from '../infra/lua-script.ts';

/**
 * One attempt, both limits at once. KEYS[1]: this client's attempts on the link; KEYS[2]: the link's failures
 * from every client. ARGV: window ms, max attempts per client, max failures per link. A full link is refused
 * without charging the client. Otherwise the attempt is charged to the client and, if allowed, reserved as a
 * failure of the link until the password is found right (then `succeeded` gives it back): with guesses in
 * flight at once, the link never sees more failures than its maximum. Each counter's window starts with its
 * first count. Returns {1, 0} allowed, or {0, ms until the refusing window ends}.
 */
const CHARGE = luaScript(`
local window = tonumber(ARGV[1])
local function ttl(key)
  local left = redis.call('PTTL', key)
  if left < 0 then
    redis.call('PEXPIRE', key, window)
    left = window
  end
  return left
end
local failures = tonumber(redis.call('GET', KEYS[2]) or '0')
if failures >= tonumber(ARGV[3]) then return {0, ttl(KEYS[2])} end
local attempts = redis.call('INCR', KEYS[1])
if attempts == 1 then redis.call('PEXPIRE', KEYS[1], window) end
local left = ttl(KEYS[1])
if attempts > tonumber(ARGV[2]) then return {0, left} end
if redis.call('INCR', KEYS[2]) == 1 then redis.call('PEXPIRE', KEYS[2], window) end
ttl(KEYS[2])
return {1, 0}
`);

/** Gives back the failure reserved by an attempt whose password was right (never below zero). */
const SUCCEEDED = luaScript(`
local failures = tonumber(redis.call('GET', KEYS[1]) or '0')
if failures > 0 then redis.call('DECR', KEYS[1]) end
return 0
`);

export type AttemptDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export interface PasswordAttempts {
  /** Charged before the password is checked, so even the right password is refused while limited. */
  charge(linkId: string, client: string): Promise<AttemptDecision>;
  /** The attempt let through by `charge` had the right password: it is not a failure of the link. */
  succeeded(linkId: string): Promise<void>;
}

/**
 * Shared across edge instances (Redis): per link and client (`max` attempts per window), and per link from
 * all clients together (`maxFailuresPerLink` wrong passwords per window), so guesses spread over many
 * addresses are bounded too. Unlike the 404 limiter this one fails closed: while Redis is unreachable a
 * password form would otherwise be open to unlimited guessing.
 */
export function createPasswordAttempts(deps: {
  redis: RedisClient;
  keys: RedisKeys;
  max: number;
  maxFailuresPerLink: number;
  windowMs: number;
}): PasswordAttempts {
  const { redis, keys, max, maxFailuresPerLink, windowMs } = deps;
  return {
    async charge(linkId, client) {
      const reply = (await CHARGE(
        redis,
        [keys.passwordAttempts(linkId, client), keys.passwordLinkFailures(linkId)],
        [windowMs, max, maxFailuresPerLink],
      )) as [number, number];
      const [allowed, ttl] = reply;
      if (allowed === 1) return { allowed: true };
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(ttl / 1000)) };
    },
    async succeeded(linkId) {
      await SUCCEEDED(redis, [keys.passwordLinkFailures(linkId)], []);
    },
  };
}
