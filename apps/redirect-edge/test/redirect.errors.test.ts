import { linkClicksDaily } from '@boltlink/db/schema';
import { describe, expect } from 'vitest';
import {
  DOMAIN,
  test as edgeTest,
  insertLink,
  readClickBatches,
  startEdge,
  waitFor,
} from './support/edge.ts';
import { type EdgeRequestOptions, edgeStatus, listenOnLoopback } from './support/http.ts';
import { openRawConnection } from './support/raw-connection.ts';

// This file is about answers, not enumeration limits (the security tests cover those).
const test = edgeTest.extend(
  'edgeEnv',
  { scope: 'file' },
  { NOT_FOUND_RATE_LIMIT_MAX: '100000', CLICK_BATCH_INTERVAL_MS: '20' },
);

let port: number;

const BROWSER =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';
const AS_BROWSER = { host: DOMAIN, 'user-agent': BROWSER };

/** A request on the edge's real port (app.inject would skip the edge's server and fast path). */
const request = (path: string, options: EdgeRequestOptions = {}) => edgeStatus(port, path, options);

test.beforeAll(async ({ edge }) => {
  port = await listenOnLoopback(edge);
});

describe('unknown codes', () => {
  test('answers 404 problem+json for a code that does not exist, and for paths that cannot be codes', async ({
    edge,
  }) => {
    for (const url of ['/nope404', '/has.dot', '/a/b', `/${'x'.repeat(65)}`]) {
      const res = await edge.app.inject({ url, headers: { host: DOMAIN } });
      expect(res.statusCode, url).toBe(404);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.json()).toMatchObject({ status: 404, title: 'Not found' });
    }
  });

  test('reaches Postgres once for a code requested 1000 times (negative cache, coalesced misses)', async ({
    edge,
  }) => {
    const before = edge.storeLookups();
    for (let round = 0; round < 10; round += 1) {
      const answers = await Promise.all(
        Array.from({ length: 100 }, () =>
          edge.app.inject({ url: '/neverexisted', headers: { host: DOMAIN } }),
        ),
      );
      expect(answers.every((res) => res.statusCode === 404)).toBe(true);
    }
    expect(edge.storeLookups() - before).toBe(1);
  });

  test('remembers unknown codes in Redis so another edge does not ask Postgres either', async ({
    database,
    edge,
    prefix,
    redisUrl,
  }) => {
    await edge.app.inject({ url: '/unknownshared', headers: { host: DOMAIN } });
    const other = await startEdge({
      databaseUrl: database.url,
      redisUrl,
      prefix,
      env: { NOT_FOUND_RATE_LIMIT_MAX: '100000' },
    });
    try {
      await waitFor(async () => {
        const res = await other.app.inject({ url: '/unknownshared', headers: { host: DOMAIN } });
        expect(res.statusCode).toBe(404);
        return other.storeLookups() === 0 ? true : undefined;
      }, 500);
      expect(other.storeLookups()).toBe(0);
    } finally {
      await other.app.close();
    }
  });
});

