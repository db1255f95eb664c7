import { Type } from 'typebox';
import { AppError } from '../errors.ts';
import type { Authenticator } from '../plugins/auth.ts';
import { principalOf } from '../plugins/auth.ts';
import { clearSessionCookie, setSessionCookie } from '../plugins/browser-session.ts';
import { type Limit, perIpRouteLimit } from '../plugins/rate-limits.ts';
import { NoContent, problems, refTo } from '../schemas/common.ts';
import { InvitationToken } from '../schemas/invitations.ts';
import { WorkspaceSchema } from '../schemas/workspaces.ts';
import type { AuditLog } from '../services/audit-log.ts';
import type { AuthService } from '../services/auth-service.ts';
import type { PasswordResetService } from '../services/password-reset-service.ts';
import type { SessionStore } from '../services/session-store.ts';
import type { SignupConfirmationService } from '../services/signup-confirmation-service.ts';
import type { App } from '../types.ts';

// The upper bound keeps a multi-megabyte "password" from tying up argon2.
const Password = Type.String({ minLength: 8, maxLength: 256 });

const Credentials = Type.Object(
  {
    email: Type.String({ minLength: 3, maxLength: 320, description: 'Trimmed and lower-cased' }),
    password: Password,
  },
  { additionalProperties: false },
);

const SignedUp = Type.Object({
  user: Type.Object({ id: Type.String({ format: 'uuid' }), email: Type.String() }),
  token: Type.String({ description: 'Session token for Authorization: Bearer' }),
  workspace: Type.Optional(refTo(WorkspaceSchema)),
});

const Accepted = Type.Object(
  {},
  {
    description: 'Accepted: a mail goes to the address; nothing tells whether it has an account',
    additionalProperties: false,
  },
);

