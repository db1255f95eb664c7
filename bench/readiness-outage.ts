// The edge's readiness through a Postgres + Redis outage: what a Kubernetes readiness probe (every 5 s,
// failureThreshold 2) sees, and what the redirects get, with the previous rule and the current one, in the
// same run on the same edge.
//
//   pnpm --filter @boltlink/bench exec tsx readiness-outage.ts
//   OUTAGE_MS=20000 PROBE_EVERY_MS=5000 (defaults)
//
// before: the previous /ready, restated here for the comparison: every dependency check (SELECT 1, PING +
//   noeviction on the queue Redis, PING on the cache Redis) must pass within 1 s, else 503.
// after:  the edge's own GET /ready (listening and not draining).
// Both are asked at each probe time; redirects of a cached link are sent back to back the whole time. A pod
// is taken out of its Service after 2 failed probes in a row, as the manifests' readinessProbe would.
// Results: bench/results/readiness-outage.json and .md.
import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadEdgeConfig } from '@boltlink/config/services';
import { createPool } from '@boltlink/db/client';
import pino from 'pino';
import { buildApp } from '../apps/redirect-edge/src/app.ts';
import { createEdgeDeps } from '../apps/redirect-edge/src/deps.ts';
import {
  postgresCheck,
  queueRedisCheck,
  redisCheck,
  runCheck,
} from '../packages/observability/src/health.ts';
import { writeResults } from './lib/results-file.ts';
import { localServers, startBenchStack } from './lib/stack.ts';

const OUTAGE_MS = Number(process.env.OUTAGE_MS ?? 20_000);
const PROBE_EVERY_MS = Number(process.env.PROBE_EVERY_MS ?? 5_000);
const FAILURE_THRESHOLD = 2;
const DOMAIN = 'bench.local';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

// Servers of its own, durable as in production: the bench stops them.
const stack = await startBenchStack({
  fromEnv: false,
  durable: true,
  redis: { appendOnly: true, maxmemoryPolicy: 'noeviction' },
});
const { postgres, redis } = localServers(stack);

const config = loadEdgeConfig({
  NODE_ENV: 'test',
  LOG_LEVEL: 'silent',
  DATABASE_URL: postgres.url,
  REDIS_URL: redis.url,
  SHORT_DOMAINS: DOMAIN,
  LRU_TTL_MS: '600000',
  METRICS_PORT: '0',
  // One client sends every redirect: lift its per-client limit.
  REDIRECT_RATE_LIMIT_MAX: '100000000',
  // The final click flush cannot reach Redis here: do not wait the default 10 s for it.
  SHUTDOWN_TIMEOUT_MS: '1000',
});
const deps = createEdgeDeps(config, pino({ level: 'silent' }));
const app = await buildApp(deps);
await app.listen({ host: '127.0.0.1', port: 0 });
const port = (app.server.address() as AddressInfo).port;

const previousRule = async (): Promise<number> => {
  const checks = [postgresCheck(deps.pool), queueRedisCheck(deps.queueRedis), redisCheck(deps.cacheRedis)];
  const results = await Promise.all(checks.map((check) => runCheck(check, 1000)));
  return results.every((result) => result.ok) ? 200 : 503;
};

const agent = new Agent({ keepAlive: true, maxSockets: 1 });
function get(path: string, host = DOMAIN): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, agent, headers: { host } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.setTimeout(5000, () => req.destroy());
    req.on('error', () => resolve(0));
    req.end();
  });
}

interface Probe {
  atMs: number;
  before: number;
  after: number;
  beforeInService: boolean;
  afterInService: boolean;
}

const pool = createPool({ connectionString: postgres.url, max: 1, onError: () => {} });
const user = await pool.query<{ id: string }>(
  "INSERT INTO users (email, password_hash) VALUES ($1, 'x') RETURNING id",
  [`bench-${randomUUID()}@example.com`],
);
const code = `r${randomUUID().slice(0, 8)}`;
await pool.query(
  "INSERT INTO links (user_id, domain, code, url) VALUES ($1, $2, $3, 'https://example.com/')",
  [user.rows[0]?.id, DOMAIN, code],
);
await pool.end();

