// Statistics at scale: how long the management API's `/stats` queries take on an account with many clicks,
// and how fast clicks for the current hour still go in on such a database.
//
//   pnpm --filter @boltlink/bench stats-scale
//   CLICKS=2000000 LINKS=1000 DAYS=90 VISITORS=1000000 RUNS=5 INGEST_EVENTS=100000 BATCH=500 CONCURRENCY=2 (defaults)
//
// Seeding: CLICKS click events spread uniformly over the last DAYS days and LINKS links of one account are
// written to click_events with generate_series, then every roll-up is built from them by grouping the events
// the way the consumer's ingestion statement (apps/analytics-consumer/src/ingest/ingest-clicks.ts) groups a
// batch: same keys, same 'unknown' / '(direct)' substitutes, same bot counts, and links.click_count. Grouping
// all events at once gives the rows that ingesting them batch by batch adds up to (a link's visitors are counted
// from the events themselves: migration 0018). VISITORS distinct visitor hashes (one in twelve a bot)
// are spread uniformly, so a visitor rarely comes back to the same link on the same day, as with real
// visitors of many different links.
//
// Queries: the stats service of the management API itself (createStatsService, imported from source), on a
// warmed-up database after VACUUM ANALYZE: the median of RUNS runs of each scenario. Then each SQL statement
// of each scenario, recorded as the service sends it, is run under EXPLAIN ANALYZE.
//
// Ingestion: INGEST_EVENTS clicks of the current hour on the same links through the consumer's ingestClicks
// (the statement of one job, without the queue), BATCH per batch, CONCURRENCY transactions in flight over
// disjoint links as in the consumer.
//
// Postgres runs with its durable defaults (fsync on), as ingestion needs; STATS_EPHEMERAL_PG=1 turns them
// off. DATABASE_URL points it at an existing server instead: it then creates and drops its own databases
// there (boltlink_stats_scale_<pid> and the baseline's), never touching the one named in the URL.
//
// KEEP_DB=<directory> keeps the cluster and its seeded database there (e.g. /tmp/boltlink-stats-10m): the
// first run seeds it, later runs with the same CLICKS, LINKS, DAYS and VISITORS reuse it and skip the seeding
// (14 minutes at 10M clicks). A reused database is migrated first (so a new migration runs on millions of
// rows) and keeps the clicks each run ingests (INGEST_EVENTS, counted in the table sizes); delete the
// directory to start over.
//
// The ingestion baseline is the same ingestion into a fresh database of the same cluster, in the same run.
// Results: bench/results/stats-scale.json and .md.
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDb, createPool } from '@boltlink/db/client';
import { runMigrations } from '@boltlink/db/migrate';
import { startPostgres } from '@boltlink/local-servers/postgres';
import { startRedis } from '@boltlink/local-servers/redis';
import { clickEventId } from '@boltlink/queues/catalog';
import { createRedisKeys } from '@boltlink/redis-keys/keys';
import { Redis } from 'ioredis';
import type { Pool } from 'pg';
import {
  type IncomingClick,
  ingestEvents,
  summarise,
} from '../apps/analytics-consumer/src/ingest/ingest-clicks.ts';
import { rebuildVisitorSketches } from '../apps/analytics-consumer/src/ingest/rebuild-visitor-sketches.ts';
import {
  createRedisVisitorSketches,
  type VisitorSketches,
} from '../apps/analytics-consumer/src/ingest/visitor-sketches.ts';
import type { StatsQuery } from '../apps/management-api/src/schemas/stats.ts';
import { createRedisAccountVisitors } from '../apps/management-api/src/services/account-visitors.ts';
import { createStatsService } from '../apps/management-api/src/services/stats-service.ts';
import { BROWSERS, COUNTRIES, DEVICES, OSES, REFERRERS } from './lib/click-dimensions.ts';
import { rollupStatements } from './lib/click-rollups.ts';
import { writeResults } from './lib/results-file.ts';

