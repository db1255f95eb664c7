import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, type ErrorCode, problemOf } from '../errors.ts';
import { isDependencyUnavailable } from './dependency-errors.ts';

const PROBLEM_TYPE = 'application/problem+json';

interface ValidationIssue {
  instancePath?: string;
  message?: string;
  params?: Record<string, unknown>;
}

/** `body` + `/links/3/url` -> `links[3].url`; names the field the client has to fix. */
function fieldOf(context: string | undefined, issue: ValidationIssue): string {
  const segments = (issue.instancePath ?? '').split('/').filter((s) => s !== '');
  const extra = issue.params?.missingProperty ?? issue.params?.additionalProperty;
  if (typeof extra === 'string') segments.push(extra);
  const path = segments.map((s, i) => (/^\d+$/.test(s) ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
  if (path !== '') return path;
  return context === 'querystring' ? 'query' : (context ?? 'request');
}

function describeValidation(error: FastifyError): string {
  const issues = (error.validation ?? []) as ValidationIssue[];
  const first = issues[0];
  if (!first) return error.message;
  const field = fieldOf(error.validationContext, first);
  if (first.params?.additionalProperty !== undefined) return `${field}: is not an accepted field`;
  return `${field}: ${first.message ?? 'is invalid'}`;
}

/** Fastify's own 4xx errors (bad JSON, wrong media type, body too large) mapped into our vocabulary. */
function codeForStatus(status: number): ErrorCode {
  switch (status) {
    case 401:
      return 'unauthenticated';
    case 403:
      return 'forbidden';
    case 404:
      return 'not_found';
    case 409:
      return 'conflict';
    case 413:
      return 'payload_too_large';
    case 415:
      return 'unsupported_media_type';
    case 429:
      return 'rate_limited';
    default:
      return 'bad_request';
  }
}

function send(reply: FastifyReply, code: ErrorCode, detail: string, headers: Record<string, string> = {}) {
  const problem = problemOf(code, detail);
  return reply.code(problem.status).headers(headers).type(PROBLEM_TYPE).send(problem);
}

/**
 * The one place errors become responses: problem+json with a stable `type`. 5xx details stay in the log
 * (with the request's id, method and route) and never reach the client.
 */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | AppError, request: FastifyRequest, reply: FastifyReply) => {
    if (error instanceof AppError) {
      if (error.statusCode >= 500) {
        request.log.error({ err: error, route: request.routeOptions.url }, 'request failed');
      }
      return send(reply, error.code, error.message, error.headers);
    }
    if (error.validation) {
      return send(reply, 'validation_failed', describeValidation(error));
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      return send(reply, codeForStatus(status), error.message);
    }
    if (isDependencyUnavailable(error)) {
      request.log.error(
        { err: error, route: request.routeOptions.url, method: request.method },
        'dependency unavailable while serving request',
      );
      return send(reply, 'unavailable', 'a storage dependency is unavailable; retry shortly', {
        'retry-after': '5',
      });
    }
    request.log.error(
      { err: error, route: request.routeOptions.url, method: request.method },
      'unhandled error while serving request',
    );
    return send(reply, 'internal', `an unexpected error occurred (request id ${request.id})`);
  });
}

export function notFoundHandler(request: FastifyRequest, reply: FastifyReply) {
  return send(reply, 'not_found', `no route for ${request.method} ${request.url.split('?')[0]}`);
}
