import { fileURLToPath } from 'node:url';
import { createDb, createPool } from '@boltlink/db/client';
import { links, users } from '@boltlink/db/schema';
import { freePort } from '@boltlink/local-servers/redis';
import autocannon from 'autocannon';
import { edgeEntry, startClusterServer } from './lib/cluster-process.ts';
import { writeResults } from './lib/results-file.ts';
import { benchEdgeEnv } from './lib/seed-link.ts';
import { localServers, startBenchStack } from './lib/stack.ts';

const RATE = Number(process.env.RATE ?? 5000);
const FREEZE_S = Number(process.env.FREEZE_S ?? 10);
const LINKS = Number(process.env.LINKS ?? 2000);
const BEFORE_S = 4;
const AFTER_S = 4;
const DOMAIN = 'bench.local';
const benchDir = fileURLToPath(new URL('.', import.meta.url));

// Servers of its own: the bench freezes Redis (SIGSTOP).
const stack = await startBenchStack({ fromEnv: false });
const { postgres, redis } = localServers(stack);

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function run(mode: 'breaker off' | 'breaker on') {
  const env = {
    ...benchEdgeEnv({ databaseUrl: postgres.url, redisUrl: redis.url }, DOMAIN),
    LOG_LEVEL: 'warn',
    LRU_MAX_ENTRIES: '0',
    ...(mode === 'breaker off' ? { CACHE_READ_BUDGET_MS: '0', CACHE_BREAKER_COOLDOWN_MS: '0' } : {}),
  };
  const server = await startClusterServer({
    args: edgeEntry(),
    cwd: benchDir,
    port: await freePort(),
    workers: 1,
    env,
  });
  try {
    const requests = Array.from({ length: LINKS }, (_, i) => ({ method: 'GET' as const, path: `/c${i}` }));
    // Warm the Redis cache: every link read through once.
    await autocannon({
      url: server.url,
      connections: 10,
      amount: LINKS,
      requests,
      headers: { host: DOMAIN },
    });

    const samples: { at: number; ms: number; status: number }[] = [];
    const start = Date.now();
    let finish: () => void = () => {};
    const done = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const load = autocannon(
      {
        url: server.url,
        connections: 100,
        overallRate: RATE,
        duration: BEFORE_S + FREEZE_S + AFTER_S,
        requests,
        headers: { host: DOMAIN },
      },
      () => finish(),
    );
    load.on('response', (_client: unknown, status: number, _bytes: number, ms: number) =>
      samples.push({ at: Date.now(), ms, status }),
    );
    await new Promise((resolve) => setTimeout(resolve, BEFORE_S * 1000));
    const frozenAt = Date.now();
    process.kill(redis.pid, 'SIGSTOP');
    await new Promise((resolve) => setTimeout(resolve, FREEZE_S * 1000));
    process.kill(redis.pid, 'SIGCONT');
    const thawedAt = Date.now();
    await done;
    // A response belongs to the freeze when it arrived during it (its request was sent at most its latency before).
    const during = samples.filter((s) => s.at >= frozenAt && s.at < thawedAt);
    const latencies = during.map((s) => s.ms).sort((a, b) => a - b);
    const result = {
      mode,
      freezeSeconds: (thawedAt - frozenAt) / 1000,
      answeredDuringFreeze: during.length,
      reqPerSecDuringFreeze: Math.round(during.length / ((thawedAt - frozenAt) / 1000)),
      non302DuringFreeze: during.filter((s) => s.status !== 302).length,
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      maxMs: latencies.at(-1) ?? Number.NaN,
      wholeRunReqPerSec: Math.round(samples.length / ((Date.now() - start) / 1000)),
    };
    console.log(JSON.stringify(result));
    return result;
  } finally {
    await server.stop();
  }
}

try {
  const pool = createPool({ connectionString: postgres.url, max: 1 });
  const db = createDb(pool);
  const [user] = await db
    .insert(users)
    .values({ email: 'chaos@example.com', passwordHash: 'bench' })
    .returning();
  if (!user) throw new Error('no user');
  for (let i = 0; i < LINKS; i += 500) {
    await db.insert(links).values(
      Array.from({ length: Math.min(500, LINKS - i) }, (_, j) => ({
        userId: user.id,
        domain: DOMAIN,
        code: `c${i + j}`,
        url: `https://example.com/${i + j}`,
      })),
    );
  }
  await pool.end();

  const off = await run('breaker off');
  const on = await run('breaker on');
  await writeResults('edge-redis-chaos', {
    rate: RATE,
    links: LINKS,
    note: 'Edge, Postgres, Redis and autocannon on one shared 2-core host; one edge process; LRU off',
    results: [off, on],
    ratios: {
      p99OnOverOff: on.p99Ms / off.p99Ms,
      reqPerSecOnOverOff: on.reqPerSecDuringFreeze / off.reqPerSecDuringFreeze,
    },
  });
} finally {
  process.kill(redis.pid, 'SIGCONT');
  await stack.stop();
}
