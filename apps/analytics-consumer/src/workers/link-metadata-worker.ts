import { parseLinkMetadataJob, QUEUE_NAMES } from '@boltlink/queues/catalog';
import {
  createValidatedWorker,
  endedInFailedSet,
  type ValidatedWorkerOptions,
} from '@boltlink/queues/worker';
import { UnrecoverableError, type Worker } from 'bullmq';
import { createLinkMetadataHandler, type LinkMetadataDeps } from '../metadata/link-metadata.ts';

/**
 * The `link-metadata` queue worker: fills a new link's title, description and preview image from its
 * destination page. Failures to fetch complete the job (counted and logged); only transient ones are
 * retried, a few times.
 */
export function createLinkMetadataWorker(
  deps: LinkMetadataDeps,
  options: ValidatedWorkerOptions,
): Worker<unknown, void> {
  const handle = createLinkMetadataHandler(deps);
  const worker = createValidatedWorker(
    QUEUE_NAMES.linkMetadata,
    parseLinkMetadataJob,
    (job, bullJob) => handle({ linkId: job.linkId, url: job.url }, bullJob.attemptsMade),
    { onDeferred: () => deps.metrics.jobsDeferred.inc({ queue: QUEUE_NAMES.linkMetadata }), ...options },
  );
  worker.on('failed', (job, error) => {
    if (job && endedInFailedSet(job, error)) {
      deps.metrics.jobsFailed.inc({
        queue: QUEUE_NAMES.linkMetadata,
        reason: error instanceof UnrecoverableError ? 'invalid_payload' : 'attempts_exhausted',
      });
    }
    deps.logger.warn(
      { jobId: job?.id, attemptsMade: job?.attemptsMade, err: error },
      'link metadata job failed',
    );
  });
  worker.on('error', (error) => deps.logger.error({ err: error }, 'link metadata worker error'));
  return worker;
}
