import { gzipSync } from 'node:zlib';
import { createMetricsRegistry } from '@boltlink/observability/metrics';
import { QUEUE_NAMES } from '@boltlink/queues/catalog';
import { createQueueProducer, type QueueProducer } from '@boltlink/queues/producer';
import type { Queue, Worker } from 'bullmq';
import type { Pool } from 'pg';
import { describe, expect } from 'vitest';
import { createSafeFetcher, type Resolver } from '../src/metadata/safe-fetch.ts';
import { type ConsumerMetrics, createConsumerMetrics } from '../src/metrics.ts';
import { createLinkMetadataWorker } from '../src/workers/link-metadata-worker.ts';
import { html, startSite, type TestServer } from './fixtures/http-servers.ts';
import { inspectQueue, seedLinks, silentLogger, waitForQueue } from './helpers.ts';
import { test } from './support/consumer.ts';

const ARTICLE = `<!doctype html><html lang="en"><head>
  <meta charset="utf-8">
  <title>BoltLink &ndash; short links that count</title>
  <meta name="description" content="Shorten, share and measure.">
  <meta property="og:image" content="/static/card.png">
</head><body><h1>Hello</h1></body></html>`;

let site: TestServer;
let producer: QueueProducer;
let queue: Queue;
let worker: Worker;
let metrics: ConsumerMetrics;
let finished = 0;

// "www.boltlink.test" exists only in this resolver: a successful fetch proves the connection went to the
// address the fetcher vetted and pinned, not to a second, independent DNS lookup.
const resolver: Resolver = async (hostname) => {
  if (hostname !== 'www.boltlink.test') throw Object.assign(new Error('ENOTFOUND'), { code: 'ENOTFOUND' });
  return [{ address: '127.0.0.1', family: 4 }];
};

function pageUrl(path: string) {
  return `http://www.boltlink.test:${site.port}${path}`;
}

/** Points the link at the test page, as the API does before it queues the job, then runs the job. */
async function runJob(pool: Pool, linkId: string, path: string) {
  await pool.query('UPDATE links SET url = $2 WHERE id = $1', [linkId, pageUrl(path)]);
  await producer.enqueueLinkMetadata({ linkId, url: pageUrl(path) });
  finished += 1;
  return waitForQueue(queue, finished, 30_000);
}

async function linkRow(pool: Pool, id: string) {
  const result = await pool.query('SELECT title, description, image FROM links WHERE id = $1', [id]);
  return result.rows[0];
}

async function outcome(name: string) {
  const values = (await metrics.metadataFetches.get()).values;
  return values.find((v) => v.labels.outcome === name)?.value ?? 0;
}

test.beforeAll(async ({ database, queueRedis: redis, prefix: filePrefix }) => {
  const latin1Title = Buffer.concat([
    Buffer.from('<html><head><meta charset="windows-1252"><title>Caf'),
    Buffer.from([0xe9, 0x20, 0x93, 0x4e, 0x6f, 0x69, 0x72, 0x94]),
    Buffer.from('</title></head></html>'),
  ]);
  site = await startSite({
    '/article': html(ARTICLE),
    '/moved': (_request, response) => response.writeHead(301, { location: '/article' }).end(),
    '/latin1': html(latin1Title, 'text/html'),
    '/gzip': (_request, response) =>
      response
        .writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'gzip' })
        .end(gzipSync('<title>Compressed page</title>')),
    '/huge': html(`<title>Huge page</title><body>${'x'.repeat(3 * 1024 * 1024)}</body>`),
    '/json': html('{"title":"not html"}', 'application/json'),
    '/error': (_request, response) => response.writeHead(503).end(),
    '/slow': () => {
      // Never answers: the fetch must give up at its deadline.
    },
  });
  const prefix = `{${filePrefix}}`;
  producer = createQueueProducer({ connection: redis, prefix });
  queue = inspectQueue(QUEUE_NAMES.linkMetadata, redis, prefix);
  metrics = createConsumerMetrics(createMetricsRegistry('test-metadata', { defaultMetrics: false }));
  worker = createLinkMetadataWorker(
    {
      pool: database.pool,
      metrics,
      logger: silentLogger,
      maxTransientAttempts: 2,
      fetchHtml: createSafeFetcher({ resolve: resolver, allowLoopbackPorts: [site.port], timeoutMs: 700 }),
    },
    { connection: redis, prefix, concurrency: 2 },
  );
});

test.afterAll(async () => {
  await worker?.close();
  await producer?.close();
  await queue?.close();
  await site?.close();
});

describe('link-metadata worker', () => {
  test('stores title, description and og:image of an allowed page, following a redirect', async ({
    database,
  }) => {
    const [id] = await seedLinks(database.pool, 1);
    await runJob(database.pool, id as string, '/moved');
    expect(await linkRow(database.pool, id as string)).toEqual({
      title: 'BoltLink – short links that count',
      description: 'Shorten, share and measure.',
      image: `http://www.boltlink.test:${site.port}/static/card.png`,
    });
  });

  test('never overwrites a title the user set, but fills the empty fields', async ({ database }) => {
    const [id] = await seedLinks(database.pool, 1, { title: 'My own title' });
    await runJob(database.pool, id as string, '/article');
    expect(await linkRow(database.pool, id as string)).toMatchObject({
      title: 'My own title',
      description: 'Shorten, share and measure.',
    });
  });

  test('stores nothing when the link no longer points at the page the job was queued for', async ({
    database,
  }) => {
    const [id] = await seedLinks(database.pool, 1, { url: 'https://example.com/new-destination' });
    const changedBefore = await outcome('link_changed');
    await producer.enqueueLinkMetadata({ linkId: id as string, url: pageUrl('/article') });
    finished += 1;
    await waitForQueue(queue, finished, 30_000);
    expect(await outcome('link_changed')).toBe(changedBefore + 1);
    expect(await linkRow(database.pool, id as string)).toEqual({
      title: null,
      description: null,
      image: null,
    });
  });

  test('decodes windows-1252 and gzip pages and reads only the first MiB of a huge one', async ({
    database,
  }) => {
    const [latin, gzip, huge] = await seedLinks(database.pool, 3);
    await runJob(database.pool, latin as string, '/latin1');
    await runJob(database.pool, gzip as string, '/gzip');
    await runJob(database.pool, huge as string, '/huge');
    expect((await linkRow(database.pool, latin as string)).title).toBe('Café “Noir”');
    expect((await linkRow(database.pool, gzip as string)).title).toBe('Compressed page');
    expect((await linkRow(database.pool, huge as string)).title).toBe('Huge page');
  });

  test('completes without storing anything when the page is not HTML or keeps failing', async ({
    database,
  }) => {
    const [json, broken, slow] = await seedLinks(database.pool, 3);
    const notHtmlBefore = await outcome('not_html');
    await runJob(database.pool, json as string, '/json');
    expect(await outcome('not_html')).toBe(notHtmlBefore + 1);

    // 503 and a deadline are transient: one retry (maxTransientAttempts 2), then the job completes.
    const counts = await runJob(database.pool, broken as string, '/error');
    await runJob(database.pool, slow as string, '/slow');
    expect(counts.failed ?? 0).toBe(0);
    expect(await outcome('http_status')).toBe(1);
    expect(await outcome('timeout')).toBe(1);
    expect(await outcome('retrying')).toBe(2);
    for (const id of [json, broken, slow]) {
      expect(await linkRow(database.pool, id as string)).toEqual({
        title: null,
        description: null,
        image: null,
      });
    }
    expect(site.hits.filter((path) => path === '/error')).toHaveLength(2);
  });
});
