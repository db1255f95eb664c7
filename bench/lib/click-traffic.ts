import { createHash, randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import type { IncomingClick } from '../../apps/analytics-consumer/src/ingest/ingest-clicks.ts';
import { clickEventId } from '../../packages/queues/src/clicks/event-id.ts';
import { BROWSERS, COUNTRIES, DEVICES, OSES, REFERRERS } from './click-dimensions.ts';

export type Distribution = 'uniform' | 'zipf';

const pick = <T>(items: readonly T[], i: number): T => items[i % items.length] as T;

/**
 * Link index for each next click: uniform (nearly every click of a batch is a different link's roll-up row,
 * the worst case for aggregation) or Zipf s=1 (a few hot links take most clicks, as real traffic does).
 */
export function linkPicker(links: number, distribution: Distribution): () => number {
  if (distribution === 'uniform') return () => Math.floor(Math.random() * links);
  const cdf: number[] = [];
  let sum = 0;
  for (let k = 1; k <= links; k++) {
    sum += 1 / k;
    cdf.push(sum);
  }
  return () => {
    const target = Math.random() * sum;
    let lo = 0;
    let hi = cdf.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((cdf[mid] as number) < target) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

/**
 * Click number `i` of a synthetic stream: ~8 % bots, `visitors` distinct visitors (hashes as long as the edge's:
 * 43 characters of base64url), the bench dimension values. Its event id is `eventId`, else a random UUID.
 */
export function syntheticClick(
  linkId: string,
  i: number,
  occurredAt: number,
  visitors: number,
  eventId: string = randomUUID(),
): IncomingClick {
  return {
    eventId,
    linkId,
    occurredAt,
    referrerHost: pick(REFERRERS, Math.floor(Math.random() * 97)),
    country: pick(COUNTRIES, Math.floor(Math.random() * 997)),
    device: pick(DEVICES, i * 7),
    browser: pick(BROWSERS, i * 13),
    os: pick(OSES, i * 3),
    isBot: Math.random() < 0.08,
    visitorHash: visitorHash(Math.floor(Math.random() * visitors)),
  };
}

/** A bench user with `count` links on bench.local; their ids. */
export async function seedBenchLinks(pool: Pool, count: number): Promise<string[]> {
  const user = await pool.query<{ id: string }>(
    "INSERT INTO users (email, password_hash) VALUES ($1, 'bench') RETURNING id",
    [`bench-${randomUUID()}@example.com`],
  );
  const seeded = await pool.query<{ id: string }>(
    `INSERT INTO links (user_id, domain, code, url)
     SELECT $1, 'bench.local', 'b' || g || '-' || substr(md5(random()::text), 1, 6), 'https://example.com/' || g
     FROM generate_series(1, $2::int) AS g RETURNING id`,
    [user.rows[0]?.id, count],
  );
  return seeded.rows.map((r) => r.id);
}

const visitorHashes = new Map<number, string>();
/** Visitor number `n`'s hash, shaped as the edge's (an HMAC-SHA-256 in base64url). */
function visitorHash(n: number): string {
  let hash = visitorHashes.get(n);
  if (hash === undefined) {
    hash = createHash('sha256').update(`visitor ${n}`).digest('base64url');
    visitorHashes.set(n, hash);
  }
  return hash;
}

/**
 * How event ids are made: `random`, a random UUID each (what the benches did before 2026-12-08); `edge`, as the
 * edge makes them, from the id of their batch of `batchSize` clicks (clickEventId); `v7`, the same from batch ids
 * that begin with the time (UUID version 7), so a day's ids grow as they come.
 */
export type EventIds = 'random' | 'edge' | 'v7';

/** UUID version 7 (RFC 9562): 48 bits of Unix milliseconds, then random bits. */
export function uuidV7(now = Date.now()): string {
  const hex = now.toString(16).padStart(12, '0');
  const random = randomUUID().replaceAll('-', '');
  const variant = ((Number.parseInt(random[16] as string, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7${random.slice(13, 16)}-${variant}${random.slice(17, 20)}-${random.slice(20, 32)}`;
}

/** The event ids of `count` clicks made the `kind` way, in batches of `batchSize`. */
export function eventIds(kind: EventIds, count: number, batchSize = 1200): string[] {
  const ids: string[] = [];
  let batchId = '';
  for (let i = 0; i < count; i++) {
    if (kind === 'random') {
      ids.push(randomUUID());
      continue;
    }
    if (i % batchSize === 0) batchId = kind === 'v7' ? uuidV7() : randomUUID();
    ids.push(clickEventId(batchId, i % batchSize));
  }
  return ids;
}
