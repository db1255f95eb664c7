import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiSession } from './support/api.ts';
import {
  accessibilityViolations,
  connectBrowser,
  destination,
  downloaded,
  newPerson,
  PASSWORD,
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

async function bulkCreate(person: Person, links: Record<string, unknown>[]): Promise<void> {
  const api = await apiSession(person.email);
  const res = await api('/api/v1/links/bulk', { method: 'POST', body: JSON.stringify({ links }) });
  expect(res.status).toBe(200);
  const { items } = (await res.json()) as { items: { error?: unknown }[] };
  expect(items.filter((item) => item.error !== undefined)).toEqual([]);
}

/** The titles in the links table, as shown. */
const titlesShown = (page: Page) => page.locator('table tbody tr td:nth-child(3)').allTextContents();

const rowOf = (page: Page, text: string) => page.locator('table tbody tr', { hasText: text });

describe('managing links in the dashboard', () => {
  it('creates a link with the options from "More options", shows them, edits it, and deletes it after confirming', async () => {
    const person = await newPerson(browser, { label: 'manage' });
    const { page } = person;
    await signUp(person);

    await page.getByLabel('Destination URL').fill(destination('/healthz?from=dashboard'));
    await page.getByLabel('Alias (optional)').fill('spring-sale');
    await page.getByText('More options').click();
    await page.getByLabel('Title').fill('Spring sale');
    await page.getByLabel('Tags', { exact: true }).fill('promo, spring');
    const nextYear = new Date().getFullYear() + 1;
    await page.getByLabel('Expires').fill(`${nextYear}-03-01T09:30`);
    await page.getByLabel('Click limit').fill('500');
    await page.getByLabel('Password', { exact: true }).fill('open sesame');
    await page.getByLabel('Redirect type').selectOption('301');
    await page.getByRole('button', { name: 'Create link' }).click();

    const row = rowOf(page, 'Spring sale');
    await row.waitFor();
    expect(await row.getByRole('link', { name: `${stack().edge}/spring-sale` }).getAttribute('href')).toBe(
      `${stack().edge}/spring-sale`,
    );
    expect(await row.getByRole('link', { name: /^Links tagged/ }).allTextContents()).toEqual([
      'promo',
      'spring',
    ]);
    await expect.poll(() => row.getByTestId('clicks').textContent()).toBe('0');

    // The API kept the password: the short URL asks for it, and lets the visitor through with it.
    const unlocked = await fetch(`${stack().edge}/spring-sale`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
      body: 'password=open+sesame',
      redirect: 'manual',
    });
    expect(unlocked.status).toBe(303);
    expect(unlocked.headers.get('location')).toBe(destination('/healthz?from=dashboard'));

    await row.getByRole('link', { name: 'Spring sale' }).click();
    await page.getByRole('heading', { name: 'Spring sale', level: 1 }).waitFor();
    const details = page.locator('dl.details');
    await expect.poll(() => details.textContent()).toContain('Protected');
    const shown = (await details.textContent()) ?? '';
    expect(shown).toContain('promo, spring');
    expect(shown).toContain('500');
    expect(shown).toContain('301 Moved permanently');
    expect(shown).toContain(String(nextYear));
    await page.getByRole('img', { name: /^QR code of/ }).waitFor();
    await screenshot(page, 'link');

    // Edit: a new destination and title, one tag less, no click limit, no password.
    await page.getByLabel('Destination URL').fill(destination('/healthz?from=edited'));
    await page.getByLabel('Title').fill('Spring sale (extended)');
    await page.getByLabel('Tags', { exact: true }).fill('promo');
    await page.getByLabel('Click limit').fill('');
    await page.getByLabel('Remove the password').check();
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('heading', { name: 'Spring sale (extended)', level: 1 }).waitFor();
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'Saved' }).count()).toBe(1);
    const edited = (await details.textContent()) ?? '';
    expect(edited).toContain('/healthz?from=edited');
    expect(edited).toMatch(/Click limitNone/);
    expect(edited).toMatch(/PasswordNone/);
    expect(edited).toMatch(/Tagspromo(?!,)/);
    // Without a password the short URL now redirects straight to the new destination, with the chosen 301.
    // (Edges drop their in-process copy when the API announces the change: poll for it.)
    await expect
      .poll(async () => {
        const visit = await fetch(`${stack().edge}/spring-sale`, { redirect: 'manual' });
        return [visit.status, visit.headers.get('location')];
      })
      .toEqual([301, destination('/healthz?from=edited')]);

    // A bad edit is refused with the API's reason, next to the form, and changes nothing.
    await page.getByLabel('Destination URL').fill(`${stack().edge}/loop`);
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('alert').filter({ hasText: /url/i }).waitFor();

    // Delete: nothing happens until it is confirmed; then the list no longer has it.
    await page.getByRole('button', { name: 'Delete link' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete this link?' });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await page.getByRole('button', { name: 'Delete link' }).click();
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await page.waitForURL(/\/links$/);
    await page.getByText('No links yet').waitFor();
    await expect
      .poll(async () => (await fetch(`${stack().edge}/spring-sale`, { redirect: 'manual' })).status)
      .toBe(404);
    expect(person.scriptErrors).toEqual([]);
    await person.context.close();
  });

  it('shows the API validation error next to the create form', async () => {
    const person = await newPerson(browser, { label: 'refused' });
    const { page } = person;
    await signUp(person);
    await page.getByLabel('Destination URL').fill(destination());
    await page.getByLabel('Alias (optional)').fill('api');
    await page.getByRole('button', { name: 'Create link' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/alias/i);
    expect(await page.locator('table').count()).toBe(0);
    expect(person.scriptErrors).toEqual([]);
    await person.context.close();
  });

  it('pages through many links with Next, Previous and Back, and filters by search and tag in the URL', async () => {
    const person = await newPerson(browser, { label: 'paging' });
    const { page } = person;
    await signUp(person);
    await bulkCreate(
      person,
      Array.from({ length: 55 }, (_, i) => ({
        url: destination(`/healthz?n=${i}`),
        title: `Item ${i}`,
        tags: [i % 2 === 1 ? 'odd' : 'even'],
      })),
    );
    await page.reload();
    await rowOf(page, 'Item').first().waitFor();
    const first = await titlesShown(page);
    expect(first).toHaveLength(25);

    await page.getByRole('link', { name: 'Next page' }).click();
    await page.getByText('Page 2').waitFor();
    await expect.poll(async () => (await titlesShown(page))[0]).not.toBe(first[0]);
    const second = await titlesShown(page);
    expect(second).toHaveLength(25);
    expect(page.url()).toContain('pages=');

    await page.getByRole('link', { name: 'Next page' }).click();
    await page.getByText('Page 3').waitFor();
    await expect.poll(async () => (await titlesShown(page)).length).toBe(5);
    const third = await titlesShown(page);
    expect(await page.getByRole('link', { name: 'Next page' }).count()).toBe(0);
    // Every link exactly once over the three pages.
    expect(new Set([...first, ...second, ...third]).size).toBe(55);

    await page.goBack();
    await page.getByText('Page 2').waitFor();
    await expect.poll(() => titlesShown(page)).toEqual(second);
    await page.getByRole('link', { name: 'Previous page' }).click();
    await page.getByText('Page 1', { exact: true }).waitFor();
    await expect.poll(() => titlesShown(page)).toEqual(first);
    expect(await page.getByRole('link', { name: 'Previous page' }).count()).toBe(0);

    await page.getByLabel('Search').fill('Item 7');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect.poll(() => titlesShown(page)).toEqual(['Item 7']);
    expect(new URL(page.url()).searchParams.get('q')).toBe('Item 7');
    // A reload keeps the filter: it lives in the URL.
    await page.reload();
    await expect.poll(() => titlesShown(page)).toEqual(['Item 7']);
    expect(await page.getByLabel('Search').inputValue()).toBe('Item 7');

    await page.getByRole('link', { name: 'Clear filters' }).click();
    await expect.poll(async () => (await titlesShown(page)).length).toBe(25);
    await page.getByLabel('Tag', { exact: true }).fill('odd');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect
      .poll(async () => (await titlesShown(page)).every((t) => Number(t.split(' ')[1]) % 2 === 1))
      .toBe(true);
    await page.getByRole('link', { name: 'Next page' }).click();
    // 27 odd items: two on the second page, each odd.
    await expect.poll(async () => (await titlesShown(page)).length).toBe(2);
    expect((await titlesShown(page)).every((t) => Number(t.split(' ')[1]) % 2 === 1)).toBe(true);

    // A tag in the table filters by it.
    await page.getByRole('link', { name: 'Clear filters' }).click();
    await rowOf(page, 'Item')
      .first()
      .getByRole('link', { name: /^Links tagged/ })
      .first()
      .click();
    await expect.poll(() => new URL(page.url()).searchParams.get('tag')).toMatch(/^(odd|even)$/);

    // A hand-made cursor is refused with the API's reason, and the first page is one step away.
    const forged = Buffer.from('not a cursor').toString('base64url');
    await page.goto(`${stack().dashboard}/links?pages=${encodeURIComponent(JSON.stringify([forged]))}`);
    await page.getByRole('alert').filter({ hasText: 'cursor' }).waitFor();
    await page.getByRole('link', { name: 'Back to the first page' }).click();
    await expect.poll(async () => (await titlesShown(page)).length).toBe(25);
    expect(person.scriptErrors).toEqual([]);
    await person.context.close();
  });

  it('puts a link in a campaign from the form, and filters the table by campaign and by domain', async () => {
    const person = await newPerson(browser, { label: 'campaign' });
    const { page } = person;
    await signUp(person);
    const api = await apiSession(person.email);
    const campaign = await api('/api/v1/campaigns', {
      method: 'POST',
      body: JSON.stringify({ name: 'Launch', utm: { source: 'news', medium: 'email', campaign: 'launch' } }),
    });
    expect(campaign.status).toBe(201);
    await bulkCreate(person, [
      { url: destination('/healthz?plain=1'), title: 'Plain one' },
      { url: destination('/healthz?plain=2'), title: 'Plain two' },
    ]);
    await page.reload();

    const createForm = page.getByRole('region', { name: 'New link' });
    await createForm.getByLabel('Destination URL').fill(destination('/healthz?launch=1'));
    await createForm.getByText('More options').click();
    await createForm.getByLabel('Title').fill('Launch mail');
    const edgeDomain = new URL(stack().edge).host;
    await createForm.getByLabel('Domain').selectOption(edgeDomain);
    await createForm.getByLabel('Campaign').selectOption({ label: 'Launch' });
    await createForm.getByRole('button', { name: 'Create link' }).click();
    await rowOf(page, 'Launch mail').waitFor();

    const filters = page.getByRole('search');
    await filters.getByLabel('Campaign').selectOption({ label: 'Launch' });
    await filters.getByRole('button', { name: 'Apply filters' }).click();
    await expect.poll(() => titlesShown(page)).toEqual(['Launch mail']);

    await page.getByRole('link', { name: 'Clear filters' }).click();
    await expect.poll(async () => (await titlesShown(page)).length).toBe(3);
    await filters.getByLabel('Domain').selectOption(edgeDomain);
    await filters.getByRole('button', { name: 'Apply filters' }).click();
    await expect.poll(() => new URL(page.url()).searchParams.get('domain')).toBe(edgeDomain);
    await expect
      .poll(async () => (await titlesShown(page)).sort())
      .toEqual(['Launch mail', 'Plain one', 'Plain two']);

    await rowOf(page, 'Launch mail').getByRole('link', { name: 'Launch mail' }).click();
    await expect.poll(() => page.locator('dl.details').textContent()).toMatch(/CampaignLaunch/);
    // The campaign's UTM parameters reach the visitor.
    const shortUrl = await page.locator('.short-url a').getAttribute('href');
    const visit = await fetch(shortUrl ?? '', { redirect: 'manual' });
    expect(new URL(visit.headers.get('location') ?? '').searchParams.get('utm_campaign')).toBe('launch');
    expect(person.scriptErrors).toEqual([]);
    await person.context.close();
  });

  it('previews the QR code and downloads it as SVG and PNG', async () => {
    const person = await newPerson(browser, { label: 'qr' });
    const { page } = person;
    await signUp(person);
    await page.getByLabel('Destination URL').fill(destination());
    await page.getByLabel('Alias (optional)').fill('qr-code');
    await page.getByRole('button', { name: 'Create link' }).click();
    await rowOf(page, 'qr-code').getByRole('link', { name: 'Link qr-code' }).click();

    const image = page.getByRole('img', { name: `QR code of ${stack().edge}/qr-code` });
    await image.waitFor();
    await expect.poll(() => image.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
    await screenshot(page, 'link-qr');

    const [svg] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download SVG' }).click(),
    ]);
    expect(svg.suggestedFilename()).toBe('qr-code-qr.svg');
    expect((await downloaded(svg)).toString('utf8')).toMatch(/<svg[\s>]/);

    const [png] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download PNG' }).click(),
    ]);
    expect(png.suggestedFilename()).toBe('qr-code-qr.png');
    const bytes = await downloaded(png);
    expect([...bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(person.scriptErrors).toEqual([]);
    await person.context.close();
  });

  it('creates a link with the keyboard alone, options included', async () => {
    const person = await newPerson(browser, { label: 'keyboard' });
    const { page } = person;
    await signUp(person);
    const { keyboard } = page;
    const focusedLabel = () =>
      page.evaluate(() => {
        const element = document.activeElement;
        if (element instanceof HTMLInputElement || element instanceof HTMLSelectElement) {
          return element.labels?.[0]?.textContent ?? '';
        }
        return element?.textContent ?? '';
      });
    /** Tab until the focused control is the one named, as a person scanning the page would. */
    const tabTo = async (name: string) => {
      for (let i = 0; i < 40; i++) {
        if ((await focusedLabel()) === name) return;
        await keyboard.press('Tab');
      }
      throw new Error(`"${name}" was not reachable with Tab`);
    };

    await tabTo('Destination URL');
    await keyboard.type(destination('/healthz?via=keyboard'));
    await keyboard.press('Tab');
    expect(await focusedLabel()).toBe('Alias (optional)');
    await keyboard.type('by-keys');
    await tabTo('More options');
    await keyboard.press('Enter');
    await tabTo('Title');
    await keyboard.type('Typed, not clicked');
    await keyboard.press('Tab');
    expect(await focusedLabel()).toBe('Tags');
    await keyboard.type('keyboard');
    await tabTo('Click limit');
    await keyboard.type('42');
    // Enter in a field submits the form, like the Create button.
    await keyboard.press('Enter');

    const row = rowOf(page, 'Typed, not clicked');
    await row.waitFor();
    expect(await row.getByRole('link', { name: `${stack().edge}/by-keys` }).count()).toBe(1);
    expect(await row.getByRole('link', { name: 'Links tagged keyboard' }).count()).toBe(1);
    expect(person.scriptErrors).toEqual([]);
    await person.context.close();
  });

  it('offers a viewer no way to create, change or delete links', async () => {
    const owner = await newPerson(browser, { label: 'owner' });
    await signUp(owner);
    const ownerApi = await apiSession(owner.email);
    const workspace = (await (
      await ownerApi('/api/v1/workspaces', { method: 'POST', body: JSON.stringify({ name: 'Shared' }) })
    ).json()) as { id: string };
    const inWorkspace = { 'boltlink-workspace': workspace.id };
    const link = (await (
      await ownerApi('/api/v1/links', {
        method: 'POST',
        headers: inWorkspace,
        body: JSON.stringify({ url: destination(), title: 'Team link' }),
      })
    ).json()) as { id: string };
    const viewer = await newPerson(browser, { label: 'viewer' });
    const invitation = (await (
      await ownerApi('/api/v1/workspace/invitations', {
        method: 'POST',
        headers: inWorkspace,
        body: JSON.stringify({ email: viewer.email, role: 'viewer' }),
      })
    ).json()) as { token: string };
    const joined = await fetch(`${stack().api}/api/v1/auth/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: viewer.email, password: PASSWORD, invitation: invitation.token }),
    });
    expect(joined.status).toBe(201);

    const { page } = viewer;
    await page.goto(`${stack().dashboard}/login`);
    await page.getByLabel('Email').fill(viewer.email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL('**/links');
    // A filter set in the personal workspace is not carried into the team's: its section opens from the start.
    await page.goto(`${stack().dashboard}/links?q=${encodeURIComponent('only in personal')}`);
    await page.getByText('No link matches these filters.').waitFor();
    await page.getByRole('combobox', { name: 'Workspace' }).selectOption(workspace.id);
    await rowOf(page, 'Team link').waitFor();
    expect(new URL(page.url()).search).toBe('');
    expect(await page.getByLabel('Destination URL').count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Create link' }).count()).toBe(0);

    await page.goto(`${stack().dashboard}/links/${link.id}`);
    await page.getByRole('heading', { name: 'Team link', level: 1 }).waitFor();
    await page.getByRole('img', { name: /^QR code of/ }).waitFor();
    expect(await page.getByRole('button', { name: 'Delete link' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Save changes' }).count()).toBe(0);
    expect(await page.getByLabel('Destination URL').count()).toBe(0);
    expect(viewer.scriptErrors).toEqual([]);
    expect(owner.scriptErrors).toEqual([]);
    await viewer.context.close();
    await owner.context.close();
  });

  it('has no serious or critical accessibility violation on the links table and a link page, light or dark', async () => {
    for (const colorScheme of ['light', 'dark'] as const) {
      const person = await newPerson(browser, { colorScheme, label: `links-axe-${colorScheme}` });
      const { page } = person;
      await signUp(person);
      // A workspace in use; nobody follows these destinations (a click below stops at the edge's redirect).
      await bulkCreate(person, [
        { url: 'https://docs.example.com/getting-started', title: 'Getting started guide', tags: ['docs'] },
        {
          url: 'https://blog.example.com/2026/release-notes',
          title: 'Release notes 4.2',
          tags: ['blog', 'release'],
        },
        { url: 'https://www.example.com/careers', title: 'We are hiring', tags: ['jobs'], maxClicks: 1000 },
        {
          url: 'https://shop.example.com/collections/winter?ref=newsletter',
          title: 'Winter collection',
          tags: ['shop', 'newsletter'],
          alias: `winter-${colorScheme}`,
          redirectType: 301,
        },
        { url: 'https://events.example.com/meetup/berlin', title: 'Berlin meetup', tags: ['events'] },
        {
          url: 'https://shop.example.com/sale',
          title: 'Spring sale',
          tags: ['shop', 'promo'],
          password: 'early birds',
        },
      ]);
      await page.reload();
      await rowOf(page, 'Winter collection').waitFor();
      if (colorScheme === 'light') {
        const winter = `${stack().edge}/winter-light`;
        for (let i = 0; i < 3; i++) {
          const visit = await fetch(winter, { redirect: 'manual', headers: { 'user-agent': USER_AGENT } });
          expect(visit.status).toBe(301);
        }
        // The edge batches the clicks, the consumer ingests them: the table shows them after a reload or two.
        await expect
          .poll(
            async () => {
              await page.reload();
              return rowOf(page, 'Winter collection').getByTestId('clicks').textContent();
            },
            { timeout: 60_000, interval: 1000 },
          )
          .toBe('3');
        await screenshot(page, 'links');
      }
      await page.getByText('More options').click();
      expect(await accessibilityViolations(page), `links, ${colorScheme}`).toEqual([]);
      await rowOf(page, 'Winter collection').getByRole('link', { name: 'Winter collection' }).click();
      await page.getByRole('img', { name: /^QR code of/ }).waitFor();
      expect(await accessibilityViolations(page), `link, ${colorScheme}`).toEqual([]);
      expect(person.scriptErrors).toEqual([]);
      await person.context.close();
    }
  });

  it('is usable at phone width: the page does not overflow, the table scrolls in its box', async () => {
    const person = await newPerson(browser, { label: 'phone', viewport: { width: 390, height: 844 } });
    const { page } = person;
    await signUp(person);
    await page.getByLabel('Destination URL').fill(destination('/healthz?phone=1'));
    await page.getByRole('button', { name: 'Create link' }).click();
    await page.getByTestId('clicks').waitFor();
    const widths = await page.evaluate(() => ({
      page: document.documentElement.scrollWidth,
      viewport: window.innerWidth,
      box: document.querySelector('.table-scroll')?.clientWidth ?? 0,
      table: document.querySelector('.table-scroll table')?.scrollWidth ?? 0,
    }));
    expect(widths.page).toBeLessThanOrEqual(widths.viewport);
    expect(widths.box).toBeLessThanOrEqual(widths.viewport);
    expect(widths.table).toBeGreaterThan(widths.box);
    await screenshot(page, 'links-phone');
    expect(person.scriptErrors).toEqual([]);
    await person.context.close();
  });
});
