import { describe, expect } from 'vitest';
import {
  test as apiTest,
  createWorkspace,
  PASSWORD,
  queuedMails,
  type TestApi,
  uniqueEmail,
} from './support/api.ts';

// Email on: the API only queues mails (it never connects to this server); the consumer sends them.
const test = apiTest.extend(
  'apiEnv',
  { scope: 'file' },
  {
    SMTP_URL: 'smtp://127.0.0.1:2525',
    APP_URL: 'https://app.boltlink.test',
    ADDRESS_MAIL_RATE_LIMIT_MAX: '3',
  },
);

const RESET = 'Reset your BoltLink password';
const tokenIn = (text: string, label: string) => new RegExp(`${label}: ([A-Za-z0-9_-]+)`).exec(text)?.[1];

async function onlyMail(api: TestApi, to: string, subject?: string) {
  const mails = (await queuedMails(api, to)).filter(
    (mail) => subject === undefined || mail.subject === subject,
  );
  expect(mails).toHaveLength(1);
  return mails[0] as { to: string; subject: string; text: string };
}

const signupRequest = (api: TestApi, email: string, password = PASSWORD) =>
  api.app.inject({ method: 'POST', url: '/api/v1/auth/signup', payload: { email, password } });

const confirmSignup = (api: TestApi, token: string) =>
  api.app.inject({ method: 'POST', url: '/api/v1/auth/signup/confirm', payload: { token } });

/** Sign-up with email on: request, take the mailed token, confirm. */
async function signup(api: TestApi, email = uniqueEmail()) {
  expect((await signupRequest(api, email)).statusCode).toBe(202);
  await api.app.drainPasswordResets();
  const token = tokenIn((await onlyMail(api, email)).text, 'Confirmation token') as string;
  const res = await confirmSignup(api, token);
  expect(res.statusCode).toBe(201);
  const body = res.json() as { user: { id: string; email: string }; token: string };
  return { ...body, email, auth: { authorization: `Bearer ${body.token}` } };
}

describe('sign-up with email on', () => {
  test('mails a confirmation; the account exists once the token comes back, once', async ({ api }) => {
    const email = uniqueEmail('new');
    const res = await signupRequest(api, ` ${email.toUpperCase()}`);
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({});
    // Nothing exists before the address is confirmed: logging in fails.
    expect(await loginStatus(api, email, PASSWORD)).toBe(401);

    await api.app.drainPasswordResets();
    const mail = await onlyMail(api, email);
    expect(mail.subject).toBe('Confirm your BoltLink account');
    const token = tokenIn(mail.text, 'Confirmation token') as string;
    expect(mail.text).toContain(`https://app.boltlink.test/signup/confirm?token=${token}`);

    const confirmed = await confirmSignup(api, token);
    expect(confirmed.statusCode).toBe(201);
    expect(confirmed.json().user.email).toBe(email);
    const me = await api.app.inject({
      url: '/api/v1/me',
      headers: { authorization: `Bearer ${confirmed.json().token}` },
    });
    expect(me.statusCode).toBe(200);
    expect(await loginStatus(api, email, PASSWORD)).toBe(200);
    expect((await confirmSignup(api, token)).statusCode).toBe(404);
  });

  test('a taken address answers like a free one and mails its owner; nothing changes', async ({ api }) => {
    const owner = await signup(api);
    const free = uniqueEmail('free');
    const taken = await signupRequest(api, owner.email, 'the attacker password');
    const fresh = await signupRequest(api, free, 'the attacker password');
    expect([taken.statusCode, taken.body, taken.headers['content-type']]).toEqual([
      fresh.statusCode,
      fresh.body,
      fresh.headers['content-type'],
    ]);
    await api.app.drainPasswordResets();
    const mails = await queuedMails(api, owner.email);
    expect(mails.map((mail) => mail.subject)).toEqual([
      'Confirm your BoltLink account',
      'Your BoltLink account',
    ]);
    expect(mails[1]?.text).not.toMatch(/token/i);
    expect(await loginStatus(api, owner.email, PASSWORD)).toBe(200);
    expect(await loginStatus(api, owner.email, 'the attacker password')).toBe(401);
  });
});

