import { describe, expect } from 'vitest';
import { createApiKey, createLink, signup, type TestApi, test } from './support/api.ts';
import { recordClicks } from './support/clicks.ts';

let user: Awaited<ReturnType<typeof signup>>;
let linkA: { id: string; code: string; domain: string };
let linkB: { id: string; code: string; domain: string };

/** Runs `sql` once per row of parameters. */
async function seedRows(api: TestApi, sql: string, rows: unknown[][]) {
  for (const row of rows) await api.database.pool.query(sql, row);
}

test.beforeAll(async ({ api }) => {
  user = await signup(api);
  linkA = await createLink(api, user.auth, { url: 'https://example.com/a', title: 'a' });
  linkB = await createLink(api, user.auth, { url: 'https://example.com/b', title: 'b' });
  // Roll-up rows as the analytics consumer writes them: clicks include bots, bot_clicks is the subset.
  const hourly: [string, string, number, number][] = [
    [linkA.id, '2026-03-01T10:00:00Z', 5, 1],
    [linkA.id, '2026-03-01T12:00:00Z', 3, 0],
    [linkB.id, '2026-03-01T12:00:00Z', 4, 4],
  ];
  await seedRows(
    api,
    'INSERT INTO link_clicks_hourly (link_id, bucket, clicks, bot_clicks) VALUES ($1, $2, $3, $4)',
    hourly,
  );
  const daily: [string, string, number, number][] = [
    [linkA.id, '2026-03-01', 8, 1],
    [linkA.id, '2026-03-03', 2, 0],
    [linkB.id, '2026-03-01', 4, 4],
    [linkB.id, '2026-03-02', 20, 0],
  ];
  await seedRows(
    api,
    'INSERT INTO link_clicks_daily (link_id, bucket, clicks, bot_clicks) VALUES ($1, $2, $3, $4)',
    daily,
  );
  const dims: [string, string, string, string, number, number][] = [
    [linkA.id, '2026-03-01', 'country', 'DE', 5, 1],
    [linkA.id, '2026-03-01', 'country', 'FR', 3, 0],
    [linkA.id, '2026-03-03', 'country', 'FR', 2, 0],
    [linkA.id, '2026-03-01', 'referrer', 'news.ycombinator.com', 4, 0],
    [linkB.id, '2026-03-02', 'country', 'US', 20, 0],
  ];
  await seedRows(
    api,
    'INSERT INTO link_dimensions_daily (link_id, bucket, dimension, value, clicks, bot_clicks) VALUES ($1, $2, $3, $4, $5, $6)',
    dims,
  );
  // Device, browser and OS as the consumer writes them since migration 0003: one row per combination.
  const agents: [string, string, string, string, string, number, number][] = [
    [linkA.id, '2026-03-01', 'desktop', 'Firefox', 'Linux', 4, 0],
    [linkA.id, '2026-03-01', 'bot', 'Firefox', 'Linux', 1, 1],
    [linkA.id, '2026-03-03', 'mobile', 'Safari', 'iOS', 2, 0],
    [linkB.id, '2026-03-02', 'mobile', 'Safari', 'iOS', 20, 0],
  ];
  await seedRows(
    api,
    'INSERT INTO link_agents_daily (link_id, bucket, device, browser, os, clicks, bot_clicks) VALUES ($1, $2, $3, $4, $5, $6, $7)',
    agents,
  );
  // And as it wrote them before (one row per dimension), for 3 of linkA's clicks of the day the migration
  // ran: those rows stay in link_dimensions_daily, whose dimension check now binds new rows only (NOT VALID).
  // Dropping and re-adding the check NOT VALID is the state migration 0003 leaves a database with such rows in.
  const legacy: [string, string, string, string, number, number][] = [
    [linkA.id, '2026-03-01', 'device', 'desktop', 3, 0],
    [linkA.id, '2026-03-01', 'browser', 'Firefox', 3, 0],
    [linkA.id, '2026-03-01', 'os', 'Linux', 3, 0],
  ];
  const client = await api.database.pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(
      'ALTER TABLE link_dimensions_daily DROP CONSTRAINT link_dimensions_daily_dimension_check',
    );
    for (const row of legacy) {
      await client.query(
        'INSERT INTO link_dimensions_daily (link_id, bucket, dimension, value, clicks, bot_clicks) VALUES ($1, $2, $3, $4, $5, $6)',
        row,
      );
    }
    await client.query(`ALTER TABLE link_dimensions_daily ADD CONSTRAINT link_dimensions_daily_dimension_check
      CHECK (dimension IN ('country', 'referrer')) NOT VALID`);
    await client.query('COMMIT');
  } finally {
    client.release();
  }
  const visitors: [string, string, string, boolean][] = [
    [linkA.id, '2026-03-01', 'v1', false],
    [linkA.id, '2026-03-01', 'v2', false],
    [linkA.id, '2026-03-03', 'v1', false],
    [linkA.id, '2026-03-01', 'crawler', true],
    [linkB.id, '2026-03-02', 'v9', false],
  ];
  await seedRows(
    api,
    'INSERT INTO link_visitors_daily (link_id, bucket, visitor_hash, is_bot) VALUES ($1, $2, $3, $4)',
    visitors,
  );
  await seedAccountRollups(api);
  // The account's visitor sketches, as the consumer adds the same visitors (human and bot apart).
  const userId = (await api.database.pool.query('SELECT user_id FROM links WHERE id = $1', [linkA.id]))
    .rows[0].user_id as string;
  for (const [, day, hash, isBot] of visitors) {
    await api.redis.pfadd(api.keys.accountVisitors(userId, day, isBot ? 'bot' : 'human'), hash);
  }
});

