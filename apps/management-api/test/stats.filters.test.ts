import { describe, expect } from 'vitest';
import { createLink, expectProblem, signup, type TestApi, test } from './support/api.ts';
import { type Click, recordClicks } from './support/clicks.ts';

const DAY_MS = 86_400_000;
// Every click happens on one UTC day three days ago, well inside the 90 days of raw events kept.
const DAY = Math.floor(Date.now() / DAY_MS) * DAY_MS - 3 * DAY_MS;
const at = (hour: number, minute = 0) => new Date(DAY + hour * 3_600_000 + minute * 60_000).toISOString();
const dayIso = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const RANGE = `from=${dayIso(DAY - DAY_MS)}&to=${dayIso(DAY + DAY_MS)}`;

let owner: Awaited<ReturnType<typeof signup>>;
let stranger: Awaited<ReturnType<typeof signup>>;
/** Tagged spring, on sho.rt, in the campaign. */
let linkA: { id: string };
/** Tagged spring and promo, on localhost:8080. */
let linkB: { id: string };
/** Untagged, on sho.rt; every click from DE. */
let linkD: { id: string };
let strangerLink: { id: string };
let campaignId: string;

type Stats = {
  total: number;
  uniqueVisitors: number;
  source: 'rollups' | 'events';
  includeBots: boolean;
  from: string;
  rawEventsSince: string;
  clampedToRawEvents: boolean;
  timeseries: { t: string; clicks: number }[];
  countries: { value: string; clicks: number }[];
  referrers: { value: string; clicks: number }[];
  devices: { value: string; clicks: number }[];
  browsers: { value: string; clicks: number }[];
  os: { value: string; clicks: number }[];
  topLinks?: { id: string; clicks: number }[];
};

async function stats(api: TestApi, path: string, auth = owner.auth): Promise<Stats> {
  const res = await api.app.inject({ url: `/api/v1${path}`, headers: auth });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as Stats;
}

const click = (linkId: string, fields: Partial<Click> & { occurredAt: string; visitor: string }): Click => ({
  linkId,
  country: 'DE',
  referrer: null,
  device: 'desktop',
  browser: 'Chrome',
  os: 'Windows',
  bot: false,
  ...fields,
});

test.beforeAll(async ({ api }) => {
  owner = await signup(api);
  stranger = await signup(api);
  const campaign = await api.app.inject({
    method: 'POST',
    url: '/api/v1/campaigns',
    headers: owner.auth,
    payload: { name: 'Spring', utm: { source: 'mail', medium: 'email', campaign: 'spring' } },
  });
  expect(campaign.statusCode, campaign.body).toBe(201);
  campaignId = (campaign.json() as { id: string }).id;
  linkA = await createLink(api, owner.auth, {
    url: 'https://example.com/a',
    tags: ['spring'],
    domain: 'sho.rt',
    campaignId,
  });
  linkB = await createLink(api, owner.auth, {
    url: 'https://example.com/b',
    tags: ['spring', 'promo'],
    domain: 'localhost:8080',
  });
  linkD = await createLink(api, owner.auth, { url: 'https://example.com/d', domain: 'sho.rt' });
  // The stranger's link has the same tag and clicks like the owner's: none of them may show up for the owner.
  strangerLink = await createLink(api, stranger.auth, {
    url: 'https://example.com/s',
    tags: ['spring'],
    domain: 'sho.rt',
  });
  const mobileSafari = { device: 'mobile', browser: 'Safari', os: 'iOS' };
  const mobileChrome = { device: 'mobile', browser: 'Chrome', os: 'Android' };
  await recordClicks(api, [
    // A: six clicks, one of them a bot; visitor v1 comes twice.
    click(linkA.id, { occurredAt: at(9), visitor: 'v1', referrer: 'news.example', ...mobileSafari }),
    click(linkA.id, { occurredAt: at(9, 30), visitor: 'v2', ...mobileChrome }),
    click(linkA.id, {
      occurredAt: at(10),
      visitor: 'v3',
      referrer: 'news.example',
      browser: 'Firefox',
      os: 'Linux',
    }),
    click(linkA.id, { occurredAt: at(10, 30), visitor: 'v4', country: 'FR', ...mobileSafari }),
    click(linkA.id, {
      occurredAt: at(11),
      visitor: 'b1',
      country: null,
      referrer: 'mail.example',
      bot: true,
    }),
    click(linkA.id, { occurredAt: at(12), visitor: 'v1', referrer: 'news.example', ...mobileSafari }),
    // B: two people and a bot.
    click(linkB.id, { occurredAt: at(9), visitor: 'v5', referrer: 'news.example', ...mobileChrome }),
    click(linkB.id, { occurredAt: at(13), visitor: 'v6', country: 'US' }),
    click(linkB.id, { occurredAt: at(14), visitor: 'b2', bot: true, ...mobileSafari }),
    // D: every click from DE, one a bot.
    click(linkD.id, { occurredAt: at(8), visitor: 'v7', device: 'tablet', browser: 'Safari', os: 'iPadOS' }),
    click(linkD.id, { occurredAt: at(15), visitor: 'v8', referrer: 'google.com' }),
    click(linkD.id, { occurredAt: at(16), visitor: 'b3', bot: true, ...mobileSafari }),
    click(strangerLink.id, { occurredAt: at(9), visitor: 'x1', referrer: 'news.example', ...mobileSafari }),
  ]);
});

