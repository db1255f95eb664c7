import { healthPlugin, postgresCheck, queueRedisCheck } from '@boltlink/observability/health';
import { type MetricsRegistry, metricsPlugin } from '@boltlink/observability/metrics';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import type { Redis } from 'ioredis';
import type { Pool } from 'pg';

/** Anything the app must stop before its clients close (BullMQ workers). */
export interface Closeable {
  close(): Promise<void>;
}

export interface ConsumerAppDeps {
  pool: Pool;
  /** The workers' Redis connection; /ready checks that it answers and does not evict (noeviction). */
  queueRedis: Redis;
  metrics: MetricsRegistry;
  /**
   * Closed first on app.close(), so a batch in flight finishes (or is handed back to the queue) while
   * Postgres and Redis are still open. Then the pool and the Redis connection close.
   */
  workers?: readonly Closeable[];
}

export interface ConsumerAppOptions {
  logger?: FastifyBaseLogger;
  readinessTimeoutMs?: number;
}

/**
 * The consumer's small HTTP face: /health, /ready and /metrics. The work itself happens in BullMQ
 * workers; this server exists so orchestrators can probe the process and Prometheus can scrape it.
 */
export async function buildApp(deps: ConsumerAppDeps, options: ConsumerAppOptions = {}) {
  const app = Fastify({
    loggerInstance: options.logger,
  });

  await app.register(healthPlugin, {
    checks: {
      postgres: postgresCheck(deps.pool),
      queueRedis: queueRedisCheck(deps.queueRedis),
    },
    timeoutMs: options.readinessTimeoutMs,
  });
  await app.register(metricsPlugin, { registry: deps.metrics.registry });

  app.addHook('onClose', async () => {
    await Promise.all((deps.workers ?? []).map((worker) => worker.close()));
    await deps.pool.end();
    await deps.queueRedis.quit().catch(() => deps.queueRedis.disconnect());
  });

  return app;
}
