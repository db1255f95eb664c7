import type { Browser, Download, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  accessibilityViolations,
  connectBrowser,
  destination,
  downloaded,
  newPerson,
  type Person,
  screenshot,
  signUp,
  stack,
  USER_AGENT,
} from './support/browser.ts';

let browser: Browser;

beforeAll(async () => {
  browser = await connectBrowser();
});
afterAll(async () => {
  await browser?.close();
});

const IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1';

async function createLink(
  person: Person,
  title: string,
): Promise<{ id: string; code: string; shortUrl: string }> {
  const response = await person.context.request.post(`${stack().api}/api/v1/links`, {
    data: { url: destination(), title },
    headers: { 'boltlink-csrf': '1', origin: stack().dashboard },
  });
  expect(response.status()).toBe(201);
  return response.json();
}

/** One click through the edge, as this browser (or bot) from this page. */
async function click(url: string, userAgent: string, referer?: string): Promise<void> {
  const response = await fetch(url, {
    redirect: 'manual',
    headers: { 'user-agent': userAgent, ...(referer ? { referer } : {}) },
  });
  expect(response.status).toBe(302);
}

/** The edge batches clicks and the consumer ingests them: the list shows them after a reload or a few. */
async function shownAfterReloads(page: Page, expected: string): Promise<void> {
  await expect
    .poll(
      async () => {
        await page.reload();
        await page.getByTestId('visits-shown').or(page.getByTestId('visits-empty')).waitFor();
        return (
          (await page.getByTestId('visits-shown').or(page.getByTestId('visits-empty')).textContent()) ?? ''
        );
      },
      { timeout: 60_000, interval: 1000 },
    )
    .toBe(expected);
}

const shown = (page: Page) =>
  page.getByTestId('visits-shown').or(page.getByTestId('visits-empty')).textContent();
const rows = (page: Page) => page.locator('table.visits-table tbody tr');

async function saved(download: Download): Promise<string> {
  return (await downloaded(download)).toString('utf8');
}

