import { randomBytes } from 'node:crypto';
import { type FastifyInstance, LogController } from 'fastify';

/**
 * Request ids unique across processes: Fastify's default counts from `req-1` in every process, so the
 * workers of one service (node:cluster) and its replicas hand out the same ids. A random prefix per
 * process (32 bits) then a counter keeps ids short, ordered within a process, and greppable.
 */
export function createRequestIdGenerator(prefix = randomBytes(4).toString('hex')): () => string {
  let next = 0;
  return () => {
    next += 1;
    return `${prefix}-${next.toString(36)}`;
  };
}

/**
 * Fastify options for one log line per request: Fastify's own "incoming request" + "request completed"
 * pair is switched off and `logEachRequestOnce` writes a single line when the response is sent.
 */
export function requestLogOptions() {
  return {
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: createRequestIdGenerator(),
  };
}

/**
 * One INFO line per request, when it completes: method, path (no query string, see requestSerializers),
 * status and duration in ms. Routes with a higher `logLevel` (the probes) write nothing.
 */
export function logEachRequestOnce(app: FastifyInstance): void {
  app.addHook('onResponse', (request, reply, done) => {
    request.log.info(
      { req: request, res: reply, responseTime: Math.round(reply.elapsedTime * 10) / 10 },
      'request completed',
    );
    done();
  });
}
