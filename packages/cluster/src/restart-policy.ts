/**
 * Decides how long to wait before replacing a dead worker. A worker that dies after a healthy run is
 * replaced at once; workers that keep dying within `minUptimeMs` of starting (bad config, a dependency
 * that crashes on boot) are restarted with exponential backoff so the primary does not fork in a hot
 * loop, and after `maxRapidFailures` in a row the primary gives up so the orchestrator sees the crash.
 */
export interface RestartPolicyOptions {
  minUptimeMs: number;
  baseDelayMs: number;
  maxDelayMs: number;
  maxRapidFailures: number;
}

export type RestartDecision =
  | { action: 'restart'; delayMs: number }
  | { action: 'give-up'; rapidFailures: number };

export const defaultRestartPolicy: RestartPolicyOptions = {
  minUptimeMs: 5_000,
  baseDelayMs: 250,
  maxDelayMs: 15_000,
  maxRapidFailures: 10,
};

export function createRestartPolicy(options: RestartPolicyOptions = defaultRestartPolicy) {
  let rapidFailures = 0;

  return {
    /** Call when a worker exits unexpectedly; `uptimeMs` is how long it ran. */
    onWorkerDeath(uptimeMs: number): RestartDecision {
      if (uptimeMs >= options.minUptimeMs) {
        rapidFailures = 0;
        return { action: 'restart', delayMs: 0 };
      }
      rapidFailures += 1;
      if (rapidFailures > options.maxRapidFailures) return { action: 'give-up', rapidFailures };
      // The first quick death is replaced at once: one unlucky crash must not cost capacity.
      if (rapidFailures === 1) return { action: 'restart', delayMs: 0 };
      const delayMs = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (rapidFailures - 2));
      return { action: 'restart', delayMs };
    },
    /** Call when a worker has stayed up for `minUptimeMs`: the crash loop, if any, is over. */
    onWorkerStable(): void {
      rapidFailures = 0;
    },
    get rapidFailures(): number {
      return rapidFailures;
    },
  };
}
