import { createMetricsRegistry } from '@boltlink/observability/metrics';
import { QUEUE_NAMES } from '@boltlink/queues/catalog';
import { createQueueRedis } from '@boltlink/redis-keys/clients';
import { testRedisUrl, uniquePrefix } from '@boltlink/testing/redis';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { registerQueueJobsGauge } from '../src/queue-metrics.ts';

let redis: Redis;

beforeAll(() => {
  redis = createQueueRedis(testRedisUrl(), 'producer');
});

afterAll(() => {
  redis?.disconnect();
});

it('counts the backlog of a paused queue as waiting jobs', async () => {
  const queue = new Queue(QUEUE_NAMES.clicks, { connection: redis, prefix: `{${uniquePrefix('qmetrics')}}` });
  try {
    await queue.pause();
    await queue.add('batch', { n: 1 });
    await queue.add('batch', { n: 2 });
    const metrics = createMetricsRegistry('analytics-consumer', { defaultMetrics: false });
    registerQueueJobsGauge(metrics, [queue]);

    const text = await metrics.registry.metrics();

    expect(text).toMatch(/boltlink_queue_jobs\{[^}]*queue="clicks"[^}]*state="wait"[^}]*\} 2\n/);
    expect(text).not.toMatch(/state="paused"/);
  } finally {
    await queue.obliterate({ force: true });
    await queue.close();
  }
});
