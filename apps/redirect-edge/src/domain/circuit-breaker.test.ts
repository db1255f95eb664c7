import { describe, expect, it } from 'vitest';
import { type BreakerState, createCircuitBreaker } from './circuit-breaker.ts';

function breakerAt(start = 1000) {
  const clock = { now: start };
  const changes: BreakerState[] = [];
  const breaker = createCircuitBreaker({
    cooldownMs: 5000,
    now: () => clock.now,
    onChange: (state) => changes.push(state),
  });
  return { breaker, clock, changes };
}

describe('circuit breaker', () => {
  it('lets calls through while they succeed', () => {
    const { breaker, changes } = breakerAt();
    for (let i = 0; i < 3; i += 1) breaker.report(breaker.acquire(), true);
    expect(breaker.acquire()).toBe('pass');
    expect(changes).toEqual([]);
  });

  it('opens on a failure, skips calls for the cooldown, then lets exactly one probe through', () => {
    const { breaker, clock, changes } = breakerAt();
    breaker.report(breaker.acquire(), false);
    expect(breaker.state).toBe('open');
    clock.now += 4999;
    expect(breaker.acquire()).toBe('skip');
    clock.now += 1;
    expect(breaker.acquire()).toBe('probe');
    expect(breaker.acquire()).toBe('skip');
    expect(breaker.state).toBe('half-open');
    expect(changes).toEqual(['open', 'half-open']);
  });

  it('closes when the probe succeeds, and opens for another cooldown when it fails', () => {
    const { breaker, clock, changes } = breakerAt();
    breaker.report(breaker.acquire(), false);
    clock.now += 5000;
    breaker.report(breaker.acquire(), false);
    expect(breaker.state).toBe('open');
    clock.now += 4000;
    expect(breaker.acquire()).toBe('skip');
    clock.now += 1000;
    const probe = breaker.acquire();
    expect(probe).toBe('probe');
    breaker.report(probe, true);
    expect(breaker.state).toBe('closed');
    expect(breaker.acquire()).toBe('pass');
    expect(changes).toEqual(['open', 'half-open', 'open', 'half-open', 'closed']);
  });

  it('ignores late outcomes of calls made before it opened', () => {
    const { breaker, clock } = breakerAt();
    const early = breaker.acquire();
    const late = breaker.acquire();
    breaker.report(early, false);
    // A frozen server answering the second call at last does not close the breaker...
    breaker.report(late, true);
    expect(breaker.state).toBe('open');
    // ...and a late failure does not push the probe back.
    clock.now += 3000;
    breaker.report(late, false);
    clock.now += 2000;
    expect(breaker.acquire()).toBe('probe');
  });
});
