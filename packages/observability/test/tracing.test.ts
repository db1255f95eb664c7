import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type OtlpReceiver, SPAN_KIND, startOtlpReceiver } from '@boltlink/testing/otlp-receiver';
import Fastify from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTracing, type Tracing } from '../src/tracing.ts';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';
const silent = pino({ level: 'silent' });

let receiver: OtlpReceiver;
let tracing: Tracing;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  const started = await startTracing(
    { tracesUrl: `${receiver.url}/v1/traces`, serviceName: 'tracing-test', sampleRatio: 1 },
    silent,
  );
  if (started === undefined) throw new Error('tracing did not start');
  tracing = started;
});

afterAll(async () => {
  await tracing?.shutdown();
  await receiver?.close();
});

function appWithRoutes() {
  const app = Fastify();
  tracing.instrumentFastify(app);
  // The job is queued after the body was read: it must still belong to the request's trace.
  app.post<{ Params: { id: string }; Body: { name: string } }>('/items/:id', async (request, reply) => {
    const jobId = await tracing.produce('items', 'index', async (carrier) => {
      expect(carrier?.traceparent).toMatch(new RegExp(`^00-${TRACE_ID}-[0-9a-f]{16}-01$`));
      return `job-${request.params.id}`;
    });
    return reply.code(202).send({ jobId });
  });
  app.get('/broken', async () => {
    throw new Error('down');
  });
  return app;
}

describe('server spans of a Fastify app', () => {
  it('continue the caller’s trace, name the route and record the answer', async () => {
    const app = appWithRoutes();
    const answer = await app.inject({
      method: 'POST',
      url: '/items/42?draft=1',
      headers: { traceparent: `00-${TRACE_ID}-${CALLER_SPAN}-01` },
      payload: { name: 'first' },
    });
    expect(answer.statusCode).toBe(202);
    expect((await app.inject({ method: 'GET', url: '/broken' })).statusCode).toBe(500);
    await app.close();
    await tracing.shutdown();

    const spans = await receiver.waitFor((all) => all.length >= 3);
    const server = spans.find((span) => span.name === 'POST /items/:id');
    const producer = spans.find((span) => span.name === 'send items');
    const broken = spans.find((span) => span.name === 'GET /broken');
    expect(server).toMatchObject({
      service: 'tracing-test',
      kind: SPAN_KIND.server,
      traceId: TRACE_ID,
      parentSpanId: CALLER_SPAN,
      attributes: {
        'http.request.method': 'POST',
        'http.route': '/items/:id',
        'url.path': '/items/42',
        'http.response.status_code': 202,
      },
    });
    expect(producer).toMatchObject({
      kind: SPAN_KIND.producer,
      traceId: TRACE_ID,
      parentSpanId: server?.spanId,
      attributes: {
        'messaging.destination.name': 'items',
        'bullmq.job.name': 'index',
        'messaging.message.id': 'job-42',
      },
    });
    // A new trace when none is sent; a 5xx marks the span as an error.
    expect(broken).toMatchObject({
      parentSpanId: '',
      statusCode: 2,
      attributes: { 'http.response.status_code': 500 },
    });
    expect(broken?.traceId).not.toBe(TRACE_ID);
  });
});

describe('a collector that does not answer', () => {
  it('neither delays the requests nor holds the shutdown past its bound', { timeout: 10_000 }, async () => {
    // Accepts connections and never answers: the worst case for an exporter.
    const hung = createServer(() => undefined);
    await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
    const warnings: string[] = [];
    const logger = { warn: (_obj: object, message: string) => warnings.push(message) };
    const stuck = await startTracing(
      {
        tracesUrl: `http://127.0.0.1:${(hung.address() as AddressInfo).port}/v1/traces`,
        serviceName: 'hung',
        sampleRatio: 1,
      },
      logger as never,
    );
    const app = Fastify();
    stuck?.instrumentFastify(app);
    app.get('/ping', async () => 'pong');
    for (let i = 0; i < 50; i += 1)
      expect((await app.inject({ method: 'GET', url: '/ping' })).body).toBe('pong');
    await app.close();
    // The export in flight never ends; the shutdown gives up on it at its bound (else this test times out).
    await stuck?.shutdown(500);
    hung.closeAllConnections();
    await new Promise((resolve) => hung.close(resolve));
  });
});
