import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@boltlink/local-servers/free-port';
import { createMetricsRegistry } from '@boltlink/observability/metrics';
import { startTracing, type Tracing } from '@boltlink/observability/tracing';
import { encodeClickBatchV2 } from '@boltlink/queues/catalog';
import { createQueueProducer } from '@boltlink/queues/producer';
import { createQueueRedis } from '@boltlink/redis-keys/clients';
import {
  MODULE_LOAD_RECORDER,
  type OtlpReceiver,
  type ReceivedSpan,
  SPAN_KIND,
  startOtlpReceiver,
} from '@boltlink/testing/otlp-receiver';
import { type ServiceProcesses, startServiceProcesses } from '@boltlink/testing/service-processes';
import { Queue, type Worker } from 'bullmq';
import { describe, expect } from 'vitest';
import { createSafeFetcher, type Resolver } from '../src/metadata/safe-fetch.ts';
import { createConsumerMetrics } from '../src/metrics.ts';
import { createLinkMetadataWorker } from '../src/workers/link-metadata-worker.ts';
import { html, startSite, type TestServer } from './fixtures/http-servers.ts';
import { seedLinks, silentLogger, waitFor } from './helpers.ts';
import { test } from './support/consumer.ts';

// The trace of a link creation, exported over OTLP to a collector this file runs: the API as deployed (its own
// process, tracing configured by OTEL_EXPORTER_OTLP_ENDPOINT), the link-metadata worker as the consumer wires
// it (here, so it may fetch a page on loopback), and a second API without tracing configured.

const PAGE = '<!doctype html><html><head><title>Traced page</title></head><body>hello</body></html>';

const resolver: Resolver = async (hostname) => {
  if (hostname !== 'www.boltlink.test') throw Object.assign(new Error('ENOTFOUND'), { code: 'ENOTFOUND' });
  return [{ address: '127.0.0.1', family: 4 }];
};

let receiver: OtlpReceiver;
let site: TestServer;
let apis: ServiceProcesses[] = [];
let tracing: Tracing | undefined;
let worker: Worker | undefined;
const traced = { url: '' };
const untraced = { url: '' };
const loads = { dir: '', traced: '', untraced: '' };
let serviceEnv: NodeJS.ProcessEnv = {};

async function signUpAndCreateLink(api: string, email: string, path: string) {
  const signup = await fetch(`${api}/api/v1/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: 'correct horse battery staple' }),
  });
  expect(signup.status).toBe(201);
  const { token } = (await signup.json()) as { token: string };
  const created = await fetch(`${api}/api/v1/links`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ url: `http://www.boltlink.test:${site.port}${path}` }),
  });
  expect(created.status).toBe(201);
  return (await created.json()) as { id: string };
}

/** A redirect of the edge at `port` for `code` on the links' domain (seedLinks): its status. */
function redirect(port: number, code: string): Promise<number> {
  return new Promise((resolve, reject) => {
    httpRequest({ host: '127.0.0.1', port, path: `/${code}`, headers: { host: 'localhost:8080' } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    })
      .on('error', reject)
      .end();
  });
}

function loaded(file: string): string[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter(Boolean);
}