const probes: Probe[] = [];
const redirects = { sent: 0, redirected: 0, other: 0, otherStatuses: {} as Record<string, number> };
try {
  if ((await get(`/${code}`)) !== 302) throw new Error('the link does not redirect before the outage');
  const baseline = { before: await previousRule(), after: await get('/ready') };

  const started = Date.now();
  await Promise.all([postgres.stop(), redis.stop()]);
  const outageAt = Date.now() - started;

  let stop = false;
  const traffic = (async () => {
    while (!stop) {
      const status = await get(`/${code}`);
      redirects.sent += 1;
      if (status === 302) redirects.redirected += 1;
      else {
        redirects.other += 1;
        redirects.otherStatuses[status] = (redirects.otherStatuses[status] ?? 0) + 1;
      }
    }
  })();

  let beforeFails = 0;
  let afterFails = 0;
  for (let at = 0; at <= OUTAGE_MS; at += PROBE_EVERY_MS) {
    await sleep(started + outageAt + at - Date.now());
    const [before, after] = await Promise.all([previousRule(), get('/ready')]);
    beforeFails = before === 200 ? 0 : beforeFails + 1;
    afterFails = after === 200 ? 0 : afterFails + 1;
    probes.push({
      atMs: at,
      before,
      after,
      beforeInService: beforeFails < FAILURE_THRESHOLD,
      afterInService: afterFails < FAILURE_THRESHOLD,
    });
  }
  stop = true;
  await traffic;

  const firstOut = (key: 'beforeInService' | 'afterInService') =>
    probes.find((probe) => !probe[key])?.atMs ?? null;
  const summary = {
    baseline,
    redirects,
    before: {
      probesFailed: probes.filter((p) => p.before !== 200).length,
      outOfServiceAtMs: firstOut('beforeInService'),
    },
    after: {
      probesFailed: probes.filter((p) => p.after !== 200).length,
      outOfServiceAtMs: firstOut('afterInService'),
    },
  };

  const rows = probes.map(
    (p) =>
      `| ${(p.atMs / 1000).toFixed(0)} s | ${p.before} | ${p.beforeInService ? 'in' : 'out'} | ${p.after} | ${p.afterInService ? 'in' : 'out'} |`,
  );
  const table = [
    '| probe (s into outage) | before: /ready | before: pod in Service | after: /ready | after: pod in Service |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
  const outText = (ms: number | null) => (ms === null ? 'never' : `${ms / 1000} s into the outage`);
  const lines = [
    `redirects during the outage: ${redirects.redirected} of ${redirects.sent} answered 302 (${redirects.other} other: ${JSON.stringify(redirects.otherStatuses)})`,
    `before: ${summary.before.probesFailed} of ${probes.length} probes failed; pod out of the Service ${outText(summary.before.outOfServiceAtMs)}`,
    `after: ${summary.after.probesFailed} of ${probes.length} probes failed; pod out of the Service ${outText(summary.after.outOfServiceAtMs)}`,
  ];
  console.log(`\n${table}\n\n${lines.join('\n')}`);

  const settings = { outageMs: OUTAGE_MS, probeEveryMs: PROBE_EVERY_MS, failureThreshold: FAILURE_THRESHOLD };
  await writeResults(
    'readiness-outage',
    { settings, summary, probes },
    {
      title: 'Edge readiness through a Postgres + Redis outage',
      body:
        `Both stopped at once for ${OUTAGE_MS / 1000} s; a probe every ${PROBE_EVERY_MS / 1000} s; out of the Service after ${FAILURE_THRESHOLD} failed probes in a row.\n\n` +
        `${table}\n\n${lines.map((line) => `- ${line}`).join('\n')}\n`,
    },
  );
} finally {
  agent.destroy();
  await app.close().catch(() => undefined);
  await stack.stop();
}
