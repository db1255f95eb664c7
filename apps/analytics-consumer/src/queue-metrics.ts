import type { MetricsRegistry } from '@boltlink/observability/metrics';
import type { Queue } from 'bullmq';

/**
 * The job states reported, as BullMQ names them (`wait` is waiting). BullMQ 6 has no `paused` job state:
 * the jobs of a paused queue are counted in `wait`.
 */
export const QUEUE_JOB_STATES = [
  'wait',
  'prioritized',
  'delayed',
  'active',
  'completed',
  'failed',
  'waiting-children',
] as const;

/** A scrape must answer even when the queue Redis does not; a bounded read keeps /metrics responsive. */
const DEFAULT_READ_TIMEOUT_MS = 1_000;

/**
 * `boltlink_queue_jobs{queue,state}`: the jobs in each queue by state, read from the queue Redis when
 * Prometheus scrapes. Every consumer replica reports the same numbers (alert on `max by (queue, state)`).
 * `failed` is what stays in the failed set until an operator re-queues it (`requeue-failed`). When a queue's
 * counts cannot be read in time, its series are left out of that scrape rather than reported stale.
 */
export function registerQueueJobsGauge(
  metrics: MetricsRegistry,
  queues: readonly Queue[],
  readTimeoutMs = DEFAULT_READ_TIMEOUT_MS,
): void {
  metrics.gauge({
    name: 'boltlink_queue_jobs',
    help: 'Jobs in each queue by state (wait, prioritized, delayed, active, completed, failed, waiting-children), read at scrape time',
    labelNames: ['queue', 'state'],
    async collect() {
      const counts = await Promise.all(queues.map((queue) => readCounts(queue, readTimeoutMs)));
      this.reset();
      queues.forEach((queue, i) => {
        const byState = counts[i];
        if (byState === undefined) return;
        for (const state of QUEUE_JOB_STATES) this.set({ queue: queue.name, state }, byState[state] ?? 0);
      });
    },
  });
}

async function readCounts(queue: Queue, timeoutMs: number): Promise<Record<string, number> | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), timeoutMs);
  });
  try {
    return await Promise.race([queue.getJobCounts(...QUEUE_JOB_STATES), timeout]);
  } catch {
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}
