import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors.ts';

/**
 * Two kinds of value pass JSON Schema validation and then break what comes after it:
 * - a NUL byte in a string: Postgres text cannot hold one, so the insert or query fails with a 500;
 * - a non-finite number: ajv's type coercion turns the query string `1e309` into Infinity and then skips
 *   `minimum`/`maximum` for it (ajv 8 only range-checks finite numbers), so `limit=1e309` reached SQL.
 * One walk over the validated input rejects both, naming the field as the validation errors do.
 */
export function unsafeValueProblem(value: unknown, field: string): string | undefined {
  if (typeof value === 'string') {
    return value.includes('\u0000') ? `${field}: must not contain NUL bytes` : undefined;
  }
  if (typeof value === 'number') {
    return Number.isFinite(value) ? undefined : `${field}: must be a finite number`;
  }
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const problem = unsafeValueProblem(item, `${field}[${index}]`);
      if (problem) return problem;
    }
    return undefined;
  }
  if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      const problem = unsafeValueProblem(item, field === '' ? key : `${field}.${key}`);
      if (problem) return problem;
    }
  }
  return undefined;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The route checks the items of its body one by one (bulk create), so one bad item fails alone
     * instead of the whole request.
     */
    checksBodyItems?: boolean;
  }
}

/**
 * Runs after schema validation (so the shape is bounded by the schema and coercion has happened) and
 * before every route's own preHandlers (rate limits, budgets), so a rejected request costs nothing.
 */
export function registerInputHygiene(app: FastifyInstance): void {
  app.addHook('preHandler', async (request) => {
    const problem =
      unsafeValueProblem(request.params, '') ??
      unsafeValueProblem(request.query, '') ??
      (request.routeOptions.config.checksBodyItems ? undefined : unsafeValueProblem(request.body, ''));
    if (problem) throw new AppError('validation_failed', problem);
  });
}
