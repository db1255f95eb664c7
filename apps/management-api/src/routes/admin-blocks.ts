import { Type } from 'typebox';
import type { Authenticator } from '../plugins/auth.ts';
import { principalOf } from '../plugins/auth.ts';
import {
  BlockDestinationBody,
  BlockedDestinationSchema,
  BlockedLinkSchema,
  BlockLinkBody,
  HostnameParams,
} from '../schemas/admin.ts';
import { AUTHED, IdParams, NoContent, problems, refTo } from '../schemas/common.ts';
import type { BlocklistService } from '../services/blocklist-service.ts';
import type { InstanceAudit } from '../services/instance-audit.ts';
import type { App } from '../types.ts';

const ADMIN_ONLY = {
  tags: ['admin'],
  security: [{ bearerAuth: [] }],
  description: 'Instance admins only, with a session (an API key is refused).',
};

/** Blocking links and destination host names (docs/administration.md). */
export function adminBlockRoutes(
  app: App,
  deps: { blocklist: BlocklistService; audit: InstanceAudit; authenticator: Authenticator },
): void {
  const admin = deps.authenticator.require('instance:manage');

  app.patch(
    '/admin/links/:id',
    {
      preParsing: admin,
      schema: {
        ...ADMIN_ONLY,
        summary: 'Block or unblock a link of any workspace (every edge answers 410 within a second)',
        params: IdParams,
        body: BlockLinkBody,
        response: { 200: refTo(BlockedLinkSchema), ...problems(...AUTHED, 'not_found') },
      },
    },
    async (request) => {
      const link = await deps.blocklist.setLinkBlocked(request.params.id, request.body.blocked);
      await deps.audit.record(principalOf(request).userId, [
        {
          action: request.body.blocked ? 'link.blocked' : 'link.unblocked',
          targetType: 'link',
          targetId: link.id,
          details: { workspaceId: link.workspaceId, shortUrl: `${link.domain}/${link.code}`, url: link.url },
        },
      ]);
      return link;
    },
  );

  app.get(
    '/admin/blocked-destinations',
    {
      preParsing: admin,
      schema: {
        ...ADMIN_ONLY,
        summary: 'The blocked destination host names',
        response: {
          200: Type.Object({ items: Type.Array(refTo(BlockedDestinationSchema)) }),
          ...problems(...AUTHED),
        },
      },
    },
    async () => ({ items: await deps.blocklist.list() }),
  );

  app.post(
    '/admin/blocked-destinations',
    {
      preParsing: admin,
      schema: {
        ...ADMIN_ONLY,
        summary: 'Block a destination host name and its subdomains: new links refused, existing ones 410',
        body: BlockDestinationBody,
        response: { 201: refTo(BlockedDestinationSchema), ...problems(...AUTHED, 'conflict') },
      },
    },
    async (request, reply) => {
      const blocked = await deps.blocklist.blockDestination(
        principalOf(request).userId,
        request.body.hostname,
        request.body.reason,
      );
      await deps.audit.record(principalOf(request).userId, [
        {
          action: 'destination.blocked',
          targetType: 'destination',
          targetId: blocked.hostname,
          details: blocked.reason === null ? {} : { reason: blocked.reason },
        },
      ]);
      return reply.code(201).send(blocked);
    },
  );

  app.delete(
    '/admin/blocked-destinations/:hostname',
    {
      preParsing: admin,
      schema: {
        ...ADMIN_ONLY,
        summary: 'Unblock a destination host name',
        params: HostnameParams,
        response: { 204: NoContent, ...problems(...AUTHED, 'not_found') },
      },
    },
    async (request, reply) => {
      const hostname = await deps.blocklist.unblockDestination(request.params.hostname);
      await deps.audit.record(principalOf(request).userId, [
        { action: 'destination.unblocked', targetType: 'destination', targetId: hostname },
      ]);
      return reply.code(204).send(null);
    },
  );
}
