import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAccessible } from './support/accessible.ts';
import { connectBrowser, destination, newPerson, screenshot, signUp, stack } from './support/browser.ts';

let browser: Browser;

beforeAll(async () => {
  browser = await connectBrowser();
});
afterAll(async () => {
  await browser?.close();
});

/** The cells of a table's body, row by row. */
const rowsOf = (page: Page, testId: string) =>
  page
    .getByTestId(testId)
    .locator('tbody tr')
    .evaluateAll((rows) =>
      rows.map((row) => Array.from(row.querySelectorAll('td'), (cell) => cell.textContent ?? '')),
    );

describe('importing links from a CSV file', () => {
  it('creates the good rows and shows each bad row with its number, its input and the reason', async () => {
    const person = await newPerson(browser, { label: 'import' });
    const { page } = person;
    await signUp(person);
    await page.getByRole('link', { name: 'Import from CSV' }).click();
    await page.waitForURL('**/links/import');
    await page.getByLabel('CSV file').waitFor();
    await expectAccessible(page, 'import, empty');

    const alias = `spring-${Date.now()}`;
    const csv = [
      'URL,Alias,Title,Tags,Max clicks',
      `${destination('/healthz?spring=1')},${alias},Spring sale,promo;spring,100`,
      `${destination('/healthz?docs=1')},docs,Reserved alias,,`,
      '',
      `"${destination('/healthz?a=1,2')}",,Summer,summer|mail,`,
      `${destination('/healthz?bad=1')},,Bad cap,,lots`,
    ].join('\n');
    await page.getByLabel('CSV file').setInputFiles({
      name: 'links.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(csv),
    });

    // The columns map themselves from the header; the preview flags the row the API would refuse anyway.
    await expect.poll(() => page.getByLabel('Destination URL (required)').inputValue()).toBe('0');
    await expect.poll(() => page.getByLabel('Click limit').inputValue()).toBe('4');
    await expect
      .poll(() => page.getByRole('status').filter({ hasText: 'rows:' }).textContent())
      .toBe('4 rows: 3 ready to import, 1 with problems (not sent; listed below).');
    expect(await rowsOf(page, 'import-problems')).toEqual([
      [
        '6',
        `${destination('/healthz?bad=1')}`,
        'maxClicks: must be a whole number of at least 1 (got "lots")',
      ],
    ]);
    await screenshot(page, 'import');
    await expectAccessible(page, 'import, preview');

    await page.getByRole('button', { name: 'Import 3 links' }).click();
    await page.getByRole('heading', { name: 'Result' }).waitFor();
    expect(await page.getByRole('status').filter({ hasText: 'created' }).textContent()).toBe(
      '2 links created, 2 rows not imported.',
    );
    expect(await rowsOf(page, 'import-problems')).toEqual([
      ['3', `${destination('/healthz?docs=1')}, alias docs`, 'alias: "docs" is reserved'],
      [
        '6',
        `${destination('/healthz?bad=1')}`,
        'maxClicks: must be a whole number of at least 1 (got "lots")',
      ],
    ]);
    const created = await rowsOf(page, 'import-created');
    expect(created.map(([row, , url]) => [row, url])).toEqual([
      ['2', destination('/healthz?spring=1')],
      ['5', destination('/healthz?a=1,2')],
    ]);
    expect(created[0]?.[1]).toBe(`${stack().edge}/${alias}`);
    await expectAccessible(page, 'import, result');

    // The links exist: the links page lists them.
    await page.getByRole('link', { name: 'Back to the links' }).click();
    await page.waitForURL('**/links');
    await page.getByRole('link', { name: `${stack().edge}/${alias}` }).waitFor();
    expect(person.scriptErrors).toEqual([]);
    await person.context.close();
  });

  it('says what is wrong with a file it cannot import, and offers no import to a file without links', async () => {
    const person = await newPerson(browser, { label: 'import-empty' });
    const { page } = person;
    await signUp(person);
    await page.goto(`${stack().dashboard}/links/import`);
    await page.getByLabel('CSV file').setInputFiles({
      name: 'header-only.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from('url,alias\n'),
    });
    await expect
      .poll(() => page.getByRole('alert').textContent())
      .toBe('header-only.csv: The file has a header row but no links below it.');
    expect(await page.getByRole('button', { name: /^Import/ }).count()).toBe(0);
    expect(person.scriptErrors).toEqual([]);
    await person.context.close();
  });
});
