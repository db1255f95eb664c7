import { primaries, type RedisClient } from '@boltlink/redis-keys/clients';
import type { RedisKeys } from '@boltlink/redis-keys/keys';
import type { Pool } from 'pg';
import { createRedisVisitorSketches } from './visitor-sketches.ts';

export interface RebuildReport {
  accounts: number;
  days: number;
  visitors: number;
}

// An account's links' visitors of one UTC day: the raw events' while the day is kept, link_visitors_daily's once
// it has left the retention (migration 0018; a visitor in both is one).
const DAY_VISITORS = `
  SELECT r.visitor_hash, r.is_bot FROM link_visitors_daily r
  WHERE r.link_id IN (SELECT id FROM links WHERE workspace_id = $1::uuid) AND r.bucket = $2::date
  UNION
  SELECT e.visitor_hash, e.is_bot FROM click_events e
  WHERE e.link_id IN (SELECT id FROM links WHERE workspace_id = $1::uuid) AND e.visitor_hash IS NOT NULL
    AND e.occurred_at >= $2::date::timestamp AT TIME ZONE 'UTC'
    AND e.occurred_at < ($2::date + 1)::timestamp AT TIME ZONE 'UTC'`;

/**
 * Rebuilds the account visitor sketches of the given accounts (every account with visitors when none are
 * given) from the raw events and link_visitors_daily: the account's keys are deleted first, then its visitors
 * are read and added day by day. A consumer that commits clicks meanwhile adds their visitors after its commit,
 * so after the delete: they are either read here or added by the consumer, never lost. A visitor is in the bot
 * sketch of a day if one of its clicks on the account's links was a bot's, and in the human sketch if one was
 * not (for days past the retention: if link_visitors_daily flags it so on one of them).
 */
export async function rebuildVisitorSketches(
  deps: { pool: Pool; redis: RedisClient; keys: RedisKeys },
  options: { accounts?: readonly string[] } = {},
): Promise<RebuildReport> {
  const { pool, redis, keys } = deps;
  const sketches = createRedisVisitorSketches(redis, keys);
  const accounts =
    options.accounts ??
    (
      await pool.query<{ user_id: string }>(
        `SELECT DISTINCT l.workspace_id AS user_id FROM links l
         WHERE EXISTS (SELECT 1 FROM link_visitors_daily r WHERE r.link_id = l.id)
           OR EXISTS (SELECT 1 FROM click_events e WHERE e.link_id = l.id AND e.visitor_hash IS NOT NULL)
         ORDER BY 1`,
      )
    ).rows.map((row) => row.user_id);
  const report: RebuildReport = { accounts: 0, days: 0, visitors: 0 };
  for (const accountId of accounts) {
    // Sketches of days that no longer have any visitor (every link of that day deleted) go too.
    await deleteMatching(redis, keys.accountVisitorsPattern(accountId));
    const days = await pool.query<{ day: string }>(
      `SELECT r.bucket::text AS day FROM link_visitors_daily r
       WHERE r.link_id IN (SELECT id FROM links WHERE workspace_id = $1::uuid)
       UNION
       SELECT (e.occurred_at AT TIME ZONE 'UTC')::date::text FROM click_events e
       WHERE e.link_id IN (SELECT id FROM links WHERE workspace_id = $1::uuid) AND e.visitor_hash IS NOT NULL
       ORDER BY 1`,
      [accountId],
    );
    for (const { day } of days.rows) {
      const rows = await pool.query<{ visitor_hash: string; is_bot: boolean }>(DAY_VISITORS, [
        accountId,
        day,
      ]);
      await sketches.add(
        rows.rows.map((row) => ({ accountId, day, visitorHash: row.visitor_hash, isBot: row.is_bot })),
      );
      report.days += 1;
      report.visitors += rows.rows.length;
    }
    report.accounts += 1;
  }
  return report;
}

/** SCAN sees one server's keys: on a Redis Cluster each primary is scanned (the pattern's keys share a slot). */
async function deleteMatching(redis: RedisClient, pattern: string): Promise<void> {
  for (const node of primaries(redis)) {
    let cursor = '0';
    do {
      const [next, found] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      if (found.length > 0) await node.del(...found);
    } while (cursor !== '0');
  }
}
