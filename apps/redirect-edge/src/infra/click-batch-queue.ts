import type { ClickBatchV1 } from '@boltlink/queues/catalog';
import {
  ClickEventV1,
  defaultJobOptions,
  InvalidJobPayloadError,
  JOB_NAMES,
  MAX_EVENTS_PER_BATCH,
  QUEUE_NAMES,
} from '@boltlink/queues/catalog';
import { type Static, Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { ClickBatchPublisher } from '../domain/click-buffer.ts';

/**
 * The edge's side of the clicks queue: the v1 batch, checked before it is written, in one job per batch whose
 * id is the batch id (a retried enqueue is one job). The consumer validates every job in full
 * (`parseClickBatch`); this check is the producer's own guard and skips only what holds by construction, at a
 * cost per click that showed up in profiles of the redirect path: the UUID pattern of `eventId`
 * (`randomUUID()`), of `linkId` (a cached link id, checked to be a UUID where the edge reads it:
 * `isLinkId` in the Redis link cache, a uuid column in Postgres) and of `batchId`. Lengths, types, every other
 * field and the shape (no extra properties) are still checked here.
 */
const ProducedClickEvent = Type.Composite(
  [
    Type.Omit(ClickEventV1, ['eventId', 'linkId']),
    Type.Object({
      eventId: Type.String({ minLength: 36, maxLength: 36 }),
      linkId: Type.String({ minLength: 36, maxLength: 36 }),
    }),
  ],
  { additionalProperties: false },
);
const ProducedClickBatch = Type.Object(
  {
    v: Type.Literal(1),
    batchId: Type.String({ minLength: 36, maxLength: 36 }),
    events: Type.Array(ProducedClickEvent, { minItems: 1, maxItems: MAX_EVENTS_PER_BATCH }),
  },
  { additionalProperties: false },
);
const checkProduced = TypeCompiler.Compile(ProducedClickBatch);

// Compile-time proof that what this checks is exactly the catalog's v1 batch.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameShape: Same<Static<typeof ProducedClickBatch>, ClickBatchV1> = true;
void sameShape;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A link id the edge may put into click events: checked once per cache read, not once per click. */
export function isLinkId(id: string): boolean {
  return UUID.test(id);
}

export function createClickBatchQueue(options: { connection: Redis; prefix: string }): ClickBatchPublisher & {
  close(): Promise<void>;
} {
  const queue = new Queue(QUEUE_NAMES.clicks, {
    connection: options.connection,
    prefix: options.prefix,
    defaultJobOptions,
  });
  return {
    async publish(batch) {
      if (!checkProduced.Check(batch)) {
        const problems = [...checkProduced.Errors(batch)]
          .slice(0, 5)
          .map((e) => `${e.path || '/'}: ${e.message}`);
        throw new InvalidJobPayloadError(QUEUE_NAMES.clicks, problems);
      }
      await queue.add(JOB_NAMES.clickBatch, batch, { jobId: batch.batchId });
    },
    close: () => queue.close(),
  };
}
