// What one counted click costs the whole stack, process by process: the redirect edge, the analytics consumer,
// Postgres (every backend, the WAL writer and the checkpointer) and Redis, in CPU microseconds per click that
// ends up in the roll-ups, against a bare Fastify 302 measured in the same run.
//
//   pnpm --filter @boltlink/bench click-cost
//
// The stack is the one `make up` runs (one edge process, one consumer, Postgres with fsync on, Redis with AOF),
// on local servers of its own. The load asks for RATE redirects a second over LINKS links for DURATION seconds
// (after a WARMUP); CPU is read from /proc around the run and the drain that follows, until every served
// click is counted (links.click_count sums to the redirects answered) and in the breakdowns (the consumer's
// dimension roll-up, every CLICK_ROLLUP_INTERVAL_MS, has folded it into link_agents_daily: ADR 0018). Whatever the host does meanwhile does
// not enter the figures: only these processes' own CPU time is counted. RATE (default 3000), LINKS (1000),
// DURATION (20), WARMUP (8), TRAFFIC (same: one browser, one address, no referrer or country, as the runs before
// 2026-12-08 measured; varied: 50,000 visitor addresses through X-Forwarded-For, 24 User-Agents, the bench's
// countries and referrers, so the breakdowns hold many rows per link as real traffic's do).
import { fileURLToPath } from 'node:url';
import { createDb, createPool } from '@boltlink/db/client';
import { links, users } from '@boltlink/db/schema';
import { freePort } from '@boltlink/local-servers/redis';
import autocannon from 'autocannon';
import { type ServerProcess, startServer, treeCpuMs } from './lib/processes.ts';
import { writeResults } from './lib/results-file.ts';
import { benchEdgeEnv } from './lib/seed-link.ts';
import { localServers, startBenchStack } from './lib/stack.ts';
import {
  describeTraffic,
  trafficFromEnv,
  VARIED_TRAFFIC_EDGE_ENV,
  visitorHeaders,
} from './lib/visitor-traffic.ts';

const RATE = Number(process.env.RATE ?? 3000);
const LINKS = Number(process.env.LINKS ?? 1000);
const DURATION = Number(process.env.DURATION ?? 20);
const WARMUP = Number(process.env.WARMUP ?? 8);
const DOMAIN = 'bench.local';

const benchDir = fileURLToPath(new URL('.', import.meta.url));
const appsDir = fileURLToPath(new URL('../apps/', import.meta.url));

const TRAFFIC = trafficFromEnv(process.env.TRAFFIC);

async function load(url: string, paths: string[], seconds: number): Promise<{ answered: number }> {
  let next = 0;
  let sent = 0;
  const result = await autocannon({
    url,
    connections: 50,
    overallRate: RATE,
    duration: seconds,
    headers: visitorHeaders('same', DOMAIN, 0),
    requests: [
      {
        setupRequest: (request) => {
          next = (next + 1) % paths.length;
          sent += 1;
          return { ...request, path: paths[next] as string, headers: visitorHeaders(TRAFFIC, DOMAIN, sent) };
        },
      },
    ],
  });
  return {
    answered: result['1xx'] + result['2xx'] + result['3xx'] + result['4xx'] + result['5xx'],
  };
}

