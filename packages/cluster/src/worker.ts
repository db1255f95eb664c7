import type { Server } from 'node:net';
import type { Registry } from 'prom-client';
import { answerMetricsRequests } from './cluster-metrics.ts';
import { drainServer } from './drain.ts';
import type { ClusterLogger } from './logger.ts';
import { isShutdownMessage } from './logger.ts';

const STOP_SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/** What `start` may hand back. */
export interface StartedService {
  /** The listening server: a worker stopped by the primary drains it without resetting clients. */
  server?: Server;
  /** The service's Prometheus registry, summed over all workers on the cluster metrics port. */
  metricsRegistry?: Registry;
}

/**
 * Worker side. The primary asks a worker to stop over IPC; the worker drains its server (when `start`
 * returned it) and then sends itself SIGTERM, so it stops exactly like a standalone process: the app's
 * own graceful shutdown (flush buffers, `app.close()`, close pools) runs and nothing here needs to know
 * what the app holds. A worker that already received a signal (Ctrl-C reaches every process of the
 * terminal's group) is not signalled again: close-with-grace treats a second signal as "exit now".
 */
export async function runWorker(
  start: () => unknown,
  logger: ClusterLogger,
  drainTimeoutMs: number,
): Promise<void> {
  let signalled = false;
  let service: StartedService | undefined;
  // The primary sums every worker's registry for the cluster metrics port, asking over IPC; a worker still
  // starting answers with nothing rather than stalling the scrape.
  let registry: Registry | undefined;
  answerMetricsRequests(() => registry);
  for (const signal of STOP_SIGNALS) {
    process.once(signal, () => {
      signalled = true;
      // Listening must not swallow the signal: with no other handler, re-raise it for the default exit.
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  }
  process.on('message', (message: unknown) => {
    if (!isShutdownMessage(message) || signalled) return;
    void stopSelf();
  });

  const stopSelf = async (): Promise<void> => {
    const server = service?.server;
    if (server) {
      const { openConnections } = await drainServer(server, drainTimeoutMs);
      if (openConnections > 0) logger.warn({ openConnections }, 'drain timed out');
    }
    if (!signalled) {
      signalled = true;
      process.kill(process.pid, 'SIGTERM');
    }
  };

  try {
    service = asStartedService(await start());
    registry = service?.metricsRegistry;
  } catch (error) {
    logger.error({ err: error }, 'worker failed to start');
    process.exit(1);
  }
}

export function asStartedService(value: unknown): StartedService | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  if (!('server' in value) && !('metricsRegistry' in value)) return undefined;
  return value as StartedService;
}
