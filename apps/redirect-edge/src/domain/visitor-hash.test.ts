import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createVisitorHasher } from './visitor-hash.ts';

const SECRET = 'test-secret-test-secret-test-secret-0123';
const DAY = Date.UTC(2026, 11, 8, 12);
const CHROME =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';

/** The visitor hash as the product defines it: HMAC-SHA256 of `ip\nUser-Agent` keyed with the day's salt. */
function reference(ip: string, userAgent: string, day: string): string {
  const salt = createHmac('sha256', SECRET).update(`visitor-salt:${day}`).digest();
  return createHmac('sha256', salt).update(`${ip}\n${userAgent}`).digest('base64url');
}

describe('visitor hash', () => {
  const hashVisitor = createVisitorHasher(SECRET, () => DAY);

  it('is the HMAC of address and User-Agent under the day salt, for every kind of input', () => {
    expect(hashVisitor('203.0.113.7', CHROME, DAY)).toBe(reference('203.0.113.7', CHROME, '2026-12-08'));
    expect(hashVisitor('2001:db8::1', 'Gerät/1.0 (ünïcödé; 日本語)', DAY)).toBe(
      reference('2001:db8::1', 'Gerät/1.0 (ünïcödé; 日本語)', '2026-12-08'),
    );
    expect(hashVisitor('203.0.113.7', undefined, DAY)).toBe(reference('203.0.113.7', '', '2026-12-08'));
    const huge = `${CHROME}${'x'.repeat(20_000)}`;
    expect(hashVisitor('203.0.113.7', huge, DAY)).toBe(reference('203.0.113.7', huge, '2026-12-08'));
  });

  it('gives one visitor the same hash all day and another one the next day', () => {
    const morning = hashVisitor('203.0.113.7', CHROME, Date.UTC(2026, 11, 8, 0, 0, 1));
    expect(hashVisitor('203.0.113.7', CHROME, Date.UTC(2026, 11, 8, 23, 59, 59))).toBe(morning);
    const nextDay = hashVisitor('203.0.113.7', CHROME, Date.UTC(2026, 11, 9, 0, 0, 1));
    expect(nextDay).not.toBe(morning);
    expect(nextDay).toBe(reference('203.0.113.7', CHROME, '2026-12-09'));
    // Back to a time of the day before (a click recorded late): that day's hash again.
    expect(hashVisitor('203.0.113.7', CHROME, Date.UTC(2026, 11, 8, 18))).toBe(morning);
  });

  it('tells apart visitors whose address or User-Agent differ by one character', () => {
    const hashes = new Set([
      hashVisitor('203.0.113.7', CHROME, DAY),
      hashVisitor('203.0.113.8', CHROME, DAY),
      hashVisitor('203.0.113.7', `${CHROME} `, DAY),
      hashVisitor('203.0.113.7', undefined, DAY),
    ]);
    expect(hashes.size).toBe(4);
  });
});
