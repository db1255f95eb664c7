import { createDb, createPool, type Db } from '@boltlink/db/client';
import { type PrivatePostgres, startPrivatePostgres } from '@boltlink/testing/postgres';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { createUser, DOMAIN, insertLink, startEdge, type TestEdge, test } from './support/edge.ts';

let postgres: PrivatePostgres;
let pool: pg.Pool;
let db: Db;
const edges: TestEdge[] = [];

beforeAll(async () => {
  postgres = await startPrivatePostgres({ migrate: true });
  pool = createPool({ connectionString: postgres.url, max: 2 });
  db = createDb(pool);
}, 120_000);

afterAll(async () => {
  for (const edge of edges) await edge.app.close();
  await pool?.end().catch(() => undefined);
  await postgres?.destroy();
});

describe('with Postgres stopped', () => {
  test('serves cached links (LRU and Redis) and answers 503, not 404, for a code it cannot look up', async ({
    prefix,
    redisUrl,
  }) => {
    const start = async () => {
      const edge = await startEdge({ databaseUrl: postgres.url, redisUrl, prefix });
      edges.push(edge);
      return edge;
    };
    const warm = await start();
    const userId = await createUser(db);
    const link = await insertLink(db, { userId, url: 'https://still.example/' });
    expect((await warm.app.inject({ url: `/${link.code}`, headers: { host: DOMAIN } })).statusCode).toBe(302);

    await pool.end();
    await postgres.stop();

    const fromMemory = await warm.app.inject({ url: `/${link.code}`, headers: { host: DOMAIN } });
    expect(fromMemory.statusCode).toBe(302);

    const cold = await start();
    const fromRedis = await cold.app.inject({ url: `/${link.code}`, headers: { host: DOMAIN } });
    expect(fromRedis.statusCode).toBe(302);
    expect(fromRedis.headers.location).toBe('https://still.example/');
    expect(cold.storeLookups()).toBe(0);

    const unknown = await cold.app.inject({ url: '/neverseen', headers: { host: DOMAIN } });
    expect(unknown.statusCode).toBe(503);
    expect(unknown.headers['content-type']).toContain('application/problem+json');
    // Still serving what it has cached, so still ready: Postgres down must not empty the load balancer.
    expect((await cold.app.inject({ url: '/ready' })).statusCode).toBe(200);
  }, 60_000);
});
