import type { OrphanVisitBatch } from '@boltlink/queues/catalog';
import type { Pool } from 'pg';

/**
 * Adds an orphan-visit batch to `orphan_visits` in one transaction: the batch id goes into the ledger first,
 * and the counts are added only when that insert took (a redelivered job finds its id and adds nothing). Rows
 * are grouped and sorted by their key, so concurrent batches touching the same rows lock them in the same
 * order. Overflow counts are rows without a path, referrer or country. The rows travel as arrays (unnest): a
 * batch of any size is nine bind parameters.
 */
const MARK_COUNTED = 'INSERT INTO orphan_visit_batches (batch_id) VALUES ($1) ON CONFLICT DO NOTHING';
const ADD_VISITS = `
WITH incoming AS (
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::text[], $6::text[],
    $7::boolean[], $8::bigint[]) AS r(domain, path, kind, minute, referrer_host, country, is_bot, visits)
)
INSERT INTO orphan_visits AS t (domain, path, kind, minute, referrer_host, country, is_bot, visits)
SELECT domain, path, kind, minute, referrer_host, country, is_bot, sum(visits)
FROM incoming
GROUP BY domain, minute, kind, path, referrer_host, country, is_bot
ORDER BY domain, minute, kind, path, referrer_host, country, is_bot
ON CONFLICT ON CONSTRAINT orphan_visits_key DO UPDATE SET visits = t.visits + excluded.visits
`;

export interface OrphanIngestResult {
  /** False: the batch had been counted already (a redelivered job). */
  counted: boolean;
  /** Rows added to or created. */
  rows: number;
}

export async function ingestOrphanVisits(pool: Pool, batch: OrphanVisitBatch): Promise<OrphanIngestResult> {
  const domains: string[] = [];
  const paths: (string | null)[] = [];
  const kinds: string[] = [];
  const minutes: string[] = [];
  const referrers: (string | null)[] = [];
  const countries: (string | null)[] = [];
  const bots: boolean[] = [];
  const visits: number[] = [];
  const push = (
    domain: string,
    path: string | null,
    kind: string,
    minute: number,
    referrer: string | null,
    country: string | null,
    isBot: boolean,
    count: number,
  ) => {
    domains.push(domain);
    paths.push(path);
    kinds.push(kind);
    minutes.push(new Date(minute).toISOString());
    referrers.push(referrer);
    countries.push(country);
    bots.push(isBot);
    visits.push(count);
  };
  for (const v of batch.visits) {
    push(v.domain, v.path, v.kind, v.minute, v.referrerHost, v.country, v.isBot, v.count);
  }
  for (const o of batch.overflow) push(o.domain, null, o.kind, o.minute, null, null, false, o.count);

  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const marked = await client.query(MARK_COUNTED, [batch.batchId]);
    if (marked.rowCount !== 1) {
      await client.query('ROLLBACK');
      return { counted: false, rows: 0 };
    }
    const result = await client.query(ADD_VISITS, [
      domains,
      paths,
      kinds,
      minutes,
      referrers,
      countries,
      bots,
      visits,
    ]);
    await client.query('COMMIT');
    return { counted: true, rows: result.rowCount ?? 0 };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
