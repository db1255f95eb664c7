/**
 * Whether a dependency a worker needs (Postgres) is reachable, learned from the worker's own failures and
 * confirmed by probing. A job that fails because the dependency is down says nothing about the job: retrying
 * it with backoff only spends its attempts, and an outage longer than the retry budget would fail every job
 * for good. With a gate, such a job goes back to the queue without spending an attempt, the worker stops
 * taking jobs, and the gate probes the dependency with backoff until it answers; then work resumes by itself.
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
  /** How long a worker should hold off before taking jobs again: until just after the next probe. */
  holdOffMs(): number;
  /** Resolves when the gate is open (at once if it is). */
  whenOpen(): Promise<void>;
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
  /** Called when availability changes (false with the error that closed the gate, true when it opens). */
  onChange?(available: boolean, error?: unknown): void;
}

export const DEFAULT_GATE_MIN_DELAY_MS = 250;
export const DEFAULT_GATE_MAX_DELAY_MS = 5_000;
/** Floor of a hold-off, so a probe that is due right now does not turn into a busy loop of deferrals. */
const MIN_HOLD_OFF_MS = 50;

export function createDependencyGate(options: DependencyGateOptions): DependencyGate {
  const minDelay = Math.max(1, options.minDelayMs ?? DEFAULT_GATE_MIN_DELAY_MS);
  const maxDelay = Math.max(minDelay, options.maxDelayMs ?? DEFAULT_GATE_MAX_DELAY_MS);
  let available = true;
  let stopped = false;
  let delay = minDelay;
  let nextProbeAt = 0;
  let timer: NodeJS.Timeout | undefined;
  let waiters: (() => void)[] = [];

  function schedule(): void {
    if (stopped) return;
    nextProbeAt = Date.now() + delay;
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
    open();
  }

  function open(): void {
    available = true;
    delay = minDelay;
    const resolved = waiters;
    waiters = [];
    for (const resolve of resolved) resolve();
    options.onChange?.(true);
  }

  return {
    dependency: options.dependency,
    get available() {
      return available;
    },
    isUnavailable: options.isUnavailable,
    close(error) {
      if (!available) return;
      available = false;
      options.onChange?.(false, error);
      schedule();
    },
    holdOffMs() {
      if (available) return 0;
      return Math.max(MIN_HOLD_OFF_MS, nextProbeAt - Date.now() + MIN_HOLD_OFF_MS);
    },
    whenOpen() {
      if (available) return Promise.resolve();
      return new Promise<void>((resolve) => waiters.push(resolve));
    },
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
  };
}
