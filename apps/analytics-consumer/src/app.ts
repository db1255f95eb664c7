import { createDependencyMonitor } from '@boltlink/observability/dependencies';
import { healthPlugin, postgresCheck, queueRedisCheck } from '@boltlink/observability/health';
import { type MetricsRegistry, metricsPlugin } from '@boltlink/observability/metrics';
import { logEachRequestOnce, requestLogOptions } from '@boltlink/observability/request-log';
import type { RedisClient } from '@boltlink/redis-keys/clients';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import type { Pool } from 'pg';

/** Anything the app must stop before its clients close (BullMQ workers). */
export interface Closeable {
  close(): Promise<void>;
}

export interface ConsumerAppDeps {
  pool: Pool;
  /** The workers' Redis connection; checked in the background: it answers and does not evict (noeviction). */
  queueRedis: RedisClient;
  metrics: MetricsRegistry;
  /**
   * Closed first on app.close(), so a batch in flight finishes (or is handed back to the queue) while
   * Postgres and Redis are still open. Then the pool and the Redis connection close.
   */
  workers?: readonly Closeable[];
  /** Closes the pool and the Redis connection, each bounded (the service's clients); else they close here. */
  close?: () => Promise<void>;
}

export interface ConsumerAppOptions {
  logger?: FastifyBaseLogger;
  /** DEPENDENCY_CHECK_INTERVAL_MS and DEPENDENCY_CHECK_TIMEOUT_MS. */
  dependencyChecks?: { intervalMs: number; timeoutMs: number };
}

/**
 * The consumer's small HTTP face: /health, /ready and /metrics. The work itself happens in BullMQ
 * workers; this server exists so orchestrators can probe the process and Prometheus can scrape it.
 */
export async function buildApp(deps: ConsumerAppDeps, options: ConsumerAppOptions = {}) {
  const app = Fastify({
    loggerInstance: options.logger,
    ...requestLogOptions(),
  });
  logEachRequestOnce(app);

  // Ready once Postgres and the queue Redis have answered since start, then ready through their outages:
  // readiness only routes traffic, and this port takes none but probes and scrapes; the workers pause and
  // resume by themselves. See docs/operations/health-and-readiness.md.
  await app.register(healthPlugin, {
    monitor: createDependencyMonitor({
      checks: {
        postgres: postgresCheck(deps.pool),
        queueRedis: queueRedisCheck(deps.queueRedis),
      },
      intervalMs: options.dependencyChecks?.intervalMs ?? 5000,
      timeoutMs: options.dependencyChecks?.timeoutMs ?? 1000,
      metrics: deps.metrics,
      logger: options.logger,
    }),
    readyAfterFirstAnswerFrom: ['postgres', 'queueRedis'],
  });
  // This port is not public (no traffic but probes and scrapes), so it serves /metrics itself.
  await app.register(metricsPlugin, { registry: deps.metrics.registry, exposeRoute: true });

  app.addHook('onClose', async () => {
    await Promise.all((deps.workers ?? []).map((worker) => worker.close()));
    if (deps.close) await deps.close();
    else {
      await deps.pool.end();
      await deps.queueRedis.quit().catch(() => deps.queueRedis.disconnect());
    }
  });

  return app;
}
