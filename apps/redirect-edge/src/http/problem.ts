import type { Duplex } from 'node:stream';
import type { FastifyReply } from 'fastify';

/** The edge's closed set of error answers, each with its RFC 9457 problem type and status. */
export const problems = {
  'not-found': { status: 404, title: 'Not Found', detail: 'No link exists at this address.' },
  gone: { status: 410, title: 'Gone', detail: 'This link has expired or reached its click limit.' },
  'rate-limited': { status: 429, title: 'Too Many Requests', detail: 'Too many requests; retry later.' },
  unavailable: {
    status: 503,
    title: 'Service Unavailable',
    detail: 'The link cannot be looked up right now; retry shortly.',
  },
  'bad-request': { status: 400, title: 'Bad Request', detail: 'The request is invalid.' },
  'uri-too-long': { status: 414, title: 'URI Too Long', detail: 'The address is longer than any link.' },
  internal: { status: 500, title: 'Internal Server Error', detail: 'Something went wrong on our side.' },
} as const;

export type ProblemCode = keyof typeof problems;

export function sendProblem(reply: FastifyReply, code: ProblemCode, detail?: string): FastifyReply {
  const problem = problems[code];
  return reply
    .code(problem.status)
    .header('content-type', 'application/problem+json; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('x-robots-tag', 'noindex')
    .header('x-content-type-options', 'nosniff')
    .send(
      JSON.stringify({
        type: `https://boltlink.dev/problems/${code}`,
        title: problem.title,
        status: problem.status,
        detail: detail ?? problem.detail,
      }),
    );
}

const CLIENT_ERRORS: Record<string, { status: number; title: string; detail: string }> = {
  ERR_HTTP_REQUEST_TIMEOUT: {
    status: 408,
    title: 'Request Timeout',
    detail: 'The request headers did not arrive in time.',
  },
  HPE_HEADER_OVERFLOW: {
    status: 431,
    title: 'Request Header Fields Too Large',
    detail: 'The request headers are too large.',
  },
};

/**
 * Answers a request node:http could not parse (or whose headers came too slowly), in place of Fastify's
 * default JSON: a problem+json that echoes nothing of the request, with the headers of every edge answer,
 * then closes the connection as node does.
 */
export function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  if (socket.writable) {
    const known = error.code === undefined ? undefined : CLIENT_ERRORS[error.code];
    const { status, title, detail } = known ?? problems['bad-request'];
    const type = known === undefined ? 'https://boltlink.dev/problems/bad-request' : 'about:blank';
    const body = JSON.stringify({ type, title, status, detail });
    socket.write(
      `HTTP/1.1 ${status} ${title}\r\n` +
        'Content-Type: application/problem+json; charset=utf-8\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        'Cache-Control: no-store\r\n' +
        'X-Content-Type-Options: nosniff\r\n' +
        'Connection: close\r\n\r\n' +
        body,
    );
  }
  socket.destroy(error);
}
