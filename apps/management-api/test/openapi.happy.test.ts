import SwaggerParser from '@apidevtools/swagger-parser';
import { describe, expect } from 'vitest';
import { test } from './support/api.ts';

/** Every route of the public contract (ARCHITECTURE.md), as OpenAPI path templates. */
const CONTRACT: [string, string][] = [
  ['post', '/api/v1/auth/signup'],
  ['post', '/api/v1/auth/signup/confirm'],
  ['post', '/api/v1/auth/login'],
  ['post', '/api/v1/auth/logout'],
  ['post', '/api/v1/auth/logout-everywhere'],
  ['post', '/api/v1/auth/password'],
  ['post', '/api/v1/auth/password-reset'],
  ['post', '/api/v1/auth/password-reset/confirm'],
  ['get', '/api/v1/me'],
  ['post', '/api/v1/api-keys'],
  ['get', '/api/v1/api-keys'],
  ['delete', '/api/v1/api-keys/{id}'],
  ['post', '/api/v1/links'],
  ['post', '/api/v1/links/bulk'],
  ['get', '/api/v1/links'],
  ['get', '/api/v1/links/{id}'],
  ['patch', '/api/v1/links/{id}'],
  ['delete', '/api/v1/links/{id}'],
  ['get', '/api/v1/links/{id}/qr'],
  ['get', '/api/v1/links/{id}/stats'],
  ['get', '/api/v1/stats'],
  ['get', '/api/v1/links/{id}/visits'],
  ['get', '/api/v1/visits'],
  ['get', '/api/v1/links/{id}/visits/export'],
  ['get', '/api/v1/visits/export'],
  ['get', '/api/v1/orphan-visits'],
  ['post', '/api/v1/campaigns'],
  ['get', '/api/v1/campaigns'],
  ['get', '/api/v1/campaigns/{id}'],
  ['patch', '/api/v1/campaigns/{id}'],
  ['delete', '/api/v1/campaigns/{id}'],
  ['get', '/api/v1/workspaces'],
  ['post', '/api/v1/workspaces'],
  ['get', '/api/v1/workspace'],
  ['patch', '/api/v1/workspace'],
  ['delete', '/api/v1/workspace'],
  ['get', '/api/v1/workspace/members'],
  ['patch', '/api/v1/workspace/members/{userId}'],
  ['delete', '/api/v1/workspace/members/{userId}'],
  ['post', '/api/v1/workspace/invitations'],
  ['get', '/api/v1/workspace/invitations'],
  ['delete', '/api/v1/workspace/invitations/{id}'],
  ['post', '/api/v1/invitations/accept'],
  ['get', '/api/v1/workspace/audit-log'],
  ['post', '/api/v1/domains'],
  ['get', '/api/v1/domains'],
  ['get', '/api/v1/domains/{id}'],
  ['post', '/api/v1/domains/{id}/verify'],
  ['patch', '/api/v1/domains/{id}'],
  ['delete', '/api/v1/domains/{id}'],
  ['get', '/api/v1/link-domains'],
  ['get', '/api/v1/admin/users'],
  ['post', '/api/v1/admin/users'],
  ['get', '/api/v1/admin/users/{id}'],
  ['patch', '/api/v1/admin/users/{id}'],
  ['get', '/api/v1/admin/audit-log'],
  ['patch', '/api/v1/admin/links/{id}'],
  ['get', '/api/v1/admin/blocked-destinations'],
  ['post', '/api/v1/admin/blocked-destinations'],
  ['delete', '/api/v1/admin/blocked-destinations/{hostname}'],
];

type Json = Record<string, unknown>;

/** Every `$ref` in the document, wherever it sits. */
function collectRefs(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) {
    for (const item of node) collectRefs(item, out);
  } else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') out.push(value);
      else collectRefs(value, out);
    }
  }
  return out;
}

function resolvePointer(doc: Json, ref: string): unknown {
  if (!ref.startsWith('#/')) return undefined;
  return ref
    .slice(2)
    .split('/')
    .reduce<unknown>(
      (node, part) => (node as Json | undefined)?.[part.replace(/~1/g, '/').replace(/~0/g, '~')],
      doc,
    );
}

