import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessibilityViolations, launchBrowser, newPerson, screenshot, signUp } from './support/browser.ts';

let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

describe('orphan visits in the dashboard', () => {
  it('says what orphan visits are while there are none, and keeps its filters in the URL', async () => {
    const person = await newPerson(browser, { label: 'orphans' });
    const { page } = person;
    await signUp(person);

    await page
      .getByRole('navigation', { name: 'Workspace' })
      .getByRole('link', { name: 'Orphan visits' })
      .click();
    await page.waitForURL('**/orphan-visits');
    await expect
      .poll(() => page.getByTestId('orphan-empty').textContent())
      .toMatch(/^No orphan visits yet\. When someone opens an address on one of your custom domains/);
    await screenshot(page, 'orphan-visits');
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme });
      expect(await accessibilityViolations(page), `orphan visits, ${colorScheme}`).toEqual([]);
    }
    await page.emulateMedia({ colorScheme: 'light' });

    // A bad domain is stopped with a message; good filters go into the URL and survive a reload.
    await page.getByLabel('Domain').fill('not a domain');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect
      .poll(() => page.getByRole('form', { name: 'Filter orphan visits' }).getByRole('alert').textContent())
      .toBe('Domain: a host name such as go.example.com.');
    await page.getByLabel('Domain').fill('Go.Example.com');
    await page.getByLabel('Kind').selectOption('gone');
    await page.getByLabel('Time range').selectOption('7d');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/kind=gone/);
    expect(page.url()).toMatch(/domain=go\.example\.com/);
    expect(page.url()).toMatch(/range=7d/);
    await page.reload();
    await expect
      .poll(() => page.getByTestId('orphan-empty').textContent())
      .toBe('No orphan visits match these filters.');
    expect(await page.getByLabel('Kind').inputValue()).toBe('gone');
    expect(await page.getByLabel('Domain').inputValue()).toBe('go.example.com');

    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    await page.getByTestId('orphan-empty').waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);

    expect(person.scriptErrors).toEqual([]);
    await person.context.close();
  });
});
