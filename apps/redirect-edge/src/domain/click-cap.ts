import type { RedisClient } from '@boltlink/redis-keys/clients';
import type { RedisKeys } from '@boltlink/redis-keys/keys';
import { luaScript } from '../infra/lua-script.ts';

/**
 * One atomic step: a served redirect takes a slot only while the counter is below the cap, so 100
 * simultaneous requests on a link capped at 10 give exactly 10 redirects. The counter lives only for capped
 * links; every take refreshes its expiry, so it survives as long as the link is used, and once it has been
 * idle that long every click has been ingested and the persisted count of human clicks is an exact re-seed.
 * Only human clicks take a slot (see `isHumanClick`): link previews, scanners and HEAD requests get the
 * redirect (recorded as bot clicks) while the cap is not reached, without using it up.
 * Returns 1 = slot taken, 0 = cap reached, -1 = counter missing (seed it first).
 */
const TAKE = luaScript(`
local current = redis.call('GET', KEYS[1])
if not current then return -1 end
if tonumber(current) >= tonumber(ARGV[1]) then return 0 end
redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`);

/** The same test without taking a slot: 1 = below the cap, 0 = cap reached, -1 = counter missing. */
const CHECK = luaScript(`
local current = redis.call('GET', KEYS[1])
if not current then return -1 end
if tonumber(current) >= tonumber(ARGV[1]) then return 0 end
return 1
`);

const COUNTER_IDLE_TTL_MS = 7 * 86_400_000;

export type CapDecision = 'allowed' | 'exhausted';

export interface ClickCap {
  /** Throws when Redis or (for a lost counter) Postgres is unreachable: a cap cannot be honoured blind. */
  take(linkId: string, maxClicks: number): Promise<CapDecision>;
  /** Whether the cap is reached, without taking a slot: for redirects that do not count (bots, HEAD). */
  check(linkId: string, maxClicks: number): Promise<CapDecision>;
}

export function createClickCap(deps: {
  redis: RedisClient;
  keys: RedisKeys;
  /** Persisted total of the clicks that count against a cap, used once when the counter does not exist yet. */
  seed: (linkId: string) => Promise<number | null>;
}): ClickCap {
  const { redis, keys, seed } = deps;

  async function decide(script: typeof TAKE, linkId: string, maxClicks: number): Promise<CapDecision> {
    const key = keys.clickCap(linkId);
    const attempt = async () => Number(await script(redis, [key], [maxClicks, COUNTER_IDLE_TTL_MS]));
    let result = await attempt();
    if (result === -1) {
      const persisted = (await seed(linkId)) ?? 0;
      // NX: a concurrent request on another edge may have seeded (and counted) already.
      await redis.set(key, persisted, 'PX', COUNTER_IDLE_TTL_MS, 'NX');
      result = await attempt();
    }
    if (result === -1) throw new Error(`click-cap counter for ${linkId} vanished while seeding`);
    return result === 1 ? 'allowed' : 'exhausted';
  }

  return {
    take: (linkId, maxClicks) => decide(TAKE, linkId, maxClicks),
    check: (linkId, maxClicks) => decide(CHECK, linkId, maxClicks),
  };
}
