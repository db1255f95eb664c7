import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyBaseLogger } from 'fastify';
import type { ClickRecorder } from '../domain/click-recorder.ts';
import type { RedirectLink } from '../domain/ports.ts';
import { cacheControl, locationFor, rawQuery } from '../domain/redirect-answer.ts';
import type { LinkResolver } from '../domain/resolve-link.ts';
import type { ClientAddress } from './client-address.ts';
import { handLookup } from './handed-lookup.ts';
import type { RedirectRateLimiter } from './redirect-rate-limit.ts';
import { type RedirectHeaders, readRedirectHeaders } from './request-headers.ts';

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

export interface FastRedirectDeps {
  resolver: LinkResolver;
  limiter: RedirectRateLimiter;
  address: ClientAddress;
  domainOf: (host: string | undefined) => string;
  recordClick: ClickRecorder;
  /** Name of the trusted country header, if one is configured (any case). */
  countryHeader: string | undefined;
  /** Single-segment paths Fastify serves itself (`/health`, `/ready`): never short codes. */
  reservedPaths: ReadonlySet<string>;
  /** True once the app is closing: Fastify then answers 503 with `Connection: close`. */
  isClosing: () => boolean;
  /** Counts a redirect this path served. */
  onServed: () => void;
  logger: FastifyBaseLogger;
  now: () => number;
}

export interface FastRedirect {
  /** Answers the request, or hands it (with the lookup already made, if any) to `fallback`, which is Fastify. */
  handle(req: IncomingMessage, res: ServerResponse, fallback: RequestHandler): void;
}

const MAX_CODE_LENGTH = 64;

/**
 * Tells node:http that an answered request without a body needs no draining. When a response finishes,
 * node "dumps" every request nobody read: it resumes the request stream, which reads nothing, ends it and
 * destroys it, over three ticks and a dozen stream state changes. For a cached redirect that machinery
 * costs about 8% of the request's CPU (bench/edge-ab.ts).
 *
 * Node 24.12 skips it for every request without Content-Length or Transfer-Encoding when the server is
 * created with `optimizeEmptyRequests`, by setting this same `_dumped` flag (and marking the stream ended,
 * which then reads `readableEnded`). Node 20 has neither the option nor a public way to say it, so the
 * fast path sets the flag itself, only on requests it answered and only when they declare no body: such a
 * request has no byte left on the connection, so nothing is left unread. The one visible difference: the
 * request object never emits 'end', so node keeps the last one of a connection referenced until the next
 * request or the close (node's option, which also ends the stream, does not).
 */
function skipDrain(req: IncomingMessage): void {
  if (!req.readableEnded) (req as IncomingMessage & { _dumped: boolean })._dumped = true;
}

/** `/abc` or `/abc?query` with a code of [A-Za-z0-9_-]{1,64}; anything else (%-escapes, `/a/b`, `;`) is null. */
export function codeOfPath(url: string): string | null {
  if (url.charCodeAt(0) !== 47 /* / */) return null;
  const end = url.length;
  let i = 1;
  for (; i < end; i += 1) {
    const c = url.charCodeAt(i);
    if (c === 63 /* ? */) break;
    const ok =
      (c >= 97 && c <= 122) ||
      (c >= 65 && c <= 90) ||
      (c >= 48 && c <= 57) ||
      c === 45 /* - */ ||
      c === 95; /* _ */
    if (!ok) return null;
  }
  if (i === 1 || i - 1 > MAX_CODE_LENGTH) return null;
  return url.slice(1, i);
}

/**
 * The common case of the edge without the framework: a GET or HEAD of `/<code>` whose link is a plain redirect
 * (no password, no click cap, not expired) and a client under the redirect limit. Fastify's per-request
 * machinery (request and reply objects, hooks, params validation, the duration histogram) costs more than
 * the redirect itself; here the answer is written straight to node:http with the same status and headers the
 * Fastify route sends, and the click is recorded the same way.
 *
 * Everything else goes to Fastify unchanged: other methods and paths, an unknown code, a password, a cap, an
 * expiry, a refused limiter, an unusable destination, a lookup error, and every request once the app closes.
 * A lookup made here travels with the request (`handLookup`), so no request is looked up twice.
 *
 * The HTTP duration histogram covers the Fastify path only; this path is counted by `edge_redirects_total`.
 */
