import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { workerCountFromEnv } from './worker-count.ts';

describe('workerCountFromEnv', () => {
  it('defaults to the available cores', () => {
    expect(workerCountFromEnv({})).toBe(availableParallelism());
    expect(workerCountFromEnv({ WEB_CONCURRENCY: ' ' })).toBe(availableParallelism());
  });

  it('reads WEB_CONCURRENCY', () => {
    expect(workerCountFromEnv({ WEB_CONCURRENCY: '1' })).toBe(1);
    expect(workerCountFromEnv({ WEB_CONCURRENCY: '4' })).toBe(4);
  });

  it.each(['0', '-1', '2.5', 'two', '1e3', '999'])('rejects %s', (value) => {
    expect(() => workerCountFromEnv({ WEB_CONCURRENCY: value })).toThrow(/WEB_CONCURRENCY/);
  });
});
