import { describe, expect, it } from 'vitest';
import { retryDelayMs } from './checks.ts';

describe('background check schedule', () => {
  it('doubles the delay after each failed check, up to the cap', () => {
    const schedule = { intervalMs: 60_000, maxIntervalMs: 600_000, maxAttempts: 10 };
    expect([1, 2, 3, 4, 5, 6].map((attempts) => retryDelayMs(attempts, schedule))).toEqual([
      60_000, 120_000, 240_000, 480_000, 600_000, 600_000,
    ]);
    expect(retryDelayMs(1000, schedule)).toBe(600_000);
  });
});
