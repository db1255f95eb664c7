// Where a counted click's Postgres time and WAL go: the ingestion statement of the analytics consumer (one
// transaction: the event insert and the counts, ingest-clicks.ts) run under EXPLAIN (ANALYZE, WAL) on batches
// like the ones the edge sends, then the dimension roll-up (dimension-rollup.ts) folding all of those
// transactions' clicks at once, as one run every CLICK_ROLLUP_INTERVAL_MS does; each split by part (the event
// insert, each roll-up, the link
// counters), per click. The levers of cheaper ingestion are judged by this split.
//
//   pnpm --filter @boltlink/bench ingest-breakdown
//   GROUP=1200 LINKS=1000 VISITORS=50000 DISTRIBUTION=uniform WARMUP=100 RUNS=20 (defaults)
//
// GROUP is the events of one transaction (an edge batch at 12,000 redirects/s holds about 1,200; group commit and
// CLICK_INGEST_LINGER_MS make transactions larger). The roll-up run folds GROUP × RUNS clicks: at 12,000
// redirects/s, a 10 s CLICK_ROLLUP_INTERVAL_MS folds 120,000 (GROUP=6000 RUNS=20). DISTRIBUTION uniform spreads them evenly over the links (the
// worst case for the roll-ups: nearly every click its own row), zipf gives a few links most clicks. Postgres
// runs with its durable defaults. Times are EXPLAIN's actual times, which include the instrumentation's own
// overhead: read them as shares. Results: bench/results/ingest-breakdown.{json,md} (RESULTS_NAME to rename).
import { createPool } from '@boltlink/db/client';
import type pg from 'pg';
import {
  PROGRESS_SQL,
  ROLLUP_SQL,
  rollUpCommitted,
} from '../apps/analytics-consumer/src/ingest/dimension-rollup.ts';
import {
  INGEST_BATCH_SQL,
  type IncomingClick,
  ingestClicks,
  ingestParameters,
} from '../apps/analytics-consumer/src/ingest/ingest-clicks.ts';
import { linkPicker, seedBenchLinks, syntheticClick } from './lib/click-traffic.ts';
import { writeResults } from './lib/results-file.ts';
import { startBenchStack } from './lib/stack.ts';

const GROUP = Number(process.env.GROUP ?? 1200);
const LINKS = Number(process.env.LINKS ?? 1000);
const VISITORS = Number(process.env.VISITORS ?? 50_000);
const DISTRIBUTION = process.env.DISTRIBUTION === 'zipf' ? 'zipf' : 'uniform';
const WARMUP = Number(process.env.WARMUP ?? 100);
const RUNS = Number(process.env.RUNS ?? 20);

/** One batch as the edge sends it: about 100 ms of clicks, ~8 % bots, VISITORS distinct visitors. */
function batchOf(linkIds: readonly string[], nextLink: () => number): IncomingClick[] {
  const start = Date.now() - 100;
  return Array.from({ length: GROUP }, (_, i) =>
    syntheticClick(linkIds[nextLink()] as string, i, start + Math.floor((i / GROUP) * 100), VISITORS),
  );
}

interface PlanNode {
  'Node Type': string;
  'Subplan Name'?: string;
  'Actual Total Time'?: number;
  'Actual Loops'?: number;
  'WAL Bytes'?: number;
  Plans?: PlanNode[];
}

type Figures = { ms: number; walBytes: number };
const ANSWER = 'the rest (answer, scans between parts)';

/**
 * The time and WAL of each part: every CTE is a part ("CTE hourly" …), the rest of the statement is the answer.
 * A node's figures include its children's, so each node's own share is its figures less its children's, added
 * to the part it belongs to. A CTE Scan's figures are those of running the CTE it reads (where that CTE's own
 * nodes already count them) plus reading a tuplestore: it adds nothing of its own.
 */
function partsOf(root: PlanNode): Map<string, Figures> {
  const parts = new Map<string, Figures>();
  const total = (node: PlanNode): Figures => ({
    ms: (node['Actual Total Time'] ?? 0) * (node['Actual Loops'] ?? 1),
    walBytes: node['WAL Bytes'] ?? 0,
  });
  const visit = (node: PlanNode, part: string) => {
    const children = node.Plans ?? [];
    if (node['Node Type'] !== 'CTE Scan') {
      const own = total(node);
      for (const child of children) {
        if (child['Subplan Name']?.startsWith('CTE ')) continue;
        const figures = total(child);
        own.ms -= figures.ms;
        own.walBytes -= figures.walBytes;
      }
      const sum = parts.get(part) ?? { ms: 0, walBytes: 0 };
      parts.set(part, {
        ms: sum.ms + Math.max(0, own.ms),
        walBytes: sum.walBytes + Math.max(0, own.walBytes),
      });
    }
    for (const child of children) {
      const name = child['Subplan Name'];
      visit(child, name?.startsWith('CTE ') ? name.slice(4) : part);
    }
  };
  visit(root, ANSWER);
  return parts;
}

