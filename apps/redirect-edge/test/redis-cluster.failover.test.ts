import { type ChildProcess, spawn } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { links as linksTable } from '@boltlink/db/schema';
import { freePort } from '@boltlink/local-servers/redis';
import { createCacheRedis, waitForReady } from '@boltlink/redis-keys/clients';
import { createRedisKeys } from '@boltlink/redis-keys/keys';
import { encodeLinkInvalidation } from '@boltlink/redis-keys/link-cache';
import {
  type LocalRedisCluster,
  redisClusterUnavailable,
  startRedisCluster,
} from '@boltlink/testing/redis-cluster';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { DOMAIN, insertLink, metricValue, test, waitFor } from './support/edge.ts';
import { type EdgeProcess, spawnEdge } from './support/edge-process.ts';
import { edgeRequest, edgeStatus } from './support/http.ts';

// The edge's and the consumer's server.ts, as an operator runs them, on a real Redis Cluster whose primaries
// hold the link keys and the click queue; the primary holding the queue is killed in the middle of the traffic.
const consumerServer = fileURLToPath(new URL('../../analytics-consumer/src/server.ts', import.meta.url));
const unavailable = redisClusterUnavailable();
if (unavailable) console.warn(`Redis Cluster failover test skipped: ${unavailable}`);

let cluster: LocalRedisCluster;
let edge: EdgeProcess | undefined;
let consumer: ChildProcess | undefined;

beforeAll(async () => {
  if (unavailable) return;
  cluster = await startRedisCluster({ nodeTimeoutMs: 1000 });
}, 60_000);

