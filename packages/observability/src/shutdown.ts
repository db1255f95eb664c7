import closeWithGrace from 'close-with-grace';
import type { FastifyInstance } from 'fastify';

export interface ShutdownLogger {
  info(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface GracefulShutdownOptions {
  /** Closing it runs every `onClose` hook: pools, Redis clients, queue producers and workers. */
  app: Pick<FastifyInstance, 'close'> & Partial<Pick<FastifyInstance, 'markShuttingDown'>>;
  logger: ShutdownLogger;
  /** Time allowed for the whole shutdown; past it the process exits with code 1. */
  delayMs: number;
  /** Runs after `/ready` turns 503 and before the server closes, e.g. flushing buffered clicks. */
  beforeClose?: () => Promise<void>;
}

export interface GracefulShutdown {
  /** Starts the same shutdown a signal would (exit code 0 when it completes). */
  close(): void;
  /** Removes the signal and error listeners (tests, or a process that hands shutdown elsewhere). */
  uninstall(): void;
}

/**
 * SIGINT/SIGTERM (and an uncaught error) close the app once: mark not ready, run `beforeClose`,
 * `app.close()`, then exit (0, or 1 after an error or timeout). A second signal exits at once with 1,
 * so a stuck shutdown is never waited on twice.
 */
export function installGracefulShutdown({
  app,
  logger,
  delayMs,
  beforeClose,
}: GracefulShutdownOptions): GracefulShutdown {
  return closeWithGrace(
    {
      delay: delayMs,
      logger: { error: (err: unknown) => logger.error({ err }, 'shutdown failed') },
      onTimeout: (delay) => logger.error({ delayMs: delay }, 'shutdown timed out, exiting with code 1'),
      onSecondSignal: (signal) => logger.error({ signal }, 'second signal during shutdown, exiting now'),
      onSecondError: (err) => logger.error({ err }, 'another error during shutdown, exiting now'),
    },
    async ({ signal, err, manual }) => {
      if (err) logger.error({ err }, 'uncaught error, shutting down');
      else logger.info({ signal, manual: manual === true }, 'shutting down');

      app.markShuttingDown?.();
      if (beforeClose) {
        try {
          await beforeClose();
        } catch (error) {
          // Still close the server and its clients; the flush failure itself is logged, not fatal.
          logger.error({ err: error }, 'beforeClose failed; closing anyway');
        }
      }
      await app.close();
      logger.info({}, 'shutdown complete');
    },
  );
}