const CLICKS = Number(process.env.CLICKS ?? 2_000_000);
const LINKS = Number(process.env.LINKS ?? 1000);
const DAYS = Number(process.env.DAYS ?? 90);
const VISITORS = Number(process.env.VISITORS ?? 1_000_000);
const RUNS = Number(process.env.RUNS ?? 5);
const INGEST_EVENTS = Number(process.env.INGEST_EVENTS ?? 100_000);
const BATCH = Number(process.env.BATCH ?? 500);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 2);
const SEED_CHUNK = 250_000;
// SHARED_SHARD=1: every lane writes account shard 0, so lanes wait for each other on the account rows
// (the alternative to one shard per lane; see ADR 0004).
const SHARED_SHARD = process.env.SHARED_SHARD === '1';
// bench/results/<RESULTS_NAME>.{json,md}: name a size you keep, e.g. RESULTS_NAME=stats-scale-10m.
const RESULTS_NAME = process.env.RESULTS_NAME ?? 'stats-scale';
const KEEP_DB = process.env.KEEP_DB;

// The issue's targets, printed next to the figures.
const TARGETS = {
  accountMs: CLICKS <= 2_000_000 ? 100 : 300,
  linkMs: 20,
  ingestPerSecond: 15_000,
};

const sqlArray = (items: readonly (string | null)[]) =>
  `ARRAY[${items.map((v) => (v === null ? 'NULL' : `'${v}'`)).join(', ')}]::text[]`;
const pickSql = (items: readonly (string | null)[]) =>
  `(${sqlArray(items)})[1 + floor(random() * ${items.length})::int]`;

/** What a kept database was seeded with (KEEP_DB/seed.json): a run reuses it only with the same settings. */
interface Seed {
  clicks: number;
  links: number;
  days: number;
  visitors: number;
  seedSeconds: number;
  userId: string;
  linkIds: string[];
}

const SEED_FILE = KEEP_DB === undefined ? undefined : join(KEEP_DB, 'seed.json');

async function keptSeed(): Promise<Seed | undefined> {
  if (SEED_FILE === undefined || !existsSync(SEED_FILE)) return undefined;
  const seed = JSON.parse(await readFile(SEED_FILE, 'utf8')) as Seed;
  const wanted = { clicks: CLICKS, links: LINKS, days: DAYS, visitors: VISITORS };
  const kept = { clicks: seed.clicks, links: seed.links, days: seed.days, visitors: seed.visitors };
  if (JSON.stringify(wanted) !== JSON.stringify(kept)) {
    throw new Error(
      `${KEEP_DB} holds a database seeded with ${JSON.stringify(kept)}, not ${JSON.stringify(wanted)}: ` +
        'use another KEEP_DB directory or delete this one',
    );
  }
  return seed;
}

/**
 * The cluster: the seeded database (`url`) and `fresh()`, an empty migrated database of the same cluster for
 * the ingestion baseline.
 */
async function startDatabase() {
  const envUrl = process.env.DATABASE_URL;
  if (envUrl) {
    if (KEEP_DB !== undefined) throw new Error('KEEP_DB keeps a cluster of its own: unset DATABASE_URL');
    const admin = createPool({ connectionString: envUrl, max: 1 });
    const dbUrl = (database: string) => {
      const url = new URL(envUrl);
      url.pathname = `/${database}`;
      return url.toString();
    };
    const database = `boltlink_stats_scale_${process.pid}`;
    const baseline = `boltlink_stats_baseline_${process.pid}`;
    await admin.query(`CREATE DATABASE ${database}`);
    return {
      url: dbUrl(database),
      durability: 'as configured',
      async fresh() {
        await admin.query(`CREATE DATABASE ${baseline}`);
        return {
          url: dbUrl(baseline),
          drop: () => admin.query(`DROP DATABASE IF EXISTS ${baseline} WITH (FORCE)`),
        };
      },
      async stop() {
        await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
        await admin.query(`DROP DATABASE IF EXISTS ${baseline} WITH (FORCE)`);
        await admin.end();
      },
    };
  }
  let root: string;
  if (KEEP_DB === undefined) {
    root = await mkdtemp(join(tmpdir(), 'boltlink-stats-bench-'));
  } else {
    root = KEEP_DB;
    await mkdir(root, { recursive: true });
  }
  // Embedded Postgres runs as an unprivileged user when we are root; it must be able to enter the directory.
  await chmod(root, 0o755);
  const ephemeral = process.env.STATS_EPHEMERAL_PG === '1';
  const postgres = await startPostgres({ dataDir: join(root, 'pg'), database: 'boltlink', ephemeral });
  const admin = createPool({ connectionString: postgres.adminUrl, max: 1 });
  const baselineUrl = new URL(postgres.url);
  baselineUrl.pathname = '/boltlink_baseline';
  return {
    url: postgres.url,
    durability: ephemeral ? 'fsync off' : 'fsync on',
    async fresh() {
      await admin.query('DROP DATABASE IF EXISTS boltlink_baseline WITH (FORCE)');
      await admin.query('CREATE DATABASE boltlink_baseline');
      return {
        url: baselineUrl.toString(),
        drop: () => admin.query('DROP DATABASE IF EXISTS boltlink_baseline WITH (FORCE)'),
      };
    },
    async stop() {
      await admin.end();
      await postgres.stop();
      if (KEEP_DB === undefined) await rm(root, { recursive: true, force: true });
    },
  };
}

