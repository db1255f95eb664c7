import http from 'node:http';
import { links } from '@boltlink/db/schema';
import { HTTP_DURATION_BUCKETS } from '@boltlink/observability/metrics';
import { createRedisKeys } from '@boltlink/redis-keys/keys';
import { encodeCachedLink, encodeLinkInvalidation } from '@boltlink/redis-keys/link-cache';
import { uniquePrefix } from '@boltlink/testing/redis';
import { eq } from 'drizzle-orm';
import { afterAll, describe, expect } from 'vitest';
import {
  DOMAIN,
  test as edgeTest,
  insertCampaign,
  insertLink,
  readClickBatches,
  startEdge,
  type TestEdge,
  uniqueCode,
  waitFor,
} from './support/edge.ts';
import { type EdgeRequestOptions, edgeRequest, listenOnLoopback } from './support/http.ts';
import { openRawConnection } from './support/raw-connection.ts';

// The fast path sits in front of Fastify on the real HTTP server; `app.inject` bypasses the server and so
// always takes the Fastify route. Comparing the two is comparing the fast path with the route.

const BROWSERS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
];

const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });

const request = (port: number, path: string, options: EdgeRequestOptions = {}) =>
  edgeRequest(port, path, { agent, ...options });

const listen = listenOnLoopback;

