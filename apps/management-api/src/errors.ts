/**
 * The management API's one error vocabulary. Every failure a client can observe maps to one of these
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

const STATUS: Record<ErrorCode, number> = {
  validation_failed: 400,
  bad_request: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
};

const TITLE: Record<ErrorCode, string> = {
  validation_failed: 'Validation failed',
  bad_request: 'Bad request',
  unauthenticated: 'Authentication required',
  forbidden: 'Forbidden',
  not_found: 'Not found',
  conflict: 'Conflict',
  payload_too_large: 'Payload too large',
  unsupported_media_type: 'Unsupported media type',
  rate_limited: 'Too many requests',
  internal: 'Internal server error',
  unavailable: 'Service unavailable',
};

const PROBLEM_BASE = 'https://boltlink.dev/problems/';

export function statusOf(code: ErrorCode): number {
  return STATUS[code];
}

export function problemTypeOf(code: ErrorCode): string {
  return `${PROBLEM_BASE}${code.replaceAll('_', '-')}`;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
}

export function problemOf(code: ErrorCode, detail: string): Problem {
  return { type: problemTypeOf(code), title: TITLE[code], status: STATUS[code], detail };
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly statusCode: number;
  /** Extra response headers that belong to this failure (WWW-Authenticate, Retry-After). */
  readonly headers: Record<string, string>;

  constructor(code: ErrorCode, detail: string, headers: Record<string, string> = {}) {
    super(detail);
    this.name = 'AppError';
    this.code = code;
    this.statusCode = STATUS[code];
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
