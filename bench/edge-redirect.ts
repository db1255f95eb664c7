// Redirect-edge throughput against a bare Fastify 302 baseline measured in the same run.
//
//   pnpm --filter @boltlink/bench edge     (DURATION=10 WARMUP=10 CONNECTIONS=100 ROUNDS=3 by default)
//
// Each server runs alone, pinned to SERVER_CPU; the load generator (autocannon) is pinned to LOAD_CPU.
// Local Postgres and Redis are left to the scheduler; INFRA_CPU=n pins them to core n. On two cores neither
// placement is free: on the load core Redis slows the load generator (the Redis-hit scenario sends it one GET
// per request), on the server core it takes the server's time. Scenarios: bare Fastify 302; the edge on a hot link (LRU hit, click
// capture on); the edge with the LRU off (every redirect reads Redis); a storm of never-created codes
// (every request misses every cache: Redis, Postgres, negative-cache write, 404 limiter).
import { fileURLToPath } from 'node:url';
import { freePort } from '@boltlink/local-servers/redis';
import type { LoadOptions, LoadResult } from './lib/load.ts';
import { markdownTable, printTable } from './lib/load.ts';
import { runPinnedLoad, type ServerProcess, startServer } from './lib/processes.ts';
import { writeResults } from './lib/results-file.ts';
import { benchEdgeEnv, seedLink } from './lib/seed-link.ts';
import { startBenchStack } from './lib/stack.ts';

const DURATION = Number(process.env.DURATION ?? 10);
// Every server gets the same warm-up before it is measured. The edge takes ~10 s of load to settle (V8 tiers up
// its larger code and sizes its heap); shorter warm-ups measure start-up, not the steady state it serves in.
const WARMUP = Number(process.env.WARMUP ?? 10);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 100);
const SERVER_CPU = Number(process.env.SERVER_CPU ?? 0);
const LOAD_CPU = Number(process.env.LOAD_CPU ?? 1);
const INFRA_CPU = process.env.INFRA_CPU === undefined ? undefined : Number(process.env.INFRA_CPU);
// ONLY=bare,hot runs a subset (bare, hot, redis, storm); the baseline always runs.
const ONLY = new Set((process.env.ONLY ?? 'bare,hot,redis,storm').split(','));
const DOMAIN = 'bench.local';
const CODE = 'hot';

const benchDir = fileURLToPath(new URL('.', import.meta.url));
const edgeDir = fileURLToPath(new URL('../apps/redirect-edge/', import.meta.url));

const stack = await startBenchStack();
if (INFRA_CPU !== undefined) await stack.pinInfrastructure(INFRA_CPU);
const servers: ServerProcess[] = [];

function edgeEnv(extra: Record<string, string>): Record<string, string> {
  return {
    ...benchEdgeEnv(stack, DOMAIN),
    // Only warnings: a log line per request would be measured as the edge's own cost.
    LOG_LEVEL: 'warn',
    // One process pinned to one core; bench/edge-cluster.ts measures the multi-process edge.
    WEB_CONCURRENCY: '1',
    ...extra,
  };
}

async function scenario(
  name: string,
  server: { entry: string; cwd: string; env: Record<string, string> },
  load: Omit<LoadOptions, 'name' | 'url' | 'connections' | 'durationSeconds'>,
): Promise<LoadResult> {
  const port = await freePort();
  const process_ = await startServer({ ...server, port, cpu: SERVER_CPU });
  servers.push(process_);
  try {
    const options: LoadOptions = {
      name,
      url: `${process_.url}/${CODE}`,
      connections: CONNECTIONS,
      durationSeconds: DURATION,
      headers: { host: DOMAIN },
      ...load,
    };
    // Warm-up (JIT, pools, caches), then the measured run with the server's CPU time read around it.
    await runPinnedLoad<LoadResult>({
      cpu: LOAD_CPU,
      cwd: benchDir,
      scenario: { ...options, durationSeconds: WARMUP },
    });
    const cpuBefore = await process_.cpuMs();
    const result = await runPinnedLoad<LoadResult>({ cpu: LOAD_CPU, cwd: benchDir, scenario: options });
    result.cpuMicrosPerRequest = (((await process_.cpuMs()) - cpuBefore) * 1000) / Math.max(1, result.total);
    console.log(
      `${name}: ${Math.round(result.requestsPerSecond)} req/s, p50 ${result.p50} ms, p99 ${result.p99} ms, errors ${result.errors}, server CPU ${result.cpuMicrosPerRequest.toFixed(1)} µs/request`,
    );
    return result;
  } finally {
    await process_.stop();
  }
}