describe('stats of one link under visitor filters', () => {
  test('clicks from DE on mobile: counted from raw events, each list narrowed, visitors exact', async ({
    api,
  }) => {
    const body = await stats(api, `/links/${linkA.id}/stats?${RANGE}&country=DE&device=mobile`);
    expect(body).toMatchObject({
      source: 'events',
      total: 3,
      uniqueVisitors: 2,
      includeBots: false,
      clampedToRawEvents: false,
      countries: [{ value: 'DE', clicks: 3 }],
      devices: [{ value: 'mobile', clicks: 3 }],
      browsers: [
        { value: 'Safari', clicks: 2 },
        { value: 'Chrome', clicks: 1 },
      ],
      os: [
        { value: 'iOS', clicks: 2 },
        { value: 'Android', clicks: 1 },
      ],
      referrers: [
        { value: 'news.example', clicks: 2 },
        { value: '(direct)', clicks: 1 },
      ],
    });
    expect(body.timeseries.map((p) => p.clicks)).toEqual([0, 3, 0]);
    expect(body.timeseries.map((p) => p.t)).toEqual([
      `${dayIso(DAY - DAY_MS)}T00:00:00.000Z`,
      `${dayIso(DAY)}T00:00:00.000Z`,
      `${dayIso(DAY + DAY_MS)}T00:00:00.000Z`,
    ]);
  });

  test('each visitor filter narrows on its own, with the values the stats list', async ({ api }) => {
    const total = async (query: string) =>
      (await stats(api, `/links/${linkA.id}/stats?${RANGE}&${query}`)).total;
    expect(await total('country=DE')).toBe(4);
    expect(await total('country=de')).toBe(4);
    expect(await total('country=FR')).toBe(1);
    expect(await total('country=unknown')).toBe(0);
    expect(await total('country=unknown&includeBots=true')).toBe(1);
    expect(await total('referrer=news.example')).toBe(3);
    expect(await total(`referrer=${encodeURIComponent('(direct)')}`)).toBe(2);
    expect(await total('device=desktop')).toBe(1);
    expect(await total('browser=Safari')).toBe(3);
    expect(await total('os=iOS')).toBe(3);
    expect(await total('os=iOS&country=FR')).toBe(1);
    expect(await total('browser=Opera')).toBe(0);
  });

  test('hourly: one point per hour of the range, the clicks in their hours', async ({ api }) => {
    const body = await stats(
      api,
      `/links/${linkA.id}/stats?from=${at(8)}&to=${at(12, 30)}&interval=hour&country=DE&device=mobile`,
    );
    expect(body.timeseries).toEqual([
      { t: at(8), clicks: 0 },
      { t: at(9), clicks: 2 },
      { t: at(10), clicks: 0 },
      { t: at(11), clicks: 0 },
      { t: at(12), clicks: 1 },
    ]);
  });
});

