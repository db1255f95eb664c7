import { createHmac } from 'node:crypto';
import { LRUCache } from 'lru-cache';

const DAY_MS = 86_400_000;

/** Start of the UTC day holding `time` (epoch ms): the visitor salt changes there. */
export function utcDayStart(time: number): number {
  return Math.floor(time / DAY_MS) * DAY_MS;
}

/**
 * Keyed hash of IP and User-Agent with a salt that rotates every UTC day: unique visitors can be counted per
 * day, the same visitor cannot be followed across days, and the raw IP never leaves the process. The salt is
 * derived from APP_SECRET, so every edge instance computes the same hash without sharing state.
 *
 * An HMAC costs a few microseconds, a visible share of a cached redirect, and visitors come back within a
 * day: results are memoised per day in a bounded LRU (dropped when the salt rotates).
 */
export function createVisitorHasher(appSecret: string, now: () => number = Date.now, maxEntries = 10_000) {
  let dayStart = Number.NEGATIVE_INFINITY;
  let dayEnd = Number.NEGATIVE_INFINITY;
  let salt: Buffer = Buffer.alloc(0);
  const memo = new LRUCache<string, string>({ max: maxEntries });

  function saltFor(time: number): Buffer {
    if (time >= dayStart && time < dayEnd) return salt;
    dayStart = utcDayStart(time);
    dayEnd = dayStart + DAY_MS;
    const day = new Date(dayStart).toISOString().slice(0, 10);
    salt = createHmac('sha256', appSecret).update(`visitor-salt:${day}`).digest();
    memo.clear();
    return salt;
  }

  return (ip: string, userAgent: string | undefined, time: number = now()): string => {
    const daySalt = saltFor(time);
    const input = `${ip}\n${userAgent ?? ''}`;
    const known = memo.get(input);
    if (known !== undefined) return known;
    const hash = createHmac('sha256', daySalt).update(input).digest('base64url');
    memo.set(input, hash);
    return hash;
  };
}
