import { VARIANT_NAME_PATTERN } from '@boltlink/redirect-location/variants';
import { type Static, type TSchema, Type } from 'typebox';
import { MAX_TRACE_LINKS, Nullable, TraceCarrier, Traceparent, Uuid } from '../payload.ts';

/** The `clicks` job: one batch of clicks captured by an edge. v2 is what edges write; v1 stays readable. */

export const MAX_EVENTS_PER_BATCH = 5000;

/** A variant name as links define them (`@boltlink/redirect-location/variants`). */
const VariantName = () => Type.String({ pattern: VARIANT_NAME_PATTERN, maxLength: 32 });

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
    /**
     * The name of the link's A/B variant the visitor was sent to. Optional: events from before splits have
     * none, and an absent value reads as null (no split, or a redirect rule won).
     */
    variant: Type.Optional(Nullable(VariantName())),
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
 * `visitors[visitor[i]]` or none (-1), A/B variant `variants[variant[i]]` or none (-1). Its event id is `clickEventId(batchId, i)`: no id travels per event.
 *
 * The schema checks types and bounds; `parseClickBatch` also checks what a schema cannot say (equal column
 * lengths, every index inside its dictionary, every time at or after the epoch).
 *
 * `variants` and `variant` came with A/B splits. They are optional and written only when a click of the batch
 * has a variant, so a batch without one is the same bytes as before and batches queued by an older edge
 * (which has neither) still ingest. `traces` and `trace` came with tracing the same way
 * (docs/operations/upgrades.md: consumers of an earlier release refuse a batch that has them).
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
    variants: Type.Optional(Type.Array(VariantName(), { minItems: 1, maxItems: MAX_EVENTS_PER_BATCH })),
    variant: Type.Optional(Column(Index(-1))),
    /**
     * The W3C traceparents of the sampled edge requests whose clicks are in the batch (at most MAX_TRACE_LINKS),
     * for span links (docs/operations/tracing.md). Written only while tracing is on and a request of the batch
     * was sampled; a malformed entry is dropped when the batch is read.
     */
    traces: Type.Optional(Type.Array(Traceparent(), { minItems: 1, maxItems: MAX_TRACE_LINKS })),
    /** The trace context of the batch's own enqueue (`send clicks`), written with `traces`; dropped when malformed. */
    trace: Type.Optional(TraceCarrier),
  },
  { additionalProperties: false },
);
export type ClickBatchV2 = Static<typeof ClickBatchV2>;

/** The versions consumers get, whatever version was on the wire (v2 is decoded to this shape). */
export type ClickEvent = ClickEventV1;
export type ClickBatch = ClickBatchV1;
