import { exitOnConfigError } from '@boltlink/config/env';
import { loadConsumerConfig, tracingSettingsOf } from '@boltlink/config/services';
import { createDb } from '@boltlink/db/client';
import { domainChecksFromSettings } from '@boltlink/domains/checks';
import { createLoggerOptions } from '@boltlink/observability/logger';
import { createMetricsRegistry } from '@boltlink/observability/metrics';
import { installGracefulShutdown } from '@boltlink/observability/shutdown';
import { startTracing } from '@boltlink/observability/tracing';
import { QUEUE_NAMES } from '@boltlink/queues/catalog';
import { publishDomainInvalidation } from '@boltlink/redis-keys/domain-invalidation';
import { createRedisKeys } from '@boltlink/redis-keys/keys';
import { createServiceClients } from '@boltlink/service-clients/clients';
import { Queue } from 'bullmq';
import { pino } from 'pino';
import { buildApp } from './app.ts';
import { startDomainCheckSweeper } from './domains/domain-check-sweeper.ts';
import { startDimensionRollup } from './ingest/dimension-rollup.ts';
import { createRedisVisitorSketches } from './ingest/visitor-sketches.ts';
import { createSmtpMailer } from './mail/smtp-mailer.ts';
import { createSafeFetcher } from './metadata/safe-fetch.ts';
import { createConsumerMetrics } from './metrics.ts';
import { createPostgresGate } from './postgres-gate.ts';
import { registerQueueJobsGauge } from './queue-metrics.ts';
import { createClicksWorker } from './workers/clicks-worker.ts';
import { createEmailWorker } from './workers/email-worker.ts';
import { createLinkMetadataWorker } from './workers/link-metadata-worker.ts';
import { createMaintenanceWorker, scheduleClickEventPartitions } from './workers/maintenance-worker.ts';
import { createOrphanVisitsWorker } from './workers/orphan-visits-worker.ts';

const SERVICE = 'analytics-consumer';
/** Mails sent at once: a handful is plenty for resets and invitations, and spares the SMTP server. */
const EMAIL_CONCURRENCY = 2;

