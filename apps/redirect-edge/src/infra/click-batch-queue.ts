import { assertClickBatchV2, defaultJobOptions, JOB_NAMES, QUEUE_NAMES } from '@boltlink/queues/catalog';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { ClickBatchPublisher } from '../domain/click-buffer.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A link id the edge may put into click events: checked once per cache read, not once per click. */
export function isLinkId(id: string): boolean {
  return UUID.test(id);
}

/**
 * The edge's side of the clicks queue: v2 batches (see ClickBatchV2 in the catalog), each checked in full
 * before it is written (schema and cross-field rules: a dictionary of link ids per batch, not a UUID per click,
 * so the whole check is cheap), in one job whose id is the batch id: a retried enqueue is one job.
 */
export function createClickBatchQueue(options: { connection: Redis; prefix: string }): ClickBatchPublisher & {
  close(): Promise<void>;
} {
  const queue = new Queue(QUEUE_NAMES.clicks, {
    connection: options.connection,
    prefix: options.prefix,
    defaultJobOptions,
  });
  return {
    async publish(batch) {
      assertClickBatchV2(batch);
      await queue.add(JOB_NAMES.clickBatch, batch, { jobId: batch.batchId });
    },
    close: () => queue.close(),
  };
}
