import http from 'node:http';
import { blockedDestinations } from '@boltlink/db/schema';
import type { RedirectRule } from '@boltlink/redirect-location/rules';
import { encodeBlocklistChange } from '@boltlink/redis-keys/blocked-destinations';
import { createRedisKeys } from '@boltlink/redis-keys/keys';
import { decodeCachedLink } from '@boltlink/redis-keys/link-cache';
import { afterAll, describe, expect } from 'vitest';
import {
  DOMAIN,
  test as edgeTest,
  insertLink,
  readClickBatches,
  type TestEdge,
  waitFor,
} from './support/edge.ts';
import { edgeRequest, listenOnLoopback } from './support/http.ts';

// Redirect rules seen by a visitor: through a real socket (the fast path in front of Fastify answers plain
// redirects) and through Fastify's route (`inject`), which must pick the same destination.
const test = edgeTest.extend(
  'edgeEnv',
  { scope: 'file' },
  { COUNTRY_HEADER: 'CF-IPCountry', CLICK_BATCH_INTERVAL_MS: '20' },
);

const IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';
const ANDROID =
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36';
const IPAD =
  'Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';
const WINDOWS_CHROME =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';
const MAC_FIREFOX = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:127.0) Gecko/20100101 Firefox/127.0';

const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
let port: number;
test.beforeAll(async ({ edge }) => {
  port = await listenOnLoopback(edge);
});
afterAll(() => agent.destroy());

const FALLBACK = 'https://example.com/landing';

async function linkWith(
  database: { db: Parameters<typeof insertLink>[0] },
  userId: string,
  redirectRules: RedirectRule[],
) {
  return insertLink(database.db, { userId, url: FALLBACK, redirectRules });
}

/** Where the visitor is sent, asked through the socket and through Fastify; both must agree. */
async function destination(
  edge: TestEdge,
  path: string,
  headers: Record<string, string> = {},
): Promise<string | undefined> {
  const viaSocket = await edgeRequest(port, path, { agent, headers });
  const viaRoute = await edge.app.inject({ url: path, headers: { host: DOMAIN, ...headers } });
  expect(viaSocket.status).toBe(viaRoute.statusCode);
  expect(viaSocket.headers.location).toBe(viaRoute.headers.location);
  return viaSocket.headers.location;
}

