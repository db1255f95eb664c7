import { randomUUID } from 'node:crypto';
import { createMetricsRegistry } from '@boltlink/observability/metrics';
import type { OrphanVisitBatch } from '@boltlink/queues/catalog';
import { QUEUE_NAMES } from '@boltlink/queues/catalog';
import { createQueueProducer, type QueueProducer } from '@boltlink/queues/producer';
import type { Queue, Worker } from 'bullmq';
import type { Pool } from 'pg';
import { describe, expect } from 'vitest';
import { ingestOrphanVisits } from '../src/ingest/ingest-orphan-visits.ts';
import { createConsumerMetrics } from '../src/metrics.ts';
import { createOrphanVisitsWorker } from '../src/workers/orphan-visits-worker.ts';
import { inspectQueue, silentLogger, waitForQueue } from './helpers.ts';
import { test } from './support/consumer.ts';

const MINUTE = Date.UTC(2026, 11, 7, 14, 5);

function batch(overrides: Partial<OrphanVisitBatch> = {}): OrphanVisitBatch {
  return {
    v: 1,
    batchId: randomUUID(),
    visits: [
      {
        domain: 'sho.rt',
        path: '/typo',
        kind: 'not-found',
        minute: MINUTE,
        referrerHost: 'news.example.com',
        country: 'DE',
        isBot: false,
        count: 3,
      },
      {
        domain: 'sho.rt',
        path: '/',
        kind: 'root',
        minute: MINUTE,
        referrerHost: null,
        country: null,
        isBot: true,
        count: 1,
      },
    ],
    overflow: [{ domain: 'sho.rt', kind: 'not-found', minute: MINUTE, count: 500 }],
    ...overrides,
  };
}

async function rows(pool: Pool) {
  const result = await pool.query(
    `SELECT domain, path, kind, minute, referrer_host, country, is_bot, visits::int AS visits
     FROM orphan_visits ORDER BY kind, path NULLS FIRST, is_bot`,
  );
  return result.rows;
}

let producer: QueueProducer;
let queue: Queue;
let worker: Worker;
let finished = 0;

test.beforeAll(({ workerPool, queueRedis, prefix: filePrefix }) => {
  const prefix = `{${filePrefix}}`;
  producer = createQueueProducer({ connection: queueRedis, prefix });
  queue = inspectQueue(QUEUE_NAMES.orphanVisits, queueRedis, prefix);
  const metrics = createConsumerMetrics(createMetricsRegistry('test-orphans', { defaultMetrics: false }));
  worker = createOrphanVisitsWorker(
    { pool: workerPool, metrics, logger: silentLogger },
    { connection: queueRedis, prefix, concurrency: 1 },
  );
});

test.afterAll(async () => {
  await worker?.close();
  await producer?.close();
  await queue?.close();
});

describe('orphan visit ingestion', () => {
  test('adds each batch once: a redelivered batch counts nothing twice, a new one adds to the same rows', async ({
    database,
  }) => {
    await database.pool.query('TRUNCATE orphan_visits, orphan_visit_batches');
    const first = batch();
    expect(await ingestOrphanVisits(database.pool, first)).toMatchObject({ counted: true });
    expect(await ingestOrphanVisits(database.pool, first)).toEqual({ counted: false, rows: 0 });
    await ingestOrphanVisits(database.pool, batch());
    const stored = await rows(database.pool);
    expect(stored.map((row) => [row.kind, row.path, row.is_bot, row.visits])).toEqual([
      ['not-found', null, false, 1000],
      ['not-found', '/typo', false, 6],
      ['root', '/', true, 2],
    ]);
    expect(stored[1]).toMatchObject({ domain: 'sho.rt', referrer_host: 'news.example.com', country: 'DE' });
    expect(stored[0]).toMatchObject({ referrer_host: null, country: null });
    expect(new Date(stored[0].minute).getTime()).toBe(MINUTE);
  });

  test('the worker stores what the edge enqueued; the same batch enqueued twice is one job', async ({
    database,
  }) => {
    await database.pool.query('TRUNCATE orphan_visits, orphan_visit_batches');
    const once = batch({ overflow: [] });
    await producer.enqueueOrphanVisits(once);
    await producer.enqueueOrphanVisits(once);
    finished += 1;
    await waitForQueue(queue, finished, 30_000);
    const stored = await rows(database.pool);
    expect(stored.map((row) => [row.path, row.visits])).toEqual([
      ['/typo', 3],
      ['/', 1],
    ]);
  });
});
