// What a storm of requests to unknown codes costs downstream: queue jobs and rows per 1000 orphan requests.
//
//   pnpm --filter @boltlink/bench orphan-storm
//
// One real edge (one process). Three scenarios, each on a fresh queue prefix: REQUESTS (20000) requests to
// distinct unknown codes (a scan: every path new), the same number to one unknown code (a dead link in a
// newsletter), and distinct codes sent at twice the pace of the flush interval (how the job count follows time,
// not traffic). The edge counts them in memory and flushes one job per ORPHAN_VISITS_FLUSH_MS (1000 here) with at
// most ORPHAN_VISITS_MAX_KEYS distinct keys (MAX_KEYS, 100 here, so that the bound shows at the few hundred
// requests a second one shared core serves; the product's default is 1000); the rest of a flush is one count per
// domain, kind and minute. Rows per second per edge are bounded by MAX_KEYS × 2 / flush interval, whatever the storm.
// After the load the edge is stopped (its last flush) and the jobs are read back from BullMQ: the rows the
// consumer upserts are the keys the jobs carry. Recording each request as a row would be 1000 rows per 1000.
// CONNECTIONS (50) requests in flight. Writes bench/results/orphan-storm.{json,md}.
import http from 'node:http';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@boltlink/local-servers/redis';
import { parseOrphanVisitBatch, QUEUE_NAMES } from '@boltlink/queues/catalog';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { startServer } from './lib/processes.ts';
import { writeResults } from './lib/results-file.ts';
import { benchEdgeEnv } from './lib/seed-link.ts';
import { startBenchStack } from './lib/stack.ts';

const REQUESTS = Number(process.env.REQUESTS ?? 20_000);
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 50);
const FLUSH_MS = 1000;
const MAX_KEYS = Number(process.env.MAX_KEYS ?? 100);
const DOMAIN = 'bench.local';
const edgeDir = fileURLToPath(new URL('../apps/redirect-edge', import.meta.url));

interface Scenario {
  name: string;
  path: (i: number) => string;
  /** Pause after each request, ms (0: as fast as the edge answers). */
  pauseMs: number;
  requests: number;
}

interface Outcome {
  scenario: string;
  requests: number;
  seconds: number;
  jobs: number;
  rows: number;
  visitsCounted: number;
  jobsPer1000: number;
  rowsPer1000: number;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });

function get(port: number, path: string): Promise<number> {
  return new Promise((done, fail) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent, headers: { host: DOMAIN } }, (res) => {
      res.resume();
      res.on('end', () => done(res.statusCode ?? 0));
    });
    req.on('error', fail);
  });
}

async function fire(port: number, scenario: Scenario): Promise<void> {
  let next = 0;
  const lane = async () => {
    for (;;) {
      const i = next;
      next += 1;
      if (i >= scenario.requests) return;
      const status = await get(port, scenario.path(i));
      if (status !== 404) throw new Error(`expected 404 for ${scenario.path(i)}, got ${status}`);
      if (scenario.pauseMs > 0) await new Promise((done) => setTimeout(done, scenario.pauseMs));
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, lane));
}

const stack = await startBenchStack();
try {
  const scenarios: Scenario[] = [
    { name: 'distinct unknown codes (scan)', path: (i) => `/scan${i}x`, pauseMs: 0, requests: REQUESTS },
    { name: 'one unknown code', path: () => '/deadlink', pauseMs: 0, requests: REQUESTS },
    {
      name: 'distinct codes, slow (50 in flight, 100 ms apart)',
      path: (i) => `/slow${i}x`,
      pauseMs: 100,
      requests: Math.min(REQUESTS, 5000),
    },
  ];
  const outcomes: Outcome[] = [];
  for (const [n, scenario] of scenarios.entries()) {
    const prefix = `orphan-bench-${n}`;
    const env = {
      ...benchEdgeEnv(stack, DOMAIN),
      LOG_LEVEL: 'warn',
      WEB_CONCURRENCY: '1',
      REDIS_KEY_PREFIX: prefix,
      QUEUE_PREFIX: `{${prefix}}`,
      ORPHAN_VISITS_FLUSH_MS: String(FLUSH_MS),
      ORPHAN_VISITS_MAX_KEYS: String(MAX_KEYS),
    };
    const port = await freePort();
    const edge = await startServer({ entry: 'src/server.ts', cwd: resolve(edgeDir), port, cpu: 0, env });
    const started = performance.now();
    try {
      await fire(port, scenario);
    } finally {
      await edge.stop();
    }
    const seconds = (performance.now() - started) / 1000;
    const connection = new Redis(stack.redisUrl, { maxRetriesPerRequest: null });
    const queue = new Queue(QUEUE_NAMES.orphanVisits, { connection, prefix: `{${prefix}}` });
    const jobs = await queue.getJobs(['waiting', 'delayed', 'prioritized', 'active', 'completed', 'failed']);
    await queue.close();
    connection.disconnect();
    const batches = jobs.map((job) => parseOrphanVisitBatch(job.data));
    const rows = batches.reduce((sum, b) => sum + b.visits.length + b.overflow.length, 0);
    const visitsCounted = batches.reduce(
      (sum, b) =>
        sum + b.visits.reduce((s, v) => s + v.count, 0) + b.overflow.reduce((s, o) => s + o.count, 0),
      0,
    );
    const outcome: Outcome = {
      scenario: scenario.name,
      requests: scenario.requests,
      seconds: Number(seconds.toFixed(1)),
      jobs: batches.length,
      rows,
      visitsCounted,
      jobsPer1000: Number(((batches.length * 1000) / scenario.requests).toFixed(2)),
      rowsPer1000: Number(((rows * 1000) / scenario.requests).toFixed(1)),
    };
    console.log(outcome);
    outcomes.push(outcome);
  }
  const lines = [
    `ORPHAN_VISITS_FLUSH_MS ${FLUSH_MS}, ORPHAN_VISITS_MAX_KEYS ${MAX_KEYS}, ${CONNECTIONS} requests in flight, one edge process.`,
    '',
    '| scenario | requests | seconds | queue jobs | rows upserted | visits counted | jobs per 1000 | rows per 1000 |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...outcomes.map(
      (o) =>
        `| ${o.scenario} | ${o.requests} | ${o.seconds} | ${o.jobs} | ${o.rows} | ${o.visitsCounted} | ${o.jobsPer1000} | ${o.rowsPer1000} |`,
    ),
  ];
  console.log(lines.join('\n'));
  await writeResults(
    'orphan-storm',
    { requests: REQUESTS, connections: CONNECTIONS, flushMs: FLUSH_MS, maxKeys: MAX_KEYS, outcomes },
    {
      title: 'Orphan visit storm: queue jobs and rows per 1000 requests to unknown codes',
      body: lines.join('\n'),
    },
  );
} finally {
  agent.destroy();
  await stack.stop();
}
