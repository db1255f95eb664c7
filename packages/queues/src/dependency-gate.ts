/**
 * Whether a dependency a worker needs (Postgres) is reachable, learned from the worker's own failures and
 * confirmed by probing. A job that fails because the dependency is down says nothing about the job: retrying
 * it with backoff only spends its attempts, and an outage longer than the retry budget would fail every job
 * for good. With a gate, such a job goes back to the queue without spending an attempt, the workers that
 * share the gate stop taking jobs, and the gate probes the dependency with backoff until it answers; then
 * the workers resume by themselves.
 */
export interface DependencyGate {
  /** The dependency's name, as in metrics and logs (`postgres`). */
  readonly dependency: string;
  /** False from the first failure that says the dependency is unreachable until a probe succeeds. */
  readonly available: boolean;
  /** Does this error mean the dependency is unreachable (not that the job is wrong)? */
  isUnavailable(error: unknown): boolean;
  /** Marks the dependency unreachable and starts probing (once; later calls while closed do nothing). */
  close(error: unknown): void;
  /** Calls `listener` on every change of `available`, synchronously; returns the unsubscribe function. */
  subscribe(listener: (available: boolean, error?: unknown) => void): () => void;
  /** Stops probing (the process is shutting down); the gate stays as it is. */
  stop(): void;
}

export interface DependencyGateOptions {
  dependency: string;
  /** Classifies errors; only a true answer closes the gate. Anything else is the job's own failure. */
  isUnavailable(error: unknown): boolean;
  /** Resolves when the dependency answers (e.g. `select 1`), rejects otherwise. Bound it in time. */
  probe(): Promise<unknown>;
  /** First probe delay after the gate closes; doubled after each failed probe up to maxDelayMs. */
  minDelayMs?: number;
  maxDelayMs?: number;
}

export const DEFAULT_GATE_MIN_DELAY_MS = 250;
// A probe is one `select 1` per consumer process; every 2 s at most keeps the resume lag after an outage short.
export const DEFAULT_GATE_MAX_DELAY_MS = 2_000;

export function createDependencyGate(options: DependencyGateOptions): DependencyGate {
  const minDelay = Math.max(1, options.minDelayMs ?? DEFAULT_GATE_MIN_DELAY_MS);
  const maxDelay = Math.max(minDelay, options.maxDelayMs ?? DEFAULT_GATE_MAX_DELAY_MS);
  const listeners = new Set<(available: boolean, error?: unknown) => void>();
  let available = true;
  let stopped = false;
  let delay = minDelay;
  let timer: NodeJS.Timeout | undefined;

  function change(to: boolean, error?: unknown): void {
    available = to;
    for (const listener of [...listeners]) listener(to, error);
  }

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(probe, delay);
    // Probing alone must not keep a process alive that is otherwise done.
    timer.unref();
  }

  async function probe(): Promise<void> {
    timer = undefined;
    try {
      await options.probe();
    } catch {
      delay = Math.min(delay * 2, maxDelay);
      schedule();
      return;
    }
    delay = minDelay;
    change(true);
  }

  return {
    dependency: options.dependency,
    get available() {
      return available;
    },
    isUnavailable: options.isUnavailable,
    close(error) {
      if (!available) return;
      change(false, error);
      schedule();
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
  };
}
