import http from 'node:http';
import type { Db } from '@boltlink/db/client';
import { domains } from '@boltlink/db/schema';
import { encodeDomainInvalidation } from '@boltlink/redis-keys/domain-invalidation';
import { createRedisKeys } from '@boltlink/redis-keys/keys';
import { eq } from 'drizzle-orm';
import { afterAll, describe, expect } from 'vitest';
import { DOMAIN, insertLink, metricValue, startEdge, type TestEdge, test, waitFor } from './support/edge.ts';
import { type EdgeRequestOptions, edgeRequest, listenOnLoopback } from './support/http.ts';

// Through a real socket: the first request for a custom host goes through Fastify (which looks the host up),
// the next ones through the fast path in front of it.
const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
const request = (port: number, path: string, host: string, options: EdgeRequestOptions = {}) =>
  edgeRequest(port, path, { agent, ...options, headers: { host, ...options.headers } });

let port: number;
test.beforeAll(async ({ edge }) => {
  port = await listenOnLoopback(edge);
});
afterAll(() => agent.destroy());

let hostCounter = 0;
/** A host name of its own per test: the edge remembers hosts, served or not. */
function uniqueHost(label: string): string {
  hostCounter += 1;
  return `${label}${hostCounter}-${Math.random().toString(36).slice(2, 6)}.acme.test`;
}

async function insertDomain(
  db: Db,
  workspaceId: string,
  hostname: string,
  values: Partial<typeof domains.$inferInsert> = {},
) {
  const status = values.status ?? 'verified';
  const [row] = await db
    .insert(domains)
    .values({
      workspaceId,
      hostname,
      status,
      verificationToken: `token-${crypto.randomUUID()}`,
      verifiedAt: status === 'verified' ? new Date() : null,
      ...values,
    })
    .returning();
  if (!row) throw new Error('domain insert returned nothing');
  return row;
}

