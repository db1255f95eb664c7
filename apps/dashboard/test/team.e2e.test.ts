import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  accessibilityViolations,
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

/** axe's serious and critical findings on the screen as it is, in light and then in dark. */
async function violationsLightAndDark(page: Page, screen: string): Promise<string[]> {
  const found: string[] = [];
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    found.push(...(await accessibilityViolations(page)).map((v) => `${screen}, ${colorScheme}: ${v}`));
  }
  await page.emulateMedia({ colorScheme: 'light' });
  return found;
}

const workspaceSwitcher = (page: Page) => page.getByRole('combobox', { name: 'Workspace', exact: true });

/** The names of the workspaces the switcher offers. */
const switcherOptions = (page: Page) => workspaceSwitcher(page).locator('option').allTextContents();

/** The workspace the pages act in, as the switcher shows it. */
async function currentWorkspace(page: Page): Promise<string> {
  return workspaceSwitcher(page).evaluate(
    (select: HTMLSelectElement) => select.selectedOptions[0]?.text ?? '',
  );
}

/**
 * Writes through the API as the person's browser session (their cookie) in a workspace: the data a test
 * needs that no screen under test creates.
 */
async function apiPost(
  person: Person,
  path: string,
  workspaceId: string | null,
  data: unknown,
): Promise<unknown> {
  const response = await person.context.request.post(`${stack().api}/api/v1${path}`, {
    headers: { 'boltlink-csrf': '1', ...(workspaceId ? { 'boltlink-workspace': workspaceId } : {}) },
    data,
  });
  expect(response.status(), `${path}: ${await response.text()}`).toBeLessThan(300);
  return response.json();
}

const selectedWorkspaceId = (page: Page) =>
  page.evaluate(() => localStorage.getItem('boltlink.workspace') ?? '');

async function openSection(page: Page, name: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Workspace' }).getByRole('link', { name }).click();
}

