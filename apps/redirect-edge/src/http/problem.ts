import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { PROBLEM_CONTENT_TYPE, type ProblemCode, problemOf } from '@boltlink/observability/problems';
import type { FastifyReply } from 'fastify';

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

export function sendProblem(reply: FastifyReply, code: EdgeProblem, detail?: string): FastifyReply {
  const problem = problemOf(code, detail ?? DETAILS[code]);
  return reply
    .code(problem.status)
    .header('content-type', PROBLEM_CONTENT_TYPE)
    .header('cache-control', 'no-store')
    .header('x-robots-tag', 'noindex')
    .header('x-content-type-options', 'nosniff')
    .send(JSON.stringify(problem));
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