/**
 * The account roll-ups that ingesting the clicks above writes (migration 0005): the per-link rows summed by
 * owner, device, browser and OS as dimensions of their own. Each link's clicks in a shard of their own, as
 * two ingestion lanes write them: the stats must add the shards up.
 */
async function seedAccountRollups(api: TestApi) {
  const shard = `CASE WHEN r.link_id = '${linkA.id}' THEN 0 ELSE 1 END`;
  await api.database.pool.query(`
    INSERT INTO account_clicks_hourly (user_id, bucket, shard, clicks, bot_clicks)
    SELECT l.user_id, r.bucket, ${shard}, sum(r.clicks), sum(r.bot_clicks)
    FROM link_clicks_hourly r JOIN links l ON l.id = r.link_id GROUP BY 1, 2, 3`);
  await api.database.pool.query(`
    INSERT INTO account_clicks_daily (user_id, bucket, shard, clicks, bot_clicks)
    SELECT l.user_id, r.bucket, ${shard}, sum(r.clicks), sum(r.bot_clicks)
    FROM link_clicks_daily r JOIN links l ON l.id = r.link_id GROUP BY 1, 2, 3`);
  await api.database.pool.query(`
    INSERT INTO account_dimensions_daily (user_id, bucket, dimension, value, shard, clicks, bot_clicks)
    SELECT l.user_id, u.bucket, u.dimension, u.value, ${shard.replaceAll('r.', 'u.')}, sum(u.clicks), sum(u.bot_clicks)
    FROM (
      SELECT link_id, bucket, dimension, value, clicks, bot_clicks FROM link_dimensions_daily
      UNION ALL
      SELECT r.link_id, r.bucket, a.dimension, a.value, r.clicks, r.bot_clicks FROM link_agents_daily r
      CROSS JOIN LATERAL (VALUES ('device', r.device), ('browser', r.browser), ('os', r.os)) AS a(dimension, value)
    ) u JOIN links l ON l.id = u.link_id GROUP BY 1, 2, 3, 4, 5`);
}

const get = async (api: TestApi, url: string, auth = user.auth) => {
  const res = await api.app.inject({ url, headers: auth });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
};

