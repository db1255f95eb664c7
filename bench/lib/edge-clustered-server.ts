// apps/redirect-edge/src/server.ts as it reads once wired to @boltlink/cluster (the change proposed to
// the edge's owner), so the cluster benchmarks can measure the real edge before that lands. Config is
// loaded in the primary too, so a bad variable fails once and fast instead of in a crash loop; clients
// and the server are built in the workers only. lib/cluster-process.ts prefers the real server.ts as
// soon as it calls runClustered.
import { runClustered } from '@boltlink/cluster/run';
import { exitOnConfigError } from '@boltlink/config/env';
import { loadEdgeConfig } from '@boltlink/config/services';
import { createLoggerOptions } from '@boltlink/observability/logger';
import { installGracefulShutdown } from '@boltlink/observability/shutdown';
import { waitForReady } from '@boltlink/redis-keys/clients';
import pino from 'pino';
import { buildApp } from '../../apps/redirect-edge/src/app.ts';
import { createEdgeDeps } from '../../apps/redirect-edge/src/deps.ts';

const config = exitOnConfigError(() => loadEdgeConfig(process.env));
const logger = pino(createLoggerOptions({ service: 'redirect-edge', level: config.logLevel }));

async function start() {
  const deps = createEdgeDeps(config, logger);
  await Promise.all(
    [deps.cacheRedis, deps.stateRedis, deps.queueRedis, deps.subscriber].map((redis) =>
      waitForReady(redis, 3000).catch((error: unknown) =>
        logger.warn({ err: error }, 'redis not ready at start; continuing'),
      ),
    ),
  );
  const app = await buildApp(deps);
  installGracefulShutdown({ app, logger, delayMs: config.shutdownTimeoutMs });
  await app.listen({ host: config.host, port: config.port });
  return { server: app.server, metricsRegistry: deps.metrics.registry };
}

// METRICS_PORT belongs in the shared config schema (config.metricsPort) once the edge is wired.
const metricsPort = process.env.METRICS_PORT;
await runClustered({
  start,
  logger,
  shutdownTimeoutMs: 30_000,
  metrics: metricsPort ? { port: Number(metricsPort) } : undefined,
});
