import { type CreatePoolOptions, createPool } from '@boltlink/db/client';
import {
  createCacheRedis,
  createQueueRedis,
  createStateRedis,
  createSubscriber,
  type RedisClient,
  type RedisClientOptions,
} from '@boltlink/redis-keys/clients';
import type pg from 'pg';

export interface ClientsLogger {
  warn(obj: object, msg: string): void;
}

export interface ServiceClientsOptions {
  logger: ClientsLogger;
  /**
   * How long each step of `close()` may take: stopping what uses the connections, quitting Redis, ending the
   * pools. A dependency that hangs (a frozen Redis, a Postgres that never answers) must not hold a shutdown.
   */
  closeStepMs?: number;
}

/** Redis connections by what they carry; see `@boltlink/redis-keys/clients` for their settings. */
export type RedisRole = 'cache' | 'state' | 'queue-producer' | 'queue-worker' | 'subscriber';

type RedisOptions = Omit<RedisClientOptions, 'onError'> & { connectionName: string };

export interface ServiceClients {
  /** A pg pool whose idle-client errors are logged (an unhandled one would crash the process). */
  pool(options: Omit<CreatePoolOptions, 'onError'>): pg.Pool;
  /** A Redis connection whose connection errors are logged with its name. */
  redis(role: RedisRole, url: string, options: RedisOptions): RedisClient;
  /**
   * Something that uses the connections and must stop before they close (a queue producer, BullMQ queues,
   * workers); stopped in the reverse order of registration.
   */
  closeFirst(name: string, close: () => Promise<unknown>): void;
  /** Stops the users, then quits every Redis connection, then ends the pools; each step bounded. Idempotent. */
  close(): Promise<void>;
}

export const DEFAULT_CLOSE_STEP_MS = 2000;

/**
 * The one place a service builds its Postgres pools and Redis connections, glues their error events to the
 * logger, and closes them, each step bounded by `closeStepMs`.
 */
export function createServiceClients(options: ServiceClientsOptions): ServiceClients {
  const { logger } = options;
  const stepMs = options.closeStepMs ?? DEFAULT_CLOSE_STEP_MS;
  const pools: pg.Pool[] = [];
  const redisClients: RedisClient[] = [];
  const users: { name: string; close: () => Promise<unknown> }[] = [];
  let closing: Promise<void> | undefined;

  async function closeAll(): Promise<void> {
    for (const user of [...users].reverse()) {
      await withTimeout(user.close(), stepMs).catch((error: unknown) =>
        logger.warn({ err: error, client: user.name }, 'client did not close cleanly'),
      );
    }
    // quit() lets replies in flight arrive; a connection that is not up, or does not answer, is dropped.
    await Promise.all(
      redisClients.map(async (redis) => {
        if (redis.status !== 'ready') return redis.disconnect();
        await withTimeout(redis.quit(), stepMs).catch(() => redis.disconnect());
      }),
    );
    await Promise.all(
      pools.map((pool) =>
        withTimeout(pool.end(), stepMs).catch((error: unknown) =>
          logger.warn({ err: error }, 'postgres pool did not close cleanly'),
        ),
      ),
    );
  }

  return {
    pool(poolOptions) {
      const name = poolOptions.applicationName;
      const pool = createPool({
        ...poolOptions,
        onError: (error) => logger.warn({ err: error, pool: name }, 'postgres idle client error'),
      });
      pools.push(pool);
      return pool;
    },
    redis(role, url, redisOptions) {
      const onError = (error: Error) =>
        logger.warn({ err: error, connection: redisOptions.connectionName }, 'redis connection error');
      const opts = { ...redisOptions, onError };
      const redis =
        role === 'cache'
          ? createCacheRedis(url, opts)
          : role === 'state'
            ? createStateRedis(url, opts)
            : role === 'queue-producer'
              ? createQueueRedis(url, 'producer', opts)
              : role === 'queue-worker'
                ? createQueueRedis(url, 'worker', opts)
                : createSubscriber(url, opts);
      redisClients.push(redis);
      return redis;
    },
    closeFirst(name, close) {
      users.push({ name, close });
    },
    close() {
      closing ??= closeAll();
      return closing;
    },
  };
}

/** Rejects once `ms` have passed; the promise itself is left to settle (or not) on its own. */
export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
