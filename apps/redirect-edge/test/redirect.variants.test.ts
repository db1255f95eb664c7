import http from 'node:http';
import { createPool } from '@boltlink/db/client';
import { createMetricsRegistry } from '@boltlink/observability/metrics';
import type { LinkVariant } from '@boltlink/redirect-location/variants';
import { createQueueRedis, type RedisClient } from '@boltlink/redis-keys/clients';
import type { Worker } from 'bullmq';
import type { Pool } from 'pg';
import pino from 'pino';
import { afterAll, describe, expect } from 'vitest';
import { rollUpCommitted } from '../../analytics-consumer/src/ingest/dimension-rollup.ts';
// The consumer's own worker, used read-only: what the edge writes must be what the consumer ingests.
import { createConsumerMetrics } from '../../analytics-consumer/src/metrics.ts';
import { createClicksWorker } from '../../analytics-consumer/src/workers/clicks-worker.ts';
import { DOMAIN, test as edgeTest, insertLink, type TestEdge, waitFor } from './support/edge.ts';
import { edgeRequest, listenOnLoopback } from './support/http.ts';

// A/B splits seen by visitors: each visitor is a client address (X-Forwarded-For from a trusted proxy on
// loopback) and a User-Agent, through the fast path (a real socket) and Fastify's route (`inject`).
const test = edgeTest.extend(
  'edgeEnv',
  { scope: 'file' },
  { TRUST_PROXY: '127.0.0.1', CLICK_BATCH_INTERVAL_MS: '20' },
);

const CHROME =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';
const IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';
const URL_A = 'https://example.com/a';
const URL_B = 'https://example.com/b';

const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
let port: number;
let workerRedis: RedisClient;
let workerPool: Pool;
let worker: Worker;

test.beforeAll(async ({ edge, database, prefix, redisUrl }) => {
  port = await listenOnLoopback(edge);
  workerRedis = createQueueRedis(redisUrl, 'worker');
  workerPool = createPool({ connectionString: database.url, max: 2 });
  const metrics = createConsumerMetrics(createMetricsRegistry('test-consumer', { defaultMetrics: false }));
  worker = createClicksWorker(
    { pool: workerPool, metrics, logger: pino({ level: 'silent' }) },
    { connection: workerRedis, prefix: `{${prefix}}`, concurrency: 2 },
  );
  await worker.waitUntilReady();
});

afterAll(async () => {
  agent.destroy();
  await worker?.close();
  await workerPool?.end();
  workerRedis?.disconnect();
});

const visitorIp = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;

/** Where Fastify's route sends this visitor. */
async function viaRoute(edge: TestEdge, path: string, ip: string, userAgent = CHROME) {
  const res = await edge.app.inject({
    url: path,
    headers: { host: DOMAIN, 'user-agent': userAgent, 'x-forwarded-for': ip },
  });
  expect(res.statusCode).toBe(302);
  return res.headers.location as string;
}

/** Where the fast path sends this visitor; it must agree with the route. */
async function viaSocket(edge: TestEdge, path: string, ip: string, userAgent = CHROME) {
  const answer = await edgeRequest(port, path, {
    agent,
    headers: { 'user-agent': userAgent, 'x-forwarded-for': ip },
  });
  expect(answer.status).toBe(302);
  expect(answer.headers.location).toBe(await viaRoute(edge, path, ip, userAgent));
  return answer.headers.location as string;
}

const split = (weights: [number, number]): LinkVariant[] => [
  { name: 'a', url: URL_A, weight: weights[0] },
  { name: 'b', url: URL_B, weight: weights[1] },
];

