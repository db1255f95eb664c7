import { createMetricsRegistry } from '@boltlink/observability/metrics';
import { QUEUE_NAMES } from '@boltlink/queues/catalog';
import { createQueueRedis } from '@boltlink/redis-keys/clients';
import { test } from '@boltlink/testing/fixtures';
import { Queue } from 'bullmq';
import { expect } from 'vitest';
import { registerQueueJobsGauge } from '../src/queue-metrics.ts';

test('counts the backlog of a paused queue as waiting jobs', async ({ redisUrl, prefix, onTestFinished }) => {
  const redis = createQueueRedis(redisUrl, 'producer');
  onTestFinished(() => redis.disconnect());
  const queue = new Queue(QUEUE_NAMES.clicks, { connection: redis, prefix: `{${prefix}}` });
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
