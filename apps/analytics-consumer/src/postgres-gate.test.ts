import { describe, expect, it } from 'vitest';
import { isPostgresUnavailable } from './postgres-gate.ts';

const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('isPostgresUnavailable', () => {
  it.each([
    ['connection refused', withCode('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432')],
    ['connection reset', withCode('ECONNRESET', 'read ECONNRESET')],
    ['connect timeout', withCode('ETIMEDOUT')],
    ['fast shutdown of the server', withCode('57P01', 'terminating connection due to administrator command')],
    ['server crash', withCode('57P02')],
    ['server starting up', withCode('57P03', 'the database system is starting up')],
    ['connection exception class 08', withCode('08006')],
    ['socket closed mid-query', new Error('Connection terminated unexpectedly')],
    ['pool connect timeout', new Error('timeout exceeded when trying to connect')],
    ['connect timeout of a client', new Error('Connection terminated due to connection timeout')],
    [
      'every address refused',
      Object.assign(new AggregateError([withCode('ECONNREFUSED'), withCode('ECONNREFUSED')]), {
        code: 'ECONNREFUSED',
      }),
    ],
    ['wrapped', new Error('ingest failed', { cause: withCode('ECONNREFUSED') })],
  ])('true for %s', (_label, error) => {
    expect(isPostgresUnavailable(error)).toBe(true);
  });

  it.each([
    ['a data error', withCode('22P02', 'invalid input syntax for type uuid')],
    ['a unique violation', withCode('23505')],
    ['a deadlock', withCode('40P01')],
    ['a statement timeout', withCode('57014', 'canceling statement due to statement timeout')],
    ['a missing table', withCode('42P01')],
    ['an unknown error', new Error('boom')],
    ['a bare string', 'ECONNREFUSED'],
    ['nothing', undefined],
  ])('false for %s', (_label, error) => {
    expect(isPostgresUnavailable(error)).toBe(false);
  });
});
