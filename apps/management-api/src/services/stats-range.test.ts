import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.ts';
import { resolveRange } from './stats-service.ts';

const now = new Date('2026-03-10T12:34:56Z');

describe('resolveRange', () => {
  it('defaults to the last 30 days by day, or the last 24 hours by hour, bots excluded', () => {
    expect(resolveRange({}, now)).toEqual({
      from: new Date('2026-02-08T12:34:56Z'),
      to: now,
      interval: 'day',
      includeBots: false,
    });
    expect(resolveRange({ interval: 'hour' }, now).from).toEqual(new Date('2026-03-09T12:34:56Z'));
  });

  it('accepts exactly the maximum span and refuses one millisecond more', () => {
    expect(() =>
      resolveRange({ from: '2026-01-01T00:00:00Z', to: '2026-02-01T00:00:00Z', interval: 'hour' }, now),
    ).not.toThrow();
    expect(() =>
      resolveRange({ from: '2026-01-01T00:00:00Z', to: '2026-02-01T00:00:00.001Z', interval: 'hour' }, now),
    ).toThrow(AppError);
    expect(() => resolveRange({ from: '2024-01-01', to: '2026-01-01' }, now)).not.toThrow();
    expect(() => resolveRange({ from: '2023-12-31', to: '2026-01-01' }, now)).toThrow(/731 days/);
  });

  it('names the field that is wrong', () => {
    expect(() => resolveRange({ from: 'nope' }, now)).toThrow(/^from:/);
    expect(() => resolveRange({ to: '2026-13-45' }, now)).toThrow(/^to:/);
    expect(() => resolveRange({ from: '2026-03-02', to: '2026-03-01' }, now)).toThrow(
      /^from: must not be after to/,
    );
  });
});
