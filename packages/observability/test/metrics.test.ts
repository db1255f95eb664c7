import { test } from '@boltlink/testing/fixtures';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, describe, expect } from 'vitest';
import { healthPlugin } from '../src/health.ts';
import { createMetricsRegistry, metricsPlugin } from '../src/metrics.ts';

describe('/metrics on a listening service', () => {
  let app: FastifyInstance;
  let base: string;

  test.beforeAll(async ({ database }) => {
    const metrics = createMetricsRegistry('management-api');
    app = Fastify();
    await app.register(metricsPlugin, { registry: metrics.registry, exposeRoute: true });
    await app.register(healthPlugin, {});
    app.get('/api/v1/links/:id', async (request, reply) => {
      const { id } = request.params as { id: string };
      const { rows } = await database.pool.query('SELECT count(*)::int AS n FROM links WHERE code = $1', [
        id,
      ]);
      return rows[0]?.n === 0 ? reply.code(404).send({ title: 'Not Found' }) : { id };
    });
    base = await app.listen({ host: '127.0.0.1', port: 0 });
  });

  afterAll(async () => {
    await app?.close();
  });

  test('exposes the HTTP histogram by route pattern after real requests', async () => {
    for (const id of ['a', 'b', 'c'])
      expect((await fetch(`${base}/api/v1/links/${id}?secret=1`)).status).toBe(404);
    expect((await fetch(`${base}/ready`)).status).toBe(200);

    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const body = await res.text();
    expect(body).toContain('# TYPE http_request_duration_seconds histogram');
    expect(body).toContain(
      'http_request_duration_seconds_count{service="management-api",method="GET",route="/api/v1/links/:id",status_code="404"} 3',
    );
    expect(body).toMatch(
      /^http_request_duration_seconds_bucket\{le="\+Inf",service="management-api",method="GET",route="\/api\/v1\/links\/:id",status_code="404"\} 3$/m,
    );
    expect(body).not.toMatch(/route="\/api\/v1\/links\/a"/);
    expect(body).toMatch(/^process_resident_memory_bytes\{service="management-api"\} \d+/m);
  });
});
