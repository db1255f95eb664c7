import { describe, expect } from 'vitest';
import {
  createWorkspace,
  PASSWORD,
  queuedMails,
  signup,
  type TestApi,
  test,
  uniqueEmail,
} from './support/api.ts';

// Email on: the API only queues mails (it never connects to this server); the consumer sends them.
test.override('apiEnv', { SMTP_URL: 'smtp://127.0.0.1:2525', APP_URL: 'https://app.boltlink.test' });

const tokenIn = (text: string, label: string) => new RegExp(`${label}: ([A-Za-z0-9_-]+)`).exec(text)?.[1];

async function onlyMail(api: TestApi, to: string) {
  const mails = await queuedMails(api, to);
  expect(mails).toHaveLength(1);
  return mails[0] as { to: string; subject: string; text: string };
}

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
