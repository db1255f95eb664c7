import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import axe from 'axe-core';
import { type Browser, type BrowserContext, chromium, type Download, type Page } from 'playwright-core';
import { inject } from 'vitest';
import type { StackUrls } from './stack.ts';

/** The stack every browser test file shares (test/support/stack-setup.ts). */
export const stack = (): StackUrls => inject('dashboardStack');

/**
 * The run's Chromium (test/support/chromium.ts), as this file's own connection: closing it closes the
 * contexts the file made and leaves the browser to the other files.
 */
export const connectBrowser = (): Promise<Browser> => chromium.connect(inject('chromiumEndpoint'));

// A person's browser: headless Chromium's own User-Agent would be counted as a bot click.
export const USER_AGENT =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36';

/** A destination on the stack itself: no test reaches the internet. */
export const destination = (path = '/healthz'): string =>
  `${stack().dashboard.replace('127.0.0.1', 'localhost')}${path}`;

export interface Person {
  context: BrowserContext;
  page: Page;
  email: string;
  /** Script errors and CSP violations seen so far on the person's pages: a test ends expecting none. */
  scriptErrors: string[];
}

let people = 0;

/** A new browser context (its own cookies) with one page, watching for script errors and CSP violations. */
export async function newPerson(
  browser: Browser,
  options: {
    colorScheme?: 'light' | 'dark';
    viewport?: { width: number; height: number };
    label?: string;
  } = {},
): Promise<Person> {
  const context = await browser.newContext({
    userAgent: USER_AGENT,
    colorScheme: options.colorScheme ?? 'light',
    ...(options.viewport ? { viewport: options.viewport } : {}),
  });
  const page = await context.newPage();
  const scriptErrors: string[] = [];
  page.on('pageerror', (error) => scriptErrors.push(error.message));
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) scriptErrors.push(message.text());
  });
  people += 1;
  const email = `${options.label ?? 'person'}-${process.pid}-${people}-${Date.now()}@example.com`;
  return { context, page, email, scriptErrors };
}

export const PASSWORD = 'correct horse battery staple';

/** Signs the person up through the sign-up page; they land on their links. */
export async function signUp(person: Person): Promise<void> {
  const { page } = person;
  await page.goto(`${stack().dashboard}/signup`);
  await page.getByLabel('Email').fill(person.email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign up' }).click();
  await page.waitForURL('**/links');
}

/**
 * axe-core's serious and critical violations on the page as it is now, as "rule: target" lines. axe is
 * evaluated through the DevTools protocol, which the page's CSP does not govern, once per document: parsing
 * its half a megabyte cost more than a check, and the checks of one document (dark then light, or the screens
 * reached without a reload) share it.
 */
export async function accessibilityViolations(page: Page): Promise<string[]> {
  const loaded = await page.evaluate(
    () => typeof (window as unknown as { axe?: typeof axe }).axe?.run === 'function',
  );
  if (!loaded) await page.evaluate(axe.source);
  const results = await page.evaluate(() =>
    (window as unknown as { axe: typeof axe }).axe.run(document, { resultTypes: ['violations'] }),
  );
  return results.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .flatMap((violation) => violation.nodes.map((node) => `${violation.id}: ${node.target.join(' ')}`));
}

const screenshotDir =
  process.env.SCREENSHOT_DIR ?? fileURLToPath(new URL('../../test-results/screenshots/', import.meta.url));

/** Saves what the person sees as `<name>.png` (test-results/screenshots, or SCREENSHOT_DIR). */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({ path: `${screenshotDir}/${name}.png`, fullPage: true });
}

/**
 * The bytes of a finished download, streamed from the browser: the files share a Chromium they are connected
 * to, so a download has no local path to read.
 */
export async function downloaded(download: Download): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await download.createReadStream()) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