/** `edge_redirects_total` for one path label, read from the registry the metrics port serves. */
async function redirectsServed(edge: TestEdge, path: 'fast' | 'fastify'): Promise<number> {
  const text = await edge.deps.metrics.registry.metrics();
  const line = text
    .split('\n')
    .find((l) => l.startsWith('edge_redirects_total{') && l.includes(`path="${path}"`));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

async function lookups(edge: TestEdge, source: 'lru' | 'redis' | 'postgres'): Promise<number> {
  const text = await edge.deps.metrics.registry.metrics();
  const line = text
    .split('\n')
    .find((l) => l.startsWith('link_lookups_total{') && l.includes(`source="${source}"`));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

function visible(status: number, headers: Record<string, unknown>) {
  const answer = { headers };
  return {
    status,
    location: answer.headers.location,
    cacheControl: answer.headers['cache-control'],
    robots: answer.headers['x-robots-tag'],
    nosniff: answer.headers['x-content-type-options'],
    contentLength: answer.headers['content-length'],
    contentType: answer.headers['content-type'],
  };
}

const test = edgeTest.extend('edgeEnv', { scope: 'file' }, { CLICK_BATCH_INTERVAL_MS: '20' });

let port: number;

test.beforeAll(async ({ edge }) => {
  port = await listen(edge);
});

afterAll(() => {
  agent.destroy();
});

describe('fast path', () => {
  test('serves plain links itself, GET and HEAD, with the answer the route gives: status, Location, headers', async ({
    database,
    edge,
    userId,
  }) => {
    const campaign = await insertCampaign(database.db, userId);
    const cases = [
      {
        link: await insertLink(database.db, { userId, url: 'https://example.com/' }),
        query: '',
        status: 302,
        location: 'https://example.com/',
        cacheControl: 'private, no-store',
      },
      {
        link: await insertLink(database.db, { userId, url: 'https://example.com/a?x=1&y=2' }),
        query: '?y=9&z=%C3%A9',
        status: 302,
        location: 'https://example.com/a?x=1&y=9&z=%C3%A9',
        cacheControl: 'private, no-store',
      },
      {
        link: await insertLink(database.db, { userId, url: 'https://example.com/', redirectType: 301 }),
        query: '',
        status: 301,
        location: 'https://example.com/',
        cacheControl: 'private, max-age=3600',
      },
      {
        link: await insertLink(database.db, { userId, url: 'https://example.com/', redirectType: 308 }),
        query: '?q=1',
        status: 308,
        location: 'https://example.com/?q=1',
        cacheControl: 'private, max-age=3600',
      },
      {
        link: await insertLink(database.db, { userId, url: 'https://example.com/', redirectType: 307 }),
        query: '',
        status: 307,
        location: 'https://example.com/',
        cacheControl: 'private, no-store',
      },
      {
        link: await insertLink(database.db, {
          userId,
          url: 'https://bücher.example/p?utm_source=x',
          campaignId: campaign.id,
        }),
        query: '?utm_medium=visitor&k=v',
        status: 302,
        location: expect.stringMatching(/^https:\/\/xn--bcher-kva\.example\/p\?/),
        cacheControl: 'private, no-store',
      },
    ];
    for (const { link, query, status, location, cacheControl } of cases) {
      for (const method of ['GET', 'HEAD'] as const) {
        const url = `/${link.code}${query}`;
        const expected = {
          status,
          location,
          cacheControl,
          robots: 'noindex',
          nosniff: 'nosniff',
          contentLength: '0',
          contentType: undefined,
        };
        // The route (app.inject never reaches the fast path; it also fills the LRU), then the fast path.
        const routeBefore = await redirectsServed(edge, 'fastify');
        const viaFastify = await edge.app.inject({ method, url, headers: { host: DOMAIN } });
        expect(visible(viaFastify.statusCode, viaFastify.headers)).toEqual(expected);
        expect(await redirectsServed(edge, 'fastify')).toBe(routeBefore + 1);
        const fastBefore = await redirectsServed(edge, 'fast');
        const viaFastPath = await request(port, url, { method });
        expect(visible(viaFastPath.status, viaFastPath.headers)).toEqual(expected);
        expect(viaFastPath.headers.location).toBe(viaFastify.headers.location);
        expect(await redirectsServed(edge, 'fast')).toBe(fastBefore + 1);
        // Node's own headers after ours; no Keep-Alive hint: the edge's server closes silent connections
        // itself (http/edge-server.ts).
        expect(viaFastPath.rawHeaderNames).toEqual([
          'x-content-type-options',
          'location',
          'cache-control',
          'x-robots-tag',
          'content-length',
          'Date',
          'Connection',
        ]);
      }
    }
  });

  test('leaves password, capped and expired links to the Fastify route; serves a link that expires later', async ({
    database,
    edge,
    userId,
  }) => {
    const locked = await insertLink(database.db, {
      userId,
      passwordHash: '$argon2id$v=19$m=4096,t=2,p=1$c2FsdHNhbHQ$aGFzaA',
    });
    const capped = await insertLink(database.db, { userId, maxClicks: 2 });
    const expiring = await insertLink(database.db, { userId, expiresAt: new Date(Date.now() + 60_000) });
    const expired = await insertLink(database.db, { userId, expiresAt: new Date(Date.now() - 1000) });

    const fastBefore = await redirectsServed(edge, 'fast');
    const routeBefore = await redirectsServed(edge, 'fastify');
    // Twice each: the second request finds the link in the LRU, where the fast path could have taken it.
    for (let i = 0; i < 2; i += 1) {
      const form = await request(port, `/${locked.code}`);
      expect(form.status).toBe(200);
      expect(form.headers['content-type']).toBe('text/html; charset=utf-8');
      expect((await request(port, `/${expired.code}`)).status).toBe(410);
      expect((await request(port, `/${expiring.code}`)).status).toBe(302);
    }
    // A browser's requests: only human clicks count against a cap.
    const browser = { headers: { 'user-agent': BROWSERS[0] as string } };
    expect((await request(port, `/${capped.code}`, browser)).status).toBe(302);
    expect((await request(port, `/${capped.code}`, browser)).status).toBe(302);
    expect((await request(port, `/${capped.code}`, browser)).status).toBe(410);

    // The link that expires in a minute, once it is in the LRU (the first request loaded it: also fast).
    expect(await redirectsServed(edge, 'fast')).toBe(fastBefore + 2);
    // The capped link's two redirects: served by the route (the cap is an atomic Redis counter).
    expect(await redirectsServed(edge, 'fastify')).toBe(routeBefore + 2);
  });

  test('leaves other methods, paths that are not codes, unknown codes and probes to Fastify', async ({
    database,
    edge,
    userId,
  }) => {
    const link = await insertLink(database.db, { userId });
    await request(port, `/${link.code}`);
    const fastBefore = await redirectsServed(edge, 'fast');
    expect((await request(port, `/${link.code}`, { method: 'POST' })).status).toBe(400);
    expect((await request(port, `/${link.code}/`)).status).toBe(404);
    expect((await request(port, `/a%2F${link.code}`)).status).toBe(404);
    expect((await request(port, `/${'a'.repeat(65)}`)).status).toBe(404);
    expect((await request(port, `/${uniqueCode('missing')}`)).status).toBe(404);
    expect((await request(port, '/health')).status).toBe(200);
    expect((await request(port, '/ready')).status).toBe(200);
    // Metrics are served on the metrics port only: on the public port, /metrics is an unknown code.
    expect((await request(port, '/metrics')).status).toBe(404);
    expect(await redirectsServed(edge, 'fast')).toBe(fastBefore);
  });

  test('records one click per fast-path redirect (N redirects, N events enqueued)', async ({
    database,
    edge,
    userId,
    prefix,
    redisUrl,
  }) => {
    const link = await insertLink(database.db, { userId });
    await edge.app.inject({ url: `/${link.code}`, headers: { host: DOMAIN } }); // one click via the route
    const fastBefore = await redirectsServed(edge, 'fast');
    const n = 60;
    await Promise.all(
      Array.from({ length: n }, (_, i) =>
        request(port, `/${link.code}`, {
          method: i % 10 === 0 ? 'HEAD' : 'GET',
          headers: { 'user-agent': BROWSERS[i % BROWSERS.length] ?? '' },
        }),
      ),
    );
    expect(await redirectsServed(edge, 'fast')).toBe(fastBefore + n);
    const events = await waitFor(async () => {
      const batches = await readClickBatches(redisUrl, prefix);
      const mine = batches.flatMap((batch) => batch.events).filter((event) => event.linkId === link.id);
      return mine.length >= n + 1 ? mine : undefined;
    });
    expect(events).toHaveLength(n + 1);
    expect(new Set(events.map((event) => event.eventId)).size).toBe(n + 1);
    // HEAD requests (i = 0, 10, ..., 50: all Chrome) are flagged as bots, exactly as on the route; GETs are not.
    const chrome = events.filter((event) => event.browser === 'Chrome');
    expect(chrome.filter((event) => event.isBot)).toHaveLength(n / 10);
    expect(chrome.filter((event) => !event.isBot)).toHaveLength(n / 2 - n / 10);
    expect(events.filter((event) => event.browser === 'Mobile Safari' && !event.isBot)).toHaveLength(n / 2);
  });

  test('times its redirects into the HTTP duration histogram, under the route the Fastify path uses', async ({
    database,
    edge,
    userId,
  }) => {
    const link = await insertLink(database.db, { userId });
    await request(port, `/${link.code}`); // loads the link: every request below is the fast path's
    /** The histogram's lines for a 302 of `method` on `/:code`, by what follows the metric name's stem. */
    const scrape = async (method: string) => {
      const text = await edge.deps.metrics.registry.metrics();
      const series = new Map<string, number>();
      for (const line of text.split('\n')) {
        const match = /^http_request_duration_seconds_(bucket|sum|count)\{(.*)\} (\S+)$/.exec(line);
        if (match === null) continue;
        const [, kind, labels = '', value] = match;
        if (!labels.includes(`method="${method}"`) || !labels.includes('route="/:code"')) continue;
        if (!labels.includes('status_code="302"')) continue;
        const le = /le="([^"]+)"/.exec(labels)?.[1];
        series.set(le === undefined ? `${kind}` : `${kind} ${le}`, Number(value));
      }
      return series;
    };
    const getBefore = await scrape('GET');
    const headBefore = await scrape('HEAD');
    const fastBefore = await redirectsServed(edge, 'fast');
    for (let i = 0; i < 5; i += 1) await request(port, `/${link.code}`);
    await request(port, `/${link.code}`, { method: 'HEAD' });
    expect(await redirectsServed(edge, 'fast')).toBe(fastBefore + 6);
    const get = await scrape('GET');
    const head = await scrape('HEAD');
    expect(get.get('count')).toBe((getBefore.get('count') ?? 0) + 5);
    expect(head.get('count')).toBe((headBefore.get('count') ?? 0) + 1);
    for (const [after, before, added] of [
      [get, getBefore, 5],
      [head, headBefore, 1],
    ] as const) {
      expect(after.get('sum')).toBeGreaterThan(before.get('sum') ?? 0);
      // Every bucket of the histogram, cumulative, the last one (+Inf) holding every request.
      const buckets = [...HTTP_DURATION_BUCKETS.map(String), '+Inf'].map((le) => after.get(`bucket ${le}`));
      expect(buckets.every((value) => value !== undefined)).toBe(true);
      expect(buckets).toEqual([...(buckets as number[])].sort((x, y) => x - y));
      expect(after.get('bucket +Inf')).toBe((before.get('bucket +Inf') ?? 0) + added);
    }
  });

  test('keeps one connection serving requests with and without bodies, pipelined too', async ({
    database,
    edge,
    userId,
  }) => {
    const link = await insertLink(database.db, { userId });
    await request(port, `/${link.code}`); // in the LRU: every request below is the fast path's
    const fastBefore = await redirectsServed(edge, 'fast');
    const { socket, received } = await openRawConnection(port);
    const answers = () => received().split('HTTP/1.1 302 Found').length - 1;
    const get = `GET /${link.code} HTTP/1.1\r\nHost: ${DOMAIN}\r\n`;
    // A body far above the socket's read buffer: left unread, it would stall the connection.
    const body = 'x'.repeat(1_000_000);
    const requests = [
      `${get}\r\n`,
      `${get}Content-Length: ${body.length}\r\n\r\n${body}`,
      `${get}Transfer-Encoding: chunked\r\n\r\n${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`,
      `${get}\r\n${get}\r\n`, // two pipelined in one write
      `HEAD /${link.code} HTTP/1.1\r\nHost: ${DOMAIN}\r\n\r\n`,
    ];
    let expected = 0;
    for (const text of requests) {
      socket.write(text);
      expected += text.split(' HTTP/1.1\r\n').length - 1;
      await waitFor(async () => (answers() >= expected ? true : undefined), 5000);
    }
    expect(answers()).toBe(6);
    expect(received()).not.toMatch(/HTTP\/1\.1 [45]\d\d/);
    expect(await redirectsServed(edge, 'fast')).toBe(fastBefore + 6);
    socket.destroy();
  });

  test('drops a fast-path link within a second of an invalidation', async ({
    database,
    edge,
    userId,
    prefix,
  }) => {
    const link = await insertLink(database.db, { userId, url: 'https://before.example/' });
    await request(port, `/${link.code}`);
    const served = await request(port, `/${link.code}`);
    expect(served.headers.location).toBe('https://before.example/');

    await database.db.update(links).set({ url: 'https://after.example/' }).where(eq(links.id, link.id));
    const keys = createRedisKeys(prefix);
    await edge.deps.cacheRedis.del(keys.linkCache(DOMAIN, link.code));
    const published = Date.now();
    await edge.deps.stateRedis.publish(
      keys.invalidationChannel(),
      encodeLinkInvalidation({ domain: DOMAIN, code: link.code }),
    );
    await waitFor(async () => {
      const res = await request(port, `/${link.code}`);
      return res.headers.location === 'https://after.example/' ? true : undefined;
    }, 1000);
    expect(Date.now() - published).toBeLessThan(1000);
  });
});

