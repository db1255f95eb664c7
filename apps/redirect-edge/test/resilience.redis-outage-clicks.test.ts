import type { TestDatabase } from '@boltlink/testing/postgres';
import { type PrivateRedis, startPrivateRedis, uniquePrefix } from '@boltlink/testing/redis';
import { afterAll, afterEach, beforeAll, describe, expect } from 'vitest';
import {
  capturingLogger,
  createUser,
  DOMAIN,
  insertLink,
  metricValue,
  readClickBatches,
  startEdge,
  type TestEdge,
  test,
  waitFor,
} from './support/edge.ts';

let redis: PrivateRedis;
let edge: TestEdge | undefined;

// A Redis of its own, which the tests stop, freeze and kill; the database is the file's.
beforeAll(async () => {
  redis = await startPrivateRedis({ appendOnly: true });
});

afterEach(async () => {
  redis.resume();
  await redis.start();
  await edge?.app.close();
  edge = undefined;
});

afterAll(async () => {
  await redis?.destroy();
});

/** An edge whose clicks stay in memory until its shutdown flush (batches of 5,000 or once a minute). */
async function edgeWithHeldClicks(database: TestDatabase, shutdownTimeoutMs: number) {
  const prefix = uniquePrefix('edge-shutdown-outage');
  const log = capturingLogger('info');
  edge = await startEdge({
    databaseUrl: database.url,
    redisUrl: redis.url,
    prefix,
    logger: log.logger,
    env: {
      CLICK_BATCH_SIZE: '5000',
      CLICK_BATCH_INTERVAL_MS: '60000',
      SHUTDOWN_TIMEOUT_MS: String(shutdownTimeoutMs),
      QUEUE_REDIS_COMMAND_TIMEOUT_MS: '500',
    },
  });
  const userId = await createUser(database.db);
  const link = await insertLink(database.db, { userId });
  for (let i = 0; i < 40; i += 1) {
    const res = await edge.app.inject({ url: `/${link.code}`, headers: { host: DOMAIN } });
    expect(res.statusCode).toBe(302);
  }
  const { app, deps } = edge;
  return {
    app,
    deps,
    prefix,
    link,
    log,
    // Read from the registry: the app is closed by then.
    dropped: async () => metricValue(await deps.metrics.registry.metrics(), 'clicks_dropped_total'),
  };
}

/** Resolves with 'closed', or 'still closing' if the close has not finished within `ms` (the test stays bounded). */
async function closeWithin(close: Promise<unknown>, ms: number): Promise<'closed' | 'still closing'> {
  let timer: NodeJS.Timeout | undefined;
  const result = await Promise.race([
    close.then(() => 'closed' as const),
    new Promise<'still closing'>((resolve) => (timer = setTimeout(() => resolve('still closing'), ms))),
  ]);
  clearTimeout(timer);
  return result;
}

describe('shutdown during a Redis outage', () => {
  test('keeps retrying the last flush, so the clicks arrive when Redis returns before the deadline', async ({
    database,
  }) => {
    // A long deadline: the close returns as soon as the clicks are in, and a loaded test host restarts Redis slowly.
    const { app, deps, prefix, link, log } = await edgeWithHeldClicks(database, 25_000);
    await redis.kill();
    // The edge has seen the outage (else the flush would go out on a socket that only later proves dead).
    await waitFor(async () => (deps.queueRedis.status === 'ready' ? undefined : true));
    const closing = app.close();
    // Redis comes back a second into the shutdown, well before its deadline.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await redis.start();
    expect(await closeWithin(closing, 40_000)).toBe('closed');
    edge = undefined;

    const events = (await readClickBatches(redis.url, prefix)).flatMap((batch) => batch.events);
    expect(
      events.filter((event) => event.linkId === link.id),
      JSON.stringify(log.lines()),
    ).toHaveLength(40);
    expect(log.lines().filter((line) => line.level === 50)).toEqual([]);
  }, 60_000);

  test('with Redis hung past the deadline, stops waiting, logs the lost clicks at error level and counts them', async ({
    database,
  }) => {
    const { app, log, dropped } = await edgeWithHeldClicks(database, 3000);
    expect(await dropped()).toBe(0);
    redis.pause();
    const closing = app.close();
    // Bounded by SHUTDOWN_TIMEOUT_MS and the client close steps; a close that hangs with Redis fails here.
    expect(await closeWithin(closing, 20_000)).toBe('closed');
    edge = undefined;

    const errors = log.lines().filter((line) => line.level === 50);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ clicksLost: 40 });
    expect(String(errors[0]?.msg)).toContain('lost');
    expect(await dropped()).toBe(40);
  }, 40_000);
});

describe('a Redis outage longer than the old 50,000-click buffer', () => {
  test('holds 60,000 clicks at the default memory bound and delivers every one once Redis is back', async ({
    database,
    userId,
  }) => {
    const prefix = uniquePrefix('edge-buffer-outage');
    edge = await startEdge({
      databaseUrl: database.url,
      redisUrl: redis.url,
      prefix,
      // One test client sends every redirect: lift its per-client limit.
      env: { CLICK_BATCH_SIZE: '5000', CLICK_BATCH_INTERVAL_MS: '20', REDIRECT_RATE_LIMIT_MAX: '1000000' },
    });
    const { app, deps } = edge;
    const link = await insertLink(database.db, { userId });
    expect((await app.inject({ url: `/${link.code}`, headers: { host: DOMAIN } })).statusCode).toBe(302);

    await redis.kill();
    await waitFor(async () => (deps.queueRedis.status === 'ready' ? undefined : true));
    const CLICKS = 60_000;
    for (let sent = 0; sent < CLICKS; sent += 500) {
      const answers = await Promise.all(
        Array.from({ length: 500 }, () => app.inject({ url: `/${link.code}`, headers: { host: DOMAIN } })),
      );
      expect(answers.every((res) => res.statusCode === 302)).toBe(true);
    }
    const dropped = async () => metricValue(await deps.metrics.registry.metrics(), 'clicks_dropped_total');
    expect(await dropped()).toBe(0);

    await redis.start();
    const events = await waitFor(
      async () => {
        const mine = (await readClickBatches(redis.url, prefix))
          .flatMap((batch) => batch.events)
          .filter((event) => event.linkId === link.id);
        return mine.length >= CLICKS + 1 ? mine : undefined;
      },
      30_000,
      500,
    );
    expect(events).toHaveLength(CLICKS + 1);
    expect(new Set(events.map((event) => event.eventId)).size).toBe(CLICKS + 1);
    expect(await dropped()).toBe(0);
  }, 120_000);
});