describe('bots', () => {
  test('bot=true counts only bots, bot=false only people, includeBots both; bot alone keeps the roll-ups', async ({
    api,
  }) => {
    const bots = await stats(api, `/links/${linkA.id}/stats?${RANGE}&bot=true`);
    expect(bots).toMatchObject({
      source: 'rollups',
      total: 1,
      uniqueVisitors: 1,
      includeBots: true,
      countries: [{ value: 'unknown', clicks: 1 }],
    });
    expect((await stats(api, `/links/${linkA.id}/stats?${RANGE}&bot=false`)).total).toBe(5);
    expect((await stats(api, `/links/${linkA.id}/stats?${RANGE}&includeBots=true`)).total).toBe(6);
    expect((await stats(api, `/stats?${RANGE}&bot=true`)).total).toBe(3);
    expect((await stats(api, `/stats?${RANGE}&bot=true&country=DE`)).total).toBe(2);
  });
});

describe('account stats filtered by links', () => {
  test('tag, domain and campaignId sum the per-link roll-ups of the links they choose, exactly', async ({
    api,
  }) => {
    const spring = await stats(api, `/stats?${RANGE}&tag=spring`);
    expect(spring).toMatchObject({
      source: 'rollups',
      total: 7,
      uniqueVisitors: 6,
      countries: [
        { value: 'DE', clicks: 5 },
        { value: 'FR', clicks: 1 },
        { value: 'US', clicks: 1 },
      ],
      topLinks: [
        { id: linkA.id, clicks: 5 },
        { id: linkB.id, clicks: 2 },
      ],
    });
    expect((await stats(api, `/stats?${RANGE}&tag=promo`)).total).toBe(2);
    expect((await stats(api, `/stats?${RANGE}&tag=autumn`)).total).toBe(0);
    const shortDomain = await stats(api, `/stats?${RANGE}&domain=SHO.RT`);
    expect(shortDomain.total).toBe(7);
    expect(shortDomain.topLinks?.map((l) => l.id)).toEqual([linkA.id, linkD.id]);
    expect((await stats(api, `/stats?${RANGE}&campaignId=${campaignId}`)).total).toBe(5);
    expect((await stats(api, `/stats?${RANGE}&tag=spring&domain=sho.rt`)).total).toBe(5);
  });

  test('link and visitor filters together read the events of the chosen links', async ({ api }) => {
    const body = await stats(api, `/stats?${RANGE}&tag=spring&country=DE`);
    expect(body).toMatchObject({ source: 'events', total: 5, uniqueVisitors: 4 });
    expect(body.topLinks).toMatchObject([
      { id: linkA.id, clicks: 4 },
      { id: linkB.id, clicks: 1 },
    ]);
  });

  test('the whole workspace from DE on mobile, and no other workspace', async ({ api }) => {
    const body = await stats(api, `/stats?${RANGE}&country=DE&device=mobile`);
    expect(body).toMatchObject({ source: 'events', total: 4, uniqueVisitors: 3 });
    expect(body.topLinks).toMatchObject([
      { id: linkA.id, clicks: 3 },
      { id: linkB.id, clicks: 1 },
    ]);
    const theirs = await stats(api, `/stats?${RANGE}&country=DE&device=mobile&tag=spring`, stranger.auth);
    expect(theirs).toMatchObject({
      total: 1,
      uniqueVisitors: 1,
      topLinks: [{ id: strangerLink.id, clicks: 1 }],
    });
    expect((await stats(api, `/stats?${RANGE}&tag=spring`, stranger.auth)).total).toBe(1);
    const res = await api.app.inject({
      url: `/api/v1/links/${linkA.id}/stats?country=DE`,
      headers: stranger.auth,
    });
    expectProblem(res, 404);
  });

  test('with no filter the answer is the roll-ups as before', async ({ api }) => {
    const body = await stats(api, `/stats?${RANGE}`);
    expect(body).toMatchObject({ source: 'rollups', total: 9, clampedToRawEvents: false });
    expect(body.topLinks?.map((l) => l.clicks)).toEqual([5, 2, 2]);
  });
});