export function createFastRedirect(deps: FastRedirectDeps): FastRedirect {
  const { resolver, limiter, address, domainOf, recordClick, reservedPaths, isClosing, onServed, now } = deps;
  const countryHeader = deps.countryHeader?.toLowerCase();

  /** Writes the redirect when the link and the client qualify; false = Fastify must answer. */
  function answer(
    req: IncomingMessage,
    res: ServerResponse,
    link: RedirectLink,
    url: string,
    headers: RedirectHeaders,
  ): boolean {
    if (link.passwordHash !== null || link.maxClicks !== null) return false;
    // One clock read per request: the expiry, the limiter window and the click's time.
    const time = now();
    if (link.expiresAt !== null && link.expiresAt <= time) return false;
    const location = locationFor(link, rawQuery(url));
    if (location === null) return false;
    const ip = address.ip(req);
    if (!limiter.tryTake(ip, time)) return false;

    const status = link.redirectType;
    // The header set and order Fastify writes for `reply.code(status).headers({...}).send()` (content-length 0,
    // on HEAD too), so the bytes on the wire differ only in the Date header.
    res.writeHead(status, {
      'x-content-type-options': 'nosniff',
      location,
      'cache-control': cacheControl(link, status),
      'x-robots-tag': 'noindex',
      'content-length': '0',
    });
    // Before end(): node looks at the flag when the response has finished.
    if (!headers.declaresBody) skipDrain(req);
    res.end();
    onServed();
    recordClick(link.id, {
      method: req.method ?? 'GET',
      ip,
      userAgent: headers.userAgent,
      referer: headers.referer,
      country: headers.country,
      occurredAt: time,
    });
    return true;
  }

  function afterLookup(
    req: IncomingMessage,
    res: ServerResponse,
    fallback: RequestHandler,
    domain: string,
    code: string,
    url: string,
    headers: RedirectHeaders,
    link: RedirectLink | null,
  ): void {
    if (link !== null && !isClosing()) {
      try {
        if (tryAnswer(req, res, link, url, headers)) return;
      } catch (error) {
        deps.logger.error({ err: error }, 'fast redirect path failed; handing the request to Fastify');
      }
    }
    handLookup(req, { domain, code, link });
    fallback(req, res);
  }

  /** `answer`, but a throw before anything was written still leaves the request to Fastify. */
  function tryAnswer(
    req: IncomingMessage,
    res: ServerResponse,
    link: RedirectLink,
    url: string,
    headers: RedirectHeaders,
  ): boolean {
    try {
      return answer(req, res, link, url, headers);
    } catch (error) {
      if (!res.headersSent) throw error;
      // The redirect went out; only the click capture after it failed.
      deps.logger.error({ err: error, linkId: link.id }, 'click capture failed after a fast-path redirect');
      return true;
    }
  }

  return {
    handle(req, res, fallback) {
      const method = req.method;
      const url = req.url;
      if ((method !== 'GET' && method !== 'HEAD') || url === undefined || isClosing()) {
        fallback(req, res);
        return;
      }
      const code = codeOfPath(url);
      if (code === null || reservedPaths.has(code)) {
        fallback(req, res);
        return;
      }
      let domain: string;
      let headers: RedirectHeaders;
      let link: RedirectLink | null | undefined;
      try {
        headers = readRedirectHeaders(req.rawHeaders, countryHeader);
        domain = domainOf(address.host(req, headers.host));
        link = resolver.peek(domain, code);
        if (link !== null && link !== undefined && tryAnswer(req, res, link, url, headers)) return;
      } catch (error) {
        // A defect here must not take the process down: Fastify answers (and reports) instead.
        deps.logger.error({ err: error }, 'fast redirect path failed; handing the request to Fastify');
        fallback(req, res);
        return;
      }
      if (link !== undefined) {
        handLookup(req, { domain, code, link });
        fallback(req, res);
        return;
      }
      // Not in the LRU: the full lookup (Redis, then Postgres), answered here when the link qualifies.
      resolver.resolve(domain, code).then(
        (found) => afterLookup(req, res, fallback, domain, code, url, headers, found),
        (error: unknown) => {
          handLookup(req, { domain, code, error });
          fallback(req, res);
        },
      );
    },
  };
}
