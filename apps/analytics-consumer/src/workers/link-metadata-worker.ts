import { parseLinkMetadataJob, QUEUE_NAMES } from '@boltlink/queues/catalog';
import { createValidatedWorker, type ValidatedWorkerOptions } from '@boltlink/queues/worker';
import type { Worker } from 'bullmq';
import { createLinkMetadataHandler, type LinkMetadataDeps } from '../metadata/link-metadata.ts';
import { reportWorkerFailures } from './worker-failures.ts';

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
  reportWorkerFailures(worker, QUEUE_NAMES.linkMetadata, 'link metadata job failed', deps);
  return worker;
}
