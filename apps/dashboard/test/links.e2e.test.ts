import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  accessibilityViolations,
  connectBrowser,
  destination,
  newPerson,
  PASSWORD,
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

describe('the dashboard in a real browser', () => {
  it('signs up, creates a link, and shows the click once the short URL was opened', async () => {
    const person = await newPerson(browser, { label: 'first-hour' });
    const { page, context } = person;
    await signUp(person);

    await page.getByLabel('Destination URL').fill(destination());
    await page.getByRole('button', { name: 'Create link' }).click();
    const shortLink = page.getByRole('link', { name: new RegExp(`^${stack().edge}/`) });
    await shortLink.waitFor();
    const shortUrl = await shortLink.getAttribute('href');
    expect(shortUrl).toMatch(new RegExp(`^${stack().edge}/[A-Za-z0-9]+$`));
    await expect.poll(() => page.getByTestId('clicks').textContent()).toBe('0');

    const visitor = await context.newPage();
    await visitor.goto(shortUrl ?? '');
    expect(visitor.url()).toBe(destination());
    await visitor.close();

    // The edge batches the click, the consumer ingests it: the list shows it after a reload or two.
    await expect
      .poll(
        async () => {
          await page.reload();
          return page.getByTestId('clicks').textContent();
        },
        { timeout: 60_000, interval: 1000 },
      )
      .toBe('1');
    await screenshot(page, 'links-first-click');

    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL('**/login');
    await page.goto(`${stack().dashboard}/links`);
    await page.waitForURL('**/login');
    // A page asked for while signed out opens once logged in.
    await page.goto(`${stack().dashboard}/analytics`);
    await page.waitForURL(
      (url) => url.pathname === '/login' && url.searchParams.get('redirect') === '/analytics',
    );
    await page.getByLabel('Email').fill(person.email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL('**/analytics');
    await page.getByRole('heading', { level: 1 }).waitFor();
    expect(person.scriptErrors).toEqual([]);
    await context.close();
  });

  it('has no serious or critical accessibility violation on its pages, light or dark', async () => {
    for (const colorScheme of ['light', 'dark'] as const) {
      const person = await newPerson(browser, { colorScheme, label: `axe-${colorScheme}` });
      const { page } = person;
      await page.goto(`${stack().dashboard}/login`);
      await page.getByRole('heading', { name: 'Log in' }).waitFor();
      expect(await accessibilityViolations(page), `log in, ${colorScheme}`).toEqual([]);
      if (colorScheme === 'light') await screenshot(page, 'login');
      await page.goto(`${stack().dashboard}/signup`);
      await page.getByRole('heading', { name: 'Sign up' }).waitFor();
      expect(await accessibilityViolations(page), `sign up, ${colorScheme}`).toEqual([]);
      if (colorScheme === 'light') await screenshot(page, 'signup');

      await signUp(person);
      await page.getByLabel('Destination URL').fill(destination());
      await page.getByRole('button', { name: 'Create link' }).click();
      await page.getByTestId('clicks').waitFor();
      expect(await accessibilityViolations(page), `links, ${colorScheme}`).toEqual([]);
      expect(person.scriptErrors).toEqual([]);
      await person.context.close();
    }
  });
});