export function authRoutes(
  app: App,
  deps: {
    auth: AuthService;
    audit: AuditLog;
    sessions: SessionStore;
    authenticator: Authenticator;
    signup: Limit;
    login: Limit;
    /** Lifetime of the dashboard's session cookie: the session's own. */
    sessionTtlSeconds: number;
    passwordResets: PasswordResetService;
    /** Email on: sign-up without an invitation is confirmed by mail (202), revealing no account. */
    signupConfirmations: SignupConfirmationService | undefined;
    passwordReset: Limit;
  },
): void {
  app.post(
    '/auth/signup',
    {
      config: perIpRouteLimit(deps.signup),
      schema: {
        tags: ['auth'],
        summary:
          'Create an account (with its personal workspace) and a session; with email on, mail a confirmation',
        description:
          'With email off, or with an invitation: 201, the account and a session. With email on and no ' +
          'invitation: 202 for every address, and a mail to it: a confirmation token (POST /auth/signup/confirm) ' +
          'when it has no account, else a note that it has one. The answer never tells which.',
        body: Type.Object(
          {
            ...Credentials.properties,
            // An invitation token for this email: the new account joins its workspace.
            invitation: Type.Optional(InvitationToken),
          },
          { additionalProperties: false },
        ),
        response: {
          201: SignedUp,
          202: Accepted,
          ...problems('validation_failed', 'forbidden', 'not_found', 'conflict', 'rate_limited'),
        },
      },
    },
    async (request, reply) => {
      const { email, password, invitation } = request.body;
      if (invitation === undefined && deps.signupConfirmations !== undefined) {
        await deps.signupConfirmations.request(email, password);
        return reply.code(202).send({});
      }
      const { user, token, workspace } = await deps.auth.signup(email, password, invitation);
      if (workspace !== undefined) {
        await deps.audit.record({ userId: user.id, workspaceId: workspace.id, keyId: null }, [
          {
            action: 'member.joined',
            targetType: 'member',
            targetId: user.id,
            details: { role: workspace.role },
          },
        ]);
      }
      setSessionCookie(request, reply, token, deps.sessionTtlSeconds);
      return reply.code(201).send(workspace === undefined ? { user, token } : { user, token, workspace });
    },
  );

  app.post(
    '/auth/signup/confirm',
    {
      config: perIpRouteLimit(deps.signup),
      schema: {
        tags: ['auth'],
        summary: 'Create the account of a sign-up confirmed by its mailed token, and a session (email on)',
        body: Type.Object(
          { token: Type.String({ minLength: 16, maxLength: 128, pattern: '^[A-Za-z0-9_-]+$' }) },
          {
            additionalProperties: false,
          },
        ),
        response: {
          201: SignedUp,
          ...problems('validation_failed', 'forbidden', 'not_found', 'conflict', 'rate_limited'),
        },
      },
    },
    async (request, reply) => {
      if (deps.signupConfirmations === undefined) {
        throw new AppError('not_found', 'sign-up is not confirmed by mail on this instance (email is off)');
      }
      const { user, token } = await deps.signupConfirmations.confirm(request.body.token);
      setSessionCookie(request, reply, token, deps.sessionTtlSeconds);
      return reply.code(201).send({ user, token });
    },
  );

  app.post(
    '/auth/login',
    {
      config: perIpRouteLimit(deps.login),
      schema: {
        tags: ['auth'],
        summary: 'Exchange email and password for a session token',
        body: Credentials,
        response: {
          200: Type.Object({ token: Type.String() }),
          ...problems('validation_failed', 'unauthenticated', 'rate_limited'),
        },
      },
    },
    async (request, reply) => {
      const session = await deps.auth.login(request.body.email, request.body.password, request.ip);
      setSessionCookie(request, reply, session.token, deps.sessionTtlSeconds);
      return session;
    },
  );

  app.post(
    '/auth/logout',
    {
      preParsing: deps.authenticator.require(),
      schema: {
        tags: ['auth'],
        summary: 'Revoke the current session token',
        security: [{ bearerAuth: [] }],
        response: { 204: NoContent, ...problems('unauthenticated', 'rate_limited') },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      // An API key is revoked through DELETE /api-keys/:id; logout ends sessions only.
      if (principal.kind === 'session') await deps.sessions.revoke(principal.tokenHash);
      clearSessionCookie(request, reply);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/auth/logout-everywhere',
    {
      preParsing: deps.authenticator.require('account:manage'),
      schema: {
        tags: ['auth'],
        summary: "End every session of the caller's account, this one included (API keys stay)",
        security: [{ bearerAuth: [] }],
        response: { 204: NoContent, ...problems('unauthenticated', 'forbidden', 'rate_limited') },
      },
    },
    async (request, reply) => {
      await deps.sessions.revokeAll(principalOf(request).userId);
      clearSessionCookie(request, reply);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/auth/password',
    {
      preParsing: deps.authenticator.require('account:manage'),
      schema: {
        tags: ['auth'],
        summary: 'Change the password; every other session ends, this one stays (API keys stay)',
        security: [{ bearerAuth: [] }],
        body: Type.Object(
          { currentPassword: Type.String({ minLength: 1, maxLength: 256 }), newPassword: Password },
          { additionalProperties: false },
        ),
        response: {
          204: NoContent,
          ...problems('validation_failed', 'unauthenticated', 'forbidden', 'rate_limited'),
        },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      if (principal.kind !== 'session') throw new AppError('forbidden', 'needs a session, not an API key');
      await deps.auth.changePassword(principal, request.body, request.ip);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/auth/password-reset',
    {
      config: perIpRouteLimit(deps.passwordReset),
      schema: {
        tags: ['auth'],
        summary: 'Mail a single-use password reset token to the address, if it has an account',
        description:
          'Answers 202 whether or not the address has an account (nothing tells them apart). The mail holds ' +
          'a token valid for one hour. Needs email (SMTP_URL): 403 when it is off. Limited per client IP ' +
          'and per address (429).',
        body: Type.Object(
          { email: Type.String({ minLength: 3, maxLength: 320, description: 'Trimmed and lower-cased' }) },
          { additionalProperties: false },
        ),
        response: {
          202: Accepted,
          ...problems('validation_failed', 'forbidden', 'rate_limited'),
        },
      },
    },
    async (request, reply) => {
      await deps.passwordResets.request(request.body.email);
      return reply.code(202).send({});
    },
  );

  app.post(
    '/auth/password-reset/confirm',
    {
      config: perIpRouteLimit(deps.passwordReset),
      schema: {
        tags: ['auth'],
        summary: 'Set a new password with a mailed reset token; every session of the account ends',
        body: Type.Object(
          {
            token: Type.String({ minLength: 16, maxLength: 128, pattern: '^[A-Za-z0-9_-]+$' }),
            password: Password,
          },
          { additionalProperties: false },
        ),
        response: { 204: NoContent, ...problems('validation_failed', 'not_found', 'rate_limited') },
      },
    },
    async (request, reply) => {
      await deps.passwordResets.confirm(request.body.token, request.body.password);
      return reply.code(204).send(null);
    },
  );
}
