import { randomBytes } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { PROBLEM_CONTENT_TYPE, type ProblemCode, problemOf } from '@boltlink/observability/problems';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { EDGE_PAGE_HEADERS } from '../domain/edge-page.ts';
import { type GoneReason, type ProblemPage, renderProblemPage } from '../domain/problem-page.ts';
import { prefersHtml } from './prefers-html.ts';

/**
 * The edge's error answers, in the one vocabulary of BoltLink's HTTP services (@boltlink/observability/problems),
 * with the detail the edge gives by default for each.
 */
const DETAILS = {
  not_found: 'No link exists at this address.',
  gone: 'This link has expired or reached its click limit.',
  rate_limited: 'Too many requests; retry later.',
  unavailable: 'The link cannot be looked up right now; retry shortly.',
  bad_request: 'The request is invalid.',
  uri_too_long: 'The address is longer than any link.',
  payload_too_large: 'The request body is too large.',
  unsupported_media_type: 'The request body has an unsupported media type.',
  internal: 'Something went wrong on our side.',
  request_timeout: 'The request headers did not arrive in time.',
  header_fields_too_large: 'The request headers are too large.',
} as const satisfies Partial<Record<ProblemCode, string>>;

export type EdgeProblem = keyof typeof DETAILS;

/** The answers a person may meet at a short link, which a browser gets as a page (the rest stay JSON). */
type PageProblem = Extract<EdgeProblem, 'not_found' | 'gone' | 'rate_limited' | 'unavailable'>;
const PAGE_PROBLEMS: ReadonlySet<EdgeProblem> = new Set<PageProblem>([
  'not_found',
  'gone',
  'rate_limited',
  'unavailable',
]);

export interface ProblemOptions {
  /** In place of the default detail of the JSON answer (pages keep their own words). */
  detail?: string;
  /** `gone`: why the link no longer redirects, for the page. */
  gone?: GoneReason;
  /** `rate_limited`: sent as Retry-After, and told on the page. */
  retryAfterSeconds?: number;
  /** `unavailable`: the short reference of the log line about it, shown on the page. */
  reference?: string;
}

/** A short reference for an error's log line that a person can quote from the page they saw. */
export function newReference(): string {
  return randomBytes(4).toString('hex');
}

/**
 * The one writer of the edge's error answers, whichever path met the request: problem+json, or for a browser
 * (prefersHtml) and a problem a person may meet at a link, the same answer as a page. Both carry
 * `Vary: Accept` so a cache never hands one to the other.
 */
export function sendProblem(
  reply: FastifyReply,
  code: EdgeProblem,
  options: ProblemOptions = {},
): FastifyReply {
  const problem = problemOf(code, options.detail ?? DETAILS[code]);
  reply.code(problem.status).header('cache-control', 'no-store');
  if (options.retryAfterSeconds !== undefined) reply.header('retry-after', String(options.retryAfterSeconds));
  if (PAGE_PROBLEMS.has(code)) {
    reply.header('vary', 'Accept');
    if (prefersHtml(reply.request.headers.accept)) {
      const page = pageOf(code as PageProblem, reply.request, options);
      return reply.headers(EDGE_PAGE_HEADERS).send(renderProblemPage(page));
    }
  }
  return reply
    .header('content-type', PROBLEM_CONTENT_TYPE)
    .header('x-robots-tag', 'noindex')
    .header('x-content-type-options', 'nosniff')
    .send(JSON.stringify(problem));
}

function pageOf(code: PageProblem, request: FastifyRequest, options: ProblemOptions): ProblemPage {
  switch (code) {
    case 'not_found':
      return { kind: 'not-found', address: addressOf(request) };
    case 'gone':
      return { kind: 'gone', reason: options.gone, address: addressOf(request) };
    case 'rate_limited':
      return { kind: 'rate-limited', retryAfterSeconds: options.retryAfterSeconds };
    case 'unavailable':
      return { kind: 'unavailable', reference: options.reference };
  }
}

/** The address as the visitor wrote it, without its query string (which may hold what is not ours to repeat). */
function addressOf(request: FastifyRequest): string {
  const query = request.url.indexOf('?');
  return request.hostname + (query === -1 ? request.url : request.url.slice(0, query));
}

const CLIENT_ERRORS: Record<string, EdgeProblem> = {
  ERR_HTTP_REQUEST_TIMEOUT: 'request_timeout',
  HPE_HEADER_OVERFLOW: 'header_fields_too_large',
};

/**
 * Answers a request node:http could not parse (or whose headers came too slowly), in place of Fastify's
 * default JSON: a problem+json that echoes nothing of the request, with the headers of every edge answer,
 * then closes the connection as node does.
 */
export function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  if (socket.writable) {
    const code = (error.code === undefined ? undefined : CLIENT_ERRORS[error.code]) ?? 'bad_request';
    const problem = problemOf(code, DETAILS[code]);
    const body = JSON.stringify(problem);
    socket.write(
      `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status] ?? ''}\r\n` +
        `Content-Type: ${PROBLEM_CONTENT_TYPE}\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        'Cache-Control: no-store\r\n' +
        'X-Content-Type-Options: nosniff\r\n' +
        'Connection: close\r\n\r\n' +
        body,
    );
  }
  socket.destroy(error);
}
