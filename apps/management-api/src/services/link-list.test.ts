import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from './link-list.ts';

describe('list cursor', () => {
  it('round-trips microsecond timestamps and ids as an opaque base64url string', () => {
    const cursor = { t: '2026-03-01T10:00:00.123456Z', id: '0b7f3c9e-1d2a-4c5b-8e9f-0a1b2c3d4e5f' };
    const encoded = encodeCursor(cursor);
    expect(encoded).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(encoded)).toEqual(cursor);
  });

  it.each([
    ['garbage', 'garbage'],
    ['JSON of another shape', Buffer.from('{"t":"x"}').toString('base64url')],
    [
      'a millisecond timestamp',
      encodeCursor({ t: '2026-03-01T10:00:00.123Z', id: '0b7f3c9e-1d2a-4c5b-8e9f-0a1b2c3d4e5f' }),
    ],
    [
      'a year Postgres cannot store',
      encodeCursor({ t: '0000-01-01T00:00:00.000000Z', id: '0b7f3c9e-1d2a-4c5b-8e9f-0a1b2c3d4e5f' }),
    ],
    ['a non-uuid id', encodeCursor({ t: '2026-03-01T10:00:00.123456Z', id: "1' OR '1'='1" })],
  ])('refuses %s with a 400 on cursor', (_name, raw) => {
    expect(() => decodeCursor(raw)).toThrow(/^cursor:/);
  });
});