async function main(): Promise<void> {
  const config = exitOnConfigError(() => loadConsumerConfig(process.env));
  const logger = pino(createLoggerOptions({ service: SERVICE, level: config.logLevel }));
  const tracing = await startTracing(tracingSettingsOf(config), logger);

  const clients = createServiceClients({ logger });
  const pool = clients.pool({
    connectionString: config.databaseUrl,
    max: config.databasePoolMax,
    applicationName: SERVICE,
  });
  const queueRedis = clients.redis('queue-worker', config.redisUrl, { connectionName: `${SERVICE}:workers` });
  const registry = createMetricsRegistry(SERVICE);
  const metrics = createConsumerMetrics(registry);

  // While Postgres is unreachable, both workers hand their jobs back without spending attempts and take no
  // new ones; the gate probes Postgres and work resumes by itself (docs/operations/postgres-outages.md).
  const postgresGate = createPostgresGate(pool, { metrics });
  postgresGate.subscribe((available, error) => {
    if (available) logger.info('Postgres answers again; workers resume');
    else logger.error({ err: error }, 'Postgres unreachable; workers hold their jobs until it answers');
  });

  // Read-only handles for the queue gauge (boltlink_queue_jobs); they add no connection of their own.
  const inspected = [
    QUEUE_NAMES.clicks,
    QUEUE_NAMES.linkMetadata,
    QUEUE_NAMES.email,
    QUEUE_NAMES.maintenance,
    QUEUE_NAMES.orphanVisits,
  ].map((name) => new Queue(name, { connection: queueRedis, prefix: config.queuePrefix }));
  registerQueueJobsGauge(registry, inspected);

  // Both workers share one Redis connection: BullMQ duplicates it for its blocking commands.
  const clicksWorker = createClicksWorker(
    {
      pool,
      metrics,
      logger: logger.child({ worker: 'clicks' }),
      partitions: Math.min(config.clickIngestPartitions, config.databasePoolMax),
      lingerMs: config.clickIngestLingerMs,
      sketches: createRedisVisitorSketches(queueRedis, createRedisKeys(config.redisKeyPrefix)),
    },
    {
      connection: queueRedis,
      prefix: config.queuePrefix,
      concurrency: config.clickWorkerConcurrency,
      gate: postgresGate,
      tracer: tracing,
    },
  );
  // The breakdowns of the clicks the worker stores, folded every CLICK_ROLLUP_INTERVAL_MS (ADR 0018); every
  // replica runs it, one at a time.
  const dimensionRollup = startDimensionRollup({
    pool,
    intervalMs: config.clickRollupIntervalMs,
    logger: logger.child({ worker: 'click-rollup' }),
    onRun: (outcome, events) => {
      metrics.clickRollupRuns.inc({ outcome });
      metrics.clickRollupEvents.inc(events);
    },
  });
  const metadataWorker = createLinkMetadataWorker(
    {
      pool,
      metrics,
      logger: logger.child({ worker: 'link-metadata' }),
      fetchHtml: createSafeFetcher({
        timeoutMs: config.metadataTimeoutMs,
        maxBytes: config.metadataMaxBytes,
        tracer: tracing,
      }),
    },
    {
      connection: queueRedis,
      prefix: config.queuePrefix,
      concurrency: config.metadataWorkerConcurrency,
      gate: postgresGate,
      tracer: tracing,
    },
  );

  // click_events' day partitions: made ahead and dropped past CLICK_EVENT_RETENTION_DAYS by a scheduled job
  // (ADR 0015). Scheduling waits for the queue Redis, so it does not hold up the start.
  const maintenanceWorker = createMaintenanceWorker(
    {
      pool,
      metrics,
      logger: logger.child({ worker: 'maintenance' }),
      retentionDays: config.clickEventRetentionDays,
    },
    { connection: queueRedis, prefix: config.queuePrefix, concurrency: 1, gate: postgresGate },
  );
  const maintenanceQueue = inspected.find((queue) => queue.name === QUEUE_NAMES.maintenance);
  if (maintenanceQueue === undefined) throw new Error('the maintenance queue handle is missing');
  scheduleClickEventPartitions(maintenanceQueue).catch((error: unknown) =>
    logger.error({ err: error }, 'could not schedule the click_events partition job'),
  );

  // Small batches (a few per edge per flush interval, whatever the storm): one job at a time is plenty.
  const orphanVisitsWorker = createOrphanVisitsWorker(
    { pool, metrics, logger: logger.child({ worker: 'orphan-visits' }) },
    { connection: queueRedis, prefix: config.queuePrefix, concurrency: 1, gate: postgresGate },
  );

  // Pending custom domains are checked in the background; a newly verified one is announced to the edges on
  // the cache Redis, where they listen.
  const cacheRedis = clients.redis('cache', config.cacheRedisUrl, { connectionName: `${SERVICE}:cache` });
  const keys = createRedisKeys(config.redisKeyPrefix);
  const domainSweeper = startDomainCheckSweeper({
    checks: domainChecksFromSettings(createDb(pool), config),
    announce: (hostname) => publishDomainInvalidation(cacheRedis, keys, hostname),
    logger: logger.child({ worker: 'domain-checks' }),
    intervalMs: config.domainCheckSweepMs,
  });
  // Mail only when SMTP_URL is set; without it the API queues none. It needs no Postgres, so no gate.
  const mailer =
    config.smtpUrl === undefined
      ? undefined
      : createSmtpMailer({ smtpUrl: config.smtpUrl, from: config.mailFrom });
  const emailWorker =
    mailer === undefined
      ? undefined
      : createEmailWorker(
          { mailer, metrics, logger: logger.child({ worker: 'email' }) },
          { connection: queueRedis, prefix: config.queuePrefix, concurrency: EMAIL_CONCURRENCY },
        );

  const app = await buildApp(
    {
      pool,
      queueRedis,
      metrics: registry,
      workers: [
        clicksWorker,
        dimensionRollup,
        metadataWorker,
        maintenanceWorker,
        orphanVisitsWorker,
        domainSweeper,
        ...(emailWorker && mailer ? [emailWorker, { close: async () => mailer.close() }] : []),
        ...inspected,
        { close: async () => postgresGate.stop() },
      ],
      // The spans of the last jobs are exported once the workers have stopped and the clients closed.
      close: async () => {
        await clients.close();
        await tracing?.shutdown();
      },
    },
    {
      logger,
      dependencyChecks: {
        intervalMs: config.dependencyCheckIntervalMs,
        timeoutMs: config.dependencyCheckTimeoutMs,
      },
    },
  );
  installGracefulShutdown({ app, logger, delayMs: config.shutdownTimeoutMs });
  await app.listen({ host: config.host, port: config.port });
  logger.info(
    {
      clickConcurrency: config.clickWorkerConcurrency,
      metadataConcurrency: config.metadataWorkerConcurrency,
      email: mailer !== undefined,
    },
    'workers started',
  );
}

await main();
