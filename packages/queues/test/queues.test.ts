import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createQueueRedis, type RedisClient, waitForReady } from '@boltlink/redis-keys/clients';
import { startPrivateRedis, testRedisUrl, uniquePrefix } from '@boltlink/testing/redis';
import { type Job, Queue, type Worker } from 'bullmq';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type ClickBatch,
  defaultJobOptions,
  InvalidJobPayloadError,
  type LinkMetadataJob,
  parseClickBatch,
  parseLinkMetadataJob,
  QUEUE_NAMES,
} from '../src/catalog.ts';
import { createDependencyGate } from '../src/dependency-gate.ts';
import { createQueueProducer, type QueueProducer } from '../src/producer.ts';
import { createValidatedWorker } from '../src/worker.ts';

function batch(events = 2): ClickBatch {
  return {
    v: 1,
    batchId: randomUUID(),
    events: Array.from({ length: events }, (_, i) => ({
      eventId: randomUUID(),
      linkId: '6f1c1a4e-9d1b-4c55-8f0e-2a6e8f4c9b10',
      occurredAt: 1_700_000_000_000 + i,
      referrerHost: null,
      country: 'FR',
      device: 'desktop',
      browser: 'Firefox',
      os: 'Linux',
      isBot: false,
      visitorHash: null,
    })),
  };
}

const connections: RedisClient[] = [];
const closers: (() => Promise<unknown>)[] = [];

function connection(role: 'producer' | 'worker'): RedisClient {
  const client = createQueueRedis(testRedisUrl(), role);
  connections.push(client);
  return client;
}

/** Each test gets its own BullMQ prefix (a hash tag, as in production), so queues never share jobs. */
function setup(): { prefix: string; producer: QueueProducer; clicks: Queue; metadata: Queue } {
  const prefix = `{${uniquePrefix('queues')}}`;
  const producer = createQueueProducer({ connection: connection('producer'), prefix });
  const clicks = new Queue(QUEUE_NAMES.clicks, {
    connection: connection('producer'),
    prefix,
    defaultJobOptions,
  });
  const metadata = new Queue(QUEUE_NAMES.linkMetadata, { connection: connection('producer'), prefix });
  closers.push(
    () => producer.close(),
    () => clicks.close(),
    () => metadata.close(),
  );
  return { prefix, producer, clicks, metadata };
}

function track<W extends Worker>(worker: W): W {
  closers.push(() => worker.close());
  return worker;
}

async function settled(worker: Worker, event: 'completed' | 'failed'): Promise<Job> {
  const [job] = (await once(worker, event)) as [Job];
  return job;
}

afterAll(async () => {
  for (const close of closers.reverse()) await close();
  for (const client of connections) client.disconnect();
});

