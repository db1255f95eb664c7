import { Type } from 'typebox';
import type { Authenticator } from '../plugins/auth.ts';
import { accessOf } from '../plugins/auth.ts';
import { CampaignSchema, Name, Utm } from '../schemas/campaigns.ts';
import { AUTHED, IdParams, NoContent, Pagination, problems, refTo } from '../schemas/common.ts';
import type { AuditLog } from '../services/audit-log.ts';
import type { CampaignService } from '../services/campaign-service.ts';
import type { App } from '../types.ts';

export function campaignRoutes(
  app: App,
  deps: { campaigns: CampaignService; audit: AuditLog; authenticator: Authenticator },
): void {
  const security = [{ bearerAuth: [] }];
  const { authenticator, campaigns, audit } = deps;

  app.post(
    '/campaigns',
    {
      preParsing: authenticator.require('links:write'),
      schema: {
        tags: ['campaigns'],
        summary: 'Create a campaign; its links get its UTM parameters on redirect',
        security,
        body: Type.Object({ name: Name, utm: Utm }, { additionalProperties: false }),
        response: { 201: refTo(CampaignSchema), ...problems(...AUTHED) },
      },
    },
    async (request, reply) => {
      const access = accessOf(request);
      const campaign = await campaigns.create(access, request.body);
      await audit.record(access, [
        {
          action: 'campaign.created',
          targetType: 'campaign',
          targetId: campaign.id,
          details: { name: campaign.name },
        },
      ]);
      return reply.code(201).send(campaign);
    },
  );

  app.get(
    '/campaigns',
    {
      preParsing: authenticator.require('links:read'),
      schema: {
        tags: ['campaigns'],
        summary: 'List campaigns, newest first',
        security,
        querystring: Type.Object(Pagination, { additionalProperties: false }),
        response: {
          200: Type.Object({
            items: Type.Array(refTo(CampaignSchema)),
            nextCursor: Type.Union([Type.String(), Type.Null()]),
          }),
          ...problems(...AUTHED),
        },
      },
    },
    async (request) => campaigns.list(accessOf(request).workspaceId, request.query),
  );

  app.get(
    '/campaigns/:id',
    {
      preParsing: authenticator.require('links:read'),
      schema: {
        tags: ['campaigns'],
        summary: 'Get one campaign',
        security,
        params: IdParams,
        response: { 200: refTo(CampaignSchema), ...problems(...AUTHED, 'not_found') },
      },
    },
    async (request) => campaigns.get(accessOf(request).workspaceId, request.params.id),
  );

  app.patch(
    '/campaigns/:id',
    {
      preParsing: authenticator.require('links:write'),
      schema: {
        tags: ['campaigns'],
        summary: 'Change a campaign; a UTM change reaches its links on the next redirect',
        security,
        params: IdParams,
        body: Type.Object(
          {
            name: Type.Optional(Name),
            utm: Type.Optional(Type.Partial(Utm, { additionalProperties: false, minProperties: 1 })),
          },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: refTo(CampaignSchema), ...problems(...AUTHED, 'not_found') },
      },
    },
    async (request) => {
      const access = accessOf(request);
      const campaign = await campaigns.update(access.workspaceId, request.params.id, request.body);
      await audit.record(access, [
        {
          action: 'campaign.updated',
          targetType: 'campaign',
          targetId: campaign.id,
          details: { fields: Object.keys(request.body) },
        },
      ]);
      return campaign;
    },
  );

  app.delete(
    '/campaigns/:id',
    {
      preParsing: authenticator.require('links:write'),
      schema: {
        tags: ['campaigns'],
        summary: 'Delete a campaign; its links stay and lose the UTM parameters',
        security,
        params: IdParams,
        response: { 204: NoContent, ...problems(...AUTHED, 'not_found') },
      },
    },
    async (request, reply) => {
      const access = accessOf(request);
      await campaigns.remove(access.workspaceId, request.params.id);
      await audit.record(access, [
        { action: 'campaign.deleted', targetType: 'campaign', targetId: request.params.id },
      ]);
      return reply.code(204).send(null);
    },
  );
}
