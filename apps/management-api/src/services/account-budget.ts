import type { RedisClient } from '@boltlink/redis-keys/clients';
import { AppError } from '../errors.ts';

/**
 * A per-account allowance of costly work (links created, password hashes, metadata fetches, QR PNG
 * pixels) over a fixed window, shared by every API instance through Redis.
 *
 * Request rate limits count requests; these count the work a request asks for, so a bulk of 1000 links
 * is charged 1000 and cannot be used to multiply a per-request limit by the bulk size.
 */
export interface BudgetLimit {
  max: number;
  windowMs: number;
}

export type BudgetGrant = { granted: number; retryAfterSeconds: number };

export interface AccountBudget {
  readonly name: string;
  readonly max: number;
  /**
   * Takes `units` all at once or nothing. Refused work throws a 429 whose Retry-After is the time left
   * in the account's window.
   */
  charge(accountId: string, units: number): Promise<void>;
  /** Takes as many of `units` as remain (possibly 0): for work that may be skipped item by item. */
  takeUpTo(accountId: string, units: number): Promise<BudgetGrant>;
  /** Gives back units charged for work that did not happen (an item that failed after the charge). */
  refund(accountId: string, units: number): Promise<void>;
}

// One round trip, atomic across instances: INCRBY what fits, start the window on first use.
// Returns {granted, pttl}. ARGV: wanted, max, windowMs, all-or-nothing (1/0).
const TAKE = `
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
local wanted = tonumber(ARGV[1])
local left = tonumber(ARGV[2]) - used
if left < 0 then left = 0 end
local granted = wanted
if granted > left then
  if ARGV[4] == '1' then granted = 0 else granted = left end
end
if granted > 0 then redis.call('INCRBY', KEYS[1], granted) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 and granted > 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  ttl = tonumber(ARGV[3])
end
return {granted, ttl}
`;

// A refund never pushes the counter below zero, and never revives an expired window.
const REFUND = `
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
local back = math.min(used, tonumber(ARGV[1]))
if back > 0 then redis.call('DECRBY', KEYS[1], back) end
return back
`;

export function createAccountBudget(deps: {
  redis: RedisClient;
  name: string;
  /** What one unit is, for the 429 detail ("links", "password hashes"). */
  unit: string;
  limit: BudgetLimit;
  key: (accountId: string) => string;
}): AccountBudget {
  const { redis, limit } = deps;

  async function take(accountId: string, units: number, allOrNothing: boolean): Promise<BudgetGrant> {
    if (units <= 0) return { granted: 0, retryAfterSeconds: 0 };
    const [granted, ttl] = (await redis.eval(
      TAKE,
      1,
      deps.key(accountId),
      units,
      limit.max,
      limit.windowMs,
      allOrNothing ? '1' : '0',
    )) as [number, number];
    return { granted, retryAfterSeconds: Math.max(1, Math.ceil((ttl > 0 ? ttl : limit.windowMs) / 1000)) };
  }

  return {
    name: deps.name,
    max: limit.max,
    async charge(accountId, units) {
      const grant = await take(accountId, units, true);
      if (grant.granted === units || units <= 0) return;
      const over = units > limit.max ? `; one request may ask for at most ${limit.max}` : '';
      throw new AppError(
        'rate_limited',
        `${deps.name} budget of ${limit.max} ${deps.unit} per ${limit.windowMs / 1000} s exceeded: ` +
          `this request needs ${units}${over}; retry in ${grant.retryAfterSeconds} s`,
        { 'retry-after': String(grant.retryAfterSeconds) },
      );
    },
    takeUpTo: (accountId, units) => take(accountId, units, false),
    async refund(accountId, units) {
      if (units <= 0) return;
      await redis.eval(REFUND, 1, deps.key(accountId), units);
    },
  };
}

export interface AccountBudgets {
  /** Links created, whatever the route. */
  linkCreate: AccountBudget;
  /** Link passwords hashed (argon2id), on create and on change. */
  linkPassword: AccountBudget;
  /** link-metadata jobs queued; over budget the link is created and the fetch skipped. */
  metadataFetch: AccountBudget;
  /** QR PNG rendering, in units of 256×256 pixels. */
  qrPng: AccountBudget;
}
