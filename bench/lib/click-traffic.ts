import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import type { IncomingClick } from '../../apps/analytics-consumer/src/ingest/ingest-clicks.ts';
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

/** Click number `i` of a synthetic stream: ~8 % bots, `visitors` distinct visitors, the bench dimension values. */
export function syntheticClick(
  linkId: string,
  i: number,
  occurredAt: number,
  visitors: number,
): IncomingClick {
  return {
    eventId: randomUUID(),
    linkId,
    occurredAt,
    referrerHost: pick(REFERRERS, Math.floor(Math.random() * 97)),
    country: pick(COUNTRIES, Math.floor(Math.random() * 997)),
    device: pick(DEVICES, i * 7),
    browser: pick(BROWSERS, i * 13),
    os: pick(OSES, i * 3),
    isBot: Math.random() < 0.08,
    visitorHash: `v${Math.floor(Math.random() * visitors).toString(36)}`,
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
