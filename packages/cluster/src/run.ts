import cluster from 'node:cluster';
import { createClusterMetrics } from './cluster-metrics.ts';
import type { ClusterLogger } from './logger.ts';
import { startMetricsServer } from './metrics-server.ts';
import { runPrimary } from './primary.ts';
import { defaultRestartPolicy, type RestartPolicyOptions } from './restart-policy.ts';
import { asStartedService, runWorker } from './worker.ts';
import { workerCountFromEnv } from './worker-count.ts';

export { reportFinalMetrics } from './cluster-metrics.ts';
export type { ClusterLogger } from './logger.ts';
export type { RestartPolicyOptions } from './restart-policy.ts';
export type { StartedService } from './worker.ts';
export { workerCountFromEnv } from './worker-count.ts';

export interface RunClusteredOptions {
  /** Worker processes; defaults to WEB_CONCURRENCY, else the available cores. 1 runs `start` in-process. */
  workers?: number;
  /**
   * Starts the service in this process: load config, build clients, listen, install graceful shutdown
   * on SIGTERM. Called once per worker (never in the primary, which holds no connections). Return
   * `{ server: app.server }` so a worker stopped by the primary drains keep-alive clients first.
   */
  start: () => unknown;
  logger: ClusterLogger;
  /** The primary kills workers still running this long after the first stop signal. */
  shutdownTimeoutMs?: number;
  /** How long a stopping worker waits for its keep-alive connections to move to other workers. */
  drainTimeoutMs?: number;
  restartPolicy?: Partial<RestartPolicyOptions>;
  /**
   * Serve GET /metrics for the whole service on this port: every worker's `metricsRegistry` summed by
   * the primary (or the single process's registry when running in-process). Counters of workers that
   * have exited are kept when their shutdown called `reportFinalMetrics`.
   */
  metrics?: { port: number; host?: string };
}

/**
 * Runs `start` in `workers` processes that share the listening port (node:cluster), or in this process
 * when one worker is asked for. Resolves once this process has done its part: the primary after forking,
 * a worker (or the single process) after `start` resolved. Stopping is driven by signals.
 */
export async function runClustered(options: RunClusteredOptions): Promise<void> {
  if (cluster.isWorker) {
    await runWorker(options.start, options.logger, options.drainTimeoutMs ?? 2_000);
    return;
  }
  const workers = options.workers ?? workerCountFromEnv();
  if (!Number.isInteger(workers) || workers < 1) {
    throw new RangeError(`workers must be a positive integer, got ${workers}`);
  }
  const metrics = options.metrics;
  if (workers === 1) {
    const registry = asStartedService(await options.start())?.metricsRegistry;
    if (metrics && registry) {
      await startMetricsServer({
        host: metrics.host ?? '0.0.0.0',
        port: metrics.port,
        logger: options.logger,
        collect: async () => ({ contentType: registry.contentType, body: await registry.metrics() }),
      });
    } else if (metrics) {
      options.logger.warn({}, 'metrics port requested but start() returned no metricsRegistry');
    }
    return;
  }
  if (metrics) {
    await startMetricsServer({
      host: metrics.host ?? '0.0.0.0',
      port: metrics.port,
      logger: options.logger,
      collect: createClusterMetrics().collect,
    });
  }
  runPrimary({
    workers,
    logger: options.logger,
    shutdownTimeoutMs: options.shutdownTimeoutMs ?? 30_000,
    restartPolicy: { ...defaultRestartPolicy, ...options.restartPolicy },
  });
}
