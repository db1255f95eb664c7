import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { expectAccessible } from './support/accessible.ts';
import { connectBrowser, newPerson, PASSWORD, type Person, screenshot } from './support/browser.ts';
import { startStack, type TestStack } from './support/stack.ts';

// A stack of this file's own, with email on: the shared one runs without it, so that sign-up there answers at
// once for every other test file. Here sign-up, password reset and invitations go through the mailbox; nobody
// opens a short link, so this stack has no redirect edge.
let mailStack: TestStack;
let browser: Browser;

beforeAll(async () => {
  [mailStack, browser] = await Promise.all([
    startStack(inject('boltlinkTest'), { email: true, edge: false }),
    connectBrowser(),
  ]);
});
afterAll(async () => {
  await browser?.close();
  await mailStack?.close();
});

const app = (path: string) => `${mailStack.dashboard}${path}`;

/** The link to the dashboard in the latest mail to the address whose subject matches. */
async function mailedLink(to: string, subject: RegExp, path: string): Promise<string> {
  const mailbox = mailStack.mail;
  if (!mailbox) throw new Error('the stack has no mail server');
  let text = '';
  await expect
    .poll(
      () => {
        const mail = mailbox.received.findLast(
          (message) =>
            message.to !== undefined &&
            JSON.stringify(message.to).includes(to) &&
            subject.test(message.subject ?? ''),
        );
        text = mail?.text ?? '';
        return text !== '';
      },
      { timeout: 30_000, interval: 200 },
    )
    .toBe(true);
  const link = text.match(new RegExp(`${mailStack.dashboard}/${path}\\?token=[A-Za-z0-9_%-]+`))?.[0];
  if (!link) throw new Error(`no ${path} link in the mail:\n${text}`);
  return link;
}

async function logIn(page: Page, email: string, password: string): Promise<void> {
  await page.goto(app('/login'));
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
}

