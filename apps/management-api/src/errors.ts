import { PROBLEMS, type Problem, problemOf, problemTypeOf } from '@boltlink/observability/problems';

/**
 * The management API's codes of the one error vocabulary of BoltLink's HTTP services
 * (@boltlink/observability/problems, shared with the redirect edge). Every failure a client can observe maps to one of these
 * codes, and the code alone decides the HTTP status and the problem `type`, so clients can switch on
 * `type` without parsing prose.
 */
export type ErrorCode =
  | 'validation_failed'
  | 'bad_request'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'rate_limited'
  | 'internal'
  | 'unavailable';

export type { Problem };

export function statusOf(code: ErrorCode): number {
  return PROBLEMS[code].status;
}

export { problemOf, problemTypeOf };

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly statusCode: number;
  /** Extra response headers that belong to this failure (WWW-Authenticate, Retry-After). */
  readonly headers: Record<string, string>;

  constructor(code: ErrorCode, detail: string, headers: Record<string, string> = {}) {
    super(detail);
    this.name = 'AppError';
    this.code = code;
    this.statusCode = PROBLEMS[code].status;
    this.headers = headers;
  }

  toProblem(): Problem {
    return problemOf(this.code, this.message);
  }
}

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError;
}

export const notFound = (what: string): AppError => new AppError('not_found', `${what} not found`);
