// Operator command: rebuild the account-wide unique visitor sketches (Redis HyperLogLog) from Postgres.
//   node dist/rebuild-visitor-sketches.js [--account <user id>]...
// Reads DATABASE_URL, REDIS_URL and REDIS_KEY_PREFIX like the consumer (run it where the consumer runs, with
// its environment). Needed after the sketches were lost (a Redis restored without them) and to take deleted
// links' visitors out of past days. See docs/operations/unique-visitors.md.
import { parseArgs } from 'node:util';
import { exitOnConfigError } from '@boltlink/config/env';
import { loadConsumerConfig } from '@boltlink/config/services';
import { createPool } from '@boltlink/db/client';
import { createQueueRedis } from '@boltlink/redis-keys/clients';
import { createRedisKeys } from '@boltlink/redis-keys/keys';
import { rebuildVisitorSketches } from './ingest/rebuild-visitor-sketches.ts';

const USAGE = `usage: rebuild-visitor-sketches [--account <user id>]...
  Rebuilds the unique visitor sketches of the given accounts (default: every account with visitors) from
  their raw click events and link_visitors_daily. Safe while the consumer runs.`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function fail(message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(2);
}

function parseCommandLine(argv: string[]): { accounts?: string[] } {
  let values: { account?: string[]; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { account: { type: 'string', multiple: true }, help: { type: 'boolean' } },
    }));
  } catch (error) {
    fail((error as Error).message);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  for (const account of values.account ?? []) {
    if (!UUID.test(account)) fail(`--account must be a user id (a UUID), got ${JSON.stringify(account)}`);
  }
  return values.account ? { accounts: values.account.map((a) => a.toLowerCase()) } : {};
}

async function main(): Promise<void> {
  const args = parseCommandLine(process.argv.slice(2));
  const config = exitOnConfigError(() => loadConsumerConfig(process.env));
  const pool = createPool({
    connectionString: config.databaseUrl,
    max: 1,
    applicationName: 'rebuild-visitor-sketches',
  });
  const redis = createQueueRedis(config.redisUrl, 'producer', { connectionName: 'rebuild-visitor-sketches' });
  try {
    const started = performance.now();
    const report = await rebuildVisitorSketches(
      { pool, redis, keys: createRedisKeys(config.redisKeyPrefix) },
      args,
    );
    const seconds = Math.round((performance.now() - started) / 100) / 10;
    process.stdout.write(`${JSON.stringify({ ...report, seconds }, null, 2)}\n`);
  } finally {
    await pool.end();
    redis.disconnect();
  }
}

await main();
