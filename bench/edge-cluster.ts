// One process against WEB_CONCURRENCY=2 worker processes (node:cluster through @boltlink/cluster),
// measured in the same run on this machine, for a bare Fastify 302 server and for the real redirect edge
// on a hot link (LRU hit, click capture on).
//
//   pnpm --filter @boltlink/bench edge-cluster        (DURATION=10 CONNECTIONS=100 WORKERS=2)
//
// Nothing is pinned: the workers and autocannon share the machine's cores, as they would on one host.
import { fileURLToPath } from 'node:url';
import { freePort } from '@boltlink/local-servers/redis';
import { edgeEntry, startClusterServer } from './lib/cluster-process.ts';
import { type LoadResult, runLoad } from './lib/load.ts';
import { writeResults } from './lib/results-file.ts';
import { benchEdgeEnv, seedLink } from './lib/seed-link.ts';
import { startBenchStack } from './lib/stack.ts';

const DURATION = Number(process.env.DURATION ?? 10);
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 100);
const WORKERS = Number(process.env.WORKERS ?? 2);
const DOMAIN = 'bench.local';
const CODE = 'hot';
const benchDir = fileURLToPath(new URL('.', import.meta.url));

interface Row extends LoadResult {
  workers: number;
}

async function measure(
  name: string,
  args: string[],
  workers: number,
  env: Record<string, string>,
): Promise<Row> {
  const server = await startClusterServer({ args, cwd: benchDir, port: await freePort(), workers, env });
  try {
    const base = { url: `${server.url}/${CODE}`, connections: CONNECTIONS, headers: { host: DOMAIN } };
    await runLoad({ ...base, name, durationSeconds: 3, expectStatusClass: 3 });
    const result = await runLoad({ ...base, name, durationSeconds: DURATION, expectStatusClass: 3 });
    console.log(
      `${name}, ${workers} process${workers > 1 ? 'es' : ''}: ${Math.round(result.requestsPerSecond)} req/s, p99 ${result.p99} ms, errors ${result.errors}`,
    );
    return { ...result, workers };
  } finally {
    await server.stop();
  }
}

const stack = await startBenchStack();
try {
  await seedLink(stack.databaseUrl, DOMAIN, CODE);
  const edgeEnv = benchEdgeEnv(stack, DOMAIN);
  console.log(
    `cluster bench: ${CONNECTIONS} connections, ${DURATION} s per run after a 3 s warm-up, 1 vs ${WORKERS} processes; ` +
      'edge clustered by its own server.ts',
  );
  // A-B-B-A order, averaged: the machine is shared, and drift in its load then cancels out of the ratio.
  const rows: Row[] = [];
  const summary: Record<string, string | number>[] = [];
  for (const [name, args, env] of [
    ['bare fastify 302', ['lib/cluster-302-server.ts'], {}],
    ['edge hot link', edgeEntry(), edgeEnv],
  ] as const) {
    const runs: Row[] = [];
    for (const workers of [1, WORKERS, WORKERS, 1]) runs.push(await measure(name, [...args], workers, env));
    rows.push(...runs);
    const mean = (workers: number, pick: (row: Row) => number) => {
      const picked = runs.filter((row) => row.workers === workers).map(pick);
      return picked.reduce((sum, value) => sum + value, 0) / picked.length;
    };
    for (const workers of [1, WORKERS]) {
      summary.push({
        scenario: name,
        processes: workers,
        'mean req/s': Math.round(mean(workers, (row) => row.requestsPerSecond)),
        'mean p99 ms': Math.round(mean(workers, (row) => row.p99)),
        errors: runs.filter((row) => row.workers === workers).reduce((sum, row) => sum + row.errors, 0),
        'ratio vs 1 process': (
          mean(workers, (row) => row.requestsPerSecond) / mean(1, (row) => row.requestsPerSecond)
        ).toFixed(2),
      });
    }
  }
  console.table(
    rows.map((row) => ({
      scenario: row.name,
      processes: row.workers,
      'req/s': Math.round(row.requestsPerSecond),
      'p50 ms': row.p50,
      'p99 ms': row.p99,
      errors: row.errors,
      requests: row.total,
    })),
  );
  console.table(summary);
  const columns = Object.keys(summary[0] ?? {});
  await writeResults(
    'edge-cluster',
    { duration: DURATION, connections: CONNECTIONS, workers: WORKERS, rows, summary },
    {
      title: `One process against ${WORKERS} worker processes`,
      body: [
        `${CONNECTIONS} connections, ${DURATION} s per run, runs alternated 1, ${WORKERS}, ${WORKERS}, 1 processes; nothing pinned (the workers and the load generator share the cores). Means of the two runs each way:`,
        '',
        `| ${columns.join(' | ')} |`,
        `| ${columns.map(() => '---').join(' | ')} |`,
        ...summary.map((row) => `| ${Object.values(row).join(' | ')} |`),
      ].join('\n'),
    },
  );
} finally {
  await stack.stop();
}
