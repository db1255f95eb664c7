import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { EXIT_CONFIG } from '@boltlink/config/env';
import { freePort } from '@boltlink/local-servers/redis';
import { createQueueProducer } from '@boltlink/queues/producer';
import { createQueueRedis } from '@boltlink/redis-keys/clients';
import { test } from '@boltlink/testing/fixtures';
import { expect } from 'vitest';
import { batchOf, makeEvents, seedLinks, waitFor } from './helpers.ts';

const server = fileURLToPath(new URL('../src/server.ts', import.meta.url));
const children: ChildProcess[] = [];

function startServer(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', server], {
    env: { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout?.on('data', (data: Buffer) => {
    output += data.toString();
  });
  child.stderr?.on('data', (data: Buffer) => {
    output += data.toString();
  });
  return { child, output: () => output };
}

test.afterAll(() => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

test('boots, becomes ready, ingests clicks, and exits 0 on SIGTERM after closing its workers', async ({
  database,
  redisUrl,
  prefix: filePrefix,
}) => {
  const port = await freePort();
  const prefix = `{${filePrefix}}`;
  const { child, output } = startServer({
    PORT: String(port),
    HOST: '127.0.0.1',
    DATABASE_URL: database.url,
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: prefix,
  });
  const base = `http://127.0.0.1:${port}`;
  await waitFor(
    () =>
      fetch(`${base}/ready`).then(
        (r) => r.status,
        () => 0,
      ),
    (status) => status === 200,
    // Booting through tsx compiles the whole service; on a loaded two-core runner that alone has taken 30 s.
    90_000,
    'consumer /ready',
  );

  const [link] = await seedLinks(database.pool, 1);
  const redis = createQueueRedis(redisUrl, 'producer');
  const producer = createQueueProducer({ connection: redis, prefix });
  await producer.enqueueClickBatch(batchOf(makeEvents([link as string], 50)));
  await producer.close();
  redis.disconnect();
  await waitFor(
    async () =>
      (await database.pool.query('SELECT click_count::int AS n FROM links WHERE id = $1', [link])).rows[0].n,
    (n) => n === 50,
    20_000,
    'clicks ingested by the server',
  );
  // The counter moves once the batch's visitor sketches are written too, a moment after the roll-ups commit.
  const metrics = await waitFor(
    async () => (await fetch(`${base}/metrics`)).text(),
    (text) => /boltlink_clicks_ingested_total\{[^}]*\} 50/.test(text),
    10_000,
    'boltlink_clicks_ingested_total at 50',
  );
  // The series the alert rules (infra/prometheus/alerts.yml) read, as the running service serves them.
  expect(metrics).toMatch(/boltlink_consumer_dependency_available\{[^}]*dependency="postgres"[^}]*\} 1/);
  expect(metrics).toMatch(/boltlink_queue_jobs\{[^}]*queue="clicks"[^}]*state="failed"[^}]*\} 0/);
  expect(metrics).toMatch(/boltlink_queue_jobs\{[^}]*queue="clicks"[^}]*state="completed"[^}]*\} [1-9]/);

  child.kill('SIGTERM');
  const [code] = await once(child, 'exit');
  expect(code).toBe(0);
  expect(output()).toContain('shutdown complete');
}, 150_000);

test('refuses to start with bad configuration, listing every problem without a stack trace', async () => {
  const { child, output } = startServer({
    PORT: 'eighty',
    DATABASE_URL: 'not a url',
    CLICK_WORKER_CONCURRENCY: '0',
  });
  const [code] = await once(child, 'exit');
  expect(code).toBe(EXIT_CONFIG);
  expect(output()).toMatch(/PORT/);
  expect(output()).toMatch(/DATABASE_URL/);
  expect(output()).toMatch(/CLICK_WORKER_CONCURRENCY/);
  expect(output()).not.toMatch(/\n\s+at /);
}, 60_000);