describe('OpenAPI document', () => {
  test('validates against the OpenAPI 3.0 schema, with every $ref resolvable', async ({ api }) => {
    const doc = (await api.app.inject({ url: '/docs/json' })).json();
    // swagger-parser checks the document against the official OpenAPI JSON Schema and dereferences it.
    const validated = await SwaggerParser.validate(structuredClone(doc));
    expect(validated.info.title).toBe(doc.info.title);
  });

  test('is a valid OpenAPI 3 document that lists every route of the contract', async ({ api }) => {
    const res = await api.app.inject({ url: '/docs/json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json() as Json & { paths: Record<string, Record<string, Json>> };
    expect(doc.openapi).toMatch(/^3\.\d+\.\d+$/);
    expect((doc.info as Json).title).toBeTypeOf('string');

    for (const [method, path] of CONTRACT) {
      const operation = doc.paths[path]?.[method];
      expect(operation, `${method.toUpperCase()} ${path}`).toBeDefined();
      const responses = operation?.responses as Record<string, Json>;
      expect(
        Object.keys(responses).some((status) => /^2\d\d$/.test(status)),
        `${method} ${path} success`,
      ).toBe(true);
      for (const [status, response] of Object.entries(responses)) {
        expect(response.description, `${method} ${path} ${status} description`).toBeTypeOf('string');
        if (Number(status) >= 400) {
          expect(Object.keys(response.content as Json)).toEqual(['application/problem+json']);
        }
      }
      // Path parameters are declared for every template segment.
      for (const name of path.match(/\{(\w+)\}/g) ?? []) {
        const params = (operation?.parameters ?? []) as Json[];
        expect(params.some((p) => p.in === 'path' && `{${p.name}}` === name && p.required === true)).toBe(
          true,
        );
      }
      const open = ['/api/v1/auth/signup', '/api/v1/auth/login', '/api/v1/auth/password-reset'];
      if (!open.some((prefix) => path.startsWith(prefix))) {
        expect(operation?.security, `${method} ${path} security`).toEqual([
          { bearerAuth: [] },
          { cookieAuth: [] },
        ]);
      }
    }
    // Only contract routes are documented: probes and the scrape endpoint are operational.
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m} ${path}`),
    );
    expect(documented.sort()).toEqual(CONTRACT.map(([m, p]) => `${m} ${p}`).sort());

    const refs = collectRefs(doc);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) expect(resolvePointer(doc, ref), ref).toBeDefined();
    const schemes = (doc.components as Json).securitySchemes as Json;
    expect(schemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });

    // Operation ids, when present, are unique; every operation has a summary.
    for (const ops of Object.values(doc.paths)) {
      for (const op of Object.values(ops)) expect(op.summary).toBeTypeOf('string');
    }
  });

  test('documents the workspace header on every workspace route, and only there', async ({ api }) => {
    const doc = (await api.app.inject({ url: '/docs/json' })).json() as {
      paths: Record<string, Record<string, { parameters?: { in: string; name: string }[] }>>;
    };
    const takesHeader = (method: string, path: string) =>
      (doc.paths[path]?.[method]?.parameters ?? []).some(
        (p) => p.in === 'header' && p.name === 'boltlink-workspace',
      );
    for (const [method, path] of CONTRACT) {
      const accountLevel =
        path.startsWith('/api/v1/auth/') ||
        path.startsWith('/api/v1/admin/') ||
        ['/api/v1/me', '/api/v1/workspaces', '/api/v1/invitations/accept'].includes(path);
      expect(takesHeader(method, path), `${method} ${path}`).toBe(!accountLevel);
    }
  });

  test('documents request bodies and the link shape', async ({ api }) => {
    const doc = (await api.app.inject({ url: '/docs/json' })).json();
    const create = doc.paths['/api/v1/links'].post.requestBody.content['application/json'].schema;
    const createSchema = create.$ref ? resolvePointer(doc, create.$ref) : create;
    expect(Object.keys((createSchema as { properties: Json }).properties).sort()).toEqual(
      [
        'alias',
        'campaignId',
        'domain',
        'expiresAt',
        'maxClicks',
        'password',
        'redirectType',
        'rules',
        'tags',
        'title',
        'url',
        'variants',
      ].sort(),
    );
    const link = resolvePointer(doc, '#/components/schemas/Link') as { properties: Json };
    expect(Object.keys(link.properties).sort()).toEqual(
      [
        'id',
        'code',
        'domain',
        'shortUrl',
        'url',
        'title',
        'description',
        'image',
        'tags',
        'rules',
        'variants',
        'expiresAt',
        'maxClicks',
        'redirectType',
        'hasPassword',
        'campaignId',
        'clicks',
        'createdAt',
        'updatedAt',
      ].sort(),
    );
  });

  test('serves the Swagger UI at /docs', async ({ api }) => {
    const res = await api.app.inject({ url: '/docs/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/html');
  });
});
