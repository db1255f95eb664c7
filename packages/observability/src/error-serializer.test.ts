import { describe, expect, it } from 'vitest';
import { serializeError } from './error-serializer.ts';

/** Shaped as drizzle-orm's DrizzleQueryError: the bound values in `params` and in the message. */
class QueryError extends Error {
  constructor(
    readonly query: string,
    readonly params: unknown[],
    cause: Error,
  ) {
    super(`Failed query: ${query}\nparams: ${params}`, { cause });
  }
}

const HASH = '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo';

describe('serializeError', () => {
  it('drops the bound values of a failed query and keeps the statement and the cause', () => {
    const error = new QueryError(
      'insert into "users" ("email", "password_hash") values ($1, $2)',
      ['someone@example.com', HASH],
      new Error('duplicate key value violates unique constraint "users_email_key"'),
    );
    const out = serializeError(error) as Record<string, unknown>;
    const text = JSON.stringify(out);
    expect(text).not.toContain('someone@example.com');
    expect(text).not.toContain('$argon2id$');
    expect(text).not.toContain('params');
    expect(out.message).toBe(
      'Failed query: insert into "users" ("email", "password_hash") values ($1, $2): duplicate key value violates unique constraint "users_email_key"',
    );
    expect(out.query).toBe('insert into "users" ("email", "password_hash") values ($1, $2)');
    expect(String(out.stack)).toContain('error-serializer.test.ts');
  });

  it('masks emails and argon2 hashes that a driver message quotes, but not package paths', () => {
    const error = new Error(`Key (email)=(a.b+c@mail.example.org) already exists; stored ${HASH}`);
    error.stack = `${error.message}\n    at file:///app/node_modules/.pnpm/drizzle-orm@0.45.4_pg@8.23.1/node_modules/x.js:1:1`;
    const out = serializeError(error) as Record<string, unknown>;
    expect(out.message).toBe('Key (email)=([redacted]) already exists; stored [redacted]');
    expect(String(out.stack)).toContain('drizzle-orm@0.45.4_pg@8.23.1/node_modules');
  });

  it('passes values that are not errors through', () => {
    expect(serializeError('plain')).toBe('plain');
  });
});
