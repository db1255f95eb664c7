import { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import type { Authenticator } from '../plugins/auth.ts';
import { accessOf } from '../plugins/auth.ts';
import { AUTHED, IdParams, problems } from '../schemas/common.ts';
import { VisitPage, VisitsExportQuery, VisitsQuery } from '../schemas/visits.ts';
import type { LinkService } from '../services/link-service.ts';
import { EXPORT_CONTENT_TYPE, encodeVisits } from '../services/visits-export.ts';
import type { VisitScope, VisitsService } from '../services/visits-service.ts';
import type { App } from '../types.ts';

const FILTERS_NOTE =
  'Raw visits are kept for CLICK_EVENT_RETENTION_DAYS (rawEventsSince); stats and totals go further back.';

const exportResponse = {
  description:
    'Every visit the filters select, newest first, streamed; the BoltLink-Raw-Events-Since header says from when raw visits are kept',
  content: {
    'text/csv': { schema: Type.String() },
    'application/x-ndjson': { schema: Type.String() },
  },
};

export function visitRoutes(
  app: App,
  deps: { visits: VisitsService; links: Pick<LinkService, 'get'>; authenticator: Authenticator },
): void {
  const security = [{ bearerAuth: [] }];

  /** The link's scope, once the link is known to be the caller's workspace's (404 otherwise). */
  async function linkScope(workspaceId: string, linkId: string): Promise<VisitScope> {
    const link = await deps.links.get(workspaceId, linkId);
    return { linkId: link.id };
  }

  app.get(
    '/links/:id/visits',
    {
      preParsing: deps.authenticator.require('stats:read'),
      schema: {
        tags: ['stats'],
        summary: "One link's visits (raw click events), newest first, filtered and cursor-paged",
        description: FILTERS_NOTE,
        security,
        params: IdParams,
        querystring: VisitsQuery,
        response: { 200: VisitPage, ...problems(...AUTHED, 'not_found') },
      },
    },
    async (request) => {
      const { workspaceId } = accessOf(request);
      return deps.visits.page(await linkScope(workspaceId, request.params.id), request.query);
    },
  );

  app.get(
    '/visits',
    {
      preParsing: deps.authenticator.require('stats:read'),
      schema: {
        tags: ['stats'],
        summary:
          "The workspace's visits (raw click events of all its links), newest first, filtered and cursor-paged",
        description: FILTERS_NOTE,
        security,
        querystring: VisitsQuery,
        response: { 200: VisitPage, ...problems(...AUTHED) },
      },
    },
    async (request) => deps.visits.page({ workspaceId: accessOf(request).workspaceId }, request.query),
  );

  function sendExport(reply: FastifyReply, scope: VisitScope, query: VisitsExportQuery, name: string) {
    const format = query.format ?? 'csv';
    const { format: _, ...filters } = query;
    const exported = deps.visits.exportVisits(scope, filters);
    const stream = Readable.from(encodeVisits(exported.batches, format));
    stream.once('close', exported.done);
    return reply
      .type(EXPORT_CONTENT_TYPE[format])
      .header('content-disposition', `attachment; filename="${name}.${format === 'csv' ? 'csv' : 'ndjson'}"`)
      .header('cache-control', 'no-store')
      .header('boltlink-raw-events-since', exported.rawEventsSince.toISOString())
      .send(stream);
  }

  app.get(
    '/links/:id/visits/export',
    {
      preParsing: deps.authenticator.require('stats:read'),
      schema: {
        tags: ['stats'],
        summary: "Export one link's visits as CSV or NDJSON (streamed, any size)",
        description: FILTERS_NOTE,
        security,
        params: IdParams,
        querystring: VisitsExportQuery,
        produces: ['text/csv', 'application/x-ndjson'],
        response: { 200: exportResponse, ...problems(...AUTHED, 'not_found') },
      },
    },
    async (request, reply) => {
      const { workspaceId } = accessOf(request);
      const scope = await linkScope(workspaceId, request.params.id);
      return sendExport(reply, scope, request.query, `visits-${request.params.id}`);
    },
  );

  app.get(
    '/visits/export',
    {
      preParsing: deps.authenticator.require('stats:read'),
      schema: {
        tags: ['stats'],
        summary: "Export the workspace's visits as CSV or NDJSON (streamed, any size)",
        description: FILTERS_NOTE,
        security,
        querystring: VisitsExportQuery,
        produces: ['text/csv', 'application/x-ndjson'],
        response: { 200: exportResponse, ...problems(...AUTHED) },
      },
    },
    async (request, reply) => {
      const { workspaceId } = accessOf(request);
      return sendExport(reply, { workspaceId }, request.query, `visits-${workspaceId}`);
    },
  );
}
