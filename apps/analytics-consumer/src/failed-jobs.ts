import {
  parseClickBatch,
  parseClickEventPartitionsJob,
  parseEmailJob,
  parseLinkMetadataJob,
  parseOrphanVisitBatch,
  QUEUE_NAMES,
  type QueueName,
} from '@boltlink/queues/catalog';
import type { Queue } from 'bullmq';

/** The payload check of each queue: a job that fails it would fail again at once, so it is not re-queued. */
const PARSERS: Record<QueueName, (data: unknown) => unknown> = {
  [QUEUE_NAMES.clicks]: parseClickBatch,
  [QUEUE_NAMES.linkMetadata]: parseLinkMetadataJob,
  [QUEUE_NAMES.email]: parseEmailJob,
  [QUEUE_NAMES.maintenance]: parseClickEventPartitionsJob,
  [QUEUE_NAMES.orphanVisits]: parseOrphanVisitBatch,
};

export interface RequeueOptions {
  /** Most jobs to re-queue (the oldest failures first); the rest stay in the failed set. */
  limit: number;
  /** Count and classify only; move nothing. */
  dryRun: boolean;
}

export interface RequeueReport {
  queue: string;
  /** Jobs in the failed set before the run. */
  failed: number;
  /** Re-queued with their attempts reset (or, in a dry run, that would be). */
  requeued: number;
  /** Left in the failed set: their payload is invalid and would fail again. */
  invalid: number;
  /** Left in the failed set: beyond `limit`, or gone or moved by someone else meanwhile. */
  skipped: number;
  /** How many of the jobs looked at failed for each reason (the first line of failedReason). */
  reasons: Record<string, number>;
}

const PAGE = 500;

/**
 * Moves failed jobs of one queue back to waiting with a fresh retry budget (attempts reset), for after the
 * cause of their failure is fixed. Click ingestion is idempotent, so a batch whose clicks were partly stored
 * is safe to run again. Jobs whose payload no longer validates are reported, not re-queued.
 */
export async function requeueFailed(queue: Queue, options: RequeueOptions): Promise<RequeueReport> {
  const parse = PARSERS[queue.name as QueueName];
  if (!parse) throw new Error(`unknown queue ${queue.name}`);
  const report: RequeueReport = {
    queue: queue.name,
    failed: await queue.getFailedCount(),
    requeued: 0,
    invalid: 0,
    skipped: 0,
    reasons: {},
  };
  // The failed set is ordered by failure time; read oldest first. A real run moves jobs out of the set as
  // it goes, so it keeps reading from the start of what is left past the invalid ones it leaves behind.
  let offset = 0;
  let seen = 0;
  while (report.requeued < options.limit && seen < report.failed) {
    const jobs = await queue.getJobs(['failed'], offset, offset + PAGE - 1, true);
    if (jobs.length === 0) break;
    for (const job of jobs) {
      seen += 1;
      const reason = (job.failedReason ?? 'unknown').split('\n')[0] ?? 'unknown';
      report.reasons[reason] = (report.reasons[reason] ?? 0) + 1;
      let valid = true;
      try {
        parse(job.data);
      } catch {
        valid = false;
      }
      if (!valid) {
        report.invalid += 1;
        offset += 1;
      } else if (report.requeued >= options.limit) {
        report.skipped += 1;
        offset += 1;
      } else if (options.dryRun) {
        report.requeued += 1;
        offset += 1;
      } else {
        try {
          await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
          report.requeued += 1;
        } catch {
          // Removed, or already re-queued by someone else, since it was read.
          report.skipped += 1;
          offset += 1;
        }
      }
    }
  }
  report.skipped += Math.max(0, report.failed - seen);
  return report;
}
