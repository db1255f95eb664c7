import { Type } from '@sinclair/typebox';
import type { Authenticator } from '../plugins/auth.ts';
import { principalOf } from '../plugins/auth.ts';
import { AUTHED, IdParams, NoContent, Pagination, problems } from '../schemas/common.ts';
import type { CampaignService } from '../services/campaign-service.ts';
import type { App } from '../types.ts';

const UtmValue = Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' });
const OptionalUtm = Type.Union([Type.String({ maxLength: 200 }), Type.Null()]);

const Utm = Type.Object(
  {
    source: UtmValue,
    medium: UtmValue,
    campaign: UtmValue,
    term: Type.Optional(OptionalUtm),
    content: Type.Optional(OptionalUtm),
  },
  { additionalProperties: false },
);

const CampaignSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    name: Type.String(),
    utm: Type.Object({
      source: Type.String(),
      medium: Type.String(),
      campaign: Type.String(),
      term: Type.Union([Type.String(), Type.Null()]),
      content: Type.Union([Type.String(), Type.Null()]),
    }),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'Campaign', title: 'Campaign' },
);

const Name = Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' });

export { CampaignSchema };

export function campaignRoutes(
  app: App,
  deps: { campaigns: CampaignService; authenticator: Authenticator },
): void {
  const security = [{ bearerAuth: [] }];
  const { authenticator, campaigns } = deps;

  app.post(
    '/campaigns',
    {
      preParsing: authenticator.require('links:write'),
      schema: {
        tags: ['campaigns'],
        summary: 'Create a campaign; its links get its UTM parameters on redirect',
        security,
        body: Type.Object({ name: Name, utm: Utm }, { additionalProperties: false }),
        response: { 201: Type.Ref(CampaignSchema), ...problems(...AUTHED) },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await campaigns.create(principalOf(request).userId, request.body)),
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
            items: Type.Array(Type.Ref(CampaignSchema)),
            nextCursor: Type.Union([Type.String(), Type.Null()]),
          }),
          ...problems(...AUTHED),
        },
      },
    },
    async (request) => campaigns.list(principalOf(request).userId, request.query),
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
        response: { 200: Type.Ref(CampaignSchema), ...problems(...AUTHED, 'not_found') },
      },
    },
    async (request) => campaigns.get(principalOf(request).userId, request.params.id),
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
        response: { 200: Type.Ref(CampaignSchema), ...problems(...AUTHED, 'not_found') },
      },
    },
    async (request) => campaigns.update(principalOf(request).userId, request.params.id, request.body),
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
      await campaigns.remove(principalOf(request).userId, request.params.id);
      return reply.code(204).send(null);
    },
  );
}
