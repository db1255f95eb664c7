import { primaries, type RedisClient } from '@boltlink/redis-keys/clients';
import type { FastifyPluginCallback } from 'fastify';
import fp from 'fastify-plugin';
import type { Pool } from 'pg';
import type { DependencyMonitor } from './dependencies.ts';

/** A readiness check resolves when the dependency answered a real round trip, and throws otherwise. */
export type ReadinessCheck = () => Promise<void>;

export interface HealthPluginOptions {
  /**
   * Background checks of the dependencies, reported on `/health/dependencies` (and as gauges). The plugin
   * starts it when the app is ready and stops it when the app starts closing.
   */
  monitor?: DependencyMonitor;
  /**
   * Dependencies that must have answered once since start before `/ready` says 200. After that, `/ready`
   * stays 200 through their outages: see docs/operations/health-and-readiness.md. Empty (the default):
   * ready while listening and not shutting down.
   */
  readyAfterFirstAnswerFrom?: readonly string[];
}

export type CheckResult = { ok: true; durationMs: number } | { ok: false; error: string; durationMs: number };

declare module 'fastify' {
  interface FastifyInstance {
    /** Makes `/ready` answer 503 from now on, so load balancers stop routing here before the server closes. */
    markShuttingDown(): void;
  }
}

function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}

/** Runs one check within `timeoutMs`; never throws. */
export async function runCheck(check: ReadinessCheck, timeoutMs: number): Promise<CheckResult> {
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

// Probes must never be rate limited; `as const` keeps this assignable to the route config type
// whether or not @fastify/rate-limit's type augmentation is loaded.
const probeRouteConfig = { rateLimit: false } as const;

const plugin: FastifyPluginCallback<HealthPluginOptions> = (app, options, done) => {
  const { monitor } = options;
  const required = options.readyAfterFirstAnswerFrom ?? [];
  const unchecked = required.find((name) => !monitor?.names.includes(name));
  if (unchecked !== undefined) {
    done(new Error(`readiness needs "${unchecked}" but no monitor checks it`));
    return;
  }
  let shuttingDown = false;

  app.decorate('markShuttingDown', () => {
    shuttingDown = true;
  });
  app.addHook('preClose', (next) => {
    shuttingDown = true;
    // No checks against pools and connections that onClose hooks are about to end.
    monitor?.stop();
    next();
  });
  if (monitor) {
    app.addHook('onReady', (next) => {
      monitor.start();
      next();
    });
  }

  const waitingFor = (): string[] => {
    if (!monitor || required.length === 0) return [];
    const states = monitor.snapshot();
    return required.filter((name) => states[name]?.answeredOnce !== true);
  };
  const shuttingDownReply = { status: 'unavailable', detail: 'shutting down' } as const;

  // warn: probes every few seconds would otherwise fill the info log with request lines.
  const routeOptions = { logLevel: 'warn', config: probeRouteConfig } as const;

  app.get('/health', routeOptions, async () => ({ status: 'ok' }));

  app.get('/ready', routeOptions, async (_request, reply) => {
    if (shuttingDown) return reply.code(503).send(shuttingDownReply);
    let waiting = waitingFor();
    // Until the first answer, a probe asks now (joining any round in flight) instead of waiting an interval.
    if (waiting.length > 0 && monitor) {
      await monitor.checkNow();
      waiting = waitingFor();
    }
    if (shuttingDown) return reply.code(503).send(shuttingDownReply);
    if (waiting.length > 0) {
      return reply
        .code(503)
        .send({ status: 'starting', detail: `waiting for a first answer from: ${waiting.join(', ')}` });
    }
    return { status: 'ready' };
  });

  // Read by people and dashboards, never by a probe: it reports the last background check and runs none.
  // Errors go to the log (one line per change), not here: on the edge this is a public port.
  app.get('/health/dependencies', routeOptions, async () => {
    const states = monitor?.snapshot() ?? {};
    const dependencies = Object.fromEntries(
      Object.entries(states).map(([name, state]) => [
        name,
        {
          up: state.up,
          checkedAt: state.checkedAt === undefined ? null : new Date(state.checkedAt).toISOString(),
          durationMs: state.durationMs ?? null,
        },
      ]),
    );
    const allUp = Object.values(states).every((state) => state.up);
    return { status: allUp ? 'ok' : 'degraded', dependencies };
  });

  done();
};

/**
 * `GET /health` (liveness), `GET /ready` (listening, not shutting down, and the dependencies in
 * `readyAfterFirstAnswerFrom` answered once) and `GET /health/dependencies` (the monitor's last answers).
 */
export const healthPlugin = fp(plugin, { fastify: '5.x', name: '@boltlink/observability/health' });

/** `SELECT 1` through the pool: proves a connection can be checked out and Postgres answers. */
export function postgresCheck(pool: Pick<Pool, 'query'>): ReadinessCheck {
  return async () => {
    await pool.query('SELECT 1');
  };
}

/** `PING`: the cache or rate-limit Redis answers; on a Redis Cluster every primary (each holds a share of the keys). */
export function redisCheck(redis: RedisClient): ReadinessCheck {
  return async () => {
    await Promise.all(primaries(redis).map(ping));
  };
}

async function ping(node: Pick<RedisClient, 'ping'>): Promise<void> {
  const reply = await node.ping();
  if (reply !== 'PONG') throw new Error(`unexpected PING reply: ${String(reply)}`);
}

export function parseMaxmemoryPolicy(info: string): string | undefined {
  return /^maxmemory_policy:(\S+)/m.exec(info)?.[1];
}

/**
 * `PING` plus the eviction policy: BullMQ keeps jobs as ordinary keys, so a Redis allowed to evict
 * them drops queued clicks silently. Anything but `noeviction` makes the service not ready. On a Redis
 * Cluster, of every primary.
 */
export function queueRedisCheck(redis: RedisClient): ReadinessCheck {
  return async () => {
    await Promise.all(primaries(redis).map(evictionPolicyCheck));
  };
}

async function evictionPolicyCheck(redis: Pick<RedisClient, 'ping' | 'info'>): Promise<void> {
  await ping(redis);
  const policy = parseMaxmemoryPolicy(await redis.info('memory'));
  if (policy === undefined) throw new Error('INFO memory did not report maxmemory_policy');
  if (policy !== 'noeviction') {
    throw new Error(
      `queue Redis has maxmemory-policy "${policy}"; BullMQ needs "noeviction" or Redis may evict queued jobs and they would be lost. ` +
        'Fix: set "maxmemory-policy noeviction" in redis.conf (or run CONFIG SET maxmemory-policy noeviction, then CONFIG REWRITE).',
    );
  }
}
