import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPool } from '@boltlink/db/client';
import { createMetricsRegistry } from '@boltlink/observability/metrics';
import { QUEUE_NAMES } from '@boltlink/queues/catalog';
import { createQueueRedis, type RedisClient } from '@boltlink/redis-keys/clients';
import type { TestDatabase } from '@boltlink/testing/postgres';
import { Queue, type Worker } from 'bullmq';
import type { Pool } from 'pg';
import pino from 'pino';
import { afterAll, describe, expect } from 'vitest';
import { rollUpCommitted } from '../../analytics-consumer/src/ingest/dimension-rollup.ts';
// The consumer's own worker, used read-only: what the edge writes must be what the consumer ingests.
import { createConsumerMetrics } from '../../analytics-consumer/src/metrics.ts';
import { createClicksWorker } from '../../analytics-consumer/src/workers/clicks-worker.ts';
import { writeTestCountryDatabase } from './fixtures/country-db.ts';
import { DOMAIN, test as edgeTest, insertLink, waitFor } from './support/edge.ts';
import { edgeStatus, listenOnLoopback } from './support/http.ts';

const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
const IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';
const GOOGLEBOT = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';
/** In the test MMDB's 81.2.69.0/24 (GB), outside its more specific 81.2.69.192/28 (US). */
const LONDON = '81.2.69.160';

// This file's edge looks countries up in a test MaxMind database (GEOIP_DB_PATH, read as the server reads it)
// and trusts a country header from a proxy on loopback.
const dir = await mkdtemp(join(tmpdir(), 'boltlink-edge-clicks-'));
const test = edgeTest.extend(
  'edgeEnv',
  { scope: 'file' },
  {
    GEOIP_DB_PATH: await writeTestCountryDatabase(dir),
    COUNTRY_HEADER: 'CF-IPCountry',
    TRUST_PROXY: '127.0.0.1',
    CLICK_BATCH_INTERVAL_MS: '20',
  },
);

let port: number;
let workerRedis: RedisClient;
let workerPool: Pool;
let worker: Worker;
let queue: Queue;

const get = (path: string, headers: Record<string, string>, method = 'GET') =>
  edgeStatus(port, path, { method, headers });

test.beforeAll(async ({ database, prefix, redisUrl, edge }) => {
  port = await listenOnLoopback(edge);

  workerRedis = createQueueRedis(redisUrl, 'worker');
  workerPool = createPool({ connectionString: database.url, max: 2 });
  queue = new Queue(QUEUE_NAMES.clicks, { connection: workerRedis, prefix: `{${prefix}}` });
  const metrics = createConsumerMetrics(createMetricsRegistry('test-consumer', { defaultMetrics: false }));
  worker = createClicksWorker(
    { pool: workerPool, metrics, logger: pino({ level: 'silent' }) },
    { connection: workerRedis, prefix: `{${prefix}}`, concurrency: 2 },
  );
  await worker.waitUntilReady();
});

afterAll(async () => {
  await worker?.close();
  await queue?.close();
  await workerPool?.end();
  workerRedis?.disconnect();
  await rm(dir, { recursive: true, force: true });
});

async function storedClicks(database: TestDatabase, linkId: string) {
  const { rows } = await database.pool.query<{
    country: string | null;
    device: string;
    browser: string;
    os: string;
    is_bot: boolean;
    referrer_host: string | null;
    visitor_hash: string | null;
  }>(
    `SELECT country, device, browser, os, is_bot, referrer_host, visitor_hash
       FROM click_events WHERE link_id = $1 ORDER BY occurred_at, event_id`,
    [linkId],
  );
  return rows;
}

