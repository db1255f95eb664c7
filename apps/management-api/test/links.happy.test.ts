import { findLinkForRedirect } from '@boltlink/db/queries/links';
import { createSubscriber, type RedisClient, waitForReady } from '@boltlink/redis-keys/clients';
import { decodeCachedLink, decodeLinkInvalidation } from '@boltlink/redis-keys/link-cache';
import { testRedisUrl } from '@boltlink/testing/redis';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { describe, expect } from 'vitest';
import type { LinkView } from '../src/schemas/links.ts';
import { createLink, signup, type TestApi, test } from './support/api.ts';

let subscriber: RedisClient;
let queueConnection: Redis;
let metadataQueue: Queue;
const invalidations: { domain: string; code: string }[] = [];
let user: Awaited<ReturnType<typeof signup>>;

test.beforeAll(async ({ api }) => {
  subscriber = createSubscriber(testRedisUrl());
  await waitForReady(subscriber);
  subscriber.on('message', (_channel, raw: string) => {
    const message = decodeLinkInvalidation(raw);
    if (message) invalidations.push({ domain: message.domain, code: message.code });
  });
  await subscriber.subscribe(api.keys.invalidationChannel());
  queueConnection = new Redis(testRedisUrl(), { maxRetriesPerRequest: null });
  metadataQueue = new Queue('link-metadata', { connection: queueConnection, prefix: api.queuePrefix });
  user = await signup(api);
});
test.afterAll(async () => {
  await metadataQueue?.close();
  await queueConnection?.quit();
  await subscriber?.quit();
});