describe('visits in the dashboard', () => {
  it("lists the workspace's and a link's visits, filtered in the URL, paged, and exports them", async () => {
    const person = await newPerson(browser, { label: 'visits' });
    const { page } = person;
    await signUp(person);
    const shop = await createLink(person, 'Winter shop');
    const docs = await createLink(person, 'Docs');

    await page
      .getByRole('navigation', { name: 'Workspace' })
      .getByRole('link', { name: 'Visits', exact: true })
      .click();
    await page.waitForURL('**/visits');
    // The links of the visits are looked up together, one request per page of visits, never one per link.
    const linkRequests: URL[] = [];
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (request.method() === 'GET' && url.pathname.startsWith('/api/v1/links')) linkRequests.push(url);
    });
    await expect
      .poll(() => shown(page))
      .toBe('No visits yet. Each click on a short link shows here a few seconds later.');

    await click(shop.shortUrl, USER_AGENT, 'https://news.example/story');
    await click(shop.shortUrl, IPHONE);
    await click(docs.shortUrl, 'curl/8.11.1');
    await shownAfterReloads(page, '3 visits shown.');
    expect(await page.getByTestId('visits-kept').textContent()).toMatch(
      /^Single visits are kept for the last \d+ days, since .+; the analytics count every click, further back\.$/,
    );
    // Newest first, each with its link.
    expect(await rows(page).nth(0).locator('td').last().textContent()).toBe('Bot');
    await expect
      .poll(() => rows(page).nth(0).getByRole('link').textContent())
      .toBe(`${new URL(docs.shortUrl).host}/${docs.code}`);
    expect(await rows(page).nth(2).textContent()).toContain('news.example');
    expect(linkRequests.length).toBeGreaterThan(0);
    for (const url of linkRequests) {
      expect(url.pathname).toBe('/api/v1/links');
      expect([shop.id, docs.id]).toEqual(
        expect.arrayContaining(url.searchParams.get('ids')?.split(',') ?? ['']),
      );
    }
    // No link of these visits has an A/B split: no variant column.
    expect(await page.getByRole('columnheader', { name: 'Variant' }).count()).toBe(0);
    await screenshot(page, 'visits');
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme });
      expect(await accessibilityViolations(page), `visits, ${colorScheme}`).toEqual([]);
    }
    await page.emulateMedia({ colorScheme: 'light' });

    // People on mobile: one visit; the view is in the URL and survives a reload.
    await page.getByLabel('Device').fill('mobile');
    await page.getByLabel('Bots').selectOption('false');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/device=mobile/);
    expect(page.url()).toMatch(/bot=false/);
    await expect.poll(() => shown(page)).toBe('1 visit shown.');
    expect(await rows(page).nth(0).textContent()).toContain('iOS');
    await page.reload();
    await expect.poll(() => shown(page)).toBe('1 visit shown.');
    expect(await page.getByLabel('Device').inputValue()).toBe('mobile');

    // A filter the API would refuse is stopped with a message; the list stays as it was.
    await page.getByLabel('Country').fill('Germany');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect
      .poll(() => page.getByRole('form', { name: 'Filter visits' }).getByRole('alert').textContent())
      .toBe('Country: two letters such as DE, or "unknown".');

    await page.getByRole('button', { name: 'Clear filters' }).click();
    await expect.poll(() => shown(page)).toBe('3 visits shown.');
    await page.getByLabel('Referrer').fill('news.example');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect.poll(() => shown(page)).toBe('1 visit shown.');
    await page.getByLabel('Referrer').fill('');
    await page.getByLabel('Bots').selectOption('false');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect.poll(() => shown(page)).toBe('2 visits shown.');

    // The exports hold what the filters select (people only): CSV with its header row, NDJSON a line each.
    const [csv] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export CSV' }).click(),
    ]);
    expect(csv.suggestedFilename()).toBe('visits.csv');
    const csvLines = (await saved(csv)).trim().split('\n');
    expect(csvLines).toHaveLength(3);
    expect(csvLines[0]).toMatch(/occurred/i);
    const [ndjson] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export NDJSON' }).click(),
    ]);
    expect(ndjson.suggestedFilename()).toBe('visits.ndjson');
    const exported = (await saved(ndjson))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { linkId: string; bot: boolean });
    expect(exported.map((visit) => [visit.linkId, visit.bot])).toEqual([
      [shop.id, false],
      [shop.id, false],
    ]);

    // More than a page: "Load more" brings the next one.
    for (let i = 0; i < 50; i += 1) await click(docs.shortUrl, 'curl/8.11.1');
    await page.getByLabel('Bots').selectOption('true');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/bot=true/);
    await shownAfterReloads(page, '50 visits shown; there are more.');
    await page.getByRole('button', { name: 'Load more' }).click();
    await expect.poll(() => shown(page)).toBe('51 visits shown.');
    expect(await page.getByRole('button', { name: 'Load more' }).count()).toBe(0);

    // At phone width nothing needs sideways scrolling (the table scrolls in its own box).
    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    await page.getByTestId('visits-shown').waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.setViewportSize({ width: 1280, height: 800 });

    // A link's own visits, from its page; the filters work the same there.
    await page.goto(`${stack().dashboard}/links/${shop.id}`);
    await page.locator('.link-summary').getByRole('link', { name: 'Visits', exact: true }).click();
    await page.waitForURL(`**/links/${shop.id}/visits`);
    await page.getByRole('heading', { name: 'Link visits' }).waitFor();
    await expect.poll(() => shown(page)).toBe('2 visits shown.');
    await page.getByLabel('Referrer').fill('(direct)');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect.poll(() => shown(page)).toBe('1 visit shown.');
    const [linkCsv] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export CSV' }).click(),
    ]);
    expect(linkCsv.suggestedFilename()).toBe(`visits-${shop.code}.csv`);
    expect((await saved(linkCsv)).trim().split('\n')).toHaveLength(2);
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme });
      expect(await accessibilityViolations(page), `link visits, ${colorScheme}`).toEqual([]);
    }

    expect(person.scriptErrors).toEqual([]);
    await person.context.close();
  });
});
