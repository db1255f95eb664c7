import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { DomainDirectory } from '../domain/domain-directory.ts';
import { logContext } from '../http/log-context.ts';
import { sendProblem } from '../http/problem.ts';

/**
 * Where a reverse proxy with on-demand TLS (Caddy's `on_demand_tls { ask … }`) asks whether it may get a
 * certificate for a host name: 200 for an instance domain or a verified custom domain, 404 for anything else
 * (any answer but 200 is a no). Two path segments, so it can never be a short code; answered from the same
 * domain directory the redirects use (docs/operations/on-demand-tls.md).
 */
export const TLS_ASK_PATH = '/_boltlink/tls-ask';

const Query = Type.Object({ domain: Type.String({ minLength: 1, maxLength: 256 }) });

export function registerTlsAskRoute(app: FastifyInstance, deps: { directory: DomainDirectory }): void {
  app.get<{ Querystring: { domain: string } }>(
    TLS_ASK_PATH,
    { schema: { querystring: Query } },
    async (request, reply) => {
      let served: boolean;
      try {
        served = await deps.directory.serves(request.query.domain);
      } catch (error) {
        request.log.error({ ...logContext(request.raw), err: error }, 'TLS ask: domain lookup unavailable');
        return sendProblem(reply, 'unavailable');
      }
      if (!served) return sendProblem(reply, 'not_found', { detail: 'This host name is not served here.' });
      return reply.code(200).header('cache-control', 'no-store').send();
    },
  );
}
