import { eq } from 'drizzle-orm';
import { describe, expect } from 'vitest';
import { test } from '../../../testing/src/fixtures.ts';
import { findLinkForRedirect } from '../../src/queries/links.ts';
import { campaigns } from '../../src/schema/index.ts';
import { insertCampaign, insertLink, insertUser } from '../support.ts';

describe('findLinkForRedirect', () => {
  test('returns the redirect projection of a plain link', async ({ database }) => {
    const user = await insertUser(database.db);
    const expiresAt = new Date('2030-01-01T00:00:00Z');
    const link = await insertLink(database.db, user.id, {
      domain: 'sho.rt',
      code: 'plain1',
      url: 'https://example.com/a?b=c',
      redirectType: 308,
      expiresAt,
      maxClicks: 5,
      passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$x$y',
      clickCount: 3,
      title: 'not needed by the edge',
    });

    expect(await findLinkForRedirect(database.db, 'sho.rt', 'plain1')).toEqual({
      id: link.id,
      url: 'https://example.com/a?b=c',
      redirectType: 308,
      expiresAt,
      maxClicks: 5,
      passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$x$y',
      clickCount: 3,
      blockedAt: null,
      redirectRules: [],
      variants: [],
      campaign: null,
    });
  });

  test('carries the redirect rules in their order', async ({ database }) => {
    const user = await insertUser(database.db);
    const redirectRules = [
      { conditions: { os: ['iOS'] }, url: 'https://apps.apple.com/app/id1' },
      { conditions: { os: ['Android'] }, url: 'https://play.google.com/store/apps/details?id=a' },
    ];
    await insertLink(database.db, user.id, { domain: 'sho.rt', code: 'rules1', redirectRules });
    expect(await findLinkForRedirect(database.db, 'sho.rt', 'rules1')).toMatchObject({ redirectRules });
  });

  test('carries the A/B split in its order', async ({ database }) => {
    const user = await insertUser(database.db);
    const variants = [
      { name: 'control', url: 'https://example.com/a', weight: 3 },
      { name: 'b', url: 'https://example.com/b', weight: 1 },
    ];
    await insertLink(database.db, user.id, { domain: 'sho.rt', code: 'split1', variants });
    expect(await findLinkForRedirect(database.db, 'sho.rt', 'split1')).toMatchObject({ variants });
  });

  test('carries when an instance admin blocked the link', async ({ database }) => {
    const user = await insertUser(database.db);
    const blockedAt = new Date('2026-12-01T10:00:00Z');
    await insertLink(database.db, user.id, { domain: 'sho.rt', code: 'blocked1', blockedAt });
    expect(await findLinkForRedirect(database.db, 'sho.rt', 'blocked1')).toMatchObject({ blockedAt });
  });

  test("joins the campaign's UTM columns", async ({ database }) => {
    const user = await insertUser(database.db);
    const campaign = await insertCampaign(database.db, user.id, { utmTerm: 'shoes', utmContent: null });
    await insertLink(database.db, user.id, { domain: 'sho.rt', code: 'utm1', campaignId: campaign.id });

    const found = await findLinkForRedirect(database.db, 'sho.rt', 'utm1');
    expect(found?.campaign).toEqual({
      utmSource: 'newsletter',
      utmMedium: 'email',
      utmCampaign: 'spring',
      utmTerm: 'shoes',
      utmContent: null,
    });

    await database.db.delete(campaigns).where(eq(campaigns.id, campaign.id));
    expect((await findLinkForRedirect(database.db, 'sho.rt', 'utm1'))?.campaign).toBeNull();
  });

  test('matches domain and code exactly', async ({ database }) => {
    const user = await insertUser(database.db);
    await insertLink(database.db, user.id, { domain: 'one.test', code: 'Case1' });

    expect(await findLinkForRedirect(database.db, 'one.test', 'Case1')).not.toBeNull();
    expect(await findLinkForRedirect(database.db, 'two.test', 'Case1')).toBeNull();
    expect(await findLinkForRedirect(database.db, 'one.test', 'case1')).toBeNull();
    expect(await findLinkForRedirect(database.db, 'one.test', 'nope')).toBeNull();
  });
});
