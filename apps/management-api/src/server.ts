import { runClustered } from '@boltlink/cluster/run';
import { exitOnConfigError } from '@boltlink/config/env';
import { loadApiConfig, tracingSettingsOf } from '@boltlink/config/services';
import { createDb } from '@boltlink/db/client';
import { createLoggerOptions } from '@boltlink/observability/logger';
import { createMetricsRegistry } from '@boltlink/observability/metrics';
import { installGracefulShutdown } from '@boltlink/observability/shutdown';
import { startTracing } from '@boltlink/observability/tracing';
import { createQueueProducer } from '@boltlink/queues/producer';
import { waitForReady } from '@boltlink/redis-keys/clients';
import { createServiceClients } from '@boltlink/service-clients/clients';
import pino from 'pino';
import { buildApp } from './app.ts';
import { API_REDIS_COMMAND_TIMEOUT_MS } from './redis-options.ts';

const config = exitOnConfigError(() => loadApiConfig(process.env));
const logger = pino(createLoggerOptions({ service: 'management-api', level: config.logLevel }));

// Config is read in the primary too, so a bad variable fails once instead of in a crash loop of workers;
// clients and the server exist only in the process that serves (a worker, or this one when
// WEB_CONCURRENCY=1).

async function start() {
  const tracing = await startTracing(tracingSettingsOf(config), logger);
  const clients = createServiceClients({ logger });
  const pool = clients.pool({
    connectionString: config.databaseUrl,
    max: config.databasePoolMax,
    applicationName: 'boltlink-management-api',
    statementTimeoutMs: 10_000,
  });
  const readPool =
    config.databaseReadUrl === config.databaseUrl
      ? pool
      : clients.pool({
          connectionString: config.databaseReadUrl,
          max: config.databasePoolMax,
          applicationName: 'boltlink-management-api-read',
          statementTimeoutMs: 10_000,
        });
  const commandTimeoutMs = API_REDIS_COMMAND_TIMEOUT_MS;
  const redis = clients.redis('state', config.redisUrl, { connectionName: 'api-state', commandTimeoutMs });
  const cacheRedis = clients.redis('cache', config.cacheRedisUrl, {
    connectionName: 'api-cache',
    commandTimeoutMs,
  });
  const queueRedis = clients.redis('queue-producer', config.redisUrl, { connectionName: 'api-queue' });
  // The fail-fast clients have no offline queue: let them connect first. A Redis that is down at boot does
  // not stop the API once it has answered (the dependency gauges report it, ioredis keeps reconnecting).
  await Promise.all(
    [redis, cacheRedis, queueRedis].map((client) =>
      waitForReady(client, 3000).catch((error: unknown) =>
        logger.warn({ err: error }, 'redis not ready at start; continuing'),
      ),
    ),
  );
  // Should Redis be unreachable when the producer starts, its queues are replaced once Redis is back.
  const producer = createQueueProducer({
    connection: queueRedis,
    prefix: config.queuePrefix,
    onReplaced: () => logger.warn('queue producer failed to start; replaced'),
    tracer: tracing,
  });
  clients.closeFirst('queue producer', () => producer.close());

  const metrics = createMetricsRegistry('management-api');
  const app = await buildApp({
    config,
    db: createDb(pool),
    readDb: createDb(readPool),
    redis,
    cacheRedis,
    metadataQueue: producer,
    mailQueue: producer,
    metrics,
    logger,
    tracing,
  });

  // Closed after the server stopped taking requests and the last lastUsedAt flush ran (preClose).
  app.addHook('onClose', clients.close);
  // Last: the spans of the requests and jobs that finished while closing are exported too.
  if (tracing !== undefined) app.addHook('onClose', () => tracing.shutdown());

  installGracefulShutdown({ app, logger, delayMs: config.shutdownTimeoutMs });
  await app.listen({ host: config.host, port: config.port });
  return { server: app.server, metricsRegistry: metrics.registry };
}

await runClustered({
  workers: config.webConcurrency,
  start,
  logger,
  shutdownTimeoutMs: config.shutdownTimeoutMs * 3,
  // Bound like the service (HOST): `make up` keeps both on 127.0.0.1.
  metrics: config.metricsPort === 0 ? undefined : { port: config.metricsPort, host: config.host },
});
