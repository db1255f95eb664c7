import { describe, expect, it } from 'vitest';
import { createRedirectRateLimiter } from './redirect-rate-limit.ts';

describe('redirect rate limiter', () => {
  it('lets each client through max times a window, then says how long until the window ends', () => {
    const start = 1_000_000;
    const limiter = createRedirectRateLimiter({ max: 3, windowMs: 60_000, now: () => start });
    expect([1, 2, 3].map(() => limiter.take('198.51.100.1', start + 1000))).toEqual([0, 0, 0]);
    expect(limiter.take('198.51.100.1', start + 1000)).toBe(59);
    expect(limiter.take('198.51.100.1', start + 59_500)).toBe(1);
    // Another client has a count of its own.
    expect(limiter.take('198.51.100.2', start + 2000)).toBe(0);
    // A new window starts everyone over.
    expect(limiter.take('198.51.100.1', start + 60_000)).toBe(0);
  });

  it('stops tracking new clients once a window holds maxClients, and lets them through', () => {
    const limiter = createRedirectRateLimiter({ max: 1, windowMs: 60_000, maxClients: 2, now: () => 0 });
    expect(limiter.take('a', 1)).toBe(0);
    expect(limiter.take('b', 1)).toBe(0);
    expect(limiter.take('c', 1)).toBe(0);
    expect(limiter.take('c', 1)).toBe(0);
    expect(limiter.take('a', 1)).toBeGreaterThan(0);
  });
});
