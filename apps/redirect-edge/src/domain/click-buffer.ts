import { randomUUID } from 'node:crypto';
import type { ClickBatchV1, ClickEventV1 } from '@boltlink/queues/catalog';

/** The queue side of click capture: one call per batch, may reject when the queue Redis is unreachable. */
export interface ClickBatchPublisher {
  publish(batch: ClickBatchV1): Promise<void>;
}

export interface ClickBufferOptions {
  publisher: ClickBatchPublisher;
  batchSize: number;
  flushIntervalMs: number;
  /** Upper bound of events held in memory, failed batches included; beyond it events are dropped. */
  maxBuffered: number;
  onDropped: (count: number) => void;
  onPublished?: (count: number) => void;
  onPublishError?: (error: unknown) => void;
  /** A batch whose error no retry can fix (it failed validation) is dropped instead of re-buffered. */
  isPermanent?: (error: unknown) => boolean;
}

export interface ClickBuffer {
  /** Never blocks and never throws: the redirect that produced the event has already been decided. */
  push(event: ClickEventV1): void;
  /** Publishes everything buffered now; resolves when done or when a publish failed (events re-buffered). */
  flush(): Promise<void>;
  /** Stops the timer and makes a last flush attempt; what still fails is counted as dropped. */
  close(): Promise<void>;
  readonly size: number;
}

/**
 * Buffers click events and publishes one job per batch (size or time bound). A single flush runs at a time,
 * draining in batch-sized jobs, so a slow queue Redis cannot pile up concurrent writes. A failed batch goes
 * back to the front of the buffer (order kept) as long as the bound allows.
 */
export function createClickBuffer(options: ClickBufferOptions): ClickBuffer {
  const { publisher, batchSize, flushIntervalMs, maxBuffered, onDropped } = options;
  let events: ClickEventV1[] = [];
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  let closed = false;

  function schedule(): void {
    if (timer !== null || closed) return;
    timer = setTimeout(() => {
      timer = null;
      void flush();
    }, flushIntervalMs);
    // A pending flush must not keep a closing process alive; close() flushes explicitly.
    timer.unref();
  }

  async function drain(): Promise<void> {
    while (events.length > 0) {
      const batchEvents = events.length <= batchSize ? events : events.slice(0, batchSize);
      events = batchEvents === events ? [] : events.slice(batchSize);
      try {
        await publisher.publish({ v: 1, batchId: randomUUID(), events: batchEvents });
        options.onPublished?.(batchEvents.length);
      } catch (error) {
        options.onPublishError?.(error);
        if (options.isPermanent?.(error) === true) {
          onDropped(batchEvents.length);
          continue;
        }
        requeue(batchEvents);
        return;
      }
    }
  }

  function requeue(failed: ClickEventV1[]): void {
    const room = maxBuffered - events.length;
    if (room <= 0) {
      onDropped(failed.length);
      return;
    }
    // Keep the oldest events: they have waited longest and the newer ones may still fit after them.
    const kept = failed.length <= room ? failed : failed.slice(0, room);
    if (kept.length < failed.length) onDropped(failed.length - kept.length);
    events = kept.concat(events);
  }

  function flush(): Promise<void> {
    if (running !== null) return running;
    if (events.length === 0) return Promise.resolve();
    if (timer !== null) {
      clearTimeout(timer);
      timer = null;
    }
    running = drain().finally(() => {
      running = null;
      // Events that arrived during the flush (or a failed batch) wait for the next tick of the timer.
      if (events.length > 0) schedule();
    });
    return running;
  }

  return {
    push(event) {
      if (events.length >= maxBuffered) {
        onDropped(1);
        return;
      }
      events.push(event);
      if (events.length >= batchSize && running === null) void flush();
      else schedule();
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
      if (events.length > 0) {
        onDropped(events.length);
        events = [];
      }
    },
    get size() {
      return events.length;
    },
  };
}
