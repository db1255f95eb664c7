import { type BoltlinkClient, createBoltlinkClient } from '@boltlink/api-client/client';
import type { Browser } from 'playwright-core';
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
  USER_AGENT,
} from './support/browser.ts';

let browser: Browser;

beforeAll(async () => {
  browser = await connectBrowser();
});
afterAll(async () => {
  await browser?.close();
});

/** The person's API, as a program would use it: a session token of their own, sent as a bearer token. */
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

/** Where the edge sends a visitor of the short URL (the redirect is not followed). */
async function locationOf(shortUrl: string): Promise<string | null> {
  const response = await fetch(shortUrl, { redirect: 'manual', headers: { 'user-agent': USER_AGENT } });
  expect(response.status).toBe(302);
  return response.headers.get('location');
}

/** The stack is shared with other test files on a busy host: answers may take a while. */
const patiently = { timeout: 30_000, interval: 250 };

let hostnames = 0;
/** A hostname no resolver answers for (.invalid is reserved): the domain stays unverified. */
const uniqueHostname = () => `go-${process.pid}-${++hostnames}-${Date.now()}.example.invalid`;

describe('settings: API keys, domains and campaigns in a real browser', () => {
  it('creates an API key that works with curl-style requests, shows it once, and revokes it', async () => {
    const person = await newPerson(browser, { label: 'api-keys' });
    const { page } = person;
    await signUp(person);
    await page.getByRole('link', { name: 'API keys', exact: true }).click();
    await page.getByRole('heading', { name: 'API keys', level: 1 }).waitFor();
    await page.getByText('No API keys yet.').waitFor();

    // A read-only key for the reporting job, then the deploy key the test uses, without stats:read.
    await page.getByLabel('Name').fill('Weekly report');
    await page.getByLabel('links:write').uncheck();
    await page.getByRole('button', { name: 'Create key' }).click();
    await page.getByRole('heading', { name: /Your new key “Weekly report”/ }).waitFor();
    await page.getByLabel('Name').fill('Deploy script');
    await page.getByLabel('stats:read').uncheck();
    await page.getByRole('button', { name: 'Create key' }).click();
    await page.getByRole('heading', { name: /Your new key “Deploy script”/ }).waitFor();
    await expect.poll(() => page.getByText('you will not see it again').isVisible(), patiently).toBe(true);
    const key = (await page.getByTestId('new-api-key').textContent()) ?? '';
    expect(key).toMatch(/^bl_/);
    await expect
      .poll(() => page.getByRole('row', { name: /Deploy script/ }).textContent(), patiently)
      .toMatch(/links:read, links:write.*Never/);
    await expectAccessible(page, 'api keys, a new key shown');
    await screenshot(page, 'api-keys');

    const bearer = { headers: { authorization: `Bearer ${key}` } };
    const links = await fetch(`${stack().api}/api/v1/links`, bearer);
    expect(links.status).toBe(200);
    expect(await links.json()).toEqual({ items: [], nextCursor: null });
    // The scope left unchecked in the page is refused.
    expect((await fetch(`${stack().api}/api/v1/stats`, bearer)).status).toBe(403);

    // After a reload the key is gone for good; the list shows what recognises it, and that it was used.
    await page.reload();
    const row = page.getByRole('row', { name: /Deploy script/ });
    await row.waitFor();
    expect(await page.getByTestId('new-api-key').count()).toBe(0);
    expect(await page.content()).not.toContain(key);
    expect(await row.textContent()).toContain(key.slice(-4));
    await expect
      .poll(async () => {
        await page.reload();
        return page.getByRole('row', { name: /Deploy script/ }).textContent();
      }, patiently)
      .not.toContain('Never');

    await page.getByRole('button', { name: 'Revoke Deploy script' }).click();
    const dialog = page.getByRole('dialog', { name: /Revoke the key “Deploy script”/ });
    await dialog.getByRole('button', { name: 'Revoke key' }).click();
    await expect.poll(() => page.getByRole('row', { name: /Deploy script/ }).count(), patiently).toBe(0);
    expect(await page.getByRole('row', { name: /Weekly report/ }).count()).toBe(1);
    expect((await fetch(`${stack().api}/api/v1/links`, bearer)).status).toBe(401);

    await page.reload();
    await page.getByRole('row', { name: /Weekly report/ }).waitFor();
    expect(await page.content()).not.toContain(key);
    expect(person.scriptErrors).toEqual([]);
    await person.context.close();
  });

  it('adds a domain, shows it pending with the DNS records to publish, checks it, sets its redirects and removes it', async () => {
    const person = await newPerson(browser, { label: 'domains' });
    const { page } = person;
    await signUp(person);
    const api = await apiOf(person);
    await page.getByRole('link', { name: 'Domains', exact: true }).click();
    await page.getByText('No custom domains yet.').waitFor();

    const hostname = uniqueHostname();
    await page.getByLabel('Hostname').fill(`  ${hostname.toUpperCase()}  `);
    await page.getByRole('button', { name: 'Add domain' }).click();
    const card = page.getByRole('region', { name: hostname });
    await card.waitFor();
    expect(await card.getByTestId('domain-status').textContent()).toMatch(/^Pending/);

    const { data } = await api.GET('/api/v1/domains');
    const stored = data?.items[0];
    expect(stored?.hostname).toBe(hostname);
    expect(await card.getByTestId('txt-name').textContent()).toBe(`_boltlink.${hostname}`);
    expect(await card.getByTestId('txt-value').textContent()).toBe(stored?.verification.txt.value);
    expect(stored?.verification.txt.value).toMatch(/^boltlink-verify-/);
    expect(await card.getByTestId('cname-value').textContent()).toBe(stored?.verification.cname.value);
    await expect
      .poll(() => card.getByRole('button', { name: 'Copy the TXT record value' }).isVisible(), patiently)
      .toBe(true);

    // Nothing resolves on the test stack: checking now finds no record, and the page says what it found.
    await card.getByRole('button', { name: 'Verify now' }).click();
    await card.getByText('Checked now: the record is not there yet.').waitFor({ timeout: 60_000 });
    expect(await card.getByTestId('domain-status').textContent()).toMatch(/^(Pending|Failed)/);
    expect(await card.getByText('Not checked yet').count()).toBe(0);
    expect(await card.getByTestId('domain-last-error').textContent()).toContain(`_boltlink.${hostname}`);

    const home = destination('/healthz?from=short-domain');
    await card.getByLabel('Root redirect URL').fill(home);
    await card.getByRole('button', { name: 'Save redirects' }).click();
    await card.getByText('Redirects saved.').waitFor();
    await page.reload();
    await expect.poll(() => card.getByLabel('Root redirect URL').inputValue(), patiently).toBe(home);
    expect(await card.getByLabel('Not-found redirect URL').inputValue()).toBe('');
    expect((await api.GET('/api/v1/domains')).data?.items[0]?.rootRedirectUrl).toBe(home);

    // A redirect that is not http(s) is refused with the API's reason, and nothing changes.
    await card.getByLabel('Not-found redirect URL').fill('ftp://files.example.com/');
    await card.getByRole('button', { name: 'Save redirects' }).click();
    await card.getByRole('alert').waitFor();
    expect((await api.GET('/api/v1/domains')).data?.items[0]?.notFoundRedirectUrl).toBeNull();
    await card.getByLabel('Not-found redirect URL').fill('');

    await expectAccessible(page, 'domains');
    await screenshot(page, 'domains');

    await card.getByRole('button', { name: 'Remove domain' }).click();
    await page
      .getByRole('dialog', { name: `Remove ${hostname}?` })
      .getByRole('button', { name: 'Remove domain and its links' })
      .click();
    await page.getByText('No custom domains yet.').waitFor();
    expect((await api.GET('/api/v1/domains')).data?.items).toEqual([]);
    expect(person.scriptErrors).toEqual([]);
    await person.context.close();
  });

  it('creates a campaign whose preview is exactly where its links redirect, and edits it', async () => {
    const person = await newPerson(browser, { label: 'campaigns' });
    const { page } = person;
    await signUp(person);
    const api = await apiOf(person);
    await page.getByRole('link', { name: 'Campaigns', exact: true }).click();
    await page.getByText('No campaigns yet.').waitFor();

    const example = destination('/healthz?ref=home&utm_source=old');
    await page.getByLabel('Name', { exact: true }).fill('Spring sale newsletter');
    await page.getByLabel('Source (utm_source)').fill('newsletter');
    await page.getByLabel('Medium (utm_medium)').fill('email');
    await page.getByLabel('Campaign (utm_campaign)').fill('spring sale');
    await page.getByLabel('Content (utm_content, optional)').fill('header-banner');
    await page.getByLabel('Example destination').fill(example);
    const preview = page.getByTestId('utm-preview');
    await expect
      .poll(() => preview.textContent(), patiently)
      .toBe(
        `${destination('/healthz')}?ref=home&utm_source=newsletter&utm_medium=email&utm_campaign=spring%20sale&utm_content=header-banner`,
      );
    const previewed = await preview.textContent();
    await page.getByRole('button', { name: 'Create campaign' }).click();
    const row = page.getByRole('row', { name: /Spring sale newsletter/ });
    await row.waitFor();
    expect(await row.textContent()).toContain('utm_campaign=spring sale');

    // A link of the campaign, created through the API, redirects exactly where the preview said.
    const campaign = (await api.GET('/api/v1/campaigns')).data?.items[0];
    expect(campaign?.utm).toEqual({
      source: 'newsletter',
      medium: 'email',
      campaign: 'spring sale',
      term: null,
      content: 'header-banner',
    });
    const link = await api.POST('/api/v1/links', { body: { url: example, campaignId: campaign?.id ?? '' } });
    expect(link.response.status).toBe(201);
    const shortUrl = link.data?.shortUrl ?? '';
    expect(await locationOf(shortUrl)).toBe(previewed);

    await page.getByRole('button', { name: 'Edit Spring sale newsletter' }).click();
    await page.getByRole('heading', { name: 'Edit “Spring sale newsletter”' }).waitFor();
    await expect
      .poll(() => page.getByTestId('campaign-link-count').textContent(), patiently)
      .toBe('1 link uses this campaign.');
    await page.getByLabel('Medium (utm_medium)').fill('social');
    await page.getByLabel('Example destination').fill(example);
    await expect.poll(() => preview.textContent(), patiently).toContain('utm_medium=social');
    await expectAccessible(page, 'campaigns, editing');
    await screenshot(page, 'campaigns');
    const edited = await preview.textContent();
    await page.getByRole('button', { name: 'Save campaign' }).click();
    await page.getByRole('heading', { name: 'New campaign' }).waitFor();
    // A UTM change reaches the links on their next redirect.
    await expect.poll(() => locationOf(shortUrl), patiently).toBe(edited);

    // A blank required parameter is refused in the page before anything is sent.
    await page.getByLabel('Name', { exact: true }).fill('Half done');
    await page.getByRole('button', { name: 'Create campaign' }).click();
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toContain('Source (utm_source)');
    expect((await api.GET('/api/v1/campaigns')).data?.items).toHaveLength(1);

    await page.getByRole('button', { name: 'Delete Spring sale newsletter' }).click();
    const dialog = page.getByRole('dialog', { name: /Delete the campaign/ });
    await expect
      .poll(() => dialog.getByTestId('campaign-link-count').textContent(), patiently)
      .toBe('1 link uses this campaign.');
    await dialog.getByRole('button', { name: 'Delete campaign' }).click();
    await page.getByText('No campaigns yet.').waitFor();
    // The link stays and redirects without the campaign's parameters.
    await expect.poll(() => locationOf(shortUrl), patiently).toBe(example);
    expect(person.scriptErrors).toEqual([]);
    await person.context.close();
  });

  it('fits a phone screen: no settings screen scrolls sideways at 390 px', async () => {
    const person = await newPerson(browser, {
      label: 'settings-phone',
      viewport: { width: 390, height: 844 },
    });
    const { page } = person;
    await signUp(person);
    const api = await apiOf(person);
    await api.POST('/api/v1/api-keys', { body: { name: 'Nightly export of every link to the warehouse' } });
    await api.POST('/api/v1/domains', { body: { hostname: uniqueHostname() } });
    await api.POST('/api/v1/campaigns', {
      body: {
        name: 'Spring sale newsletter',
        utm: {
          source: 'newsletter',
          medium: 'email',
          campaign: 'spring-sale-2027',
          content: 'header-banner',
        },
      },
    });
    // The page's width, and the innermost elements that stick out past the screen (to name the culprit).
    const width = () =>
      page.evaluate(() => {
        const sticking = [...document.querySelectorAll('body *')].filter(
          (element) => element.getBoundingClientRect().right > window.innerWidth + 1,
        );
        return {
          scrollWidth: document.documentElement.scrollWidth,
          sticking: sticking.map(
            (element) =>
              `${element.tagName.toLowerCase()}.${element.className}(${Math.round(element.getBoundingClientRect().right)})`,
          ),
        };
      });
    for (const [path, ready] of [
      ['/api-keys', 'Nightly export of every link to the warehouse'],
      ['/domains', 'Publish either record at your DNS provider'],
      ['/campaigns', 'Spring sale newsletter'],
    ] as const) {
      await page.goto(`${stack().dashboard}${path}`);
      await page.getByText(ready, { exact: true }).first().waitFor();
      const { scrollWidth, sticking } = await width();
      expect(scrollWidth, `${path}: ${sticking.join(', ')}`).toBeLessThanOrEqual(390);
    }
    expect(person.scriptErrors).toEqual([]);
    await person.context.close();
  });

  it("shows a viewer the workspace's campaigns and domains without any control to change them", async () => {
    const owner = await newPerson(browser, { label: 'settings-owner' });
    await signUp(owner);
    const ownerApi = await apiOf(owner);
    const created = await ownerApi.POST('/api/v1/workspaces', { body: { name: 'Marketing' } });
    const workspaceId = created.data?.id ?? '';
    const inWorkspace = { params: { header: { 'boltlink-workspace': workspaceId } } };
    await ownerApi.POST('/api/v1/campaigns', {
      ...inWorkspace,
      body: { name: 'Launch', utm: { source: 'blog', medium: 'web', campaign: 'launch' } },
    });
    const hostname = uniqueHostname();
    await ownerApi.POST('/api/v1/domains', { ...inWorkspace, body: { hostname } });

    const viewer = await newPerson(browser, { label: 'settings-viewer' });
    const { page } = viewer;
    await signUp(viewer);
    const invitation = await ownerApi.POST('/api/v1/workspace/invitations', {
      ...inWorkspace,
      body: { email: viewer.email, role: 'viewer' },
    });
    const viewerApi = await apiOf(viewer);
    const accepted = await viewerApi.POST('/api/v1/invitations/accept', {
      body: { token: invitation.data?.token ?? '' },
    });
    expect(accepted.response.status).toBe(200);

    await page.reload();
    await page.getByRole('combobox', { name: 'Workspace' }).selectOption({ label: 'Marketing · viewer' });
    await page.getByRole('link', { name: 'Campaigns', exact: true }).click();
    await page.getByRole('row', { name: /Launch/ }).waitFor();
    expect(await page.getByRole('button', { name: /Edit|Delete|Create campaign/ }).count()).toBe(0);
    expect(await page.getByLabel('Source (utm_source)').count()).toBe(0);
    await expectAccessible(page, 'campaigns, viewer');

    await page.getByRole('link', { name: 'Domains', exact: true }).click();
    const card = page.getByRole('region', { name: hostname });
    await card.waitFor();
    expect(await card.getByTestId('txt-name').textContent()).toBe(`_boltlink.${hostname}`);
    expect(await page.getByRole('button', { name: /Add domain|Verify now|Remove|Save/ }).count()).toBe(0);
    expect(await page.getByRole('textbox').count()).toBe(0);
    await expectAccessible(page, 'domains, viewer');

    expect(await page.getByRole('link', { name: 'API keys', exact: true }).count()).toBe(0);
    await page.goto(`${stack().dashboard}/api-keys`);
    await page.getByText('Only the owners and admins of Marketing manage its API keys.').waitFor();
    expect(await page.getByRole('button', { name: 'Create key' }).count()).toBe(0);
    expect(owner.scriptErrors).toEqual([]);
    expect(viewer.scriptErrors).toEqual([]);
    await owner.context.close();
    await viewer.context.close();
  });
});
