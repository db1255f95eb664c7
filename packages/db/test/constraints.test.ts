import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { describe, expect } from 'vitest';
import { test } from '../../testing/src/fixtures.ts';
import type { Db } from '../src/client.ts';
import {
  apiKeys,
  clickEvents,
  domains,
  linkAgentsDaily,
  linkClicksDaily,
  linkClicksHourly,
  linkDimensionsDaily,
  links,
  users,
} from '../src/schema/index.ts';
import { insertLink, insertUser, pgErrorOf } from './support.ts';

const CHECK_VIOLATION = '23514';
const UNIQUE_VIOLATION = '23505';

describe('links', () => {
  test('fills defaults: generated uuid, 302, no tags, zero clicks, timestamps', async ({ database }) => {
    const user = await insertUser(database.db);
    const link = await insertLink(database.db, user.id);
    expect(link.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(link.redirectType).toBe(302);
    expect(link.tags).toEqual([]);
    expect(link.clickCount).toBe(0);
    expect(link.maxClicks).toBeNull();
    expect(link.createdAt).toBeInstanceOf(Date);
  });

  test('allows a code once per domain, on several domains, and treats codes case-sensitively', async ({
    database,
  }) => {
    const user = await insertUser(database.db);
    await insertLink(database.db, user.id, { domain: 'a.test', code: 'launch' });
    const duplicate = await pgErrorOf(insertLink(database.db, user.id, { domain: 'a.test', code: 'launch' }));
    expect(duplicate).toEqual({ code: UNIQUE_VIOLATION, constraint: 'links_domain_code_unique' });

    await insertLink(database.db, user.id, { domain: 'b.test', code: 'launch' });
    await insertLink(database.db, user.id, { domain: 'a.test', code: 'Launch' });
    const rows = await database.db.select().from(links).where(eq(links.code, 'launch'));
    expect(rows.map((row) => row.domain).sort()).toEqual(['a.test', 'b.test']);
  });

  test('gives exactly one winner when the same alias is created concurrently', async ({ database }) => {
    const user = await insertUser(database.db);
    const attempts = await Promise.allSettled(
      Array.from({ length: 8 }, () =>
        insertLink(database.db, user.id, { domain: 'race.test', code: 'same' }),
      ),
    );
    expect(attempts.filter((attempt) => attempt.status === 'fulfilled')).toHaveLength(1);
  });

  test.for([
    ['a redirect type outside 301/302/307/308', { redirectType: 303 as 302 }, 'links_redirect_type_check'],
    ['max clicks of 0', { maxClicks: 0 }, 'links_max_clicks_check'],
    ['a negative click count', { clickCount: -1 }, 'links_click_count_check'],
    ['a code with a slash', { code: 'a/b' }, 'links_code_format_check'],
    ['an empty code', { code: '' }, 'links_code_format_check'],
    ['an 11th tag', { tags: Array.from({ length: 11 }, (_, i) => `t${i}`) }, 'links_tags_count_check'],
    ['an empty destination', { url: '' }, 'links_url_length_check'],
  ] as const)('rejects %s', async ([, values, constraint], { database }) => {
    const user = await insertUser(database.db);
    expect(await pgErrorOf(insertLink(database.db, user.id, values))).toEqual({
      code: CHECK_VIOLATION,
      constraint,
    });
  });

  test('accepts every allowed redirect type and a cap of 1', async ({ database }) => {
    const user = await insertUser(database.db);
    for (const redirectType of [301, 302, 307, 308] as const) {
      const link = await insertLink(database.db, user.id, { redirectType, maxClicks: 1 });
      expect(link.redirectType).toBe(redirectType);
    }
  });
});

describe('users and API keys', () => {
  test('rejects an email that is not stored lower-cased, and a duplicate email', async ({ database }) => {
    expect(await pgErrorOf(insertUser(database.db, 'Mixed@Example.com'))).toEqual({
      code: CHECK_VIOLATION,
      constraint: 'users_email_lower_check',
    });
    await insertUser(database.db, 'taken@example.com');
    expect(await pgErrorOf(insertUser(database.db, 'taken@example.com'))).toEqual({
      code: UNIQUE_VIOLATION,
      constraint: 'users_email_unique',
    });
  });

  test('stores only a sha256 hex digest, once, with known scopes', async ({ database }) => {
    const user = await insertUser(database.db);
    const key = {
      userId: user.id,
      name: 'ci',
      prefix: 'bl_abcd',
      lastFour: 'wxyz',
      keyHash: 'a'.repeat(64),
      scopes: ['links:read' as const],
    };
    await database.db.insert(apiKeys).values(key);
    expect(await pgErrorOf(database.db.insert(apiKeys).values(key))).toEqual({
      code: UNIQUE_VIOLATION,
      constraint: 'api_keys_key_hash_unique',
    });
    expect(
      await pgErrorOf(database.db.insert(apiKeys).values({ ...key, keyHash: 'bl_plaintext-key' })),
    ).toEqual({ code: CHECK_VIOLATION, constraint: 'api_keys_key_hash_sha256_check' });
    expect(
      await pgErrorOf(
        database.db
          .insert(apiKeys)
          .values({ ...key, keyHash: 'b'.repeat(64), scopes: ['admin' as 'links:read'] }),
      ),
    ).toEqual({ code: CHECK_VIOLATION, constraint: 'api_keys_scopes_check' });
  });
});

describe('click events and roll-ups', () => {
  test('inserts an event id once, so a redelivered batch adds nothing', async ({ database }) => {
    const user = await insertUser(database.db);
    const link = await insertLink(database.db, user.id);
    const event = {
      eventId: randomUUID(),
      linkId: link.id,
      occurredAt: new Date(),
      country: 'DE',
      device: 'desktop',
      browser: 'Firefox',
      os: 'Linux',
    };
    const first = await database.db.insert(clickEvents).values(event).onConflictDoNothing().returning();
    const second = await database.db.insert(clickEvents).values(event).onConflictDoNothing().returning();
    expect(first).toHaveLength(1);
    expect(second).toHaveLength(0);
    expect(first[0]?.isBot).toBe(false);
  });

  test('rejects a country that is not two upper-case letters', async ({ database }) => {
    const user = await insertUser(database.db);
    const link = await insertLink(database.db, user.id);
    const insert = database.db.insert(clickEvents).values({
      eventId: randomUUID(),
      linkId: link.id,
      occurredAt: new Date(),
      country: 'de',
      device: 'mobile',
      browser: 'Safari',
      os: 'iOS',
    });
    expect(await pgErrorOf(insert)).toEqual({
      code: CHECK_VIOLATION,
      constraint: 'click_events_country_check',
    });
  });

  test('accepts country and referrer dimensions only: device, browser and OS go to link_agents_daily', async ({
    database,
  }) => {
    const user = await insertUser(database.db);
    const link = await insertLink(database.db, user.id);
    const row = { linkId: link.id, bucket: '2026-03-01', value: 'x', clicks: 1, botClicks: 0 };
    for (const dimension of ['city', 'device', 'browser', 'os'] as const) {
      expect(
        await pgErrorOf(
          database.db.insert(linkDimensionsDaily).values({ ...row, dimension: dimension as 'country' }),
        ),
      ).toEqual({ code: CHECK_VIOLATION, constraint: 'link_dimensions_daily_dimension_check' });
    }
    for (const dimension of ['country', 'referrer'] as const) {
      await database.db.insert(linkDimensionsDaily).values({ ...row, dimension });
    }
  });

  test('keeps one agent row per device, browser and OS combination, each value at most 255 characters', async ({
    database,
  }) => {
    const user = await insertUser(database.db);
    const link = await insertLink(database.db, user.id);
    const row = { linkId: link.id, bucket: '2026-03-01', device: 'mobile', browser: 'Safari', os: 'iOS' };
    await database.db.insert(linkAgentsDaily).values({ ...row, clicks: 2, botClicks: 1 });
    await database.db.insert(linkAgentsDaily).values({ ...row, os: 'iPadOS', clicks: 1 });
    expect(await pgErrorOf(database.db.insert(linkAgentsDaily).values({ ...row, clicks: 1 }))).toEqual({
      code: UNIQUE_VIOLATION,
      constraint: 'link_agents_daily_pkey',
    });
    for (const column of ['device', 'browser', 'os'] as const) {
      expect(
        await pgErrorOf(
          database.db.insert(linkAgentsDaily).values({ ...row, [column]: 'x'.repeat(256), clicks: 1 }),
        ),
      ).toEqual({ code: CHECK_VIOLATION, constraint: 'link_agents_daily_value_length_check' });
    }
    await database.db.insert(linkAgentsDaily).values({ ...row, browser: 'x'.repeat(255), clicks: 1 });
    expect(
      await pgErrorOf(
        database.db.insert(linkAgentsDaily).values({ ...row, os: 'Linux', clicks: 1, botClicks: 2 }),
      ),
    ).toEqual({ code: CHECK_VIOLATION, constraint: 'link_agents_daily_counts_check' });
  });

  test('rejects more bot clicks than clicks, and an hourly bucket that is not on the hour', async ({
    database,
  }) => {
    const user = await insertUser(database.db);
    const link = await insertLink(database.db, user.id);
    expect(
      await pgErrorOf(
        database.db
          .insert(linkClicksDaily)
          .values({ linkId: link.id, bucket: '2026-03-01', clicks: 1, botClicks: 2 }),
      ),
    ).toEqual({ code: CHECK_VIOLATION, constraint: 'link_clicks_daily_counts_check' });
    expect(
      await pgErrorOf(
        database.db
          .insert(linkClicksHourly)
          .values({ linkId: link.id, bucket: new Date('2026-03-01T10:30:00Z'), clicks: 1 }),
      ),
    ).toEqual({ code: CHECK_VIOLATION, constraint: 'link_clicks_hourly_bucket_hour_check' });
    await database.db
      .insert(linkClicksHourly)
      .values({ linkId: link.id, bucket: new Date('2026-03-01T10:00:00Z'), clicks: 3, botClicks: 1 });
  });

  test('judges the hourly bucket in UTC whatever the session time zone', async ({ database }) => {
    const user = await insertUser(database.db);
    const link = await insertLink(database.db, user.id);
    const client = await database.pool.connect();
    try {
      // India is UTC+05:30: a session-local date_trunc would reject this UTC hour.
      await client.query(`SET TIME ZONE 'Asia/Kolkata'`);
      await client.query(
        `INSERT INTO link_clicks_hourly (link_id, bucket, clicks) VALUES ($1, '2026-03-01T10:00:00Z', 1)`,
        [link.id],
      );
    } finally {
      await client.query('RESET TIME ZONE');
      client.release();
    }
    const rows = await database.db
      .select()
      .from(linkClicksHourly)
      .where(eq(linkClicksHourly.linkId, link.id));
    expect(rows.map((row) => row.bucket.toISOString())).toEqual(['2026-03-01T10:00:00.000Z']);
  });
});

test('keeps users deletable by id (sanity of the fixtures)', async ({ database }) => {
  const user = await insertUser(database.db);
  await database.db.delete(users).where(eq(users.id, user.id));
  expect(await database.db.select().from(users).where(eq(users.id, user.id))).toEqual([]);
});

describe('domains', () => {
  const insertDomain = (db: Db, workspaceId: string, values: Partial<typeof domains.$inferInsert> = {}) =>
    db
      .insert(domains)
      .values({ workspaceId, hostname: 'go.brand.example', verificationToken: 'a'.repeat(32), ...values })
      .returning();

  test('holds a hostname once across the instance, and goes with its workspace', async ({ database }) => {
    const [alice, bob] = [await insertUser(database.db), await insertUser(database.db)];
    // A personal workspace carries its user's id (ADR 0014).
    await insertDomain(database.db, alice.id);
    expect(await pgErrorOf(insertDomain(database.db, bob.id))).toEqual({
      code: UNIQUE_VIOLATION,
      constraint: 'domains_hostname_unique',
    });
    await database.db.delete(users).where(eq(users.id, alice.id));
    expect(await database.db.select().from(domains)).toEqual([]);
  });

  test.for([
    ['an upper-case hostname', { hostname: 'Go.Brand.example' }, 'domains_hostname_format_check'],
    ['a hostname with a port', { hostname: 'go.brand.example:8080' }, 'domains_hostname_format_check'],
    ['a hostname with a trailing dot', { hostname: 'go.brand.example.' }, 'domains_hostname_format_check'],
    ['an unknown status', { status: 'active' as 'pending' }, 'domains_status_check'],
    ['verified without a date', { status: 'verified' as const }, 'domains_verified_at_check'],
    ['a short token', { verificationToken: 'abc' }, 'domains_verification_token_length_check'],
  ] as const)('rejects %s', async ([, values, constraint], { database }) => {
    const user = await insertUser(database.db);
    expect(await pgErrorOf(insertDomain(database.db, user.id, values))).toEqual({
      code: CHECK_VIOLATION,
      constraint,
    });
  });
});
