import { execFileSync } from 'node:child_process';
import axe from 'axe-core';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPages, startStack, type TestStack } from './support/stack.ts';

/** Debian's Chromium (`make test` installs it with apt when missing); CHROMIUM_PATH overrides. */
function chromiumPath(): string {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  return execFileSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], {
    encoding: 'utf8',
  }).trim();
}

// A person's browser: headless Chromium's own User-Agent would be counted as a bot click.
const USER_AGENT =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36';

/**
 * axe-core's serious and critical violations on the page as it is now, as "rule: target" lines. axe is
 * injected as a script, which the dashboard's CSP forbids: only the audit's browser context bypasses it.
 */
async function accessibilityViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ content: axe.source });
  const results = await page.evaluate(() =>
    (window as unknown as { axe: typeof axe }).axe.run(document, { resultTypes: ['violations'] }),
  );
  return results.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .flatMap((violation) => violation.nodes.map((node) => `${violation.id}: ${node.target.join(' ')}`));
}

let stack: TestStack;
let browser: Browser;

beforeAll(async () => {
  buildPages();
  [stack, browser] = await Promise.all([
    startStack(),
    chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox'] }),
  ]);
});
afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

describe('the dashboard in a real browser', () => {
  it('signs up, creates a link, and shows the click once the short URL was opened', async () => {
    const context = await browser.newContext({ userAgent: USER_AGENT });
    // The destination is a page of the stack itself: no test reaches the internet.
    const destination = `${stack.dashboard.replace('127.0.0.1', 'localhost')}/healthz`;
    const page = await context.newPage();
    const scriptErrors: string[] = [];
    page.on('pageerror', (error) => scriptErrors.push(error.message));
    // A CSP violation is reported on the console: the pages must need no inline script or style.
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) scriptErrors.push(message.text());
    });

    await page.goto(`${stack.dashboard}/signup`);
    await page.getByLabel('Email').fill(`e2e-${Date.now()}@example.com`);
    await page.getByLabel('Password').fill('correct horse battery staple');
    await page.getByRole('button', { name: 'Sign up' }).click();
    await page.waitForURL('**/links');

    await page.getByLabel('Destination URL').fill(destination);
    await page.getByRole('button', { name: 'Create link' }).click();
    const shortLink = page.getByRole('link', { name: new RegExp(`^${stack.edge}/`) });
    await shortLink.waitFor();
    const shortUrl = await shortLink.getAttribute('href');
    expect(shortUrl).toMatch(new RegExp(`^${stack.edge}/[A-Za-z0-9]+$`));
    await expect.poll(() => page.getByTestId('clicks').textContent()).toBe('0');

    const visitor = await context.newPage();
    await visitor.goto(shortUrl ?? '');
    expect(visitor.url()).toBe(destination);
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

    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL('**/login');
    await page.goto(`${stack.dashboard}/links`);
    await page.waitForURL('**/login');
    expect(scriptErrors).toEqual([]);
    await context.close();
  });

  it('has no serious or critical accessibility violation on its pages, light or dark', async () => {
    for (const colorScheme of ['light', 'dark'] as const) {
      const context = await browser.newContext({ userAgent: USER_AGENT, bypassCSP: true, colorScheme });
      const page = await context.newPage();
      await page.goto(`${stack.dashboard}/login`);
      await page.getByRole('heading', { name: 'Log in' }).waitFor();
      expect(await accessibilityViolations(page), `log in, ${colorScheme}`).toEqual([]);

      await page.goto(`${stack.dashboard}/signup`);
      await page.getByLabel('Email').fill(`axe-${colorScheme}-${Date.now()}@example.com`);
      await page.getByLabel('Password').fill('correct horse battery staple');
      await page.getByRole('button', { name: 'Sign up' }).click();
      await page.waitForURL('**/links');
      await page
        .getByLabel('Destination URL')
        .fill(`${stack.dashboard.replace('127.0.0.1', 'localhost')}/healthz`);
      await page.getByRole('button', { name: 'Create link' }).click();
      await page.getByTestId('clicks').waitFor();
      expect(await accessibilityViolations(page), `links, ${colorScheme}`).toEqual([]);
      await context.close();
    }
  });
});
