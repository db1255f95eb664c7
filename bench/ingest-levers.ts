// What each lever of cheaper ingestion buys, in Postgres CPU per click (ADR 0018): the same stream of click
// batches stored in several ways, one after another on the same durable Postgres, each way's share of the
// Postgres processes' CPU (every backend, the WAL writer, the checkpointer) read from /proc around it.
//
//   pnpm --filter @boltlink/bench ingest-levers
//   GROUP=6000 TRANSACTIONS=60 LINKS=1000 VISITORS=50000 DISTRIBUTION=uniform ROUNDS=2 EVENT_IDS=edge (defaults)
//
// GROUP is the clicks of one ingestion transaction (at 12,000 redirects/s, CLICK_INGEST_LINGER_MS=500 gives each
// of the consumer's two lanes about 3,000; 6,000 is one lane's share at twice that or a single lane). The ways:
//
// - events only, plain INSERT: the raw events and their indexes, no ON CONFLICT, no counts: the floor of an
//   indexed row per click in Postgres.
// - events only: the ingestion statement's event insert alone (ON CONFLICT against the primary key).
// - the statement before the roll-up: the ingestion statement of BASELINE_REVISION (default 34684c1, the last
//   before migration 0017), read from git, which writes every breakdown row in each transaction itself.
// - roll-up every N transactions: the consumer's way; N transactions are N × GROUP clicks, i.e. at 12,000
//   clicks/s a roll-up every 2 s (N=4), 10 s (N=20, the default CLICK_ROLLUP_INTERVAL_MS) or 30 s (N=60).
// - roll-up every 20 transactions as ROLLUP_BASELINE_REVISION had it (default a96ad90, the last before
//   migration 0018: it wrote a row per link, day and visitor too), read from git.
//
// EVENT_IDS: how event ids are made (bench/lib/click-traffic.ts: `edge`, from their batch's id as the edge does;
// `v7`, from time-ordered batch ids; `random`, as figures before 2026-12-08 had them).
//
// WAYS (comma-separated keys: plain, conflict, baseline, rollup4, rollup20, rollup60, rollup20-baseline, rollup20-v7, conflict-v7; all by
// default) runs some of them only, in that order.
//
// Each way runs ROUNDS times, interleaved, on fresh batches; the tables keep growing through the run (read the
// rounds as such); autovacuum is off and each way's window ends with a VACUUM, so the vacuum its writes call for is billed to it and not
// to the way after it (figures before 2026-12-08 left it to autovacuum). Uniform traffic over 1,000 links is the worst case for folding. Postgres is the only
// process measured: a loaded host changes the figures less than it does a throughput. Results:
// bench/results/ingest-levers.{json,md} (RESULTS_NAME to rename).
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createPool } from '@boltlink/db/client';
import { rollUpCommitted } from '../apps/analytics-consumer/src/ingest/dimension-rollup.ts';
import {
  INGEST_BATCH_SQL,
  type IncomingClick,
  ingestParameters,
} from '../apps/analytics-consumer/src/ingest/ingest-clicks.ts';
import { type EventIds, eventIds, linkPicker, seedBenchLinks, syntheticClick } from './lib/click-traffic.ts';
import { treeCpuMs } from './lib/processes.ts';
import { writeResults } from './lib/results-file.ts';
import { localServers, startBenchStack } from './lib/stack.ts';

const GROUP = Number(process.env.GROUP ?? 6000);
const TRANSACTIONS = Number(process.env.TRANSACTIONS ?? 60);
const LINKS = Number(process.env.LINKS ?? 1000);
const VISITORS = Number(process.env.VISITORS ?? 50_000);
const DISTRIBUTION = process.env.DISTRIBUTION === 'zipf' ? 'zipf' : 'uniform';
const ROUNDS = Number(process.env.ROUNDS ?? 2);
const EVENT_IDS: EventIds =
  (['random', 'edge', 'v7'] as const).find((kind) => kind === process.env.EVENT_IDS) ?? 'edge';
const BASELINE_REVISION = process.env.BASELINE_REVISION ?? '34684c1';
const ROLLUP_BASELINE_REVISION = process.env.ROLLUP_BASELINE_REVISION ?? 'a96ad90';
const WAYS = process.env.WAYS?.split(',').map((key) => key.trim());
const CONSUMER_SOURCE = 'apps/analytics-consumer/src';

/**
 * A module of the consumer's source as `revision` had it: `files` (paths under apps/analytics-consumer/src,
 * the entry first, then what it imports at run time) are read from git into a directory of their own and the
 * entry is imported from there.
 */
