// Click ingestion throughput of the analytics consumer (clicks/s into Postgres with every roll-up), against a
// baseline measured in the same run on the same database: a plain INSERT of the same events, same batches and
// parallelism, no idempotency check and no roll-ups.
//
//   pnpm --filter @boltlink/bench exec tsx ingest-clicks.ts
//   EVENTS=200000 BATCH=500 CONCURRENCY=2 WORKER_CONCURRENCY=8 PARTITIONS=2 LINKS=1000 (defaults)
//
// Postgres runs with its durable defaults (fsync and synchronous_commit on), because a consumer acknowledges a
// job only after its commit; INGEST_EPHEMERAL_PG=1 turns them off to see what the disk costs. DATABASE_URL and
// REDIS_URL point it at existing servers instead (the tables it writes are truncated: never a real database).
//
// Rows, in order: (1) baseline plain INSERT, (2) ingestClicks called directly (the transaction of one job,
// without the queue), (3) the real BullMQ clicks worker draining a queue pre-filled with every batch (the
// target's verdict), all with links picked uniformly (the worst case for roll-up aggregation), then (4) the
// same worker on Zipf-distributed links, closer to real traffic, for information.
import { randomUUID } from 'node:crypto';
import { createPool } from '@boltlink/db/client';
import type { Pool } from 'pg';
// The consumer's own code, imported from source so the bench measures exactly what production runs.
import { rollUpCommitted } from '../apps/analytics-consumer/src/ingest/dimension-rollup.ts';
import { type IncomingClick, ingestClicks } from '../apps/analytics-consumer/src/ingest/ingest-clicks.ts';
import { createConsumerMetrics } from '../apps/analytics-consumer/src/metrics.ts';
import { createClicksWorker } from '../apps/analytics-consumer/src/workers/clicks-worker.ts';
import { createMetricsRegistry } from '../packages/observability/src/metrics.ts';
import { createQueueProducer } from '../packages/queues/src/producer.ts';
import { createQueueRedis } from '../packages/redis-keys/src/clients.ts';
import { type Distribution, linkPicker, seedBenchLinks, syntheticClick } from './lib/click-traffic.ts';
import { writeResults } from './lib/results-file.ts';
import { startBenchStack } from './lib/stack.ts';

const EVENTS = Number(process.env.EVENTS ?? 200_000);
const BATCH = Number(process.env.BATCH ?? 500);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 2);
// The worker's job concurrency: jobs in flight share a transaction (group commit), see the consumer.
const WORKER_CONCURRENCY = Number(process.env.WORKER_CONCURRENCY ?? 8);
// Ingestion transactions in flight in the worker, over disjoint link sets (CLICK_INGEST_PARTITIONS).
const PARTITIONS = Number(process.env.PARTITIONS ?? 2);
const LINKS = Number(process.env.LINKS ?? 1000);
const TARGET = 20_000;

/**
 * ~8% bots, 50k distinct visitors. Timestamps ascend over the last SPAN_MINUTES (default 60), because an
 * edge batch holds at most ~100 ms of clicks: events of one batch share their hour and day buckets, as
 * they do in production.
 */
function makeEvents(linkIds: readonly string[], distribution: Distribution): IncomingClick[] {
  const spanMs = Number(process.env.SPAN_MINUTES ?? 60) * 60_000;
  const start = Date.now() - spanMs;
  const nextLink = linkPicker(linkIds.length, distribution);
  return Array.from({ length: EVENTS }, (_, i) =>
    syntheticClick(linkIds[nextLink()] as string, i, start + Math.floor((i / EVENTS) * spanMs), 50_000),
  );
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Runs `work` over the batches with `CONCURRENCY` in flight; returns elapsed seconds. */
async function timed<T>(batches: readonly T[], work: (batch: T) => Promise<unknown>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < batches.length) {
        const batch = batches[next++] as T;
        await work(batch);
      }
    }),
  );
  return (performance.now() - started) / 1000;
}

const BASELINE_INSERT = `
  INSERT INTO click_events_baseline
    (event_id, link_id, occurred_at, referrer_host, country, device, browser, os, is_bot, visitor_hash)
  SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::timestamptz[], $4::text[], $5::text[],
    $6::text[], $7::text[], $8::text[], $9::bool[], $10::text[])`;

