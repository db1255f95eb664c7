import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  type ClickBatch,
  type ClickEvent,
  defaultJobOptions,
  InvalidJobPayloadError,
  MAX_EVENTS_PER_BATCH,
  parseClickBatch,
  parseLinkMetadataJob,
  QUEUE_NAMES,
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
    ['a future version', { v: 2, batchId: randomUUID(), events: [event()] }, 'unknown payload version 2'],
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
