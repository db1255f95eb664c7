import { randomUUID } from 'node:crypto';
import { ClickBatchBuilder, type ClickBatchV2 } from '@boltlink/queues/catalog';

/** The queue side of click capture: one call per batch, may reject when the queue Redis is unreachable. */
export interface ClickBatchPublisher {
  publish(batch: ClickBatchV2): Promise<void>;
}

export interface ClickBufferOptions {
  publisher: ClickBatchPublisher;
  batchSize: number;
  flushIntervalMs: number;
  /** Upper bound of clicks held in memory, failed and in-flight batches included; beyond it clicks are dropped. */
  maxBuffered: number;
  onDropped: (count: number) => void;
  onPublished?: (count: number) => void;
  onPublishError?: (error: unknown) => void;
  /** A batch whose error no retry can fix (it failed validation) is dropped instead of re-buffered. */
  isPermanent?: (error: unknown) => boolean;
  /** Batch ids; the job id and the root of every event id in the batch. */
  newBatchId?: () => string;
}

export interface ClickBuffer {
  /**
   * One click, as the batch builder takes it. Never blocks and never throws: the redirect that produced the
   * click has already been decided.
   */
  add(...click: Parameters<ClickBatchBuilder['add']>): void;
  /** Publishes everything buffered now; resolves when done or when a publish failed (batch kept). */
  flush(): Promise<void>;
  /** Stops the timer and makes a last flush attempt; what still fails is counted as dropped. */
  close(): Promise<void>;
  /** Clicks held: open batch, batches waiting for a retry and the batch being written. */
  readonly size: number;
}

/**
 * Buffers clicks straight into a v2 batch builder (no object per click) and publishes one job per batch
 * (size or time bound). A single flush runs at a time, so a slow queue Redis cannot pile up concurrent writes.
 *
 * A batch that failed to publish is kept as built, batch id included, and retried first: if the failed write
 * did reach Redis (a timeout after the fact), the retry is the same job id and the same event ids, so it is
 * neither a second job nor counted twice. Everything held counts against `maxBuffered`, so a failed batch
 * always has its place back and new clicks are refused (and counted) while the bound is reached.
 */
export function createClickBuffer(options: ClickBufferOptions): ClickBuffer {
  const { publisher, batchSize, flushIntervalMs, maxBuffered, onDropped } = options;
  const newBatchId = options.newBatchId ?? randomUUID;
  let open = new ClickBatchBuilder();
  /** Built batches waiting to be (re)published, oldest first. */
  const waiting: ClickBatchV2[] = [];
  let waitingClicks = 0;
  let inFlight = 0;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  let closed = false;

  /** Set by `flush` (the timer, close, a caller): the open batch is sealed once the waiting ones are written. */
  let sealRequested = false;

  const held = () => open.size + waitingClicks + inFlight;

  function schedule(): void {
    if (timer !== null || closed) return;
    timer = setTimeout(() => {
      timer = null;
      void flush();
    }, flushIntervalMs);
    // A pending flush must not keep a closing process alive; close() flushes explicitly.
    timer.unref();
  }

  function seal(): void {
    if (open.size === 0) return;
    const batch = open.build(newBatchId());
    waiting.push(batch);
    waitingClicks += batch.link.length;
  }

  /**
   * Writes the waiting batches, oldest first. The open batch is sealed only when a flush asked for it: a batch
   * is enqueued when full or when its time is up, never just because the previous write has returned (which
   * under load would cut the stream into many small jobs, each paying the per-job cost).
   */
  async function drain(): Promise<void> {
    for (;;) {
      if (waiting.length === 0 && sealRequested) {
        sealRequested = false;
        seal();
      }
      const batch = waiting.shift();
      if (batch === undefined) return;
      const count = batch.link.length;
      waitingClicks -= count;
      inFlight = count;
      try {
        await publisher.publish(batch);
        inFlight = 0;
        options.onPublished?.(count);
      } catch (error) {
        inFlight = 0;
        options.onPublishError?.(error);
        if (options.isPermanent?.(error) === true) {
          onDropped(count);
          continue;
        }
        waiting.unshift(batch);
        waitingClicks += count;
        return;
      }
    }
  }

  /** Starts a drain unless one runs (it picks up what was queued meanwhile). */
  function run(): Promise<void> {
    if (running !== null) return running;
    if (waiting.length === 0 && (!sealRequested || open.size === 0)) {
      sealRequested = false;
      return Promise.resolve();
    }
    running = drain().finally(() => {
      running = null;
      // Clicks still held (open, or a failed batch) wait for the next tick of the timer.
      if (held() > 0) schedule();
    });
    return running;
  }

  function flush(): Promise<void> {
    if (timer !== null) {
      clearTimeout(timer);
      timer = null;
    }
    sealRequested = true;
    return run();
  }

  return {
    // Named parameters, not a rest array: this runs once per redirect and must not allocate.
    add(linkId, occurredAt, agent, referrerHost, country, isBot, visitorHash) {
      if (held() >= maxBuffered) {
        onDropped(1);
        return;
      }
      open.add(linkId, occurredAt, agent, referrerHost, country, isBot, visitorHash);
      if (open.size >= batchSize) {
        // Sealed now so the open batch never exceeds batchSize while an earlier one is being written.
        seal();
        void run();
      } else schedule();
    },
    flush,
    async close() {
      if (running !== null) await running;
      closed = true;
      if (timer !== null) {
        clearTimeout(timer);
        timer = null;
      }
      await flush();
      if (running !== null) await running;
      const left = held();
      if (left > 0) {
        onDropped(left);
        open = new ClickBatchBuilder();
        waiting.length = 0;
        waitingClicks = 0;
      }
    },
    get size() {
      return held();
    },
  };
}
