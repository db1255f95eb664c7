import { createHash } from 'node:crypto';
import type { RedisClient } from '@boltlink/redis-keys/clients';
import { Queue } from 'bullmq';
import { assertClickBatchV2, parseClickBatch } from './clicks/parse.ts';
import type { ClickBatch, ClickBatchV2 } from './clicks/schema.ts';
import { type EmailJob, emailJobOptions, parseEmailJob } from './email.ts';
import { defaultJobOptions } from './job-options.ts';
import { type LinkMetadataJob, parseLinkMetadataJob } from './link-metadata.ts';
import { JOB_NAMES, QUEUE_NAMES } from './names.ts';
import { type OrphanVisitBatch, parseOrphanVisitBatch } from './orphan-visits.ts';
import { type TraceCarrier, withValidTracing } from './payload.ts';

/**
 * Producer spans (Tracing.produce of @boltlink/observability/tracing, when tracing is on): `send` runs inside
 * one and is given the trace context to put in the job.
 */
export interface QueueSendTracer {
  produce<T>(
    queue: string,
    jobName: string,
    send: (carrier: TraceCarrier | undefined) => Promise<T>,
    links?: readonly string[],
  ): Promise<T>;
}

export interface QueueProducerOptions {
  /** A producer connection (`createQueueRedis(url, 'producer')`): fails fast instead of buffering. */
  connection: RedisClient;
  /** BullMQ prefix, a hash tag such as `{bl}` so each queue stays in one Redis Cluster slot. */
  prefix: string;
  /** Called when queues whose start failed are replaced (see `QueueProducer`), e.g. to log it. */
  onReplaced?: () => void;
  /**
   * Traces the link-metadata enqueues, and the click batches that carry `traces` (linked to them), and carries
   * the enqueue's context in the job; none when tracing is off.
   */
  tracer?: QueueSendTracer;
}

export interface QueueProducer {
  /**
   * Validates, then adds one job whose id is the batch id: enqueuing the same batch twice yields one job.
   * Takes the normalised v1 shape or a compact v2 batch (what the redirect edge builds), written as given.
   */
  enqueueClickBatch(batch: ClickBatch | ClickBatchV2): Promise<string>;
  /**
   * Validates, then adds one job per link and destination (the job id is derived from both): asking again
   * while that job waits, runs or is still kept after finishing (`removeOnComplete`) adds nothing.
   */
  enqueueLinkMetadata(job: Omit<LinkMetadataJob, 'v'> & { v?: 1 }): Promise<string>;
  /** Validates, then adds one mail for the consumer to send (see email.ts). */
  enqueueEmail(mail: Omit<EmailJob, 'v'>): Promise<string>;
  /** Validates, then adds one job whose id is the batch id (see orphan-visits.ts). */
  enqueueOrphanVisits(batch: OrphanVisitBatch): Promise<string>;
  /** Closes the queues; the connection belongs to the caller and stays open. */
  close(): Promise<void>;
}

interface Queues {
  clicks: Queue;
  linkMetadata: Queue;
  email: Queue;
  orphanVisits: Queue;
  /**
   * True once a queue failed to start (BullMQ's first command on the connection, its Redis version check, failed
   * or timed out, e.g. on a Redis that was down, hung or restarting): BullMQ keeps that failure and rejects every
   * later write on that queue for good.
   */
  startFailed: boolean;
}

function openQueues(connection: RedisClient, prefix: string): Queues {
  const queues: Queues = {
    clicks: new Queue(QUEUE_NAMES.clicks, { connection, prefix, defaultJobOptions }),
    linkMetadata: new Queue(QUEUE_NAMES.linkMetadata, { connection, prefix, defaultJobOptions }),
    email: new Queue(QUEUE_NAMES.email, { connection, prefix, defaultJobOptions: emailJobOptions }),
    orphanVisits: new Queue(QUEUE_NAMES.orphanVisits, { connection, prefix, defaultJobOptions }),
    startFailed: false,
  };
  for (const queue of [queues.clicks, queues.linkMetadata, queues.email, queues.orphanVisits]) {
    queue.waitUntilReady().catch(() => {
      queues.startFailed = true;
    });
  }
  return queues;
}