try {
  await seedLink(stack.databaseUrl, DOMAIN, CODE);
  console.log(
    `edge bench: ${CONNECTIONS} connections, ${DURATION} s per scenario after a ${WARMUP} s warm-up; server on CPU ${SERVER_CPU}, load on CPU ${LOAD_CPU}, Postgres and Redis ${INFRA_CPU === undefined ? 'not pinned' : `on CPU ${INFRA_CPU}`}`,
  );
  // The machine is shared, so one pass can catch a noisy moment: ROUNDS repeats bare/hot/Redis-hit and each
  // ratio is taken against the bare run of its own round; the median round is reported.
  const edge = { entry: 'src/server.ts', cwd: edgeDir };
  const rounds: { bare: LoadResult; hot?: LoadResult; redisHit?: LoadResult }[] = [];
  for (let round = 1; round <= ROUNDS; round += 1) {
    const bare = await scenario(
      `bare fastify 302 #${round}`,
      { entry: 'lib/bare-server.ts', cwd: benchDir, env: {} },
      {
        expectStatusClass: 3,
      },
    );
    const hot = !ONLY.has('hot')
      ? undefined
      : await scenario(
          `edge hot link (LRU hit, capture on) #${round}`,
          { ...edge, env: edgeEnv({}) },
          {
            expectStatusClass: 3,
          },
        );
    const redisHit = !ONLY.has('redis')
      ? undefined
      : await scenario(
          `edge LRU off (Redis hit, capture on) #${round}`,
          { ...edge, env: edgeEnv({ LRU_MAX_ENTRIES: '0' }) },
          { expectStatusClass: 3 },
        );
    rounds.push({ bare, hot, redisHit });
  }
  const lastBare = rounds[rounds.length - 1]?.bare;
  if (!lastBare) throw new Error('ROUNDS must be >= 1');
  const storm = !ONLY.has('storm')
    ? undefined
    : await scenario(
        'edge unknown-code storm (all misses)',
        { ...edge, env: edgeEnv({}) },
        {
          expectStatusClass: 4,
          paths: 'random-codes',
        },
      );

  for (const round of rounds) {
    printTable(
      [round.bare, round.hot, round.redisHit].filter((r): r is LoadResult => r !== undefined),
      round.bare,
    );
  }
  if (storm) printTable([lastBare, storm], lastBare);

  const median = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.floor((sorted.length - 1) / 2)] ?? Number.NaN;
  };
  const verdict = (met: boolean) => (met ? 'MET' : 'NOT MET');
  // Printed and written to bench/results/edge-redirect.{json,md} alike.
  const summary: string[] = [];
  const say = (line: string) => {
    console.log(line);
    summary.push(line);
  };
  const hotRounds = rounds.filter((r) => r.hot !== undefined);
  if (hotRounds.length > 0) {
    const ratio = median(hotRounds.map((r) => (r.hot?.requestsPerSecond ?? 0) / r.bare.requestsPerSecond));
    const p99 = median(hotRounds.map((r) => r.hot?.p99 ?? Number.NaN));
    const cpu = median(
      hotRounds.map((r) => (r.bare.cpuMicrosPerRequest ?? 0) / (r.hot?.cpuMicrosPerRequest ?? 1)),
    );
    say(
      `target hot >= 0.85 x bare req/s (median of ${hotRounds.length}): ${ratio.toFixed(2)} ${verdict(ratio >= 0.85)}`,
    );
    say(`target hot p99 <= 10 ms (median): ${p99} ms ${verdict(p99 <= 10)}`);
    say(`hot server CPU per request, bare/edge (median): ${cpu.toFixed(2)}`);
  }
  const redisRounds = rounds.filter((r) => r.redisHit !== undefined);
  if (redisRounds.length > 0) {
    const ratio = median(
      redisRounds.map((r) => (r.redisHit?.requestsPerSecond ?? 0) / r.bare.requestsPerSecond),
    );
    const cpu = median(
      redisRounds.map((r) => (r.bare.cpuMicrosPerRequest ?? 0) / (r.redisHit?.cpuMicrosPerRequest ?? 1)),
    );
    say(
      `target Redis hit >= 0.65 x bare req/s (median of ${redisRounds.length}): ${ratio.toFixed(2)} ${verdict(ratio >= 0.65)}`,
    );
    say(`Redis-hit server CPU per request, bare/edge (median): ${cpu.toFixed(2)}`);
  }

  const settings = {
    duration: DURATION,
    warmup: WARMUP,
    rounds: ROUNDS,
    connections: CONNECTIONS,
    serverCpu: SERVER_CPU,
    loadCpu: LOAD_CPU,
    infraCpu: INFRA_CPU ?? null,
    only: [...ONLY],
  };
  await writeResults(
    'edge-redirect',
    { settings, rounds, storm: storm ?? null, summary },
    {
      title: 'Edge redirect against bare Fastify',
      body: [
        `${CONNECTIONS} connections, ${DURATION} s per scenario after a ${WARMUP} s warm-up, ${ROUNDS} rounds; server pinned to CPU ${SERVER_CPU}, load generator to CPU ${LOAD_CPU}, Postgres and Redis ${INFRA_CPU === undefined ? 'not pinned' : `on CPU ${INFRA_CPU}`}. Each ratio is against the bare run of its own round; the targets use the median round.`,
        '',
        ...summary.map((line) => `- ${line}`),
        '',
        ...rounds.flatMap((round, i) => [
          `Round ${i + 1}:`,
          '',
          markdownTable(
            [round.bare, round.hot, round.redisHit].filter((r): r is LoadResult => r !== undefined),
            round.bare,
          ),
          '',
        ]),
        ...(storm
          ? [
              'Unknown-code storm (against the last bare run):',
              '',
              markdownTable([lastBare, storm], lastBare),
            ]
          : []),
      ].join('\n'),
    },
  );
} finally {
  for (const server of servers) await server.stop();
  await stack.stop();
}