describe('redirect rules at the edge', () => {
  test('send phones to their app store by OS, and everyone else to the link URL', async ({
    edge,
    database,
    userId,
  }) => {
    const link = await linkWith(database, userId, [
      { conditions: { os: ['iOS'] }, url: 'https://apps.apple.com/app/id123' },
      { conditions: { os: ['android'] }, url: 'https://play.google.com/store/apps/details?id=com.example' },
    ]);
    expect(await destination(edge, `/${link.code}`, { 'user-agent': IPHONE })).toBe(
      'https://apps.apple.com/app/id123',
    );
    expect(await destination(edge, `/${link.code}`, { 'user-agent': ANDROID })).toBe(
      'https://play.google.com/store/apps/details?id=com.example',
    );
    expect(await destination(edge, `/${link.code}`, { 'user-agent': WINDOWS_CHROME })).toBe(FALLBACK);
    expect(await destination(edge, `/${link.code}`)).toBe(FALLBACK);
  });

  test("send a country's visitors to its shop", async ({ edge, database, userId }) => {
    const link = await linkWith(database, userId, [
      { conditions: { country: ['DE', 'AT'] }, url: 'https://shop.example/de' },
    ]);
    expect(await destination(edge, `/${link.code}`, { 'cf-ipcountry': 'AT' })).toBe(
      'https://shop.example/de',
    );
    expect(await destination(edge, `/${link.code}`, { 'cf-ipcountry': 'FR' })).toBe(FALLBACK);
    expect(await destination(edge, `/${link.code}`, { 'cf-ipcountry': 'XX' })).toBe(FALLBACK);
  });

  test('tell device types apart as the stats do', async ({ edge, database, userId }) => {
    const link = await linkWith(database, userId, [
      { conditions: { device: ['tablet'] }, url: 'https://example.com/tablet' },
      { conditions: { device: ['mobile'] }, url: 'https://example.com/mobile' },
      { conditions: { device: ['desktop'] }, url: 'https://example.com/desktop' },
    ]);
    expect(await destination(edge, `/${link.code}`, { 'user-agent': IPAD })).toBe(
      'https://example.com/tablet',
    );
    expect(await destination(edge, `/${link.code}`, { 'user-agent': IPHONE })).toBe(
      'https://example.com/mobile',
    );
    expect(await destination(edge, `/${link.code}`, { 'user-agent': MAC_FIREFOX })).toBe(
      'https://example.com/desktop',
    );
    expect(await destination(edge, `/${link.code}`, { 'user-agent': 'curl/8.5.0' })).toBe(FALLBACK);
  });

  test('match the browser, any case', async ({ edge, database, userId }) => {
    const link = await linkWith(database, userId, [
      { conditions: { browser: ['FIREFOX'] }, url: 'https://example.com/firefox' },
    ]);
    expect(await destination(edge, `/${link.code}`, { 'user-agent': MAC_FIREFOX })).toBe(
      'https://example.com/firefox',
    );
    expect(await destination(edge, `/${link.code}`, { 'user-agent': WINDOWS_CHROME })).toBe(FALLBACK);
  });

  test("follow the visitor's most preferred language by q-value", async ({ edge, database, userId }) => {
    const link = await linkWith(database, userId, [
      { conditions: { language: ['de'] }, url: 'https://example.com/de' },
      { conditions: { language: ['fr'] }, url: 'https://example.com/fr' },
    ]);
    const to = (acceptLanguage: string) =>
      destination(edge, `/${link.code}`, { 'accept-language': acceptLanguage });
    expect(await to('de-CH,de;q=0.9,en;q=0.8')).toBe('https://example.com/de');
    expect(await to('en;q=0.4, fr;q=0.8, de;q=0.6')).toBe('https://example.com/fr');
    expect(await to('de;q=0, en')).toBe(FALLBACK);
    expect(await to('en-US,en;q=0.9,de;q=0.8')).toBe(FALLBACK);
  });

  test("match a query parameter by value or by presence, keeping the visitor's query", async ({
    edge,
    database,
    userId,
  }) => {
    const link = await linkWith(database, userId, [
      { conditions: { query: { name: 'ref', value: 'mail' } }, url: 'https://example.com/mail' },
      { conditions: { query: { name: 'beta' } }, url: 'https://beta.example.com/' },
    ]);
    expect(await destination(edge, `/${link.code}?ref=mail`)).toBe('https://example.com/mail?ref=mail');
    expect(await destination(edge, `/${link.code}?ref=web`)).toBe(`${FALLBACK}?ref=web`);
    expect(await destination(edge, `/${link.code}?beta`)).toBe('https://beta.example.com/?beta');
    expect(await destination(edge, `/${link.code}`)).toBe(FALLBACK);
  });

  test('need every condition of a rule, and take the first rule that holds', async ({
    edge,
    database,
    userId,
  }) => {
    const link = await linkWith(database, userId, [
      { conditions: { country: ['DE'], os: ['iOS'] }, url: 'https://example.com/de-ios' },
      { conditions: { os: ['iOS'] }, url: 'https://example.com/ios' },
      { conditions: { country: ['DE'] }, url: 'https://example.com/de' },
    ]);
    const to = (headers: Record<string, string>) => destination(edge, `/${link.code}`, headers);
    expect(await to({ 'cf-ipcountry': 'DE', 'user-agent': IPHONE })).toBe('https://example.com/de-ios');
    expect(await to({ 'cf-ipcountry': 'FR', 'user-agent': IPHONE })).toBe('https://example.com/ios');
    expect(await to({ 'cf-ipcountry': 'DE', 'user-agent': ANDROID })).toBe('https://example.com/de');
    expect(await to({ 'cf-ipcountry': 'FR', 'user-agent': ANDROID })).toBe(FALLBACK);
  });

  test('travel in the cached link and record the click of a rule redirect', async ({
    edge,
    database,
    userId,
    prefix,
    redisUrl,
  }) => {
    const rules = [{ conditions: { os: ['iOS'] }, url: 'https://apps.apple.com/app/id9' }];
    const link = await linkWith(database, userId, rules);
    expect(await destination(edge, `/${link.code}`, { 'user-agent': IPHONE })).toBe(
      'https://apps.apple.com/app/id9',
    );
    const keys = createRedisKeys(prefix);
    const cached = await waitFor(async () => {
      const raw = await edge.deps.cacheRedis.get(keys.linkCache(DOMAIN, link.code));
      return raw === null ? undefined : decodeCachedLink(raw);
    });
    expect(cached).toMatchObject({ v: 2, id: link.id, rules });
    const clicks = await waitFor(async () => {
      const batches = await readClickBatches(redisUrl, prefix);
      const mine = batches.flatMap((batch) => batch.events).filter((event) => event.linkId === link.id);
      return mine.length >= 2 ? mine : undefined;
    });
    expect(clicks.every((click) => click.os === 'iOS' && click.device === 'mobile')).toBe(true);
  });

  test('answer 410 for a link whose rule sends visitors to a blocked domain', async ({
    edge,
    database,
    userId,
    prefix,
  }) => {
    const host = `blocked-${Date.now().toString(36)}.example`;
    await database.db.insert(blockedDestinations).values({ hostname: host });
    await edge.deps.cacheRedis.publish(createRedisKeys(prefix).blocklistChannel(), encodeBlocklistChange());
    const link = await linkWith(database, userId, [
      { conditions: { os: ['iOS'] }, url: `https://www.${host}/app` },
    ]);
    const status = await waitFor(async () => {
      const answer = await edgeRequest(port, `/${link.code}`, { agent, headers: { 'user-agent': ANDROID } });
      return answer.status === 410 ? answer.status : undefined;
    });
    expect(status).toBe(410);
    expect(
      (await edgeRequest(port, `/${link.code}`, { agent, headers: { 'user-agent': IPHONE } })).status,
    ).toBe(410);
  });
});