/**
 * Queues whose start failed are replaced by fresh ones before the next write: a write attempted while Redis is
 * unreachable fails, and one made once it answers again is accepted. They are replaced only once the connection
 * is ready again: a fresh queue waits for the connection to become ready before its first command, so one made
 * while Redis is away would hold the write until Redis returns instead of failing it at once.
 */
export function createQueueProducer({
  connection,
  prefix,
  onReplaced,
  tracer,
}: QueueProducerOptions): QueueProducer {
  let queues = openQueues(connection, prefix);
  const current = (): Queues => {
    if (queues.startFailed && connection.status === 'ready') {
      const failed = queues;
      queues = openQueues(connection, prefix);
      Promise.all([
        failed.clicks.close(),
        failed.linkMetadata.close(),
        failed.email.close(),
        failed.orphanVisits.close(),
      ]).catch(() => undefined);
      onReplaced?.();
    }
    return queues;
  };

  return {
    async enqueueClickBatch(batch) {
      // Validating here turns a producer bug into an error at its source instead of a failed job later.
      // v2 is checked as it stands (cheap: one dictionary of link ids per batch), v1 via the full parser.
      let payload: ClickBatch | ClickBatchV2;
      if (batch.v === 2) {
        // A malformed trace link is dropped, never a reason to refuse the clicks (the edge would drop them).
        const checked =
          batch.traces === undefined && batch.trace === undefined ? batch : withValidTracing(batch);
        assertClickBatchV2(checked);
        payload = checked;
      } else {
        payload = parseClickBatch(batch);
      }
      const add = async (job: ClickBatch | ClickBatchV2) =>
        (await current().clicks.add(JOB_NAMES.clickBatch, job, { jobId: job.batchId })).id ?? job.batchId;
      const links = payload.v === 2 ? payload.traces : undefined;
      if (tracer === undefined || links === undefined) return add(payload);
      // The batch holds sampled requests: its enqueue is a span linked to them, and its context rides along.
      const v2 = payload as ClickBatchV2;
      return tracer.produce(
        QUEUE_NAMES.clicks,
        JOB_NAMES.clickBatch,
        (trace) => add(trace === undefined ? v2 : { ...v2, trace }),
        links,
      );
    },
    async enqueueLinkMetadata(input) {
      const send = async (trace: TraceCarrier | undefined) => {
        const payload = parseLinkMetadataJob({ v: 1, linkId: input.linkId, url: input.url, trace });
        const jobId = linkMetadataJobId(payload.linkId, payload.url);
        const job = await current().linkMetadata.add(JOB_NAMES.linkMetadata, payload, { jobId });
        return job.id ?? jobId;
      };
      if (tracer === undefined) return send(undefined);
      return tracer.produce(QUEUE_NAMES.linkMetadata, JOB_NAMES.linkMetadata, send);
    },
    async enqueueEmail(mail) {
      const payload = parseEmailJob({ v: 1, to: mail.to, subject: mail.subject, text: mail.text });
      const job = await current().email.add(JOB_NAMES.email, payload);
      if (job.id === undefined) throw new Error('email job was not given an id');
      return job.id;
    },
    async enqueueOrphanVisits(batch) {
      const payload = parseOrphanVisitBatch(batch);
      const job = await current().orphanVisits.add(JOB_NAMES.orphanVisitBatch, payload, {
        jobId: payload.batchId,
      });
      return job.id ?? payload.batchId;
    },
    async close() {
      await Promise.all([
        queues.clicks.close(),
        queues.linkMetadata.close(),
        queues.email.close(),
        queues.orphanVisits.close(),
      ]);
    },
  };
}

/** `<link id>.<first 128 bits of the URL's SHA-256>`: short, fixed length, and no ':' (BullMQ's separator). */
function linkMetadataJobId(linkId: string, url: string): string {
  return `${linkId}.${createHash('sha256').update(url).digest('base64url').slice(0, 22)}`;
}
