import { parseOrphanVisitBatch, QUEUE_NAMES } from '@boltlink/queues/catalog';
import {
  createValidatedWorker,
  endedInFailedSet,
  type ValidatedWorkerOptions,
} from '@boltlink/queues/worker';
import { UnrecoverableError, type Worker } from 'bullmq';
import type { FastifyBaseLogger } from 'fastify';
import type { Pool } from 'pg';
import { ingestOrphanVisits, type OrphanIngestResult } from '../ingest/ingest-orphan-visits.ts';
import type { ConsumerMetrics } from '../metrics.ts';

export interface OrphanVisitsWorkerDeps {
  pool: Pool;
  metrics: ConsumerMetrics;
  logger: Pick<FastifyBaseLogger, 'info' | 'warn' | 'error'>;
}

/**
 * The `orphan-visits` queue worker: adds the edges' counts of requests that reached no link to
 * `orphan_visits`, each batch once (see ingest-orphan-visits.ts).
 */
export function createOrphanVisitsWorker(
  deps: OrphanVisitsWorkerDeps,
  options: ValidatedWorkerOptions,
): Worker<unknown, OrphanIngestResult> {
  const worker = createValidatedWorker(
    QUEUE_NAMES.orphanVisits,
    parseOrphanVisitBatch,
    (batch) => ingestOrphanVisits(deps.pool, batch),
    { onDeferred: () => deps.metrics.jobsDeferred.inc({ queue: QUEUE_NAMES.orphanVisits }), ...options },
  );
  worker.on('failed', (job, error) => {
    if (job && endedInFailedSet(job, error)) {
      deps.metrics.jobsFailed.inc({
        queue: QUEUE_NAMES.orphanVisits,
        reason: error instanceof UnrecoverableError ? 'invalid_payload' : 'attempts_exhausted',
      });
    }
    deps.logger.warn(
      { jobId: job?.id, attemptsMade: job?.attemptsMade, err: error },
      'orphan visits job failed',
    );
  });
  worker.on('error', (error) => deps.logger.error({ err: error }, 'orphan visits worker error'));
  return worker;
}
