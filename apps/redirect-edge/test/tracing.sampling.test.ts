import { createServer } from 'node:net';
import { startTracing, type Tracing } from '@boltlink/observability/tracing';
import type { ClickBatchV2 } from '@boltlink/queues/catalog';
import { type OtlpReceiver, SPAN_KIND, startOtlpReceiver } from '@boltlink/testing/otlp-receiver';
import { startServiceProcesses } from '@boltlink/testing/service-processes';
import pino from 'pino';
import { describe, expect } from 'vitest';
import { insertLink, readClickJobs, startEdge, type TestEdge, test } from './support/edge.ts';
import { edgeRequest, listenOnLoopback } from './support/http.ts';

// The edge traces a share of its requests (OTEL_TRACES_SAMPLER_ARG), whichever path answers them: the fast
// path or Fastify. Three edges on the same links, exporting to a collector this file runs (or to none).

const silent = pino({ level: 'silent' });

let receiver: OtlpReceiver;

async function tracedEdge(
  context: { database: { url: string }; redisUrl: string; prefix: string },
  serviceName: string,
  sampleRatio: number,
  tracesUrl: string,
): Promise<{ edge: TestEdge; tracing: Tracing; port: number }> {
  const tracing = await startTracing({ tracesUrl, serviceName, sampleRatio }, silent);
  if (tracing === undefined) throw new Error('tracing did not start');
  const edge = await startEdge({
    databaseUrl: context.database.url,
    redisUrl: context.redisUrl,
    prefix: context.prefix,
    tracing,
  });
  return { edge, tracing, port: await listenOnLoopback(edge) };
}

/** The click batches (wire format) the edge enqueued for `linkId`. */
async function batchesOf(redisUrl: string, prefix: string, linkId: string): Promise<ClickBatchV2[]> {
  const jobs = (await readClickJobs(redisUrl, prefix)) as ClickBatchV2[];
  return jobs.filter((job) => job.links.includes(linkId));
}