async function consumerModuleAt<T>(revision: string, files: readonly string[]): Promise<T> {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const dir = await mkdtemp(join(tmpdir(), 'boltlink-baseline-'));
  try {
    for (const file of files) {
      const source = execFileSync('git', ['show', `${revision}:${CONSUMER_SOURCE}/${file}`], {
        cwd: root,
        encoding: 'utf8',
      });
      await mkdir(dirname(join(dir, file)), { recursive: true });
      await writeFile(join(dir, file), source);
    }
    return (await import(pathToFileURL(join(dir, files[0] as string)).href)) as T;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

// The event insert of the ingestion statement, alone ($11, the shard, is unused here but keeps the parameters).
const EVENTS_ONLY = `
  INSERT INTO click_events (event_id, link_id, occurred_at, referrer_host, country, device, browser, os, is_bot,
    visitor_hash, variant, ingest_xid)
  SELECT e.*, NULL::bigint FROM unnest($1::uuid[], $2::uuid[], $3::timestamptz[], $4::text[], $5::text[],
    $6::text[], $7::text[], $8::text[], $9::bool[], $10::text[], $12::text[])
    AS e(event_id, link_id, occurred_at, referrer_host, country, device, browser, os, is_bot, visitor_hash, variant)
  WHERE $11::smallint IS NOT NULL`;

interface Way {
  key: string;
  name: string;
  /** How its clicks' event ids are made, when not EVENT_IDS. */
  ids?: EventIds;
  /** Stores one transaction's clicks; `index` counts the transactions of this way's pass from 1. */
  store(parameters: unknown[], index: number): Promise<void>;
}

const stack = await startBenchStack({ fromEnv: false, durable: true });
const pool = createPool({ connectionString: stack.databaseUrl, max: 2, applicationName: 'bench' });
try {
  const { postgres } = localServers(stack);
  const linkIds = await seedBenchLinks(pool, LINKS);
  const nextLink = linkPicker(LINKS, DISTRIBUTION);
  const batch = (ids = eventIds(EVENT_IDS, GROUP)): IncomingClick[] => {
    const now = Date.now();
    return Array.from({ length: GROUP }, (_, i) =>
      syntheticClick(linkIds[nextLink()] as string, i, now, VISITORS, ids[i]),
    );
  };
  const ingest = async (parameters: unknown[]) => {
    await pool.query(INGEST_BATCH_SQL, parameters);
  };
  const baseline = (
    await consumerModuleAt<{ INGEST_BATCH_SQL: string }>(BASELINE_REVISION, ['ingest/ingest-clicks.ts'])
  ).INGEST_BATCH_SQL;
  const previousRollup = await consumerModuleAt<{ rollUpCommitted: typeof rollUpCommitted }>(
    ROLLUP_BASELINE_REVISION,
    ['ingest/dimension-rollup.ts', 'ingest/ingest-clicks.ts', 'periodic-task.ts'],
  );
  const rollUpEvery = (n: number, rollUp = rollUpCommitted, revision?: string): Way => ({
    key: `rollup${n}${revision === undefined ? '' : '-baseline'}`,
    name: `roll-up every ${n} transactions${revision === undefined ? '' : ` (${revision}'s roll-up)`}`,
    async store(parameters, index) {
      await ingest(parameters);
      if (index % n === 0 || index === TRANSACTIONS) await rollUp(pool);
    },
  });
  const every: Way[] = [
    {
      key: 'plain',
      name: 'events only, plain INSERT (no ON CONFLICT, no counts)',
      store: async (parameters) => {
        await pool.query(EVENTS_ONLY, parameters);
      },
    },
    {
      key: 'conflict',
      name: 'events only (ON CONFLICT, no counts)',
      store: async (parameters) => {
        await pool.query(`${EVENTS_ONLY} ON CONFLICT (event_id, occurred_at) DO NOTHING`, parameters);
      },
    },
    {
      key: 'baseline',
      name: `the statement before the roll-up (${BASELINE_REVISION}: breakdowns in each transaction)`,
      store: async (parameters) => {
        await pool.query(baseline, parameters);
      },
    },
    rollUpEvery(4),
    rollUpEvery(20),
    rollUpEvery(20, previousRollup.rollUpCommitted, ROLLUP_BASELINE_REVISION),
    rollUpEvery(60),
    {
      ...rollUpEvery(20),
      key: 'rollup20-v7',
      name: 'roll-up every 20 transactions, time-ordered event ids',
      ids: 'v7',
    },
    {
      key: 'conflict-v7',
      name: 'events only (ON CONFLICT, no counts), time-ordered event ids',
      ids: 'v7',
      store: async (parameters) => {
        await pool.query(`${EVENTS_ONLY} ON CONFLICT (event_id, occurred_at) DO NOTHING`, parameters);
      },
    },
  ];
  const ways =
    WAYS?.map((key) => {
      const way = every.find((candidate) => candidate.key === key);
      if (way === undefined) throw new Error(`WAYS: ${key} is none of ${every.map((w) => w.key).join(', ')}`);
      return way;
    }) ?? every;
  // Vacuum runs at the end of each way's window (below), not whenever autovacuum picks: this cluster is the bench's.
  await pool.query('ALTER SYSTEM SET autovacuum = off');
  await pool.query('SELECT pg_reload_conf()');
  // Roll-up tables of some size before anything is measured.
  for (let i = 1; i <= 10; i++) await rollUpEvery(20).store(ingestParameters(batch(), 0), i);
  await rollUpCommitted(pool);
  await pool.query('VACUUM ANALYZE');

  // WAL written so far: records, full-page images (a page's first change after a checkpoint) and bytes. Backends
  // report theirs at least every second, hence the wait.
  const walSoFar = async () => {
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const { rows } = await pool.query<{ records: string; fpi: string; bytes: string }>(
      'SELECT wal_records AS records, wal_fpi AS fpi, wal_bytes AS bytes FROM pg_stat_wal',
    );
    const row = rows[0];
    return { records: Number(row?.records), fpi: Number(row?.fpi), bytes: Number(row?.bytes) };
  };

  const figures = new Map<string, { micros: number[]; walBytes: number[]; fpiBytesShare: number[] }>();
  const clicks = TRANSACTIONS * GROUP;
  for (let round = 1; round <= ROUNDS; round++) {
    for (const way of ways) {
      const batches = Array.from({ length: TRANSACTIONS }, () =>
        ingestParameters(batch(eventIds(way.ids ?? EVENT_IDS, GROUP)), 0),
      );
      await pool.query('CHECKPOINT');
      const walBefore = await walSoFar();
      const before = await treeCpuMs(postgres.pid);
      for (let i = 0; i < batches.length; i++) await way.store(batches[i] as unknown[], i + 1);
      // The vacuum a way's writes call for is its own cost, not the next way's (autovacuum would do it then).
      await pool.query('VACUUM');
      const micros = (((await treeCpuMs(postgres.pid)) - before) * 1000) / clicks;
      const walAfter = await walSoFar();
      const walBytes = (walAfter.bytes - walBefore.bytes) / clicks;
      // A full-page image is about a page (8 kB) of WAL; the share is an upper bound (images are compressed
      // only with wal_compression, off here).
      const fpiBytesShare = Math.min(
        1,
        ((walAfter.fpi - walBefore.fpi) * 8192) / (walAfter.bytes - walBefore.bytes),
      );
      const kept = figures.get(way.name) ?? { micros: [], walBytes: [], fpiBytesShare: [] };
      kept.micros.push(micros);
      kept.walBytes.push(walBytes);
      kept.fpiBytesShare.push(fpiBytesShare);
      figures.set(way.name, kept);
      console.log(
        `round ${round}: ${way.name}: ${micros.toFixed(1)} µs of Postgres CPU per click, ` +
          `${walBytes.toFixed(0)} WAL bytes per click (full-page images ≤ ${(fpiBytesShare * 100).toFixed(0)} % of them)`,
      );
    }
  }

  const rows = ways.map((way) => {
    const kept = figures.get(way.name);
    return {
      way: way.name,
      microsPerClick: kept?.micros ?? [],
      walBytesPerClick: kept?.walBytes ?? [],
      fullPageImageShare: kept?.fpiBytesShare ?? [],
    };
  });
  const rounds = Array.from({ length: ROUNDS }, (_, i) => `round ${i + 1}`).join(', ');
  const table = [
    `| way | Postgres CPU µs per click, ${rounds} | WAL bytes per click (full-page images' share) |`,
    '| --- | --- | --- |',
    ...rows.map(
      (row) =>
        `| ${row.way} | ${row.microsPerClick.map((m) => m.toFixed(1)).join(', ')} | ${row.walBytesPerClick
          .map((b, i) => `${b.toFixed(0)} (≤ ${((row.fullPageImageShare[i] ?? 0) * 100).toFixed(0)} %)`)
          .join(', ')} |`,
    ),
  ].join('\n');
  await writeResults(
    process.env.RESULTS_NAME ?? 'ingest-levers',
    {
      group: GROUP,
      transactions: TRANSACTIONS,
      links: LINKS,
      visitors: VISITORS,
      distribution: DISTRIBUTION,
      eventIds: EVENT_IDS,
      rows,
    },
    {
      title: 'What each ingestion lever buys in Postgres CPU',
      body: `${TRANSACTIONS} transactions of ${GROUP} clicks per way and round (${DISTRIBUTION} over ${LINKS} links, ${VISITORS} distinct visitors, event ids: ${EVENT_IDS}), durable Postgres, the Postgres processes' CPU from /proc. The ways run interleaved, round after round, on growing tables; autovacuum is off and each way's window ends with a VACUUM of the database, so the vacuum work its writes leave is billed to it, not to the way after it.\n\n${table}\n`,
    },
  );
} finally {
  await pool.end();
  await stack.stop();
}