/** Sign-up with email on: "check your mail", then the mailed link confirms the address and signs in. */
async function signUpByMail(person: Person): Promise<void> {
  const { page } = person;
  await page.goto(app('/signup'));
  await page.getByLabel('Email').fill(person.email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign up' }).click();
  await page.getByRole('heading', { name: 'Check your mail' }).waitFor();
  await page.goto(await mailedLink(person.email, /Confirm your BoltLink account/, 'signup/confirm'));
  await page.getByRole('heading', { name: 'Confirm your email' }).waitFor();
  await page.getByRole('button', { name: 'Confirm and sign in' }).click();
  await page.waitForURL('**/links');
}

/**
 * The owner creates a workspace and invites the address as a member. The members page is another screen's:
 * this goes through the API with the owner's session cookie, from their page.
 */
async function invite(owner: Person, workspaceName: string, email: string): Promise<void> {
  const answer = await owner.page.evaluate(
    async ({ api, name, email }) => {
      const headers = { 'content-type': 'application/json', 'boltlink-csrf': '1' };
      const created = await fetch(`${api}/api/v1/workspaces`, {
        method: 'POST',
        credentials: 'include',
        headers,
        body: JSON.stringify({ name }),
      });
      const workspace = (await created.json()) as { id: string };
      const invited = await fetch(`${api}/api/v1/workspace/invitations`, {
        method: 'POST',
        credentials: 'include',
        headers: { ...headers, 'boltlink-workspace': workspace.id },
        body: JSON.stringify({ email, role: 'member' }),
      });
      return { status: invited.status, body: (await invited.json()) as { emailed: boolean } };
    },
    { api: mailStack.api, name: workspaceName, email },
  );
  expect(answer).toMatchObject({ status: 201, body: { emailed: true } });
}

describe('signing in with email on', () => {
  it('signs up through the mailed confirmation link, which works once', async () => {
    const person = await newPerson(browser, { label: 'confirm' });
    const { page } = person;
    await page.goto(app('/signup'));
    await page.getByLabel('Email').fill(person.email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign up' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain(person.email);
    await expectAccessible(page, 'sign-up, check your mail');

    const link = await mailedLink(person.email, /Confirm your BoltLink account/, 'signup/confirm');
    await page.goto(link);
    await page.getByRole('button', { name: 'Confirm and sign in' }).waitFor();
    await expectAccessible(page, 'confirm sign-up');
    await screenshot(page, 'confirm-signup');
    await page.getByRole('button', { name: 'Confirm and sign in' }).click();
    await page.waitForURL('**/links');
    await expect.poll(() => page.getByRole('link', { name: person.email }).count()).toBe(1);

    // The token is used up: following the mail again says so instead of signing anybody in.
    const other = await newPerson(browser, { label: 'confirm-again' });
    await other.page.goto(link);
    await other.page.getByRole('button', { name: 'Confirm and sign in' }).click();
    await expect.poll(() => other.page.getByRole('alert').textContent()).toMatch(/unknown, used or expired/);
    expect(other.page.url()).toContain('/signup/confirm');
    expect(person.scriptErrors).toEqual([]);
    expect(other.scriptErrors).toEqual([]);
    await person.context.close();
    await other.context.close();
  });

  it('resets a forgotten password through the mailed link, then logs in with the new one only', async () => {
    const person = await newPerson(browser, { label: 'reset' });
    const { page } = person;
    await signUpByMail(person);
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL('**/login');

    await page.getByRole('link', { name: 'Forgot your password?' }).click();
    await page.waitForURL('**/reset-password');
    await expectAccessible(page, 'reset password, ask');
    await page.getByLabel('Email').fill(person.email);
    await page.getByRole('button', { name: 'Send the reset link' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toMatch(/If an account exists for/);
    await expectAccessible(page, 'reset password, mail sent');

    await page.goto(await mailedLink(person.email, /Reset your BoltLink password/, 'reset-password'));
    await page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
    await expectAccessible(page, 'reset password, new password');
    const newPassword = 'a brand new passphrase';
    await page.getByLabel('New password', { exact: true }).fill(newPassword);
    await page.getByLabel('Repeat the new password').fill(`${newPassword}!`);
    await page.getByRole('button', { name: 'Set the new password' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/differ/);
    await page.getByLabel('Repeat the new password').fill(newPassword);
    await screenshot(page, 'reset-password');
    await page.getByRole('button', { name: 'Set the new password' }).click();
    await page.getByRole('heading', { name: 'Password changed' }).waitFor();
    await expectAccessible(page, 'reset password, done');

    await logIn(page, person.email, PASSWORD);
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/.+/);
    expect(page.url()).toContain('/login');
    await logIn(page, person.email, newPassword);
    await page.waitForURL('**/links');
    expect(person.scriptErrors).toEqual([]);
    await person.context.close();
  });

  it('changes the password on the account page: this session stays, the next log-in needs the new one', async () => {
    const person = await newPerson(browser, { label: 'account' });
    const { page } = person;
    await signUpByMail(person);
    await page.getByRole('link', { name: person.email }).click();
    await page.waitForURL('**/account');
    await expect.poll(() => page.getByTestId('account-email').textContent()).toBe(person.email);
    await screenshot(page, 'account');
    await expectAccessible(page, 'account');

    const newPassword = 'another long passphrase';
    await page.getByLabel('Current password').fill('not my password');
    await page.getByLabel('New password', { exact: true }).fill(newPassword);
    await page.getByLabel('Repeat the new password').fill(newPassword);
    await page.getByRole('button', { name: 'Change password' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/current password is wrong/);

    await page.getByLabel('Current password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Change password' }).click();
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'Password changed' }).count()).toBe(1);
    await page.goto(app('/links'));
    await page.waitForURL('**/links');

    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL('**/login');
    await logIn(page, person.email, newPassword);
    await page.waitForURL('**/links');
    expect(person.scriptErrors).toEqual([]);
    await person.context.close();
  });

  it('signs out everywhere after a confirmation: this browser and every other one are logged out', async () => {
    const person = await newPerson(browser, { label: 'everywhere' });
    const { page } = person;
    await signUpByMail(person);
    const laptop = await newPerson(browser, { label: 'everywhere-laptop' });
    await logIn(laptop.page, person.email, PASSWORD);
    await laptop.page.waitForURL('**/links');

    await page.goto(app('/account'));
    await page.getByRole('button', { name: 'Sign out everywhere' }).click();
    const dialog = page.getByRole('dialog', { name: 'Sign out everywhere?' });
    await dialog.waitFor();
    await expectAccessible(page, 'account, sign out everywhere dialog');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await page.goto(app('/links'));
    await page.waitForURL('**/links');

    await page.goto(app('/account'));
    await page.getByRole('button', { name: 'Sign out everywhere' }).click();
    await dialog.getByRole('button', { name: 'Sign out everywhere' }).click();
    await page.waitForURL('**/login');
    await page.goto(app('/links'));
    await page.waitForURL('**/login');
    await laptop.page.goto(app('/links'));
    await laptop.page.waitForURL('**/login');
    expect(person.scriptErrors).toEqual([]);
    expect(laptop.scriptErrors).toEqual([]);
    await person.context.close();
    await laptop.context.close();
  });

  it('accepts a mailed invitation by signing up with it, and opens the workspace joined', async () => {
    const owner = await newPerson(browser, { label: 'inviter' });
    await signUpByMail(owner);
    await invite(owner, 'Spring launch', `invitee-${owner.email}`);

    const invitee = await newPerson(browser, { label: 'invitee' });
    const inviteeEmail = `invitee-${owner.email}`;
    const link = await mailedLink(
      inviteeEmail,
      /invited to the Spring launch workspace/,
      'invitations/accept',
    );
    await invitee.page.goto(link);
    await invitee.page.getByRole('heading', { name: 'Join a workspace' }).waitFor();
    await invitee.page.getByRole('link', { name: 'Log in to accept' }).waitFor();
    await expectAccessible(invitee.page, 'accept invitation, signed out');
    await screenshot(invitee.page, 'accept-invitation');
    await invitee.page.getByLabel('Email (the invited address)').fill(inviteeEmail);
    await invitee.page.getByLabel('Password').fill(PASSWORD);
    await invitee.page.getByRole('button', { name: 'Sign up and join' }).click();
    await invitee.page.waitForURL('**/links');
    await expect
      .poll(() =>
        invitee.page.getByRole('combobox', { name: 'Workspace' }).locator('option:checked').textContent(),
      )
      .toMatch(/^Spring launch · member$/);

    // Used once: the same link now answers with the API's refusal.
    await invitee.page.goto(link);
    await invitee.page.getByRole('button', { name: 'Accept the invitation' }).click();
    await expect
      .poll(() => invitee.page.getByRole('alert').textContent())
      .toMatch(/unknown, already used, revoked or expired/);
    await expectAccessible(invitee.page, 'accept invitation, signed in');
    expect(owner.scriptErrors).toEqual([]);
    expect(invitee.scriptErrors).toEqual([]);
    await owner.context.close();
    await invitee.context.close();
  });

  it('accepts a mailed invitation after logging in, coming back to it from the log-in page', async () => {
    const owner = await newPerson(browser, { label: 'inviter-2' });
    await signUpByMail(owner);
    const invitee = await newPerson(browser, { label: 'member' });
    await signUpByMail(invitee);
    await invitee.page.getByRole('button', { name: 'Log out' }).click();
    await invitee.page.waitForURL('**/login');
    await invite(owner, 'Autumn launch', invitee.email);

    const link = await mailedLink(
      invitee.email,
      /invited to the Autumn launch workspace/,
      'invitations/accept',
    );
    await invitee.page.goto(link);
    await invitee.page.getByRole('link', { name: 'Log in to accept' }).click();
    await invitee.page.waitForURL(/\/login\?redirect=/);
    await invitee.page.getByLabel('Email').fill(invitee.email);
    await invitee.page.getByLabel('Password').fill(PASSWORD);
    await invitee.page.getByRole('button', { name: 'Log in' }).click();
    await invitee.page.waitForURL(link);
    await invitee.page.getByRole('button', { name: 'Accept the invitation' }).click();
    await invitee.page.waitForURL('**/links');
    await expect
      .poll(() =>
        invitee.page.getByRole('combobox', { name: 'Workspace' }).locator('option:checked').textContent(),
      )
      .toMatch(/^Autumn launch · member$/);
    expect(owner.scriptErrors).toEqual([]);
    expect(invitee.scriptErrors).toEqual([]);
    await owner.context.close();
    await invitee.context.close();
  });
});
