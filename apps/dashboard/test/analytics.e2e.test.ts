import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAccessible } from './support/accessible.ts';
import {
  accessibilityViolations,
  connectBrowser,
  destination,
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

/** Creates a link with the person's own browser session, as the dashboard's pages do. */
async function createLink(
  person: Person,
  fields: { tags?: string[] } = {},
): Promise<{ id: string; code: string; domain: string; shortUrl: string }> {
  const response = await person.context.request.post(`${stack().api}/api/v1/links`, {
    data: { url: destination(), ...fields },
    headers: { 'boltlink-csrf': '1', origin: stack().dashboard },
  });
  expect(response.status()).toBe(201);
  return response.json();
}

/** The clicks a breakdown lists, summed from its rows' counts. */
async function breakdownSum(page: Page, name: string): Promise<number> {
  const counts = await page
    .getByRole('region', { name })
    .locator('tbody td.number:not(.share)')
    .allTextContents()
    .catch(() => []);
  return counts.reduce((sum, text) => sum + Number(text.replace(/\D/g, '')), 0);
}

/**
 * The edge batches clicks and the consumer ingests them: the total shows after a reload or a few, and the
 * breakdowns once the consumer's dimension roll-up has folded them (every country counts, 'unknown' too).
 */
async function totalAfterReloads(page: Page, expected: string): Promise<void> {
  await expect
    .poll(
      async () => {
        await page.reload();
        await page.getByTestId('stats-total').or(page.getByTestId('stats-empty')).waitFor();
        const total = (await page.getByTestId('stats-total').textContent()) ?? '';
        return `${total} clicks, ${await breakdownSum(page, 'Countries')} by country`;
      },
      { timeout: 60_000, interval: 1000 },
    )
    .toBe(`${expected} clicks, ${expected} by country`);
}

const IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1';

/** One click through the edge, as this browser (or bot) from this page. */
async function click(url: string, userAgent: string, referer?: string): Promise<void> {
  const response = await fetch(url, {
    redirect: 'manual',
    headers: { 'user-agent': userAgent, ...(referer ? { referer } : {}) },
  });
  expect(response.status).toBe(302);
}

const timeseriesRows = (page: Page) =>
  page.locator('table', { hasText: /Clicks by (hour|day) \(UTC\)/ }).locator('tbody tr');

describe('analytics in a real browser', () => {
  it("shows a person's click in the link's and the workspace's analytics, and a bot's only when asked", async () => {
    const person = await newPerson(browser, { label: 'analytics' });
    const { page, context } = person;
    await signUp(person);

    await page.getByRole('link', { name: 'Analytics', exact: true }).click();
    await page.waitForURL('**/analytics');
    await expect
      .poll(() => page.getByTestId('stats-empty').textContent())
      .toMatch(/No clicks in this range yet/);

    const link = await createLink(person);
    const visitor = await context.newPage();
    await visitor.goto(link.shortUrl);
    expect(visitor.url()).toBe(destination());
    await visitor.close();
    // A bot (curl) is redirected too, and counted as a bot click.
    const bot = await fetch(link.shortUrl, { redirect: 'manual', headers: { 'user-agent': 'curl/8.11.1' } });
    expect(bot.status).toBe(302);

    await page.goto(`${stack().dashboard}/links/${link.id}/analytics`);
    await page.getByRole('heading', { name: 'Link analytics' }).waitFor();
    await totalAfterReloads(page, '1');
    const browsers = page.getByRole('region', { name: 'Browsers' });
    await expect.poll(() => browsers.locator('tbody tr').count()).toBe(1);
    expect(await browsers.locator('tbody tr').textContent()).toBe('Chrome1100 %');
    await expect
      .poll(() => page.getByRole('img', { name: /^Clicks by day, .*: 1 in total/ }).count())
      .toBe(1);

    await page.getByLabel('Clicks of').selectOption('People and bots');
    await page.waitForURL(/bots=true/);
    await totalAfterReloads(page, '2');
    await expect.poll(() => page.getByText('Clicks (bots included)').count()).toBe(1);
    await page.getByLabel('Clicks of').selectOption('People only');
    await expect.poll(() => page.getByTestId('stats-total').textContent()).toBe('1');
    expect(page.url()).not.toMatch(/bots=/);

    // The range picker chooses the buckets: 24 hours by hour, 30 days by day; the view is in the URL.
    await page.getByLabel('Range').selectOption('24h');
    await page.waitForURL(/range=24h/);
    await expect.poll(() => page.getByText('Clicks by hour (UTC)').count()).toBe(1);
    expect(await timeseriesRows(page).count()).toBe(24);
    await page.getByLabel('Range').selectOption('30d');
    await page.waitForURL(/range=30d/);
    await expect.poll(() => page.getByText('Clicks by day (UTC)').count()).toBe(1);
    expect(await timeseriesRows(page).count()).toBe(30);
    await page.getByLabel('Interval').selectOption('hour');
    await page.waitForURL(/interval=hour/);
    // 29 whole days and today's hours so far.
    await expect.poll(() => timeseriesRows(page).count()).toBeGreaterThan(29 * 24);
    await page.reload();
    await expect.poll(() => page.getByText('Clicks by hour (UTC)').count()).toBe(1);
    expect(await page.getByTestId('stats-total').textContent()).toBe('1');

    // A custom range is checked before it is asked for.
    await page.getByLabel('Range').selectOption('custom');
    await page.getByLabel('From (UTC day)').fill('2026-03-10');
    await page.getByLabel('To (UTC day)').fill('2026-03-01');
    await expect
      .poll(() => page.getByRole('alert').textContent())
      .toBe('The first day must not be after the last day.');

    await page.getByLabel('Range').selectOption('7d');
    await page.getByTestId('stats-total').waitFor();
    // The chart's tooltip is drawn on its canvas: hovering a bar breaks no CSP rule (checked at the end).
    const timeline = page.getByRole('img', { name: /^Clicks by day/ });
    const box = await timeline.boundingBox();
    // Over today's bar, the last of the 7.
    await timeline.hover({ position: { x: (box?.width ?? 0) * 0.93, y: (box?.height ?? 0) / 2 } });
    await screenshot(page, 'link-analytics');
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme });
      expect(await accessibilityViolations(page), `link analytics, ${colorScheme}`).toEqual([]);
    }
    await page.emulateMedia({ colorScheme: 'light' });

    // The workspace's analytics count the same click, and lead to the link's own.
    await page.getByRole('link', { name: 'Workspace analytics' }).click();
    await page.waitForURL('**/analytics?**');
    await totalAfterReloads(page, '1');
    const topLink = page.getByRole('link', { name: `${link.domain}/${link.code}` });
    await topLink.waitFor();
    expect(await page.getByTestId('stats-visitors').textContent()).toBe('1');
    await screenshot(page, 'analytics');
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme });
      expect(await accessibilityViolations(page), `analytics, ${colorScheme}`).toEqual([]);
    }

    // At phone width nothing needs sideways scrolling.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    await page.getByTestId('stats-total').waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);

    await topLink.click();
    await page.waitForURL(`**/links/${link.id}/analytics**`);
    await expect.poll(() => page.getByTestId('stats-total').textContent()).toBe('1');
    expect(person.scriptErrors).toEqual([]);
    await context.close();
  });

  it('filters the analytics by a breakdown row, a tag and bots, shows the filters as chips and keeps them in the URL', async () => {
    const person = await newPerson(browser, { label: 'analytics-filters' });
    const { page } = person;
    await signUp(person);
    const spring = await createLink(person, { tags: ['spring'] });
    const other = await createLink(person);
    // The spring link: two desktop visits, one from an iPhone that came from a newsletter, one bot; the
    // other link one desktop visit.
    await click(spring.shortUrl, USER_AGENT);
    await click(spring.shortUrl, USER_AGENT, 'https://news.example/issue-12');
    await click(spring.shortUrl, IPHONE, 'https://news.example/issue-12');
    await click(spring.shortUrl, 'curl/8.11.1');
    await click(other.shortUrl, USER_AGENT);

    await page.goto(`${stack().dashboard}/analytics`);
    await totalAfterReloads(page, '4');
    expect(await page.getByTestId('stats-source').textContent()).toMatch(
      /^Counted from the daily totals, which are kept for good\. .* kept for \d+ days: since /,
    );

    // A row of a breakdown filters the page: the iPhone's device.
    const devices = page.getByRole('region', { name: 'Devices' });
    await devices.getByRole('button', { name: 'mobile' }).click();
    await page.waitForURL(/device=mobile/);
    await expect.poll(() => page.getByTestId('stats-total').textContent()).toBe('1');
    expect(await devices.getByRole('button', { name: 'mobile' }).getAttribute('aria-pressed')).toBe('true');
    const chips = page.getByRole('list', { name: 'Filters on' });
    expect(await chips.getByRole('listitem').allTextContents()).toEqual(['Device: mobile×']);
    expect(await page.getByTestId('stats-source').textContent()).toMatch(
      /^Filtered figures come from single visits, kept for \d+ days: since .*\.$/,
    );
    // Filters combine: the newsletter's readers on mobile.
    await page
      .getByRole('region', { name: 'Referrers' })
      .getByRole('button', { name: 'news.example' })
      .click();
    await page.waitForURL(/referrer=news\.example/);
    await expect.poll(() => chips.getByRole('listitem').count()).toBe(2);
    expect(await page.getByTestId('stats-total').textContent()).toBe('1');
    expect(await page.getByTestId('stats-visitors').textContent()).toBe('1');
    await screenshot(page, 'analytics-filtered');
    await expectAccessible(page, 'analytics, filtered');
    await page.emulateMedia({ colorScheme: 'light' });

    // A shared URL opens the same view.
    const shared = page.url();
    const colleague = await person.context.newPage();
    await colleague.goto(shared);
    await expect.poll(() => colleague.getByTestId('stats-total').textContent()).toBe('1');
    expect(await colleague.getByRole('list', { name: 'Filters on' }).getByRole('listitem').count()).toBe(2);
    await colleague.close();

    // A range that starts before the single visits kept is answered from the first day kept, and says so.
    const today = new Date().toISOString().slice(0, 10);
    const earlier = await person.context.newPage();
    await earlier.goto(
      `${stack().dashboard}/analytics?range=custom&from=2025-12-08&to=${today}&device=mobile`,
    );
    await expect
      .poll(() => earlier.getByTestId('stats-source').textContent())
      .toMatch(/kept for \d+ days: since .*\. This range starts earlier, so these figures start on /);
    expect(await earlier.getByTestId('stats-total').textContent()).toBe('1');
    await earlier.close();

    // Removing the device chip leaves the newsletter's two readers.
    await page.getByRole('button', { name: 'Remove filter Device: mobile' }).click();
    await expect.poll(() => page.getByTestId('stats-total').textContent()).toBe('2');
    expect(page.url()).not.toMatch(/device=/);
    await page.getByRole('button', { name: 'Remove filter Referrer: news.example' }).click();
    await expect.poll(() => page.getByTestId('stats-total').textContent()).toBe('4');
    expect(await chips.count()).toBe(0);

    // The links counted: the spring tag; then its bots only.
    await page.getByLabel('Tag').fill('spring');
    await page.getByRole('button', { name: 'Apply to links' }).click();
    await page.waitForURL(/tag=spring/);
    await expect.poll(() => page.getByTestId('stats-total').textContent()).toBe('3');
    expect(await page.getByRole('link', { name: `${other.domain}/${other.code}` }).count()).toBe(0);
    await page.getByLabel('Clicks of').selectOption('Bots only');
    await page.waitForURL(/bots=only/);
    await expect.poll(() => page.getByTestId('stats-total').textContent()).toBe('1');
    expect(await page.getByText('Clicks of bots only').count()).toBe(1);

    // A top link opens the link's own analytics with the visit filters, never the workspace's link filters.
    await page.getByLabel('Clicks of').selectOption('People only');
    await page
      .getByRole('region', { name: 'Browsers' })
      .getByRole('button', { name: 'Mobile Safari' })
      .click();
    await page.waitForURL(/browser=Mobile/);
    await expect.poll(() => page.getByTestId('stats-total').textContent()).toBe('1');
    await page.getByRole('link', { name: `${spring.domain}/${spring.code}` }).click();
    await page.waitForURL(`**/links/${spring.id}/analytics**`);
    await page.getByRole('heading', { name: 'Link analytics' }).waitFor();
    expect(page.url()).not.toMatch(/tag=/);
    await expect.poll(() => page.getByTestId('stats-total').textContent()).toBe('1');
    expect(
      await page.getByRole('list', { name: 'Filters on' }).getByRole('listitem').allTextContents(),
    ).toEqual(['Browser: Mobile Safari×']);

    // At phone width nothing needs sideways scrolling.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(shared);
    await page.getByTestId('stats-total').waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);

    expect(person.scriptErrors).toEqual([]);
    await person.context.close();
  });

  it('says so when a link is not in the workspace', async () => {
    const person = await newPerson(browser, { label: 'analytics-missing' });
    await signUp(person);
    await person.page.goto(`${stack().dashboard}/links/00000000-0000-4000-8000-000000000000/analytics`);
    await expect
      .poll(() => person.page.getByRole('alert').textContent())
      .toBe('This link does not exist in this workspace.');
    expect(person.scriptErrors).toEqual([]);
    await person.context.close();
  });
});
