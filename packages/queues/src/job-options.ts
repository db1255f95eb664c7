import type { DefaultJobOptions } from 'bullmq';

/**
 * Transient failures of a job retry with backoff: 1 s doubling over 10 attempts, 1 + 2 + ... + 256 s, about
 * 8.5 minutes of retries. Postgres being unreachable spends none of them where the worker has a dependency
 * gate (the consumer's workers do: see dependency-gate.ts). Finished jobs are bounded in count and age so the
 * queue Redis (noeviction) cannot fill up with history; failed ones are kept longer for inspection and for
 * requeue-failed.
 */
export const defaultJobOptions = {
  attempts: 10,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: { count: 1000, age: 3600 },
  removeOnFail: { count: 5000 },
} as const satisfies DefaultJobOptions;