describe('a team in the dashboard', () => {
  it('invites a viewer who sees but cannot change, promotes them, removes them, and the log tells it all', async () => {
    const owner = await newPerson(browser, { label: 'team-owner' });
    const invitee = await newPerson(browser, { label: 'team-invitee' });
    await signUp(owner);

    // The owner makes a workspace for the team; the pages switch to it at once.
    await openSection(owner.page, 'Workspace');
    await owner.page.getByLabel('New workspace name').fill('Launch team');
    await owner.page.getByRole('button', { name: 'Create workspace' }).click();
    await expect.poll(() => currentWorkspace(owner.page)).toBe('Launch team · owner');
    await owner.page.getByRole('heading', { name: 'Delete this workspace' }).waitFor();
    const workspaceId = await selectedWorkspaceId(owner.page);
    const link = (await apiPost(owner, '/links', workspaceId, { url: destination('/launch') })) as {
      id: string;
      shortUrl: string;
    };

    // Invites the viewer: email is off on this stack, so the page hands over the accept link.
    await openSection(owner.page, 'Members');
    await owner.page.getByLabel('Email to invite').fill(invitee.email);
    await owner.page.getByLabel('Role', { exact: true }).selectOption('viewer');
    await owner.page.getByRole('button', { name: 'Invite', exact: true }).click();
    const linkField = owner.page.getByRole('textbox', { name: `Invitation link for ${invitee.email}` });
    const acceptLink = await linkField.inputValue();
    expect(acceptLink).toMatch(new RegExp(`^${stack().dashboard}/invitations/accept\\?token=[\\w-]+`));
    await owner.page.getByRole('cell', { name: invitee.email, exact: true }).waitFor();
    expect(await violationsLightAndDark(owner.page, 'members (owner)')).toEqual([]);

    // Inviting somebody already in the workspace is refused with the API's reason, not a crash.
    await owner.page.getByLabel('Email to invite').fill(owner.email);
    await owner.page.getByRole('button', { name: 'Invite', exact: true }).click();
    await expect
      .poll(() => owner.page.getByRole('alert').textContent())
      .toBe(`${owner.email} is already a member of this workspace`);

    // The invitee opens the link, signs up and joins in one step, and lands in the team's workspace.
    await invitee.page.goto(acceptLink);
    await invitee.page.getByLabel('Email (the invited address)').fill(invitee.email);
    await invitee.page.getByLabel('Password').fill(PASSWORD);
    await invitee.page.getByRole('button', { name: 'Sign up and join' }).click();
    await invitee.page.waitForURL('**/links');
    await expect.poll(() => currentWorkspace(invitee.page)).toBe('Launch team · viewer');
    await expect
      .poll(() => switcherOptions(invitee.page))
      .toEqual([expect.stringMatching(/\(personal\) · owner$/), 'Launch team · viewer']);

    // A viewer sees the team's links, and nothing that would change them or manage the workspace.
    await invitee.page.getByRole('link', { name: link.shortUrl }).waitFor();
    expect(await invitee.page.getByRole('button', { name: 'Create link' }).count()).toBe(0);
    expect(await invitee.page.getByLabel('Destination URL').count()).toBe(0);
    expect(await invitee.page.getByRole('link', { name: /import/i }).count()).toBe(0);
    await invitee.page.goto(`${stack().dashboard}/links/${link.id}`);
    await invitee.page.getByRole('heading', { name: 'QR code' }).waitFor();
    expect(await invitee.page.getByRole('button', { name: /save|delete/i }).count()).toBe(0);
    expect(await invitee.page.getByRole('heading', { name: 'Edit' }).count()).toBe(0);
    const nav = invitee.page.getByRole('navigation', { name: 'Workspace' });
    const sections = await nav.getByRole('link').allTextContents();
    expect(sections).toContain('Members');
    expect(sections).not.toContain('API keys');
    expect(sections).not.toContain('Audit log');
    await openSection(invitee.page, 'Members');
    await invitee.page.getByRole('cell', { name: owner.email, exact: true }).waitFor();
    expect(await invitee.page.getByRole('button', { name: /invite|remove|save/i }).count()).toBe(0);
    expect(await invitee.page.getByRole('combobox', { name: /role/i }).count()).toBe(0);
    expect(await violationsLightAndDark(invitee.page, 'members (viewer)')).toEqual([]);
    await openSection(invitee.page, 'Workspace');
    await invitee.page.getByRole('heading', { name: 'Workspace settings' }).waitFor();
    expect(await invitee.page.getByRole('button', { name: /rename|delete/i }).count()).toBe(0);

    // The owner makes the viewer a member: after a reload the member may create links.
    await owner.page.reload();
    await owner.page.getByRole('combobox', { name: `Role of ${invitee.email}` }).selectOption('member');
    await owner.page.getByRole('button', { name: `Save the role of ${invitee.email}` }).click();
    await owner.page.getByRole('status').filter({ hasText: 'Saved' }).waitFor();
    await invitee.page.goto(`${stack().dashboard}/links`);
    await invitee.page.getByRole('button', { name: 'Create link' }).waitFor();
    await expect.poll(() => currentWorkspace(invitee.page)).toBe('Launch team · member');
    await screenshot(owner.page, 'members');
    // At phone width the page scrolls down, not sideways: wide tables scroll inside their own box.
    await owner.page.setViewportSize({ width: 390, height: 844 });
    expect(await owner.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await owner.page.setViewportSize({ width: 1280, height: 720 });

    // The owner removes the member: their next visit falls back to their own workspace.
    await owner.page.getByRole('button', { name: `Remove ${invitee.email}` }).click();
    await owner.page.getByRole('dialog').getByRole('button', { name: 'Remove member' }).click();
    await expect
      .poll(() => owner.page.getByRole('cell', { name: invitee.email, exact: true }).count())
      .toBe(0);
    await invitee.page.reload();
    await expect.poll(() => currentWorkspace(invitee.page)).toMatch(/\(personal\) · owner$/);
    await expect
      .poll(() => switcherOptions(invitee.page))
      .toEqual([expect.stringMatching(/\(personal\) · owner$/)]);
    await invitee.page.getByRole('heading', { name: 'Links', exact: true }).waitFor();
    expect(await invitee.page.getByRole('alert').count()).toBe(0);

    // The audit log tells the story, newest first, in words.
    await openSection(owner.page, 'Audit log');
    const rows = owner.page.getByRole('row');
    await owner.page.getByRole('cell', { name: 'Removed a member' }).waitFor();
    const story = (await rows.allInnerTexts()).slice(1, 5).map((row) => row.replace(/\s+/g, ' '));
    expect(story).toEqual([
      expect.stringContaining(`Removed a member ${invitee.email} (was member)`),
      expect.stringContaining(`Changed a role ${invitee.email}: viewer → member`),
      expect.stringContaining(`Joined the workspace ${invitee.email} as viewer`),
      expect.stringContaining(`Invited someone ${invitee.email} as viewer`),
    ]);
    expect(story[0]).toContain(`${owner.email} signed in`);
    expect(story[2]).toContain(`${invitee.email} signed in`);
    expect(await violationsLightAndDark(owner.page, 'audit log')).toEqual([]);
    await screenshot(owner.page, 'audit-log');

    expect(owner.scriptErrors).toEqual([]);
    expect(invitee.scriptErrors).toEqual([]);
    await owner.context.close();
    await invitee.context.close();
  });

  it('pages through a long audit log with Next and Previous in the URL', async () => {
    const owner = await newPerson(browser, { label: 'team-audit-pages' });
    await signUp(owner);
    const current = await owner.context.request.get(`${stack().api}/api/v1/workspace`);
    const personal = (await current.json()) as { id: string };
    // 60 links in one request: 60 events, more than the log's first page of 50.
    await apiPost(owner, '/links/bulk', personal.id, {
      links: Array.from({ length: 60 }, (_, i) => ({ url: destination(`/page-${i}`) })),
    });

    await openSection(owner.page, 'Audit log');
    const pager = owner.page.getByRole('navigation', { name: 'Audit log pages' });
    await pager.getByRole('link', { name: 'Next' }).click();
    await owner.page.waitForURL((url) => url.searchParams.has('cursor'));
    await expect.poll(() => owner.page.getByRole('row').count()).toBe(1 + 60 - 50);
    expect(await pager.getByRole('link', { name: 'Next' }).count()).toBe(0);

    // The URL is the page: a reload shows the same one, Previous goes back to the first.
    await owner.page.reload();
    await pager.getByRole('link', { name: 'Previous' }).waitFor();
    await expect.poll(() => owner.page.getByRole('row').count()).toBe(1 + 60 - 50);
    await pager.getByRole('link', { name: 'Previous' }).click();
    await owner.page.waitForURL((url) => !url.searchParams.has('cursor'));
    await expect.poll(() => owner.page.getByRole('row').count()).toBe(1 + 50);

    // A cursor that is not one is ignored: the first page.
    await owner.page.goto(`${stack().dashboard}/audit-log?cursor=not-a-cursor`);
    await expect.poll(() => owner.page.getByRole('row').count()).toBe(1 + 50);
    expect(await pager.getByRole('link', { name: 'Previous' }).count()).toBe(0);
    expect(owner.scriptErrors).toEqual([]);
    await owner.context.close();
  });

  it('renames a team workspace and deletes it, back to the personal one; the personal one cannot be deleted', async () => {
    const owner = await newPerson(browser, { label: 'team-settings' });
    await signUp(owner);
    await openSection(owner.page, 'Workspace');
    await owner.page.getByRole('heading', { name: 'Workspace settings' }).waitFor();
    expect(await owner.page.getByRole('button', { name: /delete/i }).count()).toBe(0);

    await owner.page.getByLabel('New workspace name').fill('Spring campaign');
    await owner.page.getByRole('button', { name: 'Create workspace' }).click();
    await expect.poll(() => currentWorkspace(owner.page)).toBe('Spring campaign · owner');
    await owner.page.getByLabel('Workspace name', { exact: true }).fill('Spring campaign 2027');
    await owner.page.getByRole('button', { name: 'Rename' }).click();
    await expect.poll(() => currentWorkspace(owner.page)).toBe('Spring campaign 2027 · owner');
    expect(await violationsLightAndDark(owner.page, 'workspace settings')).toEqual([]);
    await screenshot(owner.page, 'workspace-settings');

    // A blank name is refused by the form before it reaches the API.
    await owner.page.getByLabel('Workspace name', { exact: true }).fill('   ');
    await owner.page.getByRole('button', { name: 'Rename' }).click();
    expect(
      await owner.page
        .getByLabel('Workspace name', { exact: true })
        .evaluate((input: HTMLInputElement) => input.validity.valid),
    ).toBe(false);
    expect(await currentWorkspace(owner.page)).toBe('Spring campaign 2027 · owner');

    await owner.page.getByRole('button', { name: 'Delete workspace…' }).click();
    const dialog = owner.page.getByRole('dialog', { name: 'Delete “Spring campaign 2027”?' });
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect(await switcherOptions(owner.page)).toHaveLength(2);
    await owner.page.getByRole('button', { name: 'Delete workspace…' }).click();
    await dialog.getByRole('button', { name: 'Delete workspace' }).click();
    await expect.poll(() => currentWorkspace(owner.page)).toMatch(/\(personal\) · owner$/);
    await expect.poll(() => switcherOptions(owner.page)).toHaveLength(1);
    await expect.poll(() => owner.page.getByRole('button', { name: /delete/i }).count()).toBe(0);
    expect(owner.scriptErrors).toEqual([]);
    await owner.context.close();
  });
});
