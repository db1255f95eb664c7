import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { waitForReady } from '@boltlink/redis-keys/clients';
import { test } from '@boltlink/testing/fixtures';
import { type PrivateRedis, startPrivateRedis } from '@boltlink/testing/redis';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { createServiceClients } from '../src/service-clients.ts';

const STEP_MS = 300;
// Three steps (users, Redis, pools) of STEP_MS each, plus room for a loaded test host.
const BOUND_MS = 3 * STEP_MS + 5000;

const warnings: { obj: object; msg: string }[] = [];
const logger = { warn: (obj: object, msg: string) => warnings.push({ obj, msg }) };

/** Settles with 'closed' when close() returned, or 'still closing' once `ms` have passed. */
async function settlesWithin(close: Promise<void>, ms: number): Promise<'closed' | 'still closing'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'still closing'>((resolve) => {
    timer = setTimeout(() => resolve('still closing'), ms);
  });
  const result = await Promise.race([close.then(() => 'closed' as const), late]);
  clearTimeout(timer);
  return result;
}

let hung: PrivateRedis;
// A "Postgres" that accepts connections and never answers.
let silent: Server;
const sockets: Socket[] = [];

// A Redis of its own, which the tests freeze, and a Postgres that never answers.
beforeAll(async () => {
  hung = await startPrivateRedis({ appendOnly: false });
  silent = createServer((socket) => sockets.push(socket)).listen(0, '127.0.0.1');
  await once(silent, 'listening');
});

afterAll(async () => {
  hung?.resume();
  await hung?.destroy();
  for (const socket of sockets) socket.destroy();
  silent?.close();
});

describe('service clients', () => {
  test('closes healthy clients cleanly, users first', async ({ redisUrl }) => {
    const clients = createServiceClients({ logger, closeStepMs: STEP_MS });
    const redis = clients.redis('state', redisUrl, { connectionName: 'test-state' });
    await waitForReady(redis, 5000);
    const order: string[] = [];
    clients.closeFirst('first', async () => order.push('first'));
    clients.closeFirst('second', async () => order.push(`second (redis ${redis.status})`));

    await clients.close();
    expect(order).toEqual(['second (redis ready)', 'first']);
    await expect.poll(() => redis.status).toBe('end');
    await clients.close();
  });

  test('returns within its bound when Redis hangs, a user never stops and Postgres never answers', async () => {
    const clients = createServiceClients({ logger, closeStepMs: STEP_MS });
    const cache = clients.redis('cache', hung.url, { connectionName: 'test-cache' });
    const producer = clients.redis('queue-producer', hung.url, { connectionName: 'test-queue' });
    await Promise.all([waitForReady(cache, 5000), waitForReady(producer, 5000)]);
    const port = (silent.address() as { port: number }).port;
    const pool = clients.pool({
      connectionString: `postgres://boltlink@127.0.0.1:${port}/boltlink`,
      applicationName: 'test-pool',
      connectionTimeoutMs: 60_000,
    });
    const query = pool.query('SELECT 1').catch((error: unknown) => error);
    clients.closeFirst('stuck producer', () => new Promise(() => undefined));
    await expect.poll(() => sockets.length).toBeGreaterThan(0);
    hung.pause();

    expect(await settlesWithin(clients.close(), BOUND_MS)).toBe('closed');
    expect(warnings.map((w) => w.msg)).toContain('client did not close cleanly');
    hung.resume();
    for (const socket of sockets) socket.destroy();
    await query;
  });
});