test.beforeAll(async ({ database, redisUrl, prefix, workerPool, queueRedis }) => {
  receiver = await startOtlpReceiver();
  site = await startSite({ '/traced': html(PAGE), '/untraced': html(PAGE) });
  loads.dir = mkdtempSync(join(tmpdir(), 'boltlink-tracing-'));
  loads.traced = join(loads.dir, 'traced.txt');
  loads.untraced = join(loads.dir, 'untraced.txt');
  const [tracedPort, untracedPort] = await Promise.all([freePort(), freePort()]);
  traced.url = `http://127.0.0.1:${tracedPort}`;
  untraced.url = `http://127.0.0.1:${untracedPort}`;
  const env = {
    ...process.env,
    OTEL_SERVICE_NAME: '',
    OTEL_TRACES_SAMPLER_ARG: '',
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    WEB_CONCURRENCY: '1',
    DATABASE_URL: database.url,
    REDIS_URL: redisUrl,
    REDIS_KEY_PREFIX: prefix,
    QUEUE_PREFIX: `{${prefix}}`,
    SHORT_DOMAINS: 'sho.rt',
    NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import=${MODULE_LOAD_RECORDER}`,
    BOLTLINK_RECORD_LOADS_MATCH: '/@opentelemetry/',
    OTEL_EXPORTER_OTLP_ENDPOINT: '',
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: '',
  };
  serviceEnv = env;
  apis = await Promise.all([
    startServiceProcesses([{ dir: 'management-api', port: tracedPort, metricsPort: 0 }], {
      ...env,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      BOLTLINK_RECORD_LOADS_FILE: loads.traced,
    }),
    startServiceProcesses([{ dir: 'management-api', port: untracedPort, metricsPort: 0 }], {
      ...env,
      BOLTLINK_RECORD_LOADS_FILE: loads.untraced,
    }),
  ]);

  tracing = await startTracing(
    { tracesUrl: `${receiver.url}/v1/traces`, serviceName: 'analytics-consumer', sampleRatio: 1 },
    silentLogger,
  );
  worker = createLinkMetadataWorker(
    {
      pool: workerPool,
      metrics: createConsumerMetrics(createMetricsRegistry('test-tracing', { defaultMetrics: false })),
      logger: silentLogger,
      fetchHtml: createSafeFetcher({ resolve: resolver, allowLoopbackPorts: [site.port], tracer: tracing }),
    },
    { connection: queueRedis, prefix: `{${prefix}}`, concurrency: 1, tracer: tracing },
  );
}, 180_000);

test.afterAll(async () => {
  await worker?.close();
  await tracing?.shutdown();
  await Promise.all(apis.map((api) => api.close()));
  await site?.close();
  await receiver?.close();
  if (loads.dir !== '') rmSync(loads.dir, { recursive: true, force: true });
});

describe('tracing a link creation', () => {
  test('one trace runs from the API request through the metadata job to the page fetch', async ({
    database,
  }) => {
    const link = await signUpAndCreateLink(traced.url, 'traced@example.com', '/traced');

    // The worker stored the page's title: the job ran, and its spans are flushed with the next export.
    await waitFor(
      async () =>
        (await database.pool.query('SELECT title FROM links WHERE id = $1', [link.id])).rows[0]?.title,
      (title) => title === 'Traced page',
      30_000,
      "the page's title on the link",
    );
    await tracing?.shutdown();
    tracing = undefined;

    const find = (spans: ReceivedSpan[], name: string, kind: number) =>
      spans.find((span) => span.name === name && span.kind === kind);
    const spans = await receiver.waitFor(
      (all) =>
        find(all, 'POST /api/v1/links', SPAN_KIND.server) !== undefined &&
        find(all, 'send link-metadata', SPAN_KIND.producer) !== undefined &&
        find(all, 'process link-metadata', SPAN_KIND.consumer) !== undefined &&
        find(all, 'GET', SPAN_KIND.client) !== undefined,
    );
    const request = find(spans, 'POST /api/v1/links', SPAN_KIND.server);
    const enqueue = find(spans, 'send link-metadata', SPAN_KIND.producer);
    const job = find(spans, 'process link-metadata', SPAN_KIND.consumer);
    const pageFetch = find(spans, 'GET', SPAN_KIND.client);

    expect(request).toMatchObject({
      service: 'management-api',
      parentSpanId: '',
      attributes: {
        'http.request.method': 'POST',
        'http.route': '/api/v1/links',
        'url.path': '/api/v1/links',
        'http.response.status_code': 201,
      },
    });
    expect(enqueue).toMatchObject({
      service: 'management-api',
      parentSpanId: request?.spanId,
      attributes: {
        'messaging.system': 'bullmq',
        'messaging.destination.name': 'link-metadata',
        'bullmq.job.name': 'link-metadata',
      },
    });
    expect(job).toMatchObject({
      service: 'analytics-consumer',
      parentSpanId: enqueue?.spanId,
      attributes: { 'messaging.destination.name': 'link-metadata', 'bullmq.job.name': 'link-metadata' },
      statusCode: 0,
    });
    expect(pageFetch).toMatchObject({
      service: 'analytics-consumer',
      parentSpanId: job?.spanId,
      attributes: {
        'http.request.method': 'GET',
        'url.full': `http://www.boltlink.test:${site.port}/traced`,
        'http.response.status_code': 200,
      },
    });
    // One trace, from the request to the fetch.
    expect(new Set([request, enqueue, job, pageFetch].map((span) => span?.traceId)).size).toBe(1);
    // The sign-up before it is a trace of its own.
    expect(find(spans, 'POST /api/v1/auth/signup', SPAN_KIND.server)?.traceId).not.toBe(request?.traceId);
    expect(loaded(loads.traced).some((url) => url.includes('/@opentelemetry/sdk-trace/'))).toBe(true);
  });

  test('an API without an OTLP endpoint sends nothing and loads no tracing code', async () => {
    const before = receiver.spans.length;
    await signUpAndCreateLink(untraced.url, 'untraced@example.com', '/untraced');
    // The traced API exports every 2 s: let one export interval pass after the untraced requests.
    const marker = await fetch(`${traced.url}/health`);
    expect(marker.status).toBe(200);
    await receiver.waitFor((all) =>
      all.slice(before).some((span) => span.attributes['url.path'] === '/health'),
    );

    expect(
      receiver.spans.filter((span) => span.attributes['url.path'] === '/api/v1/auth/signup'),
    ).toHaveLength(1);
    expect(loaded(loads.untraced)).toEqual([]);
  });

  test('the consumer as deployed continues the trace its job carries, links each click batch to the redirects it counts, and exports its spans', async ({
    database,
    redisUrl,
    prefix,
  }) => {
    // Its own queues, so the worker of this file does not take the job.
    const queuePrefix = `{${prefix}-deployed}`;
    const [port, edgePort] = await Promise.all([freePort(), freePort()]);
    const deployedEnv = {
      ...serviceEnv,
      DATABASE_URL: database.url,
      QUEUE_PREFIX: queuePrefix,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      NODE_OPTIONS: process.env.NODE_OPTIONS ?? '',
    };
    // An edge tracing every redirect (ratio 1) in front of the same queues, on the domain of seedLinks' links.
    const [consumer, edge] = await Promise.all([
      startServiceProcesses([{ dir: 'analytics-consumer', port }], {
        ...deployedEnv,
        OTEL_SERVICE_NAME: 'consumer-as-deployed',
      }),
      startServiceProcesses([{ dir: 'redirect-edge', port: edgePort, metricsPort: 0 }], {
        ...deployedEnv,
        SHORT_DOMAINS: 'localhost:8080',
        OTEL_SERVICE_NAME: 'edge-as-deployed',
        OTEL_TRACES_SAMPLER_ARG: '1',
      }),
    ]);
    const connection = createQueueRedis(redisUrl, 'producer');
    // A job queued within a traced request elsewhere: its trace context rides in the payload.
    const caller = { traceId: 'a3ce929d0e0e47364bf92f3577b34da6', spanId: '0b7a902b00f067aa' };
    const producer = createQueueProducer({
      connection,
      prefix: queuePrefix,
      tracer: {
        produce: (_queue, _name, send) => send({ traceparent: `00-${caller.traceId}-${caller.spanId}-01` }),
      },
    });
    const clicksQueue = new Queue('clicks', { connection, prefix: queuePrefix });
    let edgeClosed = false;
    try {
      const [redirected, written] = await seedLinks(database.pool, 2);
      const { rows } = await database.pool.query<{ code: string }>('SELECT code FROM links WHERE id = $1', [
        redirected,
      ]);
      expect(await redirect(edgePort, rows[0]?.code as string)).toBe(302);
      // A batch written by another producer with one malformed trace link among its valid one: the link is
      // dropped, the click counts.
      const linked = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7' };
      const batchId = crypto.randomUUID();
      await clicksQueue.add(
        'click-batch',
        {
          ...encodeClickBatchV2(batchId, [
            {
              linkId: written as string,
              occurredAt: Date.now(),
              referrerHost: null,
              country: null,
              device: 'desktop',
              browser: 'Firefox',
              os: 'Linux',
              isBot: false,
              visitorHash: null,
            },
          ]),
          traces: ['00-not-a-traceparent', `00-${linked.traceId}-${linked.spanId}-01`],
        },
        { jobId: batchId },
      );
      // The deployed consumer fetches only ports 80 and 443 of public addresses: this fetch is refused, and its
      // span says why.
      await producer.enqueueLinkMetadata({
        linkId: crypto.randomUUID(),
        url: `http://127.0.0.1:${site.port}/traced`,
      });
      await waitFor(
        async () =>
          (
            await database.pool.query<{ n: number }>(
              'SELECT count(*)::int AS n FROM click_events WHERE link_id = ANY($1::uuid[])',
              [[redirected, written]],
            )
          ).rows[0]?.n,
        (counted) => counted === 2,
        30_000,
        'both clicks counted',
      );
      // Closing flushes each process's spans.
      await edge.close();
      edgeClosed = true;
      const deployed = (span: ReceivedSpan) => span.service === 'consumer-as-deployed';
      const processesClicks = (span: ReceivedSpan) => deployed(span) && span.name === 'process clicks';
      const spans = await receiver.waitFor(
        (all) =>
          all.some((span) => deployed(span) && span.kind === SPAN_KIND.client) &&
          all.some((span) => deployed(span) && span.name === 'process link-metadata') &&
          all.filter(processesClicks).length === 2,
      );
      const job = spans.find((span) => deployed(span) && span.name === 'process link-metadata');
      const pageFetch = spans.find((span) => deployed(span) && span.kind === SPAN_KIND.client);
      expect(job).toMatchObject({
        traceId: caller.traceId,
        parentSpanId: caller.spanId,
      });
      expect(pageFetch).toMatchObject({
        name: 'GET',
        traceId: caller.traceId,
        parentSpanId: job?.spanId,
        statusCode: 2,
        attributes: { 'error.type': 'blocked_port' },
      });

      // The redirect's trace is linked from the span of the batch that counted its click, a child of the
      // edge's enqueue of that batch.
      const fromEdge = spans.filter((span) => span.service === 'edge-as-deployed');
      const request = fromEdge.find((span) => span.attributes['url.path'] === `/${rows[0]?.code}`);
      const enqueue = fromEdge.find((span) => span.name === 'send clicks');
      expect(request).toMatchObject({
        kind: SPAN_KIND.server,
        attributes: { 'http.response.status_code': 302 },
      });
      expect(enqueue?.links).toEqual([{ traceId: request?.traceId, spanId: request?.spanId }]);
      const edgeBatch = spans.find(
        (span) => processesClicks(span) && span.attributes['messaging.message.id'] !== batchId,
      );
      expect(edgeBatch).toMatchObject({
        kind: SPAN_KIND.consumer,
        traceId: enqueue?.traceId,
        parentSpanId: enqueue?.spanId,
        links: [{ traceId: request?.traceId, spanId: request?.spanId }],
        statusCode: 0,
      });
      expect(
        spans.find((span) => processesClicks(span) && span.attributes['messaging.message.id'] === batchId),
      ).toMatchObject({ parentSpanId: '', links: [linked], statusCode: 0 });
    } finally {
      await clicksQueue.close();
      await producer.close();
      connection.disconnect();
      if (!edgeClosed) await edge.close();
      await consumer.close();
    }
  });
});