const inject = (api: TestApi, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
  api.app.inject({ method, url, payload, headers: user.auth });

const cached = async (api: TestApi, link: { domain: string; code: string }) =>
  decodeCachedLink(await api.redis.get(api.keys.linkCache(link.domain, link.code)));

describe('creating links', () => {
  test('creates a link with a random 7-character base62 code on the default domain', async ({ api }) => {
    const link = await createLink(api, user.auth, { url: 'https://example.com/a path?x=1' });
    expect(link).toMatchObject({
      code: expect.stringMatching(/^[0-9A-Za-z]{7}$/),
      domain: 'sho.rt',
      url: 'https://example.com/a%20path?x=1',
      title: null,
      tags: [],
      expiresAt: null,
      maxClicks: null,
      redirectType: 302,
      hasPassword: false,
      campaignId: null,
      clicks: 0,
    });
    expect(link.shortUrl).toBe(`https://sho.rt/${link.code}`);
    expect(link).not.toHaveProperty('passwordHash');
  });

  test('creates a link with every option and never returns the password', async ({ api }) => {
    const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
    const link = await createLink(api, user.auth, {
      url: 'https://example.org/',
      alias: 'My_Alias-1',
      domain: 'localhost:8080',
      title: 'Example',
      tags: ['launch', 'q3'],
      expiresAt,
      maxClicks: 10,
      password: 'open sesame',
      redirectType: 308,
    });
    expect(link).toMatchObject({
      code: 'My_Alias-1',
      domain: 'localhost:8080',
      shortUrl: 'https://localhost:8080/My_Alias-1',
      title: 'Example',
      tags: ['launch', 'q3'],
      expiresAt,
      maxClicks: 10,
      hasPassword: true,
      redirectType: 308,
    });
    expect(JSON.stringify(link)).not.toContain('open sesame');
    expect(JSON.stringify(link)).not.toContain('argon2');
  });

  test('writes the versioned cache entry the edge reads, clears the negative entry and publishes', async ({
    api,
  }) => {
    await api.redis.set(api.keys.linkNegative('sho.rt', 'fresh-one'), '1');
    const link = await createLink(api, user.auth, {
      url: 'https://example.com/cache',
      alias: 'fresh-one',
      maxClicks: 3,
    });
    expect(await cached(api, link)).toEqual({
      v: 1,
      id: link.id,
      url: 'https://example.com/cache',
      redirectType: 302,
      expiresAt: null,
      maxClicks: 3,
      passwordHash: null,
      utm: null,
    });
    expect(await api.redis.exists(api.keys.linkNegative('sho.rt', 'fresh-one'))).toBe(0);
    expect(await api.redis.ttl(api.keys.linkCache(link.domain, link.code))).toBeGreaterThan(0);
    await expect.poll(() => invalidations.some((m) => m.code === 'fresh-one')).toBe(true);
  });

  test('writes exactly the projection the edge builds from Postgres on a cache miss', async ({ api }) => {
    const campaign = (
      await inject(api, 'POST', '/api/v1/campaigns', {
        name: 'Same shape',
        utm: { source: 'src', medium: 'med', campaign: 'camp', term: '', content: 'cta' },
      })
    ).json();
    const link = await createLink(api, user.auth, {
      url: 'https://example.com/shape',
      campaignId: campaign.id,
      password: 'pw',
      expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
      maxClicks: 5,
      redirectType: 307,
    });
    const row = await findLinkForRedirect(api.database.db, link.domain, link.code);
    expect(row).not.toBeNull();
    expect(await cached(api, link)).toEqual({
      v: 1,
      id: row?.id,
      url: row?.url,
      redirectType: row?.redirectType,
      expiresAt: row?.expiresAt?.getTime() ?? null,
      maxClicks: row?.maxClicks,
      passwordHash: row?.passwordHash,
      // The empty term is left out, as the edge leaves it out when it reads the row.
      utm: { utm_source: 'src', utm_medium: 'med', utm_campaign: 'camp', utm_content: 'cta' },
    });
  });

  test('enqueues a link-metadata job only when no title is given', async ({ api }) => {
    const untitled = await createLink(api, user.auth, { url: 'https://example.com/no-title' });
    const titled = await createLink(api, user.auth, { url: 'https://example.com/titled', title: 'Mine' });
    const jobs = await metadataQueue.getJobs(['waiting', 'delayed', 'active']);
    const linkIds = jobs.map((job) => job.data.linkId);
    expect(linkIds).toContain(untitled.id);
    expect(linkIds).not.toContain(titled.id);
    const job = jobs.find((j) => j.data.linkId === untitled.id);
    expect(job?.data).toEqual({ v: 1, linkId: untitled.id, url: 'https://example.com/no-title' });
  });

  test('bulk-creates links with one result per input, in order, bad items failing alone', async ({ api }) => {
    await createLink(api, user.auth, { url: 'https://example.com/taken', alias: 'bulk-taken' });
    const res = await inject(api, 'POST', '/api/v1/links/bulk', {
      links: [
        { url: 'https://example.com/1' },
        { url: 'javascript:alert(1)' },
        { url: 'https://example.com/3', alias: 'bulk-new' },
        { url: 'https://example.com/4', alias: 'bulk-taken' },
        { nope: true },
        { url: 'https://example.com/6', alias: 'bulk-new' },
        { url: 'https://example.com/7', tags: ['x'], password: 'bulk secret' },
      ],
    });
    expect(res.statusCode).toBe(200);
    const items = res.json().items as ({ error: { status: number; detail: string } } | LinkView)[];
    expect(items).toHaveLength(7);
    const statusOf = (item: (typeof items)[number]) => ('error' in item ? item.error.status : 201);
    expect(items.map(statusOf)).toEqual([201, 400, 201, 409, 400, 409, 201]);
    expect((items[0] as LinkView).url).toBe('https://example.com/1');
    expect((items[2] as LinkView).code).toBe('bulk-new');
    expect((items[6] as LinkView).tags).toEqual(['x']);
    expect((items[6] as LinkView).hasPassword).toBe(true);
    expect(res.body).not.toContain('bulk secret');
    expect((items[1] as { error: { detail: string } }).error.detail).toContain('url');
    const stored = await api.database.pool.query('SELECT count(*)::int AS n FROM links WHERE url LIKE $1', [
      'https://example.com/_',
    ]);
    expect(stored.rows[0].n).toBe(3);
  });

  test('bulk-creates 1000 links in one request', async ({ api }) => {
    const other = await signup(api);
    const links = Array.from({ length: 1000 }, (_, i) => ({
      url: `https://example.com/bulk/${i}`,
      title: `t${i}`,
    }));
    const res = await api.app.inject({
      method: 'POST',
      url: '/api/v1/links/bulk',
      headers: other.auth,
      payload: { links },
    });
    expect(res.statusCode).toBe(200);
    const items = res.json().items as LinkView[];
    expect(items.map((item) => item.url)).toEqual(links.map((l) => l.url));
    expect(new Set(items.map((item) => item.code)).size).toBe(1000);
  });
});

describe('reading, changing and deleting links', () => {
  test('gets, patches and deletes a link, keeping the edge cache in step', async ({ api }) => {
    const link = await createLink(api, user.auth, { url: 'https://example.com/v1', title: 'v1' });
    expect((await inject(api, 'GET', `/api/v1/links/${link.id}`)).json()).toEqual(link);

    const patched = await inject(api, 'PATCH', `/api/v1/links/${link.id}`, {
      url: 'https://example.com/v2',
      tags: ['edited'],
      redirectType: 301,
      password: 'pw',
      maxClicks: null,
    });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({
      url: 'https://example.com/v2',
      tags: ['edited'],
      redirectType: 301,
      hasPassword: true,
    });
    const entry = await cached(api, link);
    expect(entry?.url).toBe('https://example.com/v2');
    expect(entry?.redirectType).toBe(301);
    expect(entry?.passwordHash).toMatch(/^\$argon2id\$/);

    const cleared = await inject(api, 'PATCH', `/api/v1/links/${link.id}`, { password: null, title: null });
    expect(cleared.json()).toMatchObject({ hasPassword: false, title: null });
    expect((await cached(api, link))?.passwordHash).toBeNull();

    invalidations.length = 0;
    expect((await inject(api, 'DELETE', `/api/v1/links/${link.id}`)).statusCode).toBe(204);
    expect(await api.redis.exists(api.keys.linkCache(link.domain, link.code))).toBe(0);
    await expect.poll(() => invalidations.some((m) => m.code === link.code)).toBe(true);
    expect((await inject(api, 'GET', `/api/v1/links/${link.id}`)).statusCode).toBe(404);
  });

  test('moving a link to another domain drops the old cache entry', async ({ api }) => {
    const link = await createLink(api, user.auth, { url: 'https://example.com/move', alias: 'mover' });
    const moved = await inject(api, 'PATCH', `/api/v1/links/${link.id}`, { domain: 'localhost:8080' });
    expect(moved.json().shortUrl).toBe('https://localhost:8080/mover');
    expect(await api.redis.exists(api.keys.linkCache('sho.rt', 'mover'))).toBe(0);
    expect((await cached(api, { domain: 'localhost:8080', code: 'mover' }))?.id).toBe(link.id);
  });

  test('lists newest first with filters by tag, search, domain and ids', async ({ api }) => {
    const owner = await signup(api);
    const make = (payload: Record<string, unknown>) => createLink(api, owner.auth, payload);
    const a = await make({ url: 'https://alpha.example/', tags: ['red'], title: 'Alpha page' });
    const b = await make({ url: 'https://beta.example/', tags: ['red', 'blue'] });
    const c = await make({ url: 'https://gamma.example/100%_off', title: 'Gamma' });
    const list = async (query: string) =>
      (await api.app.inject({ url: `/api/v1/links${query}`, headers: owner.auth })).json() as {
        items: LinkView[];
        nextCursor: string | null;
      };
    expect((await list('')).items.map((l) => l.id)).toEqual([c.id, b.id, a.id]);
    expect((await list('?tag=red')).items.map((l) => l.id)).toEqual([b.id, a.id]);
    expect((await list('?q=alpha')).items.map((l) => l.id)).toEqual([a.id]);
    expect((await list('?q=GAMMA')).items.map((l) => l.id)).toEqual([c.id]);
    // % and _ are literal characters in a search, not wildcards.
    expect((await list('?q=0%25_')).items.map((l) => l.id)).toEqual([c.id]);
    expect((await list('?q=%25')).items.map((l) => l.id)).toEqual([c.id]);
    const d = await make({ url: 'https://delta.example/', domain: 'localhost:8080' });
    expect((await list('?domain=localhost:8080')).items.map((l) => l.id)).toEqual([d.id]);
    expect((await list('?domain=SHO.RT&tag=red')).items.map((l) => l.id)).toEqual([b.id, a.id]);
    expect((await list('?domain=elsewhere.example')).items).toEqual([]);
    await api.app.inject({ method: 'DELETE', url: `/api/v1/links/${d.id}`, headers: owner.auth });
    // By id: another workspace's link and a deleted one are simply absent; ids combine with the filters.
    const elsewhere = await createLink(api, user.auth, { url: 'https://elsewhere.example/' });
    const chosen = `${a.id},${c.id.toUpperCase()},${elsewhere.id},${d.id},${a.id}`;
    expect((await list(`?ids=${chosen}`)).items.map((l) => l.id)).toEqual([c.id, a.id]);
    expect((await list(`?ids=${a.id},${b.id}&tag=blue`)).items.map((l) => l.id)).toEqual([b.id]);
    expect((await list(`?ids=${a.id},${b.id},${c.id}&limit=2`)).items.map((l) => l.id)).toEqual([c.id, b.id]);
    const page = await list('?limit=2');
    expect(page.items.map((l) => l.id)).toEqual([c.id, b.id]);
    const next = await list(`?limit=2&cursor=${page.nextCursor}`);
    expect(next.items.map((l) => l.id)).toEqual([a.id]);
    expect(next.nextCursor).toBeNull();
  });

  test('renders the QR code of the short URL as SVG and PNG', async ({ api }) => {
    const link = await createLink(api, user.auth, { url: 'https://example.com/qr' });
    const svg = await inject(api, 'GET', `/api/v1/links/${link.id}/qr`);
    expect(svg.statusCode).toBe(200);
    expect(svg.headers['content-type']).toContain('image/svg+xml');
    expect(svg.body).toContain('<svg');
    const png = await inject(api, 'GET', `/api/v1/links/${link.id}/qr?format=png&size=256`);
    expect(png.statusCode).toBe(200);
    expect(png.headers['content-type']).toBe('image/png');
    expect(png.rawPayload.subarray(0, 8)).toEqual(
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    );
    expect(png.rawPayload.readUInt32BE(16)).toBe(256);
  });
});