/** A port nothing listens on (a collector that is down, or a port for a server to take). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test.beforeAll(async () => {
  receiver = await startOtlpReceiver();
});

test.afterAll(async () => {
  await receiver?.close();
});

describe('sampled tracing on the edge', () => {
  test('ratio 1 traces each request once, with its route and status, and its click batch links to them', async ({
    database,
    redisUrl,
    prefix,
    userId,
  }) => {
    const link = await insertLink(database.db, { userId, url: 'https://example.com/sampled' });
    const { edge, tracing, port } = await tracedEdge(
      { database, redisUrl, prefix },
      'edge-every-request',
      1,
      `${receiver.url}/v1/traces`,
    );
    const statuses = [];
    for (const path of [`/${link.code}`, `/${link.code}?ref=a`, `/${link.code}`, '/nosuchcode', '/health'])
      statuses.push((await edgeRequest(port, path)).status);
    expect(statuses).toEqual([302, 302, 302, 404, 200]);
    await edge.app.close();
    await tracing.shutdown();

    const all = receiver.spans.filter((span) => span.service === 'edge-every-request');
    const spans = all.filter((span) => span.kind === SPAN_KIND.server);
    expect(
      spans.map((span) => [
        span.name,
        span.attributes['http.route'],
        span.attributes['http.response.status_code'],
      ]),
    ).toEqual([
      ['GET /:code', '/:code', 302],
      ['GET /:code', '/:code', 302],
      ['GET /:code', '/:code', 302],
      ['GET /:code', '/:code', 404],
      ['GET /health', '/health', 200],
    ]);
    expect(spans.every((span) => span.kind === SPAN_KIND.server && span.parentSpanId === '')).toBe(true);
    expect(spans.find((span) => span.attributes['url.path'] === `/${link.code}`)).toBeDefined();
    // Each request is a trace of its own.
    expect(new Set(spans.map((span) => span.traceId)).size).toBe(5);

    // The three redirects' clicks went out in click batches that name their spans (one batch unless a flush
    // fell between the requests); each batch's enqueue is a span linked to them, whose context it carries.
    const redirects = spans.filter((span) => span.attributes['http.response.status_code'] === 302);
    const batches = await batchesOf(redisUrl, prefix, link.id);
    expect(batches.flatMap((batch) => batch.link)).toHaveLength(3);
    expect(batches.flatMap((batch) => batch.traces ?? [])).toEqual(
      redirects.map((span) => `00-${span.traceId}-${span.spanId}-01`),
    );
    const enqueues = all.filter((span) => span.name === 'send clicks');
    expect(enqueues).toHaveLength(batches.length);
    for (const batch of batches) {
      const enqueue = enqueues.find((span) => span.attributes['messaging.message.id'] === batch.batchId);
      expect(enqueue).toMatchObject({
        kind: SPAN_KIND.producer,
        parentSpanId: '',
        attributes: { 'messaging.destination.name': 'clicks', 'bullmq.job.name': 'click-batch' },
        links: (batch.traces ?? []).map((traceparent) => ({
          traceId: traceparent.slice(3, 35),
          spanId: traceparent.slice(36, 52),
        })),
      });
      expect(batch.trace?.traceparent).toBe(`00-${enqueue?.traceId}-${enqueue?.spanId}-01`);
    }
  });

  test('ratio 0 sends nothing, even for a caller that asks for a sampled trace', async ({
    database,
    redisUrl,
    prefix,
    userId,
  }) => {
    const link = await insertLink(database.db, { userId });
    const { edge, tracing, port } = await tracedEdge(
      { database, redisUrl, prefix },
      'edge-no-request',
      0,
      `${receiver.url}/v1/traces`,
    );
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    for (const path of [`/${link.code}`, `/${link.code}`, '/nosuchcode', '/health'])
      expect((await edgeRequest(port, path, { headers: { traceparent } })).status).toBeLessThan(500);
    await edge.app.close();
    await tracing.shutdown();

    expect(receiver.spans.filter((span) => span.service === 'edge-no-request')).toEqual([]);
    // The clicks were enqueued as ever, and their batch names no trace.
    const batches = await batchesOf(redisUrl, prefix, link.id);
    expect(batches.map((batch) => [batch.link.length, 'traces' in batch, 'trace' in batch])).toEqual([
      [2, false, false],
    ]);
  });

  test('redirects are answered while the collector is down', async ({
    database,
    redisUrl,
    prefix,
    userId,
  }) => {
    const link = await insertLink(database.db, { userId, url: 'https://example.com/collector-down' });
    const { edge, tracing, port } = await tracedEdge(
      { database, redisUrl, prefix },
      'edge-collector-down',
      1,
      `http://127.0.0.1:${await closedPort()}/v1/traces`,
    );
    for (let i = 0; i < 20; i += 1) {
      const answer = await edgeRequest(port, `/${link.code}`);
      expect([answer.status, answer.headers.location]).toEqual([302, 'https://example.com/collector-down']);
    }
    await edge.app.close();
    // The export fails (connection refused); the shutdown still ends within its bound.
    await tracing.shutdown(1000);
    expect(receiver.spans.filter((span) => span.service === 'edge-collector-down')).toEqual([]);
  });

  test('the edge as deployed exports its spans when OTEL_EXPORTER_OTLP_ENDPOINT is set, flushed at shutdown', async ({
    database,
    redisUrl,
    prefix,
    userId,
  }) => {
    const link = await insertLink(database.db, { userId, url: 'https://example.com/deployed' });
    const port = await closedPort();
    const edge = await startServiceProcesses([{ dir: 'redirect-edge', port, metricsPort: 0 }], {
      ...process.env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
      WEB_CONCURRENCY: '1',
      DATABASE_URL: database.url,
      REDIS_URL: redisUrl,
      REDIS_KEY_PREFIX: prefix,
      QUEUE_PREFIX: `{${prefix}}`,
      SHORT_DOMAINS: 'sho.rt',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: '',
      OTEL_SERVICE_NAME: '',
      OTEL_TRACES_SAMPLER_ARG: '1',
    });
    try {
      expect((await edgeRequest(port, `/${link.code}`)).status).toBe(302);
    } finally {
      await edge.close();
    }
    // Exported by the shutdown's flush at the latest: the export interval has not necessarily passed.
    const spans = receiver.spans.filter(
      (span) => span.service === 'redirect-edge' && span.attributes['url.path'] === `/${link.code}`,
    );
    expect(spans.map((span) => [span.name, span.attributes['http.response.status_code']])).toEqual([
      ['GET /:code', 302],
    ]);
  });
});