const stack = await startBenchStack({ durable: true, redis: { appendOnly: true } });
const pool = createPool({ connectionString: stack.databaseUrl, max: 2, applicationName: 'bench' });
try {
  const linkIds = await seedBenchLinks(pool, LINKS);
  const nextLink = linkPicker(LINKS, DISTRIBUTION);
  // Roll-up tables of some size, vacuumed and analysed as autovacuum keeps them.
  for (let i = 0; i < WARMUP; i++) await ingestClicks(pool, batchOf(linkIds, nextLink));
  await rollUpCommitted(pool);
  await pool.query('VACUUM ANALYZE');

  const totals = new Map<string, { ms: number; walBytes: number }>();
  let statementMs = 0;
  let walBytes = 0;
  /** Runs `sql` under EXPLAIN (ANALYZE, WAL) on `client` and adds its parts, prefixed, to the totals. */
  const explain = async (client: Pick<pg.Pool, 'query'>, prefix: string, sql: string, values: unknown[]) => {
    const lsn = await client.query<{ lsn: string }>('SELECT pg_current_wal_lsn() AS lsn');
    const explained = await client.query<{ 'QUERY PLAN': [{ Plan: PlanNode; 'Execution Time': number }] }>(
      `EXPLAIN (ANALYZE, WAL, FORMAT JSON) ${sql}`,
      values,
    );
    const written = await client.query<{ bytes: string }>(
      'SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1) AS bytes',
      [lsn.rows[0]?.lsn],
    );
    const [plan] = explained.rows[0]?.['QUERY PLAN'] ?? [];
    if (plan === undefined) throw new Error('EXPLAIN returned no plan');
    statementMs += plan['Execution Time'];
    walBytes += Number(written.rows[0]?.bytes ?? 0);
    for (const [part, figures] of partsOf(plan.Plan)) {
      const name = `${prefix}: ${part}`;
      const sum = totals.get(name) ?? { ms: 0, walBytes: 0 };
      totals.set(name, { ms: sum.ms + figures.ms, walBytes: sum.walBytes + figures.walBytes });
    }
  };
  for (let run = 0; run < RUNS; run++) {
    await explain(pool, 'ingestion', INGEST_BATCH_SQL, ingestParameters(batchOf(linkIds, nextLink), 0));
  }
  // The breakdowns of those transactions' clicks, folded by one roll-up run, as the consumer's does (in a
  // transaction, between the bounds it reads).
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const progress = await client.query<{ next_xid: string; finished_below: string }>(PROGRESS_SQL);
    const bounds = progress.rows[0];
    if (bounds === undefined) throw new Error('click_rollup_progress has no row');
    await explain(client, 'roll-up', ROLLUP_SQL, [bounds.next_xid, bounds.finished_below]);
    await client.query('COMMIT');
  } finally {
    client.release();
  }

  const clicks = GROUP * RUNS;
  const perClick = (ms: number) => (ms * 1000) / clicks;
  const rows = [...totals.entries()]
    .map(([part, figures]) => ({
      part,
      microsPerClick: Number(perClick(figures.ms).toFixed(2)),
      sharePercent: Math.round((figures.ms / statementMs) * 100),
      walBytesPerClick: Math.round(figures.walBytes / clicks),
    }))
    .sort((a, b) => b.microsPerClick - a.microsPerClick);
  const statementMicros = perClick(statementMs);
  const walPerClick = Math.round(walBytes / clicks);
  console.log(
    `${RUNS} transactions of ${GROUP} clicks (${DISTRIBUTION} over ${LINKS} links): ${statementMicros.toFixed(1)} µs and ${walPerClick} WAL bytes per click`,
  );
  console.table(rows);
  const table = [
    '| part | µs per click | share | WAL bytes per click |',
    '| --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r.part} | ${r.microsPerClick} | ${r.sharePercent} % | ${r.walBytesPerClick} |`),
    `| **both statements** | **${statementMicros.toFixed(1)}** | 100 % | **${walPerClick}** (whole WAL written) |`,
  ].join('\n');
  await writeResults(
    process.env.RESULTS_NAME ?? 'ingest-breakdown',
    {
      group: GROUP,
      links: LINKS,
      visitors: VISITORS,
      distribution: DISTRIBUTION,
      runs: RUNS,
      statementMicrosPerClick: statementMicros,
      walBytesPerClick: walPerClick,
      parts: rows,
    },
    {
      title: 'Where a counted click goes in Postgres',
      body: `${RUNS} ingestion transactions of ${GROUP} clicks each, ${DISTRIBUTION} over ${LINKS} links, ${VISITORS} distinct visitors, then one dimension roll-up run folding their ${GROUP * RUNS} clicks, each under EXPLAIN (ANALYZE, WAL) on durable Postgres after ${WARMUP} warm-up transactions (rolled up). Times include EXPLAIN's own overhead: read them as shares.\n\n${table}\n`,
    },
  );
} finally {
  await pool.end();
  await stack.stop();
}
