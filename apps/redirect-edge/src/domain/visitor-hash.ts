import { createHmac } from 'node:crypto';

const DAY_MS = 86_400_000;

/**
 * Keyed hash of IP and User-Agent with a salt that rotates every UTC day: unique visitors can be counted per
 * day, the same visitor cannot be followed across days, and the raw IP never leaves the process. The salt is
 * derived from APP_SECRET, so every edge instance computes the same hash without sharing state.
 */
export function createVisitorHasher(appSecret: string, now: () => number = Date.now) {
  let dayStart = Number.NEGATIVE_INFINITY;
  let dayEnd = Number.NEGATIVE_INFINITY;
  let salt: Buffer = Buffer.alloc(0);

  function saltFor(time: number): Buffer {
    if (time >= dayStart && time < dayEnd) return salt;
    dayStart = Math.floor(time / DAY_MS) * DAY_MS;
    dayEnd = dayStart + DAY_MS;
    const day = new Date(dayStart).toISOString().slice(0, 10);
    salt = createHmac('sha256', appSecret).update(`visitor-salt:${day}`).digest();
    return salt;
  }

  return (ip: string, userAgent: string | undefined, time: number = now()): string =>
    createHmac('sha256', saltFor(time))
      .update(ip)
      .update('\n')
      .update(userAgent ?? '')
      .digest('base64url');
}
