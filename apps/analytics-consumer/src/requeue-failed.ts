// Operator command: re-queue the failed jobs of a queue once the cause of their failure is fixed.
//   node dist/requeue-failed.js --queue clicks [--limit 1000] [--dry-run] [--connect-timeout 10]
// Reads REDIS_URL and QUEUE_PREFIX like the consumer (run it where the consumer runs, with its environment).
// See docs/operations/postgres-outages.md.
import { parseArgs } from 'node:util';
import { exitOnConfigError } from '@boltlink/config/env';
import { loadConsumerConfig } from '@boltlink/config/services';
import { QUEUE_NAMES, type QueueName } from '@boltlink/queues/catalog';
import { createQueueRedis, type RedisClient } from '@boltlink/redis-keys/clients';
import { Queue } from 'bullmq';
import { requeueFailed } from './failed-jobs.ts';

/** How long the command waits for the queue Redis before it gives up, unless --connect-timeout says otherwise. */
const DEFAULT_CONNECT_TIMEOUT_S = 10;

const USAGE = `usage: requeue-failed --queue <${Object.values(QUEUE_NAMES).join('|')}> [--limit N] [--dry-run]
                      [--connect-timeout S]
  Moves failed jobs (oldest first, at most N, default 1000) back to waiting with their attempts reset.
  Jobs whose payload is invalid stay in the failed set. --dry-run only counts. Stops with an error when the
  queue Redis does not answer within S seconds (default ${DEFAULT_CONNECT_TIMEOUT_S}).`;

function fail(message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(2);
}

function parseCommandLine(argv: string[]) {
  let values: {
    queue?: string;
    limit?: string;
    'dry-run'?: boolean;
    'connect-timeout'?: string;
    help?: boolean;
  };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        queue: { type: 'string' },
        limit: { type: 'string' },
        'dry-run': { type: 'boolean' },
        'connect-timeout': { type: 'string' },
        help: { type: 'boolean' },
      },
    }));
  } catch (error) {
    fail((error as Error).message);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const queues: readonly string[] = Object.values(QUEUE_NAMES);
  if (!values.queue || !queues.includes(values.queue)) fail('--queue must name a queue');
  const limit = values.limit === undefined ? 1000 : Number(values.limit);
  if (!Number.isSafeInteger(limit) || limit < 1) fail('--limit must be a positive integer');
  const connectTimeout =
    values['connect-timeout'] === undefined ? DEFAULT_CONNECT_TIMEOUT_S : Number(values['connect-timeout']);
  if (!Number.isSafeInteger(connectTimeout) || connectTimeout < 1 || connectTimeout > 3600) {
    fail('--connect-timeout must be a whole number of seconds from 1 to 3600');
  }
  return {
    queue: values.queue as QueueName,
    limit,
    dryRun: values['dry-run'] === true,
    connectTimeoutS: connectTimeout,
  };
}

async function readyWithin(connection: RedisClient, timeoutMs: number): Promise<boolean> {
  if (connection.status === 'ready') return true;
  let timer: NodeJS.Timeout | undefined;
  // Not events.once: it rejects on the first 'error', and ioredis emits one per failed reconnect.
  const ready = new Promise<boolean>((resolve) => connection.once('ready', () => resolve(true)));
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([ready, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function main(): Promise<void> {
  const args = parseCommandLine(process.argv.slice(2));
  const config = exitOnConfigError(() => loadConsumerConfig(process.env));
  const connection = createQueueRedis(config.redisUrl, 'producer', { connectionName: 'requeue-failed' });
  connection.on('error', () => {});
  // ioredis reconnects forever; an operator command says so and stops instead.
  if (!(await readyWithin(connection, args.connectTimeoutS * 1000))) {
    connection.disconnect();
    process.stderr.write(
      `requeue-failed: the queue Redis (REDIS_URL) did not answer within ${args.connectTimeoutS} s\n`,
    );
    process.exit(1);
  }
  const queue = new Queue(args.queue, { connection, prefix: config.queuePrefix });
  try {
    const report = await requeueFailed(queue, { limit: args.limit, dryRun: args.dryRun });
    process.stdout.write(`${JSON.stringify({ dryRun: args.dryRun, ...report }, null, 2)}\n`);
  } finally {
    await queue.close();
    connection.disconnect();
  }
}

await main();
