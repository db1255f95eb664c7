import { createPool } from '@boltlink/db/client';
import { createQueueRedis } from '@boltlink/redis-keys/clients';
import { createRedisKeys, type RedisKeys } from '@boltlink/redis-keys/keys';
import { createTestDatabase, type TestDatabase } from '@boltlink/testing/postgres';
import { testRedisUrl, uniquePrefix } from '@boltlink/testing/redis';
import type { Redis } from 'ioredis';
import type { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCoalescingIngestor } from '../src/ingest/coalescing-ingestor.ts';
import { rebuildVisitorSketches } from '../src/ingest/rebuild-visitor-sketches.ts';
import { createRedisVisitorSketches } from '../src/ingest/visitor-sketches.ts';
import { chunk, makeEvents, seedLinks } from './helpers.ts';

let database: TestDatabase;
let pool: Pool;
let redis: Redis;
let keys: RedisKeys;

beforeAll(async () => {
  database = await createTestDatabase();
  pool = createPool({ connectionString: database.url, max: 4 });
  redis = createQueueRedis(testRedisUrl(), 'producer');
  keys = createRedisKeys(uniquePrefix('sketches'));
});

afterAll(async () => {
  await pool?.end();
  redis?.disconnect();
  await database?.drop();
});

const DAYS = ['2025-08-01', '2025-08-02'];

describe('rebuilding the account visitor sketches from Postgres', () => {
  it('restores lost sketches to the same estimate, and drops the visitors of deleted links', async () => {
    const links = await seedLinks(pool, 4);
    const owner = await pool.query<{ user_id: string }>('SELECT user_id FROM links WHERE id = $1', [
      links[0],
    ]);
    const accountId = owner.rows[0]?.user_id as string;
    const count = () => redis.pfcount(...DAYS.map((day) => keys.accountVisitors(accountId, day, 'human')));
    const start = Date.UTC(2025, 7, 1, 12);
    // 3,000 human visitors, each on one link only; link 0 has a quarter of them.
    const events = makeEvents(links, 3000, start).map((event, i) => ({
      ...event,
      occurredAt: start + (i % 2) * 86_400_000,
      isBot: false,
      visitorHash: `visitor-${i}`,
    }));
    const ingestor = createCoalescingIngestor({ pool, sketches: createRedisVisitorSketches(redis, keys) });
    for (const batch of chunk(events, 500)) await ingestor.ingest(batch);
    const written = await count();
    expect(Math.abs(written - 3000) / 3000).toBeLessThanOrEqual(0.02);

    // Lost (a Redis restored from an old snapshot), and a stray sketch of a day without visitors.
    await redis.del(...DAYS.map((day) => keys.accountVisitors(accountId, day, 'human')));
    await redis.pfadd(keys.accountVisitors(accountId, '2025-07-01', 'human'), 'stray');
    const report = await rebuildVisitorSketches({ pool, redis, keys }, { accounts: [accountId] });
    expect(report).toEqual({ accounts: 1, days: 2, visitors: 3000 });
    expect(await count()).toBe(written);
    expect(await redis.exists(keys.accountVisitors(accountId, '2025-07-01', 'human'))).toBe(0);

    // A deleted link's visitors stay in the sketches until a rebuild takes them out.
    await pool.query('DELETE FROM links WHERE id = $1', [links[0]]);
    expect(await count()).toBe(written);
    await rebuildVisitorSketches({ pool, redis, keys });
    const rebuilt = await count();
    expect(Math.abs(rebuilt - 2250) / 2250).toBeLessThanOrEqual(0.02);
  });
});