describe('click pipeline: edge (v2 batches) -> consumer worker -> Postgres', () => {
  test('ingests every click the edge served with its dimensions, counts and roll-ups', async ({
    database,
    edge,
    userId,
  }) => {
    const link = await insertLink(database.db, { userId });
    const other = await insertLink(database.db, { userId });
    const before = (await queue.getJobCounts('completed')).completed ?? 0;
    // Through the fast path (real HTTP server), the Fastify route (inject) and HEAD (a bot by rule).
    for (let i = 0; i < 20; i += 1) {
      expect(
        await get(`/${link.code}`, {
          'user-agent': i % 2 === 0 ? FIREFOX : IPHONE,
          referer: 'https://news.example.org/story',
          'cf-ipcountry': 'DE',
        }),
      ).toBe(302);
    }
    for (let i = 0; i < 5; i += 1) {
      expect(await get(`/${other.code}`, { 'user-agent': GOOGLEBOT, 'x-forwarded-for': LONDON })).toBe(302);
    }
    const injected = await edge.app.inject({
      url: `/${link.code}`,
      headers: { host: DOMAIN, 'user-agent': FIREFOX },
    });
    expect(injected.statusCode).toBe(302);
    expect(await get(`/${link.code}`, { 'user-agent': FIREFOX }, 'HEAD')).toBe(302);

    await waitFor(
      async () => {
        const { rows } = await database.pool.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM click_events WHERE link_id = ANY($1::uuid[])',
          [[link.id, other.id]],
        );
        return rows[0]?.n === 27 ? true : undefined;
      },
      15_000,
      50,
    );
    expect(((await queue.getJobCounts('completed')).completed ?? 0) > before).toBe(true);
    expect((await queue.getJobCounts('failed')).failed ?? 0).toBe(0);

    const clicks = await storedClicks(database, link.id);
    expect(clicks).toHaveLength(22);
    const viaHeader = clicks.filter((c) => c.country === 'DE');
    expect(viaHeader).toHaveLength(20);
    expect(viaHeader.every((c) => c.referrer_host === 'news.example.org' && !c.is_bot)).toBe(true);
    expect(
      viaHeader.filter((c) => c.device === 'mobile' && c.browser === 'Mobile Safari' && c.os === 'iOS'),
    ).toHaveLength(10);
    expect(
      viaHeader.filter((c) => c.device === 'desktop' && c.browser === 'Firefox' && c.os === 'Linux'),
    ).toHaveLength(10);
    expect(new Set(viaHeader.map((c) => c.visitor_hash)).size).toBe(2);
    // No header, no forwarded address: 127.0.0.1 has no country in the database.
    expect(clicks.filter((c) => c.country === null)).toHaveLength(2);
    expect(clicks.filter((c) => c.is_bot)).toHaveLength(1);

    const bots = await storedClicks(database, other.id);
    expect(bots).toHaveLength(5);
    expect(bots.every((c) => c.is_bot && c.device === 'bot' && c.country === 'GB')).toBe(true);

    const counts = await database.pool.query<{ id: string; click_count: string }>(
      'SELECT id, click_count FROM links WHERE id = ANY($1::uuid[]) ORDER BY click_count DESC',
      [[link.id, other.id]],
    );
    expect(counts.rows.map((r) => [r.id, Number(r.click_count)])).toEqual([
      [link.id, 22],
      [other.id, 5],
    ]);
    const daily = await database.pool.query<{ clicks: string; bot_clicks: string }>(
      'SELECT sum(clicks) AS clicks, sum(bot_clicks) AS bot_clicks FROM link_clicks_daily WHERE link_id = $1',
      [other.id],
    );
    expect(daily.rows[0]).toEqual({ clicks: '5', bot_clicks: '5' });
    // The breakdowns follow at the consumer's next dimension roll-up; this test runs the worker alone.
    await rollUpCommitted(database.pool);
    const countries = await database.pool.query<{ value: string; clicks: string }>(
      `SELECT value, sum(clicks) AS clicks FROM link_dimensions_daily
        WHERE link_id = $1 AND dimension = 'country' GROUP BY value ORDER BY value`,
      [link.id],
    );
    expect(countries.rows.map((r) => [r.value, Number(r.clicks)])).toEqual([
      ['DE', 20],
      ['unknown', 2],
    ]);
  });

  test('takes the country from the MaxMind database, unless the trusted header names one', async ({
    database,
    edge,
    userId,
  }) => {
    const link = await insertLink(database.db, { userId });
    // Fast path.
    expect(await get(`/${link.code}`, { 'user-agent': FIREFOX, 'x-forwarded-for': LONDON })).toBe(302);
    expect(
      await get(`/${link.code}`, { 'user-agent': FIREFOX, 'x-forwarded-for': LONDON, 'cf-ipcountry': 'FR' }),
    ).toBe(302);
    // Fastify route; a header that names no country (Cloudflare's XX) leaves it to the database.
    const routed = await edge.app.inject({
      url: `/${link.code}`,
      headers: { host: DOMAIN, 'user-agent': IPHONE, 'x-forwarded-for': LONDON, 'cf-ipcountry': 'XX' },
    });
    expect(routed.statusCode).toBe(302);

    const clicks = await waitFor(
      async () => {
        const rows = await storedClicks(database, link.id);
        return rows.length === 3 ? rows : undefined;
      },
      15_000,
      50,
    );
    expect(clicks.map((c) => c.country).sort()).toEqual(['FR', 'GB', 'GB']);
  });
});
