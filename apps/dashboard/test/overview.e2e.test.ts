import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiSession } from './support/api.ts';
import { connectBrowser, newPerson, screenshot, signUp, stack } from './support/browser.ts';

let browser: Browser;

beforeAll(async () => {
  browser = await connectBrowser();
});
afterAll(async () => {
  await browser?.close();
});

// A small team's links, as people name them. The destinations are never opened: clicks below stop at the
// edge's redirect, so no test reaches the internet.
const LINKS = [
  {
    alias: 'winter-launch',
    url: 'https://example.com/blog/winter-launch',
    title: 'Winter launch: everything new in 3.0',
    tags: ['launch', 'blog'],
    clicks: 24,
  },
  { alias: 'pricing', url: 'https://example.com/pricing', title: 'Pricing', tags: ['sales'], clicks: 15 },
  {
    alias: 'start',
    url: 'https://docs.example.com/getting-started',
    title: 'Getting started guide',
    tags: ['docs'],
    clicks: 11,
  },
  {
    alias: 'webinar',
    url: 'https://example.com/events/webinar-december',
    title: 'Webinar: scaling link analytics',
    tags: ['events'],
    clicks: 8,
  },
  {
    alias: 'release-3',
    url: 'https://github.com/example/app/releases/tag/v3.0.0',
    title: 'Release notes 3.0',
    tags: ['launch'],
    clicks: 6,
  },
  { alias: 'jobs', url: 'https://example.com/careers', title: 'We are hiring', tags: ['hiring'], clicks: 4 },
  {
    alias: 'gift-cards',
    url: 'https://shop.example.com/gift-cards',
    title: 'Holiday gift cards',
    tags: ['sales'],
    clicks: 3,
  },
  {
    alias: 'podcast-42',
    url: 'https://example.com/podcast/episode-42',
    title: 'Podcast #42: short links at scale',
    tags: ['podcast'],
    clicks: 2,
  },
];
const CLICKS = LINKS.reduce((sum, link) => sum + link.clicks, 0);

// People's browsers on phones, tablets and desktops, arriving from a few places (or typing the link).
const VISITORS = [
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Linux; Android 15; Pixel 9) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Mobile Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:146.0) Gecko/20100101 Firefox/146.0',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 15_1) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36 Edg/156.0.0.0',
  'Mozilla/5.0 (iPad; CPU OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
];
const REFERRERS = [
  'https://news.ycombinator.com/',
  'https://www.linkedin.com/',
  'https://www.google.com/',
  undefined,
];

describe('the overview a team sees', () => {
  it("lists the workspace's links with their clicks, and charts those clicks in the workspace's analytics", async () => {
    const person = await newPerson(browser, { label: 'overview' });
    const { page } = person;
    await signUp(person);
    const api = await apiSession(person.email);

    const created = await api('/api/v1/links/bulk', {
      method: 'POST',
      body: JSON.stringify({ links: LINKS.map(({ clicks: _, ...link }) => link) }),
    });
    expect(created.status).toBe(200);
    const { items } = (await created.json()) as { items: { shortUrl?: string; error?: unknown }[] };
    expect(items.map((item) => item.error)).toEqual(LINKS.map(() => undefined));

    let visit = 0;
    for (const [index, link] of LINKS.entries()) {
      for (let i = 0; i < link.clicks; i += 1) {
        visit += 1;
        const referer = REFERRERS[visit % REFERRERS.length];
        const res = await fetch(items[index]?.shortUrl ?? '', {
          redirect: 'manual',
          headers: {
            'user-agent': VISITORS[visit % VISITORS.length] as string,
            ...(referer ? { referer } : {}),
          },
        });
        expect(res.headers.get('location')).toBe(link.url);
      }
    }
    // The edge batches the clicks and the consumer writes them: the workspace's stats count them all soon.
    await expect
      .poll(async () => ((await (await api('/api/v1/stats')).json()) as { total: number }).total, {
        timeout: 60_000,
        interval: 1000,
      })
      .toBe(CLICKS);

    await page.goto(`${stack().dashboard}/links`);
    const rows = page.locator('table tbody tr');
    await expect.poll(() => rows.count()).toBe(LINKS.length);
    // Every link in the table with the clicks it got (one bulk request: they share a creation time).
    for (const link of LINKS) {
      const row = rows.filter({ hasText: link.title });
      await expect
        .poll(() => row.getByTestId('clicks').textContent(), { message: link.alias })
        .toBe(String(link.clicks));
    }
    await screenshot(page, 'overview-links');

    await page.goto(`${stack().dashboard}/analytics`);
    await expect.poll(() => page.getByTestId('stats-total').textContent()).toBe(String(CLICKS));
    // The most clicked link leads the workspace's top links, with its clicks.
    const topLink = page.getByRole('region', { name: 'Top links' }).locator('tbody tr').first();
    await expect
      .poll(() => topLink.textContent())
      .toBe(`${new URL(items[0]?.shortUrl ?? '').host}/${LINKS[0]?.alias}${LINKS[0]?.clicks}`);
    await screenshot(page, 'overview-analytics');

    expect(person.scriptErrors).toEqual([]);
    await person.context.close();
  });
});
