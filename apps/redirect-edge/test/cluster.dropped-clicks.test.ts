import { freePort } from '@boltlink/local-servers/redis';
import { type PrivateRedis, startPrivateRedis } from '@boltlink/testing/redis';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { DOMAIN, insertLink, metricValue, test, waitFor } from './support/edge.ts';
import { spawnEdge } from './support/edge-process.ts';
import { edgeStatus } from './support/http.ts';

// A Redis of its own: the test pauses it to make the edge lose clicks.
let redis: PrivateRedis;

beforeAll(async () => {
  redis = await startPrivateRedis();
});
afterAll(async () => {
  redis?.resume();
  await redis?.destroy();
});

/** One redirect on a fresh connection, so the primary deals each to a worker anew. */
const redirect = (port: number, code: string) =>
  edgeStatus(port, `/${code}`, { agent: false, timeoutMs: 5_000 });

describe('cluster mode: a worker that lost clicks at shutdown and exited', () => {
  test("keeps its clicks_dropped_total in the primary's summed metrics", async ({
    database,
    userId,
    prefix,
  }) => {
    const port = await freePort();
    const metricsPort = await freePort();
    const link = await insertLink(database.db, { userId });
    const edge = spawnEdge({
      NODE_ENV: 'production',
      APP_SECRET: 'cluster-test-secret-0123456789abcdef',
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'info',
      DATABASE_URL: database.url,
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: prefix,
      QUEUE_PREFIX: `{${prefix}}`,
      SHORT_DOMAINS: DOMAIN,
      // Clicks stay in each worker's memory until its shutdown flush.
      CLICK_BATCH_SIZE: '5000',
      CLICK_BATCH_INTERVAL_MS: '60000',
      SHUTDOWN_TIMEOUT_MS: '3000',
      QUEUE_REDIS_COMMAND_TIMEOUT_MS: '500',
      METRICS_PORT: String(metricsPort),
      WEB_CONCURRENCY: '2',
    });
    const { lines, rawLines } = edge;
    const scrapeDropped = async (): Promise<number> =>
      metricValue(
        await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text(),
        'clicks_dropped_total',
      );
    const workerPids = (): number[] =>
      lines()
        .filter((line) => line.msg === 'worker listening')
        .map((line) => Number(line.workerPid));

    try {
      // Each worker compiles the TypeScript sources on start: on a loaded test host that alone can take 30 s.
      await waitFor(async () => (workerPids().length >= 2 ? true : undefined), 60_000, 100);
      // One `pid` per line (the process that wrote it): a second one is read differently by each log tool.
      expect(rawLines().filter((line) => (line.match(/"pid":/g) ?? []).length !== 1)).toEqual([]);
      for (let i = 0; i < 20; i += 1) expect(await redirect(port, link.code)).toBe(302);
      expect(await scrapeDropped()).toBe(0);

      // The queue Redis hangs, then one worker is stopped on its own: its final flush cannot deliver.
      redis.pause();
      const [victim] = workerPids();
      process.kill(Number(victim), 'SIGTERM');
      const lost = await waitFor(
        async () => lines().find((line) => line.pid === victim && typeof line.clicksLost === 'number'),
        20_000,
        100,
      );
      const clicksLost = Number(lost.clicksLost);
      expect(clicksLost).toBeGreaterThan(0);
      await waitFor(
        async () =>
          lines().some((line) => line.msg === 'worker died' && line.workerPid === victim) ? true : undefined,
        20_000,
        100,
      );
      redis.resume();

      // The worker is gone; its count is not.
      expect(await scrapeDropped(), edge.output()).toBe(clicksLost);
    } finally {
      redis.resume();
      await edge.stop();
    }
  }, 120_000);
});
