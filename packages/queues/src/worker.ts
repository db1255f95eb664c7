import { type Job, type Processor, UnrecoverableError, Worker, type WorkerOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { InvalidJobPayloadError, type QueueName } from './catalog.ts';

export type ValidatedWorkerOptions = Omit<WorkerOptions, 'connection' | 'prefix' | 'concurrency'> & {
  /** A worker connection (`createQueueRedis(url, 'worker')`, maxRetriesPerRequest: null). */
  connection: Redis;
  prefix: string;
  concurrency: number;
};

/**
 * A BullMQ worker whose processor only ever sees a validated payload. A payload that fails `parse` can never
 * succeed, so it fails at once as UnrecoverableError instead of burning every attempt with backoff; any
 * other error is left to the retry policy.
 */
export function createValidatedWorker<P, R = unknown>(
  name: QueueName,
  parse: (data: unknown) => P,
  processor: (payload: P, job: Job) => Promise<R>,
  options: ValidatedWorkerOptions,
): Worker<unknown, R> {
  const run: Processor<unknown, R> = async (job) => {
    let payload: P;
    try {
      payload = parse(job.data);
    } catch (error) {
      if (error instanceof InvalidJobPayloadError) throw new UnrecoverableError(error.message);
      throw error;
    }
    return processor(payload, job);
  };
  return new Worker<unknown, R>(name, run, options);
}
