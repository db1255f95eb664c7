// Two builds of the redirect edge compared side by side: which one costs less CPU per hot redirect?
//
//   pnpm --filter @boltlink/bench edge-ab -- <edge dir A> <edge dir B>
//   e.g. git worktree add /tmp/edge-a HEAD~1 && (cd /tmp/edge-a && ./scripts/pnpm.sh install --offline)
//        pnpm --filter @boltlink/bench edge-ab -- /tmp/edge-a/apps/redirect-edge ../apps/redirect-edge
//
// On a shared host one measurement can be 20-40% off from the next, which buries a change worth a few
// percent when the two builds run one after the other. Here both run at the same time, pinned to the same
// core (SERVER_CPU), each under its own load (CONNECTIONS each, both load generators on LOAD_CPU), so
// whatever slows the host slows both alike. Each SEGMENT-second segment gives each build's server CPU time
// per request and the ratio B/A; the median ratio is reported. Sharing a core costs both 1-2 µs per
// request or more, so absolute figures run higher than in edge-redirect.ts; the ratio is the result. A build
// against itself read 0.99 (the build started second about 1% lower): run a comparison both ways round.
//
// Either side may be `bare` instead of a directory: the bare Fastify 302 of lib/bare-server.ts, so the edge's hot
// redirect can be set against that baseline with the host's noise shared too (edge-redirect.ts runs them apart).
//
// CODE_A / CODE_B (default `hot`, a link without rules) set the short code each side is loaded with: `hot5` is the
// same link with 5 redirect rules of which none holds for the load's visitor (every condition kind asked, the
// link URL served), so `CODE_B=hot5` with one build on both sides measures what 5 rules cost; `hotab` is the same
// link with a 50/50 A/B split (the visitor's variant hashed and picked on every request, its name on the click).
// VISITOR=browser
// sends a desktop Chrome User-Agent and an Accept-Language with every request (default: neither, as before).
// TRAFFIC=varied sends every request as another visitor, as click-cost.ts's does (lib/visitor-traffic.ts: 50,000
// addresses through X-Forwarded-For, 24 User-Agents, a cf-ipcountry country and a referrer), to both sides, each
// edge trusting the loopback proxy and reading that country header. TRAFFIC_A / TRAFFIC_B set it for one side:
// the same edge with TRAFFIC_A=same TRAFFIC_B=varied measures what varied visitors cost it.
//
// ENV_A / ENV_B add variables to one side, `NAME=value` separated by spaces; `{sink}` in a value is the URL of a
// stand-in OTLP collector this process then runs (it takes /v1/traces, counts exports and bytes, decodes nothing).
// What tracing costs a redirect: the same edge on both sides, B with
// ENV_B='OTEL_EXPORTER_OTLP_ENDPOINT={sink}' (the default ratio, 0.01) or with OTEL_TRACES_SAMPLER_ARG=1 added.
//
// DURATION of a segment (s, default 5), SEGMENTS (8), WARMUP (12), CONNECTIONS per build (50). The figures go to
// bench/results/<RESULTS_NAME>.{json,md} (default edge-ab): name a comparison you keep, e.g. RESULTS_NAME=edge-ab-node26.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@boltlink/local-servers/redis';
import { describeRevision, gitRevision } from './lib/git-revision.ts';
import type { LoadResult } from './lib/load.ts';
import { runPinnedLoad, type ServerProcess, startServer } from './lib/processes.ts';
import { writeResults } from './lib/results-file.ts';
import { benchEdgeEnv, FIVE_RULES_NONE_HOLDS, seedLink, TWO_VARIANTS } from './lib/seed-link.ts';
import { startBenchStack } from './lib/stack.ts';
import {
  describeTraffic,
  type Traffic,
  trafficFromEnv,
  VARIED_TRAFFIC_EDGE_ENV,
} from './lib/visitor-traffic.ts';

const SEGMENT = Number(process.env.DURATION ?? 5);
const SEGMENTS = Number(process.env.SEGMENTS ?? 8);
const WARMUP = Number(process.env.WARMUP ?? 12);
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 50);
const SERVER_CPU = Number(process.env.SERVER_CPU ?? 0);
const LOAD_CPU = Number(process.env.LOAD_CPU ?? 1);
const DOMAIN = 'bench.local';
const CODE_A = process.env.CODE_A ?? 'hot';
const CODE_B = process.env.CODE_B ?? 'hot';
const VISITOR_HEADERS: Record<string, string> =
  process.env.VISITOR === 'browser'
    ? {
        'user-agent':
          'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
        'accept-language': 'en-US,en;q=0.9,de;q=0.8',
      }
    : {};
