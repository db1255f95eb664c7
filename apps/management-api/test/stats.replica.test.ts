import { createDb, createPool } from '@boltlink/db/client';
import { type PrivatePostgres, type PrivateReplica, startPrivatePostgres } from '@boltlink/testing/postgres';
import { uniquePrefix } from '@boltlink/testing/redis';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StatsResult } from '../src/schemas/stats.ts';
import { createLink, signup, startTestApi, type TestApi } from './support/api.ts';

// The API with statistics read from a real streaming replica (DATABASE_READ_URL): they come from the replica
// (its replay paused, it lags, and the stats show what it has), yet a link made a moment ago is found, its
// ownership asked of the primary, rather than answered 404.

let primary: PrivatePostgres;
let replica: PrivateReplica;
const pools: pg.Pool[] = [];
let api: TestApi;

beforeAll(async () => {
  primary = await startPrivatePostgres({ migrate: true });
  replica = await primary.startReplica();
  const primaryPool = createPool({ connectionString: primary.url, max: 4 });
  const replicaPool = createPool({ connectionString: replica.url, max: 4 });
  pools.push(primaryPool, replicaPool);
  api = await startTestApi(
    {},
    {
      database: {
        url: primary.url,
        name: 'boltlink',
        pool: primaryPool,
        db: createDb(primaryPool),
        drop: async () => {},
      },
      prefix: uniquePrefix('api-replica'),
      readDb: createDb(replicaPool),
    },
  );
}, 120_000);

afterAll(async () => {
  await api?.close();
  for (const pool of pools) await pool.end().catch(() => undefined);
  await primary?.destroy();
});

describe('statistics read from a streaming replica', () => {
  it('answers for a link the lagging replica does not have yet, from what the replica holds', async () => {
    const owner = await signup(api);
    await replica.pauseReplay();
    try {
      const link = await createLink(api, owner.auth, { url: 'https://made-a-moment-ago.example/' });
      // Counted on the primary meanwhile: the replica, paused, does not have it.
      await pools[0]?.query(
        `INSERT INTO link_clicks_daily (link_id, bucket, clicks, bot_clicks) VALUES ($1, current_date, 7, 0)`,
        [link.id],
      );
      const lagging = await api.app.inject({ url: `/api/v1/links/${link.id}/stats`, headers: owner.auth });
      expect(lagging.statusCode, lagging.body).toBe(200);
      expect((lagging.json() as StatsResult).total).toBe(0);

      await replica.resumeReplay();
      let total = 0;
      for (let i = 0; i < 100 && total !== 7; i++) {
        const res = await api.app.inject({ url: `/api/v1/links/${link.id}/stats`, headers: owner.auth });
        total = (res.json() as StatsResult).total;
        if (total !== 7) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(total).toBe(7);
    } finally {
      await replica.resumeReplay();
    }
  });
});