describe('edge connections', () => {
  test('closes a keep-alive connection silent for KEEP_ALIVE_TIMEOUT_MS + 1 s, and sends no Keep-Alive hint', async ({
    database,
    userId,
    redisUrl,
  }) => {
    const keepAlive = await startEdge({
      databaseUrl: database.url,
      redisUrl,
      prefix: uniquePrefix('edge-keep-alive'),
      env: { KEEP_ALIVE_TIMEOUT_MS: '1000' },
    });
    try {
      const edgePort = await listen(keepAlive);
      const link = await insertLink(database.db, { userId });
      const { socket, received, closed } = await openRawConnection(edgePort);
      socket.write(`GET /${link.code} HTTP/1.1\r\nHost: ${DOMAIN}\r\n\r\n`);
      await waitFor(async () => (received().includes('\r\n\r\n') ? true : undefined));
      const answered = Date.now();
      expect(received()).toMatch(/^HTTP\/1\.1 302 /);
      expect(received()).toMatch(/^connection: keep-alive$/im);
      expect(received()).not.toMatch(/^keep-alive:/im);
      // 2 s of silence, seen by a sweep every 200 ms.
      const closedAfter = (await closed) - answered;
      expect(closedAfter).toBeGreaterThanOrEqual(2000 - 20);
      expect(closedAfter).toBeLessThan(2000 + 2 * 200 + 1000);
    } finally {
      await keepAlive.app.close();
    }
  });
});