describe('A/B splits at the edge', () => {
  test('keep each visitor on their variant on every request, whichever path serves it', async ({
    edge,
    database,
    userId,
  }) => {
    const link = await insertLink(database.db, {
      userId,
      url: 'https://example.com/landing',
      variants: split([1, 1]),
    });
    const path = `/${link.code}`;
    const seen = new Set<string>();
    for (let i = 0; i < 40; i += 1) {
      const ip = visitorIp(i);
      const userAgent = i % 2 === 0 ? CHROME : IPHONE;
      const first = await viaSocket(edge, path, ip, userAgent);
      seen.add(first);
      for (let again = 0; again < 3; again += 1)
        expect(await viaSocket(edge, path, ip, userAgent)).toBe(first);
      // A visitor's query string goes with them to their variant.
      expect(await viaRoute(edge, `${path}?utm_term=x`, ip, userAgent)).toBe(`${first}?utm_term=x`);
    }
    // 40 visitors of a 50/50 split: both variants are served (all on one side: chance 2 x 2^-40).
    expect([...seen].sort()).toEqual([URL_A, URL_B]);
  });

  test('share distinct visitors by weight: 3000 visitors, 50/50 within 10 points, 80/20 within 8', async ({
    edge,
    database,
    userId,
  }) => {
    const even = await insertLink(database.db, { userId, variants: split([500, 500]) });
    const skewed = await insertLink(database.db, { userId, variants: split([4, 1]) });
    const shareOfA = async (code: string, offset: number) => {
      let a = 0;
      for (let i = 0; i < 3000; i += 1) {
        if ((await viaRoute(edge, `/${code}`, visitorIp(offset + i))) === URL_A) a += 1;
      }
      return a / 3000;
    };
    expect(Math.abs((await shareOfA(even.code, 10_000)) - 0.5)).toBeLessThan(0.1);
    expect(Math.abs((await shareOfA(skewed.code, 20_000)) - 0.8)).toBeLessThan(0.08);
  });

  test('let a matching redirect rule win over the split, and send the rest to their variant', async ({
    edge,
    database,
    userId,
  }) => {
    const link = await insertLink(database.db, {
      userId,
      variants: split([1, 1]),
      redirectRules: [{ conditions: { os: ['iOS'] }, url: 'https://apps.apple.com/app/id1' }],
    });
    for (let i = 0; i < 10; i += 1) {
      expect(await viaSocket(edge, `/${link.code}`, visitorIp(30_000 + i), IPHONE)).toBe(
        'https://apps.apple.com/app/id1',
      );
      expect([URL_A, URL_B]).toContain(await viaSocket(edge, `/${link.code}`, visitorIp(30_000 + i), CHROME));
    }
  });

  test('record the variant on each click: the consumer stores it and counts clicks per variant', async ({
    edge,
    database,
    userId,
  }) => {
    const link = await insertLink(database.db, {
      userId,
      variants: [
        { name: 'control', url: URL_A, weight: 3 },
        { name: 'calc', url: URL_B, weight: 1 },
      ],
      redirectRules: [{ conditions: { query: { name: 'preview' } }, url: 'https://example.com/preview' }],
    });
    const expected = new Map<string, number>();
    for (let i = 0; i < 120; i += 1) {
      const location = await viaRoute(edge, `/${link.code}`, visitorIp(40_000 + i));
      const name = location === URL_A ? 'control' : 'calc';
      expected.set(name, (expected.get(name) ?? 0) + 1);
    }
    // Clicks a rule answered carry no variant.
    for (let i = 0; i < 5; i += 1) await viaRoute(edge, `/${link.code}?preview`, visitorIp(40_000 + i));

    await waitFor(
      async () => {
        const { rows } = await database.pool.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM click_events WHERE link_id = $1',
          [link.id],
        );
        return rows[0]?.n === 125 ? true : undefined;
      },
      15_000,
      50,
    );
    const stored = await database.pool.query<{ variant: string | null; n: number }>(
      'SELECT variant, count(*)::int AS n FROM click_events WHERE link_id = $1 GROUP BY 1 ORDER BY 1',
      [link.id],
    );
    expect(stored.rows).toEqual(
      [
        { variant: 'calc', n: expected.get('calc') ?? 0 },
        { variant: 'control', n: expected.get('control') ?? 0 },
        { variant: null, n: 5 },
      ].filter((row) => row.n > 0),
    );
    // The breakdowns follow at the consumer's next dimension roll-up; this test runs the worker alone.
    await rollUpCommitted(database.pool);
    const rollup = await database.pool.query<{ value: string; clicks: number }>(
      `SELECT value, sum(clicks)::int AS clicks FROM link_dimensions_daily
       WHERE link_id = $1 AND dimension = 'variant' GROUP BY 1 ORDER BY 1`,
      [link.id],
    );
    expect(rollup.rows).toEqual(
      stored.rows.filter((row) => row.variant !== null).map((row) => ({ value: row.variant, clicks: row.n })),
    );
  });
});
