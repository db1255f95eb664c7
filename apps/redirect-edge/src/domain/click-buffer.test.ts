import { randomUUID } from 'node:crypto';
import type { ClickBatchV1, ClickEventV1 } from '@boltlink/queues/catalog';
import { describe, expect, it } from 'vitest';
import { createClickBuffer } from './click-buffer.ts';

function event(): ClickEventV1 {
  return {
    eventId: randomUUID(),
    linkId: randomUUID(),
    occurredAt: Date.now(),
    referrerHost: null,
    country: null,
    device: 'desktop',
    browser: 'Firefox',
    os: 'Linux',
    isBot: false,
    visitorHash: 'h',
  };
}

/** A publisher double: records batches, fails while `down` is set. */
function recorder() {
  const batches: ClickBatchV1[] = [];
  const state = { down: false };
  return {
    batches,
    state,
    publisher: {
      async publish(batch: ClickBatchV1) {
        if (state.down) throw new Error('queue unreachable');
        batches.push(batch);
      },
    },
  };
}

describe('click buffer', () => {
  it('publishes a full batch at once and the rest on the timer', async () => {
    const sink = recorder();
    const buffer = createClickBuffer({
      publisher: sink.publisher,
      batchSize: 3,
      flushIntervalMs: 10,
      maxBuffered: 100,
      onDropped: () => {},
    });
    for (let i = 0; i < 4; i += 1) buffer.push(event());
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(sink.batches.map((batch) => batch.events.length)).toEqual([3, 1]);
    expect(new Set(sink.batches.map((batch) => batch.batchId)).size).toBe(2);
    await buffer.close();
  });

  it('keeps failed batches within the bound, counts what does not fit, and delivers the rest later', async () => {
    const sink = recorder();
    let dropped = 0;
    const buffer = createClickBuffer({
      publisher: sink.publisher,
      batchSize: 2,
      flushIntervalMs: 5,
      maxBuffered: 4,
      onDropped: (count) => {
        dropped += count;
      },
    });
    sink.state.down = true;
    for (let i = 0; i < 10; i += 1) buffer.push(event());
    await buffer.flush();
    expect(buffer.size).toBe(4);
    expect(dropped).toBe(6);
    sink.state.down = false;
    await buffer.flush();
    expect(buffer.size).toBe(0);
    expect(sink.batches.flatMap((batch) => batch.events)).toHaveLength(4);
    await buffer.close();
  });

  it('flushes on close and counts what cannot be delivered', async () => {
    const sink = recorder();
    let dropped = 0;
    const buffer = createClickBuffer({
      publisher: sink.publisher,
      batchSize: 100,
      flushIntervalMs: 60_000,
      maxBuffered: 100,
      onDropped: (count) => {
        dropped += count;
      },
    });
    buffer.push(event());
    buffer.push(event());
    await buffer.close();
    expect(sink.batches.flatMap((batch) => batch.events)).toHaveLength(2);

    const failing = recorder();
    failing.state.down = true;
    const closing = createClickBuffer({
      publisher: failing.publisher,
      batchSize: 100,
      flushIntervalMs: 60_000,
      maxBuffered: 100,
      onDropped: (count) => {
        dropped += count;
      },
    });
    closing.push(event());
    await closing.close();
    expect(dropped).toBe(1);
  });

  it('drops a batch that can never be accepted instead of retrying it forever', async () => {
    let dropped = 0;
    const buffer = createClickBuffer({
      publisher: {
        async publish() {
          throw new TypeError('invalid payload');
        },
      },
      batchSize: 2,
      flushIntervalMs: 5,
      maxBuffered: 10,
      isPermanent: (error) => error instanceof TypeError,
      onDropped: (count) => {
        dropped += count;
      },
    });
    buffer.push(event());
    buffer.push(event());
    await buffer.flush();
    expect(dropped).toBe(2);
    expect(buffer.size).toBe(0);
    await buffer.close();
  });
});