describe('fast path with the LRU off (every lookup reads Redis)', () => {
  let noLru: TestEdge;
  let noLruPort: number;

  test.beforeAll(async ({ database, prefix, redisUrl }) => {
    noLru = await startEdge({
      databaseUrl: database.url,
      redisUrl,
      prefix,
      env: { LRU_MAX_ENTRIES: '0' },
    });
    noLruPort = await listen(noLru);
  });
  afterAll(async () => {
    await noLru?.app.close();
  });

  test('answers a Redis hit itself, and hands anything else to Fastify without a second lookup', async ({
    database,
    userId,
    prefix,
  }) => {
    const link = await insertLink(database.db, { userId, url: 'https://redis-hit.example/' });
    const keys = createRedisKeys(prefix);
    await noLru.deps.cacheRedis.set(
      keys.linkCache(DOMAIN, link.code),
      encodeCachedLink({
        v: 1,
        id: link.id,
        url: link.url,
        redirectType: 302,
        expiresAt: null,
        maxClicks: null,
        passwordHash: null,
        utm: null,
      }),
    );
    const fastBefore = await redirectsServed(noLru, 'fast');
    const redisBefore = await lookups(noLru, 'redis');
    const res = await request(noLruPort, `/${link.code}?a=1`);
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('https://redis-hit.example/?a=1');
    expect(await redirectsServed(noLru, 'fast')).toBe(fastBefore + 1);
    expect(await lookups(noLru, 'redis')).toBe(redisBefore + 1);

    // A capped link: read from Redis once by the fast path, then served by the route with that same answer.
    const capped = await insertLink(database.db, { userId, maxClicks: 5 });
    const pgBefore = noLru.storeLookups();
    const routeBefore = await redirectsServed(noLru, 'fastify');
    expect((await request(noLruPort, `/${capped.code}`)).status).toBe(302);
    expect(noLru.storeLookups()).toBe(pgBefore + 1);
    expect(await redirectsServed(noLru, 'fastify')).toBe(routeBefore + 1);

    // An unknown code: one Postgres lookup, then the 404 from the route.
    const missing = uniqueCode('nope');
    expect((await request(noLruPort, `/${missing}`)).status).toBe(404);
    expect(noLru.storeLookups()).toBe(pgBefore + 2);
  });
});

