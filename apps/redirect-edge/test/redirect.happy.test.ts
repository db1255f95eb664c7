import { links } from '@boltlink/db/schema';
import { createRedisKeys } from '@boltlink/redis-keys/keys';
import { decodeCachedLink, encodeLinkInvalidation } from '@boltlink/redis-keys/link-cache';
import { eq } from 'drizzle-orm';
import { describe, expect } from 'vitest';
import {
  DOMAIN,
  test as edgeTest,
  insertCampaign,
  insertLink,
  readClickBatches,
  startEdge,
  waitFor,
} from './support/edge.ts';

const test = edgeTest.extend(
  'edgeEnv',
  { scope: 'file' },
  { COUNTRY_HEADER: 'CF-IPCountry', CLICK_BATCH_INTERVAL_MS: '20' },
);

describe('redirects', () => {
  test('serves an uncached link from Postgres, caches it in Redis, then answers from memory', async ({
    database,
    edge,
    userId,
    prefix,
  }) => {
    const link = await insertLink(database.db, { userId, url: 'https://example.com/landing?ref=abc' });
    const before = edge.storeLookups();

    const first = await edge.app.inject({ url: `/${link.code}`, headers: { host: DOMAIN } });
    expect(first.statusCode).toBe(302);
    expect(first.headers.location).toBe('https://example.com/landing?ref=abc');
    expect(first.headers['cache-control']).toBe('private, no-store');
    expect(first.headers['x-robots-tag']).toBe('noindex');
    expect(edge.storeLookups()).toBe(before + 1);

    const keys = createRedisKeys(prefix);
    const cached = await waitFor(async () => {
      const raw = await edge.deps.cacheRedis.get(keys.linkCache(DOMAIN, link.code));
      return raw === null ? undefined : decodeCachedLink(raw);
    });
    expect(cached).toMatchObject({ v: 1, id: link.id, url: link.url, redirectType: 302 });

    for (let i = 0; i < 5; i += 1) {
      const again = await edge.app.inject({ url: `/${link.code}`, headers: { host: DOMAIN } });
      expect(again.statusCode).toBe(302);
    }
    expect(edge.storeLookups()).toBe(before + 1);
  });

  test('serves a link cached only in Redis (another edge filled it) without asking Postgres', async ({
    database,
    edge,
    userId,
    prefix,
    redisUrl,
  }) => {
    const link = await insertLink(database.db, { userId });
    const other = await startEdge({ databaseUrl: database.url, redisUrl, prefix });
    try {
      expect((await other.app.inject({ url: `/${link.code}`, headers: { host: DOMAIN } })).statusCode).toBe(
        302,
      );
      const keys = createRedisKeys(prefix);
      await waitFor(async () =>
        (await edge.deps.cacheRedis.exists(keys.linkCache(DOMAIN, link.code))) ? true : undefined,
      );
      const before = edge.storeLookups();
      const res = await edge.app.inject({ url: `/${link.code}`, headers: { host: DOMAIN } });
      expect(res.statusCode).toBe(302);
      expect(edge.storeLookups()).toBe(before);
    } finally {
      await other.app.close();
    }
  });

  test('replaces a corrupt cached value with the Postgres answer', async ({
    database,
    edge,
    userId,
    prefix,
  }) => {
    const link = await insertLink(database.db, { userId, url: 'https://repaired.example/' });
    const keys = createRedisKeys(prefix);
    await edge.deps.cacheRedis.set(keys.linkCache(DOMAIN, link.code), '{"v":1,"id":');
    const res = await edge.app.inject({ url: `/${link.code}`, headers: { host: DOMAIN } });
    expect(res.headers.location).toBe('https://repaired.example/');
    const repaired = await waitFor(async () => {
      const raw = await edge.deps.cacheRedis.get(keys.linkCache(DOMAIN, link.code));
      return raw === null ? undefined : decodeCachedLink(raw);
    });
    expect(repaired).toMatchObject({ id: link.id, url: 'https://repaired.example/' });
  });

  test("merges the visitor's query (visitor wins), then adds campaign UTM parameters, as ASCII", async ({
    database,
    edge,
    userId,
  }) => {
    const campaign = await insertCampaign(database.db, userId);
    const link = await insertLink(database.db, {
      userId,
      url: 'https://exämple.com/café?lang=en&keep=1#top',
      campaignId: campaign.id,
    });
    const res = await edge.app.inject({
      url: `/${link.code}?lang=fr&extra=%C3%A9t%C3%A9&utm_source=spoofed`,
      headers: { host: DOMAIN },
    });
    expect(res.statusCode).toBe(302);
    const location = String(res.headers.location);
    expect(location).toMatch(/^[\x21-\x7e]+$/);
    const url = new URL(location);
    expect(url.hostname).toBe('xn--exmple-cua.com');
    expect(url.pathname).toBe('/caf%C3%A9');
    expect(url.hash).toBe('#top');
    expect(url.searchParams.getAll('lang')).toEqual(['fr']);
    expect(url.searchParams.get('keep')).toBe('1');
    expect(url.searchParams.get('extra')).toBe('été');
    expect(url.searchParams.get('utm_source')).toBe('newsletter');
    expect(url.searchParams.get('utm_medium')).toBe('email');
    expect(url.searchParams.get('utm_campaign')).toBe('spring sale');
  });

  test("uses the link's redirect type; permanent redirects may be cached by the browser", async ({
    database,
    edge,
    userId,
  }) => {
    const permanent = await insertLink(database.db, { userId, redirectType: 301 });
    const res = await edge.app.inject({ url: `/${permanent.code}`, headers: { host: DOMAIN } });
    expect(res.statusCode).toBe(301);
    expect(res.headers['cache-control']).toMatch(/max-age=\d+/);
    const temporary = await insertLink(database.db, { userId, redirectType: 307 });
    const res307 = await edge.app.inject({ url: `/${temporary.code}`, headers: { host: DOMAIN } });
    expect(res307.statusCode).toBe(307);
    expect(res307.headers['cache-control']).toBe('private, no-store');
  });

  test('takes the domain from the Host header and falls back to the default domain', async ({
    database,
    edge,
    userId,
  }) => {
    const onDefault = await insertLink(database.db, {
      userId,
      domain: DOMAIN,
      url: 'https://default.example/',
    });
    const onOther = await insertLink(database.db, {
      userId,
      domain: 'localhost:8080',
      code: onDefault.code,
      url: 'https://other.example/',
    });
    const viaOther = await edge.app.inject({ url: `/${onOther.code}`, headers: { host: 'LOCALHOST:8080' } });
    expect(viaOther.headers.location).toBe('https://other.example/');
    const viaUnknownHost = await edge.app.inject({
      url: `/${onDefault.code}`,
      headers: { host: '10.0.0.7:8080' },
    });
    expect(viaUnknownHost.headers.location).toBe('https://default.example/');
  });
});

