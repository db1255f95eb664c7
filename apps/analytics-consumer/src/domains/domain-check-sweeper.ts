import type { DomainChecks } from '@boltlink/domains/checks';
import type { Closeable } from '../app.ts';
import { startPeriodicTask } from '../periodic-task.ts';

export interface DomainCheckSweeperDeps {
  checks: Pick<DomainChecks, 'sweep'>;
  /** Tells the edges about a domain that became verified (the domain invalidation channel). */
  announce(hostname: string): Promise<void>;
  logger: {
    info(obj: object, msg: string): void;
    warn(obj: object, msg: string): void;
    error(obj: object, msg: string): void;
  };
  /** How often due domains are looked for (DOMAIN_CHECK_SWEEP_MS). */
  intervalMs: number;
  /** Domains checked at once; a sweep keeps going while it finds full batches. */
  batchSize?: number;
}

/**
 * The background checks of pending custom domains: every `intervalMs`, the domains whose next check is due
 * are checked (docs/domains.md). A sweep rather than a queued job per domain: the schedule lives in
 * Postgres (next_check_at), which also makes it safe to run in every consumer replica (rows are claimed).
 */
export function startDomainCheckSweeper(
  deps: DomainCheckSweeperDeps,
): Closeable & { sweepNow(): Promise<void> } {
  const batchSize = deps.batchSize ?? 20;
  // A sweep that finds full batches keeps going, until the sweeper is closed.
  let closed = false;

  async function sweepOnce(): Promise<void> {
    for (;;) {
      const result = await deps.checks.sweep(batchSize);
      for (const domain of result.verified) {
        deps.logger.info(
          { hostname: domain.hostname, method: domain.verificationMethod },
          'custom domain verified',
        );
        try {
          await deps.announce(domain.hostname);
        } catch (error) {
          deps.logger.error(
            { err: error, hostname: domain.hostname },
            'could not announce a verified domain',
          );
        }
      }
      for (const domain of result.failed) {
        deps.logger.warn(
          { hostname: domain.hostname, attempts: domain.attempts, lastError: domain.lastError },
          'custom domain not verified after the last background check; it is marked failed',
        );
      }
      if (closed || result.checked < batchSize) return;
    }
  }

  // The first sweep waits one interval too: the cache connection that announces is up by then.
  const task = startPeriodicTask({
    intervalMs: deps.intervalMs,
    run: sweepOnce,
    // Postgres down, most likely: the domains stay due and the next sweep takes them.
    onError: (error) =>
      deps.logger.warn({ err: error }, 'custom domain sweep failed; retrying at the next interval'),
  });
  return {
    sweepNow: task.runNow,
    async close() {
      closed = true;
      await task.close();
    },
  };
}
