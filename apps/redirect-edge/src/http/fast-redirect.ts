import type { IncomingMessage, ServerResponse } from 'node:http';
import { shortCodeOfPath } from '@boltlink/db/short-code';
import type { FastifyBaseLogger } from 'fastify';
import type { ClickRecorder } from '../domain/click-recorder.ts';
import type { DomainDirectory } from '../domain/domain-directory.ts';
import type { RedirectLink } from '../domain/ports.ts';
import { decideRedirect } from '../domain/redirect-decision.ts';
import type { VisitorClassifier } from '../domain/redirect-rules.ts';
import type { LinkResolver } from '../domain/resolve-link.ts';
import type { ClientAddress } from './client-address.ts';
import { handOver } from './handed-lookup.ts';
import { logContext } from './log-context.ts';
import type { RedirectRateLimiter } from './redirect-rate-limit.ts';
import { type RedirectHeaders, readRedirectHeaders } from './request-headers.ts';

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

export interface FastRedirectDeps {
  resolver: LinkResolver;
  limiter: RedirectRateLimiter;
  address: ClientAddress;
  /** Which domain a Host is served as; a host it must look up first goes to Fastify. */
  directory: Pick<DomainDirectory, 'peek'>;
  recordClick: ClickRecorder;
  /** What a link's redirect rules ask about the visitor (the click recorder's classifier and country). */
  visitors: VisitorClassifier;
  /** Name of the trusted country header, if one is configured (any case). */
  countryHeader: string | undefined;
  /** Single-segment paths Fastify serves itself (`/health`, `/ready`): never short codes. */
  reservedPaths: ReadonlySet<string>;
  /** True once the app is closing: the app then answers 503 with `Connection: close`. */
  isClosing: () => boolean;
  /** A redirect this path served, with its method, status and the time it took (seconds). */
  onServed: (method: string, status: number, seconds: number) => void;
  logger: FastifyBaseLogger;
  now: () => number;
}

export interface FastRedirect {
  /** Answers the request, or hands it (with the lookup already made, if any) to `fallback`, which is Fastify. */
  handle(req: IncomingMessage, res: ServerResponse, fallback: RequestHandler): void;
}

/**
 * A second entrance to the redirect decision (domain/redirect-decision.ts), without the framework: a GET or
 * HEAD of `/<code>` whose decision is a plain redirect (no password, no click cap, not expired) for a client
 * under the redirect limit. Fastify's per-request machinery (request and reply objects, hooks, params
 * validation) costs more than the redirect itself; here the decided answer is written straight to node:http
 * and the decided click recorded.
 *
 * Everything else goes to Fastify, which asks the same decision and answers every other kind: other methods
 * and paths, an unknown code, a password, a cap, an expiry, a refused client, an unusable destination, a
 * lookup error, and every request once the app closes. What was done here travels with the request
 * (`handOver`): the limiter charge and the lookup are never made twice.
 */
export function createFastRedirect(deps: FastRedirectDeps): FastRedirect {
  const {
    resolver,
    limiter,
    address,
    directory,
    recordClick,
    visitors,
    reservedPaths,
    isClosing,
    onServed,
    now,
  } = deps;
  const countryHeader = deps.countryHeader?.toLowerCase();

  /** Writes the redirect when the decision is a plain one; false = Fastify must answer. */
  function answer(
    req: IncomingMessage,
    res: ServerResponse,
    link: RedirectLink,
    url: string,
    ip: string,
    headers: RedirectHeaders,
    time: number,
    started: number,
  ): boolean {
    const method = req.method as string;
    const decision = decideRedirect(link, { method, url, ip, headers }, time, visitors);
    if (decision.kind !== 'redirect') return false;
    res.writeHead(decision.status, decision.headers);
    res.end();
    onServed(method, decision.status, (performance.now() - started) / 1000);
    recordClick(decision.linkId, decision.click);
    return true;
  }

  /** `answer`, but a throw before anything was written still leaves the request to Fastify. */
  function tryAnswer(
    req: IncomingMessage,
    res: ServerResponse,
    link: RedirectLink,
    url: string,
    ip: string,
    headers: RedirectHeaders,
    time: number,
    started: number,
  ): boolean {
    try {
      return answer(req, res, link, url, ip, headers, time, started);
    } catch (error) {
      if (!res.headersSent) throw error;
      // The redirect went out; only the click capture after it failed.
      deps.logger.error(
        { ...logContext(req), err: error, linkId: link.id },
        'click capture failed after a fast-path redirect',
      );
      return true;
    }
  }

  function failed(req: IncomingMessage, error: unknown): void {
    deps.logger.error(
      { ...logContext(req), err: error },
      'fast redirect path failed; handing the request to Fastify',
    );
  }

  return {
    handle(req, res, fallback) {
      const method = req.method;
      const url = req.url;
      if ((method !== 'GET' && method !== 'HEAD') || url === undefined || isClosing()) {
        fallback(req, res);
        return;
      }
      const code = shortCodeOfPath(url);
      if (code === null || reservedPaths.has(code)) {
        fallback(req, res);
        return;
      }
      // One clock read per request: the limiter window, the expiry and the click's time.
      const time = now();
      const started = performance.now();
      let domain: string;
      let headers: RedirectHeaders;
      let ip: string;
      let retryAfterSeconds: number;
      let link: RedirectLink | null | undefined;
      try {
        headers = readRedirectHeaders(req.rawHeaders, countryHeader);
        ip = address.ip(req, headers);
        // Charged before the lookup, as the Fastify hook does: a refused client costs no lookup.
        retryAfterSeconds = limiter.take(ip, time);
        if (retryAfterSeconds > 0) {
          handOver(req, { retryAfterSeconds });
          fallback(req, res);
          return;
        }
        const served = directory.peek(address.host(req, headers.host, headers));
        if (served === undefined) {
          // A custom domain this process has not looked up lately: Fastify looks it up, then the link.
          handOver(req, { retryAfterSeconds });
          fallback(req, res);
          return;
        }
        domain = served.name;
        link = resolver.peek(domain, code);
        if (link !== null && link !== undefined && tryAnswer(req, res, link, url, ip, headers, time, started))
          return;
      } catch (error) {
        // A defect here must not take the process down: Fastify answers (and reports) instead.
        failed(req, error);
        fallback(req, res);
        return;
      }
      if (link !== undefined) {
        handOver(req, { retryAfterSeconds, lookup: { domain, code, link } });
        fallback(req, res);
        return;
      }
      // Not in the LRU: the full lookup (Redis, then Postgres), answered here when the decision allows.
      resolver.resolve(domain, code).then(
        (found) => {
          if (found !== null && !isClosing()) {
            try {
              if (tryAnswer(req, res, found, url, ip, headers, now(), started)) return;
            } catch (error) {
              failed(req, error);
            }
          }
          handOver(req, { retryAfterSeconds, lookup: { domain, code, link: found } });
          fallback(req, res);
        },
        (error: unknown) => {
          handOver(req, { retryAfterSeconds, lookup: { domain, code, error } });
          fallback(req, res);
        },
      );
    },
  };
}
