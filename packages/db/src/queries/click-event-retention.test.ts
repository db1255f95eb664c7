import { describe, expect, it } from 'vitest';
import { rawEventsKeptFrom, utcDay } from './click-event-retention.ts';

describe('rawEventsKeptFrom', () => {
  it('keeps whole UTC days: the retention counts back from the start of today', () => {
    expect(rawEventsKeptFrom(new Date('2026-12-07T13:48:00Z'), 90).toISOString()).toBe(
      '2026-09-08T00:00:00.000Z',
    );
    expect(rawEventsKeptFrom(new Date('2026-12-07T00:00:00Z'), 1).toISOString()).toBe(
      '2026-12-06T00:00:00.000Z',
    );
    expect(rawEventsKeptFrom(new Date('2026-12-07T23:59:59.999Z'), 1).toISOString()).toBe(
      '2026-12-06T00:00:00.000Z',
    );
  });

  it('crosses months and leap days', () => {
    expect(rawEventsKeptFrom(new Date('2028-03-01T08:00:00Z'), 1).toISOString()).toBe(
      '2028-02-29T00:00:00.000Z',
    );
  });
});

describe('utcDay', () => {
  it('names the UTC day of a moment, whatever its hour', () => {
    expect(utcDay(new Date('2026-12-31T23:30:00Z'))).toBe('2026-12-31');
    expect(utcDay(new Date('2026-12-31T23:30:00Z'), 1)).toBe('2027-01-01');
    expect(utcDay(new Date('2026-12-01T00:00:00Z'), -1)).toBe('2026-11-30');
  });
});
