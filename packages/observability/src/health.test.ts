import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { createDependencyMonitor } from './dependencies.ts';
import { healthPlugin, parseMaxmemoryPolicy, type ReadinessCheck } from './health.ts';

const ok: ReadinessCheck = async () => {};
const failing: ReadinessCheck = async () => {
  throw new Error('connection refused');
};

/** A check whose answer the test switches. */
function switchable(initial: boolean) {
  let up = initial;
  const check: ReadinessCheck = async () => {
    if (!up) throw new Error('connection refused');
  };
  return { check, set: (value: boolean) => (up = value) };
}

async function appWith(checks: Record<string, ReadinessCheck>, required: string[] = []) {
  const monitor = createDependencyMonitor({ checks, intervalMs: 60_000, timeoutMs: 100 });
  const app = Fastify();
  await app.register(healthPlugin, { monitor, readyAfterFirstAnswerFrom: required });
  return { app, monitor };
}

describe('healthPlugin', () => {
  it('answers liveness without running checks', async () => {
    const { app } = await appWith({ db: failing });
    const res = await app.inject('/health');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
    await app.close();
  });

  it('with no required dependency, is ready while every dependency is down', async () => {
    const { app, monitor } = await appWith({ postgres: failing, cacheRedis: failing });
    await monitor.checkNow();
    const res = await app.inject('/ready');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ready' });
    await app.close();
  });

  it('waits for a first answer from the required dependencies, then stays ready through their outages', async () => {
    const postgres = switchable(false);
    const { app, monitor } = await appWith({ postgres: postgres.check, cacheRedis: failing }, ['postgres']);
    const starting = await app.inject('/ready');
    expect(starting.statusCode).toBe(503);
    expect(starting.json()).toEqual({
      status: 'starting',
      detail: 'waiting for a first answer from: postgres',
    });

    // A probe asks at once instead of waiting for the next background round.
    postgres.set(true);
    expect((await app.inject('/ready')).statusCode).toBe(200);

    postgres.set(false);
    await monitor.checkNow();
    expect(monitor.snapshot().postgres?.up).toBe(false);
    expect((await app.inject('/ready')).statusCode).toBe(200);
    await app.close();
  });

  it('refuses a required dependency that the monitor does not check', async () => {
    const monitor = createDependencyMonitor({ checks: { postgres: ok }, intervalMs: 60_000, timeoutMs: 100 });
    const app = Fastify();
    await expect(
      app.register(healthPlugin, { monitor, readyAfterFirstAnswerFrom: ['queueRedis'] }),
    ).rejects.toThrow('readiness needs "queueRedis" but no monitor checks it');
  });

  it('answers 503 shutting down after markShuttingDown, while liveness stays 200', async () => {
    const { app } = await appWith({ db: ok });
    expect((await app.inject('/ready')).statusCode).toBe(200);
    app.markShuttingDown();
    const res = await app.inject('/ready');
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ status: 'unavailable', detail: 'shutting down' });
    expect((await app.inject('/health')).statusCode).toBe(200);
    await app.close();
  });

  it('reports the last background check per dependency on /health/dependencies, without error text', async () => {
    const { app, monitor } = await appWith({ postgres: ok, queueRedis: failing });
    const before = await app.inject('/health/dependencies');
    expect(before.json()).toEqual({
      status: 'degraded',
      dependencies: {
        postgres: { up: false, checkedAt: null, durationMs: null },
        queueRedis: { up: false, checkedAt: null, durationMs: null },
      },
    });
    await monitor.checkNow();
    const res = await app.inject('/health/dependencies');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.status).toBe('degraded');
    expect(body.dependencies.postgres.up).toBe(true);
    expect(body.dependencies.queueRedis.up).toBe(false);
    expect(Date.parse(body.dependencies.queueRedis.checkedAt)).toBeGreaterThan(0);
    expect(res.body).not.toContain('refused');
    await app.close();
  });
});

describe('parseMaxmemoryPolicy', () => {
  it('reads the policy from INFO memory output', () => {
    const info =
      '# Memory\r\nused_memory:1000\r\nmaxmemory:0\r\nmaxmemory_policy:allkeys-lru\r\nlazyfree:0\r\n';
    expect(parseMaxmemoryPolicy(info)).toBe('allkeys-lru');
    expect(parseMaxmemoryPolicy('# Memory\r\nused_memory:1\r\n')).toBeUndefined();
  });
});
