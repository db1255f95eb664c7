import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import {
  type ClickBatch,
  defaultJobOptions,
  JOB_NAMES,
  type LinkMetadataJob,
  parseClickBatch,
  parseLinkMetadataJob,
  QUEUE_NAMES,
} from './catalog.ts';

export interface QueueProducerOptions {
  /** A producer connection (`createQueueRedis(url, 'producer')`): fails fast instead of buffering. */
  connection: Redis;
  /** BullMQ prefix, a hash tag such as `{bl}` so each queue stays in one Redis Cluster slot. */
  prefix: string;
}

export interface QueueProducer {
  /** Validates, then adds one job whose id is the batch id: enqueuing the same batch twice yields one job. */
  enqueueClickBatch(batch: ClickBatch): Promise<string>;
  enqueueLinkMetadata(job: Omit<LinkMetadataJob, 'v'> & { v?: 1 }): Promise<string>;
  /** Closes the queues; the connection belongs to the caller and stays open. */
  close(): Promise<void>;
}

export function createQueueProducer({ connection, prefix }: QueueProducerOptions): QueueProducer {
  const clicks = new Queue(QUEUE_NAMES.clicks, { connection, prefix, defaultJobOptions });
  const linkMetadata = new Queue(QUEUE_NAMES.linkMetadata, { connection, prefix, defaultJobOptions });

  return {
    async enqueueClickBatch(batch) {
      // Validating here turns a producer bug into an error at its source instead of a failed job later.
      const payload = parseClickBatch(batch);
      const job = await clicks.add(JOB_NAMES.clickBatch, payload, { jobId: payload.batchId });
      return job.id ?? payload.batchId;
    },
    async enqueueLinkMetadata(input) {
      const payload = parseLinkMetadataJob({ v: 1, linkId: input.linkId, url: input.url });
      const job = await linkMetadata.add(JOB_NAMES.linkMetadata, payload);
      if (job.id === undefined) throw new Error('BullMQ returned a link-metadata job without an id');
      return job.id;
    },
    async close() {
      await Promise.all([clicks.close(), linkMetadata.close()]);
    },
  };
}
