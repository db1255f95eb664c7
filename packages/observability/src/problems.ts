/**
 * The one vocabulary of error answers of BoltLink's HTTP services (RFC 9457 problem+json): a closed set of
 * codes, each with its status, title and type URI. The management API and the redirect edge answer from it,
 * so a client switches on `type` the same way whichever service answered.
 */
export const PROBLEMS = {
  validation_failed: { status: 400, title: 'Validation failed' },
  bad_request: { status: 400, title: 'Bad request' },
  unauthenticated: { status: 401, title: 'Authentication required' },
  forbidden: { status: 403, title: 'Forbidden' },
  not_found: { status: 404, title: 'Not found' },
  request_timeout: { status: 408, title: 'Request timeout' },
  conflict: { status: 409, title: 'Conflict' },
  gone: { status: 410, title: 'Gone' },
  payload_too_large: { status: 413, title: 'Payload too large' },
  uri_too_long: { status: 414, title: 'URI too long' },
  unsupported_media_type: { status: 415, title: 'Unsupported media type' },
  rate_limited: { status: 429, title: 'Too many requests' },
  header_fields_too_large: { status: 431, title: 'Request header fields too large' },
  internal: { status: 500, title: 'Internal server error' },
  unavailable: { status: 503, title: 'Service unavailable' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ProblemCode = keyof typeof PROBLEMS;

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
}

const PROBLEM_BASE = 'https://boltlink.dev/problems/';

export function statusOf(code: ProblemCode): number {
  return PROBLEMS[code].status;
}

/** `not_found` -> `https://boltlink.dev/problems/not-found`. */
export function problemTypeOf(code: ProblemCode): string {
  return `${PROBLEM_BASE}${code.replaceAll('_', '-')}`;
}

export function problemOf(code: ProblemCode, detail: string): Problem {
  const { status, title } = PROBLEMS[code];
  return { type: problemTypeOf(code), title, status, detail };
}
