import { type ChainableCommander, Cluster, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';
import { parseRedisUrl, type RedisTopology } from './redis-url.ts';

/**
 * A connection to one of the topologies a Redis URL names: a single server (standalone, or the master found
 * through Sentinel) or a Redis Cluster. Both run every command BoltLink sends; on a Cluster a command, Lua
 * script, MULTI or pipeline must keep its keys in one hash slot (`./keys` tags them), and SCAN runs per
 * primary (`primaries`).
 */
export type RedisClient = Redis | Cluster;

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
function topologyOptions(topology: Exclude<RedisTopology, { kind: 'cluster' }>): {
  url?: string;
  options: RedisOptions;
} {
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
  }
}

/**
 * A Redis Cluster client with the same role preset on every node connection. Offline queue and
 * auto-pipelining are cluster-level options (a node's own are ioredis's business); the rest of the preset
 * (command timeout, retries per request, authentication, TLS) applies to each node. When a primary dies its
 * slots answer with errors until the cluster promotes a replica (cluster-node-timeout); the client then
 * reloads the slot map, on the error itself and every `slotsRefreshInterval`, and follows MOVED replies.
 */
function buildCluster(
  topology: Extract<RedisTopology, { kind: 'cluster' }>,
  opts: RedisClientOptions | undefined,
  preset: RedisOptions,
): Cluster {
  const { enableOfflineQueue, enableAutoPipelining, lazyConnect, ...nodePreset } = preset;
  const options: ClusterOptions = {
    clusterRetryStrategy: reconnect,
    enableOfflineQueue: enableOfflineQueue ?? true,
    enableAutoPipelining: enableAutoPipelining ?? false,
    lazyConnect: lazyConnect ?? opts?.lazyConnect ?? false,
    // Reads and writes both go to primaries: a replica lags, and the cache and counters read their own writes.
    scaleReads: 'master',
    slotsRefreshTimeout: 2000,
    slotsRefreshInterval: 5000,
    redisOptions: {
      connectionName: opts?.connectionName,
      connectTimeout: opts?.connectTimeoutMs ?? 2000,
      username: topology.username,
      password: topology.password,
      ...(topology.tls ? { tls: {} } : {}),
      ...nodePreset,
    },
  };
  const cluster = new Cluster(topology.nodes, options);
  if (opts?.onError) cluster.on('error', opts.onError);
  return cluster;
}

function build(url: string, opts: RedisClientOptions | undefined, preset: RedisOptions): RedisClient {
  const topology = parseRedisUrl(url);
  if (topology.kind === 'cluster') return buildCluster(topology, opts, preset);
  const target = topologyOptions(topology);
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
export function createCacheRedis(url: string, opts?: RedisClientOptions): RedisClient {
  return build(url, opts, failFast(opts));
}

/**
 * The state connection (sessions, rate-limit counters, click-cap counters) on the queue Redis. It answers
 * requests as the cache does, so it fails as fast: the same settings as `createCacheRedis`.
 */
export function createStateRedis(url: string, opts?: RedisClientOptions): RedisClient {
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
export function createQueueRedis(
  url: string,
  role: 'producer' | 'worker',
  opts?: RedisClientOptions,
): RedisClient {
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
export function createSubscriber(
  url: string,
  opts?: Omit<RedisClientOptions, 'commandTimeoutMs'>,
): RedisClient {
  return build(url, opts, {
    enableAutoPipelining: false,
    enableOfflineQueue: true,
    maxRetriesPerRequest: null,
    autoResubscribe: true,
  });
}

/** Resolves once the client is ready; rejects after `timeoutMs` (or if the client is closed meanwhile). */
export async function waitForReady(redis: RedisClient, timeoutMs = 5000): Promise<void> {
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

/**
 * The servers that hold keys: the client itself on a single server, each primary on a Cluster. SCAN, KEYS
 * and FLUSHDB see one node's keys only, so a Cluster runs them once per primary.
 */
export function primaries(redis: RedisClient): Redis[] {
  if (!(redis instanceof Cluster)) return [redis];
  const nodes = redis.nodes('master');
  // Before the first slot map (or while every node is unreachable) there is nobody to ask: that is not "all fine".
  if (nodes.length === 0) throw new Error(`Redis Cluster: no primary known yet (status ${redis.status})`);
  return nodes;
}

/**
 * Independent commands for many items in as few round trips as the topology allows: one pipeline on a single
 * server; on a Redis Cluster, whose pipelines must keep to one hash slot, one pipeline per item, sent
 * together (ioredis routes each to its primary). So the commands `add` queues for one item must share a hash
 * slot (`./keys` gives an entity's keys one tag). Rejects with the first command error.
 */
export async function execPipelined<T>(
  redis: RedisClient,
  items: readonly T[],
  add: (pipeline: ChainableCommander, item: T) => void,
): Promise<void> {
  const groups = redis instanceof Cluster ? items.map((item) => [item]) : [items];
  await Promise.all(
    groups.map(async (group) => {
      const pipeline = redis.pipeline();
      for (const item of group) add(pipeline, item);
      for (const [error] of (await pipeline.exec()) ?? []) if (error) throw error;
    }),
  );
}
