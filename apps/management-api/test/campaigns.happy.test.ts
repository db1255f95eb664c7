import { createSubscriber, type RedisClient, waitForReady } from '@boltlink/redis-keys/clients';
import { decodeCachedLink, decodeLinkInvalidation } from '@boltlink/redis-keys/link-cache';
import { testRedisUrl } from '@boltlink/testing/redis';
import { describe, expect } from 'vitest';
import { createLink, expectProblem, signup, test } from './support/api.ts';

let subscriber: RedisClient;
const invalidated: string[] = [];
test.beforeAll(async ({ api }) => {
  subscriber = createSubscriber(testRedisUrl());
  await waitForReady(subscriber);
  subscriber.on('message', (_channel, raw: string) => {
    const message = decodeLinkInvalidation(raw);
    if (message) invalidated.push(message.code);
  });
  await subscriber.subscribe(api.keys.invalidationChannel());
});
test.afterAll(async () => {
  await subscriber?.quit();
});

const utm = { source: 'newsletter', medium: 'email', campaign: 'spring' };

describe('campaigns', () => {
  test('creates, lists, gets, patches and deletes a campaign', async ({ api }) => {
    const user = await signup(api);
    const created = await api.app.inject({
      method: 'POST',
      url: '/api/v1/campaigns',
      headers: user.auth,
      payload: { name: 'Spring', utm: { ...utm, term: 'shoes' } },
    });
    expect(created.statusCode).toBe(201);
    const campaign = created.json();
    expect(campaign).toMatchObject({ name: 'Spring', utm: { ...utm, term: 'shoes', content: null } });

    const list = await api.app.inject({ url: '/api/v1/campaigns', headers: user.auth });
    expect(list.json()).toEqual({ items: [campaign], nextCursor: null });
    expect(
      (await api.app.inject({ url: `/api/v1/campaigns/${campaign.id}`, headers: user.auth })).json(),
    ).toEqual(campaign);

    const patched = await api.app.inject({
      method: 'PATCH',
      url: `/api/v1/campaigns/${campaign.id}`,
      headers: user.auth,
      payload: { name: 'Spring sale', utm: { content: 'banner', term: null } },
    });
    expect(patched.json()).toMatchObject({
      name: 'Spring sale',
      utm: { ...utm, term: null, content: 'banner' },
    });

    const del = await api.app.inject({
      method: 'DELETE',
      url: `/api/v1/campaigns/${campaign.id}`,
      headers: user.auth,
    });
    expect(del.statusCode).toBe(204);
    expectProblem(await api.app.inject({ url: `/api/v1/campaigns/${campaign.id}`, headers: user.auth }), 404);
  });

  test('puts the UTM parameters in the cached link and drops its links from the cache when they change', async ({
    api,
  }) => {
    const user = await signup(api);
    const campaign = (
      await api.app.inject({
        method: 'POST',
        url: '/api/v1/campaigns',
        headers: user.auth,
        payload: { name: 'C', utm },
      })
    ).json();
    const link = await createLink(api, user.auth, {
      url: 'https://example.com/c',
      campaignId: campaign.id,
      title: 't',
    });
    expect(link.campaignId).toBe(campaign.id);
    const key = api.keys.linkCache(link.domain, link.code);
    expect(decodeCachedLink(await api.redis.get(key))?.utm).toEqual({
      utm_source: 'newsletter',
      utm_medium: 'email',
      utm_campaign: 'spring',
    });
    const byCampaign = await api.app.inject({
      url: `/api/v1/links?campaignId=${campaign.id}`,
      headers: user.auth,
    });
    expect(byCampaign.json().items.map((l: { id: string }) => l.id)).toEqual([link.id]);

    invalidated.length = 0;
    // A rename alone leaves the cache alone...
    await api.app.inject({
      method: 'PATCH',
      url: `/api/v1/campaigns/${campaign.id}`,
      headers: user.auth,
      payload: { name: 'C2' },
    });
    expect(await api.redis.exists(key)).toBe(1);
    // ...a UTM change drops the entry and tells every edge.
    const res = await api.app.inject({
      method: 'PATCH',
      url: `/api/v1/campaigns/${campaign.id}`,
      headers: user.auth,
      payload: { utm: { source: 'twitter' } },
    });
    expect(res.json().utm.source).toBe('twitter');
    expect(await api.redis.exists(key)).toBe(0);
    await expect.poll(() => invalidated.includes(link.code)).toBe(true);

    // Deleting the campaign keeps the link, detached, and drops its cached UTM again.
    await api.redis.set(key, 'stale');
    await api.app.inject({ method: 'DELETE', url: `/api/v1/campaigns/${campaign.id}`, headers: user.auth });
    expect(await api.redis.exists(key)).toBe(0);
    const after = await api.app.inject({ url: `/api/v1/links/${link.id}`, headers: user.auth });
    expect(after.json().campaignId).toBeNull();
  });
});