describe('click capture', () => {
  test('records one event per served redirect, with bot flag, country, referrer host and a visitor hash', async ({
    database,
    edge,
    userId,
    prefix,
    redisUrl,
  }) => {
    const link = await insertLink(database.db, { userId });
    const chrome =
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36';
    await edge.app.inject({
      url: `/${link.code}`,
      headers: {
        host: DOMAIN,
        'user-agent': chrome,
        referer: 'https://News.Example.org/a?b=c',
        'cf-ipcountry': 'de',
      },
      remoteAddress: '203.0.113.9',
    });
    await edge.app.inject({
      method: 'HEAD',
      url: `/${link.code}`,
      headers: { host: DOMAIN, 'user-agent': chrome },
      remoteAddress: '203.0.113.9',
    });
    await edge.app.inject({
      url: `/${link.code}`,
      headers: { host: DOMAIN, 'user-agent': 'Googlebot/2.1 (+http://www.google.com/bot.html)' },
    });
    // Not a served redirect: no click.
    await edge.app.inject({ url: '/doesnotexist', headers: { host: DOMAIN } });

    const events = await waitFor(async () => {
      const batches = await readClickBatches(redisUrl, prefix);
      const mine = batches.flatMap((batch) => batch.events).filter((event) => event.linkId === link.id);
      return mine.length >= 3 ? mine : undefined;
    });
    expect(events).toHaveLength(3);
    const [browser, head, bot] = events.sort((a, b) => a.occurredAt - b.occurredAt);
    expect(browser).toMatchObject({
      referrerHost: 'news.example.org',
      country: 'DE',
      device: 'desktop',
      browser: 'Chrome',
      os: 'Windows',
      isBot: false,
    });
    expect(head?.isBot).toBe(true);
    expect(bot?.isBot).toBe(true);
    expect(new Set(events.map((event) => event.eventId)).size).toBe(3);
    expect(browser?.visitorHash).toBe(head?.visitorHash);
    expect(JSON.stringify(events)).not.toContain('203.0.113.9');
  });

  test('flushes buffered clicks when the app closes', async ({ database, userId, prefix, redisUrl }) => {
    const closing = await startEdge({
      databaseUrl: database.url,
      redisUrl,
      prefix,
      env: { CLICK_BATCH_INTERVAL_MS: '60000', CLICK_BATCH_SIZE: '5000' },
    });
    const link = await insertLink(database.db, { userId });
    for (let i = 0; i < 7; i += 1) {
      expect((await closing.app.inject({ url: `/${link.code}`, headers: { host: DOMAIN } })).statusCode).toBe(
        302,
      );
    }
    const before = (await readClickBatches(redisUrl, prefix)).flatMap((b) => b.events);
    expect(before.filter((event) => event.linkId === link.id)).toHaveLength(0);
    await closing.app.close();
    const after = (await readClickBatches(redisUrl, prefix)).flatMap((b) => b.events);
    expect(after.filter((event) => event.linkId === link.id)).toHaveLength(7);
  });
});

describe('invalidation', () => {
  test('drops the link from every edge LRU within a second of an update', async ({
    database,
    edge,
    userId,
    prefix,
    redisUrl,
  }) => {
    const second = await startEdge({ databaseUrl: database.url, redisUrl, prefix });
    try {
      const link = await insertLink(database.db, { userId, url: 'https://before.example/' });
      for (const instance of [edge, second]) {
        const res = await instance.app.inject({ url: `/${link.code}`, headers: { host: DOMAIN } });
        expect(res.headers.location).toBe('https://before.example/');
      }
      // What the management API does on a change: Postgres first, then the cache, then the announcement.
      await database.db.update(links).set({ url: 'https://after.example/' }).where(eq(links.id, link.id));
      const keys = createRedisKeys(prefix);
      await edge.deps.cacheRedis.del(keys.linkCache(DOMAIN, link.code));
      const published = Date.now();
      await edge.deps.stateRedis.publish(
        keys.invalidationChannel(),
        encodeLinkInvalidation({ domain: DOMAIN, code: link.code }),
      );
      for (const instance of [edge, second]) {
        await waitFor(async () => {
          const res = await instance.app.inject({ url: `/${link.code}`, headers: { host: DOMAIN } });
          return res.headers.location === 'https://after.example/' ? true : undefined;
        }, 1000);
      }
      expect(Date.now() - published).toBeLessThan(1000);
    } finally {
      await second.app.close();
    }
  });
});
