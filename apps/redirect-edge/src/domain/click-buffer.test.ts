import { randomUUID } from 'node:crypto';
import { type ClickBatch, type ClickBatchV2, parseClickBatch } from '@boltlink/queues/catalog';
import { describe, expect, it } from 'vitest';
import { BYTES_PER_CLICK, type ClickBuffer, createClickBuffer } from './click-buffer.ts';

const AGENT = Object.freeze({ device: 'desktop', browser: 'Firefox', os: 'Linux' });

function click(buffer: ClickBuffer, linkId: string = randomUUID()): void {
  buffer.add({
    linkId,
    occurredAt: Date.now(),
    agent: AGENT,
    referrerHost: null,
    country: null,
    isBot: false,
    visitorHash: 'h',
  });
}

/** A publisher double: records batches (decoded as the consumer decodes them), fails while `down` is set. */
function recorder() {
  const batches: ClickBatch[] = [];
  const payloads: ClickBatchV2[] = [];
  const attempts: string[] = [];
  const state = { down: false };
  return {
    batches,
    payloads,
    attempts,
    state,
    publisher: {
      async publish(batch: ClickBatchV2) {
        attempts.push(batch.batchId);
        if (state.down) throw new Error('queue unreachable');
        payloads.push(batch);
        batches.push(parseClickBatch(JSON.parse(JSON.stringify(batch))));
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
      maxBufferedBytes: Number.MAX_SAFE_INTEGER,
      maxBuffered: 100,
      onDropped: () => {},
    });
    for (let i = 0; i < 4; i += 1) click(buffer);
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
      maxBufferedBytes: Number.MAX_SAFE_INTEGER,
      maxBuffered: 4,
      onDropped: (count) => {
        dropped += count;
      },
    });
    sink.state.down = true;
    for (let i = 0; i < 10; i += 1) click(buffer);
    await buffer.flush();
    expect(buffer.size).toBe(4);
    expect(dropped).toBe(6);
    sink.state.down = false;
    await buffer.flush();
    expect(buffer.size).toBe(0);
    expect(sink.batches.flatMap((batch) => batch.events)).toHaveLength(4);
    await buffer.close();
  });

  it('retries a failed batch as it was built: same batch id, same event ids', async () => {
    const sink = recorder();
    const buffer = createClickBuffer({
      publisher: sink.publisher,
      batchSize: 2,
      flushIntervalMs: 60_000,
      maxBufferedBytes: Number.MAX_SAFE_INTEGER,
      maxBuffered: 10,
      onDropped: () => {},
    });
    const link = randomUUID();
    sink.state.down = true;
    click(buffer, link);
    click(buffer, link);
    await buffer.flush();
    expect(sink.attempts).toHaveLength(1);
    expect(buffer.size).toBe(2);
    click(buffer, link);
    sink.state.down = false;
    await buffer.flush();
    expect(sink.attempts[1]).toBe(sink.attempts[0]);
    expect(sink.batches.map((batch) => batch.events.length)).toEqual([2, 1]);
    const ids = sink.batches.flatMap((batch) => batch.events.map((event) => event.eventId));
    expect(new Set(ids).size).toBe(3);
    expect(sink.payloads[0]?.links).toEqual([link]);
    await buffer.close();
  });

  it('flushes on close and counts what cannot be delivered', async () => {
    const sink = recorder();
    let dropped = 0;
    const buffer = createClickBuffer({
      publisher: sink.publisher,
      batchSize: 100,
      flushIntervalMs: 60_000,
      maxBufferedBytes: Number.MAX_SAFE_INTEGER,
      maxBuffered: 100,
      onDropped: (count) => {
        dropped += count;
      },
    });
    click(buffer);
    click(buffer);
    await buffer.close();
    expect(sink.batches.flatMap((batch) => batch.events)).toHaveLength(2);

    const failing = recorder();
    failing.state.down = true;
    const closing = createClickBuffer({
      publisher: failing.publisher,
      batchSize: 100,
      flushIntervalMs: 60_000,
      maxBufferedBytes: Number.MAX_SAFE_INTEGER,
      maxBuffered: 100,
      onDropped: (count) => {
        dropped += count;
      },
    });
    click(closing);
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
      maxBufferedBytes: Number.MAX_SAFE_INTEGER,
      maxBuffered: 10,
      isPermanent: (error) => error instanceof TypeError,
      onDropped: (count) => {
        dropped += count;
      },
    });
    click(buffer);
    click(buffer);
    await buffer.flush();
    expect(dropped).toBe(2);
    expect(buffer.size).toBe(0);
    await buffer.close();
  });

  it('on close, retries until the deadline: delivered if the queue comes back, else counted and returned', async () => {
    const sink = recorder();
    let dropped = 0;
    const options = {
      batchSize: 100,
      flushIntervalMs: 60_000,
      maxBufferedBytes: Number.MAX_SAFE_INTEGER,
      onDropped: (count: number) => {
        dropped += count;
      },
    };
    const buffer = createClickBuffer({ ...options, publisher: sink.publisher });
    sink.state.down = true;
    click(buffer);
    click(buffer);
    setTimeout(() => {
      sink.state.down = false;
    }, 300);
    expect(await buffer.close({ deadline: Date.now() + 5000 })).toEqual({ lost: 0 });
    expect(sink.batches.flatMap((batch) => batch.events)).toHaveLength(2);
    expect(sink.attempts.length).toBeGreaterThan(1);

    const down = recorder();
    down.state.down = true;
    const stuck = createClickBuffer({ ...options, publisher: down.publisher });
    click(stuck);
    click(stuck);
    click(stuck);
    expect(await stuck.close({ deadline: Date.now() + 300 })).toEqual({ lost: 3 });
    expect(dropped).toBe(3);
    expect(down.attempts.length).toBeGreaterThan(1);
  });

  it('bounds what it holds by memory: BYTES_PER_CLICK each', async () => {
    const sink = recorder();
    sink.state.down = true;
    let dropped = 0;
    const buffer = createClickBuffer({
      publisher: sink.publisher,
      batchSize: 2,
      flushIntervalMs: 60_000,
      maxBufferedBytes: 5 * BYTES_PER_CLICK + BYTES_PER_CLICK / 2,
      onDropped: (count) => {
        dropped += count;
      },
    });
    for (let i = 0; i < 8; i += 1) click(buffer);
    await buffer.flush();
    expect(buffer.size).toBe(5);
    expect(dropped).toBe(3);
    await buffer.close();
  });
});