const TRAFFIC_A = trafficFromEnv(process.env.TRAFFIC_A ?? process.env.TRAFFIC);
const TRAFFIC_B = trafficFromEnv(process.env.TRAFFIC_B ?? process.env.TRAFFIC);
/** What the results say about the traffic: `` when both sides had the usual one. */
const trafficNote =
  TRAFFIC_A === TRAFFIC_B
    ? TRAFFIC_A === 'varied'
      ? describeTraffic(TRAFFIC_A)
      : ''
    : `A: ${describeTraffic(TRAFFIC_A)}, B: ${describeTraffic(TRAFFIC_B)}`;
const RESULTS_NAME = process.env.RESULTS_NAME ?? 'edge-ab';
const SINK = '{sink}';

/** `NAME=value NAME=value` (ENV_A, ENV_B) as variables. */
function sideEnv(text: string | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of (text ?? '').split(/\s+/).filter(Boolean)) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new Error(`ENV_A/ENV_B: "${pair}" is not NAME=value`);
    env[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return env;
}
const envA = sideEnv(process.env.ENV_A);
const envB = sideEnv(process.env.ENV_B);

/** The stand-in collector: answers every export at once, as a healthy collector would. */
async function startOtlpSink() {
  const received = { exports: 0, bytes: 0 };
  const server = createServer((req, res) => {
    req.on('data', (chunk: Buffer) => {
      received.bytes += chunk.length;
    });
    req.on('end', () => {
      if (req.url === '/v1/traces') received.exports += 1;
      res.writeHead(req.url === '/v1/traces' ? 200 : 404, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}
const usesSink = [...Object.values(envA), ...Object.values(envB)].some((value) => value.includes(SINK));
const sink = usesSink ? await startOtlpSink() : undefined;
const withSink = (env: Record<string, string>) =>
  Object.fromEntries(
    Object.entries(env).map(([name, value]) => [name, value.replaceAll(SINK, sink?.url ?? '')]),
  );

const [dirA, dirB] = process.argv.slice(2).filter((arg) => arg !== '--');
if (dirA === undefined || dirB === undefined) {
  console.error(
    'usage: edge-ab.ts <edge dir A> <edge dir B> (each an apps/redirect-edge with its node_modules)',
  );
  process.exit(2);
}
const benchDir = fileURLToPath(new URL('.', import.meta.url));
const BARE = 'bare';
// Directories outlive what they hold: the results name the commit each side was built from.
const revisionOf = (dir: string) => gitRevision(dir === BARE ? benchDir : resolve(dir));
const shown = (dir: string) => (dir === BARE ? 'bare Fastify 302 (bench/lib/bare-server.ts)' : resolve(dir));
const revisionA = revisionOf(dirA);
const revisionB = revisionOf(dirB);

const stack = await startBenchStack();
const servers: ServerProcess[] = [];
try {
  await seedLink(stack.databaseUrl, DOMAIN, 'hot');
  await seedLink(stack.databaseUrl, DOMAIN, 'hot5', FIVE_RULES_NONE_HOLDS);
  await seedLink(stack.databaseUrl, DOMAIN, 'hotab', [], TWO_VARIANTS);
  // Only warnings (a log line per request would be measured), one process each.
  const env = {
    ...benchEdgeEnv(stack, DOMAIN),
    LOG_LEVEL: 'warn',
    WEB_CONCURRENCY: '1',
  };
  const start = async (dir: string, extra: Record<string, string>, traffic: Traffic) => {
    const server = await startServer({
      ...(dir === BARE
        ? { entry: 'lib/bare-server.ts', cwd: benchDir }
        : { entry: 'src/server.ts', cwd: resolve(dir) }),
      port: await freePort(),
      cpu: SERVER_CPU,
      env: { ...env, ...(traffic === 'varied' ? VARIED_TRAFFIC_EDGE_ENV : {}), ...withSink(extra) },
    });
    servers.push(server);
    return server;
  };
  const a = await start(dirA, envA, TRAFFIC_A);
  const b = await start(dirB, envB, TRAFFIC_B);
  const load = (server: ServerProcess, code: string, traffic: Traffic, durationSeconds: number) =>
    runPinnedLoad<LoadResult>({
      cpu: LOAD_CPU,
      cwd: benchDir,
      scenario: {
        name: 'hot',
        url: `${server.url}/${code}`,
        connections: CONNECTIONS,
        durationSeconds,
        headers: { host: DOMAIN, ...VISITOR_HEADERS },
        expectStatusClass: 3,
        traffic,
      },
    });
  console.log(
    `edge A/B: A = ${dirA} at ${describeRevision(revisionA)} on /${CODE_A}, B = ${dirB} at ${describeRevision(revisionB)} on /${CODE_B}${VISITOR_HEADERS['user-agent'] === undefined ? '' : ', browser headers'}${trafficNote === '' ? '' : `; ${trafficNote}`}; both on CPU ${SERVER_CPU}, loads on CPU ${LOAD_CPU}, ${CONNECTIONS} connections each, ${WARMUP} s warm-up, ${SEGMENTS} × ${SEGMENT} s`,
  );
  await Promise.all([load(a, CODE_A, TRAFFIC_A, WARMUP), load(b, CODE_B, TRAFFIC_B, WARMUP)]);
  const ratios: number[] = [];
  const segments: {
    microsA: number;
    microsB: number;
    requestsA: number;
    requestsB: number;
    errorsA: number;
    errorsB: number;
  }[] = [];
  for (let segment = 1; segment <= SEGMENTS; segment += 1) {
    const before = [await a.cpuMs(), await b.cpuMs()] as const;
    const [resultA, resultB] = await Promise.all([
      load(a, CODE_A, TRAFFIC_A, SEGMENT),
      load(b, CODE_B, TRAFFIC_B, SEGMENT),
    ]);
    const microsA = (((await a.cpuMs()) - before[0]) * 1000) / Math.max(1, resultA.total);
    const microsB = (((await b.cpuMs()) - before[1]) * 1000) / Math.max(1, resultB.total);
    ratios.push(microsB / microsA);
    segments.push({
      microsA,
      microsB,
      requestsA: resultA.total,
      requestsB: resultB.total,
      errorsA: resultA.errors,
      errorsB: resultB.errors,
    });
    console.log(
      `segment ${segment}: A ${microsA.toFixed(2)} µs/request (${resultA.total} requests, ${resultA.errors} errors), B ${microsB.toFixed(2)} (${resultB.total}, ${resultB.errors}), B/A ${(microsB / microsA).toFixed(3)}`,
    );
  }
  const sorted = [...ratios].sort((x, y) => x - y);
  const median = sorted[Math.floor((sorted.length - 1) / 2)] ?? Number.NaN;
  const verdict = `B/A server CPU per request, median of ${ratios.length}: ${median.toFixed(3)} (range ${sorted[0]?.toFixed(3)}-${sorted.at(-1)?.toFixed(3)})`;
  console.log(verdict);
  const exported =
    sink === undefined
      ? ''
      : `OTLP stand-in collector: ${sink.received.exports} exports, ${(sink.received.bytes / 1e6).toFixed(2)} MB over the run (warm-up included)`;
  if (exported !== '') console.log(exported);
  await writeResults(
    RESULTS_NAME,
    {
      a: { dir: shown(dirA), revision: revisionA, code: CODE_A, env: envA },
      b: { dir: shown(dirB), revision: revisionB, code: CODE_B, env: envB },
      ...(sink === undefined ? {} : { otlpSink: sink.received }),
      visitorHeaders: VISITOR_HEADERS,
      traffic: { a: TRAFFIC_A, b: TRAFFIC_B },
      segmentSeconds: SEGMENT,
      warmup: WARMUP,
      connections: CONNECTIONS,
      serverCpu: SERVER_CPU,
      loadCpu: LOAD_CPU,
      segments,
      medianRatio: median,
    },
    {
      title: 'Edge A/B: server CPU per hot redirect',
      body: [
        `A = \`${shown(dirA)}\` at ${describeRevision(revisionA)} on \`/${CODE_A}\`, B = \`${shown(dirB)}\` at ${describeRevision(revisionB)} on \`/${CODE_B}\`${VISITOR_HEADERS['user-agent'] === undefined ? '' : ' (browser User-Agent and Accept-Language)'}${trafficNote === '' ? '' : `; ${trafficNote}`}; both on CPU ${SERVER_CPU} at once, loads on CPU ${LOAD_CPU}, ${CONNECTIONS} connections each, ${WARMUP} s warm-up, ${SEGMENTS} segments of ${SEGMENT} s.`,
        '',
        ...[
          Object.keys(envA).length > 0 ? `A adds \`${process.env.ENV_A}\`.` : '',
          Object.keys(envB).length > 0 ? `B adds \`${process.env.ENV_B}\`.` : '',
          exported,
        ].filter((line) => line !== ''),
        '',
        `**${verdict}**`,
        '',
        '| segment | A µs/request | B µs/request | B/A | requests A / B | errors A / B |',
        '| --- | --- | --- | --- | --- | --- |',
        ...segments.map(
          (seg, i) =>
            `| ${i + 1} | ${seg.microsA.toFixed(2)} | ${seg.microsB.toFixed(2)} | ${(seg.microsB / seg.microsA).toFixed(3)} | ${seg.requestsA} / ${seg.requestsB} | ${seg.errorsA} / ${seg.errorsB} |`,
        ),
      ].join('\n'),
    },
  );
} finally {
  for (const server of servers) await server.stop();
  await stack.stop();
  await sink?.close();
}
