import { type ClickBatch, parseClickBatch, QUEUE_NAMES } from '@boltlink/queues/catalog';
import {
  createValidatedWorker,
  endedInFailedSet,
  type ValidatedWorkerOptions,
} from '@boltlink/queues/worker';
import { UnrecoverableError, type Worker } from 'bullmq';
import type { FastifyBaseLogger } from 'fastify';
import type { Pool } from 'pg';
import { createCoalescingIngestor } from '../ingest/coalescing-ingestor.ts';
import type { IngestResult } from '../ingest/ingest-clicks.ts';
import type { VisitorSketches } from '../ingest/visitor-sketches.ts';
import type { ConsumerMetrics } from '../metrics.ts';

export interface ClicksWorkerDeps {
  pool: Pool;
  metrics: ConsumerMetrics;
  /** Only these three levels are used; any pino logger fits. */
  logger: Pick<FastifyBaseLogger, 'info' | 'warn' | 'error'>;
  /** Click transactions in flight at once (disjoint link sets); default 2. */
  partitions?: number;
  /** How long a click transaction waits for more batches (see createCoalescingIngestor); default 0. */
  lingerMs?: number;
  /** Account-wide unique visitor sketches (see createCoalescingIngestor). */
  sketches?: VisitorSketches;
}

/** Ingests one validated click batch and records what happened to its events. */
export function createClickBatchProcessor({
  pool,
  metrics,
  logger,
  partitions,
  lingerMs,
  sketches,
}: ClicksWorkerDeps) {
  const ingestor = createCoalescingIngestor({
    pool,
    partitions,
    lingerMs,
    sketches,
    onTransaction: (events) => metrics.clickTransactionEvents.observe(events),
  });
  return async function processClickBatch(batch: ClickBatch): Promise<IngestResult> {
    const stopTimer = metrics.clickBatchDuration.startTimer();
    const result = await ingestor.ingest(batch.events);
    stopTimer();
    metrics.clicksIngested.inc(result.inserted);
    if (result.duplicates > 0) metrics.clickDuplicatesSkipped.inc(result.duplicates);
    if (result.orphaned > 0) {
      metrics.clicksOrphaned.inc(result.orphaned);
      logger.info({ batchId: batch.batchId, orphaned: result.orphaned }, 'dropped clicks of deleted links');
    }
    return result;
  };
}

/**
 * The `clicks` queue worker. A job's events and roll-ups commit in one transaction (jobs processed
 * concurrently share it: see createCoalescingIngestor, so `concurrency` is also how many batches one
 * transaction may group), so a job that fails, stalls or is delivered twice leaves the counts exact; transient errors retry with the producer's
 * backoff, a malformed payload fails at once (UnrecoverableError from createValidatedWorker). With a gate
 * (`options.gate`, see createPostgresGate), a Postgres outage spends no attempt: the jobs wait in the queue.
 */
export function createClicksWorker(
  deps: ClicksWorkerDeps,
  options: ValidatedWorkerOptions,
): Worker<unknown, IngestResult> {
  const worker = createValidatedWorker(QUEUE_NAMES.clicks, parseClickBatch, createClickBatchProcessor(deps), {
    // BullMQ fails a job that stalled more than once (default maxStalledCount 1), so two consumer crashes
    // in a row (an OOM loop, a node drained twice) would strand a batch in the failed set: clicks lost to
    // the stats. Ingestion is idempotent, so running a stalled batch again is always safe.
    maxStalledCount: 10,
    onDeferred: () => deps.metrics.jobsDeferred.inc({ queue: QUEUE_NAMES.clicks }),
    ...options,
  });
  worker.on('failed', (job, error) => {
    const invalid = error instanceof UnrecoverableError;
    deps.metrics.clickBatchesFailed.inc({ reason: invalid ? 'invalid_payload' : 'error' });
    if (job && endedInFailedSet(job, error)) {
      deps.metrics.jobsFailed.inc({
        queue: QUEUE_NAMES.clicks,
        reason: invalid ? 'invalid_payload' : 'attempts_exhausted',
      });
    }
    const context = { jobId: job?.id, attemptsMade: job?.attemptsMade, err: error };
    if (invalid) deps.logger.error(context, 'click batch rejected: invalid payload (not retried)');
    else deps.logger.warn(context, 'click batch failed; BullMQ retries it with backoff');
  });
  worker.on('error', (error) => deps.logger.error({ err: error }, 'clicks worker error'));
  return worker;
}