const stack = await startBenchStack({ fromEnv: false, durable: true, redis: { appendOnly: true } });
const { postgres, redis } = localServers(stack);
const servers: ServerProcess[] = [];
const pool = createPool({ connectionString: stack.databaseUrl, max: 2 });
const db = createDb(pool);
try {
  const [owner] = await db
    .insert(users)
    .values({ email: 'click-cost@bench.local', passwordHash: 'bench' })
    .returning();
  if (!owner) throw new Error('no user');
  const codes = Array.from({ length: LINKS }, (_, i) => `c${i}`);
  await db
    .insert(links)
    .values(
      codes.map((code) => ({ userId: owner.id, domain: DOMAIN, code, url: `https://example.com/${code}` })),
    );
  const paths = codes.map((code) => `/${code}`);
  const counted = async () =>
    Number(
      (await pool.query<{ n: string }>('SELECT coalesce(sum(click_count), 0) AS n FROM links')).rows[0]?.n ??
        0,
    );

  // The baseline: a bare Fastify 302 under the same load, its CPU per request.
  const barePort = await freePort();
  const bare = await startServer({
    entry: 'lib/bare-server.ts',
    cwd: benchDir,
    port: barePort,
    cpu: 0,
    env: {},
  });
  servers.push(bare);
  await load(bare.url, paths, WARMUP);
  const bareBefore = await bare.cpuMs();
  const bareRun = await load(bare.url, paths, DURATION);
  const bareMicros = (((await bare.cpuMs()) - bareBefore) * 1000) / Math.max(1, bareRun.answered);
  await bare.stop();
  console.log(
    `bare Fastify 302: ${Math.round(bareRun.answered / DURATION)} req/s, ${bareMicros.toFixed(1)} µs CPU per request`,
  );

  const env = {
    ...benchEdgeEnv(stack, DOMAIN),
    LOG_LEVEL: 'warn',
    WEB_CONCURRENCY: '1',
    // The varied traffic's addresses and countries come in headers, as behind a proxy or a CDN.
    ...(TRAFFIC === 'varied' ? VARIED_TRAFFIC_EDGE_ENV : {}),
  };
  const edgePort = await freePort();
  const metricsPort = await freePort();
  const edge = await startServer({
    entry: 'src/server.ts',
    cwd: `${appsDir}redirect-edge`,
    port: edgePort,
    cpu: 0,
    env: { ...env, METRICS_PORT: String(metricsPort) },
  });
  // What the edge itself says it served: autocannon stops counting at the end of its run while the requests in
  // flight are still answered (and counted).
  const served = async () => {
    const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    let sum = 0;
    for (const match of text.matchAll(/^edge_redirects_total\{[^}]*\} (\d+)/gm)) sum += Number(match[1]);
    return sum;
  };
  /** Clicks in the device/browser/OS breakdown: one per click once the dimension roll-up has folded it. */
  const rolledUp = async () =>
    Number(
      (await pool.query<{ n: string }>('SELECT coalesce(sum(clicks), 0) AS n FROM link_agents_daily')).rows[0]
        ?.n ?? 0,
    );
  /** Waits until every click the edge served is counted and in the breakdowns. */
  const drained = async (deadlineMs: number) => {
    for (const until = Date.now() + deadlineMs; Date.now() < until; ) {
      const total = await counted();
      if (total === (await served()) && total === (await rolledUp())) return true;
      await new Promise((r) => setTimeout(r, 100));
    }
    return false;
  };
  servers.push(edge);
  const consumerPort = await freePort();
  const consumer = await startServer({
    entry: 'src/server.ts',
    cwd: `${appsDir}analytics-consumer`,
    port: consumerPort,
    cpu: 1,
    env: { ...env, WEB_CONCURRENCY: '1' },
  });
  servers.push(consumer);
  // Both processes can use both cores: taskset -c 0-1.
  const { spawnSync } = await import('node:child_process');
  for (const server of [edge, consumer])
    spawnSync('taskset', ['-a', '-p', '-c', '0-1', String(server.child.pid)]);

  // Warm-up, then drained, so the measured window starts with nothing in flight.
  await load(edge.url, paths, WARMUP);
  if (!(await drained(60_000))) throw new Error('the warm-up clicks were not all counted within 60 s');
  const start = await counted();
  const servedBefore = await served();
  const snapshot = async () => ({
    edge: await edge.cpuMs(),
    consumer: await consumer.cpuMs(),
    postgres: await treeCpuMs(postgres.pid),
    redis: await treeCpuMs(redis.pid),
  });
  const before = await snapshot();
  await load(edge.url, paths, DURATION);
  const drainStarted = Date.now();
  if (!(await drained(120_000))) throw new Error('the clicks were not all counted within 120 s');
  const drainSeconds = (Date.now() - drainStarted) / 1000;
  const after = await snapshot();
  const clicks = (await counted()) - start;
  const redirects = (await served()) - servedBefore;
  if (clicks !== redirects) throw new Error(`counted ${clicks} clicks for ${redirects} redirects`);

  const perClick = (ms: number) => (ms * 1000) / clicks;
  const shares = {
    edge: perClick(after.edge - before.edge),
    consumer: perClick(after.consumer - before.consumer),
    postgres: perClick(after.postgres - before.postgres),
    redis: perClick(after.redis - before.redis),
  };
  const total = shares.edge + shares.consumer + shares.postgres + shares.redis;
  const rows = Object.entries(shares).map(
    ([name, micros]) => `| ${name} | ${micros.toFixed(1)} | ${((micros / total) * 100).toFixed(0)} % |`,
  );
  const body = [
    `${describeTraffic(TRAFFIC)}: ${RATE} redirects/s asked over ${LINKS} links for ${DURATION} s (after ${WARMUP} s of warm-up, drained): ${redirects} redirects served, ${clicks} clicks counted (every one), the drain took ${drainSeconds.toFixed(1)} s after the load. One edge and one consumer process; Postgres fsync on, Redis AOF on.`,
    '',
    '| process | CPU µs per counted click | share |',
    '| --- | --- | --- |',
    ...rows,
    `| **whole stack** | **${total.toFixed(1)}** | 100 % |`,
    '',
    `Baseline in the same run: a bare Fastify app answering 302 costs ${bareMicros.toFixed(1)} µs of CPU per request at the same rate; the whole stack costs ${(total / bareMicros).toFixed(2)}× that per counted click, the edge alone ${(shares.edge / bareMicros).toFixed(2)}×.`,
  ].join('\n');
  console.log(body);
  await writeResults(
    process.env.RESULTS_NAME ?? 'click-cost',
    {
      traffic: TRAFFIC,
      rate: RATE,
      links: LINKS,
      durationSeconds: DURATION,
      redirects,
      clicks,
      drainSeconds,
      microsPerClick: shares,
      totalMicrosPerClick: total,
      bareMicrosPerRequest: bareMicros,
    },
    { title: 'Whole-stack CPU per counted click', body },
  );
} finally {
  for (const server of servers) await server.stop().catch(() => undefined);
  await pool.end();
  await stack.stop();
}
