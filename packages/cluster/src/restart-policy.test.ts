import { describe, expect, it } from 'vitest';
import { createRestartPolicy } from './restart-policy.ts';

const options = { minUptimeMs: 5_000, baseDelayMs: 100, maxDelayMs: 1_000, maxRapidFailures: 5 };

describe('restart policy', () => {
  it('replaces a worker that ran long enough at once, every time', () => {
    const policy = createRestartPolicy(options);
    for (let i = 0; i < 20; i += 1) {
      expect(policy.onWorkerDeath(60_000)).toEqual({ action: 'restart', delayMs: 0 });
    }
  });

  it('backs off exponentially, capped, when workers keep dying at start', () => {
    const policy = createRestartPolicy(options);
    const delays = [1, 2, 3, 4, 5].map(() => {
      const decision = policy.onWorkerDeath(200);
      return decision.action === 'restart' ? decision.delayMs : -1;
    });
    expect(delays).toEqual([0, 100, 200, 400, 800]);
  });

  it('caps the delay at maxDelayMs', () => {
    const policy = createRestartPolicy({ ...options, maxRapidFailures: 50 });
    let last = 0;
    for (let i = 0; i < 12; i += 1) {
      const decision = policy.onWorkerDeath(10);
      if (decision.action === 'restart') last = decision.delayMs;
    }
    expect(last).toBe(1_000);
  });

  it('gives up after maxRapidFailures quick deaths in a row', () => {
    const policy = createRestartPolicy(options);
    for (let i = 0; i < 5; i += 1) expect(policy.onWorkerDeath(10).action).toBe('restart');
    expect(policy.onWorkerDeath(10)).toEqual({ action: 'give-up', rapidFailures: 6 });
  });

  it('forgets the crash loop once a worker is stable', () => {
    const policy = createRestartPolicy(options);
    policy.onWorkerDeath(10);
    policy.onWorkerDeath(10);
    policy.onWorkerStable();
    expect(policy.rapidFailures).toBe(0);
    expect(policy.onWorkerDeath(10)).toEqual({ action: 'restart', delayMs: 0 });
  });
});
