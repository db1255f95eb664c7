import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { evaluateReadiness, healthPlugin, parseMaxmemoryPolicy, type ReadinessCheck } from './health.ts';

const ok: ReadinessCheck = async () => {};
const failing: ReadinessCheck = async () => {
  throw new Error('connection refused');
};
const hanging: ReadinessCheck = () => new Promise(() => {});

async function appWith(checks: Record<string, ReadinessCheck>, timeoutMs?: number) {
  const app = Fastify();
  await app.register(healthPlugin, { checks, timeoutMs });
  return app;
}

describe('healthPlugin', () => {
  it('answers liveness without running checks', async () => {
    const app = await appWith({ db: failing });
    const res = await app.inject('/health');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
    await app.close();
  });

  it('is ready when every check passes', async () => {
    const app = await appWith({ postgres: ok, redis: ok });
    const res = await app.inject('/ready');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      status: 'ready',
      checks: { postgres: { ok: true }, redis: { ok: true } },
    });
    await app.close();
  });

  it('reports each failing check by name with its error, and a hung one as a timeout', async () => {
    const app = await appWith({ postgres: ok, redis: failing, queue: hanging }, 100);
    const started = Date.now();
    const res = await app.inject('/ready');
    expect(Date.now() - started).toBeLessThan(1000);
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({
      status: 'unavailable',
      detail: 'failing checks: redis, queue',
      checks: {
        postgres: { ok: true },
        redis: { ok: false, error: 'connection refused' },
        queue: { ok: false, error: 'timed out after 100 ms' },
      },
    });
    await app.close();
  });

  it('runs checks in parallel, not one after another', async () => {
    const slow: ReadinessCheck = () => new Promise((resolve) => setTimeout(resolve, 150));
    const started = Date.now();
    const report = await evaluateReadiness({ a: slow, b: slow, c: slow }, 1000);
    expect(report.status).toBe('ready');
    expect(Date.now() - started).toBeLessThan(400);
  });

  it('shares one round of checks between concurrent probes', async () => {
    let runs = 0;
    const counted: ReadinessCheck = async () => {
      runs += 1;
      await new Promise((resolve) => setTimeout(resolve, 50));
    };
    const app = await appWith({ db: counted });
    const answers = await Promise.all([app.inject('/ready'), app.inject('/ready'), app.inject('/ready')]);
    expect(answers.map((r) => r.statusCode)).toEqual([200, 200, 200]);
    expect(runs).toBe(1);
    await app.inject('/ready');
    expect(runs).toBe(2);
    await app.close();
  });

  it('answers 503 shutting down after markShuttingDown, while liveness stays 200', async () => {
    const app = await appWith({ db: ok });
    expect((await app.inject('/ready')).statusCode).toBe(200);
    app.markShuttingDown();
    const res = await app.inject('/ready');
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ status: 'unavailable', detail: 'shutting down' });
    expect((await app.inject('/health')).statusCode).toBe(200);
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
