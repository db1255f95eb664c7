import http from 'node:http';
import { blockedDestinations, links } from '@boltlink/db/schema';
import { encodeBlocklistChange } from '@boltlink/redis-keys/blocked-destinations';
import { createRedisKeys } from '@boltlink/redis-keys/keys';
import { encodeLinkInvalidation } from '@boltlink/redis-keys/link-cache';
import { eq } from 'drizzle-orm';
import { afterAll, describe, expect } from 'vitest';
import { DOMAIN, insertLink, startEdge, type TestEdge, test } from './support/edge.ts';
import { edgeStatus, listenOnLoopback } from './support/http.ts';

// What an instance admin's block looks like from an edge: the management API writes Postgres, then announces
// the change (apps/management-api/src/services/blocklist-service.ts); every edge must answer 410 within a
// second, through a real socket (the fast path in front of Fastify answers most redirects).
const agent = new http.Agent({ keepAlive: true, maxSockets: 2 });
let port: number;
test.beforeAll(async ({ edge }) => {
  port = await listenOnLoopback(edge);
});
afterAll(() => agent.destroy());

const PROPAGATION_BOUND_MS = 1000;

/**
 * Polls the edge until it answers `status`; the time it took, or a failure once the bound has passed. A
 * bounded wait for the announced change, not a benchmark.
 */
async function untilStatus(code: string, status: number): Promise<number> {
  const started = performance.now();
  for (;;) {
    const got = await edgeStatus(port, `/${code}`, { agent });
    const elapsed = performance.now() - started;
    if (got === status) return elapsed;
    if (elapsed > PROPAGATION_BOUND_MS) {
      throw new Error(
        `edge still answered ${got} (not ${status}) ${Math.round(elapsed)} ms after the change`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function announceBlocklist(edge: TestEdge, prefix: string) {
  await edge.deps.cacheRedis.publish(createRedisKeys(prefix).blocklistChannel(), encodeBlocklistChange());
}

/** What LinkCache.invalidate does in the management API after a link's row changed. */
async function invalidateLink(edge: TestEdge, prefix: string, code: string) {
  const keys = createRedisKeys(prefix);
  await edge.deps.cacheRedis.del(keys.linkCache(DOMAIN, code));
  await edge.deps.cacheRedis.publish(
    keys.invalidationChannel(),
    encodeLinkInvalidation({ domain: DOMAIN, code }),
  );
}

describe('blocks seen at the edge', () => {
  test('a blocked destination domain answers 410 within a second for its links and its subdomains’ links; unblocking restores them', async ({
    edge,
    database,
    prefix,
    userId,
  }) => {
    const host = `phish-${Math.random().toString(36).slice(2, 8)}.example`;
    const apex = await insertLink(database.db, { userId, url: `https://${host}/login` });
    const sub = await insertLink(database.db, { userId, url: `https://www.${host}/login` });
    const lookalike = await insertLink(database.db, { userId, url: `https://not${host}/` });
    // Served and held in the edge's in-process cache before the block.
    for (const link of [apex, sub, lookalike])
      expect(await edgeStatus(port, `/${link.code}`, { agent })).toBe(302);

    await database.db.insert(blockedDestinations).values({ hostname: host });
    await announceBlocklist(edge, prefix);
    await untilStatus(apex.code, 410);
    await untilStatus(sub.code, 410);
    expect(await edgeStatus(port, `/${lookalike.code}`, { agent })).toBe(302);
    // HEAD and the Fastify route answer the same.
    expect(await edgeStatus(port, `/${sub.code}`, { agent, method: 'HEAD' })).toBe(410);
    expect((await edge.app.inject({ url: `/${apex.code}`, headers: { host: DOMAIN } })).statusCode).toBe(410);

    await database.db.delete(blockedDestinations).where(eq(blockedDestinations.hostname, host));
    await announceBlocklist(edge, prefix);
    await untilStatus(apex.code, 302);
    await untilStatus(sub.code, 302);
  });

  test('a blocked link answers 410 within a second, password or not, and is served again once unblocked', async ({
    edge,
    database,
    prefix,
    userId,
  }) => {
    const link = await insertLink(database.db, { userId });
    expect(await edgeStatus(port, `/${link.code}`, { agent })).toBe(302);

    await database.db.update(links).set({ blockedAt: new Date() }).where(eq(links.id, link.id));
    await invalidateLink(edge, prefix, link.code);
    await untilStatus(link.code, 410);

    await database.db.update(links).set({ blockedAt: null }).where(eq(links.id, link.id));
    await invalidateLink(edge, prefix, link.code);
    await untilStatus(link.code, 302);

    const locked = await insertLink(database.db, {
      userId,
      passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA',
      blockedAt: new Date(),
    });
    expect(await edgeStatus(port, `/${locked.code}`, { agent })).toBe(410);
  });

  test('an edge started while a destination is blocked answers 410 for it from the start', async ({
    database,
    prefix,
    redisUrl,
    userId,
  }) => {
    const host = `early-${Math.random().toString(36).slice(2, 8)}.example`;
    await database.db.insert(blockedDestinations).values({ hostname: host });
    const link = await insertLink(database.db, { userId, url: `https://${host}/` });
    const fresh = await startEdge({ databaseUrl: database.url, redisUrl, prefix: `${prefix}-fresh` });
    try {
      expect((await fresh.app.inject({ url: `/${link.code}`, headers: { host: DOMAIN } })).statusCode).toBe(
        410,
      );
    } finally {
      await fresh.app.close();
    }
  });
});
