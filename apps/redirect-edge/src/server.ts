import { reportFinalMetrics, runClustered } from '@boltlink/cluster/run';
import { EXIT_CONFIG, exitOnConfigError } from '@boltlink/config/env';
import { loadEdgeConfig, tracingSettingsOf } from '@boltlink/config/services';
import { createLoggerOptions } from '@boltlink/observability/logger';
import { installGracefulShutdown } from '@boltlink/observability/shutdown';
import { startTracing } from '@boltlink/observability/tracing';
import { waitForReady } from '@boltlink/redis-keys/clients';
import pino from 'pino';
import { buildApp } from './app.ts';
import { createEdgeDeps } from './deps.ts';
import { type CountryLookup, createCountryLookup, GeoIpDatabaseError } from './domain/geoip.ts';

const config = exitOnConfigError(() => loadEdgeConfig(process.env));
const logger = pino(createLoggerOptions({ service: 'redirect-edge', level: config.logLevel }));

// Loaded at top level like the config, so the primary checks the file once and a bad path exits 1 before any
// worker is forked (instead of workers crash-looping); each serving process keeps its own copy in memory.
// A bad file is a configuration error: EXIT_CONFIG, which supervisors do not restart.
async function loadCountryLookup(path: string | undefined): Promise<CountryLookup | undefined> {
  if (path === undefined) return undefined;
  try {
    return await createCountryLookup(path);
  } catch (error) {
    if (!(error instanceof GeoIpDatabaseError)) throw error;
    process.stderr.write(`GEOIP_DB_PATH=${path}: ${error.message}\n`);
    process.exit(EXIT_CONFIG);
  }
}
const countryLookup = await loadCountryLookup(config.geoipDbPath);

// Config is read in the primary too, so a bad variable fails once instead of in a crash loop of workers;
// clients and the server exist only in the process that serves (a worker, or this one when
// WEB_CONCURRENCY=1).
async function start() {
  const tracing = await startTracing(tracingSettingsOf(config), logger);
  const deps = createEdgeDeps(config, logger, { countryLookup, tracer: tracing });
  if (countryLookup !== undefined) {
    const { type, builtAt } = countryLookup.database;
    logger.info({ type, builtAt }, 'country of clicks from the MaxMind database (GEOIP_DB_PATH)');
  }
  // The fail-fast clients have no offline queue: give them a moment to connect. A Redis that is down at boot
  // does not stop the edge (Postgres still answers, the dependency gauges say what is missing); ioredis keeps
  // reconnecting.
  await Promise.all(
    [deps.cacheRedis, deps.stateRedis, deps.queueRedis, deps.subscriber].map((redis) =>
      waitForReady(redis, 3000).catch((error: unknown) =>
        logger.warn({ err: error }, 'redis not ready at start; continuing'),
      ),
    ),
  );

  // In cluster mode the primary keeps an exited worker's counters, clicks lost by the last flush included.
  const app = await buildApp(deps, {
    afterFinalFlush: () => reportFinalMetrics(deps.metrics.registry),
    tracing,
  });
  // Last: the spans of the requests answered while closing are exported too.
  if (tracing !== undefined) app.addHook('onClose', () => tracing.shutdown());
  installGracefulShutdown({ app, logger, delayMs: config.shutdownTimeoutMs });
  await app.listen({ host: config.host, port: config.port });
  return { server: app.server, metricsRegistry: deps.metrics.registry };
}

await runClustered({
  workers: config.webConcurrency,
  start,
  logger,
  shutdownTimeoutMs: config.shutdownTimeoutMs * 3,
  // Bound like the service (HOST): `make up` keeps both on 127.0.0.1.
  metrics: config.metricsPort === 0 ? undefined : { port: config.metricsPort, host: config.host },
});