function baselineInsert(pool: Pool, batch: readonly IncomingClick[]) {
  return pool.query(BASELINE_INSERT, [
    batch.map((c) => c.eventId),
    batch.map((c) => c.linkId),
    batch.map((c) => new Date(c.occurredAt).toISOString()),
    batch.map((c) => c.referrerHost),
    batch.map((c) => c.country),
    batch.map((c) => c.device),
    batch.map((c) => c.browser),
    batch.map((c) => c.os),
    batch.map((c) => c.isBot),
    batch.map((c) => c.visitorHash),
  ]);
}

async function resetClickTables(pool: Pool) {
  await pool.query(`TRUNCATE click_events, link_clicks_hourly, link_clicks_daily, link_dimensions_daily,
    link_agents_daily, link_visitors_daily, account_clicks_hourly, account_clicks_daily,
    account_dimensions_daily, click_events_baseline`);
  await pool.query('UPDATE links SET click_count = 0');
  await pool.query('VACUUM ANALYZE links');
}

async function verify(pool: Pool, label: string) {
  // The breakdowns are folded by the consumer's dimension roll-up (ADR 0018), run here once after the timed part.
  await rollUpCommitted(pool);
  // Every click is one row's worth in each roll-up: once per dimension (country, referrer) in
  // link_dimensions_daily and once (its device+browser+OS combination) in link_agents_daily.
  const row = await pool.query<Record<string, number>>(`SELECT
    (SELECT count(*)::int FROM click_events) AS events,
    (SELECT sum(click_count)::int FROM links) AS counted,
    (SELECT sum(clicks)::int FROM link_clicks_daily) AS daily,
    (SELECT sum(clicks)::int FROM link_dimensions_daily WHERE dimension = 'country') AS countries,
    (SELECT sum(clicks)::int FROM link_dimensions_daily WHERE dimension = 'referrer') AS referrers,
    (SELECT sum(clicks)::int FROM link_agents_daily) AS agents`);
  const counts = row.rows[0] ?? {};
  const wrong = Object.entries(counts).filter(([, n]) => n !== EVENTS);
  if (wrong.length > 0) {
    throw new Error(
      `${label}: expected ${EVENTS} everywhere, got ${Object.entries(counts)
        .map(([name, n]) => `${name}=${n}`)
        .join(' ')}`,
    );
  }
}

