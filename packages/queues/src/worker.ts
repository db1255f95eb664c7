import { type Job, type Processor, UnrecoverableError, Worker, type WorkerOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { InvalidJobPayloadError, type QueueName } from './catalog.ts';
import type { DependencyGate } from './dependency-gate.ts';

export type ValidatedWorkerOptions = Omit<WorkerOptions, 'connection' | 'prefix' | 'concurrency'> & {
  /** A worker connection (`createQueueRedis(url, 'worker')`, maxRetriesPerRequest: null). */
  connection: Redis;
  prefix: string;
  concurrency: number;
  /**
   * The dependency the processor needs (Postgres). A job that fails because it is unreachable, or that the
   * worker takes while the gate is closed, goes back to the queue without spending an attempt, and the
   * queue takes no job until the gate's next probe.
   */
  gate?: DependencyGate;
  /** Called for each job handed back to the queue because the gate is closed (for a metric). */
  onDeferred?: (job: Job) => void;
};

/**
 * A BullMQ worker whose processor only ever sees a validated payload. A payload that fails `parse` can never
 * succeed, so it fails at once as UnrecoverableError instead of burning every attempt with backoff; a
 * failure that the gate recognises as its dependency being down defers the job without an attempt; any
 * other error is left to the retry policy.
 */
export function createValidatedWorker<P, R = unknown>(
  name: QueueName,
  parse: (data: unknown) => P,
  processor: (payload: P, job: Job) => Promise<R>,
  options: ValidatedWorkerOptions,
): Worker<unknown, R> {
  const { gate, onDeferred, ...workerOptions } = options;

  // BullMQ's manual rate limit: the limiter key stops every worker of this queue from taking jobs until it
  // expires, and RateLimitError moves the job from active back to waiting with its attempts unchanged.
  // (Worker.rateLimit is marked deprecated for Queue.rateLimit in v6; it sets the same key without a
  // second connection. Move to Queue.rateLimit when upgrading to v6.)
  async function defer(job: Job, dependencyGate: DependencyGate): Promise<never> {
    onDeferred?.(job);
    await worker.rateLimit(dependencyGate.holdOffMs());
    throw Worker.RateLimitError();
  }

  const run: Processor<unknown, R> = async (job) => {
    let payload: P;
    try {
      payload = parse(job.data);
    } catch (error) {
      if (error instanceof InvalidJobPayloadError) throw new UnrecoverableError(error.message);
      throw error;
    }
    if (gate === undefined) return processor(payload, job);
    if (!gate.available) return defer(job, gate);
    try {
      return await processor(payload, job);
    } catch (error) {
      if (!gate.isUnavailable(error)) throw error;
      gate.close(error);
      return defer(job, gate);
    }
  };
  const worker = new Worker<unknown, R>(name, run, workerOptions);
  return worker;
}

/**
 * For BullMQ's `failed` event, which fires for every failed attempt: did this one end the job in the failed
 * set (no attempt left, or an UnrecoverableError), rather than schedule a retry?
 */
export function endedInFailedSet(job: Job, error: Error): boolean {
  if (error instanceof UnrecoverableError || error.name === 'UnrecoverableError') return true;
  // attemptsMade already counts the attempt that just failed.
  return job.attemptsMade >= (job.opts.attempts ?? 1);
}