describe('both sources', () => {
  test('a filter every click matches gives the roll-ups’ answer, list by list', async ({ api }) => {
    // Link D's clicks all come from DE: country=DE selects every one of them.
    for (const bots of ['', '&includeBots=true', '&bot=true']) {
      const rollups = await stats(api, `/links/${linkD.id}/stats?${RANGE}${bots}`);
      const events = await stats(api, `/links/${linkD.id}/stats?${RANGE}${bots}&country=DE`);
      expect(events.source).toBe('events');
      const { source: _r, ...fromRollups } = rollups;
      const { source: _e, ...fromEvents } = events;
      expect(fromEvents).toEqual(fromRollups);
    }
  });
});

describe('raw-event retention', () => {
  test('roll-ups reach past rawEventsSince; a visitor filter starts there and says so', async ({ api }) => {
    // Clicks of 100 days ago whose raw events the retention job has dropped: only their roll-ups remain.
    const old = dayIso(DAY - 97 * DAY_MS);
    await api.database.pool.query(
      'INSERT INTO link_clicks_daily (link_id, bucket, clicks, bot_clicks) VALUES ($1, $2, 4, 0)',
      [linkA.id, old],
    );
    const from = dayIso(DAY - 120 * DAY_MS);
    const to = dayIso(DAY + DAY_MS);
    const all = await stats(api, `/links/${linkA.id}/stats?from=${from}&to=${to}`);
    expect(all).toMatchObject({ source: 'rollups', total: 9, clampedToRawEvents: false });
    expect(all.from).toBe(`${from}T00:00:00.000Z`);
    const filtered = await stats(api, `/links/${linkA.id}/stats?from=${from}&to=${to}&country=DE`);
    expect(filtered).toMatchObject({ source: 'events', total: 4, clampedToRawEvents: true });
    expect(filtered.from).toBe(filtered.rawEventsSince);
    expect(filtered.timeseries[0]?.t).toBe(filtered.rawEventsSince);
    expect(Date.parse(filtered.rawEventsSince)).toBe(Math.floor(Date.now() / DAY_MS) * DAY_MS - 90 * DAY_MS);

    const before = dayIso(DAY - 95 * DAY_MS);
    const res = await api.app.inject({
      url: `/api/v1/links/${linkA.id}/stats?from=${from}&to=${before}&country=DE`,
      headers: owner.auth,
    });
    expect(expectProblem(res, 400).detail).toMatch(/rawEventsSince/);
  });
});

describe('bad filters', () => {
  test('are a 400 naming the parameter, on either endpoint', async ({ api }) => {
    const bad = [
      `/links/${linkA.id}/stats?country=DEU`,
      `/links/${linkA.id}/stats?tag=spring`,
      `/links/${linkA.id}/stats?campaignId=${campaignId}`,
      `/links/${linkA.id}/stats?variant=B`,
      `/links/${linkA.id}/stats?bot=maybe`,
      `/links/${linkA.id}/stats?bot=true&includeBots=true`,
      '/stats?campaignId=spring',
      '/stats?tag=',
      '/stats?colour=blue',
      '/stats?bot=false&includeBots=false',
      `/stats?device=${'x'.repeat(256)}`,
    ];
    for (const path of bad) {
      const res = await api.app.inject({ url: `/api/v1${path}`, headers: owner.auth });
      expectProblem(res, 400);
    }
    const both = await api.app.inject({
      url: `/api/v1/stats?bot=true&includeBots=true`,
      headers: owner.auth,
    });
    expect(expectProblem(both, 400).detail).toMatch(/bot or includeBots/);
  });
});
