import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { createDependencyMonitor } from './dependencies.ts';
import type { ReadinessCheck } from './health.ts';
import { createMetricsRegistry } from './metrics.ts';

const ok: ReadinessCheck = async () => {};
const hanging: ReadinessCheck = () => new Promise(() => {});

function gaugeLines(text: string): string[] {
  return text.split('\n').filter((line) => line.startsWith('boltlink_dependency_'));
}

describe('createDependencyMonitor', () => {
  it('flips boltlink_dependency_up per dependency and stamps the check time', async () => {
    const metrics = createMetricsRegistry('redirect-edge', { defaultMetrics: false });
    let cacheUp = true;
    const monitor = createDependencyMonitor({
      checks: {
        postgres: ok,
        cacheRedis: async () => {
          if (!cacheUp) throw new Error('ECONNREFUSED');
        },
      },
      intervalMs: 60_000,
      timeoutMs: 100,
      metrics,
      now: () => 1_700_000_000_000,
    });
    // Before any check: down, and no check time.
    expect(gaugeLines(await metrics.registry.metrics())).toEqual([
      'boltlink_dependency_up{dependency="postgres",service="redirect-edge"} 0',
      'boltlink_dependency_up{dependency="cacheRedis",service="redirect-edge"} 0',
    ]);

    await monitor.checkNow();
    expect(gaugeLines(await metrics.registry.metrics())).toEqual([
      'boltlink_dependency_up{dependency="postgres",service="redirect-edge"} 1',
      'boltlink_dependency_up{dependency="cacheRedis",service="redirect-edge"} 1',
      'boltlink_dependency_checked_at_seconds{dependency="postgres",service="redirect-edge"} 1700000000',
      'boltlink_dependency_checked_at_seconds{dependency="cacheRedis",service="redirect-edge"} 1700000000',
    ]);

    cacheUp = false;
    await monitor.checkNow();
    const text = await metrics.registry.metrics();
    expect(text).toContain('boltlink_dependency_up{dependency="cacheRedis",service="redirect-edge"} 0');
    expect(text).toContain('boltlink_dependency_up{dependency="postgres",service="redirect-edge"} 1');
    expect(monitor.snapshot().cacheRedis).toMatchObject({ up: false, answeredOnce: true });
  });

  it('counts a hung check as down after the timeout, checking dependencies in parallel', async () => {
    // On fake timers, so a loaded machine cannot fire a 150 ms answer after a 300 ms timeout.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    onTestFinished(() => {
      vi.useRealTimers();
    });
    const slow: ReadinessCheck = () => new Promise((resolve) => setTimeout(resolve, 150));
    const monitor = createDependencyMonitor({
      checks: { a: slow, b: slow, c: slow, hung: hanging },
      intervalMs: 60_000,
      timeoutMs: 300,
    });
    let finished = false;
    const round = monitor.checkNow().then(() => {
      finished = true;
    });
    // One timeout's worth of time finishes the round: the three 150 ms checks ran side by side, not one after another.
    await vi.advanceTimersByTimeAsync(299);
    expect(finished).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(finished).toBe(true);
    await round;
    const states = monitor.snapshot();
    expect([states.a?.up, states.b?.up, states.c?.up, states.hung?.up]).toEqual([true, true, true, false]);
    expect(states.hung?.answeredOnce).toBe(false);
  });

  it('shares one round between concurrent callers', async () => {
    let runs = 0;
    const monitor = createDependencyMonitor({
      checks: {
        db: async () => {
          runs += 1;
          await new Promise((resolve) => setTimeout(resolve, 50));
        },
      },
      intervalMs: 60_000,
      timeoutMs: 1000,
    });
    await Promise.all([monitor.checkNow(), monitor.checkNow(), monitor.checkNow()]);
    expect(runs).toBe(1);
    await monitor.checkNow();
    expect(runs).toBe(2);
  });

  it('checks again every interval once started, and not after stop', async () => {
    let runs = 0;
    const monitor = createDependencyMonitor({
      checks: {
        db: async () => {
          runs += 1;
        },
      },
      intervalMs: 20,
      timeoutMs: 100,
    });
    monitor.start();
    await expect.poll(() => runs, { timeout: 2000 }).toBeGreaterThanOrEqual(3);
    monitor.stop();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const stoppedAt = runs;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(runs).toBe(stoppedAt);
  });

  it('logs one line when a dependency goes down and one when it answers again', async () => {
    const lines: Array<[string, object, string | undefined]> = [];
    let up = true;
    const monitor = createDependencyMonitor({
      checks: {
        postgres: async () => {
          if (!up) throw new Error('ECONNREFUSED 127.0.0.1:5432');
        },
      },
      intervalMs: 60_000,
      timeoutMs: 100,
      logger: {
        info: (obj, msg) => lines.push(['info', obj, msg]),
        warn: (obj, msg) => lines.push(['warn', obj, msg]),
      },
    });
    await monitor.checkNow();
    up = false;
    await monitor.checkNow();
    await monitor.checkNow();
    up = true;
    await monitor.checkNow();
    expect(lines).toEqual([
      ['warn', { dependency: 'postgres', error: 'ECONNREFUSED 127.0.0.1:5432' }, 'dependency is down'],
      ['info', { dependency: 'postgres' }, 'dependency answers again'],
    ]);
  });
});