async function withPool<T>(url: string, fn: (pool: Pool) => Promise<T>): Promise<T> {
  const pool = createPool({ connectionString: url, max: 1 });
  try {
    return await fn(pool);
  } finally {
    await pool.end();
  }
}

/** One account with LINKS links, created before the 90 days of clicks. */
async function createAccount(pool: Pool): Promise<{ userId: string; linkIds: string[] }> {
  const user = await pool.query<{ id: string }>(
    "INSERT INTO users (email, password_hash) VALUES ($1, 'bench') RETURNING id",
    [`stats-${randomUUID()}@example.com`],
  );
  const userId = user.rows[0]?.id ?? '';
  const links = await pool.query<{ id: string }>(
    `INSERT INTO links (user_id, domain, code, url, created_at)
     SELECT $1, 'bench.local', 's' || g, 'https://example.com/' || g, now() - make_interval(days => $3::int + 1)
     FROM generate_series(1, $2::int) AS g RETURNING id`,
    [userId, LINKS, DAYS],
  );
  return { userId, linkIds: links.rows.map((r) => r.id) };
}

const CLICK_TABLES = [
  'click_events',
  'link_clicks_hourly',
  'link_clicks_daily',
  'link_dimensions_daily',
  'link_agents_daily',
  'link_visitors_daily',
  'account_clicks_hourly',
  'account_clicks_daily',
  'account_dimensions_daily',
];

/** CLICKS click events on the account's links and every roll-up ingestion would have written for them. */
async function seedClicks(pool: Pool, linkIds: readonly string[]): Promise<void> {
  const client = await pool.connect();
  try {
    // Only this seeding session: roll-ups are grouped from millions of events at once.
    await client.query("SET work_mem = '256MB'");
    await client.query('SELECT setseed(0.42)');
    for (let done = 0; done < CLICKS; done += SEED_CHUNK) {
      const n = Math.min(SEED_CHUNK, CLICKS - done);
      await client.query(
        `INSERT INTO click_events
           (event_id, link_id, occurred_at, referrer_host, country, device, browser, os, is_bot, visitor_hash)
         SELECT gen_random_uuid(), ($1::uuid[])[1 + floor(random() * $2::int)::int],
           now() - random() * make_interval(days => $3::int),
           ${pickSql(REFERRERS)}, ${pickSql(COUNTRIES)}, ${pickSql(DEVICES)}, ${pickSql(BROWSERS)}, ${pickSql(OSES)},
           v.n % 12 = 0, 'v' || to_hex(v.n)
         FROM generate_series(1, $4::int) AS g
         CROSS JOIN LATERAL (SELECT floor(random() * $5::int)::int + g * 0 AS n) AS v`,
        [linkIds, LINKS, DAYS, n, VISITORS],
      );
      process.stdout.write(`  seeded ${done + n} / ${CLICKS} click events\r`);
    }
    process.stdout.write('\n');
    // The same grouping as the consumer's ingestion statement, over all events at once.
    for (const statement of rollupStatements()) await client.query(statement);
    // What autovacuum would have done on a live database: statistics and the visibility map.
    await client.query('VACUUM ANALYZE');
  } finally {
    client.release();
  }
}

