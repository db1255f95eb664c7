import type { EdgeConfig } from '@boltlink/config/services';
import { createDb } from '@boltlink/db/client';
import { createMetricsRegistry } from '@boltlink/observability/metrics';
import { createQueueProducer, type QueueSendTracer } from '@boltlink/queues/producer';
import { createServiceClients, withTimeout } from '@boltlink/service-clients/clients';
import type { FastifyBaseLogger } from 'fastify';
import type { EdgeDeps } from './app.ts';
import type { CountryLookup } from './domain/geoip.ts';
import { createPostgresBlocklistStore } from './infra/postgres-blocklist-store.ts';
import { createPostgresDomainStore } from './infra/postgres-domain-store.ts';
import { createPostgresLinkStore, createReplicaLinkStore } from './infra/postgres-link-store.ts';

/**
 * Builds the edge's real clients from its config. The app closes them (onClose) after the last click batch
 * has been flushed, in the reverse order of their use: producer, Redis connections, then the pool.
 */
export function createEdgeDeps(
  config: EdgeConfig,
  logger: FastifyBaseLogger,
  options: {
    countryLookup?: CountryLookup;
    /** Tracing, when on: a click batch holding sampled requests is enqueued in a `send clicks` span. */
    tracer?: QueueSendTracer;
  } = {},
): EdgeDeps {
  const clients = createServiceClients({ logger });
  const pool = clients.pool({
    connectionString: config.databaseReadUrl,
    max: config.databasePoolMax,
    applicationName: 'boltlink-redirect-edge',
    // A redirect waiting on a stuck database is worse than a fast 503.
    statementTimeoutMs: 2000,
    connectionTimeoutMs: 2000,
  });
  const db = createDb(pool);
  // With a replica to read from, a few connections to the primary for what the replica may not have yet.
  const primaryDb =
    config.databaseReadUrl === config.databaseUrl
      ? null
      : createDb(
          clients.pool({
            connectionString: config.databaseUrl,
            max: Math.max(2, Math.ceil(config.databasePoolMax / 4)),
            applicationName: 'boltlink-redirect-edge-primary',
            statementTimeoutMs: 2000,
            connectionTimeoutMs: 2000,
          }),
        );
  const cacheRedis = clients.redis('cache', config.cacheRedisUrl, { connectionName: 'edge-cache' });
  const stateRedis = clients.redis('state', config.redisUrl, { connectionName: 'edge-state' });
  const queueRedis = clients.redis('queue-producer', config.redisUrl, {
    connectionName: 'edge-queue',
    commandTimeoutMs: config.queueRedisCommandTimeoutMs,
  });
  const subscriber = clients.redis('subscriber', config.cacheRedisUrl, {
    connectionName: 'edge-invalidations',
  });
  // A producer whose start failed (BullMQ's version check timed out on a hung or restarting Redis) replaces its
  // queues before the buffer's next retry.
  const producer = createQueueProducer({
    connection: queueRedis,
    prefix: config.queuePrefix,
    onReplaced: () => logger.warn('queue producer failed to start; replaced'),
    tracer: options.tracer,
  });
  // Bounded: with the queue Redis down, closing BullMQ's queue must not hold the shutdown hostage.
  clients.closeFirst('queue producer', () => producer.close());

  return {
    config,
    logger,
    pool,
    linkStore:
      primaryDb === null
        ? createPostgresLinkStore(db)
        : createReplicaLinkStore(createPostgresLinkStore(db), createPostgresLinkStore(primaryDb)),
    domainStore: createPostgresDomainStore(db),
    blocklistStore: createPostgresBlocklistStore(db),
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
    orphanVisitPublisher: {
      async publish(batch) {
        await withTimeout(producer.enqueueOrphanVisits(batch), 2 * config.queueRedisCommandTimeoutMs);
      },
    },
    countryLookup: options.countryLookup,
    metrics: createMetricsRegistry('redirect-edge'),
    close: clients.close,
  };
}
