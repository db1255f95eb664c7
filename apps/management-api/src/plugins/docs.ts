import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { WORKSPACE_HEADER } from './auth.ts';
import { CSRF_HEADER, SESSION_COOKIE } from './browser-session.ts';

/** Authenticated routes that act on the caller's account, in no workspace (besides every /auth/ route). */
const ACCOUNT_ROUTES = new Set(['/api/v1/me', '/api/v1/workspaces', '/api/v1/invitations/accept']);

/**
 * OpenAPI 3 generated from the route schemas (nothing hand-written to drift), served as JSON at
 * /docs/json and as Swagger UI at /docs. Shared schemas keep their `$id` as component names.
 */
export async function registerDocs(app: FastifyInstance, opts: { serverUrl?: string }): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'BoltLink management API',
        version: '1.0.0',
        description:
          'Accounts, API keys, short links, campaigns and click statistics. Errors are application/problem+json (RFC 9457).',
      },
      servers: opts.serverUrl ? [{ url: opts.serverUrl }] : [],
      components: {
        securitySchemes: {
          bearerAuth: {
            type: 'http',
            scheme: 'bearer',
            description: 'A session token from /auth/login or an API key (bl_...)',
          },
          cookieAuth: {
            type: 'apiKey',
            in: 'cookie',
            name: SESSION_COOKIE,
            description: `The browser session set by /auth/login and /auth/signup; writes also need the ${CSRF_HEADER} header`,
          },
        },
      },
    },
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) =>
        typeof json.$id === 'string' ? json.$id : `def-${i}`,
    },
    // Probes and the metrics scrape are operational endpoints, not part of the public API.
    hideUntagged: true,
    transform: ({ schema, url }) => {
      // Every authenticated route takes the browser's session cookie as well as a bearer token.
      if (schema?.security) schema = { ...schema, security: [...schema.security, { cookieAuth: [] }] };
      // Every workspace-scoped route takes the same optional header; documented once here instead of on
      // each route (the authenticator reads and checks it before validation runs).
      // Instance administration (/api/v1/admin) acts in no workspace either.
      if (
        schema?.security &&
        !ACCOUNT_ROUTES.has(url) &&
        !url.startsWith('/api/v1/auth/') &&
        !url.startsWith('/api/v1/admin/')
      ) {
        schema = {
          ...schema,
          headers: {
            type: 'object',
            properties: {
              [WORKSPACE_HEADER]: {
                type: 'string',
                format: 'uuid',
                description:
                  "The workspace this request acts in (a session; default: the user's personal workspace). " +
                  'An API key acts in its own workspace only.',
              },
            },
          },
        };
      }
      // Bulk items are validated one by one in the handler (a bad item fails alone), so the route schema
      // accepts any item; the document still tells clients what an item is.
      if (url === '/api/v1/links/bulk' && schema?.body) {
        return {
          schema: {
            ...schema,
            body: {
              type: 'object',
              required: ['links'],
              additionalProperties: false,
              properties: {
                links: { type: 'array', minItems: 1, maxItems: 1000, items: { $ref: 'CreateLink#' } },
              },
            },
          },
          url,
        };
      }
      return { schema, url };
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { deepLinking: true } });
}