async function tableSizes(pool: Pool) {
  const out: { table: string; rows: number; perClick: number; mb: number }[] = [];
  for (const table of CLICK_TABLES) {
    const r = await pool.query<{ rows: string; bytes: string }>(
      `SELECT (SELECT count(*) FROM ${table}) AS rows, pg_total_relation_size('${table}') AS bytes`,
    );
    const rows = Number(r.rows[0]?.rows ?? 0);
    // A kept database also holds the clicks earlier runs ingested: per click of what it holds.
    const events = out[0]?.rows ?? rows;
    out.push({
      table,
      rows,
      perClick: rows / events,
      mb: Number(r.rows[0]?.bytes ?? 0) / 1_048_576,
    });
  }
  return out;
}

interface Recorded {
  text: string;
  values: unknown[] | undefined;
}

/** Records the SQL statements the stats service sends through `pool` while `recording` is on. */
function recordQueries(pool: Pool) {
  const state = { recording: false, statements: [] as Recorded[] };
  const original = pool.query.bind(pool) as (config: unknown, values?: unknown[]) => Promise<unknown>;
  const recorder = (config: unknown, values?: unknown[]) => {
    if (state.recording) {
      const text = typeof config === 'string' ? config : (config as { text: string }).text;
      state.statements.push({ text, values });
    }
    return original(config, values);
  };
  (pool as unknown as { query: typeof recorder }).query = recorder;
  return state;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

const DAY_MS = 86_400_000;

/**
 * The event ids of one batch. The edge mints them from its batch id (clickEventId: consecutive ids, so one
 * batch's events land next to each other in click_events' primary key). `random` gives every event an id of
 * its own instead (what this bench did before), which costs a primary-key leaf page per event on a large
 * table. RANDOM_EVENT_IDS=compare runs the ingestion on the seeded database a second time with random ids.
 */
type EventIds = 'edge' | 'random';
const COMPARE_RANDOM_IDS = process.env.RANDOM_EVENT_IDS === 'compare';

function batchEventIds(count: number, ids: EventIds): string[] {
  const batchId = randomUUID();
  return Array.from({ length: count }, (_, i) =>
    ids === 'random' ? randomUUID() : clickEventId(batchId, i),
  );
}

/** One click of the current hour on one of `links`, as the edge would send it. */
function makeClick(links: readonly string[], occurredAt: number, i: number, eventId: string): IncomingClick {
  return {
    eventId,
    linkId: links[Math.floor(Math.random() * links.length)] as string,
    // Ascending within the current hour: one edge batch holds ~100 ms of clicks.
    occurredAt,
    referrerHost: REFERRERS[Math.floor(Math.random() * REFERRERS.length)] ?? null,
    country: COUNTRIES[Math.floor(Math.random() * COUNTRIES.length)] ?? null,
    device: DEVICES[i % DEVICES.length] as string,
    browser: BROWSERS[(i * 7) % BROWSERS.length] as string,
    os: OSES[(i * 3) % OSES.length] as string,
    isBot: Math.random() < 0.08,
    visitorHash: `v${Math.floor(Math.random() * VISITORS).toString(16)}`,
  };
}

/**
 * Where one ingestion statement spends its time on this database: a fresh batch of one lane's links under
 * EXPLAIN (ANALYZE, BUFFERS), in a transaction rolled back (the plan shows each roll-up's insert).
 */
async function explainIngestion(explainPool: Pool, linkIds: readonly string[]) {
  const laneLinks = linkIds.filter((_, i) => i % CONCURRENCY === 0);
  const now = Date.now();
  const ids = batchEventIds(BATCH, 'edge');
  const batch = ids.map((id, i) => makeClick(laneLinks, now - BATCH + i, i, id));
  let captured: { text: string; values: unknown[] } | undefined;
  const capture = {
    query: async (text: string, values: unknown[]) => {
      captured = { text, values };
      return { rows: [] };
    },
  } as unknown as Pool;
  await ingestEvents(capture, batch, 0);
  if (!captured) throw new Error('ingestion statement not captured');
  const client = await explainPool.connect();
  try {
    await client.query('BEGIN');
    const r = await client.query<{ 'QUERY PLAN': string }>(
      `EXPLAIN (ANALYZE, BUFFERS) ${captured.text}`,
      captured.values,
    );
    return r.rows.map((row) => row['QUERY PLAN']).join('\n');
  } finally {
    await client.query('ROLLBACK');
    client.release();
  }
}

async function ingestCurrentHour(
  pool: Pool,
  sketches: VisitorSketches,
  linkIds: readonly string[],
  eventIds: EventIds = 'edge',
) {
  const now = Date.now();
  const hourStart = now - (now % 3_600_000);
  const span = Math.max(now - hourStart, 1);
  // As in the consumer, each of the CONCURRENCY transactions in flight owns a disjoint set of links (its
  // lane, coalescing-ingestor.ts): batches over the same links in parallel can deadlock on links.click_count.
  const lanes = Array.from({ length: CONCURRENCY }, (_, lane) =>
    linkIds.filter((_, i) => i % CONCURRENCY === lane),
  );
  const perLane = Math.ceil(INGEST_EVENTS / CONCURRENCY);
  const laneBatches = lanes.map((laneLinks, lane) => {
    const count = Math.min(perLane, INGEST_EVENTS - lane * perLane);
    const batches: IncomingClick[][] = [];
    for (let first = 0; first < count; first += BATCH) {
      const ids = batchEventIds(Math.min(BATCH, count - first), eventIds);
      batches.push(
        ids.map((id, j) =>
          makeClick(laneLinks, hourStart + Math.floor(((first + j) / count) * span), first + j, id),
        ),
      );
    }
    return batches;
  });
  let inserted = 0;
  const started = performance.now();
  await Promise.all(
    laneBatches.map(async (batches, lane) => {
      for (const batch of batches) {
        // What one lane of the consumer does per transaction (coalescing-ingestor.ts): the statement, writing
        // the lane's own shard of the account roll-ups, then the visitors into the account sketches.
        const outcome = await ingestEvents(pool, batch, SHARED_SHARD ? 0 : lane);
        await sketches.add(outcome.visitors);
        inserted += summarise(batch, outcome).inserted;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  if (inserted !== INGEST_EVENTS)
    throw new Error(`ingestion: ${inserted} of ${INGEST_EVENTS} clicks inserted`);
  return {
    events: INGEST_EVENTS,
    seconds: Math.round(seconds * 100) / 100,
    perSecond: Math.round(INGEST_EVENTS / seconds),
  };
}

const loadBefore = loadavg()[0] ?? 0;
const database = await startDatabase();
// Account-wide unique visitors live in Redis (HyperLogLog sketches): REDIS_URL, else a Redis of our own.
const localRedis = process.env.REDIS_URL ? undefined : await startRedis({ appendOnly: false });
const redis = new Redis(process.env.REDIS_URL ?? localRedis?.url ?? '', { maxRetriesPerRequest: 1 });
const keys = createRedisKeys(`bench-stats-${process.pid}`);
const sketches = createRedisVisitorSketches(redis, keys);
const kept = await keptSeed();
const migrationStarted = performance.now();
await runMigrations(database.url);
const migrationSeconds = (performance.now() - migrationStarted) / 1000;
if (kept) {
  console.log(`kept database in ${KEEP_DB} migrated in ${migrationSeconds.toFixed(1)} s`);
  // What autovacuum does on a live database after a migration rewrote rows: statistics and the visibility map.
  await withPool(database.url, (p) => p.query('VACUUM ANALYZE'));
}
const pool = createPool({ connectionString: database.url, max: 10, applicationName: 'bench-stats' });
const explainPool = createPool({ connectionString: database.url, max: 1, applicationName: 'bench-explain' });
try {
  // Baseline measured in the same run, under the same load: the same ingestion into an empty database of the
  // same cluster, on an account without clicks.
  console.log(`ingesting ${INGEST_EVENTS} clicks of the current hour on an empty database (baseline)`);
  const fresh = await database.fresh();
  await runMigrations(fresh.url);
  const freshPool = createPool({ connectionString: fresh.url, max: 10, applicationName: 'bench-baseline' });
  let ingestionBaseline: Awaited<ReturnType<typeof ingestCurrentHour>>;
  try {
    const empty = await createAccount(freshPool);
    ingestionBaseline = await ingestCurrentHour(freshPool, sketches, empty.linkIds);
  } finally {
    await freshPool.end();
    await fresh.drop();
  }
  console.log(`  ${ingestionBaseline.perSecond.toFixed(0)} clicks/s`);
  let seed: Seed;
  if (kept) {
    seed = kept;
    console.log(
      `reusing the ${CLICKS} clicks seeded in ${KEEP_DB} (seeded in ${kept.seedSeconds.toFixed(0)} s)`,
    );
  } else {
    console.log(
      `seeding ${CLICKS} clicks over ${DAYS} days on ${LINKS} links of one account (${database.durability})`,
    );
    const account = await createAccount(pool);
    const seedStarted = performance.now();
    await seedClicks(pool, account.linkIds);
    seed = {
      clicks: CLICKS,
      links: LINKS,
      days: DAYS,
      visitors: VISITORS,
      seedSeconds: (performance.now() - seedStarted) / 1000,
      ...account,
    };
    if (SEED_FILE !== undefined) await writeFile(SEED_FILE, JSON.stringify(seed));
  }
  const { userId, linkIds, seedSeconds } = seed;
  // The account's visitor sketches, built the way an operator rebuilds them.
  const rebuildStarted = performance.now();
  const rebuild = await rebuildVisitorSketches({ pool, redis, keys }, { accounts: [userId] });
  const rebuildSeconds = (performance.now() - rebuildStarted) / 1000;
  console.log(
    `  visitor sketches rebuilt from ${rebuild.visitors} visitor rows in ${rebuildSeconds.toFixed(1)} s`,
  );
  const sizes = await tableSizes(pool);
  for (const s of sizes) {
    console.log(
      `  ${s.table.padEnd(22)} ${String(s.rows).padStart(10)} rows  ${s.perClick.toFixed(3)}/click  ${s.mb.toFixed(0)} MB`,
    );
  }

  const recorder = recordQueries(pool);
  const stats = createStatsService({
    db: createDb(pool),
    clock: () => new Date(),
    visitors: createRedisAccountVisitors(redis, keys),
    retentionDays: DAYS,
  });
  const now = Date.now();
  const daily: StatsQuery = {
    interval: 'day',
    from: new Date(now - DAYS * DAY_MS).toISOString(),
    to: new Date(now).toISOString(),
  };
  const hourly: StatsQuery = {
    interval: 'hour',
    from: new Date(now - 31 * DAY_MS).toISOString(),
    to: new Date(now).toISOString(),
  };
  const link = linkIds[0] ?? '';
  const scenarios = [
    {
      name: `account, ${DAYS} days daily`,
      target: TARGETS.accountMs,
      run: () => stats.forAccount(userId, daily),
    },
    {
      name: 'account, 31 days hourly',
      target: TARGETS.accountMs,
      run: () => stats.forAccount(userId, hourly),
    },
    {
      name: `one link, ${DAYS} days daily`,
      target: TARGETS.linkMs,
      run: () => stats.forLink(userId, link, daily),
    },
    {
      name: 'one link, 31 days hourly',
      target: TARGETS.linkMs,
      run: () => stats.forLink(userId, link, hourly),
    },
  ];
  const queries: {
    name: string;
    medianMs: number;
    /** Every timed run, in ms (a string: one line in the results file). */
    runsMs: string;
    targetMs: number;
    total: number;
    uniqueVisitors: number;
  }[] = [];
  for (const scenario of scenarios) {
    const warm = await scenario.run();
    const runsMs: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const started = performance.now();
      await scenario.run();
      runsMs.push(performance.now() - started);
    }
    const result = {
      name: scenario.name,
      medianMs: Math.round(median(runsMs) * 10) / 10,
      runsMs: runsMs.map((ms) => ms.toFixed(1)).join(', '),
      targetMs: scenario.target,
      total: warm.total,
      uniqueVisitors: warm.uniqueVisitors,
    };
    queries.push(result);
    console.log(
      `  ${scenario.name.padEnd(28)} median ${result.medianMs.toFixed(1)} ms (target < ${scenario.target} ms, ` +
        `${(result.medianMs / scenario.target).toFixed(1)}× the target)  total ${warm.total}, unique visitors ${warm.uniqueVisitors}`,
    );
  }

  // The estimate against the exact count, from the raw events of the range's UTC days (all kept here).
  const exact = await pool.query<{ n: string }>(
    `SELECT count(DISTINCT r.visitor_hash) AS n FROM click_events r
     WHERE r.link_id IN (SELECT id FROM links WHERE user_id = $1::uuid) AND NOT r.is_bot
       AND r.occurred_at >= date_trunc('day', $2::timestamptz, 'UTC')
       AND r.occurred_at < date_trunc('day', $3::timestamptz, 'UTC') + interval '1 day'`,
    [userId, daily.from, daily.to],
  );
  const exactVisitors = Number(exact.rows[0]?.n ?? 0);
  const estimated = queries[0]?.uniqueVisitors ?? 0;
  const uniquesError = exactVisitors === 0 ? 0 : (estimated - exactVisitors) / exactVisitors;
  console.log(
    `  account unique visitors over ${DAYS} days: estimate ${estimated}, exact ${exactVisitors} (${(uniquesError * 100).toFixed(2)} %)`,
  );

  // Where the time goes in each scenario: each statement it sends, recorded as sent, under EXPLAIN ANALYZE.
  const explains: {
    scenario: string;
    statements: { statement: string; executionMs: number; plan: string }[];
  }[] = [];
  for (const scenario of scenarios) {
    recorder.statements = [];
    recorder.recording = true;
    await scenario.run();
    recorder.recording = false;
    const statements: { statement: string; executionMs: number; plan: string }[] = [];
    for (const statement of recorder.statements) {
      const r = await explainPool.query<{ 'QUERY PLAN': string }>(
        `EXPLAIN (ANALYZE, BUFFERS) ${statement.text}`,
        statement.values,
      );
      const lines = r.rows.map((row) => row['QUERY PLAN']);
      const timeLine = lines.find((l) => l.startsWith('Execution Time')) ?? '';
      statements.push({
        statement: statement.text.replace(/\s+/g, ' ').trim().slice(0, 120),
        executionMs: Number(/([\d.]+) ms/.exec(timeLine)?.[1] ?? 0),
        plan: lines.join('\n'),
      });
    }
    statements.sort((a, b) => b.executionMs - a.executionMs);
    explains.push({ scenario: scenario.name, statements });
    console.log(`\nEXPLAIN ANALYZE of "${scenario.name}", statement by statement:`);
    for (const e of statements) console.log(`  ${e.executionMs.toFixed(1).padStart(8)} ms  ${e.statement}`);
  }

  console.log(
    `\ningesting ${INGEST_EVENTS} clicks of the current hour (batches of ${BATCH}, ${CONCURRENCY} in flight)`,
  );
  const ingestion = await ingestCurrentHour(pool, sketches, linkIds);
  const ingestionRatio = ingestion.perSecond / ingestionBaseline.perSecond;
  console.log(
    `  ${ingestion.perSecond.toFixed(0)} clicks/s, ${ingestionRatio.toFixed(2)}× the empty database's ` +
      `${ingestionBaseline.perSecond.toFixed(0)} (target ≥ ${TARGETS.ingestPerSecond}/s with 10M events; ` +
      `this database holds ${CLICKS} events)`,
  );
  let randomIds: Awaited<ReturnType<typeof ingestCurrentHour>> | undefined;
  if (COMPARE_RANDOM_IDS) {
    console.log(`ingesting ${INGEST_EVENTS} more with a random id per event (RANDOM_EVENT_IDS=compare)`);
    randomIds = await ingestCurrentHour(pool, sketches, linkIds, 'random');
    console.log(
      `  ${randomIds.perSecond.toFixed(0)} clicks/s with random ids, ${ingestion.perSecond.toFixed(0)} with the edge's`,
    );
  }
  const ingestionPlan = await explainIngestion(explainPool, linkIds);
  console.log(`\nEXPLAIN ANALYZE of one ingestion statement (${BATCH} clicks):\n${ingestionPlan}`);
  const loadAfter = loadavg()[0] ?? 0;

  const settings = {
    clicks: CLICKS,
    links: LINKS,
    days: DAYS,
    visitors: VISITORS,
    runs: RUNS,
    ingestEvents: INGEST_EVENTS,
    batch: BATCH,
    concurrency: CONCURRENCY,
    durability: database.durability,
  };
  const load = `load average (1 min) ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after: the machine is shared with other work, figures are noisy`;
  const tableRows = sizes.map(
    (s) => `| ${s.table} | ${s.rows} | ${s.perClick.toFixed(3)} | ${s.mb.toFixed(0)} |`,
  );
  const queryRows = queries.map(
    (q) =>
      `| ${q.name} | ${q.medianMs.toFixed(1)} | < ${q.targetMs} | ${(q.medianMs / q.targetMs).toFixed(1)}× | ${q.runsMs} |`,
  );
  const explainSections = explains.map(({ scenario, statements }) => {
    const rows = statements.map(
      (e) => `| ${e.executionMs.toFixed(1)} | \`${e.statement.replaceAll('|', '\\|')}\` |`,
    );
    const plans = statements
      .slice(0, 2)
      .map(
        (e, i) =>
          `Plan of its ${i === 0 ? 'slowest' : 'second slowest'} statement:\n\n\`\`\`\n${e.plan}\n\`\`\`\n\n`,
      );
    return `### ${scenario}\n\n| ms | statement |\n| --- | --- |\n${rows.join('\n')}\n\n${plans.join('')}`;
  });
  await writeResults(
    RESULTS_NAME,
    {
      load,
      settings,
      seedSeconds,
      keptDatabase: kept !== undefined,
      migrationSeconds,
      tables: sizes,
      targets: TARGETS,
      queries,
      explain: explains,
      ingestion,
      ingestionBaseline,
      ingestionRatio,
      sharedShard: SHARED_SHARD,
      eventIds: 'edge (clickEventId: consecutive ids per batch)',
      ingestionRandomIds: randomIds,
      ingestionPlan,
      sketchRebuild: { ...rebuild, seconds: rebuildSeconds },
      uniques: { estimated, exact: exactVisitors, error: uniquesError },
    },
    {
      title: 'Statistics at scale',
      body:
        `${load}.\n\n` +
        `${CLICKS} clicks over ${DAYS} days on ${LINKS} links of one account, ${VISITORS} distinct visitor hashes, ` +
        `Postgres ${database.durability}, seeded in ${seedSeconds.toFixed(0)} s` +
        `${kept ? ` (a kept database, reused: ${sizes[0]?.rows} events now, migrated in ${migrationSeconds.toFixed(1)} s)` : ''}. ` +
        'Written by bench/stats-scale.ts.\n\n' +
        `| table | rows | rows per click | MB |\n| --- | --- | --- | --- |\n${tableRows.join('\n')}\n\n` +
        `Stats service of the management API, median of ${RUNS} runs after one warm-up:\n\n` +
        `| scenario | median ms | target | vs target | runs ms |\n| --- | --- | --- | --- | --- |\n${queryRows.join('\n')}\n\n` +
        `Account unique visitors over ${DAYS} days (HyperLogLog, humans): estimate ${estimated}, exact ${exactVisitors} ` +
        `(${(uniquesError * 100).toFixed(2)} %). Sketches rebuilt from ${rebuild.visitors} visitor rows in ${rebuildSeconds.toFixed(1)} s.\n\n` +
        `Ingestion of ${ingestion.events} clicks of the current hour through the consumer's statement and visitor sketches ` +
        `(batches of ${BATCH} with event ids minted as the edge mints them, ${CONCURRENCY} lanes in flight, ${SHARED_SHARD ? 'all writing account shard 0' : 'one account shard per lane'}) on this database: ${ingestion.perSecond.toFixed(0)} clicks/s, ` +
        `${ingestionRatio.toFixed(2)}× the ${ingestionBaseline.perSecond.toFixed(0)} clicks/s measured in the same run on ` +
        `an empty database (target ≥ ${TARGETS.ingestPerSecond}/s with 10M events present; here ${sizes[0]?.rows}).` +
        `${randomIds ? ` The same ingestion right after, with a random id per event instead: ${randomIds.perSecond.toFixed(0)} clicks/s.` : ''}\n\n` +
        `One ingestion statement of ${BATCH} clicks under EXPLAIN (ANALYZE, BUFFERS), rolled back: each ` +
        `roll-up is one Insert node of the plan.\n\n\`\`\`\n${ingestionPlan}\n\`\`\`\n\n` +
        `## EXPLAIN (ANALYZE, BUFFERS)\n\nEach statement of each scenario, run one after another (the service runs them ` +
        `concurrently, and EXPLAIN ANALYZE adds its own timing overhead).\n\n${explainSections.join('')}`,
    },
  );
} finally {
  await explainPool.end();
  await pool.end();
  await redis.quit();
  await localRedis?.stop();
  await database.stop();
}
