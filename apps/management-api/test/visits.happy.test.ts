import Papa from 'papaparse';
import { describe, expect } from 'vitest';
import { createLink, signup, type TestApi, test } from './support/api.ts';

interface SeededVisit {
  id: string;
  linkId: string;
  occurredAt: string;
  country: string | null;
  referrerHost: string | null;
  device: string;
  browser: string;
  os: string;
  bot: boolean;
  variant: string | null;
}

let user: Awaited<ReturnType<typeof signup>>;
let linkA: { id: string };
let linkB: { id: string };
let stranger: { id: string };
/** Every seeded visit of user's two links, newest first (as the API orders them). */
let seeded: SeededVisit[];
const NOW = Date.now();

/**
 * `count` visits of a link, one every 7 minutes back from a minute ago (so over about three days for 600):
 * countries, referrers, devices, browsers and OSes in rotation, every fifth a bot.
 */
async function seedVisits(api: TestApi, linkId: string, count: number, offsetMs = 0) {
  const result = await api.database.pool.query<SeededVisit>(
    `INSERT INTO click_events (event_id, link_id, occurred_at, referrer_host, country, device, browser, os, is_bot)
     SELECT gen_random_uuid(), $1, to_timestamp($2::float8 / 1000) - g * interval '7 minutes',
       (ARRAY['news.example', NULL, 'mail.example'])[g % 3 + 1], (ARRAY['DE', 'US', NULL, 'FR'])[g % 4 + 1],
       (ARRAY['desktop', 'mobile', 'tablet'])[g % 3 + 1], (ARRAY['Chrome', 'Firefox', 'Safari', 'Edge'])[g % 4 + 1],
       (ARRAY['Linux', 'iOS'])[g % 2 + 1], g % 5 = 0
     FROM generate_series(1, $3::int) AS g
     RETURNING event_id AS id, link_id AS "linkId",
       to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "occurredAt",
       country::text AS country, referrer_host AS "referrerHost", device, browser, os, is_bot AS bot, variant`,
    [linkId, NOW - 60_000 - offsetMs, count],
  );
  return result.rows;
}

const newestFirst = (a: SeededVisit, b: SeededVisit) =>
  a.occurredAt === b.occurredAt ? (a.id < b.id ? 1 : -1) : a.occurredAt < b.occurredAt ? 1 : -1;

/** Every page of `url` followed through nextCursor; the pages' visits in order. */
async function allPages(api: TestApi, url: string, auth: Record<string, string>) {
  const items: SeededVisit[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const separator = url.includes('?') ? '&' : '?';
    const res = await api.app.inject({
      url: cursor ? `${url}${separator}cursor=${encodeURIComponent(cursor)}` : url,
      headers: auth,
    });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json() as { items: SeededVisit[]; nextCursor: string | null; rawEventsSince: string };
    items.push(...body.items);
    cursor = body.nextCursor;
    pages += 1;
  } while (cursor !== null && pages < 100);
  return { items, pages };
}

test.beforeAll(async ({ api }) => {
  user = await signup(api);
  linkA = await createLink(api, user.auth, { url: 'https://example.com/a' });
  linkB = await createLink(api, user.auth, { url: 'https://example.com/b' });
  const other = await signup(api);
  stranger = await createLink(api, other.auth, { url: 'https://example.com/c' });
  seeded = [
    ...(await seedVisits(api, linkA.id, 600)),
    ...(await seedVisits(api, linkB.id, 150, 30_000)),
  ].sort(newestFirst);
  await seedVisits(api, stranger.id, 50);
});

