import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  type ClickBatch,
  ClickBatchBuilder,
  type ClickBatchV2,
  type ClickEvent,
  type ClickInput,
  clickEventId,
  defaultJobOptions,
  encodeClickBatchV2,
  InvalidJobPayloadError,
  MAX_EVENTS_PER_BATCH,
  MAX_TRACE_LINKS,
  parseClickBatch,
  parseClickEventPartitionsJob,
  parseLinkMetadataJob,
  QUEUE_NAMES,
  traceCarrierOf,
  traceLinksOf,
} from './catalog.ts';

const event = (overrides: Partial<ClickEvent> = {}): ClickEvent => ({
  eventId: randomUUID(),
  linkId: randomUUID(),
  occurredAt: 1_700_000_000_000,
  referrerHost: 'news.example',
  country: 'DE',
  device: 'mobile',
  browser: 'Chrome',
  os: 'Android',
  isBot: false,
  visitorHash: 'a1b2c3',
  ...overrides,
});

const batch = (events: unknown[] = [event()]): ClickBatch =>
  ({ v: 1, batchId: randomUUID(), events }) as ClickBatch;

function rejection(fn: () => unknown): InvalidJobPayloadError {
  try {
    fn();
  } catch (error) {
    if (error instanceof InvalidJobPayloadError) return error;
    throw error;
  }
  throw new Error('expected InvalidJobPayloadError');
}

describe('parseClickBatch', () => {
  it('accepts a v1 batch and returns it unchanged', () => {
    const valid = batch([
      event(),
      event({ referrerHost: null, country: null, visitorHash: null, isBot: true }),
    ]);
    expect(parseClickBatch(valid)).toEqual(valid);
  });

  it(`accepts up to ${MAX_EVENTS_PER_BATCH} events and no more`, () => {
    const one = event();
    expect(parseClickBatch(batch(Array(MAX_EVENTS_PER_BATCH).fill(one))).events).toHaveLength(
      MAX_EVENTS_PER_BATCH,
    );
    expect(
      rejection(() => parseClickBatch(batch(Array(MAX_EVENTS_PER_BATCH + 1).fill(one)))).problems[0],
    ).toMatch(/^\/events: /);
    expect(() => parseClickBatch(batch([]))).toThrow(InvalidJobPayloadError);
  });

  it.each([
    ['a non-uuid event id', { eventId: 'evt-1' }, '/events/0/eventId'],
    ['a non-uuid link id', { linkId: '42' }, '/events/0/linkId'],
    ['a lower-case country', { country: 'de' }, '/events/0/country'],
    ['a fractional time', { occurredAt: 1.5 }, '/events/0/occurredAt'],
    ['a string bot flag', { isBot: 'false' }, '/events/0/isBot'],
    ['an extra field', { ip: '10.0.0.1' }, '/events/0/ip'],
  ])('rejects %s and points at it', (_label, overrides, path) => {
    const error = rejection(() => parseClickBatch(batch([event(overrides as Partial<ClickEvent>)])));
    expect(error.queue).toBe(QUEUE_NAMES.clicks);
    expect(error.problems.some((problem) => problem.startsWith(`${path}:`))).toBe(true);
    expect(error.message).toMatch(/^invalid clicks job payload: /);
  });

  it.each([
    ['a future version', { v: 3, batchId: randomUUID(), events: [event()] }, 'unknown payload version 3'],
    ['no version', { batchId: randomUUID(), events: [event()] }, 'unknown payload version undefined'],
    ['null', null, 'unknown payload version undefined'],
    ['a string', 'click', 'unknown payload version undefined'],
  ])('rejects %s', (_label, data, problem) => {
    expect(rejection(() => parseClickBatch(data)).problems).toEqual([problem]);
  });

  it('reports a bounded number of problems', () => {
    const bad = Array.from({ length: 50 }, () => ({ eventId: 1 }));
    expect(rejection(() => parseClickBatch(batch(bad))).problems.length).toBeLessThanOrEqual(5);
  });
});

