import type { FastifyPluginCallback } from 'fastify';
import fp from 'fastify-plugin';
import type { Redis } from 'ioredis';
import type { Pool } from 'pg';

/** A readiness check resolves when the dependency answered a real round trip, and throws otherwise. */
export type ReadinessCheck = () => Promise<void>;

export interface HealthPluginOptions {
  checks: Record<string, ReadinessCheck>;
  /** Per-check time limit; a dependency that hangs is as unavailable as one that refuses. */
  timeoutMs?: number;
}

export type CheckResult = { ok: true; durationMs: number } | { ok: false; error: string; durationMs: number };

export interface ReadinessReport {
  status: 'ready' | 'unavailable';
  detail?: string;
  checks: Record<string, CheckResult>;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Makes `/ready` answer 503 from now on, so load balancers stop routing here before the server closes. */
    markShuttingDown(): void;
  }
}

export const DEFAULT_CHECK_TIMEOUT_MS = 1000;

function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}

async function runCheck(check: ReadinessCheck, timeoutMs: number): Promise<CheckResult> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
  });
  const attempt = Promise.resolve().then(check);
  // A check that loses the race may still reject later; that rejection is already reported as the timeout.
  attempt.catch(() => {});
  try {
    await Promise.race([attempt, timeout]);
    return { ok: true, durationMs: Math.round(performance.now() - started) };
  } catch (error) {
    return { ok: false, error: errorMessage(error), durationMs: Math.round(performance.now() - started) };
  } finally {
    clearTimeout(timer);
  }
}

/** Runs every check in parallel, each with its own time limit. */
export async function evaluateReadiness(
  checks: Record<string, ReadinessCheck>,
  timeoutMs: number = DEFAULT_CHECK_TIMEOUT_MS,
): Promise<ReadinessReport> {
  const names = Object.keys(checks);
  const results = await Promise.all(names.map((name) => runCheck(checks[name] as ReadinessCheck, timeoutMs)));
  const report: ReadinessReport = { status: 'ready', checks: {} };
  const failed: string[] = [];
  names.forEach((name, i) => {
    const result = results[i] as CheckResult;
    report.checks[name] = result;
    if (!result.ok) failed.push(name);
  });
  if (failed.length > 0) {
    report.status = 'unavailable';
    report.detail = `failing checks: ${failed.join(', ')}`;
  }
  return report;
}

// Probes must never be rate limited; `as const` keeps this assignable to the route config type
// whether or not @fastify/rate-limit's type augmentation is loaded.
const probeRouteConfig = { rateLimit: false } as const;

const plugin: FastifyPluginCallback<HealthPluginOptions> = (app, options, done) => {
  const timeoutMs = options.timeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS;
  const checks = { ...options.checks };
  let shuttingDown = false;
  // Probes from several sources (kubelet, load balancer, a human) share one round of checks
  // instead of piling up connections on a dependency that is already slow.
  let inFlight: Promise<ReadinessReport> | null = null;

  app.decorate('markShuttingDown', () => {
    shuttingDown = true;
  });
  app.addHook('preClose', (next) => {
    shuttingDown = true;
    next();
  });

  // warn: probes every few seconds would otherwise fill the info log with request lines.
  const routeOptions = { logLevel: 'warn', config: probeRouteConfig } as const;

  app.get('/health', routeOptions, async () => ({ status: 'ok' }));

  app.get('/ready', routeOptions, async (_request, reply) => {
    if (shuttingDown) {
      return reply.code(503).send({ status: 'unavailable', detail: 'shutting down', checks: {} });
    }
    if (!inFlight) {
      inFlight = evaluateReadiness(checks, timeoutMs).finally(() => {
        inFlight = null;
      });
    }
    const report = await inFlight;
    if (shuttingDown) {
      return reply.code(503).send({ status: 'unavailable', detail: 'shutting down', checks: report.checks });
    }
    return reply.code(report.status === 'ready' ? 200 : 503).send(report);
  });

  done();
};

/** `GET /health` (liveness) and `GET /ready` (real round trips to every dependency, 503 while closing). */
export const healthPlugin = fp(plugin, { fastify: '5.x', name: '@boltlink/observability/health' });

/** `SELECT 1` through the pool: proves a connection can be checked out and Postgres answers. */
export function postgresCheck(pool: Pick<Pool, 'query'>): ReadinessCheck {
  return async () => {
    await pool.query('SELECT 1');
  };
}

/** `PING`: the cache or rate-limit Redis answers. */
export function redisCheck(redis: Pick<Redis, 'ping'>): ReadinessCheck {
  return async () => {
    const reply = await redis.ping();
    if (reply !== 'PONG') throw new Error(`unexpected PING reply: ${String(reply)}`);
  };
}

export function parseMaxmemoryPolicy(info: string): string | undefined {
  return /^maxmemory_policy:(\S+)/m.exec(info)?.[1];
}

/**
 * `PING` plus the eviction policy: BullMQ keeps jobs as ordinary keys, so a Redis allowed to evict
 * them drops queued clicks silently. Anything but `noeviction` makes the service not ready.
 */
export function queueRedisCheck(redis: Pick<Redis, 'ping' | 'info'>): ReadinessCheck {
  return async () => {
    const pong = await redis.ping();
    if (pong !== 'PONG') throw new Error(`unexpected PING reply: ${String(pong)}`);
    const policy = parseMaxmemoryPolicy(await redis.info('memory'));
    if (policy === undefined) throw new Error('INFO memory did not report maxmemory_policy');
    if (policy !== 'noeviction') {
      throw new Error(
        `queue Redis has maxmemory-policy "${policy}"; BullMQ needs "noeviction" or Redis may evict queued jobs and they would be lost. ` +
          'Fix: set "maxmemory-policy noeviction" in redis.conf (or run CONFIG SET maxmemory-policy noeviction, then CONFIG REWRITE).',
      );
    }
  };
}
