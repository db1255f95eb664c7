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

/** Upper bounds of a v2 batch's dictionaries and fields (the v1 event limits, per entry). */
const REFERRER_MAX = 253;
const VISITOR_MAX = 128;
/** Events of one batch lie within a day of its base time (a batch spans ~100 ms; clocks may step). */
const MAX_TIME_OFFSET_MS = 86_400_000;
/** `flags` bit: a bot (known bot User-Agent, or a HEAD request). The other bits are reserved and must be 0. */
export const CLICK_FLAG_BOT = 1;

const Index = (minimum = 0) => Type.Integer({ minimum, maximum: MAX_EVENTS_PER_BATCH - 1 });
const Column = <T extends TSchema>(item: T) =>
  Type.Array(item, { minItems: 1, maxItems: MAX_EVENTS_PER_BATCH });
const Dictionary = <T extends TSchema>(item: T) => Type.Array(item, { maxItems: MAX_EVENTS_PER_BATCH });

/**
 * The compact click batch. v1 spends ~300 JSON bytes per click, mostly on repeating the same link id, agent
 * labels and referrer in every event and on a random event id; at redirect rates encoding and writing them
 * was the largest cost of a cached redirect. v2 writes each distinct link id, agent, referrer and visitor
 * hash once per batch (dictionaries) and the events as equal-length columns of small integers:
 * event i is `links[link[i]]` at `baseTime + time[i]`, agent `agents[agent[i]]`, referrer
 * `referrers[referrer[i]]` or none (-1), `country[i]` or none (''), `flags[i]` (CLICK_FLAG_BOT), visitor
 * `visitors[visitor[i]]` or none (-1). Its event id is `clickEventId(batchId, i)`: no id travels per event.
 *
 * The schema checks types and bounds; `parseClickBatch` also checks what a schema cannot say (equal column
 * lengths, every index inside its dictionary, every time at or after the epoch).
 */
export const ClickBatchV2 = Type.Object(
  {
    v: Type.Literal(2),
    /** The BullMQ job id, and the root of every event id in the batch. */
    batchId: Uuid(),
    /** Epoch milliseconds; event times are offsets from it. */
    baseTime: Type.Integer({ minimum: 0 }),
    links: Type.Array(Uuid(), { minItems: 1, maxItems: MAX_EVENTS_PER_BATCH }),
    /** [device, browser, os] as classified from the User-Agent at the edge. */
    agents: Dictionary(
      Type.Tuple([
        Type.String({ minLength: 1, maxLength: 32 }),
        Type.String({ minLength: 1, maxLength: 64 }),
        Type.String({ minLength: 1, maxLength: 64 }),
      ]),
    ),
    referrers: Dictionary(Type.String({ minLength: 1, maxLength: REFERRER_MAX })),
    visitors: Dictionary(Type.String({ minLength: 1, maxLength: VISITOR_MAX })),
    link: Column(Index()),
    time: Column(Type.Integer({ minimum: -MAX_TIME_OFFSET_MS, maximum: MAX_TIME_OFFSET_MS })),
    agent: Column(Index()),
    referrer: Column(Index(-1)),
    /** ISO 3166-1 alpha-2 upper case, or '' for unknown. */
    country: Column(Type.String({ pattern: '^([A-Z]{2})?$', maxLength: 2 })),
    flags: Column(Type.Integer({ minimum: 0, maximum: CLICK_FLAG_BOT })),
    visitor: Column(Index(-1)),
  },
  { additionalProperties: false },
);
export type ClickBatchV2 = Static<typeof ClickBatchV2>;

/**
 * The event id of click `index` in a v2 batch: the batch id with its last 32 bits replaced by
 * (those bits + index) mod 2^32, lower case. The last 32 bits hold neither the version nor the variant, so the
 * id is still a v4 UUID. Unique within a batch (index < 5000 < 2^32). Across batches, two ids can only be equal
 * if the batch ids agree on the other 90 random bits and their 32-bit ranges overlap: for a billion batches
 * the chance is about (10^9)^2 / 2 * 2^-90 * (2 * 5000 / 2^32), below 10^-12. Redelivering a job, or
 * re-enqueuing the same payload after a failed write, gives the same ids, so ON CONFLICT still deduplicates.
 */
export function clickEventId(batchId: string, index: number): string {
  const low = (Number.parseInt(batchId.slice(28), 16) + index) >>> 0;
  return `${batchId.slice(0, 28).toLowerCase()}${low.toString(16).padStart(8, '0')}`;
}

