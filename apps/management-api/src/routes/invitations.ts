import { Type } from 'typebox';
import type { Authenticator } from '../plugins/auth.ts';
import { accessOf, principalOf } from '../plugins/auth.ts';
import { AUTHED, IdParams, NoContent, problems, refTo } from '../schemas/common.ts';
import { CreatedInvitation, InvitationSchema, InvitationToken, InvitedRole } from '../schemas/invitations.ts';
import { WorkspaceSchema } from '../schemas/workspaces.ts';
import type { AuditLog } from '../services/audit-log.ts';
import type { InvitationService } from '../services/invitation-service.ts';
import type { App } from '../types.ts';

export function invitationRoutes(
  app: App,
  deps: { invitations: InvitationService; audit: AuditLog; authenticator: Authenticator },
): void {
  const security = [{ bearerAuth: [] }];
  const { authenticator, invitations, audit } = deps;

  app.post(
    '/workspace/invitations',
    {
      preParsing: authenticator.require('members:manage'),
      schema: {
        tags: ['workspaces'],
        summary:
          'Invite someone by email with a role; mails the single-use token, or answers it when email is off',
        description:
          'With email on (SMTP_URL) the token is mailed to the invitee and not returned; with email off it is ' +
          'answered once: give it to the invitee. The invitee accepts it with POST /invitations/accept while ' +
          'logged in, or signs up with it (POST /auth/signup {invitation}). ' +
          'It expires after 7 days and works for the invited email address only. Each invitation is charged ' +
          "to the inviting account's budget (50 an hour by default, INVITATION_RATE_LIMIT_*): 429 past it.",
        security,
        body: Type.Object(
          { email: Type.String({ minLength: 3, maxLength: 320, format: 'email' }), role: InvitedRole },
          { additionalProperties: false },
        ),
        response: { 201: CreatedInvitation, ...problems(...AUTHED, 'not_found', 'conflict') },
      },
    },
    async (request, reply) => {
      const access = accessOf(request);
      const created = await invitations.invite(access, request.body.email, request.body.role);
      await audit.record(access, [
        {
          action: 'invitation.created',
          targetType: 'invitation',
          targetId: created.id,
          details: { email: created.email, role: created.role },
        },
      ]);
      return reply.code(201).send(created);
    },
  );

  app.get(
    '/workspace/invitations',
    {
      preParsing: authenticator.require('members:manage'),
      schema: {
        tags: ['workspaces'],
        summary: 'List the invitations not yet accepted, revoked or expired',
        security,
        response: {
          200: Type.Object({ items: Type.Array(refTo(InvitationSchema)) }),
          ...problems(...AUTHED, 'not_found'),
        },
      },
    },
    async (request) => ({ items: await invitations.pending(accessOf(request).workspaceId) }),
  );

  app.delete(
    '/workspace/invitations/:id',
    {
      preParsing: authenticator.require('members:manage'),
      schema: {
        tags: ['workspaces'],
        summary: 'Revoke a pending invitation; its token stops working at once',
        security,
        params: IdParams,
        response: { 204: NoContent, ...problems(...AUTHED, 'not_found') },
      },
    },
    async (request, reply) => {
      const access = accessOf(request);
      const revoked = await invitations.revoke(access.workspaceId, request.params.id);
      await audit.record(access, [
        {
          action: 'invitation.revoked',
          targetType: 'invitation',
          targetId: revoked.id,
          details: { email: revoked.email },
        },
      ]);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/invitations/accept',
    {
      preParsing: authenticator.require('workspaces:join'),
      schema: {
        tags: ['workspaces'],
        summary: 'Accept an invitation with the logged-in account (the invited email); joins the workspace',
        security,
        body: Type.Object({ token: InvitationToken }, { additionalProperties: false }),
        response: { 200: refTo(WorkspaceSchema), ...problems(...AUTHED, 'not_found', 'conflict') },
      },
    },
    async (request) => {
      const { userId } = principalOf(request);
      const workspace = await invitations.accept(userId, request.body.token);
      await audit.record({ userId, workspaceId: workspace.id, keyId: null }, [
        {
          action: 'member.joined',
          targetType: 'member',
          targetId: userId,
          details: { role: workspace.role },
        },
      ]);
      return workspace;
    },
  );
}