/** `edge_redirects_total` of the fast path. */
async function fastRedirects(edge: TestEdge): Promise<number> {
  const text = await edge.deps.metrics.registry.metrics();
  const line = text
    .split('\n')
    .find((l) => l.startsWith('edge_redirects_total{') && l.includes('path="fast"'));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

/** What the management API does after a domain change: announce it to every edge. */
async function announce(edge: TestEdge, prefix: string, hostname: string): Promise<void> {
  const keys = createRedisKeys(prefix);
  await edge.deps.cacheRedis.publish(
    keys.domainInvalidationChannel(),
    encodeDomainInvalidation({ hostname }),
  );
}

describe('custom domains at the edge', () => {
  test("serves a verified domain's links, and not the same code of another domain", async ({
    database,
    edge,
    userId,
  }) => {
    const host = uniqueHost('go');
    await insertDomain(database.db, userId, host);
    const link = await insertLink(database.db, { userId, domain: host, url: 'https://acme.example/spring' });
    await insertLink(database.db, { userId, code: link.code, url: 'https://instance.example/other' });

    const fastBefore = await fastRedirects(edge);
    const lookupsBefore = metricValue(await edge.deps.metrics.registry.metrics(), 'domain_lookups_total');
    for (let i = 0; i < 3; i += 1) {
      const answer = await request(port, `/${link.code}?ref=mail`, host);
      expect(answer.status).toBe(302);
      expect(answer.headers.location).toBe('https://acme.example/spring?ref=mail');
    }
    // The first request looked the host up (through Fastify); the next ones took the fast path.
    expect(await fastRedirects(edge)).toBe(fastBefore + 2);
    expect(metricValue(await edge.deps.metrics.registry.metrics(), 'domain_lookups_total')).toBe(
      lookupsBefore + 1,
    );
    // The Host header as a browser may send it: another case, a port.
    expect((await request(port, `/${link.code}`, `${host.toUpperCase()}:8080`)).headers.location).toBe(
      'https://acme.example/spring',
    );
    expect((await request(port, `/${link.code}`, DOMAIN)).headers.location).toBe(
      'https://instance.example/other',
    );
  });

  test('does not serve the links of a pending or failed domain', async ({ database, userId }) => {
    for (const status of ['pending', 'failed'] as const) {
      const host = uniqueHost(status);
      await insertDomain(database.db, userId, host, { status });
      const link = await insertLink(database.db, { userId, domain: host });
      expect((await request(port, `/${link.code}`, host)).status).toBe(404);
      expect((await request(port, `/${link.code}`, host)).status).toBe(404);
    }
  });

  test('a verified, changed or removed domain reaches the edge within a second of its announcement', async ({
    database,
    edge,
    userId,
    prefix,
  }) => {
    const host = uniqueHost('live');
    const domain = await insertDomain(database.db, userId, host, { status: 'pending' });
    const link = await insertLink(database.db, { userId, domain: host, url: 'https://acme.example/live' });
    // The edge now remembers the host as not served (in memory and in Redis).
    expect((await request(port, `/${link.code}`, host)).status).toBe(404);
    expect((await request(port, '/', host)).status).toBe(404);

    const within1s = (probe: () => Promise<boolean>) =>
      waitFor(async () => ((await probe()) ? true : undefined), 1000, 20);

    await database.db
      .update(domains)
      .set({ status: 'verified', verifiedAt: new Date() })
      .where(eq(domains.id, domain.id));
    await announce(edge, prefix, host);
    await within1s(async () => (await request(port, `/${link.code}`, host)).status === 302);

    await database.db
      .update(domains)
      .set({ rootRedirectUrl: 'https://acme.example/home' })
      .where(eq(domains.id, domain.id));
    await announce(edge, prefix, host);
    await within1s(
      async () => (await request(port, '/', host)).headers.location === 'https://acme.example/home',
    );

    await database.db.delete(domains).where(eq(domains.id, domain.id));
    await announce(edge, prefix, host);
    await within1s(async () => (await request(port, `/${link.code}`, host)).status === 404);
    // And it stays so: nothing kept in Redis brings it back.
    const other = await startEdge({ databaseUrl: database.url, redisUrl: edge.config.redisUrl, prefix });
    try {
      expect((await other.app.inject({ url: `/${link.code}`, headers: { host } })).statusCode).toBe(404);
    } finally {
      await other.app.close();
    }
  });

  test("redirects the bare domain and unknown codes to the domain's own settings", async ({
    database,
    userId,
  }) => {
    const host = uniqueHost('settings');
    await insertDomain(database.db, userId, host, {
      rootRedirectUrl: 'https://acme.example/',
      notFoundRedirectUrl: 'https://acme.example/not-found',
    });
    const root = await request(port, '/', host);
    expect(root.status).toBe(302);
    expect(root.headers.location).toBe('https://acme.example/');
    expect(root.headers['cache-control']).toBe('private, no-store');
    const unknown = await request(port, '/no-such-code', host);
    expect(unknown.status).toBe(302);
    expect(unknown.headers.location).toBe('https://acme.example/not-found');
    expect((await request(port, '/a/b', host)).headers.location).toBe('https://acme.example/not-found');
    expect((await request(port, '/no-such-code', host, { method: 'HEAD' })).status).toBe(302);

    // Without settings: BoltLink's own answers, and the instance domain keeps its own.
    const plain = uniqueHost('plain');
    await insertDomain(database.db, userId, plain);
    expect((await request(port, '/', plain)).status).toBe(404);
    const page = await request(port, '/no-such-code', plain);
    expect(page.status).toBe(404);
    expect(page.headers['content-type']).toContain('application/problem+json');
    expect((await request(port, '/', DOMAIN)).status).toBe(404);
  });

  test('answers a reverse proxy asking whether a host name may get a certificate', async ({
    database,
    userId,
  }) => {
    const verified = uniqueHost('tls');
    const pending = uniqueHost('tls-pending');
    await insertDomain(database.db, userId, verified);
    await insertDomain(database.db, userId, pending, { status: 'pending' });
    const ask = (domain: string) =>
      request(port, `/_boltlink/tls-ask?domain=${encodeURIComponent(domain)}`, '127.0.0.1:8080');

    expect((await ask(verified)).status).toBe(200);
    expect((await ask(DOMAIN)).status).toBe(200);
    expect((await ask('localhost')).status).toBe(200);
    expect((await ask(pending)).status).toBe(404);
    expect((await ask('unknown.example')).status).toBe(404);
    expect((await ask('127.0.0.1')).status).toBe(404);
    expect((await request(port, '/_boltlink/tls-ask', '127.0.0.1:8080')).status).toBe(400);
  });
});

describe('instance domain redirects', () => {
  test('ROOT_REDIRECT_URL and NOT_FOUND_REDIRECT_URL apply to instance domains and unknown hosts', async ({
    database,
    prefix,
    redisUrl,
  }) => {
    const edge = await startEdge({
      databaseUrl: database.url,
      redisUrl,
      prefix,
      env: {
        ROOT_REDIRECT_URL: 'https://boltlink.example/',
        NOT_FOUND_REDIRECT_URL: 'https://boltlink.example/missing',
      },
    });
    try {
      for (const host of [DOMAIN, 'localhost:8080', '10.1.2.3', 'unknown.example']) {
        const root = await edge.app.inject({ url: '/', headers: { host } });
        expect(root.statusCode, host).toBe(302);
        expect(root.headers.location, host).toBe('https://boltlink.example/');
        const missing = await edge.app.inject({ url: '/nope', headers: { host } });
        expect(missing.headers.location, host).toBe('https://boltlink.example/missing');
      }
      // A form post to an unknown code is not a navigation: it keeps the problem answer.
      const post = await edge.app.inject({
        method: 'POST',
        url: '/nope',
        headers: { host: DOMAIN },
        payload: { password: 'x' },
      });
      expect(post.statusCode).toBe(404);
    } finally {
      await edge.app.close();
    }
  });
});
