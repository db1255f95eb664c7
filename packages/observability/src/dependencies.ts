import type { Gauge } from 'prom-client';
import { type ReadinessCheck, runCheck } from './health.ts';
import type { MetricsRegistry } from './metrics.ts';

export const DEPENDENCY_UP_METRIC = 'boltlink_dependency_up';
export const DEPENDENCY_CHECKED_AT_METRIC = 'boltlink_dependency_checked_at_seconds';

export interface DependencyState {
  /** The last check answered. False before the first check has finished. */
  up: boolean;
  /** At least one check answered since this process started. */
  answeredOnce: boolean;
  /** When the last check finished (epoch milliseconds); undefined before the first one. */
  checkedAt?: number;
  durationMs?: number;
}

export interface DependencyLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface DependencyMonitorOptions {
  /** One check per dependency, by the name used in the `dependency` label (postgres, queueRedis, cacheRedis). */
  checks: Record<string, ReadinessCheck>;
  intervalMs: number;
  /** Per-check time limit: a dependency that hangs is as down as one that refuses. */
  timeoutMs: number;
  /** Registers `boltlink_dependency_up` and `boltlink_dependency_checked_at_seconds` here. */
  metrics?: MetricsRegistry;
  /** One line when a dependency goes down (with the error) and one when it answers again. */
  logger?: DependencyLogger;
  now?: () => number;
}

export interface DependencyMonitor {
  readonly names: readonly string[];
  /** Checks at once, then every interval, until `stop`. Calling it again does nothing. */
  start(): void;
  stop(): void;
  /** Runs a round now, or joins the round in flight. */
  checkNow(): Promise<void>;
  snapshot(): Record<string, DependencyState>;
}

/**
 * Checks each dependency in the background and keeps the answers: for gauges, for the
 * `/health/dependencies` endpoint, and for readiness rules that need a first answer. No probe waits on a
 * dependency: probes every few seconds from every kubelet would otherwise multiply the load on a database
 * that is already slow.
 */
export function createDependencyMonitor(options: DependencyMonitorOptions): DependencyMonitor {
  const now = options.now ?? Date.now;
  const names = Object.keys(options.checks);
  const states = new Map<string, DependencyState>(
    names.map((name) => [name, { up: false, answeredOnce: false }]),
  );
  let up: Gauge<'dependency'> | undefined;
  let checkedAt: Gauge<'dependency'> | undefined;
  if (options.metrics) {
    // Summed over workers by the cluster's metrics port: `min` reads "every process reaches it" for up, and
    // the oldest check for checked_at, so one stuck process is not hidden by the others.
    up = options.metrics.gauge({
      name: DEPENDENCY_UP_METRIC,
      help: 'Whether the dependency answered its last check (1) or not (0), checked in the background',
      labelNames: ['dependency'],
      aggregator: 'min',
    });
    checkedAt = options.metrics.gauge({
      name: DEPENDENCY_CHECKED_AT_METRIC,
      help: 'When the dependency was last checked (Unix seconds); a stale value means checks stopped',
      labelNames: ['dependency'],
      aggregator: 'min',
    });
    for (const name of names) up.set({ dependency: name }, 0);
  }

  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let inFlight: Promise<void> | null = null;

  function record(name: string, ok: boolean, durationMs: number, error: string | undefined): void {
    const previous = states.get(name);
    const at = now();
    states.set(name, {
      up: ok,
      answeredOnce: ok || previous?.answeredOnce === true,
      checkedAt: at,
      durationMs,
    });
    up?.set({ dependency: name }, ok ? 1 : 0);
    checkedAt?.set({ dependency: name }, at / 1000);
    const wasUp = previous?.up === true;
    const firstCheck = previous?.checkedAt === undefined;
    if (!ok && (wasUp || firstCheck)) options.logger?.warn({ dependency: name, error }, 'dependency is down');
    if (ok && !wasUp && !firstCheck) options.logger?.info({ dependency: name }, 'dependency answers again');
  }

  async function round(): Promise<void> {
    await Promise.all(
      names.map(async (name) => {
        const result = await runCheck(options.checks[name] as ReadinessCheck, options.timeoutMs);
        record(name, result.ok, result.durationMs, result.ok ? undefined : result.error);
      }),
    );
  }

  function checkNow(): Promise<void> {
    if (!inFlight) {
      inFlight = round().finally(() => {
        inFlight = null;
      });
    }
    return inFlight;
  }

  function schedule(): void {
    if (!running) return;
    timer = setTimeout(() => {
      checkNow().finally(schedule);
    }, options.intervalMs);
    // Never keeps a stopping process alive.
    timer.unref();
  }

  return {
    names,
    start() {
      if (running) return;
      running = true;
      checkNow().finally(schedule);
    },
    stop() {
      running = false;
      clearTimeout(timer);
    },
    checkNow,
    snapshot: () =>
      Object.fromEntries(names.map((name) => [name, { ...states.get(name) } as DependencyState])),
  };
}
