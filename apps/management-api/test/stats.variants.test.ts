import Papa from 'papaparse';
import { describe, expect } from 'vitest';
import { createLink, expectProblem, signup, type TestApi, test } from './support/api.ts';
import { type Click, recordClicks } from './support/clicks.ts';

const DAY_MS = 86_400_000;
// Two UTC days a few days ago, well inside the raw events kept.
const DAY = Math.floor(Date.now() / DAY_MS) * DAY_MS - 4 * DAY_MS;
const dayIso = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const RANGE = `from=${dayIso(DAY - DAY_MS)}&to=${dayIso(DAY + 2 * DAY_MS)}`;

let owner: Awaited<ReturnType<typeof signup>>;
let split: { id: string };
let plain: { id: string };

const get = (api: TestApi, path: string) => api.app.inject({ url: `/api/v1${path}`, headers: owner.auth });

test.beforeAll(async ({ api }) => {
  owner = await signup(api);
  split = await createLink(api, owner.auth, {
    url: 'https://example.com/pricing',
    variants: [
      { name: 'control', url: 'https://example.com/pricing', weight: 1 },
      { name: 'calc', url: 'https://example.com/calculator', weight: 1 },
      { name: 'never', url: 'https://example.com/never', weight: 1 },
    ],
  });
  plain = await createLink(api, owner.auth, { url: 'https://example.com/plain' });
  // 30 control (2 bots), 12 calc over two days, 5 a rule answered (no variant); the plain link has none.
  const clicks: Click[] = [];
  const add = (linkId: string, count: number, variant: string | null, day: number, bot = () => false) => {
    for (let i = 0; i < count; i += 1) {
      clicks.push({
        linkId,
        occurredAt: new Date(DAY + day * DAY_MS + (i + 1) * 60_000).toISOString(),
        country: 'DE',
        referrer: null,
        device: 'desktop',
        browser: 'Chrome',
        os: 'Windows',
        bot: bot(),
        visitor: `${variant}-${i}`,
        variant,
      });
    }
  };
  let n = 0;
  add(split.id, 30, 'control', 0, () => n++ < 2);
  add(split.id, 7, 'calc', 0);
  add(split.id, 5, 'calc', 1);
  add(split.id, 5, null, 1);
  add(plain.id, 4, null, 0);
  await recordClicks(api, clicks);
});

describe('stats and visits per A/B variant', () => {
  test("a link's stats count every variant with clicks, most first, people only by default", async ({
    api,
  }) => {
    const res = await get(api, `/links/${split.id}/stats?${RANGE}`);
    expect(res.statusCode, res.body).toBe(200);
    const stats = res.json();
    expect(stats.source).toBe('rollups');
    expect(stats.total).toBe(45);
    expect(stats.variants).toEqual([
      { value: 'control', clicks: 28 },
      { value: 'calc', clicks: 12 },
    ]);
    expect((await get(api, `/links/${split.id}/stats?${RANGE}&includeBots=true`)).json().variants).toEqual([
      { value: 'control', clicks: 30 },
      { value: 'calc', clicks: 12 },
    ]);
    expect((await get(api, `/links/${plain.id}/stats?${RANGE}`)).json().variants).toEqual([]);
  });

  test("the variant filter narrows a link's stats and the workspace's to the clicks sent to it", async ({
    api,
  }) => {
    const link = (await get(api, `/links/${split.id}/stats?${RANGE}&variant=calc`)).json();
    expect(link.source).toBe('events');
    expect(link.total).toBe(12);
    expect(link.variants).toEqual([{ value: 'calc', clicks: 12 }]);
    const workspace = (await get(api, `/stats?${RANGE}&variant=control&includeBots=true`)).json();
    expect(workspace.total).toBe(30);
    expect(workspace.topLinks).toEqual([expect.objectContaining({ id: split.id, clicks: 30 })]);
    // Variant names are per link: the workspace's stats list no clicks per variant (docs/api.md).
    expect(workspace).not.toHaveProperty('variants');
    const events = (await get(api, `/links/${split.id}/stats?${RANGE}&country=DE`)).json();
    expect(events.variants).toEqual([
      { value: 'control', clicks: 28 },
      { value: 'calc', clicks: 12 },
    ]);
  });

  test('visits carry their variant and filter by it, in the list and the exports', async ({ api }) => {
    const page = (await get(api, `/links/${split.id}/visits?limit=500&from=${dayIso(DAY)}`)).json();
    expect(page.items).toHaveLength(47);
    expect(page.items.filter((v: { variant: string | null }) => v.variant === null)).toHaveLength(5);
    const calc = (
      await get(api, `/links/${split.id}/visits?variant=calc&limit=500&from=${dayIso(DAY)}`)
    ).json();
    expect(calc.items).toHaveLength(12);
    expect(new Set(calc.items.map((v: { variant: string }) => v.variant))).toEqual(new Set(['calc']));
    expect((await get(api, `/visits?variant=never&from=${dayIso(DAY)}`)).json().items).toEqual([]);

    const csv = await get(api, `/visits/export?variant=calc&format=csv&from=${dayIso(DAY)}`);
    expect(csv.statusCode).toBe(200);
    const rows = Papa.parse<Record<string, string>>(csv.body.trim(), { header: true, newline: '\r\n' }).data;
    expect(rows).toHaveLength(12);
    expect(rows.every((row) => row.variant === 'calc')).toBe(true);
    const ndjson = await get(
      api,
      `/links/${split.id}/visits/export?variant=control&format=ndjson&from=${dayIso(DAY)}`,
    );
    const lines = ndjson.body
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines).toHaveLength(30);
    expect(lines.every((visit) => visit.variant === 'control')).toBe(true);
  });

  test.for([['Control'], ['-a'], ['a'.repeat(33)], ['a b']])(
    'refuses the variant filter %s with 400',
    async ([variant], { api }) => {
      const encoded = encodeURIComponent(variant as string);
      expectProblem(await get(api, `/links/${split.id}/visits?variant=${encoded}`), 400);
      expectProblem(await get(api, `/links/${split.id}/stats?variant=${encoded}`), 400);
    },
  );
});
