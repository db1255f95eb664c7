// SIGTERM to a multi-process server under load: every request autocannon sends while a worker still
// accepts connections must succeed, and requests in flight when the stop begins must complete.
//
//   pnpm --filter @boltlink/bench edge-sigterm          (TARGET=edge|bare, CONNECTIONS=100 WORKERS=2)
//
// The primary stops the workers one by one; a stopping worker stops accepting, answers further requests
// on its keep-alive connections with `Connection: close` and closes once they moved to another worker.
// Counting ends when the primary begins to stop the LAST worker: from then on the port closes by design
// (in a deployment the load balancer has removed the instance during the preStop pause).
// TARGET=edge (default) runs the real edge (its own server.ts); TARGET=bare runs the representative 302 server.
import { fileURLToPath } from 'node:url';
import { freePort } from '@boltlink/local-servers/redis';
import autocannon from 'autocannon';
import { edgeEntry, startClusterServer } from './lib/cluster-process.ts';
import { writeResults } from './lib/results-file.ts';
import { benchEdgeEnv, seedLink } from './lib/seed-link.ts';
import { type BenchStack, startBenchStack } from './lib/stack.ts';

const CONNECTIONS = Number(process.env.CONNECTIONS ?? 100);
const WORKERS = Number(process.env.WORKERS ?? 2);
const LOAD_BEFORE_MS = Number(process.env.LOAD_BEFORE_MS ?? 3_000);
const TARGET = process.env.TARGET ?? 'edge';
const DOMAIN = 'bench.local';
const CODE = 'hot';
const benchDir = fileURLToPath(new URL('.', import.meta.url));

let stack: BenchStack | undefined;
let env: Record<string, string> = {};
let args = ['lib/cluster-302-server.ts'];
if (TARGET === 'edge') {
  stack = await startBenchStack();
  await seedLink(stack.databaseUrl, DOMAIN, CODE);
  env = benchEdgeEnv(stack, DOMAIN);
  args = edgeEntry();
}

try {
  const server = await startClusterServer({
    args,
    cwd: benchDir,
    port: await freePort(),
    workers: WORKERS,
    env,
  });
  const errors: { time: number; message: string }[] = [];
  const statuses = new Map<number, number>();
  let finish: (result: autocannon.Result) => void = () => {};
  const done = new Promise<autocannon.Result>((resolve) => {
    finish = resolve;
  });
  const load = autocannon(
    { url: `${server.url}/${CODE}`, connections: CONNECTIONS, duration: 120, headers: { host: DOMAIN } },
    (_error, result) => finish(result),
  );
  load.on('reqError', (error: Error) => errors.push({ time: Date.now(), message: error.message }));
  load.on('response', (_client: unknown, status: number) =>
    statuses.set(status, (statuses.get(status) ?? 0) + 1),
  );
  const answered = () => [...statuses.values()].reduce((sum, count) => sum + count, 0);

  await new Promise((resolve) => setTimeout(resolve, LOAD_BEFORE_MS));
  const beforeSigterm = answered();
  const sigtermAt = Date.now();
  server.child.kill('SIGTERM');
  const lastStop = await server.waitForLog((line) => line.msg === 'stopping worker' && line.remaining === 1);
  const answeredWhileStopping = answered() - beforeSigterm;
  const exitCode = await server.exited;
  load.stop();
  await done;

  const failed = errors.filter((error) => error.time < lastStop.time);
  const bad = [...statuses.entries()].filter(([status]) => status < 200 || status >= 400);
  const stopped = server.lines.filter((line) => line.msg === 'worker stopped');
  const report = [
    `target: ${TARGET === 'edge' ? 'redirect edge (its server.ts)' : 'representative Fastify 302 server'}, ${WORKERS} workers, ${CONNECTIONS} connections`,
    `answered before SIGTERM: ${beforeSigterm}; answered between SIGTERM and the last worker's stop (${lastStop.time - sigtermAt} ms): ${answeredWhileStopping}`,
    `status codes: ${JSON.stringify(Object.fromEntries(statuses))}`,
    `failed requests while a worker was accepting: ${failed.length + bad.reduce((sum, [, count]) => sum + count, 0)}` +
      (failed.length > 0 ? ` (${[...new Set(failed.map((error) => error.message))].join(', ')})` : ''),
    `refused after the last worker's stop began (by design): ${errors.length - failed.length}`,
    `drains that timed out: ${JSON.stringify(server.lines.filter((line) => line.msg === 'drain timed out').map((line) => ({ pid: line.pid, openConnections: line.openConnections })))}`,
    `workers stopped: ${stopped.map((line) => `pid ${line.workerPid} code ${line.code}`).join(', ')}; primary exit code ${exitCode}`,
  ];
  console.log(report.join('\n'));
  await writeResults(
    TARGET === 'edge' ? 'edge-sigterm' : `edge-sigterm-${TARGET}`,
    {
      target: TARGET,
      workers: WORKERS,
      connections: CONNECTIONS,
      statuses: Object.fromEntries(statuses),
      report,
    },
    { title: 'SIGTERM to a loaded multi-process server', body: report.map((line) => `- ${line}`).join('\n') },
  );
  if (failed.length > 0 || bad.length > 0 || exitCode !== 0) process.exitCode = 1;
} finally {
  await stack?.stop();
}
