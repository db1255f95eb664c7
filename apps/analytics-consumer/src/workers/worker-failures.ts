import { endedInFailedSet } from '@boltlink/queues/worker';
import { UnrecoverableError, type Worker } from 'bullmq';
import type { ConsumerMetrics } from '../metrics.ts';

/**
 * What a queue worker reports when a job fails: a `jobs_failed_total` count once the job ends in the failed
 * set (an invalid payload at once, others after their last attempt), a warning for every failed attempt, and
 * an error for the worker's own errors. `failedMessage` is the warning's text.
 */
export function reportWorkerFailures<Result>(
  worker: Worker<unknown, Result>,
  queue: string,
  failedMessage: string,
  deps: {
    metrics: Pick<ConsumerMetrics, 'jobsFailed'>;
    logger: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
  },
): void {
  worker.on('failed', (job, error) => {
    if (job && endedInFailedSet(job, error)) {
      deps.metrics.jobsFailed.inc({
        queue,
        reason: error instanceof UnrecoverableError ? 'invalid_payload' : 'attempts_exhausted',
      });
    }
    deps.logger.warn({ jobId: job?.id, attemptsMade: job?.attemptsMade, err: error }, failedMessage);
  });
  worker.on('error', (error) => deps.logger.error({ err: error }, `${queue} worker error`));
}