describe('click batch v2', () => {
  const links = [randomUUID(), randomUUID(), randomUUID()];
  const base = 1_700_000_000_000;
  const clicks: ClickInput[] = Array.from({ length: 40 }, (_, i) => ({
    linkId: links[i % 3] as string,
    occurredAt: base + i * 7,
    referrerHost: i % 4 === 0 ? null : `ref${i % 3}.example`,
    country: i % 5 === 0 ? null : (['DE', 'GB'][i % 2] as string),
    device: i % 2 === 0 ? 'mobile' : 'desktop',
    browser: i % 3 === 0 ? 'Chrome' : 'Firefox',
    os: i % 2 === 0 ? 'Android' : 'Linux',
    isBot: i % 6 === 0,
    visitorHash: i % 7 === 0 ? null : `visitor-${i % 4}`,
  }));
  // Up to 2^32 - 1: the low 32 bits of the batch id wrap within the batch.
  const batchId = '6f1c2a9e-0b7d-4c3e-9a41-7d2bfffffffe';

  /** A v2 payload as it comes off the queue (JSON), for corrupting. */
  const wire = (): ClickBatchV2 => JSON.parse(JSON.stringify(encodeClickBatchV2(batchId, clicks)));

  it('decodes to exactly the events a v1 batch of the same clicks carries', () => {
    const v1: ClickBatch = {
      v: 1,
      batchId,
      events: clicks.map((click, i) => ({ eventId: clickEventId(batchId, i), ...click })),
    };
    const decoded = parseClickBatch(wire());
    expect(decoded).toEqual(parseClickBatch(v1));
    expect(decoded.events).toHaveLength(40);
  });

  it('stores each link, agent, referrer and visitor once and the events as small integers', () => {
    const payload = wire();
    expect(payload.links).toEqual(links);
    expect(payload.agents).toHaveLength(4);
    expect(payload.referrers).toEqual(['ref1.example', 'ref2.example', 'ref0.example']);
    expect(payload.visitors).toHaveLength(4);
    expect(payload.baseTime).toBe(base);
    expect(payload.time.slice(0, 3)).toEqual([0, 7, 14]);
    expect(payload.referrer[0]).toBe(-1);
    expect(payload.country[0]).toBe('');
    expect(payload.flags[0]).toBe(1);
    expect(payload.visitor[0]).toBe(-1);
    // The same clicks as v1 JSON take several times the bytes.
    const v1Bytes = JSON.stringify({ v: 1, batchId, events: parseClickBatch(payload).events }).length;
    expect(JSON.stringify(payload).length * 3).toBeLessThan(v1Bytes);
  });

  it('derives distinct v4 event ids from the batch id, wrapping the low 32 bits', () => {
    const ids = parseClickBatch(wire()).events.map((e) => e.eventId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids[0]).toBe(batchId);
    expect(ids[1]).toBe('6f1c2a9e-0b7d-4c3e-9a41-7d2bffffffff');
    expect(ids[2]).toBe('6f1c2a9e-0b7d-4c3e-9a41-7d2b00000000');
    expect(clickEventId('6F1C2A9E-0B7D-4C3E-9A41-7D2B00000010', 1)).toBe(
      '6f1c2a9e-0b7d-4c3e-9a41-7d2b00000011',
    );
    for (const id of ids)
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('interns agents by value when the classifier hands out different objects', () => {
    const builder = new ClickBatchBuilder();
    const link = randomUUID();
    const click = { linkId: link, referrerHost: null, country: null, isBot: false, visitorHash: null };
    builder.add({
      ...click,
      occurredAt: base,
      agent: { device: 'desktop', browser: 'Firefox', os: 'Linux' },
    });
    builder.add({
      ...click,
      occurredAt: base + 1,
      agent: { device: 'desktop', browser: 'Firefox', os: 'Linux' },
    });
    expect(builder.size).toBe(2);
    const payload = builder.build(randomUUID());
    expect(payload.agents).toEqual([['desktop', 'Firefox', 'Linux']]);
    expect(payload.agent).toEqual([0, 0]);
    expect(builder.size).toBe(0);
    expect(() => builder.build(randomUUID())).toThrow(/at least one click/);
  });

  it.each([
    ['a link index out of range', (p: ClickBatchV2) => p.link.splice(0, 1, 3), '/link/0'],
    ['an agent index out of range', (p: ClickBatchV2) => p.agent.splice(2, 1, 99), '/agent/2'],
    ['a referrer index out of range', (p: ClickBatchV2) => p.referrer.splice(1, 1, 3), '/referrer/1'],
    ['a visitor index out of range', (p: ClickBatchV2) => p.visitor.splice(1, 1, 4), '/visitor/1'],
    ['a referrer index below -1', (p: ClickBatchV2) => p.referrer.splice(1, 1, -2), '/referrer/1'],
    ['a shorter column', (p: ClickBatchV2) => p.flags.pop(), '/flags'],
    ['a longer column', (p: ClickBatchV2) => p.country.push('DE'), '/country'],
    ['a lower-case country', (p: ClickBatchV2) => p.country.splice(1, 1, 'de'), '/country/1'],
    ['an unknown flag bit', (p: ClickBatchV2) => p.flags.splice(1, 1, 2), '/flags/1'],
    ['a fractional time', (p: ClickBatchV2) => p.time.splice(1, 1, 1.5), '/time/1'],
    [
      'a time before the epoch',
      (p: ClickBatchV2) => Object.assign(p, { baseTime: 5, time: p.time.map((t, i) => (i === 1 ? -10 : t)) }),
      '/time/1',
    ],
    ['a non-uuid link id', (p: ClickBatchV2) => p.links.splice(0, 1, 'link'), '/links/0'],
    [
      'a malformed agent',
      (p: ClickBatchV2) => p.agents.splice(0, 1, ['mobile', 'Chrome'] as never),
      '/agents/0',
    ],
    [
      'no events',
      (p: ClickBatchV2) => {
        for (const column of ['link', 'time', 'agent', 'referrer', 'country', 'flags', 'visitor'] as const)
          p[column].length = 0;
      },
      '/link',
    ],
    ['an extra field', (p: ClickBatchV2) => Object.assign(p, { ips: [] }), '/ips'],
  ])('rejects %s', (_label, corrupt, path) => {
    const payload = wire();
    corrupt(payload);
    const error = rejection(() => parseClickBatch(payload));
    expect(error.queue).toBe(QUEUE_NAMES.clicks);
    expect(
      error.problems.some((problem) => problem.startsWith(`${path}:`)),
      error.message,
    ).toBe(true);
  });

  it('carries the A/B variant of the clicks that have one, and only batches with one carry the columns', () => {
    const withVariants = clicks.map((click, i) => ({ ...click, variant: i % 3 === 0 ? null : `v${i % 2}` }));
    const payload: ClickBatchV2 = JSON.parse(JSON.stringify(encodeClickBatchV2(batchId, withVariants)));
    expect(payload.variants).toEqual(['v1', 'v0']);
    expect(payload.variant?.slice(0, 4)).toEqual([-1, 0, 1, -1]);
    const events = parseClickBatch(payload).events;
    expect(events.map((e) => e.variant ?? null)).toEqual(withVariants.map((c) => c.variant));
    expect('variants' in wire()).toBe(false);
    expect('variant' in wire()).toBe(false);
  });

  it('ingests a batch queued before variants existed (v1 and v2), the events without a variant', () => {
    // Byte for byte what an edge of the previous version queued: no variant anywhere.
    const oldV2 = wire();
    expect(parseClickBatch(oldV2).events.every((e) => e.variant === undefined)).toBe(true);
    const oldV1 = { v: 1, batchId, events: [event()] };
    expect(parseClickBatch(oldV1).events[0]?.variant).toBeUndefined();
    expect(
      parseClickBatch({ v: 1, batchId, events: [event({ variant: 'control' })] }).events[0]?.variant,
    ).toBe('control');
  });

  it.each([
    [
      'a variant column without names',
      (p: ClickBatchV2) => Object.assign(p, { variant: p.link.map(() => -1) }),
      '/variant',
    ],
    [
      'a variant index out of range',
      (p: ClickBatchV2) => Object.assign(p, { variants: ['a'], variant: p.link.map(() => 1) }),
      '/variant/0',
    ],
    [
      'a shorter variant column',
      (p: ClickBatchV2) => Object.assign(p, { variants: ['a'], variant: [0] }),
      '/variant',
    ],
    [
      'a variant name out of format',
      (p: ClickBatchV2) => Object.assign(p, { variants: ['Bad Name'], variant: p.link.map(() => 0) }),
      '/variants/0',
    ],
  ])('rejects %s', (_label, corrupt, path) => {
    const payload = wire();
    corrupt(payload);
    const error = rejection(() => parseClickBatch(payload));
    expect(
      error.problems.some((problem) => problem.startsWith(`${path}:`)),
      error.message,
    ).toBe(true);
  });

  it(`accepts up to ${MAX_EVENTS_PER_BATCH} clicks`, () => {
    const many = Array.from(
      { length: MAX_EVENTS_PER_BATCH },
      (_, i) => clicks[i % clicks.length] as ClickInput,
    );
    expect(parseClickBatch(encodeClickBatchV2(randomUUID(), many)).events).toHaveLength(MAX_EVENTS_PER_BATCH);
    const tooMany = encodeClickBatchV2(randomUUID(), [...many, clicks[0] as ClickInput]);
    expect(rejection(() => parseClickBatch(tooMany)).problems[0]).toMatch(
      /^\/(link|time|agent|referrer|country|flags|visitor): /,
    );
  });
});

describe('click batch trace links', () => {
  const agent = { device: 'desktop', browser: 'Firefox', os: 'Linux' };
  const click = (trace?: string) => ({
    linkId: randomUUID(),
    occurredAt: 1_700_000_000_000,
    agent,
    referrerHost: null,
    country: null,
    isBot: false,
    visitorHash: null,
    trace,
  });
  const traceparent = (i: number) => `00-${i.toString(16).padStart(32, 'a')}-00f067aa0ba902b7-01`;

  it('a batch holds the traceparents of its sampled clicks, capped, and none without a sampled click', () => {
    const builder = new ClickBatchBuilder();
    builder.add(click());
    builder.add(click(traceparent(1)));
    const some = builder.build(randomUUID());
    expect(some.traces).toEqual([traceparent(1)]);
    builder.add(click());
    expect('traces' in builder.build(randomUUID())).toBe(false);
    for (let i = 0; i < MAX_TRACE_LINKS + 5; i += 1) builder.add(click(traceparent(i)));
    const full = builder.build(randomUUID());
    expect(full.traces).toHaveLength(MAX_TRACE_LINKS);
    expect(full.link).toHaveLength(MAX_TRACE_LINKS + 5);
    expect(parseClickBatch(full).events).toHaveLength(MAX_TRACE_LINKS + 5);
  });

  it('a malformed trace link is dropped on read and the batch still parses', () => {
    const wire = {
      ...encodeClickBatchV2(randomUUID(), [event()]),
      traces: ['not-a-traceparent', traceparent(2), 42],
      trace: { traceparent: 'garbage' },
    };
    expect(parseClickBatch(wire).events).toHaveLength(1);
    expect(traceLinksOf(wire)).toEqual([traceparent(2)]);
    expect(parseClickBatch({ ...wire, traces: 'no list' }).events).toHaveLength(1);
    expect(traceLinksOf({ ...wire, traces: ['nothing valid'] })).toBeUndefined();
  });
});

describe('parseLinkMetadataJob', () => {
  const linkId = randomUUID();

  it('accepts http and https destinations', () => {
    expect(parseLinkMetadataJob({ v: 1, linkId, url: 'https://example.com/a' })).toEqual({
      v: 1,
      linkId,
      url: 'https://example.com/a',
    });
    expect(parseLinkMetadataJob({ v: 1, linkId, url: 'HTTP://example.com' }).url).toBe('HTTP://example.com');
  });

  it.each([
    ['javascript:', { v: 1, linkId, url: 'javascript:alert(1)' }],
    ['file:', { v: 1, linkId, url: 'file:///etc/passwd' }],
    ['a bad link id', { v: 1, linkId: 'abc', url: 'https://example.com' }],
    ['a missing url', { v: 1, linkId }],
    ['an unknown version', { v: 3, linkId, url: 'https://example.com' }],
  ])('rejects %s', (_label, data) => {
    expect(rejection(() => parseLinkMetadataJob(data)).queue).toBe(QUEUE_NAMES.linkMetadata);
  });

  const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

  it('keeps the trace context of the request that queued it', () => {
    const job = { v: 1, linkId, url: 'https://example.com', trace: { traceparent, tracestate: 'bl=1' } };
    expect(parseLinkMetadataJob(job)).toEqual(job);
    expect(traceCarrierOf(job)).toEqual({ traceparent, tracestate: 'bl=1' });
  });

  it.each([
    ['not an object', 'trace me'],
    ['a malformed traceparent', { traceparent: '00-xyz-01' }],
    ['an unknown key', { traceparent, baggage: 'user=1' }],
    ['an oversized tracestate', { traceparent, tracestate: 'x'.repeat(513) }],
  ])('runs a job whose trace context is %s, without it', (_label, trace) => {
    const job = { v: 1, linkId, url: 'https://example.com', trace };
    expect(parseLinkMetadataJob(job)).toEqual({ v: 1, linkId, url: 'https://example.com' });
    expect(traceCarrierOf(job)).toBeUndefined();
  });
});

describe('parseClickEventPartitionsJob', () => {
  it('accepts the parameterless job the consumer schedules', () => {
    expect(parseClickEventPartitionsJob({ v: 1 })).toEqual({ v: 1 });
  });

  it.each([
    ['an unknown version', { v: 2 }],
    ['an unexpected field', { v: 1, retentionDays: 3 }],
    ['no payload', null],
  ])('rejects %s', (_label, data) => {
    expect(rejection(() => parseClickEventPartitionsJob(data)).queue).toBe(QUEUE_NAMES.maintenance);
  });
});

describe('defaultJobOptions', () => {
  it('retries with exponential backoff and bounds the kept history', () => {
    expect(defaultJobOptions).toEqual({
      attempts: 10,
      backoff: { type: 'exponential', delay: 1000 },
      removeOnComplete: { count: 1000, age: 3600 },
      removeOnFail: { count: 5000 },
    });
  });
});
