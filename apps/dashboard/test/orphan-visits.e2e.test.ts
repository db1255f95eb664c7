import { request } from 'node:http';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAccessible } from './support/accessible.ts';
import {
  accessibilityViolations,
  connectBrowser,
  newPerson,
  screenshot,
  signUp,
  stack,
  USER_AGENT,
} from './support/browser.ts';
import { VERIFIABLE_DOMAIN } from './support/stack.ts';

let browser: Browser;

beforeAll(async () => {
  browser = await connectBrowser();
});
afterAll(async () => {
  await browser?.close();
});

/** A request to the edge as a visitor of `host` (the edge serves a domain by the Host header). */
function visit(host: string, path: string, headers: Record<string, string> = {}): Promise<number> {
  const edge = new URL(stack().edge);
  return new Promise((resolve, reject) => {
    const sent = request(
      {
        host: edge.hostname,
        port: edge.port,
        path,
        headers: { host, 'user-agent': USER_AGENT, accept: 'application/json', ...headers },
      },
      (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      },
    );
    sent.on('error', reject);
    sent.end();
  });
}

describe('orphan visits in the dashboard', () => {
  it('lists the requests to a custom domain that reached no link, by path, kind and referrer', async () => {
    const person = await newPerson(browser, { label: 'orphans-real' });
    const { page } = person;
    await signUp(person);
    // The stack's DNS server publishes the domain's CNAME to the edge: adding it and checking it verifies it.
    const headers = { 'boltlink-csrf': '1', origin: stack().dashboard };
    const added = await person.context.request.post(`${stack().api}/api/v1/domains`, {
      data: { hostname: VERIFIABLE_DOMAIN },
      headers,
    });
    expect(added.status()).toBe(201);
    const domain = (await added.json()) as { id: string };
    const verified = await person.context.request.post(`${stack().api}/api/v1/domains/${domain.id}/verify`, {
      headers,
    });
    expect(((await verified.json()) as { status: string }).status).toBe('verified');

    // A mistyped code twice (once from a newsletter), the bare domain once, and a bot.
    expect(await visit(VERIFIABLE_DOMAIN, '/sprng-sale')).toBe(404);
    expect(await visit(VERIFIABLE_DOMAIN, '/sprng-sale', { referer: 'https://news.example/issue-12' })).toBe(
      404,
    );
    expect(await visit(VERIFIABLE_DOMAIN, '/')).toBe(404);
    expect(await visit(VERIFIABLE_DOMAIN, '/wp-login.php', { 'user-agent': 'curl/8.11.1' })).toBe(404);

    // The edge counts them in memory per minute and the consumer stores the counts: they show after a while.
    await page.goto(`${stack().dashboard}/orphan-visits`);
    const rows = page.locator('table.visits-table tbody tr');
    await expect
      .poll(
        async () => {
          await page.reload();
          await page.getByTestId('orphan-empty').or(rows.first()).waitFor();
          return rows.count();
        },
        { timeout: 60_000, interval: 1000 },
      )
      .toBe(4);
    const cells = async (path: string, referrer: string) =>
      (
        await page.getByRole('row').filter({ hasText: path }).filter({ hasText: referrer }).allInnerTexts()
      ).map((row) => row.split('\t').slice(1));
    expect(await cells('/sprng-sale', 'news.example')).toEqual([
      [VERIFIABLE_DOMAIN, '/sprng-sale', 'Unknown address', 'news.example', 'Unknown', 'No', '1'],
    ]);
    expect(await cells('/wp-login.php', '(direct)')).toEqual([
      [VERIFIABLE_DOMAIN, '/wp-login.php', 'Unknown address', '(direct)', 'Unknown', 'Bot', '1'],
    ]);
    expect((await cells(VERIFIABLE_DOMAIN, '(direct)')).map((row) => row[2])).toContain('Bare domain');
    await screenshot(page, 'orphan-visits');
    await expectAccessible(page, 'orphan visits');
    await page.emulateMedia({ colorScheme: 'light' });

    // Filtered by kind: the bare domain's visit alone.
    await page.getByLabel('Kind').selectOption('root');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/kind=root/);
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain('Bare domain');

    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByLabel('Kind').selectOption('');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect.poll(() => rows.count()).toBe(4);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);

    expect(person.scriptErrors).toEqual([]);
    await person.context.close();
  });

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