describe('visits', () => {
  test("lists a link's visits newest first, page after page, each once", async ({ api }) => {
    const { items, pages } = await allPages(api, `/api/v1/links/${linkA.id}/visits?limit=100`, user.auth);
    expect(pages).toBe(6);
    expect(items).toEqual(seeded.filter((v) => v.linkId === linkA.id));
  });

  test("lists the workspace's visits of every link, and no other workspace's, over several days", async ({
    api,
  }) => {
    const { items } = await allPages(api, '/api/v1/visits?limit=77', user.auth);
    expect(items).toHaveLength(750);
    expect(items).toEqual(seeded);
    const days = new Set(items.map((v) => v.occurredAt.slice(0, 10)));
    expect(days.size).toBeGreaterThanOrEqual(3);
  });

  test.for([
    ['country=DE', (v: SeededVisit) => v.country === 'DE'],
    ['country=fr', (v: SeededVisit) => v.country === 'FR'],
    ['country=unknown', (v: SeededVisit) => v.country === null],
    ['referrer=news.example', (v: SeededVisit) => v.referrerHost === 'news.example'],
    ['referrer=(direct)', (v: SeededVisit) => v.referrerHost === null],
    ['device=tablet', (v: SeededVisit) => v.device === 'tablet'],
    ['browser=Safari&os=Linux', (v: SeededVisit) => v.browser === 'Safari' && v.os === 'Linux'],
    ['bot=true', (v: SeededVisit) => v.bot],
    ['bot=false&country=US', (v: SeededVisit) => !v.bot && v.country === 'US'],
  ] as const)('filters by %s', async ([query, keep], { api }) => {
    const link = await allPages(api, `/api/v1/links/${linkA.id}/visits?limit=500&${query}`, user.auth);
    expect(link.items).toEqual(seeded.filter((v) => v.linkId === linkA.id && keep(v)));
    expect(link.items.length).toBeGreaterThan(0);
    const workspace = await allPages(api, `/api/v1/visits?limit=500&${query}`, user.auth);
    expect(workspace.items).toEqual(seeded.filter(keep));
  });

  test('filters by time range: from inclusive, to exclusive', async ({ api }) => {
    const from = seeded[300]?.occurredAt as string;
    const to = seeded[100]?.occurredAt as string;
    const query = `from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`;
    const expected = seeded.filter((v) => v.occurredAt >= from && v.occurredAt < to);
    expect((await allPages(api, `/api/v1/visits?limit=60&${query}`, user.auth)).items).toEqual(expected);
  });

  test('says how far back raw visits go, and lists nothing from before', async ({ api }) => {
    // A visit older than the 90 days kept, that the partition job has not dropped yet.
    await api.database.pool.query(
      `INSERT INTO click_events (event_id, link_id, occurred_at, device, browser, os)
       VALUES (gen_random_uuid(), $1, now() - interval '100 days', 'desktop', 'Chrome', 'Linux')`,
      [linkA.id],
    );
    const res = await api.app.inject({
      url: `/api/v1/links/${linkA.id}/visits?from=2000-01-01`,
      headers: user.auth,
    });
    const body = res.json() as { items: SeededVisit[]; rawEventsSince: string };
    const today = Math.floor(Date.now() / 86_400_000) * 86_400_000;
    expect(body.rawEventsSince).toBe(new Date(today - 90 * 86_400_000).toISOString());
    const { items } = await allPages(
      api,
      `/api/v1/links/${linkA.id}/visits?limit=500&from=2000-01-01`,
      user.auth,
    );
    expect(items).toHaveLength(600);
  });

  test('exports the same visits as CSV and as NDJSON, streamed, with where raw data starts', async ({
    api,
  }) => {
    const csv = await api.app.inject({ url: '/api/v1/visits/export?bot=false', headers: user.auth });
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.headers['content-disposition']).toMatch(/^attachment; filename="visits-.*\.csv"$/);
    expect(csv.headers['boltlink-raw-events-since']).toMatch(/^\d{4}-\d{2}-\d{2}T00:00:00\.000Z$/);
    const rows = Papa.parse<Record<string, string>>(csv.body.trimEnd(), {
      header: true,
      newline: '\r\n',
    }).data;
    const humans = seeded.filter((v) => !v.bot);
    expect(rows).toEqual(
      humans.map((v) => ({
        ...v,
        country: v.country ?? '',
        referrerHost: v.referrerHost ?? '',
        bot: 'false',
        variant: v.variant ?? '',
      })),
    );

    const ndjson = await api.app.inject({
      url: `/api/v1/links/${linkB.id}/visits/export?format=ndjson`,
      headers: user.auth,
    });
    expect(ndjson.headers['content-type']).toBe('application/x-ndjson');
    const lines = ndjson.body.trimEnd().split('\n');
    expect(lines.map((line) => JSON.parse(line))).toEqual(seeded.filter((v) => v.linkId === linkB.id));
  });
});
