import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

const IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1';

async function createLink(person: Person): Promise<{ id: string; shortUrl: string }> {
  const response = await person.context.request.post(`${stack().api}/api/v1/links`, {
    data: { url: destination() },
    headers: { 'boltlink-csrf': '1', origin: stack().dashboard },
  });
  expect(response.status()).toBe(201);
  return response.json();
}

/** Where the edge sends a visitor with this User-Agent to this short URL. */
async function redirectOf(url: string, userAgent: string): Promise<string | null> {
  const response = await fetch(url, { redirect: 'manual', headers: { 'user-agent': userAgent } });
  return response.headers.get('location');
}

const rule = (page: Page, number: number) => page.getByRole('group', { name: `Rule ${number}`, exact: true });

describe('redirect rules in the dashboard', () => {
  it('adds, checks, orders and saves rules on the link page, and the edge follows them', async () => {
    const person = await newPerson(browser, { label: 'rules' });
    const { page } = person;
    await signUp(person);
    const link = await createLink(person);

    await page.goto(`${stack().dashboard}/links/${link.id}`);
    await page.getByRole('heading', { name: 'Redirect rules' }).waitFor();
    expect(await page.getByTestId('rules-empty').textContent()).toBe(
      `No rules: every visitor goes to ${destination()}.`,
    );

    // A newsletter's readers (?ref=mail) to one page, iPhones to another; a third rule points at the
    // short domain itself, which the API refuses for that rule alone.
    await page.getByRole('button', { name: 'Add rule' }).click();
    await rule(page, 1).getByLabel('Send to URL').fill(destination('/ready'));
    await rule(page, 1).getByLabel('Query parameter').fill('ref');
    await rule(page, 1).getByLabel('Parameter value').fill('mail');
    await page.getByRole('button', { name: 'Add rule' }).click();
    await rule(page, 2).getByLabel('Send to URL').fill(destination('/health'));
    await rule(page, 2).getByLabel('Operating systems').fill('iOS');
    await rule(page, 2).getByRole('group', { name: 'Devices' }).getByLabel('Mobile').check();
    await page.getByRole('button', { name: 'Add rule' }).click();
    // The new rule's URL field has the focus (from the next frame): the person types straight away.
    const focused = rule(page, 3).getByLabel('Send to URL');
    await expect.poll(() => focused.evaluate((field) => field === document.activeElement)).toBe(true);
    await page.keyboard.type(`${stack().edge}/loop`);

    // A rule without a condition is stopped before the API is asked.
    await page.getByRole('button', { name: 'Save rules' }).click();
    await expect
      .poll(() => rule(page, 3).getByRole('alert').textContent())
      .toBe('Give at least one condition: a rule without one would catch every visitor.');

    await rule(page, 3).getByLabel('Countries').fill('de, at');
    await page.getByRole('button', { name: 'Save rules' }).click();
    await expect
      .poll(() => rule(page, 3).getByRole('alert').textContent())
      .toBe('URL: must not point at a short domain (redirect loop)');
    expect(await rule(page, 1).getByRole('alert').count()).toBe(0);

    await page.getByRole('button', { name: 'Remove rule 3' }).click();
    expect(await rule(page, 3).count()).toBe(0);

    // The iPhone rule goes first, with the keyboard; the focus stays on the moved rule's buttons.
    await page.getByRole('button', { name: 'Move rule 2 up' }).focus();
    await page.keyboard.press('Enter');
    expect(await rule(page, 1).getByLabel('Operating systems').inputValue()).toBe('iOS');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe(
      'Move rule 1 down',
    );

    await page.getByRole('button', { name: 'Save rules' }).click();
    await expect.poll(() => page.getByText('Rules saved').count()).toBe(1);
    expect(await page.getByTestId('rules-empty').count()).toBe(0);

    // Stored as shown, in that order.
    await page.reload();
    await rule(page, 2).waitFor();
    expect(await rule(page, 1).getByLabel('Operating systems').inputValue()).toBe('iOS');
    expect(await rule(page, 1).getByRole('group', { name: 'Devices' }).getByLabel('Mobile').isChecked()).toBe(
      true,
    );
    expect(await rule(page, 2).getByLabel('Query parameter').inputValue()).toBe('ref');
    expect(await page.locator('.details').getByText('2 rules').count()).toBe(1);

    // The edge: iPhones, then the newsletter's readers, then everyone else.
    await expect.poll(() => redirectOf(link.shortUrl, IPHONE)).toBe(destination('/health'));
    await expect
      .poll(() => redirectOf(`${link.shortUrl}?ref=mail`, USER_AGENT))
      .toBe(destination('/ready?ref=mail'));
    expect(await redirectOf(`${link.shortUrl}?ref=mail`, IPHONE)).toBe(destination('/health?ref=mail'));
    expect(await redirectOf(link.shortUrl, USER_AGENT)).toBe(destination());

    await screenshot(page, 'rules');
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme });
      expect(await accessibilityViolations(page), `rules, ${colorScheme}`).toEqual([]);
    }
    await page.emulateMedia({ colorScheme: 'light' });

    // At phone width nothing needs sideways scrolling.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    await rule(page, 2).waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);

    // Removing every rule sends everyone to the link's URL again.
    await page.getByRole('button', { name: 'Remove rule 2' }).click();
    await page.getByRole('button', { name: 'Remove rule 1' }).click();
    await page.getByRole('button', { name: 'Save rules' }).click();
    await expect.poll(() => page.getByText('Rules removed').count()).toBe(1);
    await expect.poll(() => redirectOf(link.shortUrl, IPHONE)).toBe(destination());

    expect(person.scriptErrors).toEqual([]);
    await person.context.close();
  });
});
