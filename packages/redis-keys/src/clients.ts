import { Redis, type RedisOptions } from 'ioredis';
import { parseRedisUrl, REDIS_CLUSTER_UNSUPPORTED, RedisUrlError } from './redis-url.ts';

export interface RedisClientOptions {
  /** Shown in CLIENT LIST, so an operator can tell the edge's cache connection from a worker's. */
  connectionName?: string;
  connectTimeoutMs?: number;
  /** Cache and producer connections: a command slower than this rejects instead of holding its caller. */
  commandTimeoutMs?: number;
  /** Do not connect until `connect()` is called (tests, or a process that decides late). */
  lazyConnect?: boolean;
  /** Connection errors (ECONNREFUSED while Redis restarts...). Without a listener ioredis prints them itself. */
  onError?: (error: Error) => void;
}

// Reconnect forever with a capped backoff: a Redis restart must heal on its own, and BullMQ requires it.
const reconnect = (times: number): number => Math.min(50 * 2 ** Math.min(times, 6), 2000);

/**
 * ioredis options for the URL's topology. A Sentinel URL becomes a client that asks the Sentinels for the
 * master, re-asks after every disconnect, and (failoverDetector) also reconnects as soon as a Sentinel
 * announces a failover, so a promoted replica is picked up without waiting for the old master to die.
 */
function topologyOptions(url: string): { url?: string; options: RedisOptions } {
  const topology = parseRedisUrl(url);
  switch (topology.kind) {
    case 'standalone':
      return { url: topology.url, options: {} };
    case 'sentinel':
      return {
        options: {
          sentinels: topology.sentinels,
          name: topology.masterName,
          username: topology.username,
          password: topology.password,
          db: topology.db,
          sentinelUsername: topology.sentinelUsername,
          sentinelPassword: topology.sentinelPassword,
          // While no Sentinel answers, keep asking (capped backoff) like a standalone client keeps reconnecting.
          sentinelRetryStrategy: reconnect,
          // SENTINEL get-master-addr-by-name answers at once; a Sentinel that hangs is skipped for the next one.
          sentinelCommandTimeout: 1000,
          failoverDetector: true,
          ...(topology.tls ? { tls: {}, sentinelTLS: {}, enableTLSForSentinelMode: true } : {}),
        },
      };
    case 'cluster':
      throw new RedisUrlError(REDIS_CLUSTER_UNSUPPORTED);
  }
}

function build(url: string, opts: RedisClientOptions | undefined, preset: RedisOptions): Redis {
  const target = topologyOptions(url);
  const options: RedisOptions = {
    ...target.options,
    connectionName: opts?.connectionName,
    connectTimeout: opts?.connectTimeoutMs ?? 2000,
    lazyConnect: opts?.lazyConnect ?? false,
    retryStrategy: reconnect,
    ...preset,
  };
  const redis = target.url === undefined ? new Redis(options) : new Redis(target.url, options);
  if (opts?.onError) redis.on('error', opts.onError);
  return redis;
}

/**
 * The link-cache connection of the redirect path. Auto-pipelining batches the GETs of concurrent requests
 * into one round trip (measured: one GET per request halves throughput without it, 0.83 of bare node:http
 * with it). A dead Redis must fail fast, not stall a redirect: no offline queue, one retry, short timeouts.
 * Because there is no offline queue, wait for `ready` (see `waitForReady`) before sending the first command.
 */
export function createCacheRedis(url: string, opts?: RedisClientOptions): Redis {
  return build(url, opts, failFast(opts));
}

/**
 * The state connection (sessions, rate-limit counters, click-cap counters) on the queue Redis. It answers
 * requests as the cache does, so it fails as fast: the same settings as `createCacheRedis`.
 */
export function createStateRedis(url: string, opts?: RedisClientOptions): Redis {
  return build(url, opts, failFast(opts));
}

function failFast(opts: RedisClientOptions | undefined): RedisOptions {
  return {
    enableAutoPipelining: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: opts?.commandTimeoutMs ?? 500,
    connectTimeout: opts?.connectTimeoutMs ?? 1000,
  };
}

/**
 * A BullMQ connection. Producer: a failed enqueue must surface at once (the edge counts and drops clicks
 * beyond its buffer) rather than queue in ioredis memory. Worker: BullMQ's blocking commands need
 * `maxRetriesPerRequest: null`. Never auto-pipelining: it reorders nothing, but it delays BullMQ's
 * blocking and Lua calls behind batching for no gain.
 */
export function createQueueRedis(url: string, role: 'producer' | 'worker', opts?: RedisClientOptions): Redis {
  // A producer's command timeout bounds what a hung (not down) Redis can stall: without it a write waits for
  // as long as the server is frozen. Workers keep none: their blocking commands wait by design.
  const preset: RedisOptions =
    role === 'producer'
      ? {
          enableAutoPipelining: false,
          enableOfflineQueue: false,
          maxRetriesPerRequest: 1,
          commandTimeout: opts?.commandTimeoutMs,
        }
      : { enableAutoPipelining: false, enableOfflineQueue: true, maxRetriesPerRequest: null };
  return build(url, opts, preset);
}

/**
 * A pub/sub connection (a subscribed connection can run nothing else). SUBSCRIBE may be called before the
 * connection is up; ioredis re-subscribes after every reconnect.
 */
export function createSubscriber(url: string, opts?: Omit<RedisClientOptions, 'commandTimeoutMs'>): Redis {
  return build(url, opts, {
    enableAutoPipelining: false,
    enableOfflineQueue: true,
    maxRetriesPerRequest: null,
    autoResubscribe: true,
  });
}

/** Resolves once the client is ready; rejects after `timeoutMs` (or if the client is closed meanwhile). */
export async function waitForReady(redis: Redis, timeoutMs = 5000): Promise<void> {
  if (redis.status === 'ready') return;
  // A lazy client: start connecting; failures surface as the timeout below, bounded by timeoutMs.
  if (redis.status === 'wait') redis.connect().catch(() => undefined);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`Redis not ready after ${timeoutMs} ms (status ${redis.status})`));
    }, timeoutMs);
    const onReady = () => {
      cleanup();
      resolve();
    };
    const onEnd = () => {
      cleanup();
      reject(new Error('Redis connection closed before it became ready'));
    };
    const cleanup = () => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      redis.off('end', onEnd);
    };
    if (redis.status === 'ready') onReady();
    else {
      redis.on('ready', onReady);
      redis.on('end', onEnd);
    }
  });
}