const stack = await startBenchStack({
  durable: process.env.INGEST_EPHEMERAL_PG !== '1',
  redis: { appendOnly: true },
});
const pool = createPool({
  connectionString: stack.databaseUrl,
  max: CONCURRENCY + 2,
  applicationName: 'bench',
});
try {
  await pool.query('CREATE TABLE IF NOT EXISTS click_events_baseline (LIKE click_events INCLUDING ALL)');
  const linkIds = await seedBenchLinks(pool, LINKS);
  const batches = chunk(makeEvents(linkIds, 'uniform'), BATCH);
  const zipfBatches = chunk(makeEvents(linkIds, 'zipf'), BATCH);
  const results: Array<{ name: string; seconds: number }> = [];
  async function measure(name: string, run: () => Promise<number>) {
    results.push({ name, seconds: await run() });
  }

  await resetClickTables(pool);
  await measure('baseline: plain INSERT, no roll-ups', () => timed(batches, (b) => baselineInsert(pool, b)));

  await resetClickTables(pool);
  await measure('ingestClicks direct (no queue)', () => timed(batches, (b) => ingestClicks(pool, b)));
  await verify(pool, 'direct');

  const quiet = { info() {}, warn() {}, error: (obj: object, msg?: string) => console.error(msg, obj) };
  const transactions: number[] = [];
  // Cores the worker's Node process used while draining (the rest of the machine is Postgres and Redis).
  const workerCpu: number[] = [];
  /** The real clicks worker draining a queue pre-filled with every batch; returns elapsed seconds. */
  async function runWorker(jobs: readonly IncomingClick[][]): Promise<number> {
    await resetClickTables(pool);
    const prefix = `{bench-${randomUUID().slice(0, 8)}}`;
    const producerRedis = createQueueRedis(stack.redisUrl, 'producer');
    const producer = createQueueProducer({ connection: producerRedis, prefix });
    for (const events of jobs) await producer.enqueueClickBatch({ v: 1, batchId: randomUUID(), events });
    const workerRedis = createQueueRedis(stack.redisUrl, 'worker');
    const workerPool = createPool({
      connectionString: stack.databaseUrl,
      max: 4,
      applicationName: 'bench-worker',
    });
    let checkouts = 0;
    workerPool.on('acquire', () => {
      checkouts += 1;
    });
    let completed = 0;
    let resolveDone: () => void = () => {};
    const done = new Promise<void>((resolve) => {
      resolveDone = resolve;
    });
    const started = performance.now();
    const cpu0 = process.cpuUsage();
    const worker = createClicksWorker(
      {
        pool: workerPool,
        metrics: createConsumerMetrics(createMetricsRegistry('bench', { defaultMetrics: false })),
        logger: quiet,
        partitions: PARTITIONS,
      },
      { connection: workerRedis, prefix, concurrency: WORKER_CONCURRENCY },
    );
    worker.on('completed', () => {
      completed += 1;
      if (completed === jobs.length) resolveDone();
    });
    await done;
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpu0);
    workerCpu.push((cpu.user + cpu.system) / 1e6 / seconds);
    await worker.close();
    await producer.close();
    await workerPool.end();
    producerRedis.disconnect();
    workerRedis.disconnect();
    transactions.push(checkouts);
    await verify(pool, 'worker');
    return seconds;
  }
  const workerLabel = `BullMQ clicks worker (jobs ${WORKER_CONCURRENCY}, lanes ${PARTITIONS})`;
  await measure(workerLabel, () => runWorker(batches));
  const hot = await pool.query<{ relname: string; n_tup_upd: string; n_tup_hot_upd: string }>(
    `SELECT relname, n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables
     WHERE relname IN ('links', 'link_clicks_hourly', 'link_clicks_daily', 'link_dimensions_daily', 'link_agents_daily') ORDER BY relname`,
  );
  await measure(`${workerLabel}, Zipf links`, () => runWorker(zipfBatches));

  const baseline = EVENTS / (results[0]?.seconds ?? 1);
  const setup = `${EVENTS} click events, batches of ${BATCH}, ${CONCURRENCY} in parallel, ${LINKS} links picked uniformly (Zipf s=1 where labelled), Postgres ${stack.durability}`;
  console.log(`\n${setup}\n`);
  console.log(
    `${'scenario'.padEnd(58)} ${'seconds'.padStart(8)} ${'clicks/s'.padStart(10)} ${'vs baseline'.padStart(12)}`,
  );
  const rows = results.map(({ name, seconds }) => {
    const rate = EVENTS / seconds;
    console.log(
      `${name.padEnd(58)} ${seconds.toFixed(2).padStart(8)} ${Math.round(rate).toString().padStart(10)} ${(rate / baseline).toFixed(2).padStart(12)}`,
    );
    return {
      name,
      seconds,
      clicksPerSecond: Math.round(rate),
      vsBaseline: Number((rate / baseline).toFixed(2)),
    };
  });
  const workerRate = EVENTS / (results[2]?.seconds ?? 1);
  const notes = [
    `row updates that were HOT (no index write), uniform worker run: ${hot.rows.map((r) => `${r.relname} ${r.n_tup_hot_upd}/${r.n_tup_upd}`).join(', ')}`,
    `worker process CPU, uniform / Zipf: ${workerCpu.map((c) => `${c.toFixed(2)} cores`).join(' / ')} (Postgres and Redis share the rest)`,
    `worker transactions (pool checkouts), uniform / Zipf: ${transactions.join(' / ')} for ${batches.length} jobs each (group commit over concurrent jobs)`,
    `target >= ${TARGET} clicks/s through the worker, uniform links: ${workerRate >= TARGET ? 'met' : 'NOT met'}`,
    'every run verified: click_events, links.click_count, daily, country, referrer and agent roll-ups each sum to the event count',
  ];
  console.log(`\n${notes.join('\n')}`);
  // RESULTS_NAME: a paired comparison (e.g. before and after an index) keeps both files.
  await writeResults(
    process.env.RESULTS_NAME ?? 'ingest-clicks',
    {
      events: EVENTS,
      batch: BATCH,
      concurrency: CONCURRENCY,
      links: LINKS,
      postgres: stack.durability,
      rows,
      notes,
    },
    {
      title: 'Click ingestion against a plain INSERT',
      body: [
        `${setup}.`,
        '',
        '| scenario | seconds | clicks/s | vs plain INSERT |',
        '| --- | --- | --- | --- |',
        ...rows.map(
          (r) =>
            `| ${r.name} | ${r.seconds.toFixed(2)} | ${r.clicksPerSecond} | ${r.vsBaseline.toFixed(2)} |`,
        ),
        '',
        ...notes.map((note) => `- ${note}`),
      ].join('\n'),
    },
  );
} finally {
  await pool.end();
  await stack.stop();
}
