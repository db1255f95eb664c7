import { JOB_NAMES, parseClickEventPartitionsJob, QUEUE_NAMES } from '@boltlink/queues/catalog';
import { createValidatedWorker, type ValidatedWorkerOptions } from '@boltlink/queues/worker';
import type { Queue, Worker } from 'bullmq';
import type { Pool } from 'pg';
import type { ConsumerMetrics } from '../metrics.ts';
import {
  maintainClickEventPartitions,
  type PartitionMaintenance,
} from '../retention/click-event-partitions.ts';
import { type OrphanVisitPruning, pruneOrphanVisits } from '../retention/orphan-visits.ts';
import { reportWorkerFailures } from './worker-failures.ts';

/** How often click_events' partitions are looked after: far more often than a day turns, so a failed run is
 * retried long before the week of partitions made ahead runs out. */
export const CLICK_EVENT_PARTITIONS_EVERY_MS = 3_600_000;

/**
 * Registers the partition job's schedule. Every consumer replica calls this at start: a job scheduler is one
 * record per id in the queue, so replicas upsert the same schedule and BullMQ makes one job per interval,
 * which one worker takes. The first job is made at once, so a consumer that starts runs it.
 */
export async function scheduleClickEventPartitions(
  queue: Queue,
  everyMs = CLICK_EVENT_PARTITIONS_EVERY_MS,
): Promise<void> {
  await queue.upsertJobScheduler(
    JOB_NAMES.clickEventPartitions,
    { every: everyMs },
    {
      name: JOB_NAMES.clickEventPartitions,
      data: { v: 1 },
      // A failed run is retried a few times, then left to the next interval; history stays small.
      opts: {
        attempts: 3,
        backoff: { type: 'exponential', delay: 5_000 },
        removeOnComplete: { count: 100 },
        removeOnFail: { count: 100 },
      },
    },
  );
}

export interface MaintenanceDeps {
  pool: Pool;
  metrics: Pick<ConsumerMetrics, 'jobsDeferred' | 'jobsFailed'>;
  logger: {
    info(obj: object, msg: string): void;
    warn(obj: object, msg: string): void;
    error(obj: object, msg: string): void;
  };
  /** CLICK_EVENT_RETENTION_DAYS. */
  retentionDays: number;
  clock?: () => Date;
}

export interface MaintenanceOutcome extends PartitionMaintenance {
  /** Orphan visits and ledger entries deleted, past the same retention. */
  orphanVisitsPruned: OrphanVisitPruning;
}

/**
 * The `maintenance` queue worker: the hourly retention job. It looks after click_events' partitions (create
 * ahead, drop past the retention), then deletes the orphan visits past the same retention.
 */
export function createMaintenanceWorker(
  deps: MaintenanceDeps,
  options: ValidatedWorkerOptions,
): Worker<unknown, MaintenanceOutcome> {
  const clock = deps.clock ?? (() => new Date());
  const worker = createValidatedWorker(
    QUEUE_NAMES.maintenance,
    parseClickEventPartitionsJob,
    async () => {
      const outcome = await maintainClickEventPartitions(deps.pool, {
        now: clock(),
        retentionDays: deps.retentionDays,
      });
      if (outcome.created.length > 0 || outcome.dropped.length > 0) {
        deps.logger.info(
          { created: outcome.created, dropped: outcome.dropped, keptFrom: outcome.keptFrom },
          'click_events partitions maintained',
        );
      }
      const orphanVisitsPruned = await pruneOrphanVisits(deps.pool, outcome.keptFrom);
      if (orphanVisitsPruned.visits > 0 || orphanVisitsPruned.batches > 0) {
        deps.logger.info(
          { ...orphanVisitsPruned, keptFrom: outcome.keptFrom },
          'orphan visits past the retention deleted',
        );
      }
      return { ...outcome, orphanVisitsPruned };
    },
    { onDeferred: () => deps.metrics.jobsDeferred.inc({ queue: QUEUE_NAMES.maintenance }), ...options },
  );
  reportWorkerFailures(
    worker,
    QUEUE_NAMES.maintenance,
    'click_events partition job failed; the next run retries',
    deps,
  );
  return worker;
}
