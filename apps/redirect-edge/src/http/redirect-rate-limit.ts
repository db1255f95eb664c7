import type { FastifyInstance } from 'fastify';
import { handedOf } from './handed-lookup.ts';
import { sendProblem } from './problem.ts';

export interface RedirectRateLimiter {
  /**
   * Charges one request to `client`; 0 when allowed, else the seconds until the window resets. `time` is the
   * caller's clock reading for this request, if it has one.
   */
  take(client: string, time?: number): number;
}

/**
 * The generous per-client limit on real redirects, per process and in memory. Not @fastify/rate-limit (which
 * the edge uses for the shared 404 limit): its async hook costs several microseconds per request, a
 * measurable share of a redirect that otherwise never leaves the event loop. A fixed window over a Map is
 * exact enough for a ceiling meant to stop one client hammering one process.
 */
export function createRedirectRateLimiter(options: {
  max: number;
  windowMs: number;
  maxClients?: number;
  now?: () => number;
}): RedirectRateLimiter {
  const { max, windowMs } = options;
  const now = options.now ?? Date.now;
  const maxClients = options.maxClients ?? 100_000;
  // One object per client and window, counted in place: a returning client costs one Map lookup, not two.
  let counts = new Map<string, { count: number }>();
  let windowEnds = now() + windowMs;

  return {
    take(client, time = now()) {
      if (time >= windowEnds) {
        counts = new Map();
        windowEnds = time + windowMs;
      }
      const tally = counts.get(client);
      let count: number;
      if (tally === undefined) {
        // Past maxClients distinct clients in one window, new ones are not tracked: memory stays bounded.
        if (counts.size >= maxClients) return 0;
        counts.set(client, { count: 1 });
        count = 1;
      } else {
        tally.count += 1;
        count = tally.count;
      }
      if (count <= max) return 0;
      return Math.max(1, Math.ceil((windowEnds - time) / 1000));
    },
  };
}

/**
 * Charges every request of the plugin's routes (GET, HEAD and POST /:code) to the limiter, before any lookup;
 * 429 past it. A request the fast path handed over was charged there already: its verdict is used instead, so
 * each request is charged exactly once, whichever path answers it.
 */
export function registerRedirectRateLimit(app: FastifyInstance, limiter: RedirectRateLimiter): void {
  app.addHook('onRequest', (request, reply, done) => {
    const retryAfter = handedOf(request.raw)?.retryAfterSeconds ?? limiter.take(request.ip);
    if (retryAfter > 0) {
      sendProblem(reply, 'rate_limited', { retryAfterSeconds: retryAfter });
      return;
    }
    done();
  });
}