/** What the User-Agent classifier says about a click; objects are interned by identity, then by value. */
export interface ClickAgent {
  readonly device: string;
  readonly browser: string;
  readonly os: string;
}

/**
 * Accumulates clicks into a v2 batch without an object per click: dictionary entries are interned once and
 * each click appends one small integer (or short string) to each column. `build()` returns the payload and
 * leaves the builder empty for the next batch.
 */
export class ClickBatchBuilder {
  private baseTime = 0;
  private links: string[] = [];
  private agents: [string, string, string][] = [];
  private referrers: string[] = [];
  private visitors: string[] = [];
  private link: number[] = [];
  private time: number[] = [];
  private agent: number[] = [];
  private referrer: number[] = [];
  private country: string[] = [];
  private flags: number[] = [];
  private visitor: number[] = [];
  private linkIndex = new Map<string, number>();
  private agentByObject = new Map<ClickAgent, number>();
  private agentByValue = new Map<string, number>();
  private referrerIndex = new Map<string, number>();
  private visitorIndex = new Map<string, number>();

  /** Clicks added since the last build. */
  get size(): number {
    return this.link.length;
  }

  add(
    linkId: string,
    occurredAt: number,
    agent: ClickAgent,
    referrerHost: string | null,
    country: string | null,
    isBot: boolean,
    visitorHash: string | null,
  ): void {
    if (this.link.length === 0) this.baseTime = occurredAt;
    this.link.push(intern(this.linkIndex, this.links, linkId));
    this.time.push(occurredAt - this.baseTime);
    this.agent.push(this.agentOf(agent));
    this.referrer.push(referrerHost === null ? -1 : intern(this.referrerIndex, this.referrers, referrerHost));
    this.country.push(country ?? '');
    this.flags.push(isBot ? CLICK_FLAG_BOT : 0);
    this.visitor.push(visitorHash === null ? -1 : intern(this.visitorIndex, this.visitors, visitorHash));
  }

  /** The batch so far (at least one click), under `batchId`; the builder starts over. */
  build(batchId: string): ClickBatchV2 {
    if (this.link.length === 0) throw new Error('a click batch needs at least one click');
    const batch: ClickBatchV2 = {
      v: 2,
      batchId,
      baseTime: this.baseTime,
      links: this.links,
      agents: this.agents,
      referrers: this.referrers,
      visitors: this.visitors,
      link: this.link,
      time: this.time,
      agent: this.agent,
      referrer: this.referrer,
      country: this.country,
      flags: this.flags,
      visitor: this.visitor,
    };
    this.reset();
    return batch;
  }

  private agentOf(agent: ClickAgent): number {
    const known = this.agentByObject.get(agent);
    if (known !== undefined) return known;
    const key = `${agent.device}\n${agent.browser}\n${agent.os}`;
    let index = this.agentByValue.get(key);
    if (index === undefined) {
      index = this.agents.length;
      this.agents.push([agent.device, agent.browser, agent.os]);
      this.agentByValue.set(key, index);
    }
    this.agentByObject.set(agent, index);
    return index;
  }

  private reset(): void {
    this.links = [];
    this.agents = [];
    this.referrers = [];
    this.visitors = [];
    this.link = [];
    this.time = [];
    this.agent = [];
    this.referrer = [];
    this.country = [];
    this.flags = [];
    this.visitor = [];
    this.linkIndex.clear();
    this.agentByObject.clear();
    this.agentByValue.clear();
    this.referrerIndex.clear();
    this.visitorIndex.clear();
  }
}

function intern(index: Map<string, number>, values: string[], value: string): number {
  let at = index.get(value);
  if (at === undefined) {
    at = values.length;
    values.push(value);
    index.set(value, at);
  }
  return at;
}

/** A click as the producer knows it: a v1 event without its id (v2 derives the ids). */
export type ClickInput = Omit<ClickEventV1, 'eventId'>;

/** Encodes clicks as one v2 batch (event i gets `clickEventId(batchId, i)`). */
export function encodeClickBatchV2(batchId: string, clicks: readonly ClickInput[]): ClickBatchV2 {
  const builder = new ClickBatchBuilder();
  for (const click of clicks) {
    builder.add(
      click.linkId,
      click.occurredAt,
      click,
      click.referrerHost,
      click.country,
      click.isBot,
      click.visitorHash,
    );
  }
  return builder.build(batchId);
}

