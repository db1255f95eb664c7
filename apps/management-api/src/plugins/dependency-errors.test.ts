import { describe, expect, it } from 'vitest';
import { isDependencyUnavailable } from './dependency-errors.ts';

const withCode = (code: string) => Object.assign(new Error('x'), { code });

describe('isDependencyUnavailable', () => {
  it.each([
    ['a refused connection', withCode('ECONNREFUSED')],
    ['Postgres shutting down', withCode('57P01')],
    ['a Postgres connection failure', withCode('08006')],
    [
      'a fail-fast ioredis client while disconnected',
      new Error("Stream isn't writeable and enableOfflineQueue options is false"),
    ],
    ['an ioredis command timeout', new Error('Command timed out')],
    [
      'a pg pool timeout wrapped by drizzle',
      new Error('Failed query', { cause: new Error('timeout exceeded when trying to connect') }),
    ],
  ])('recognises %s', (_name, error) => {
    expect(isDependencyUnavailable(error)).toBe(true);
  });

  it.each([
    ['a missing table (a bug, not an outage)', withCode('42P01')],
    ['a unique violation', withCode('23505')],
    ['a TypeError', new TypeError('cannot read properties of undefined')],
    ['a non-error', 'boom'],
  ])('does not treat %s as an outage', (_name, error) => {
    expect(isDependencyUnavailable(error)).toBe(false);
  });
});
