import { createQueueRedis } from '@boltlink/redis-keys/clients';
import { createRedisKeys } from '@boltlink/redis-keys/keys';
import { describe, expect } from 'vitest';
import { createCoalescingIngestor } from '../src/ingest/coalescing-ingestor.ts';
import { rebuildVisitorSketches } from '../src/ingest/rebuild-visitor-sketches.ts';
import { createRedisVisitorSketches } from '../src/ingest/visitor-sketches.ts';
import { chunk, makeEvents, seedLinks } from './helpers.ts';
import { test } from './support/consumer.ts';

const DAYS = ['2025-08-01', '2025-08-02'];

describe('rebuilding the account visitor sketches from Postgres', () => {
  test('restores lost sketches to the same estimate, and drops the visitors of deleted links', async ({
    workerPool: pool,
    redisUrl,
    prefix,
    onTestFinished,
  }) => {
    const redis = createQueueRedis(redisUrl, 'producer');
    onTestFinished(() => redis.disconnect());
    const keys = createRedisKeys(prefix);
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
