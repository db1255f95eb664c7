import { type Static, type TSchema, type TUnsafe, Type } from 'typebox';
import type { ErrorCode } from '../errors.ts';
import { statusOf } from '../errors.ts';

export const ProblemSchema = Type.Object(
  {
    type: Type.String({ description: 'Stable URI naming the kind of problem; switch on this' }),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String({ description: 'What went wrong with this request, for humans' }),
  },
  { $id: 'Problem', title: 'Problem (RFC 9457)' },
);

/**
 * A `$ref` to a shared schema (one `app.addSchema` registers, by its `$id`), typed as that schema, so a
 * route's reply stays type-checked. TypeBox 1's `Type.Ref` takes the id alone and types it as unknown.
 */
export function refTo<T extends TSchema>(schema: T): TUnsafe<Static<T>> {
  const id: unknown = (schema as { $id?: unknown }).$id;
  if (typeof id !== 'string') throw new Error('refTo needs a schema with an $id');
  return Type.Unsafe<Static<T>>(Type.Ref(id));
}

export const Uuid = Type.String({ format: 'uuid' });
export const IdParams = Type.Object({ id: Uuid }, { additionalProperties: false });
export const NoContent = Type.Null({ description: 'No content' });

const DESCRIPTIONS: Partial<Record<ErrorCode, string>> = {
  validation_failed: 'Invalid input; `detail` names the field',
  unauthenticated: 'Missing, invalid, expired or revoked credentials',
  forbidden: 'The API key lacks the scope this operation needs',
  not_found: 'No such resource in this account',
  conflict: 'Conflicts with an existing resource',
  payload_too_large: 'Request body too large',
  rate_limited: 'Rate limit exceeded; see Retry-After',
};

/**
 * Problem responses in OpenAPI, keyed by status. Every route lists the errors it can answer with, in
 * `application/problem+json`.
 */
export function problems(...codes: ErrorCode[]): Record<number, TSchema> {
  const out: Record<number, TSchema> = {};
  for (const code of codes) {
    out[statusOf(code)] = {
      description: DESCRIPTIONS[code] ?? code,
      content: { 'application/problem+json': { schema: refTo(ProblemSchema) } },
    } as unknown as TSchema;
  }
  return out;
}

/** Errors every authenticated route may answer with. */
export const AUTHED = ['validation_failed', 'unauthenticated', 'forbidden', 'rate_limited'] as const;

export const DEFAULT_PAGE_SIZE = 50;

// Optional with a default: Fastify's ajv fills the default in, and the OpenAPI document does not claim it is required.
export const Pagination = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: DEFAULT_PAGE_SIZE })),
  cursor: Type.Optional(
    Type.String({ minLength: 1, maxLength: 512, description: 'nextCursor of the previous page' }),
  ),
};
