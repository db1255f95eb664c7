import type { IncomingMessage } from 'node:http';

/**
 * What every line the edge logs about a request carries, whichever path handled it: the method and the request
 * target (a short code and the visitor's query string). Built only when a line is written: the edge keeps no
 * per-request logger (Fastify's child logger per request costs a measurable share of a redirect).
 */
export function logContext(req: IncomingMessage): { method: string | undefined; url: string | undefined } {
  return { method: req.method, url: req.url };
}