describe('redirect limit across both paths', () => {
  test('charges each request once, whichever path answers it: handed-over requests are not charged again', async ({
    database,
    userId,
    redisUrl,
  }) => {
    const limited = await startEdge({
      databaseUrl: database.url,
      redisUrl,
      prefix: uniquePrefix('edge-fast-limit'),
      env: { REDIRECT_RATE_LIMIT_MAX: '4' },
    });
    try {
      const limitedPort = await listen(limited);
      const hot = await insertLink(database.db, { userId });
      const locked = await insertLink(database.db, {
        userId,
        passwordHash: '$argon2id$v=19$m=4096,t=2,p=1$c2FsdHNhbHQ$aGFzaA',
      });
      const missing = uniqueCode('limit');
      // Two requests the fast path hands to Fastify (an unknown code, a password form), two it serves.
      expect((await request(limitedPort, `/${missing}`)).status).toBe(404);
      expect((await request(limitedPort, `/${locked.code}`)).status).toBe(200);
      expect((await request(limitedPort, `/${hot.code}`)).status).toBe(302);
      expect((await request(limitedPort, `/${hot.code}`)).status).toBe(302);
      const refused = await request(limitedPort, `/${hot.code}`);
      expect(refused.status).toBe(429);
      expect(refused.headers['content-type']).toBe('application/problem+json; charset=utf-8');
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    } finally {
      await limited.app.close();
    }
  });
});

