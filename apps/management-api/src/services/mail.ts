/** One plain-text mail, as the `email` job carries it (packages/queues/src/email.ts). */
export interface Mail {
  to: string;
  subject: string;
  text: string;
}

/** Where the API hands mails over: the `email` queue, sent by the consumer (never from the request). */
export interface MailQueue {
  enqueueEmail(mail: Mail): Promise<string>;
}

/**
 * The mails the API writes. Links point at APP_URL when it is set (the web app's pages for these actions);
 * the token is always printed too, so a mail is usable against the API alone.
 */
export function createMailComposer(opts: { appUrl?: string }) {
  const link = (path: string, token: string) =>
    opts.appUrl === undefined
      ? ''
      : `${new URL(`${path}?token=${encodeURIComponent(token)}`, withSlash(opts.appUrl)).toString()}\n\n`;

  return {
    invitation(input: { to: string; workspace: string; role: string; token: string; expiresAt: Date }): Mail {
      return {
        to: input.to,
        subject: `You are invited to the ${oneLine(input.workspace)} workspace on BoltLink`,
        text:
          `You have been invited to join the workspace "${oneLine(input.workspace)}" on BoltLink as ${input.role}.\n\n` +
          link('invitations/accept', input.token) +
          `Invitation token: ${input.token}\n\n` +
          'Accept it while logged in with this email address (POST /api/v1/invitations/accept {token}), or ' +
          'create your account with it (POST /api/v1/auth/signup {email, password, invitation}).\n' +
          `It works once, for this address only, until ${input.expiresAt.toISOString()}.\n`,
      };
    },

    passwordReset(input: { to: string; token: string; expiresAt: Date }): Mail {
      return {
        to: input.to,
        subject: 'Reset your BoltLink password',
        text:
          'Somebody (hopefully you) asked to reset the password of the BoltLink account of this address.\n\n' +
          link('reset-password', input.token) +
          `Reset token: ${input.token}\n\n` +
          'Choose a new password with POST /api/v1/auth/password-reset/confirm {token, password}. The token ' +
          `works once, until ${input.expiresAt.toISOString()}; every session of the account then ends.\n` +
          'If you did not ask for this, ignore this mail: your password stays as it is.\n',
      };
    },

    signupConfirmation(input: { to: string; token: string; expiresAt: Date }): Mail {
      return {
        to: input.to,
        subject: 'Confirm your BoltLink account',
        text:
          'Somebody (hopefully you) signed up for BoltLink with this address.\n\n' +
          link('signup/confirm', input.token) +
          `Confirmation token: ${input.token}\n\n` +
          'Create the account with POST /api/v1/auth/signup/confirm {token}; it answers your first session. ' +
          `The token works once, until ${input.expiresAt.toISOString()}.\n` +
          'If this was not you, ignore this mail: no account is created.\n',
      };
    },

    /** Sent instead of an error when somebody signs up with an address that already has an account. */
    accountExists(input: { to: string }): Mail {
      return {
        to: input.to,
        subject: 'Your BoltLink account',
        text:
          'Somebody (hopefully you) tried to create a BoltLink account with this address, which already has one. ' +
          'No new account was created.\n\n' +
          'To sign in, use your existing password. If you forgot it, ask for a password reset ' +
          '(POST /api/v1/auth/password-reset {email}).\n' +
          'If this was not you, ignore this mail: nothing changed.\n',
      };
    },
  };
}

export type MailComposer = ReturnType<typeof createMailComposer>;

const withSlash = (url: string) => (url.endsWith('/') ? url : `${url}/`);
// A workspace name goes into a subject line: no line breaks, bounded.
const oneLine = (value: string) => value.replace(/[\r\n\t]+/g, ' ').slice(0, 100);