afterAll(async () => {
  await edge?.stop();
  if (consumer && consumer.exitCode === null && consumer.signalCode === null) {
    const exited = new Promise((resolve) => consumer?.once('exit', resolve));
    consumer.kill('SIGTERM');
    const timer = setTimeout(() => consumer?.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }
  await cluster?.stop();
});

/** Sends redirects of `codes` in turn from `clients` keep-alive connections until `stop()`; tallies statuses. */
function trafficOn(port: number, codes: string[], clients: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
  const statuses = new Map<number, number>();
  let running = true;
  let sent = 0;
  const loops = Array.from({ length: clients }, async (_, client) => {
    for (let i = client; running; i += clients) {
      const code = codes[i % codes.length] ?? '';
      sent += 1;
      const status = await edgeStatus(port, `/${code}`, { agent, timeoutMs: 10_000 }).catch(() => 0);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
  });
  return {
    served: () => statuses.get(302) ?? 0,
    sent: () => sent,
    async stop() {
      running = false;
      await Promise.all(loops);
      agent.destroy();
      return Object.fromEntries(statuses);
    },
  };
}

describe.skipIf(unavailable !== undefined)('a Redis Cluster primary crashes under redirect traffic', () => {
  test('every served click is counted or counted as dropped, and edge and consumer recover without a restart', async ({
    database,
    userId,
    prefix,
  }) => {
    const keys = createRedisKeys(prefix);
    const queuePrimary = await cluster.primaryOf(`{${prefix}}:clicks:id`);
    // Links until each of the three primaries holds some of their cache keys.
    const links: Awaited<ReturnType<typeof insertLink>>[] = [];
    const owners = new Set<number>();
    while (owners.size < 3 || links.length < 9) {
      const link = await insertLink(database.db, { userId });
      links.push(link);
      owners.add((await cluster.primaryOf(keys.linkCache(DOMAIN, link.code))).port);
    }
    const codes = links.map((link) => link.code);

    const consumerPort = await freePort();
    let consumerOutput = '';
    consumer = spawn(process.execPath, ['--import', 'tsx', consumerServer], {
      env: {
        ...process.env,
        NODE_ENV: 'test',
        LOG_LEVEL: 'info',
        HOST: '127.0.0.1',
        PORT: String(consumerPort),
        DATABASE_URL: database.url,
        REDIS_URL: cluster.url,
        REDIS_KEY_PREFIX: prefix,
        QUEUE_PREFIX: `{${prefix}}`,
        SHORT_DOMAINS: DOMAIN,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (chunk: Buffer) => {
      consumerOutput += chunk.toString();
    };
    consumer.stdout?.on('data', keep);
    consumer.stderr?.on('data', keep);
    const consumerReady = async () =>
      (await fetch(`http://127.0.0.1:${consumerPort}/ready`).then(
        (res) => res.status,
        () => 0,
      )) === 200;
    const counted = async (): Promise<number> => {
      const { rows } = await database.pool.query<{ n: string }>(
        'SELECT count(*) AS n FROM click_events WHERE link_id = ANY($1)',
        [links.map((link) => link.id)],
      );
      return Number(rows[0]?.n);
    };

    const port = await freePort();
    const metricsPort = await freePort();
    edge = spawnEdge({
      NODE_ENV: 'production',
      APP_SECRET: 'cluster-failover-secret-0123456789abcdef',
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'info',
      DATABASE_URL: database.url,
      REDIS_URL: cluster.url,
      REDIS_KEY_PREFIX: prefix,
      QUEUE_PREFIX: `{${prefix}}`,
      SHORT_DOMAINS: DOMAIN,
      CLICK_BATCH_INTERVAL_MS: '20',
      REDIRECT_RATE_LIMIT_MAX: '1000000',
      // In-process copies live long: after the failover only an invalidation message can drop one.
      LRU_TTL_MS: '600000',
      METRICS_PORT: String(metricsPort),
      WEB_CONCURRENCY: '1',
    });
    const running = edge;
    const dropped = async (): Promise<number> =>
      metricValue(
        await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text(),
        'clicks_dropped_total',
      );
    // One process (WEB_CONCURRENCY=1): a crash and restart would show as a second start.
    const starts = () =>
      running.lines().filter((line) => String(line.msg).startsWith('Server listening')).length;

    // Compiling the sources on start can take a while on a loaded host.
    await waitFor(async () => (starts() >= 1 ? true : undefined), 60_000, 100).catch(() => {
      throw new Error(`the edge did not start:\n${running.output()}`);
    });
    await waitFor(async () => ((await consumerReady()) ? true : undefined), 60_000, 200).catch(() => {
      throw new Error(`the consumer did not become ready:\n${consumerOutput}`);
    });
    for (const code of codes) expect(await edgeStatus(port, `/${code}`)).toBe(302);

    const traffic = trafficOn(port, codes, 8);
    await waitFor(async () => (traffic.served() >= 300 ? true : undefined), 20_000, 20);
    const servedBefore = traffic.served();
    const failover = await cluster.crashPrimary(queuePrimary.port);
    const servedDuringFailover = traffic.served() - servedBefore;
    // Traffic goes on after the promotion, on the promoted primary.
    const servedAtPromotion = traffic.served();
    await waitFor(async () => (traffic.served() >= servedAtPromotion + 300 ? true : undefined), 20_000, 20);
    const statuses = await traffic.stop();
    const served = traffic.served() + codes.length;

    const settled = await waitFor(
      async () => {
        const [c, d] = await Promise.all([counted(), dropped()]);
        return c + d === served ? { counted: c, dropped: d } : undefined;
      },
      30_000,
      200,
    ).catch(async () => ({ counted: await counted(), dropped: await dropped() }));
    console.info(
      `failover of 127.0.0.1:${queuePrimary.port} (the click queue's primary) to ${failover.promotedPort} in ` +
        `${failover.failoverMs} ms; served ${served} (${servedDuringFailover} during the failover), ` +
        `counted ${settled.counted}, dropped ${settled.dropped}; answers ${JSON.stringify(statuses)}`,
    );
    expect(settled.counted + settled.dropped).toBe(served);
    // No visitor saw an error: the edge redirected through the whole failover.
    expect(Object.keys(statuses)).toEqual(['302']);

    // The same processes, never restarted, still redirect and ingest.
    expect(running.child.exitCode).toBeNull();
    expect(consumer.exitCode, consumerOutput).toBeNull();
    expect(await consumerReady()).toBe(true);
    expect(starts()).toBe(1);
    const fresh = await insertLink(database.db, { userId });
    expect(await edgeStatus(port, `/${fresh.code}`)).toBe(302);
    await waitFor(
      async () => {
        const { rows } = await database.pool.query<{ n: string }>(
          'SELECT count(*) AS n FROM click_events WHERE link_id = $1',
          [fresh.id],
        );
        return Number(rows[0]?.n) === 1 ? true : undefined;
      },
      20_000,
      100,
    );

    // Invalidations still reach the edge, whichever node its subscription had been on: what the API does
    // when a link is edited (Postgres, the cache entry, the message) changes where the edge sends visitors.
    const [edited] = links;
    if (!edited) throw new Error('no link');
    expect((await edgeRequest(port, `/${edited.code}`)).headers.location).toBe('https://example.com/landing');
    await database.db
      .update(linksTable)
      .set({ url: 'https://example.com/edited' })
      .where(eq(linksTable.id, edited.id));
    const publisher = createCacheRedis(cluster.url, { onError: () => undefined });
    try {
      await waitForReady(publisher);
      await publisher.del(keys.linkCache(DOMAIN, edited.code));
      await publisher.publish(
        keys.invalidationChannel(),
        encodeLinkInvalidation({ domain: DOMAIN, code: edited.code }),
      );
    } finally {
      publisher.disconnect();
    }
    const location = await waitFor(async () => {
      const { headers } = await edgeRequest(port, `/${edited.code}`);
      return headers.location === 'https://example.com/edited' ? headers.location : undefined;
    }, 5000);
    expect(location).toBe('https://example.com/edited');
    expect(running.lines().filter((line) => Number(line.level) >= 60)).toEqual([]);
  }, 90_000);
});
