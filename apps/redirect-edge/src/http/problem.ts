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
    .send(
      JSON.stringify({
        type: `https://boltlink.dev/problems/${code}`,
        title: problem.title,
        status: problem.status,
        detail: detail ?? problem.detail,
      }),
    );
}
