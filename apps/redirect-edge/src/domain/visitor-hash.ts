import { createHmac, hash } from 'node:crypto';

const DAY_MS = 86_400_000;
/** SHA-256's block: HMAC's key pads are one block each. */
const BLOCK = 64;
/** Room for the hash input after the inner pad; longer inputs (a huge User-Agent) take createHmac instead. */
const SCRATCH_BYTES = 2048;

/** Start of the UTC day holding `time` (epoch ms): the visitor salt changes there. */
export function utcDayStart(time: number): number {
  return Math.floor(time / DAY_MS) * DAY_MS;
}

/**
 * Keyed hash of IP and User-Agent with a salt that rotates every UTC day: unique visitors can be counted per
 * day, the same visitor cannot be followed across days, and the raw IP never leaves the process. The salt is
 * derived from APP_SECRET, so every edge instance computes the same hash without sharing state.
 *
 * The hash is HMAC-SHA256 (RFC 2104) keyed with the day's salt, base64url. It is computed as the RFC writes it,
 * SHA-256(key ⊕ opad ‖ SHA-256(key ⊕ ipad ‖ input)), with the two padded keys prepared once a day and two one-shot
 * hashes per visitor: the same value `createHmac` gives (a test holds them equal), without building an HMAC
 * object and importing its key for every new visitor, which cost more than the hashing itself. Returning
 * visitors are remembered by the click recorder, not here.
 */
export function createVisitorHasher(appSecret: string, now: () => number = Date.now) {
  let dayStart = Number.NEGATIVE_INFINITY;
  let dayEnd = Number.NEGATIVE_INFINITY;
  let salt: Buffer = Buffer.alloc(0);
  // key ⊕ ipad, then room for the input; key ⊕ opad, then room for the inner digest.
  const inner = Buffer.alloc(BLOCK + SCRATCH_BYTES);
  const outer = Buffer.alloc(BLOCK + 32);
  // A view of `inner` per input length, made once: a new view per visitor is an object for the collector.
  const views: Buffer[] = [];
  const viewOf = (length: number): Buffer => {
    let view = views[length];
    if (view === undefined) {
      view = inner.subarray(0, length);
      views[length] = view;
    }
    return view;
  };

  function rotate(time: number): void {
    dayStart = utcDayStart(time);
    dayEnd = dayStart + DAY_MS;
    const day = new Date(dayStart).toISOString().slice(0, 10);
    // 32 bytes: shorter than a block, so it is the HMAC key as it stands, padded with zeros.
    salt = createHmac('sha256', appSecret).update(`visitor-salt:${day}`).digest();
    inner.fill(0, 0, BLOCK);
    outer.fill(0, 0, BLOCK);
    salt.copy(inner);
    salt.copy(outer);
    for (let i = 0; i < BLOCK; i += 1) {
      inner[i] = (inner[i] as number) ^ 0x36;
      outer[i] = (outer[i] as number) ^ 0x5c;
    }
  }

  return (ip: string, userAgent: string | undefined, time: number = now()): string => {
    if (time < dayStart || time >= dayEnd) rotate(time);
    const ua = userAgent ?? '';
    // At most 3 UTF-8 bytes per UTF-16 unit: a string this short always fits the scratch space.
    if ((ip.length + 1 + ua.length) * 3 > SCRATCH_BYTES) {
      return createHmac('sha256', salt).update(`${ip}\n${ua}`).digest('base64url');
    }
    let length = BLOCK + inner.write(ip, BLOCK, 'utf8');
    inner[length] = 0x0a;
    length += 1 + inner.write(ua, length + 1, 'utf8');
    // The inner digest as a latin1 string (one byte per character): no buffer allocated for 32 bytes.
    outer.write(hash('sha256', viewOf(length), 'latin1'), BLOCK, 'latin1');
    return hash('sha256', outer, 'base64url');
  };
}
