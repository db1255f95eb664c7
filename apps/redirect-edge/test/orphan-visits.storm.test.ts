import { type OrphanVisitBatch, parseOrphanVisitBatch, QUEUE_NAMES } from '@boltlink/queues/catalog';
import { createQueueRedis, waitForReady } from '@boltlink/redis-keys/clients';
import { uniquePrefix } from '@boltlink/testing/redis';
import { Queue } from 'bullmq';
import { describe, expect } from 'vitest';
import { DOMAIN, test as edgeTest, insertLink, metricValue, startEdge, waitFor } from './support/edge.ts';
import { edgeRequest, listenOnLoopback } from './support/http.ts';

// Ten distinct keys per flush: a storm of a few hundred random paths is well past the bound.
const test = edgeTest.extend(
  'edgeEnv',
  { scope: 'file' },
  {
    NOT_FOUND_RATE_LIMIT_MAX: '100000',
    ORPHAN_VISITS_MAX_KEYS: '10',
    ORPHAN_VISITS_FLUSH_MS: '50',
  },
);

const BROWSER = {
  'user-agent':
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
};
const BOT = { 'user-agent': 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)' };

let port: number;

test.beforeAll(async ({ edge }) => {
  port = await listenOnLoopback(edge);
});

/** The orphan-visit batches the edge enqueued, straight from BullMQ. */
async function readOrphanBatches(redisUrl: string, prefix: string): Promise<OrphanVisitBatch[]> {
  const connection = createQueueRedis(redisUrl, 'producer');
  await waitForReady(connection);
  const queue = new Queue(QUEUE_NAMES.orphanVisits, { connection, prefix: `{${prefix}}` });
  try {
    const jobs = await queue.getJobs(['waiting', 'delayed', 'prioritized', 'active', 'completed', 'failed']);
    return jobs.map((job) => parseOrphanVisitBatch(job.data));
  } finally {
    await queue.close();
    connection.disconnect();
  }
}

const counted = (batches: OrphanVisitBatch[]) =>
  batches.reduce(
    (sum, batch) =>
      sum +
      batch.visits.reduce((n, visit) => n + visit.count, 0) +
      batch.overflow.reduce((n, entry) => n + entry.count, 0),
    0,
  );

describe('orphan visits', () => {
  test('counts visits to unknown codes, the bare domain and dead links per path, kind, referrer and bot', async ({
    database,
    userId,
    redisUrl,
    prefix,
  }) => {
    const expired = await insertLink(database.db, { userId, expiresAt: new Date(Date.now() - 1000) });
    const referer = { referer: 'https://news.example.com/article?id=1' };
    for (let i = 0; i < 3; i += 1) {
      await edgeRequest(port, '/typo123?utm=x', { headers: { ...BROWSER, ...referer } });
    }
    await edgeRequest(port, '/typo123', { headers: BOT });
    await edgeRequest(port, '/', { headers: BROWSER });
    await edgeRequest(port, `/${expired.code}`, { headers: BROWSER });

    const batches = await waitFor(async () => {
      const found = await readOrphanBatches(redisUrl, prefix);
      return counted(found) >= 6 ? found : undefined;
    });
    const visits = batches.flatMap((batch) => batch.visits);
    const summed = (match: (visit: (typeof visits)[number]) => boolean) =>
      visits.filter(match).reduce((n, visit) => n + visit.count, 0);
    expect(
      summed(
        (v) =>
          v.path === '/typo123' &&
          v.kind === 'not-found' &&
          !v.isBot &&
          v.referrerHost === 'news.example.com',
      ),
    ).toBe(3);
    expect(summed((v) => v.path === '/typo123' && v.isBot && v.referrerHost === null)).toBe(1);
    expect(summed((v) => v.path === '/' && v.kind === 'root')).toBe(1);
    expect(summed((v) => v.path === `/${expired.code}` && v.kind === 'gone')).toBe(1);
    expect(visits.every((v) => v.domain === DOMAIN)).toBe(true);
    // Never the query string.
    expect(visits.some((v) => v.path.includes('?'))).toBe(false);
  });

  test('a storm of distinct paths past the bound is counted per domain, kind and minute, not stored one by one', async ({
    database,
    redisUrl,
  }) => {
    // One flush, at close: the whole storm lands in one batch, whatever the pace of the requests.
    const stormPrefix = uniquePrefix('edge-orphan-storm');
    const stormEdge = await startEdge({
      databaseUrl: database.url,
      redisUrl,
      prefix: stormPrefix,
      env: {
        NOT_FOUND_RATE_LIMIT_MAX: '100000',
        ORPHAN_VISITS_MAX_KEYS: '10',
        ORPHAN_VISITS_FLUSH_MS: '300000',
      },
    });
    const stormPort = await listenOnLoopback(stormEdge);
    const STORM = 300;
    for (let start = 0; start < STORM; start += 50) {
      await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          edgeRequest(stormPort, `/storm${start + i}x`, { headers: BROWSER }),
        ),
      );
    }
    const overflowMetric = metricValue(
      await stormEdge.deps.metrics.registry.metrics(),
      'edge_orphan_visits_overflowed_total',
    );
    await stormEdge.app.close();

    const batches = await readOrphanBatches(redisUrl, stormPrefix);
    expect(batches).toHaveLength(1);
    const [only] = batches;
    expect(only?.visits).toHaveLength(10);
    expect(only?.visits.every((visit) => visit.count === 1 && visit.kind === 'not-found')).toBe(true);
    // The other 290 are one count per domain, kind and minute (two if the storm crossed a minute).
    expect(only?.overflow.length).toBeLessThanOrEqual(2);
    expect(only?.overflow.every((entry) => entry.domain === DOMAIN && entry.kind === 'not-found')).toBe(true);
    expect(only?.overflow.reduce((n, entry) => n + entry.count, 0)).toBe(STORM - 10);
    expect(overflowMetric).toBe(STORM - 10);
  });
});
