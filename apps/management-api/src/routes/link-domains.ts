import { Type } from 'typebox';
import type { Authenticator } from '../plugins/auth.ts';
import { accessOf } from '../plugins/auth.ts';
import { AUTHED, problems } from '../schemas/common.ts';
import { type LinkDomain, LinkDomainSchema } from '../schemas/links.ts';
import type { DomainService } from '../services/domain-service.ts';
import type { App } from '../types.ts';

/**
 * Where a link of the workspace may live: the instance's short domains (configuration, otherwise invisible
 * to clients) and the workspace's verified custom domains, the same two sources POST /links accepts.
 * Readable with `links:read`, so a form can offer the choice to whoever may create links.
 */
export function linkDomainRoutes(
  app: App,
  deps: { domains: DomainService; shortDomains: readonly string[]; authenticator: Authenticator },
): void {
  app.get(
    '/link-domains',
    {
      preParsing: deps.authenticator.require('links:read'),
      schema: {
        tags: ['links'],
        summary: 'The domains a link of this workspace may use, the default first',
        security: [{ bearerAuth: [] }],
        response: {
          200: Type.Object({ items: Type.Array(LinkDomainSchema) }),
          ...problems(...AUTHED),
        },
      },
    },
    async (request) => {
      const instance: LinkDomain[] = deps.shortDomains.map((domain, index) => ({
        domain,
        kind: 'instance',
        isDefault: index === 0,
      }));
      const custom: LinkDomain[] = (await deps.domains.list(accessOf(request).workspaceId))
        .filter((domain) => domain.status === 'verified')
        .map((domain) => ({ domain: domain.hostname, kind: 'custom', isDefault: false }));
      return { items: [...instance, ...custom] };
    },
  );
}