describe('click batches', () => {
  it('processes a valid batch with the validated payload', async () => {
    const { prefix, producer } = setup();
    const seen: ClickBatch[] = [];
    const worker = track(
      createValidatedWorker(
        QUEUE_NAMES.clicks,
        parseClickBatch,
        async (payload) => {
          seen.push(payload);
          return payload.events.length;
        },
        { connection: connection('worker'), prefix, concurrency: 1 },
      ),
    );
    const done = settled(worker, 'completed');
    const sent = batch(3);
    const id = await producer.enqueueClickBatch(sent);
    const job = await done;
    expect(id).toBe(sent.batchId);
    expect(job.id).toBe(sent.batchId);
    expect(job.returnvalue).toBe(3);
    expect(job.attemptsMade).toBe(1);
    expect(seen).toEqual([sent]);
  }, 20_000);

  it('fails a bad payload after exactly one attempt, without calling the processor', async () => {
    const { prefix, clicks } = setup();
    let calls = 0;
    const worker = track(
      createValidatedWorker(
        QUEUE_NAMES.clicks,
        parseClickBatch,
        async () => {
          calls += 1;
        },
        { connection: connection('worker'), prefix, concurrency: 1 },
      ),
    );
    const failed = settled(worker, 'failed');
    // An old or buggy producer that skipped validation; the queue still carries attempts: 10.
    const bad = await clicks.add('click-batch', { v: 1, batchId: randomUUID(), events: [{ eventId: 'x' }] });
    expect(bad.opts.attempts).toBe(10);
    await failed;
    const job = await clicks.getJob(bad.id ?? '');
    expect(await job?.getState()).toBe('failed');
    expect(job?.attemptsMade).toBe(1);
    expect(job?.failedReason).toMatch(/^invalid clicks job payload: \/events\/0/);
    expect(calls).toBe(0);
  }, 20_000);

  it('leaves a transient failure to the retry policy', async () => {
    const { prefix, producer, clicks } = setup();
    const worker = track(
      createValidatedWorker(
        QUEUE_NAMES.clicks,
        parseClickBatch,
        async (): Promise<void> => {
          throw new Error('database restarting');
        },
        { connection: connection('worker'), prefix, concurrency: 1 },
      ),
    );
    const failed = settled(worker, 'failed');
    const id = await producer.enqueueClickBatch(batch());
    await failed;
    const job = await clicks.getJob(id);
    expect(await job?.getState()).toBe('delayed');
    expect(job?.attemptsMade).toBe(1);
  }, 20_000);

  it('deduplicates a retried enqueue of the same batch', async () => {
    const { producer, clicks } = setup();
    const sent = batch();
    const first = await producer.enqueueClickBatch(sent);
    const second = await producer.enqueueClickBatch(sent);
    expect(second).toBe(first);
    const counts = await clicks.getJobCounts();
    expect(counts.waiting).toBe(1);
    expect(Object.values(counts).reduce((sum, n) => sum + n, 0)).toBe(1);
    const stored = await clicks.getJob(first);
    expect(stored?.data).toEqual(sent);
    expect(stored?.opts).toMatchObject({ attempts: 10, backoff: { type: 'exponential', delay: 1000 } });
  }, 20_000);

  it('refuses to enqueue an invalid batch', async () => {
    const { producer, clicks } = setup();
    const empty = { ...batch(), events: [] };
    await expect(producer.enqueueClickBatch(empty)).rejects.toBeInstanceOf(InvalidJobPayloadError);
    expect(await clicks.count()).toBe(0);
  }, 20_000);
});

describe('dependency gate', () => {
  it('hands a job back without spending an attempt while its dependency is down, then runs it', async () => {
    const { prefix, producer, clicks } = setup();
    let dependencyUp = false;
    let calls = 0;
    const deferred: string[] = [];
    const gate = createDependencyGate({
      dependency: 'database',
      isUnavailable: (error) => error instanceof Error && error.message === 'database unreachable',
      probe: async () => {
        if (!dependencyUp) throw new Error('still down');
      },
      minDelayMs: 20,
      maxDelayMs: 100,
    });
    closers.push(async () => gate.stop());
    const worker = track(
      createValidatedWorker(
        QUEUE_NAMES.clicks,
        parseClickBatch,
        async (payload) => {
          calls += 1;
          if (!dependencyUp) throw new Error('database unreachable');
          return payload.events.length;
        },
        {
          connection: connection('worker'),
          prefix,
          concurrency: 1,
          gate,
          onDeferred: (job) => deferred.push(job.id ?? ''),
        },
      ),
    );
    const failedEvents: Job[] = [];
    worker.on('failed', (job) => {
      if (job) failedEvents.push(job);
    });
    const sent = batch(2);
    await producer.enqueueClickBatch(sent);
    while (deferred.length < 1) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(gate.available).toBe(false);
    expect(worker.isPaused()).toBe(true);
    // Several failed probes later, the job is still waiting with its attempts intact and was not taken again.
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(calls).toBe(1);
    expect(deferred).toEqual([sent.batchId]);
    const waiting = await clicks.getJob(sent.batchId);
    expect(await waiting?.getState()).toBe('waiting');
    expect(waiting?.attemptsMade).toBe(0);

    const done = settled(worker, 'completed');
    dependencyUp = true;
    const job = await done;
    expect(job.id).toBe(sent.batchId);
    expect(job.returnvalue).toBe(2);
    expect(job.attemptsMade).toBe(1);
    expect(failedEvents).toEqual([]);
    expect(calls).toBe(2);
  }, 20_000);
});

