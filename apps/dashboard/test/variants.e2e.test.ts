import { type BoltlinkClient, createBoltlinkClient } from '@boltlink/api-client/client';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAccessible } from './support/accessible.ts';
import {
  connectBrowser,
  destination,
  newPerson,
  PASSWORD,
  type Person,
  screenshot,
  signUp,
  stack,
} from './support/browser.ts';

let browser: Browser;

beforeAll(async () => {
  browser = await connectBrowser();
});
afterAll(async () => {
  await browser?.close();
});

async function apiOf(person: Person): Promise<BoltlinkClient> {
  const response = await fetch(`${stack().api}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: person.email, password: PASSWORD }),
  });
  expect(response.status).toBe(200);
  const { token } = (await response.json()) as { token: string };
  return createBoltlinkClient({ baseUrl: stack().api, token });
}

/** A desktop Chrome of its own version: each is another visitor to the edge (its hash reads the User-Agent). */
const visitor = (n: number) =>
  `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.${n}.0 Safari/537.36`;

/** Where the edge sends this visitor. */
async function redirectOf(url: string, userAgent: string): Promise<string | null> {
  const response = await fetch(url, { redirect: 'manual', headers: { 'user-agent': userAgent } });
  expect(response.status).toBe(302);
  return response.headers.get('location');
}

const variant = (page: Page, number: number) =>
  page.getByRole('group', { name: `Variant ${number}`, exact: true });

describe('A/B splits in the dashboard', () => {
  it('builds, checks and saves a split on the link page; the edge shares visitors by it and the analytics count each variant', async () => {
    const person = await newPerson(browser, { label: 'variants' });
    const { page } = person;
    await signUp(person);
    const response = await person.context.request.post(`${stack().api}/api/v1/links`, {
      data: { url: destination() },
      headers: { 'boltlink-csrf': '1', origin: stack().dashboard },
    });
    expect(response.status()).toBe(201);
    const link = (await response.json()) as { id: string; shortUrl: string };

    await page.goto(`${stack().dashboard}/links/${link.id}`);
    await page.getByRole('heading', { name: 'A/B split' }).waitFor();
    expect(await page.getByTestId('variants-empty').textContent()).toBe(
      `No split: every visitor goes to ${destination()}.`,
    );

    // A split starts with the link's own destination as the control and a second variant, whose URL has
    // the focus; this one points at the short domain itself, which the API refuses for that variant alone.
    await page.getByRole('button', { name: 'Start a split' }).click();
    expect(await variant(page, 1).getByLabel('Name').inputValue()).toBe('control');
    expect(await variant(page, 1).getByLabel('URL').inputValue()).toBe(destination());
    const focused = variant(page, 2).getByLabel('URL');
    await expect.poll(() => focused.evaluate((field) => field === document.activeElement)).toBe(true);
    await page.keyboard.type(`${stack().edge}/loop`);
    expect(await page.getByTestId('variant-share').allTextContents()).toEqual([
      '50 % of visitors',
      '50 % of visitors',
    ]);
    await variant(page, 2).getByLabel('Weight').fill('150');
    expect(await page.getByTestId('variant-share').allTextContents()).toEqual([
      '25 % of visitors',
      '75 % of visitors',
    ]);

    // A name the API would refuse is stopped before it is asked.
    await variant(page, 2).getByLabel('Name').fill('Big Sale');
    await page.getByRole('button', { name: 'Save split' }).click();
    await expect
      .poll(() => variant(page, 2).getByRole('alert').textContent())
      .toBe('Name: 1 to 32 of a-z, 0-9, _ and -, starting with a letter or a digit (lower case, no spaces).');

    await variant(page, 2).getByLabel('Name').fill('annual');
    await page.getByRole('button', { name: 'Save split' }).click();
    await expect
      .poll(() => variant(page, 2).getByRole('alert').textContent())
      .toBe('URL: must not point at a short domain (redirect loop)');
    expect(await variant(page, 1).getByRole('alert').count()).toBe(0);

    await variant(page, 2).getByLabel('URL').fill(destination('/health'));
    await variant(page, 2).getByLabel('Weight').fill('50');
    await page.getByRole('button', { name: 'Add variant' }).click();
    await variant(page, 3).getByLabel('URL').fill(destination('/ready'));
    expect(await variant(page, 3).getByLabel('Name').inputValue()).toBe('variant-3');
    await page.getByRole('button', { name: 'Save split' }).click();
    await expect.poll(() => page.getByText('Split saved').count()).toBe(1);
    expect(await page.locator('.details').getByText('3 variants').count()).toBe(1);

    // Stored as shown.
    await page.reload();
    await variant(page, 3).waitFor();
    expect(await variant(page, 2).getByLabel('Name').inputValue()).toBe('annual');
    expect(await variant(page, 2).getByLabel('Weight').inputValue()).toBe('50');
    expect(await page.getByTestId('variant-share').allTextContents()).toEqual([
      '33.3 % of visitors',
      '33.3 % of visitors',
      '33.3 % of visitors',
    ]);
    await screenshot(page, 'variants');
    await expectAccessible(page, 'variants');
    await page.emulateMedia({ colorScheme: 'light' });

    // The edge shares 30 visitors among the three destinations, and a visitor who comes back keeps theirs.
    // Every redirect is a click: each is kept, to know what the analytics must count.
    const destinations = [destination(), destination('/health'), destination('/ready')];
    const clicks: string[] = [];
    const send = async (n: number) => {
      const to = (await redirectOf(link.shortUrl, visitor(n))) ?? '';
      clicks.push(to);
      return to;
    };
    // The edge serves the saved split once its cached link is replaced: new visitors until one is sent
    // elsewhere than the link's own URL.
    let probe = 1000;
    await expect.poll(() => send(probe++)).not.toBe(destination());
    const sent: string[] = [];
    for (let n = 0; n < 30; n += 1) sent.push(await send(n));
    expect(sent.every((to) => destinations.includes(to))).toBe(true);
    expect(new Set(sent).size).toBe(3);
    expect(await send(7)).toBe(sent[7]);
    const toAnnual = clicks.filter((to) => to === destination('/health')).length;

    // The link's analytics count the clicks per variant, and a variant's row filters the page by it.
    await page.goto(`${stack().dashboard}/links/${link.id}/analytics`);
    const variants = page.getByRole('region', { name: 'A/B variants' });
    // The total counts the clicks once they are stored; the per-variant rows follow at the consumer's next
    // dimension roll-up.
    await expect
      .poll(
        async () => {
          await page.reload();
          await page.getByTestId('stats-total').or(page.getByTestId('stats-empty')).waitFor();
          return `${await page.getByTestId('stats-total').textContent()} clicks, ${await variants.locator('tbody tr').count()} variants`;
        },
        { timeout: 60_000, interval: 1000 },
      )
      .toBe(`${clicks.length} clicks, 3 variants`);
    await variants.getByRole('button', { name: 'annual' }).click();
    await page.waitForURL(/variant=annual/);
    await expect.poll(() => page.getByTestId('stats-total').textContent()).toBe(String(toAnnual));
    expect(
      await page.getByRole('list', { name: 'Filters on' }).getByRole('listitem').allTextContents(),
    ).toEqual(['Variant: annual×']);
    await expectAccessible(page, 'link analytics by variant');
    await page.emulateMedia({ colorScheme: 'light' });

    // The visits behind these figures: the page's variant, range and people only, carried to the visits page,
    // which shows each visit's variant.
    await page.locator('.crumbs').getByRole('link', { name: 'Visits', exact: true }).click();
    await page.waitForURL(`**/links/${link.id}/visits?**`);
    expect(Object.fromEntries(new URL(page.url()).searchParams)).toMatchObject({
      variant: 'annual',
      bot: 'false',
      range: 'custom',
    });
    await expect.poll(() => page.getByTestId('visits-shown').textContent()).toBe(`${toAnnual} visits shown.`);
    expect(await page.getByLabel('Variant', { exact: true }).inputValue()).toBe('annual');
    const headers = await page.locator('table.visits-table thead th').allTextContents();
    const variantColumn = headers.indexOf('Variant') + 1;
    expect(variantColumn).toBeGreaterThan(0);
    const shownVariants = await page
      .locator(`table.visits-table tbody td:nth-child(${variantColumn})`)
      .allTextContents();
    expect(new Set(shownVariants)).toEqual(new Set(['annual']));
    await screenshot(page, 'visits-by-variant');
    await expectAccessible(page, 'link visits by variant');
    await page.emulateMedia({ colorScheme: 'light' });

    // At phone width nothing needs sideways scrolling.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${stack().dashboard}/links/${link.id}`);
    await variant(page, 3).waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);

    // Removing the split sends everyone to the link's URL again.
    await page.getByRole('button', { name: 'Remove the split' }).click();
    await page.getByRole('button', { name: 'Save split' }).click();
    await expect.poll(() => page.getByText('Split removed').count()).toBe(1);
    await expect.poll(() => redirectOf(link.shortUrl, visitor(7))).toBe(destination());

    expect(person.scriptErrors).toEqual([]);
    await person.context.close();
  });

  it('shows a viewer the link without the rules or split editors', async () => {
    const owner = await newPerson(browser, { label: 'variants-owner' });
    await signUp(owner);
    const ownerApi = await apiOf(owner);
    const created = await ownerApi.POST('/api/v1/workspaces', { body: { name: 'Growth' } });
    const inWorkspace = { params: { header: { 'boltlink-workspace': created.data?.id ?? '' } } };
    const link = await ownerApi.POST('/api/v1/links', {
      ...inWorkspace,
      body: {
        url: destination(),
        rules: [{ conditions: { os: ['iOS'] }, url: destination('/health') }],
        variants: [
          { name: 'control', url: destination(), weight: 1 },
          { name: 'b', url: destination('/ready'), weight: 1 },
        ],
      },
    });
    expect(link.response.status).toBe(201);

    const viewer = await newPerson(browser, { label: 'variants-viewer' });
    const { page } = viewer;
    await signUp(viewer);
    const invitation = await ownerApi.POST('/api/v1/workspace/invitations', {
      ...inWorkspace,
      body: { email: viewer.email, role: 'viewer' },
    });
    const accepted = await (await apiOf(viewer)).POST('/api/v1/invitations/accept', {
      body: { token: invitation.data?.token ?? '' },
    });
    expect(accepted.response.status).toBe(200);

    await page.reload();
    await page.getByRole('combobox', { name: 'Workspace' }).selectOption({ label: 'Growth · viewer' });
    await page.goto(`${stack().dashboard}/links/${link.data?.id}`);
    await page.locator('.details').getByText('2 variants').waitFor();
    expect(await page.locator('.details').getByText('1 rule').count()).toBe(1);
    expect(await page.getByRole('heading', { name: /Redirect rules|A\/B split|Edit/ }).count()).toBe(0);
    expect(
      await page.getByRole('button', { name: /Save|Add rule|Start a split|Add variant|Delete/ }).count(),
    ).toBe(0);
    expect(await page.getByRole('textbox').count()).toBe(0);
    await expectAccessible(page, 'link, viewer');

    expect(owner.scriptErrors).toEqual([]);
    expect(viewer.scriptErrors).toEqual([]);
    await owner.context.close();
    await viewer.context.close();
  });
});
