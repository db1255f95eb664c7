import { Type } from 'typebox';
import type { Authenticator } from '../plugins/auth.ts';
import { accessOf } from '../plugins/auth.ts';
import { AUTHED, IdParams, NoContent, problems, refTo } from '../schemas/common.ts';
import { AddDomainBody, DomainSchema, UpdateDomainBody } from '../schemas/domains.ts';
import type { AuditLog } from '../services/audit-log.ts';
import type { DomainService } from '../services/domain-service.ts';
import type { App } from '../types.ts';

/** A workspace's custom domains (docs/domains.md). Owners and admins manage them; every member reads them. */
export function domainRoutes(
  app: App,
  deps: { domains: DomainService; audit: AuditLog; authenticator: Authenticator },
): void {
  const security = [{ bearerAuth: [] }];
  const { authenticator, domains, audit } = deps;

  app.post(
    '/domains',
    {
      preParsing: authenticator.require('domains:manage'),
      schema: {
        tags: ['domains'],
        summary: 'Add a custom domain; it is pending until one of the DNS records it answers is published',
        security,
        body: AddDomainBody,
        response: { 201: refTo(DomainSchema), ...problems(...AUTHED, 'conflict') },
      },
    },
    async (request, reply) => {
      const access = accessOf(request);
      const domain = await domains.add(access, request.body);
      await audit.record(access, [
        {
          action: 'domain.added',
          targetType: 'domain',
          targetId: domain.id,
          details: { hostname: domain.hostname },
        },
      ]);
      return reply.code(201).send(domain);
    },
  );

  app.get(
    '/domains',
    {
      preParsing: authenticator.require('domains:read'),
      schema: {
        tags: ['domains'],
        summary: "List the workspace's custom domains, newest first",
        security,
        response: {
          200: Type.Object({ items: Type.Array(refTo(DomainSchema)) }),
          ...problems(...AUTHED),
        },
      },
    },
    async (request) => ({ items: await domains.list(accessOf(request).workspaceId) }),
  );

  app.get(
    '/domains/:id',
    {
      preParsing: authenticator.require('domains:read'),
      schema: {
        tags: ['domains'],
        summary: 'Get one custom domain, with the records that verify it',
        security,
        params: IdParams,
        response: { 200: refTo(DomainSchema), ...problems(...AUTHED, 'not_found') },
      },
    },
    async (request) => domains.get(accessOf(request).workspaceId, request.params.id),
  );

  app.post(
    '/domains/:id/verify',
    {
      preParsing: authenticator.require('domains:manage'),
      schema: {
        tags: ['domains'],
        summary: 'Check the DNS records now; a failed domain goes back to pending with fresh retries',
        security,
        params: IdParams,
        response: { 200: refTo(DomainSchema), ...problems(...AUTHED, 'not_found') },
      },
    },
    async (request) => {
      const access = accessOf(request);
      const { domain, newlyVerified } = await domains.verify(access.workspaceId, request.params.id);
      if (newlyVerified) {
        await audit.record(access, [
          {
            action: 'domain.verified',
            targetType: 'domain',
            targetId: domain.id,
            details: { hostname: domain.hostname, method: domain.verificationMethod },
          },
        ]);
      }
      return domain;
    },
  );

  app.patch(
    '/domains/:id',
    {
      preParsing: authenticator.require('domains:manage'),
      schema: {
        tags: ['domains'],
        summary: 'Change where the bare domain and unknown codes redirect (null: the default answer)',
        security,
        params: IdParams,
        body: UpdateDomainBody,
        response: { 200: refTo(DomainSchema), ...problems(...AUTHED, 'not_found') },
      },
    },
    async (request) => {
      const access = accessOf(request);
      const domain = await domains.update(access.workspaceId, request.params.id, request.body);
      await audit.record(access, [
        {
          action: 'domain.updated',
          targetType: 'domain',
          targetId: domain.id,
          details: { hostname: domain.hostname, fields: Object.keys(request.body) },
        },
      ]);
      return domain;
    },
  );

  app.delete(
    '/domains/:id',
    {
      preParsing: authenticator.require('domains:manage'),
      schema: {
        tags: ['domains'],
        summary: 'Remove a custom domain; its links are deleted and stop redirecting at once',
        security,
        params: IdParams,
        response: { 204: NoContent, ...problems(...AUTHED, 'not_found') },
      },
    },
    async (request, reply) => {
      const access = accessOf(request);
      const removed = await domains.remove(access.workspaceId, request.params.id);
      await audit.record(access, [
        {
          action: 'domain.removed',
          targetType: 'domain',
          targetId: request.params.id,
          details: { hostname: removed.hostname, linksDeleted: removed.linksDeleted },
        },
      ]);
      return reply.code(204).send(null);
    },
  );
}
