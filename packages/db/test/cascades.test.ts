import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { describe, expect } from 'vitest';
import { test } from '../../testing/src/fixtures.ts';
import type { Db } from '../src/client.ts';
import {
  apiKeys,
  campaigns,
  clickEvents,
  linkAgentsDaily,
  linkClicksDaily,
  linkClicksHourly,
  linkDimensionsDaily,
  links,
  linkVisitorsDaily,
  users,
} from '../src/schema/index.ts';
import { insertCampaign, insertLink, insertUser } from './support.ts';

/** One click recorded everywhere the consumer writes: raw event and every roll-up. */
async function recordClick(db: Db, linkId: string) {
  await db.insert(clickEvents).values({
    eventId: randomUUID(),
    linkId,
    occurredAt: new Date('2026-03-01T10:15:00Z'),
    device: 'desktop',
    browser: 'Firefox',
    os: 'Linux',
    visitorHash: 'v1',
  });
  await db.insert(linkClicksHourly).values({ linkId, bucket: new Date('2026-03-01T10:00:00Z'), clicks: 1 });
  await db.insert(linkClicksDaily).values({ linkId, bucket: '2026-03-01', clicks: 1 });
  await db
    .insert(linkDimensionsDaily)
    .values({ linkId, bucket: '2026-03-01', dimension: 'country', value: 'DE', clicks: 1 });
  await db
    .insert(linkAgentsDaily)
    .values({ linkId, bucket: '2026-03-01', device: 'desktop', browser: 'Firefox', os: 'Linux', clicks: 1 });
  await db.insert(linkVisitorsDaily).values({ linkId, bucket: '2026-03-01', visitorHash: 'v1' });
}

async function rowsFor(db: Db, linkId: string) {
  return {
    events: (await db.select().from(clickEvents).where(eq(clickEvents.linkId, linkId))).length,
    hourly: (await db.select().from(linkClicksHourly).where(eq(linkClicksHourly.linkId, linkId))).length,
    daily: (await db.select().from(linkClicksDaily).where(eq(linkClicksDaily.linkId, linkId))).length,
    dimensions: (await db.select().from(linkDimensionsDaily).where(eq(linkDimensionsDaily.linkId, linkId)))
      .length,
    agents: (await db.select().from(linkAgentsDaily).where(eq(linkAgentsDaily.linkId, linkId))).length,
    visitors: (await db.select().from(linkVisitorsDaily).where(eq(linkVisitorsDaily.linkId, linkId))).length,
  };
}

const oneOfEach = { events: 1, hourly: 1, daily: 1, dimensions: 1, agents: 1, visitors: 1 };
const none = { events: 0, hourly: 0, daily: 0, dimensions: 0, agents: 0, visitors: 0 };

describe('deletes', () => {
  test("deleting a link removes its clicks and roll-ups, and leaves other links' alone", async ({
    database,
  }) => {
    const user = await insertUser(database.db);
    const doomed = await insertLink(database.db, user.id);
    const kept = await insertLink(database.db, user.id);
    await recordClick(database.db, doomed.id);
    await recordClick(database.db, kept.id);

    await database.db.delete(links).where(eq(links.id, doomed.id));

    expect(await rowsFor(database.db, doomed.id)).toEqual(none);
    expect(await rowsFor(database.db, kept.id)).toEqual(oneOfEach);
  });

  test('deleting a campaign keeps its links and detaches them', async ({ database }) => {
    const user = await insertUser(database.db);
    const campaign = await insertCampaign(database.db, user.id);
    const link = await insertLink(database.db, user.id, { campaignId: campaign.id });

    await database.db.delete(campaigns).where(eq(campaigns.id, campaign.id));

    const [after] = await database.db.select().from(links).where(eq(links.id, link.id));
    expect(after?.campaignId).toBeNull();
  });

  test("deleting a user removes everything the user owned, and nobody else's data", async ({ database }) => {
    const owner = await insertUser(database.db);
    const other = await insertUser(database.db);
    const campaign = await insertCampaign(database.db, owner.id);
    const link = await insertLink(database.db, owner.id, { campaignId: campaign.id });
    const otherLink = await insertLink(database.db, other.id);
    await recordClick(database.db, link.id);
    await recordClick(database.db, otherLink.id);
    await database.db.insert(apiKeys).values({
      userId: owner.id,
      name: 'ci',
      prefix: 'bl_owner',
      lastFour: 'abcd',
      keyHash: 'c'.repeat(64),
    });

    await database.db.delete(users).where(eq(users.id, owner.id));

    expect(await database.db.select().from(apiKeys).where(eq(apiKeys.userId, owner.id))).toEqual([]);
    expect(await database.db.select().from(campaigns).where(eq(campaigns.userId, owner.id))).toEqual([]);
    expect(await database.db.select().from(links).where(eq(links.userId, owner.id))).toEqual([]);
    expect(await rowsFor(database.db, link.id)).toEqual(none);
    expect(await rowsFor(database.db, otherLink.id)).toEqual(oneOfEach);
  });
});