describe('expired and capped links', () => {
  test('answers 410 for an expired link and records no click', async ({ database, edge, userId }) => {
    const link = await insertLink(database.db, { userId, expiresAt: new Date(Date.now() - 1000) });
    const res = await edge.app.inject({ url: `/${link.code}`, headers: { host: DOMAIN } });
    expect(res.statusCode).toBe(410);
    expect(res.json()).toMatchObject({ status: 410 });
  });

  test('redirects until the expiry passes', async ({ database, edge, userId }) => {
    const link = await insertLink(database.db, { userId, expiresAt: new Date(Date.now() + 60_000) });
    const res = await edge.app.inject({ url: `/${link.code}`, headers: { host: DOMAIN } });
    expect(res.statusCode).toBe(302);
    expect(res.headers['cache-control']).toBe('private, no-store');
  });

  test('serves exactly maxClicks redirects, then 410', async ({ database, edge, userId }) => {
    const link = await insertLink(database.db, { userId, maxClicks: 3 });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      statuses.push((await edge.app.inject({ url: `/${link.code}`, headers: AS_BROWSER })).statusCode);
    }
    expect(statuses).toEqual([302, 302, 302, 410, 410]);
  });

  test('gives exactly 10 redirects to 100 simultaneous requests on a link capped at 10, across two edges', async ({
    database,
    edge,
    userId,
    prefix,
    redisUrl,
  }) => {
    const link = await insertLink(database.db, { userId, maxClicks: 10 });
    const other = await startEdge({ databaseUrl: database.url, redisUrl, prefix });
    try {
      const answers = await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          (i % 2 === 0 ? edge : other).app.inject({ url: `/${link.code}`, headers: AS_BROWSER }),
        ),
      );
      const redirects = answers.filter((res) => res.statusCode === 302).length;
      const gone = answers.filter((res) => res.statusCode === 410).length;
      expect(redirects).toBe(10);
      expect(gone).toBe(90);
    } finally {
      await other.app.close();
    }
    const clicks = await waitFor(async () => {
      const events = (await readClickBatches(redisUrl, prefix))
        .flatMap((batch) => batch.events)
        .filter((event) => event.linkId === link.id);
      return events.length >= 10 ? events : undefined;
    });
    expect(clicks).toHaveLength(10);
  });

  test('re-seeds a lost cap counter from the persisted human clicks, bots left out', async ({
    database,
    userId,
  }) => {
    // 6 clicks persisted, 2 of them bots: 4 of the 5 allowed are used.
    const link = await insertLink(database.db, { userId, maxClicks: 5, clickCount: 6 });
    await database.db
      .insert(linkClicksDaily)
      .values({ linkId: link.id, bucket: '2026-01-02', clicks: 6, botClicks: 2 });
    expect(await request(`/${link.code}`, { headers: AS_BROWSER })).toBe(302);
    expect(await request(`/${link.code}`, { headers: AS_BROWSER })).toBe(410);
  });

  test('lets HEAD requests, bots and requests without a User-Agent through a 2-click link without using it up', async ({
    database,
    userId,
    prefix,
    redisUrl,
  }) => {
    const link = await insertLink(database.db, { userId, maxClicks: 2 });
    const bot = { 'user-agent': 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)' };
    const preview = { 'user-agent': 'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)' };
    const answers = [
      await request(`/${link.code}`, { method: 'HEAD', headers: AS_BROWSER }),
      await request(`/${link.code}`, { method: 'HEAD', headers: AS_BROWSER }),
      await request(`/${link.code}`, { headers: bot }),
      await request(`/${link.code}`, { headers: preview }),
      await request(`/${link.code}`),
    ];
    expect(answers).toEqual([302, 302, 302, 302, 302]);
    // The two people the link was meant for still get through, and then nobody does.
    expect(await request(`/${link.code}`, { headers: AS_BROWSER })).toBe(302);
    expect(await request(`/${link.code}`, { headers: AS_BROWSER })).toBe(302);
    expect(await request(`/${link.code}`, { headers: AS_BROWSER })).toBe(410);
    expect(await request(`/${link.code}`, { headers: bot })).toBe(410);
    expect(await request(`/${link.code}`, { method: 'HEAD', headers: AS_BROWSER })).toBe(410);

    // Every redirect is recorded; the five that did not count are flagged as bots.
    const clicks = await waitFor(async () => {
      const events = (await readClickBatches(redisUrl, prefix))
        .flatMap((batch) => batch.events)
        .filter((event) => event.linkId === link.id);
      return events.length >= 7 ? events : undefined;
    });
    expect(clicks).toHaveLength(7);
    expect(clicks.filter((event) => event.isBot)).toHaveLength(5);
  });
});

describe('answers of the edge itself', () => {
  test('answers an over-long path with its own 414 problem+json, without echoing the path', async ({
    edge,
  }) => {
    const long = `/${'a'.repeat(150)}probe`;
    const res = await edge.app.inject({ url: long, headers: { host: DOMAIN } });
    expect(res.statusCode).toBe(414);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.json()).toMatchObject({ status: 414, title: 'URI too long' });
    expect(res.body).not.toContain('probe');
  });

  test('answers a path with a broken escape with its own 400 problem+json, without echoing the path', async ({
    edge,
  }) => {
    const res = await edge.app.inject({ url: '/%E0%A4%Aprobe', headers: { host: DOMAIN } });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.body).not.toContain('probe');
  });

  test('sends nosniff on redirects, problems, the password form and health answers', async ({
    database,
    edge,
    userId,
  }) => {
    const plain = await insertLink(database.db, { userId });
    const expired = await insertLink(database.db, { userId, expiresAt: new Date(Date.now() - 1000) });
    const locked = await insertLink(database.db, {
      userId,
      passwordHash: '$argon2id$v=19$m=4096,t=2,p=1$c2FsdA$aGFzaA',
    });
    for (const url of [`/${plain.code}`, `/${expired.code}`, `/${locked.code}`, '/nope-nosniff', '/health']) {
      const res = await edge.app.inject({ url, headers: { host: DOMAIN } });
      expect(res.headers['x-content-type-options'], url).toBe('nosniff');
    }
  });

  test('answers a request node cannot parse with a 400 problem+json on the real socket', async () => {
    const { socket, received, closed } = await openRawConnection(port);
    socket.write('GET /probe HTTP/1.1\r\nHost: sho.rt\r\nBad Header Line\r\n\r\n');
    await closed;
    const answer = received();
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(answer.toLowerCase()).toContain('content-type: application/problem+json');
    expect(answer.toLowerCase()).toContain('x-content-type-options: nosniff');
    expect(answer).not.toContain('probe');
  });
});

describe('bad input', () => {
  test('answers 400, not 500, to a password POST without a password field', async ({
    database,
    edge,
    userId,
  }) => {
    const link = await insertLink(database.db, { userId });
    const res = await edge.app.inject({
      method: 'POST',
      url: `/${link.code}`,
      headers: { host: DOMAIN, 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'nothing=here',
    });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
  });
});
