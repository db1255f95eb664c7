// Clicks through a Postgres outage longer than the retry budget: the clicks worker without the dependency
// gate (baseline: every failure spends an attempt) against the same worker with the Postgres gate, in the same
// run, on the same servers, with the same traffic.
//
//   pnpm --filter @boltlink/bench exec tsx postgres-outage.ts
//   OUTAGE_MS=10000 ATTEMPTS=5 BACKOFF_MS=100 BATCH_EVERY_MS=50 CLICKS_PER_BATCH=100 (defaults)
//   OUTAGE_MS=27000 ATTEMPTS=10 BACKOFF_MS=1000 DRAIN_TIMEOUT_MS=120000 RESULTS_NAME=postgres-outage-27s
//     (production's retry budget through the 27 s outage of issue 12; about 3 minutes)
//
// Production gives a click job 10 attempts with exponential backoff from 1 s (about 8.5 min of retries). To
// stay within a couple of minutes the budget here is 5 attempts from 100 ms (100+200+400+800 ms = 1.5 s of
// backoff) against a 10 s outage: the same ratio of outage to budget as a ~1 h outage in production.
// The edge keeps queueing: one batch every BATCH_EVERY_MS before, during and after the outage. Postgres is
// stopped with a fast shutdown (what a restart or failover does) and started again on the same port.
//
// Per mode: failed attempts (boltlink_click_batches_failed_total{reason="error"}), jobs deferred without an
// attempt, jobs left in the failed set, clicks sent / counted / lost, and the time from Postgres answering
// again to the queue drained. Then requeue-failed runs on what the baseline left failed, to show the
// recovery path. Results: bench/results/postgres-outage.json and .md.
import { randomUUID } from 'node:crypto';
import { createPool } from '@boltlink/db/client';
import { startPostgres } from '@boltlink/local-servers/postgres';
import { Queue } from 'bullmq';
import type { Pool } from 'pg';
import { requeueFailed } from '../apps/analytics-consumer/src/failed-jobs.ts';
import { createConsumerMetrics } from '../apps/analytics-consumer/src/metrics.ts';
import { createPostgresGate } from '../apps/analytics-consumer/src/postgres-gate.ts';
import { createClicksWorker } from '../apps/analytics-consumer/src/workers/clicks-worker.ts';
import { createMetricsRegistry } from '../packages/observability/src/metrics.ts';
import {
  type ClickEvent,
  defaultJobOptions,
  JOB_NAMES,
  QUEUE_NAMES,
} from '../packages/queues/src/catalog.ts';
import {
  DEFAULT_GATE_MAX_DELAY_MS,
  DEFAULT_GATE_MIN_DELAY_MS,
} from '../packages/queues/src/dependency-gate.ts';
import { createQueueRedis } from '../packages/redis-keys/src/clients.ts';
import { writeResults } from './lib/results-file.ts';
import { localServers, startBenchStack } from './lib/stack.ts';

const OUTAGE_MS = Number(process.env.OUTAGE_MS ?? 10_000);
const ATTEMPTS = Number(process.env.ATTEMPTS ?? 5);
const BACKOFF_MS = Number(process.env.BACKOFF_MS ?? 100);
const BATCH_EVERY_MS = Number(process.env.BATCH_EVERY_MS ?? 50);
const CLICKS_PER_BATCH = Number(process.env.CLICKS_PER_BATCH ?? 100);
const BEFORE_MS = 2_000;
const AFTER_MS = 2_000;
const DRAIN_TIMEOUT_MS = Number(process.env.DRAIN_TIMEOUT_MS ?? 30_000);
// Results go to bench/results/<RESULTS_NAME>.json|md, so a run with other settings keeps the default's file.
const RESULTS_NAME = process.env.RESULTS_NAME ?? 'postgres-outage';
const LINKS = 100;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
const quiet = { info() {}, warn() {}, error() {} };

interface ModeResult {
  mode: string;
  jobs: number;
  clicksSent: number;
  clicksCounted: number;
  clicksLost: number;
  failedAttempts: number;
  jobsDeferred: number;
  jobsFailed: number;
  /** From Postgres answering again to the queue drained (every job completed or failed). */
  recoverySeconds: number;
}

