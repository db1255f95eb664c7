import type { Db } from '@boltlink/db/client';
import { Compile } from 'typebox/compile';
import { type Problem, problemOf } from '../errors.ts';
import type { Authenticator } from '../plugins/auth.ts';
import { accessOf } from '../plugins/auth.ts';
import { unsafeValueProblem } from '../plugins/input-hygiene.ts';
import { AUTHED, IdParams, NoContent, problems, refTo } from '../schemas/common.ts';
import {
  BulkCreateBody,
  BulkCreateResponse,
  CreateLinkBody,
  type CreateLinkInput,
  LinkPage,
  LinkSchema,
  type LinkView,
  ListLinksQuery,
  UpdateLinkBody,
} from '../schemas/links.ts';
import type { AuditEntry, AuditLog } from '../services/audit-log.ts';
import { listLinks } from '../services/link-list.ts';
import { type LinkService, MAX_BULK_PASSWORDS } from '../services/link-service.ts';
import type { App } from '../types.ts';

const checkCreateLink = Compile(CreateLinkBody);

/** One bulk item checked as the single create checks its body; a problem is phrased like its 400. */
function checkBulkItem(item: unknown): { input: CreateLinkInput } | { error: Problem } {
  if (checkCreateLink.Check(item)) {
    const unsafe = unsafeValueProblem(item, '');
    return unsafe === undefined ? { input: item } : { error: problemOf('validation_failed', unsafe) };
  }
  const first = checkCreateLink.Errors(item)[0];
  const field = first?.instancePath ? first.instancePath.slice(1).replaceAll('/', '.') : 'link';
  return { error: problemOf('validation_failed', `${field}: ${first?.message ?? 'is invalid'}`) };
}

const createdEntry = (link: LinkView, extra: Record<string, unknown> = {}): AuditEntry => ({
  action: 'link.created',
  targetType: 'link',
  targetId: link.id,
  details: { shortUrl: link.shortUrl, url: link.url, ...extra },
});

export function linkRoutes(
  app: App,
  deps: {
    links: LinkService;
    audit: AuditLog;
    db: Db;
    shortUrlScheme: string;
    authenticator: Authenticator;
    bulkBodyLimit: number;
  },
): void {
  const { authenticator } = deps;
  const security = [{ bearerAuth: [] }];

  app.post(
    '/links',
    {
      preParsing: authenticator.require('links:write'),
      schema: {
        tags: ['links'],
        summary: 'Create a short link',
        security,
        body: CreateLinkBody,
        response: { 201: refTo(LinkSchema), ...problems(...AUTHED, 'conflict') },
      },
    },
    async (request, reply) => {
      const access = accessOf(request);
      const link = await deps.links.create(access, request.body);
      await deps.audit.record(access, [createdEntry(link)]);
      return reply.code(201).send(link);
    },
  );

  app.post(
    '/links/bulk',
    {
      preParsing: authenticator.require('links:write'),
      bodyLimit: deps.bulkBodyLimit,
      config: { checksBodyItems: true },
      schema: {
        tags: ['links'],
        summary: 'Create up to 1000 links; one result per input, in order',
        description:
          'Each item has the fields of POST /links. A bad item yields {error} and fails alone. ' +
          "Every item is charged to the account's link budget (and password budget); a request the " +
          `budget cannot cover creates nothing and answers 429. At most ${MAX_BULK_PASSWORDS} items may set a password.`,
        security,
        body: BulkCreateBody,
        response: { 200: BulkCreateResponse, ...problems(...AUTHED, 'payload_too_large') },
      },
    },
    async (request) => {
      const actor = accessOf(request);
      const items = request.body.links;
      const valid: { index: number; input: CreateLinkInput }[] = [];
      const out: (LinkView | { error: Problem })[] = new Array(items.length);
      items.forEach((item, index) => {
        const checked = checkBulkItem(item);
        if ('error' in checked) out[index] = checked;
        else valid.push({ index, input: checked.input });
      });
      const results = await deps.links.createMany(
        actor,
        valid.map((v) => v.input),
      );
      results.forEach((result, i) => {
        const index = valid[i]?.index;
        if (index === undefined) return;
        out[index] = result.ok ? result.link : { error: result.error.toProblem() };
      });
      await deps.audit.record(
        actor,
        results.flatMap((result) => (result.ok ? [createdEntry(result.link, { bulk: true })] : [])),
      );
      return { items: out };
    },
  );

  app.get(
    '/links',
    {
      preParsing: authenticator.require('links:read'),
      schema: {
        tags: ['links'],
        summary: 'List links, newest first, with an opaque cursor',
        security,
        querystring: ListLinksQuery,
        response: { 200: LinkPage, ...problems(...AUTHED) },
      },
    },
    async (request) => listLinks(deps.db, accessOf(request).workspaceId, request.query, deps.shortUrlScheme),
  );

  app.get(
    '/links/:id',
    {
      preParsing: authenticator.require('links:read'),
      schema: {
        tags: ['links'],
        summary: 'Get one link',
        security,
        params: IdParams,
        response: { 200: refTo(LinkSchema), ...problems(...AUTHED, 'not_found') },
      },
    },
    async (request) => deps.links.get(accessOf(request).workspaceId, request.params.id),
  );

  app.patch(
    '/links/:id',
    {
      preParsing: authenticator.require('links:write'),
      schema: {
        tags: ['links'],
        summary: 'Change a link (any creatable field but alias)',
        security,
        params: IdParams,
        body: UpdateLinkBody,
        response: { 200: refTo(LinkSchema), ...problems(...AUTHED, 'not_found', 'conflict') },
      },
    },
    async (request) => {
      const access = accessOf(request);
      const link = await deps.links.update(access.workspaceId, request.params.id, request.body);
      // The names of the changed fields only: a new link password must not reach the audit log.
      await deps.audit.record(access, [
        {
          action: 'link.updated',
          targetType: 'link',
          targetId: link.id,
          details: { fields: Object.keys(request.body) },
        },
      ]);
      return link;
    },
  );

  app.delete(
    '/links/:id',
    {
      preParsing: authenticator.require('links:write'),
      schema: {
        tags: ['links'],
        summary: 'Delete a link; edges stop serving it within a second',
        security,
        params: IdParams,
        response: { 204: NoContent, ...problems(...AUTHED, 'not_found') },
      },
    },
    async (request, reply) => {
      const access = accessOf(request);
      await deps.links.remove(access.workspaceId, request.params.id);
      await deps.audit.record(access, [
        { action: 'link.deleted', targetType: 'link', targetId: request.params.id },
      ]);
      return reply.code(204).send(null);
    },
  );
}
