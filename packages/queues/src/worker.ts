import type { RedisClient } from '@boltlink/redis-keys/clients';
import { type Job, type Processor, UnrecoverableError, Worker, type WorkerOptions } from 'bullmq';
import type { DependencyGate } from './dependency-gate.ts';
import type { QueueName } from './names.ts';
import { InvalidJobPayloadError, type TraceCarrier, traceCarrierOf, traceLinksOf } from './payload.ts';

/** Consumer spans (Tracing.consume of @boltlink/observability/tracing, when tracing is on). */
export interface JobTracer {
  consume<T>(
    queue: string,
    job: { name: string; id?: string | undefined; attemptsMade: number },
    carrier: TraceCarrier | undefined,
    run: () => Promise<T>,
    links?: readonly string[],
  ): Promise<T>;
}

export type ValidatedWorkerOptions = Omit<WorkerOptions, 'connection' | 'prefix' | 'concurrency'> & {
  /** A worker connection (`createQueueRedis(url, 'worker')`, maxRetriesPerRequest: null). */
  connection: RedisClient;
  prefix: string;
  concurrency: number;
  /**
   * The dependency the processor needs (Postgres). A job that fails because it is unreachable, or that the
   * worker took just before the gate closed, goes back to the queue without spending an attempt; the worker
   * takes no job while the gate is closed and resumes when the gate's probe succeeds.
   */
  gate?: DependencyGate;
  /** Called for each job handed back to the queue because the gate is closed (for a metric). */
  onDeferred?: (job: Job) => void;
  /**
   * Runs each job in a span, a child of the trace context the job carries (`trace`) and linked to the traces it
   * names (`traces`, click batches); none when tracing is off.
   */
  tracer?: JobTracer;
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
  const { gate, onDeferred, tracer, ...workerOptions } = options;

  // RateLimitError is BullMQ's way for a processor to hand a job back: the job moves from active to waiting
  // with its attempts unchanged. No limiter key is set (Worker.rateLimit would stop every consumer of the
  // queue, including replicas that can reach the dependency); this worker stops itself by pausing.
  function defer(job: Job): never {
    onDeferred?.(job);
    throw Worker.RateLimitError();
  }

  // The span covers the processor's work only: a job handed back unopened while the gate is closed is no
  // attempt, and an unreadable payload never reaches it.
  const traced = (payload: P, job: Job): Promise<R> =>
    tracer === undefined
      ? processor(payload, job)
      : tracer.consume(
          name,
          job,
          traceCarrierOf(job.data),
          () => processor(payload, job),
          traceLinksOf(job.data),
        );

  const run: Processor<unknown, R> = async (job) => {
    let payload: P;
    try {
      payload = parse(job.data);
    } catch (error) {
      if (error instanceof InvalidJobPayloadError) throw new UnrecoverableError(error.message);
      throw error;
    }
    if (gate === undefined) return traced(payload, job);
    if (!gate.available) return defer(job);
    try {
      return await traced(payload, job);
    } catch (error) {
      if (!gate.isUnavailable(error)) throw error;
      gate.close(error);
      return defer(job);
    }
  };
  const worker = new Worker<unknown, R>(name, run, workerOptions);
  if (gate) followGate(worker, gate);
  return worker;
}

/**
 * Pauses the worker while the gate is closed (without waiting for its jobs in flight: they are handed back
 * as they fail) and resumes it when the gate opens. A paused worker takes no new job, so an outage costs
 * neither attempts nor a loop of jobs taken and handed back.
 */
function followGate(worker: Worker, gate: DependencyGate): void {
  const follow = (available: boolean) => {
    if (available) worker.resume();
    else void worker.pause(true).catch((error: unknown) => worker.emit('error', error as Error));
  };
  if (!gate.available) follow(false);
  const unsubscribe = gate.subscribe(follow);
  worker.once('closing', unsubscribe);
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
