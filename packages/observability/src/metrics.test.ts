import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { createMetricsRegistry, HTTP_DURATION_METRIC, metricsPlugin, UNMATCHED_ROUTE } from './metrics.ts';

async function appWithMetrics() {
  const metrics = createMetricsRegistry('redirect-edge');
  const app = Fastify();
  await app.register(metricsPlugin, { registry: metrics.registry, exposeRoute: true });
  app.get('/:code', async (request) => (request.params as { code: string }).code);
  app.post('/api/v1/links', async (_request, reply) => reply.code(201).send({}));
  return { app, metrics };
}

function countSeries(body: string): string[] {
  return body.split('\n').filter((line) => line.startsWith(`${HTTP_DURATION_METRIC}_count`));
}

describe('metricsPlugin', () => {
  it('serves Prometheus text with process metrics and the service label', async () => {
    const { app } = await appWithMetrics();
    const res = await app.inject('/metrics');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(res.body).toMatch(/^process_cpu_user_seconds_total\{service="redirect-edge"\} /m);
    expect(res.body).toMatch(/^nodejs_eventloop_lag_seconds\{service="redirect-edge"\} /m);
    await app.close();
  });

  it('answers 404 for /metrics unless asked to expose it, and still records the routes', async () => {
    const metrics = createMetricsRegistry('management-api');
    const app = Fastify();
    await app.register(metricsPlugin, { registry: metrics.registry });
    app.get('/api/v1/me', async () => ({}));
    expect((await app.inject('/metrics')).statusCode).toBe(404);
    await app.inject('/api/v1/me');
    expect(await metrics.registry.metrics()).toContain(
      `${HTTP_DURATION_METRIC}_count{service="management-api",method="GET",route="/api/v1/me",status_code="200"} 1`,
    );
    await app.close();
  });

  it('labels durations by route pattern, so distinct codes share one series', async () => {
    const { app } = await appWithMetrics();
    for (const code of ['a1', 'b2', 'c3', 'd4?utm_source=x']) await app.inject(`/${code}`);
    await app.inject({ method: 'POST', url: '/api/v1/links' });
    await app.inject('/no/such/route');
    const body = (await app.inject('/metrics')).body;
    expect(countSeries(body).sort()).toEqual(
      [
        `${HTTP_DURATION_METRIC}_count{service="redirect-edge",method="GET",route="/:code",status_code="200"} 4`,
        `${HTTP_DURATION_METRIC}_count{service="redirect-edge",method="GET",route="${UNMATCHED_ROUTE}",status_code="404"} 1`,
        `${HTTP_DURATION_METRIC}_count{service="redirect-edge",method="POST",route="/api/v1/links",status_code="201"} 1`,
      ].sort(),
    );
    // The scrape itself is not recorded: it would dominate a quiet service's histogram.
    expect(body).not.toContain('route="/metrics"');
    await app.close();
  });

  it('registers counters, gauges and histograms on the service registry only', async () => {
    const metrics = createMetricsRegistry('analytics-consumer', { defaultMetrics: false });
    const other = createMetricsRegistry('other', { defaultMetrics: false });
    const counter = metrics.counter({ name: 'clicks_ingested_total', help: 'clicks', labelNames: ['queue'] });
    const gauge = metrics.gauge({ name: 'click_buffer_size', help: 'buffer' });
    const histogram = metrics.histogram({ name: 'batch_seconds', help: 'batch', buckets: [0.1, 1] });
    counter.inc({ queue: 'clicks' }, 3);
    gauge.set(7);
    histogram.observe(0.5);
    const text = await metrics.registry.metrics();
    expect(text).toContain('clicks_ingested_total{queue="clicks",service="analytics-consumer"} 3');
    expect(text).toContain('click_buffer_size{service="analytics-consumer"} 7');
    expect(text).toContain('batch_seconds_bucket{le="1",service="analytics-consumer"} 1');
    expect(await other.registry.metrics()).not.toContain('clicks_ingested_total');
  });

  it('can be registered on two apps sharing one registry without a duplicate-metric error', async () => {
    const metrics = createMetricsRegistry('api', { defaultMetrics: false });
    const first = Fastify();
    const second = Fastify();
    await first.register(metricsPlugin, { registry: metrics.registry });
    await second.register(metricsPlugin, { registry: metrics.registry });
    await Promise.all([first.ready(), second.ready()]);
    await Promise.all([first.close(), second.close()]);
  });
});
