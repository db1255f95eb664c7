import { createMetricsRegistry } from '@boltlink/observability/metrics';
import { QUEUE_NAMES } from '@boltlink/queues/catalog';
import { createQueueProducer, type QueueProducer } from '@boltlink/queues/producer';
import type { Queue, Worker } from 'bullmq';
import { describe, expect } from 'vitest';
import { MetadataFetchError } from '../src/metadata/fetch-errors.ts';
import { createSafeFetcher, type HtmlFetcher, type Resolver } from '../src/metadata/safe-fetch.ts';
import { type ConsumerMetrics, createConsumerMetrics } from '../src/metrics.ts';
import { createLinkMetadataWorker } from '../src/workers/link-metadata-worker.ts';
import { html, redirectTo, startCanary, startSite, type TestServer } from './fixtures/http-servers.ts';
import { inspectQueue, seedLinks, silentLogger, waitForQueue } from './helpers.ts';
import { test } from './support/consumer.ts';

let canary: TestServer;
let site: TestServer;
let fetchHtml: HtmlFetcher;
let resolverCalls: string[];

/** Fake DNS: lets tests name hosts that resolve to internal addresses without touching real DNS. */
const resolver: Resolver = async (hostname) => {
  resolverCalls.push(hostname);
  const answers: Record<string, string[]> = {
    localhost: ['127.0.0.1', '::1'],
    'evil.test': ['127.0.0.1'],
    'metadata.test': ['169.254.169.254'],
    'intranet.test': ['10.1.2.3'],
    'mixed.test': ['93.184.215.14', '127.0.0.1'],
    'v6loop.test': ['::1'],
    'site.test': ['127.0.0.1'],
  };
  const found = answers[hostname];
  if (!found) throw Object.assign(new Error(`ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
  return found.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
};

// Ports are known only once the servers listen, after test collection: URLs carry {c} (canary) and {s} (site).
const c = '{c}';
const s = '{s}';

function withPorts(url: string): string {
  return url.replace('{c}', String(canary.port)).replace('{s}', String(site.port));
}

function refusedForms(): Array<[string, string, MetadataFetchError['code']]> {
  return [
    ['private 10/8', `http://10.0.0.1:${c}/`, 'blocked_address'],
    ['private 172.16/12', `http://172.16.5.4:${c}/`, 'blocked_address'],
    ['private 192.168/16', `http://192.168.1.1:${c}/`, 'blocked_address'],
    ['loopback 127.0.0.1', `http://127.0.0.1:${c}/`, 'blocked_address'],
    ['loopback 127.0.0.2', `http://127.0.0.2:${c}/`, 'blocked_address'],
    ['localhost by name', `http://localhost:${c}/`, 'blocked_address'],
    ['unspecified 0.0.0.0', `http://0.0.0.0:${c}/`, 'blocked_address'],
    ['IPv6 loopback [::1]', `http://[::1]:${c}/`, 'blocked_address'],
    ['IPv4-mapped IPv6 [::ffff:127.0.0.1]', `http://[::ffff:127.0.0.1]:${c}/`, 'blocked_address'],
    ['IPv4-mapped IPv6, hex [::ffff:7f00:1]', `http://[::ffff:7f00:1]:${c}/`, 'blocked_address'],
    ['decimal IPv4 2130706433', `http://2130706433:${c}/`, 'blocked_address'],
    ['hex IPv4 0x7f000001', `http://0x7f000001:${c}/`, 'blocked_address'],
    ['octal IPv4 0177.0.0.1', `http://0177.0.0.1:${c}/`, 'blocked_address'],
    ['short IPv4 127.1', `http://127.1:${c}/`, 'blocked_address'],
    ['AWS/GCP metadata 169.254.169.254', 'http://169.254.169.254/latest/meta-data/', 'blocked_address'],
    ['Alibaba metadata 100.100.100.200', 'http://100.100.100.200/latest/meta-data/', 'blocked_address'],
    ['CGNAT 100.64.0.1', 'http://100.64.0.1/', 'blocked_address'],
    ['ULA fd00::/8', 'http://[fd00::1]/', 'blocked_address'],
    ['AWS IPv6 metadata fd00:ec2::254', 'http://[fd00:ec2::254]/', 'blocked_address'],
    ['link-local IPv6 fe80::1', 'http://[fe80::1]/', 'blocked_address'],
    ['multicast 224.0.0.1', 'http://224.0.0.1/', 'blocked_address'],
    ['hostname resolving to 127.0.0.1', `http://evil.test:${c}/`, 'blocked_address'],
    ['hostname resolving to 127.0.0.1, port 80', 'http://evil.test/', 'blocked_address'],
    ['hostname resolving to the metadata address', 'http://metadata.test/', 'blocked_address'],
    ['hostname resolving to 10.x', 'http://intranet.test/', 'blocked_address'],
    ['hostname with one public and one loopback address', 'http://mixed.test/', 'blocked_address'],
    ['hostname resolving to ::1', 'http://v6loop.test/', 'blocked_address'],
    ['redirect from an allowed server to loopback', `http://site.test:${s}/to-canary`, 'blocked_address'],
    ['redirect from an allowed server to localhost', `http://site.test:${s}/to-localhost`, 'blocked_address'],
    [
      'redirect from an allowed server to [::ffff:7f00:1]',
      `http://site.test:${s}/to-mapped`,
      'blocked_address',
    ],
    ['redirect to the metadata address', `http://site.test:${s}/to-metadata`, 'blocked_address'],
    ['redirect to a file: URL', `http://site.test:${s}/to-file`, 'blocked_scheme'],
    ['a public address on a non-web port', 'http://93.184.215.14:22/', 'blocked_port'],
    ['redirect loop past 5 hops', `http://site.test:${s}/loop`, 'too_many_redirects'],
  ];
}

test.beforeAll(async () => {
  canary = await startCanary();
  site = await startSite({
    '/to-canary': redirectTo(`http://127.0.0.1:${canary.port}/secret`),
    '/to-localhost': redirectTo(`http://localhost:${canary.port}/secret`),
    '/to-mapped': redirectTo(`http://[::ffff:7f00:1]:${canary.port}/secret`),
    '/to-metadata': redirectTo('http://169.254.169.254/latest/meta-data/iam/'),
    '/to-file': redirectTo('file:///etc/passwd'),
    '/loop': redirectTo('/loop', 307),
    '/page': html('<title>Allowed</title>'),
  });
  resolverCalls = [];
  // The canary's port is allowed as a port, so every refusal below is the address policy's doing.
  fetchHtml = createSafeFetcher({
    resolve: resolver,
    allowLoopbackPorts: [site.port],
    allowedPorts: [80, 443, canary.port],
    timeoutMs: 3000,
  });
});

test.afterAll(async () => {
  await canary?.close();
  await site?.close();
});

describe('SSRF-safe metadata fetcher', () => {
  test('reaches the allowed test server (sanity check for the table below)', async () => {
    const document = await fetchHtml(`http://site.test:${site.port}/page`);
    expect(document.body.toString()).toContain('Allowed');
  });

  test.each(refusedForms().map(([label, url, code]) => ({ label, url, code })))(
    'refuses $label',
    async ({ url, code }) => {
      const error = await fetchHtml(withPorts(url)).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(MetadataFetchError);
      expect((error as MetadataFetchError).code).toBe(code);
      expect((error as MetadataFetchError).retryable).toBe(false);
      expect(canary.hits).toEqual([]);
    },
  );

  test('refuses non-http schemes before any network work', async () => {
    for (const url of [
      'file:///etc/passwd',
      'ftp://example.com/',
      'gopher://127.0.0.1:70/',
      'javascript:alert(1)',
    ]) {
      await expect(fetchHtml(url)).rejects.toMatchObject({ code: 'blocked_scheme' });
    }
    await expect(fetchHtml('not a url')).rejects.toMatchObject({ code: 'invalid_url' });
  });
});

describe('link-metadata worker against internal targets (real BullMQ and Postgres)', () => {
  let producer: QueueProducer;
  let queue: Queue;
  let worker: Worker;
  let metrics: ConsumerMetrics;

  test.beforeAll(async ({ database, queueRedis: redis, prefix: filePrefix }) => {
    const prefix = `{${filePrefix}}`;
    producer = createQueueProducer({ connection: redis, prefix });
    queue = inspectQueue(QUEUE_NAMES.linkMetadata, redis, prefix);
    metrics = createConsumerMetrics(createMetricsRegistry('test-metadata', { defaultMetrics: false }));
    worker = createLinkMetadataWorker(
      { pool: database.pool, fetchHtml, metrics, logger: silentLogger },
      { connection: redis, prefix, concurrency: 4 },
    );
  });

  test.afterAll(async () => {
    await worker?.close();
    await producer?.close();
    await queue?.close();
  });

  test('completes every job without storing anything, counting refusals, and the canary sees 0 requests', async ({
    database,
  }) => {
    // The queue only carries http(s) URLs, so the scheme cases stay in the fetcher table above.
    const forms = refusedForms().filter(([, url]) => url.startsWith('http'));
    const linkIds = await seedLinks(database.pool, forms.length);
    for (const [i, [, url]] of forms.entries()) {
      await producer.enqueueLinkMetadata({ linkId: linkIds[i] as string, url: withPorts(url) });
    }
    const counts = await waitForQueue(queue, forms.length);

    expect(counts.completed).toBe(forms.length);
    expect(counts.failed ?? 0).toBe(0);
    const stored = await database.pool.query(
      'SELECT count(*)::int AS n FROM links WHERE title IS NOT NULL OR description IS NOT NULL OR image IS NOT NULL',
    );
    expect(stored.rows[0].n).toBe(0);
    const outcomes = (await metrics.metadataFetches.get()).values;
    const refused = outcomes
      .filter(
        (v) => String(v.labels.outcome).startsWith('blocked_') || v.labels.outcome === 'too_many_redirects',
      )
      .reduce((sum, v) => sum + v.value, 0);
    expect(refused).toBe(forms.length);
    expect(canary.hits).toEqual([]);
  });
});