describe('fast path behind a trusted proxy', () => {
  test('limits by the forwarded client IP exactly as the Fastify route does', async ({
    database,
    userId,
    redisUrl,
  }) => {
    const proxied = await startEdge({
      databaseUrl: database.url,
      redisUrl,
      prefix: uniquePrefix('edge-fast-proxy'),
      env: { TRUST_PROXY: '127.0.0.1', REDIRECT_RATE_LIMIT_MAX: '3' },
    });
    const direct = await startEdge({
      databaseUrl: database.url,
      redisUrl,
      prefix: uniquePrefix('edge-fast-direct'),
      env: { REDIRECT_RATE_LIMIT_MAX: '3' },
    });
    try {
      const proxiedPort = await listen(proxied);
      const directPort = await listen(direct);
      const link = await insertLink(database.db, { userId });
      const forwarded = (client: string) => ({ 'x-forwarded-for': client });

      // Behind the trusted proxy, each forwarded client has its own budget; the fast path serves them.
      const fastBefore = await redirectsServed(proxied, 'fast');
      const statuses: number[] = [];
      for (let i = 0; i < 3; i += 1)
        statuses.push(
          (await request(proxiedPort, `/${link.code}`, { headers: forwarded('203.0.113.7') })).status,
        );
      expect(statuses).toEqual([302, 302, 302]);
      expect(await redirectsServed(proxied, 'fast')).toBeGreaterThanOrEqual(fastBefore + 2);
      // The fourth, over HTTP, is refused; so is one through the route with the same forwarded client: the
      // fast path charged the very IP Fastify computes.
      const refused = await request(proxiedPort, `/${link.code}`, { headers: forwarded('203.0.113.7') });
      expect(refused.status).toBe(429);
      expect(refused.headers['retry-after']).toBeDefined();
      const viaRoute = await proxied.app.inject({
        url: `/${link.code}`,
        headers: { host: DOMAIN, ...forwarded('203.0.113.7') },
        remoteAddress: '127.0.0.1',
      });
      expect(viaRoute.statusCode).toBe(429);
      expect(
        (await request(proxiedPort, `/${link.code}`, { headers: forwarded('203.0.113.8') })).status,
      ).toBe(302);
      // The route's own budget for a fresh forwarded client, then the fast path sees it spent.
      for (let i = 0; i < 3; i += 1) {
        const res = await proxied.app.inject({
          url: `/${link.code}`,
          headers: { host: DOMAIN, ...forwarded('203.0.113.9') },
          remoteAddress: '127.0.0.1',
        });
        expect(res.statusCode).toBe(302);
      }
      expect(
        (await request(proxiedPort, `/${link.code}`, { headers: forwarded('203.0.113.9') })).status,
      ).toBe(429);

      // Without TRUST_PROXY the header is ignored: every request is the socket's client, 127.0.0.1.
      const directStatuses: number[] = [];
      for (const client of ['203.0.113.1', '203.0.113.2', '203.0.113.3', '203.0.113.4'])
        directStatuses.push(
          (await request(directPort, `/${link.code}`, { headers: forwarded(client) })).status,
        );
      expect(directStatuses).toEqual([302, 302, 302, 429]);
      const directRoute = await direct.app.inject({
        url: `/${link.code}`,
        headers: { host: DOMAIN },
        remoteAddress: '127.0.0.1',
      });
      expect(directRoute.statusCode).toBe(429);
    } finally {
      await proxied.app.close();
      await direct.app.close();
    }
  });

  test('takes the domain from X-Forwarded-Host only when the peer is a trusted proxy', async ({
    database,
    userId,
    redisUrl,
  }) => {
    const proxied = await startEdge({
      databaseUrl: database.url,
      redisUrl,
      prefix: uniquePrefix('edge-fast-host'),
      env: { TRUST_PROXY: '10.0.0.0/8' },
    });
    try {
      const proxiedPort = await listen(proxied);
      const link = await insertLink(database.db, { userId, domain: 'localhost:8080' });
      // The peer (127.0.0.1) is not trusted here: X-Forwarded-Host is ignored, Host decides.
      const viaHost = await request(proxiedPort, `/${link.code}`, {
        headers: { host: 'localhost:8080', 'x-forwarded-host': DOMAIN },
      });
      expect(viaHost.status).toBe(302);
      const viaRoute = await proxied.app.inject({
        url: `/${link.code}`,
        headers: { host: 'localhost:8080', 'x-forwarded-host': DOMAIN },
        remoteAddress: '127.0.0.1',
      });
      expect(viaRoute.statusCode).toBe(302);
    } finally {
      await proxied.app.close();
    }
  });
});