describe('invitations with email on', () => {
  test('mail the token to the invitee and do not answer it to the inviter', async ({ api }) => {
    const owner = await signup(api);
    const team = await createWorkspace(api, owner.auth, 'Growth team');
    const email = uniqueEmail('invitee');
    const res = await api.app.inject({
      method: 'POST',
      url: '/api/v1/workspace/invitations',
      headers: { ...owner.auth, ...team.header },
      payload: { email, role: 'member' },
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ email, role: 'member', emailed: true });
    expect(res.json()).not.toHaveProperty('token');

    const mail = await onlyMail(api, email);
    expect(mail.subject).toBe('You are invited to the Growth team workspace on BoltLink');
    const token = tokenIn(mail.text, 'Invitation token');
    expect(mail.text).toContain(`https://app.boltlink.test/invitations/accept?token=${token}`);

    // The mailed token is the invitation: signing up with it joins the workspace.
    const joined = await api.app.inject({
      method: 'POST',
      url: '/api/v1/auth/signup',
      payload: { email, password: PASSWORD, invitation: token },
    });
    expect(joined.statusCode).toBe(201);
    expect(joined.json().workspace).toMatchObject({ id: team.id, role: 'member' });
  });
});

const resetRequest = (api: TestApi, email: string) =>
  api.app.inject({ method: 'POST', url: '/api/v1/auth/password-reset', payload: { email } });

const confirmReset = (api: TestApi, token: string, password: string) =>
  api.app.inject({
    method: 'POST',
    url: '/api/v1/auth/password-reset/confirm',
    payload: { token, password },
  });

const loginStatus = async (api: TestApi, email: string, password: string) =>
  (await api.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password } }))
    .statusCode;

describe('password reset', () => {
  test('mails a single-use token; resetting sets the password and ends every session', async ({ api }) => {
    const user = await signup(api);
    const login = await api.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: user.email, password: PASSWORD },
    });
    const second = { authorization: `Bearer ${login.json().token}` };

    const res = await resetRequest(api, ` ${user.email.toUpperCase()} `);
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({});
    await api.app.drainPasswordResets();
    const mail = await onlyMail(api, user.email, RESET);
    expect(mail.subject).toBe('Reset your BoltLink password');
    const token = tokenIn(mail.text, 'Reset token') as string;
    expect(mail.text).toContain(`https://app.boltlink.test/reset-password?token=${token}`);
    // Until it is used, the request changed nothing.
    expect(await loginStatus(api, user.email, PASSWORD)).toBe(200);

    expect((await confirmReset(api, token, 'a brand new passphrase')).statusCode).toBe(204);
    for (const auth of [user.auth, second]) {
      expect((await api.app.inject({ url: '/api/v1/me', headers: auth })).statusCode).toBe(401);
    }
    expect(await loginStatus(api, user.email, PASSWORD)).toBe(401);
    expect(await loginStatus(api, user.email, 'a brand new passphrase')).toBe(200);
    // Used up: the same token does not work twice.
    expect((await confirmReset(api, token, 'yet another passphrase')).statusCode).toBe(404);
  });

  test('answers an address without an account exactly like one with, and mails nobody', async ({ api }) => {
    const user = await signup(api);
    const nobody = uniqueEmail('nobody');
    const known = await resetRequest(api, user.email);
    const unknown = await resetRequest(api, nobody);
    expect([unknown.statusCode, unknown.body]).toEqual([known.statusCode, known.body]);
    expect(unknown.headers['content-type']).toBe(known.headers['content-type']);
    await api.app.drainPasswordResets();
    expect(await queuedMails(api, nobody)).toEqual([]);
    await onlyMail(api, user.email, RESET);
  });

  test('refuses an expired or unknown token and keeps the password', async ({ api }) => {
    const user = await signup(api);
    await resetRequest(api, user.email);
    await api.app.drainPasswordResets();
    const token = tokenIn((await onlyMail(api, user.email, RESET)).text, 'Reset token') as string;
    await api.database.pool.query(
      "UPDATE password_reset_tokens SET expires_at = now() - interval '1 second' WHERE token_hash = encode(sha256(convert_to($1, 'UTF8')), 'hex')",
      [token],
    );
    expect((await confirmReset(api, token, 'a brand new passphrase')).statusCode).toBe(404);
    expect((await confirmReset(api, 'x'.repeat(43), 'a brand new passphrase')).statusCode).toBe(404);
    expect(await loginStatus(api, user.email, PASSWORD)).toBe(200);
  });

  test('limits requests per address, with or without an account', async ({ api }) => {
    const user = await signup(api);
    const nobody = uniqueEmail('nobody');
    // The sign-up's confirmation mail counted toward the address's 3 too.
    for (const [email, allowed] of [
      [user.email, 2],
      [nobody, 3],
    ] as const) {
      for (let i = 0; i < allowed; i += 1) expect((await resetRequest(api, email)).statusCode).toBe(202);
      const refused = await resetRequest(api, email);
      expect(refused.statusCode).toBe(429);
      expect(refused.headers['retry-after']).toBeDefined();
    }
    await api.app.drainPasswordResets();
    expect((await queuedMails(api, user.email)).filter((mail) => mail.subject === RESET)).toHaveLength(2);
  });
});