function makeBatch(links: readonly string[]) {
  const start = Date.now();
  const events: ClickEvent[] = Array.from({ length: CLICKS_PER_BATCH }, (_, i) => ({
    eventId: randomUUID(),
    linkId: links[i % links.length] as string,
    occurredAt: start + i,
    referrerHost: i % 3 === 0 ? null : 'news.example',
    country: i % 2 === 0 ? 'DE' : 'US',
    device: 'desktop',
    browser: 'Firefox',
    os: 'Linux',
    isBot: false,
    visitorHash: `v${i % 17}`,
  }));
  return { v: 1 as const, batchId: randomUUID(), events };
}

async function counted(pool: Pool): Promise<number> {
  const row = await pool.query<{ n: number }>('SELECT coalesce(sum(click_count), 0)::int AS n FROM links');
  return row.rows[0]?.n ?? 0;
}

async function metricValue(
  metric: { get(): Promise<{ values: { value: number; labels: object }[] }> },
  labels: Record<string, string> = {},
) {
  const { values } = await metric.get();
  return values
    .filter((v) => Object.entries(labels).every(([k, x]) => (v.labels as Record<string, unknown>)[k] === x))
    .reduce((sum, v) => sum + v.value, 0);
}

// Servers of its own, durable as in production: the bench stops Postgres and brings it back on the same port.
const stack = await startBenchStack({ fromEnv: false, durable: true, redis: { appendOnly: true } });
const { postgres: firstPostgres, redis } = localServers(stack);
const { dataDir: pgDir, port: pgPort } = firstPostgres;
const databaseUrl = stack.databaseUrl;
// The bench's own reads; the worker has a pool of its own, as in production.
const readPool = createPool({ connectionString: databaseUrl, max: 2, onError: () => {} });
const results: ModeResult[] = [];
let requeue: { requeued: number; clicksCountedAfter: number; clicksSent: number } | undefined;

try {
  const user = await readPool.query<{ id: string }>(
    "INSERT INTO users (email, password_hash) VALUES ($1, 'x') RETURNING id",
    [`bench-${randomUUID()}@example.com`],
  );
  const seeded = await readPool.query<{ id: string }>(
    `INSERT INTO links (user_id, domain, code, url)
     SELECT $1, 'bench.local', 'o' || g || '-' || substr(md5(random()::text), 1, 6), 'https://example.com/' || g
     FROM generate_series(1, $2::int) AS g RETURNING id`,
    [user.rows[0]?.id, LINKS],
  );
  const links = seeded.rows.map((r) => r.id);

  for (const mode of ['baseline (no gate)', 'Postgres gate'] as const) {
    await readPool.query(`TRUNCATE click_events, link_clicks_hourly, link_clicks_daily, link_dimensions_daily,
      link_agents_daily, link_visitors_daily, account_clicks_hourly, account_clicks_daily,
    account_dimensions_daily`);
    await readPool.query('UPDATE links SET click_count = 0');
    const prefix = `{bench-${randomUUID().slice(0, 8)}}`;
    const producerRedis = createQueueRedis(redis.url, 'producer');
    const workerRedis = createQueueRedis(redis.url, 'worker');
    const queue = new Queue(QUEUE_NAMES.clicks, {
      connection: producerRedis,
      prefix,
      defaultJobOptions: {
        ...defaultJobOptions,
        attempts: ATTEMPTS,
        backoff: { type: 'exponential', delay: BACKOFF_MS },
      },
    });
    // Production's pool settings (createPool defaults) and worker concurrency (CLICK_WORKER_CONCURRENCY=8).
    const workerPool = createPool({ connectionString: databaseUrl, max: 4, onError: () => {} });
    const metrics = createConsumerMetrics(createMetricsRegistry('bench', { defaultMetrics: false }));
    const gate = mode === 'Postgres gate' ? createPostgresGate(workerPool, { metrics }) : undefined;
    const worker = createClicksWorker(
      { pool: workerPool, metrics, logger: quiet, partitions: 2 },
      { connection: workerRedis, prefix, concurrency: 8, gate },
    );

    let jobs = 0;
    let producing = true;
    const producer = (async () => {
      while (producing) {
        const batch = makeBatch(links);
        await queue.add(JOB_NAMES.clickBatch, batch, { jobId: batch.batchId });
        jobs += 1;
        await sleep(BATCH_EVERY_MS);
      }
    })();

    await sleep(BEFORE_MS);
    await stack.postgres?.stop();
    stack.postgres = undefined;
    const outageStarted = Date.now();
    await sleep(OUTAGE_MS);
    stack.postgres = await startPostgres({ dataDir: pgDir, port: pgPort, database: 'boltlink' });
    const back = Date.now();
    process.stdout.write(
      `${mode}: Postgres down ${((back - outageStarted) / 1000).toFixed(1)} s (incl. restart)\n`,
    );
    await sleep(AFTER_MS);
    producing = false;
    await producer;

    const deadline = Date.now() + DRAIN_TIMEOUT_MS;
    let drainedAt = Date.now();
    for (;;) {
      const c = await queue.getJobCounts('completed', 'failed', 'active', 'wait', 'delayed', 'prioritized');
      if ((c.completed ?? 0) + (c.failed ?? 0) >= jobs && !c.active && !c.wait && !c.delayed) {
        drainedAt = Date.now();
        break;
      }
      if (Date.now() > deadline) throw new Error(`${mode}: queue not drained: ${JSON.stringify(c)}`);
      await sleep(50);
    }
    const clicksSent = jobs * CLICKS_PER_BATCH;
    const clicksCounted = await counted(readPool);
    const jobsFailed = await queue.getFailedCount();
    results.push({
      mode,
      jobs,
      clicksSent,
      clicksCounted,
      clicksLost: clicksSent - clicksCounted,
      failedAttempts: await metricValue(metrics.clickBatchesFailed, { reason: 'error' }),
      jobsDeferred: await metricValue(metrics.jobsDeferred),
      jobsFailed,
      recoverySeconds: (drainedAt - back) / 1000,
    });

    if (jobsFailed > 0) {
      // The recovery path for what was already lost to the failed set.
      const report = await requeueFailed(queue, { limit: jobsFailed, dryRun: false });
      const drainDeadline = Date.now() + DRAIN_TIMEOUT_MS;
      while ((await queue.getCompletedCount()) < jobs && Date.now() < drainDeadline) await sleep(50);
      requeue = {
        requeued: report.requeued,
        clicksSent,
        clicksCountedAfter: await counted(readPool),
      };
    }

    gate?.stop();
    await worker.close();
    await queue.obliterate({ force: true });
    await queue.close();
    await workerPool.end();
    producerRedis.disconnect();
    workerRedis.disconnect();
  }
} finally {
  await readPool.end();
  await stack.stop();
}

