import type { FastifyInstance } from 'fastify';
import { sendProblem } from './problem.ts';

/**
 * The generous per-client limit on real redirects, per process and in memory. Not @fastify/rate-limit (which
 * the edge uses for the shared 404 limit): its async hook costs several microseconds per request, a
 * measurable share of a redirect that otherwise never leaves the event loop. A fixed window over a Map is
 * exact enough for a ceiling meant to stop one client hammering one process.
 */
export function registerRedirectRateLimit(
  app: FastifyInstance,
  options: { max: number; windowMs: number; maxClients?: number },
): void {
  const { max, windowMs } = options;
  const maxClients = options.maxClients ?? 100_000;
  let counts = new Map<string, number>();
  let windowEnds = Date.now() + windowMs;

  app.addHook('onRequest', (request, reply, done) => {
    const now = Date.now();
    if (now >= windowEnds) {
      counts = new Map();
      windowEnds = now + windowMs;
    }
    const client = request.ip;
    const count = (counts.get(client) ?? 0) + 1;
    // Past maxClients distinct clients in one window, new ones are not tracked: memory stays bounded.
    if (count === 1 && counts.size >= maxClients) {
      done();
      return;
    }
    counts.set(client, count);
    if (count > max) {
      reply.header('retry-after', String(Math.max(1, Math.ceil((windowEnds - now) / 1000))));
      sendProblem(reply, 'rate-limited');
      return;
    }
    done();
  });
}