describe('link metadata jobs', () => {
  it('enqueues with the current version and consumes the validated payload', async () => {
    const { prefix, producer } = setup();
    const seen: LinkMetadataJob[] = [];
    const worker = track(
      createValidatedWorker(
        QUEUE_NAMES.linkMetadata,
        parseLinkMetadataJob,
        async (payload) => {
          seen.push(payload);
        },
        { connection: connection('worker'), prefix, concurrency: 2 },
      ),
    );
    const done = settled(worker, 'completed');
    const linkId = randomUUID();
    await producer.enqueueLinkMetadata({ linkId, url: 'https://example.com/page' });
    await done;
    expect(seen).toEqual([{ v: 1, linkId, url: 'https://example.com/page' }]);
    await expect(producer.enqueueLinkMetadata({ linkId, url: 'javascript:alert(1)' })).rejects.toBeInstanceOf(
      InvalidJobPayloadError,
    );
  }, 20_000);
});

describe('link metadata deduplication', () => {
  it('queues one job per link and destination, however often it is asked', async () => {
    const { producer, metadata } = setup();
    const linkId = randomUUID();
    const first = await producer.enqueueLinkMetadata({ linkId, url: 'https://example.com/a' });
    const again = await producer.enqueueLinkMetadata({ linkId, url: 'https://example.com/a' });
    const otherUrl = await producer.enqueueLinkMetadata({ linkId, url: 'https://example.com/b' });
    const otherLink = await producer.enqueueLinkMetadata({
      linkId: randomUUID(),
      url: 'https://example.com/a',
    });

    expect(again).toBe(first);
    expect(new Set([first, otherUrl, otherLink]).size).toBe(3);
    expect(await metadata.getJobCountByTypes('waiting', 'prioritized', 'delayed')).toBe(3);
    expect((await metadata.getJob(first))?.data).toEqual({ v: 1, linkId, url: 'https://example.com/a' });
  }, 20_000);
});

describe('producer connection', () => {
  it('fails fast instead of buffering when the queue Redis is down', async () => {
    const own = await startPrivateRedis();
    const client = createQueueRedis(own.url, 'producer');
    client.on('error', () => undefined);
    const producer = createQueueProducer({ connection: client, prefix: '{down}' });
    try {
      await producer.enqueueClickBatch(batch());
      await own.stop();
      const started = Date.now();
      await expect(producer.enqueueClickBatch(batch())).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      await producer.close().catch(() => undefined);
      client.disconnect();
      await own.destroy();
    }
  }, 30_000);

  it('accepts jobs once Redis is back after going away while the producer started', async () => {
    const own = await startPrivateRedis();
    const client = createQueueRedis(own.url, 'producer');
    client.on('error', () => undefined);
    await waitForReady(client, 10_000);
    // Frozen, then gone: the producer's first command (BullMQ's version check) is sent and never answered.
    own.pause();
    let replaced = 0;
    const producer = createQueueProducer({
      connection: client,
      prefix: '{restart}',
      onReplaced: () => replaced++,
    });
    const job = { linkId: '6f1c1a4e-9d1b-4c55-8f0e-2a6e8f4c9b10', url: 'https://example.com/back' };
    try {
      await own.kill();
      await expect(producer.enqueueLinkMetadata(job)).rejects.toThrow();
      await own.start();
      await waitForReady(client, 10_000);
      const id = await producer.enqueueLinkMetadata(job);
      const clicksId = await producer.enqueueClickBatch(batch());
      const check = new Queue(QUEUE_NAMES.linkMetadata, { connection: client, prefix: '{restart}' });
      const stored = await check.getJob(id);
      await check.close();
      expect(stored?.data).toEqual({ v: 1, ...job });
      expect(clicksId).toBeTruthy();
      expect(replaced).toBe(1);
    } finally {
      await producer.close().catch(() => undefined);
      client.disconnect();
      await own.destroy();
    }
  }, 30_000);
});
