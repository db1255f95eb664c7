import { randomUUID } from 'node:crypto';
import { type CapturedClick, ClickBatchBuilder, type ClickBatchV2 } from '@boltlink/queues/catalog';

/** The queue side of click capture: one call per batch, may reject when the queue Redis is unreachable. */
/**
 * What one buffered click costs in heap, for turning CLICK_BUFFER_MAX_BYTES into a count. Measured by
 * bench/click-buffer-memory.ts (the real recorder and buffer, the queue unreachable, 1M clicks): 88 bytes per
 * click for one returning visitor, 164 when every click is a new visitor (a new visitor hash each), 176 with a
 * country header and referrers too. The worst case, rounded up, so the bound holds whatever the traffic.
 */
export const BYTES_PER_CLICK = 192;

export interface ClickBatchPublisher {
  publish(batch: ClickBatchV2): Promise<void>;
}

export interface ClickBufferOptions {
  publisher: ClickBatchPublisher;
  batchSize: number;
  flushIntervalMs: number;
  /**
   * Upper bound of the memory held by clicks, failed and in-flight batches included, counted at
   * `BYTES_PER_CLICK` each; beyond it clicks are dropped (and counted).
   */
  maxBufferedBytes: number;
  /** An additional bound in clicks (the deprecated CLICK_BUFFER_MAX); the smaller of the two applies. */
  maxBuffered?: number;
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
  add(click: CapturedClick): void;
  /** Publishes everything buffered now; resolves when done or when a publish failed (batch kept). */
  flush(): Promise<void>;
  /**
   * Stops the timer and flushes, retrying failed batches until `deadline` (epoch ms; without one, a single
   * attempt). What is still held then is counted as dropped, and its count returned.
   */
  close(options?: { deadline?: number }): Promise<{ lost: number }>;
  /** Clicks held: open batch, batches waiting for a retry and the batch being written. */
  readonly size: number;
}

/**
 * Buffers clicks straight into a v2 batch builder (no object kept per click) and publishes one job per batch
 * (size or time bound). A single flush runs at a time, so a slow queue Redis cannot pile up concurrent writes.
 *
 * A batch that failed to publish is kept as built, batch id included, and retried first: if the failed write
 * did reach Redis (a timeout after the fact), the retry is the same job id and the same event ids, so it is
 * neither a second job nor counted twice. Everything held counts against `maxBuffered`, so a failed batch
 * always has its place back and new clicks are refused (and counted) while the bound is reached.
 */
export function createClickBuffer(options: ClickBufferOptions): ClickBuffer {
  const { publisher, batchSize, flushIntervalMs, onDropped } = options;
  const maxBuffered = Math.min(
    Math.floor(options.maxBufferedBytes / BYTES_PER_CLICK),
    options.maxBuffered ?? Number.POSITIVE_INFINITY,
  );
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
    add(click) {
      if (held() >= maxBuffered) {
        onDropped(1);
        return;
      }
      open.add(click);
      if (open.size >= batchSize) {
        // Sealed now so the open batch never exceeds batchSize while an earlier one is being written.
        seal();
        void run();
      } else schedule();
    },
    flush,
    async close(closeOptions = {}) {
      const deadline = closeOptions.deadline;
      closed = true;
      if (timer !== null) {
        clearTimeout(timer);
        timer = null;
      }
      // A write that hangs (the queue's command timeout bounds it) must not hold the shutdown past its deadline.
      const bounded = (attempt: Promise<void>) =>
        deadline === undefined ? attempt : raceDeadline(attempt, deadline - Date.now());
      if (running !== null) await bounded(running);
      for (;;) {
        await bounded(flush());
        if (held() === 0) return { lost: 0 };
        const left = (deadline ?? 0) - Date.now();
        if (left <= 0) break;
        await sleep(Math.min(CLOSE_RETRY_MS, left));
      }
      // A batch whose write is still in flight is counted too: it may yet arrive, but nothing here can know.
      const lost = held();
      onDropped(lost);
      open = new ClickBatchBuilder();
      waiting.length = 0;
      waitingClicks = 0;
      inFlight = 0;
      return { lost };
    },
    get size() {
      return held();
    },
  };
}

/** Pause between flush attempts while closing: the queue Redis may be back any moment. */
const CLOSE_RETRY_MS = 200;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Waits for `promise`, or `ms` at most (the promise keeps running). */
async function raceDeadline(promise: Promise<void>, ms: number): Promise<void> {
  if (ms <= 0) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
