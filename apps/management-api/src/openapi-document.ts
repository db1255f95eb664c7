import { loadApiConfig } from '@boltlink/config/services';
import { createDb, createPool } from '@boltlink/db/client';
import { createMetricsRegistry } from '@boltlink/observability/metrics';
import { Redis } from 'ioredis';
import pino from 'pino';
import { buildApp } from './app.ts';

/** Nothing listens here: the clients below are never asked anything while the document is built. */
const UNUSED = '127.0.0.1:9';

/**
 * The API's OpenAPI document, built in this process from the same `buildApp` the server runs (the one
 * /docs/json serves), without Postgres, Redis or a port: the typed client in packages/api-client is
 * generated from it (scripts/api-client.ts).
 */
export async function buildOpenApiDocument(): Promise<Record<string, unknown>> {
  const config = loadApiConfig({
    NODE_ENV: 'test',
    DATABASE_URL: `postgres://boltlink@${UNUSED}/boltlink`,
    REDIS_URL: `redis://${UNUSED}`,
  });
  const pool = createPool({ connectionString: config.databaseUrl, onError: () => undefined });
  const clients: Redis[] = [];
  const redis = () => {
    const client = new Redis(config.redisUrl, {
      lazyConnect: true,
      enableOfflineQueue: false,
      retryStrategy: () => null,
    });
    client.on('error', () => undefined);
    clients.push(client);
    return client;
  };
  const app = await buildApp({
    config,
    db: createDb(pool),
    redis: redis(),
    cacheRedis: redis(),
    metadataQueue: { enqueueLinkMetadata: async () => undefined },
    metrics: createMetricsRegistry('management-api', { defaultMetrics: false }),
    logger: pino({ level: 'silent' }),
  });
  try {
    // swagger() needs ready(), which also starts the dependency checks: they fail against UNUSED, quietly,
    // and stop on close.
    await app.ready();
    return app.swagger() as unknown as Record<string, unknown>;
  } finally {
    await app.close();
    await pool.end();
    for (const client of clients) client.disconnect();
  }
}