describe('per-link stats', () => {
  test('returns a zero-filled daily series without bots, with top dimensions and unique visitors', async ({
    api,
  }) => {
    const stats = await get(
      api,
      `/api/v1/links/${linkA.id}/stats?from=2026-02-28&to=2026-03-04&interval=day`,
    );
    expect(stats.timeseries).toEqual([
      { t: '2026-02-28T00:00:00.000Z', clicks: 0 },
      { t: '2026-03-01T00:00:00.000Z', clicks: 7 },
      { t: '2026-03-02T00:00:00.000Z', clicks: 0 },
      { t: '2026-03-03T00:00:00.000Z', clicks: 2 },
      { t: '2026-03-04T00:00:00.000Z', clicks: 0 },
    ]);
    expect(stats.total).toBe(9);
    expect(stats.uniqueVisitors).toBe(2);
    expect(stats.countries).toEqual([
      { value: 'FR', clicks: 5 },
      { value: 'DE', clicks: 4 },
    ]);
    expect(stats.referrers).toEqual([{ value: 'news.ycombinator.com', clicks: 4 }]);
    // The bot device has only bot clicks: gone when bots are excluded. Desktop, Firefox and Linux add the
    // rows written before migration 0003 (3) to the combinations written since (4).
    expect(stats.devices).toEqual([
      { value: 'desktop', clicks: 7 },
      { value: 'mobile', clicks: 2 },
    ]);
    expect(stats.browsers).toEqual([
      { value: 'Firefox', clicks: 7 },
      { value: 'Safari', clicks: 2 },
    ]);
    expect(stats.os).toEqual([
      { value: 'Linux', clicks: 7 },
      { value: 'iOS', clicks: 2 },
    ]);
  });

  test('sums device, browser and OS over the days of the range only, bots included on request', async ({
    api,
  }) => {
    const stats = await get(
      api,
      `/api/v1/links/${linkA.id}/stats?from=2026-03-01&to=2026-03-01&includeBots=true`,
    );
    expect(stats.devices).toEqual([
      { value: 'desktop', clicks: 7 },
      { value: 'bot', clicks: 1 },
    ]);
    expect(stats.browsers).toEqual([{ value: 'Firefox', clicks: 8 }]);
    expect(stats.os).toEqual([{ value: 'Linux', clicks: 8 }]);
    const later = await get(api, `/api/v1/links/${linkA.id}/stats?from=2026-03-02&to=2026-03-04`);
    expect(later.devices).toEqual([{ value: 'mobile', clicks: 2 }]);
    expect(later.browsers).toEqual([{ value: 'Safari', clicks: 2 }]);
    expect(later.os).toEqual([{ value: 'iOS', clicks: 2 }]);
  });

  test('counts bots with includeBots=true', async ({ api }) => {
    const stats = await get(
      api,
      `/api/v1/links/${linkA.id}/stats?from=2026-03-01&to=2026-03-03&includeBots=true`,
    );
    expect(stats.total).toBe(10);
    expect(stats.uniqueVisitors).toBe(3);
    expect(stats.devices).toEqual([
      { value: 'desktop', clicks: 7 },
      { value: 'mobile', clicks: 2 },
      { value: 'bot', clicks: 1 },
    ]);
  });

  test('returns an hourly series, zero-filled, from the hourly roll-up', async ({ api }) => {
    const stats = await get(
      api,
      `/api/v1/links/${linkA.id}/stats?from=2026-03-01T09:30:00Z&to=2026-03-01T12:00:00Z&interval=hour`,
    );
    expect(stats.timeseries).toEqual([
      { t: '2026-03-01T09:00:00.000Z', clicks: 0 },
      { t: '2026-03-01T10:00:00.000Z', clicks: 4 },
      { t: '2026-03-01T11:00:00.000Z', clicks: 0 },
      { t: '2026-03-01T12:00:00.000Z', clicks: 3 },
    ]);
    expect(stats.total).toBe(7);
  });
});

