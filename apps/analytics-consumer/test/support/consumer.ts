import { createPool } from '@boltlink/db/client';
import { createQueueRedis } from '@boltlink/redis-keys/clients';
import { bounded, sharedByFiles, test as withDatabase } from '@boltlink/testing/fixtures';

/**
 * vitest's `test` with what the consumer's workers run on, for this file: `workerPool`, a Postgres pool of
 * its own on the file's database (the worker gets its own pool, as in production; tests read through
 * `database.pool`), sized by `workerPoolSize`; and `queueRedis`, a worker connection to the run's Redis.
 * Both are closed after the file. A file whose workers need a bigger pool gives itself its own `test`, once,
 * at the top: `const test = consumerTest.extend('workerPoolSize', { scope: 'file' }, 6)` (this one imported
 * as consumerTest; not `test.override`, which would reach the worker's later files: see sharedByFiles).
 */
export const test = sharedByFiles(
  withDatabase
    .extend('workerPoolSize', { scope: 'file' }, 4)
    .extend('workerPool', { scope: 'file' }, ({ database, workerPoolSize }, { onCleanup }) => {
      const pool = createPool({ connectionString: database.url, max: workerPoolSize });
      onCleanup(() => bounded('worker pool', () => pool.end()));
      return pool;
    })
    .extend('queueRedis', { scope: 'file' }, ({ redisUrl }, { onCleanup }) => {
      const redis = createQueueRedis(redisUrl, 'worker');
      onCleanup(() => redis.disconnect());
      return redis;
    }),
  "const test = consumerTest.extend('workerPoolSize', { scope: 'file' }, 6)",
);
