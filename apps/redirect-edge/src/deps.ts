import type { EdgeConfig } from '@boltlink/config/services';
import { createDb, createPool } from '@boltlink/db/client';
import { createMetricsRegistry } from '@boltlink/observability/metrics';
import { createQueueProducer } from '@boltlink/queues/producer';
import { createCacheRedis, createQueueRedis, createSubscriber } from '@boltlink/redis-keys/clients';
import type { FastifyBaseLogger } from 'fastify';
import type { EdgeDeps } from './app.ts';
import type { CountryLookup } from './domain/geoip.ts';
import { createPostgresLinkStore } from './infra/postgres-link-store.ts';

const CLOSE_STEP_MS = 2000;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Builds the edge's real clients from its config. The app closes them (onClose) after the last click batch
 * has been flushed, in the reverse order of their use: producer, Redis connections, then the pool.
 */
export function createEdgeDeps(
  config: EdgeConfig,
  logger: FastifyBaseLogger,
  options: { countryLookup?: CountryLookup } = {},
): EdgeDeps {
  const pool = createPool({
    connectionString: config.databaseReadUrl,
    max: config.databasePoolMax,
    applicationName: 'boltlink-redirect-edge',
    // A redirect waiting on a stuck database is worse than a fast 503.
    statementTimeoutMs: 2000,
    connectionTimeoutMs: 2000,
    onError: (error) => logger.warn({ err: error }, 'postgres idle client error'),
  });
  const onRedisError = (connection: string) => (error: Error) =>
    logger.warn({ err: error, connection }, 'redis connection error');

  const cacheRedis = createCacheRedis(config.cacheRedisUrl, {
    connectionName: 'edge-cache',
    onError: onRedisError('cache'),
  });
  const stateRedis = createCacheRedis(config.redisUrl, {
    connectionName: 'edge-state',
    onError: onRedisError('state'),
  });
  const queueRedis = createQueueRedis(config.redisUrl, 'producer', {
    connectionName: 'edge-queue',
    commandTimeoutMs: config.queueRedisCommandTimeoutMs,
    onError: onRedisError('queue'),
  });
  const subscriber = createSubscriber(config.cacheRedisUrl, {
    connectionName: 'edge-invalidations',
    onError: onRedisError('subscriber'),
  });
  // A producer whose start failed (BullMQ's version check timed out on a hung or restarting Redis) replaces its
  // queues before the buffer's next retry.
  const producer = createQueueProducer({
    connection: queueRedis,
    prefix: config.queuePrefix,
    onReplaced: () => logger.warn('queue producer failed to start; replaced'),
  });

  return {
    config,
    logger,
    pool,
    linkStore: createPostgresLinkStore(createDb(pool)),
    cacheRedis,
    stateRedis,
    queueRedis,
    subscriber,
    clickPublisher: {
      async publish(batch) {
        // The command timeout bounds each Redis command, but not BullMQ's own waits around them (seen: an add
        // that never settled after the queue Redis restarted). A write that has not settled by then is failed
        // here and retried by the buffer; should it land after all, the retry has the same job id.
        await withTimeout(producer.enqueueClickBatch(batch), 2 * config.queueRedisCommandTimeoutMs);
      },
    },
    countryLookup: options.countryLookup,
    metrics: createMetricsRegistry('redirect-edge'),
    async close() {
      // Bounded: with the queue Redis down, closing BullMQ's queue must not hold the shutdown hostage.
      await withTimeout(producer.close(), CLOSE_STEP_MS).catch((error: unknown) =>
        logger.warn({ err: error }, 'queue producer did not close cleanly'),
      );
      // quit() lets replies in flight arrive; a connection that is not up is simply dropped.
      await Promise.all(
        [cacheRedis, stateRedis, queueRedis, subscriber].map(async (redis) => {
          if (redis.status !== 'ready') return redis.disconnect();
          await withTimeout(redis.quit(), CLOSE_STEP_MS).catch(() => redis.disconnect());
        }),
      );
      await pool.end();
    },
  };
}
