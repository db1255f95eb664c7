import { parseOrphanVisitBatch, QUEUE_NAMES } from '@boltlink/queues/catalog';
import { createValidatedWorker, type ValidatedWorkerOptions } from '@boltlink/queues/worker';
import type { Worker } from 'bullmq';
import type { FastifyBaseLogger } from 'fastify';
import type { Pool } from 'pg';
import { ingestOrphanVisits, type OrphanIngestResult } from '../ingest/ingest-orphan-visits.ts';
import type { ConsumerMetrics } from '../metrics.ts';
import { reportWorkerFailures } from './worker-failures.ts';

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
  reportWorkerFailures(worker, QUEUE_NAMES.orphanVisits, 'orphan visits job failed', deps);
  return worker;
}
