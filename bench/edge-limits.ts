// What one client can hold on the redirect edge: how long a connection whose request headers never complete
// stays open, and how many connections one address keeps open at once. One or two builds, side by side.
//
//   pnpm --filter @boltlink/bench edge-limits -- [label=]<edge dir A> [[label=]<edge dir B>]
//   e.g. git worktree add /tmp/edge-a <older commit> && (cd /tmp/edge-a && ./scripts/pnpm.sh install --offline)
//        pnpm --filter @boltlink/bench edge-limits -- before=/tmp/edge-a/apps/redirect-edge after=../apps/redirect-edge
//
// Per build, with the edge's defaults: PER_ADDRESS (1000) connections opened from 127.0.0.1, counted open
// one second later and then closed; then three connections watched until the edge closes them or WATCH_S
// (100) seconds pass: one that sends part of a request line and then nothing (stalled), one that sends a
// request line and then one header line a second for ever (trickling: never silent), and one that never
// sends a byte (silent). Writes bench/results/edge-limits.json and .md.
import { once } from 'node:events';
import net from 'node:net';
import { resolve } from 'node:path';
import { freePort } from '@boltlink/local-servers/redis';
import { type ServerProcess, startServer } from './lib/processes.ts';
import { writeResults } from './lib/results-file.ts';
import { benchEdgeEnv } from './lib/seed-link.ts';
import { startBenchStack } from './lib/stack.ts';

const PER_ADDRESS = Number(process.env.PER_ADDRESS ?? 1000);
const WATCH_S = Number(process.env.WATCH_S ?? 100);
const DOMAIN = 'bench.local';

const builds = process.argv
  .slice(2)
  .filter((arg) => arg !== '--')
  .map((arg) => {
    const eq = arg.indexOf('=');
    return eq === -1 ? { label: arg, dir: arg } : { label: arg.slice(0, eq), dir: arg.slice(eq + 1) };
  });
if (builds.length === 0 || builds.length > 2) {
  console.error(
    'usage: edge-limits.ts <edge dir A> [<edge dir B>] (each an apps/redirect-edge with its node_modules)',
  );
  process.exit(2);
}

interface BuildResult {
  label: string;
  dir: string;
  connectionsOpened: number;
  connectionsStillOpenAfter1s: number;
  /** Seconds until the edge closed the connection; null = still open after WATCH_S. */
  stalledHeldS: number | null;
  tricklingHeldS: number | null;
  silentHeldS: number | null;
  tricklingAnswer: string;
}

async function connect(port: number): Promise<net.Socket> {
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  await once(socket, 'connect');
  return socket;
}

async function perAddress(port: number): Promise<{ opened: number; open: number }> {
  const sockets: net.Socket[] = [];
  let closed = 0;
  for (let i = 0; i < PER_ADDRESS; i += 1) {
    const socket = await connect(port);
    socket.once('close', () => {
      closed += 1;
    });
    sockets.push(socket);
  }
  await new Promise((done) => setTimeout(done, 1000));
  const open = sockets.length - closed;
  for (const socket of sockets) socket.destroy();
  await new Promise((done) => setTimeout(done, 500));
  return { opened: sockets.length, open };
}

/** Seconds until the server closes `socket` (null after WATCH_S), and the first line it answered. */
async function held(
  socket: net.Socket,
  started: number,
  onTick?: () => void,
): Promise<[number | null, string]> {
  let answer = '';
  socket.setEncoding('latin1');
  socket.on('data', (chunk: string) => {
    answer += chunk;
  });
  const tick = onTick === undefined ? undefined : setInterval(onTick, 1000);
  let timer: NodeJS.Timeout | undefined;
  const closedAt = await Promise.race([
    once(socket, 'close').then(() => Date.now()),
    new Promise<null>((done) => {
      timer = setTimeout(() => done(null), WATCH_S * 1000);
    }),
  ]);
  clearTimeout(timer);
  if (tick !== undefined) clearInterval(tick);
  socket.destroy();
  return [closedAt === null ? null : (closedAt - started) / 1000, answer.split('\r\n')[0] ?? ''];
}

async function measure(label: string, dir: string, server: ServerProcess): Promise<BuildResult> {
  const port = Number(new URL(server.url).port);
  const { opened, open } = await perAddress(port);
  const started = Date.now();
  const stalled = await connect(port);
  stalled.write('GET /hot HT');
  const trickling = await connect(port);
  trickling.write(`GET /hot HTTP/1.1\r\nHost: ${DOMAIN}\r\n`);
  const silent = await connect(port);
  const [[stalledHeldS], [tricklingHeldS, tricklingAnswer], [silentHeldS]] = await Promise.all([
    held(stalled, started),
    held(trickling, started, () => {
      if (trickling.writable) trickling.write('X-Slow: 1\r\n');
    }),
    held(silent, started),
  ]);
  return {
    label,
    dir,
    connectionsOpened: opened,
    connectionsStillOpenAfter1s: open,
    stalledHeldS,
    tricklingHeldS,
    silentHeldS,
    tricklingAnswer,
  };
}

const stack = await startBenchStack();
const servers: ServerProcess[] = [];
try {
  const env = { ...benchEdgeEnv(stack, DOMAIN), LOG_LEVEL: 'warn', WEB_CONCURRENCY: '1' };
  for (const [i, { dir }] of builds.entries()) {
    servers.push(
      await startServer({
        entry: 'src/server.ts',
        cwd: resolve(dir),
        port: await freePort(),
        cpu: i % 2,
        env,
      }),
    );
  }
  console.log(
    `edge limits: ${builds.length} build(s) side by side, ${PER_ADDRESS} connections from one address, connections watched up to ${WATCH_S} s`,
  );
  const results = await Promise.all(
    builds.map(({ label, dir }, i) => measure(label, dir, servers[i] as ServerProcess)),
  );
  const seconds = (value: number | null) => (value === null ? `> ${WATCH_S}` : value.toFixed(1));
  const lines = [
    '| build | connections open of those opened from one address | stalled request line held (s) | trickling headers held (s), answer | silent connection held (s) |',
    '| --- | --- | --- | --- | --- |',
    ...results.map(
      (r) =>
        `| ${r.label} | ${r.connectionsStillOpenAfter1s} of ${r.connectionsOpened} | ${seconds(r.stalledHeldS)} | ${seconds(r.tricklingHeldS)}, ${r.tricklingAnswer || '(none)'} | ${seconds(r.silentHeldS)} |`,
    ),
  ];
  console.log(lines.join('\n'));
  await writeResults(
    'edge-limits',
    { perAddress: PER_ADDRESS, watchSeconds: WATCH_S, results },
    { title: 'Edge limits', body: lines.join('\n') },
  );
} finally {
  for (const server of servers) await server.stop();
  await stack.stop();
}