/** The versions consumers get, whatever version was on the wire (v2 is decoded to this shape). */
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
const checkClickBatchV2 = TypeCompiler.Compile(ClickBatchV2);
const checkLinkMetadataV1 = TypeCompiler.Compile(LinkMetadataJobV1);

/** What the v2 schema cannot express; [] when the batch is consistent. */
function v2Problems(batch: ClickBatchV2): string[] {
  const problems: string[] = [];
  const count = batch.link.length;
  for (const column of ['time', 'agent', 'referrer', 'country', 'flags', 'visitor'] as const) {
    if (batch[column].length !== count) {
      problems.push(`/${column}: ${batch[column].length} entries, /link has ${count}`);
    }
  }
  if (problems.length > 0) return problems;
  const indexed = [
    ['link', batch.links.length],
    ['agent', batch.agents.length],
    ['referrer', batch.referrers.length],
    ['visitor', batch.visitors.length],
  ] as const;
  for (const [column, size] of indexed) {
    const values = batch[column];
    for (let i = 0; i < count; i += 1) {
      if ((values[i] as number) >= size) {
        problems.push(`/${column}/${i}: index ${values[i]} outside a dictionary of ${size}`);
        break;
      }
    }
  }
  for (let i = 0; i < count; i += 1) {
    if (batch.baseTime + (batch.time[i] as number) < 0) {
      problems.push(`/time/${i}: before the epoch`);
      break;
    }
  }
  return problems;
}

/** Producer-side check of a v2 batch (the whole schema and the cross-field rules); throws when invalid. */
export function assertClickBatchV2(data: unknown): asserts data is ClickBatchV2 {
  if (!checkClickBatchV2.Check(data)) {
    throw new InvalidJobPayloadError(QUEUE_NAMES.clicks, problemsOf(checkClickBatchV2, data));
  }
  const problems = v2Problems(data);
  if (problems.length > 0) throw new InvalidJobPayloadError(QUEUE_NAMES.clicks, problems);
}

function decodeClickBatchV2(batch: ClickBatchV2): ClickBatch {
  const { batchId, baseTime, links, agents, referrers, visitors } = batch;
  const events: ClickEvent[] = new Array(batch.link.length);
  for (let i = 0; i < events.length; i += 1) {
    // Indices were checked against their dictionaries by assertClickBatchV2.
    const agent = agents[batch.agent[i] as number] as [string, string, string];
    const referrer = batch.referrer[i] as number;
    const visitor = batch.visitor[i] as number;
    const country = batch.country[i] as string;
    events[i] = {
      eventId: clickEventId(batchId, i),
      linkId: links[batch.link[i] as number] as string,
      occurredAt: baseTime + (batch.time[i] as number),
      referrerHost: referrer === -1 ? null : (referrers[referrer] as string),
      country: country === '' ? null : country,
      device: agent[0],
      browser: agent[1],
      os: agent[2],
      isBot: ((batch.flags[i] as number) & CLICK_FLAG_BOT) !== 0,
      visitorHash: visitor === -1 ? null : (visitors[visitor] as string),
    };
  }
  return { v: 1, batchId, events };
}

/**
 * Validates a clicks job as it comes off the queue and returns it in the current normalised shape (v1's
 * events, each with its id). v2 is what the edge writes; v1 stays readable for jobs written before it (and
 * for producers of the normalised shape). Drop `case 1` only once no v1 job can still be queued.
 */
export function parseClickBatch(data: unknown): ClickBatch {
  const version = versionOf(data);
  switch (version) {
    case 1:
      if (checkClickBatchV1.Check(data)) return data;
      throw new InvalidJobPayloadError(QUEUE_NAMES.clicks, problemsOf(checkClickBatchV1, data));
    case 2:
      assertClickBatchV2(data);
      return decodeClickBatchV2(data);
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
 * Transient failures of a job retry with backoff: 1 s doubling over 10 attempts, 1 + 2 + ... + 256 s, about
 * 8.5 minutes of retries. Postgres being unreachable spends none of them where the worker has a dependency
 * gate (the consumer's workers do: see dependency-gate.ts). Finished jobs are bounded in count and age so the
 * queue Redis (noeviction) cannot fill up with history; failed ones are kept longer for inspection and for
 * requeue-failed.
 */
export const defaultJobOptions = {
  attempts: 10,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: { count: 1000, age: 3600 },
  removeOnFail: { count: 5000 },
} as const satisfies DefaultJobOptions;
