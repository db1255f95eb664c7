import { Writable } from 'node:stream';
import rateLimit from '@fastify/rate-limit';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { createDependencyMonitor } from './dependencies.ts';
import { healthPlugin } from './health.ts';
import { createLoggerOptions } from './logger.ts';
import { createMetricsRegistry, metricsPlugin } from './metrics.ts';

const PROBES = ['/health', '/ready', '/health/dependencies', '/metrics'];

async function service() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      for (const line of String(chunk).split('\n')) if (line) lines.push(JSON.parse(line));
      callback();
    },
  });
  const app = Fastify({
    logger: { ...createLoggerOptions({ service: 'edge', level: 'info', pretty: false }), stream },
  });
  await app.register(rateLimit, { global: true, max: 2, timeWindow: 60_000 });
  await app.register(metricsPlugin, {
    registry: createMetricsRegistry('edge', { defaultMetrics: false }).registry,
    exposeRoute: true,
  });
  const monitor = createDependencyMonitor({
    checks: { noop: async () => {} },
    intervalMs: 60_000,
    timeoutMs: 100,
  });
  await app.register(healthPlugin, { monitor, readyAfterFirstAnswerFrom: ['noop'] });
  app.get('/:code', async () => 'redirect');
  return { app, lines };
}

describe('probe routes', () => {
  it('are never rate limited, while ordinary routes are', async () => {
    const { app } = await service();
    for (const url of PROBES) {
      const statuses = [];
      for (let i = 0; i < 5; i++) statuses.push((await app.inject(url)).statusCode);
      expect(statuses, url).toEqual([200, 200, 200, 200, 200]);
    }
    const redirects = [];
    for (let i = 0; i < 3; i++) redirects.push((await app.inject('/abc')).statusCode);
    expect(redirects).toEqual([200, 200, 429]);
    await app.close();
  });

  it('write no request lines at info level, while ordinary routes do', async () => {
    const { app, lines } = await service();
    for (const url of PROBES) await app.inject(url);
    await app.inject('/abc');
    await app.close();
    const logged = lines
      .filter((line) => line.msg === 'incoming request')
      .map((line) => (line.req as { url: string }).url);
    expect(logged).toEqual(['/abc']);
  });
});
