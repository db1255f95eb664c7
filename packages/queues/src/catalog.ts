import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { type TypeCheck, TypeCompiler } from '@sinclair/typebox/compiler';
import type { DefaultJobOptions } from 'bullmq';

/**
 * Every queue and job BoltLink runs. Payloads are wire formats that outlive a deploy: each carries a version,
 * is validated when enqueued and when consumed, and a consumer reads the current and the previous version so
 * a rolling update with mixed producers and consumers loses nothing.
 */
export const QUEUE_NAMES = { clicks: 'clicks', linkMetadata: 'link-metadata' } as const;
export type QueueName = (typeof QUEUE_NAMES)[keyof typeof QUEUE_NAMES];

/** BullMQ job names (one per queue today); shown in dashboards and logs. */
export const JOB_NAMES = { clickBatch: 'click-batch', linkMetadata: 'link-metadata' } as const;

const UUID = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
const Uuid = () => Type.String({ pattern: UUID, minLength: 36, maxLength: 36 });
const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const MAX_EVENTS_PER_BATCH = 5000;

export const ClickEventV1 = Type.Object(
  {
    /** Unique per click; the consumer inserts with ON CONFLICT DO NOTHING on it, so redelivery is harmless. */
    eventId: Uuid(),
    linkId: Uuid(),
    /** Epoch milliseconds at the edge. */
    occurredAt: Type.Integer({ minimum: 0 }),
    referrerHost: Nullable(Type.String({ minLength: 1, maxLength: 253 })),
    /** ISO 3166-1 alpha-2, upper case. */
    country: Nullable(Type.String({ pattern: '^[A-Z]{2}$' })),
    device: Type.String({ minLength: 1, maxLength: 32 }),
    browser: Type.String({ minLength: 1, maxLength: 64 }),
    os: Type.String({ minLength: 1, maxLength: 64 }),
    isBot: Type.Boolean(),
    /** Keyed hash of IP + User-Agent with a daily salt; never a raw IP. */
    visitorHash: Nullable(Type.String({ minLength: 1, maxLength: 128 })),
  },
  { additionalProperties: false },
);
export type ClickEventV1 = Static<typeof ClickEventV1>;

export const ClickBatchV1 = Type.Object(
  {
    v: Type.Literal(1),
    /** Also the BullMQ job id, so a retried enqueue of the same batch is one job. */
    batchId: Uuid(),
    events: Type.Array(ClickEventV1, { minItems: 1, maxItems: MAX_EVENTS_PER_BATCH }),
  },
  { additionalProperties: false },
);
export type ClickBatchV1 = Static<typeof ClickBatchV1>;

export const LinkMetadataJobV1 = Type.Object(
  {
    v: Type.Literal(1),
    linkId: Uuid(),
    url: Type.String({ minLength: 1, maxLength: 8192, pattern: '^[hH][tT][tT][pP][sS]?://' }),
  },
  { additionalProperties: false },
);
export type LinkMetadataJobV1 = Static<typeof LinkMetadataJobV1>;

/** The versions producers write today. Consumers get these, whatever version was on the wire. */
export type ClickEvent = ClickEventV1;
export type ClickBatch = ClickBatchV1;
export type LinkMetadataJob = LinkMetadataJobV1;

/** A payload no retry can fix; the worker turns it into BullMQ's UnrecoverableError. */
export class InvalidJobPayloadError extends Error {
  override readonly name = 'InvalidJobPayloadError';
  readonly queue: QueueName;
  readonly problems: readonly string[];

  constructor(queue: QueueName, problems: readonly string[]) {
    super(`invalid ${queue} job payload: ${problems.join('; ')}`);
    this.queue = queue;
    this.problems = problems;
  }
}

const MAX_REPORTED_PROBLEMS = 5;

function problemsOf(check: TypeCheck<TSchema>, data: unknown): string[] {
  const problems: string[] = [];
  for (const error of check.Errors(data)) {
    problems.push(`${error.path || '/'}: ${error.message}`);
    if (problems.length === MAX_REPORTED_PROBLEMS) break;
  }
  return problems.length > 0 ? problems : ['does not match the schema'];
}

function versionOf(data: unknown): unknown {
  return typeof data === 'object' && data !== null ? (data as { v?: unknown }).v : undefined;
}

const checkClickBatchV1 = TypeCompiler.Compile(ClickBatchV1);
const checkLinkMetadataV1 = TypeCompiler.Compile(LinkMetadataJobV1);

/**
 * Validates a clicks job as it comes off the queue. When v2 arrives: add `case 2`, make it current, and keep
 * `case 1` upgrading the old shape, until no v1 producer can still be running.
 */
export function parseClickBatch(data: unknown): ClickBatch {
  const version = versionOf(data);
  switch (version) {
    case 1:
      if (checkClickBatchV1.Check(data)) return data;
      throw new InvalidJobPayloadError(QUEUE_NAMES.clicks, problemsOf(checkClickBatchV1, data));
    default:
      throw new InvalidJobPayloadError(QUEUE_NAMES.clicks, [
        `unknown payload version ${JSON.stringify(version)}`,
      ]);
  }
}

export function parseLinkMetadataJob(data: unknown): LinkMetadataJob {
  const version = versionOf(data);
  switch (version) {
    case 1:
      if (checkLinkMetadataV1.Check(data)) return data;
      throw new InvalidJobPayloadError(QUEUE_NAMES.linkMetadata, problemsOf(checkLinkMetadataV1, data));
    default:
      throw new InvalidJobPayloadError(QUEUE_NAMES.linkMetadata, [
        `unknown payload version ${JSON.stringify(version)}`,
      ]);
  }
}

/**
 * Transient failures (Postgres restarting) retry with backoff: 1 s doubling over 10 attempts covers about
 * 17 minutes of outage. Finished jobs are bounded in count and age so the queue Redis (noeviction) cannot
 * fill up with history; failed ones are kept longer for inspection.
 */
export const defaultJobOptions = {
  attempts: 10,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: { count: 1000, age: 3600 },
  removeOnFail: { count: 5000 },
} as const satisfies DefaultJobOptions;