const settings = {
  outageMs: OUTAGE_MS,
  attempts: ATTEMPTS,
  backoff: `exponential from ${BACKOFF_MS} ms`,
  batchEveryMs: BATCH_EVERY_MS,
  clicksPerBatch: CLICKS_PER_BATCH,
  workerConcurrency: 8,
  gate: `probe select 1, ${DEFAULT_GATE_MIN_DELAY_MS} ms doubling to ${DEFAULT_GATE_MAX_DELAY_MS} ms (defaults)`,
};
const header = [
  'mode',
  'jobs',
  'clicks sent',
  'counted',
  'lost',
  'failed attempts',
  'deferred',
  'failed jobs',
  'recovery s',
];
const rows = results.map((r) => [
  r.mode,
  r.jobs,
  r.clicksSent,
  r.clicksCounted,
  r.clicksLost,
  r.failedAttempts,
  r.jobsDeferred,
  r.jobsFailed,
  r.recoverySeconds.toFixed(1),
]);
const table = [header, header.map(() => '---'), ...rows].map((row) => `| ${row.join(' | ')} |`).join('\n');
const [baseline, gated] = results;
const ratio =
  baseline && gated && baseline.failedAttempts > 0
    ? `failed attempts, gate vs baseline: ${gated.failedAttempts} / ${baseline.failedAttempts}`
    : '';
const requeueLine = requeue
  ? `requeue-failed on the baseline's failed set: ${requeue.requeued} jobs re-queued, ${requeue.clicksCountedAfter} of ${requeue.clicksSent} clicks counted afterwards`
  : 'requeue-failed: nothing was left in a failed set';
console.log(`\n${table}\n\n${ratio}\n${requeueLine}`);

await writeResults(
  RESULTS_NAME,
  { settings, results, requeue },
  {
    title: 'Postgres outage: clicks worker without and with the gate',
    body:
      `Outage ${OUTAGE_MS / 1000} s (fast shutdown, then restart on the same port), retry budget ${ATTEMPTS} attempts ` +
      `with exponential backoff from ${BACKOFF_MS} ms, one batch of ${CLICKS_PER_BATCH} clicks every ${BATCH_EVERY_MS} ms ` +
      `for ${BEFORE_MS / 1000} s before, during and ${AFTER_MS / 1000} s after the outage. Written by bench/postgres-outage.ts.\n\n` +
      `${table}\n\n${ratio}\n\n${requeueLine}\n`,
  },
);
