/**
 * Runs a command with one Postgres and one Redis for all of it: `make test` wraps the integration run in
 * this, so every package's vitest reuses the same servers (via BOLTLINK_TEST_DATABASE_URL and
 * BOLTLINK_TEST_REDIS_URL) instead of starting its own set.
 *
 *   node --import tsx packages/testing/src/with-servers.ts -- <command> [args...]
 */
import { spawn } from 'node:child_process';
import { chooseProvider, startServerSet } from './servers.ts';

const separator = process.argv.indexOf('--');
const [command, ...args] = separator >= 0 ? process.argv.slice(separator + 1) : [];
if (command === undefined) {
  process.stderr.write('usage: with-servers.ts -- <command> [args...]\n');
  process.exit(2);
}

const startedAt = Date.now();
const provider = await chooseProvider();
const servers = await startServerSet(provider);
const log = (line: string) => process.stderr.write(`[boltlink/testing] ${line}\n`);
log(
  provider === 'env'
    ? 'using the servers named in the environment'
    : `${provider} Postgres and Redis ready in ${Date.now() - startedAt} ms`,
);

const child = spawn(command, args, {
  stdio: 'inherit',
  env: {
    ...process.env,
    BOLTLINK_TEST_DATABASE_URL: servers.postgresAdminUrl,
    BOLTLINK_TEST_REDIS_URL: servers.redisUrl,
  },
});

let signalled = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    // The child got the terminal's SIGINT too; wait for it, then stop the servers.
    signalled = true;
    child.kill(signal);
  });
}

const code = await new Promise<number>((resolve) => {
  child.once('error', (error) => {
    log(`could not run ${command}: ${error.message}`);
    resolve(127);
  });
  child.once('exit', (exitCode, signal) => resolve(exitCode ?? (signal ? 128 + 1 : 1)));
});
await servers.stop();
process.exit(signalled && code === 0 ? 130 : code);