describe('account-wide stats', () => {
  test('adds up every link and ranks the top links', async ({ api }) => {
    const stats = await get(api, '/api/v1/stats?from=2026-03-01&to=2026-03-03');
    expect(stats.timeseries.map((p: { clicks: number }) => p.clicks)).toEqual([7, 20, 2]);
    expect(stats.total).toBe(29);
    expect(stats.topLinks).toEqual([
      { id: linkB.id, code: linkB.code, domain: linkB.domain, clicks: 20 },
      { id: linkA.id, code: linkA.code, domain: linkA.domain, clicks: 9 },
    ]);
    expect(stats.countries[0]).toEqual({ value: 'US', clicks: 20 });
    expect(stats.devices).toEqual([
      { value: 'mobile', clicks: 22 },
      { value: 'desktop', clicks: 7 },
    ]);
    expect(stats.os).toEqual([
      { value: 'iOS', clicks: 22 },
      { value: 'Linux', clicks: 7 },
    ]);
    expect(stats.uniqueVisitors).toBe(3);
    const withBots = await get(api, '/api/v1/stats?from=2026-03-01&to=2026-03-03&includeBots=true');
    expect(withBots.uniqueVisitors).toBe(4);
    // Only the days of the range: v9 came on 2026-03-02 only.
    const firstDay = await get(api, '/api/v1/stats?from=2026-03-01T00:00:00Z&to=2026-03-01T23:00:00Z');
    expect(firstDay.uniqueVisitors).toBe(2);
  });

  test("never includes another account's clicks", async ({ api }) => {
    const other = await signup(api);
    const stats = await get(api, '/api/v1/stats?from=2026-03-01&to=2026-03-03', other.auth);
    expect(stats.total).toBe(0);
    expect(stats.topLinks).toEqual([]);
    expect(stats.timeseries).toHaveLength(3);
  });

  test('works with an API key that has stats:read', async ({ api }) => {
    const key = await createApiKey(api, user.token, ['stats:read']);
    const stats = await get(api, `/api/v1/links/${linkA.id}/stats?from=2026-03-01&to=2026-03-01`, key.auth);
    expect(stats.total).toBe(7);
  });
});

describe("a link's unique visitors across the raw-event retention", () => {
  test('counts kept days from the raw events at once, older days from their folded visitors, a visitor in both once', async ({
    api,
  }) => {
    const link = await createLink(api, user.auth, { url: 'https://example.com/visitors' });
    const DAY_MS = 86_400_000;
    const recent = Math.floor(Date.now() / DAY_MS) * DAY_MS - 2 * DAY_MS;
    const old = recent - 200 * DAY_MS;
    const iso = (ms: number) => new Date(ms).toISOString();
    const day = (ms: number) => iso(ms).slice(0, 10);
    const click = (visitor: string, bot = false) => ({
      linkId: link.id,
      occurredAt: iso(recent + 3_600_000),
      country: null,
      referrer: null,
      device: bot ? 'bot' : 'desktop',
      browser: 'Firefox',
      os: 'Linux',
      bot,
      visitor,
    });
    // Two days ago, in the raw events: a person who also came as a bot, a bot alone, another person.
    await recordClicks(api, [click('both'), click('both', true), click('crawler', true), click('person')]);
    // 200 days ago, past the retention: only the visitors folded when that day's events were dropped. And a
    // row an earlier release wrote for a kept day: the same visitor as a raw event, counted once.
    await seedRows(
      api,
      'INSERT INTO link_visitors_daily (link_id, bucket, visitor_hash, is_bot) VALUES ($1, $2, $3, $4)',
      [
        [link.id, day(old), 'gone', false],
        [link.id, day(old), 'gone-crawler', true],
        [link.id, day(recent), 'both', false],
      ],
    );

    const url = (from: number, to: number, bots = '') =>
      `/api/v1/links/${link.id}/stats?from=${day(from)}&to=${day(to)}${bots}`;
    expect((await get(api, url(recent, recent))).uniqueVisitors).toBe(2);
    expect((await get(api, url(recent, recent, '&includeBots=true'))).uniqueVisitors).toBe(3);
    expect((await get(api, url(recent, recent, '&bot=true'))).uniqueVisitors).toBe(2);
    expect((await get(api, url(old, recent))).uniqueVisitors).toBe(3);
    expect((await get(api, url(old, recent, '&includeBots=true'))).uniqueVisitors).toBe(5);
    expect((await get(api, url(old - DAY_MS, old + DAY_MS))).uniqueVisitors).toBe(1);
  });
});
