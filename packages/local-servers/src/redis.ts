import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from './free-port.ts';
import { isRunning, OutputTail, sleep, terminate, trackChild } from './process.ts';

export { freePort, isPortFree } from './free-port.ts';

export type MaxmemoryPolicy =
  | 'noeviction'
  | 'allkeys-lru'
  | 'allkeys-lfu'
  | 'allkeys-random'
  | 'volatile-lru'
  | 'volatile-lfu'
  | 'volatile-random'
  | 'volatile-ttl';

export interface StartRedisOptions {
  /** Where the AOF/RDB files live. Omitted: a temporary directory removed on stop(). */
  dataDir?: string;
  /** Omitted: a free port chosen by the kernel. */
  port?: number;
  /** AOF with fsync every second (default true: BullMQ queues must survive a restart). */
  appendOnly?: boolean;
  /** Default `noeviction`: an evicting Redis silently loses BullMQ jobs. */
  maxmemoryPolicy?: MaxmemoryPolicy;
  /** e.g. `256mb`; omitted means no limit. */
  maxmemory?: string;
  /**
   * A Redis Cluster node (`cluster-enabled yes`, its nodes.conf in the data directory) that counts a peer as
   * failed after `nodeTimeoutMs` without an answer. The cluster bus listens on `busPort` (omitted: a free
   * port; Redis's own default, port + 10000, may be taken or beyond 65535). See ./redis-cluster.
   */
  cluster?: { nodeTimeoutMs: number; busPort?: number };
  /** Binary to run (default: `redis-server` from PATH). */
  binary?: string;
  /** Run in its own process group so a terminal Ctrl-C reaches only the parent, which then stops it in order. */
  detached?: boolean;
  /** Receives the server's log lines. */
  onLog?: (line: string) => void;
  startTimeoutMs?: number;
}

export interface LocalRedis {
  url: string;
  port: number;
  pid: number;
  dataDir: string;
  /** Graceful: SHUTDOWN via SIGTERM (Redis flushes the AOF), then SIGKILL if it hangs. */
  stop(): Promise<void>;
  /** Abrupt SIGKILL, as in a crash (chaos tests). */
  kill(): Promise<void>;
  /** Resolves when the process exits for any reason. */
  exited: Promise<void>;
}

export async function startRedis(options: StartRedisOptions = {}): Promise<LocalRedis> {
  const port = options.port ?? (await freePort());
  const ownsDataDir = options.dataDir === undefined;
  const dataDir =
    options.dataDir === undefined
      ? await mkdtemp(join(tmpdir(), 'boltlink-redis-'))
      : resolve(options.dataDir);
  await mkdir(dataDir, { recursive: true });
  const pidFile = join(dataDir, 'redis-server.pid');
  await refuseIfAlreadyServed(pidFile, dataDir);

  const appendOnly = options.appendOnly ?? true;
  const args = [
    '--bind',
    '127.0.0.1',
    '--port',
    String(port),
    '--dir',
    dataDir,
    '--daemonize',
    'no',
    '--protected-mode',
    'yes',
    '--logfile',
    '',
    '--pidfile',
    pidFile,
    '--save',
    '',
    '--appendonly',
    appendOnly ? 'yes' : 'no',
    '--appendfsync',
    'everysec',
    '--maxmemory-policy',
    options.maxmemoryPolicy ?? 'noeviction',
    // A replica's first sync starts at once: Redis 7's default waits 5 s for more replicas to share one
    // diskless transfer, which made every local cluster and Sentinel pair 5 s slower to become healthy.
    '--repl-diskless-sync-delay',
    '0',
  ];
  if (options.maxmemory !== undefined) args.push('--maxmemory', options.maxmemory);
  if (options.cluster !== undefined) {
    args.push(
      '--cluster-enabled',
      'yes',
      '--cluster-config-file',
      join(dataDir, 'nodes.conf'),
      '--cluster-port',
      String(options.cluster.busPort ?? (await freePort())),
      '--cluster-node-timeout',
      String(options.cluster.nodeTimeoutMs),
      // A replica may take over however long it was cut off: on one host the replica is never far behind,
      // and a cluster whose primary is gone must not stay down for want of a fresh-enough replica.
      '--cluster-replica-validity-factor',
      '0',
    );
  }

  const binary = options.binary ?? 'redis-server';
  const child = spawn(binary, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.detached ?? false,
  });
  const tail = new OutputTail();
  const onOutput = (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    tail.push(text);
    if (options.onLog) for (const line of text.split('\n')) if (line.trim() !== '') options.onLog(line);
  };
  child.stdout?.on('data', onOutput);
  child.stderr?.on('data', onOutput);

  const spawnError = new Promise<Error>((resolveError) => {
    child.once('error', (error: NodeJS.ErrnoException) => {
      resolveError(
        error.code === 'ENOENT'
          ? new Error(
              `${binary} was not found on PATH. Install Redis 6.2+ (Debian/Ubuntu: apt-get install redis-server, macOS: brew install redis) or set REDIS_URL.`,
            )
          : error,
      );
    });
  });
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  trackChild(child, 'SIGKILL');

  const cleanup = async () => {
    if (ownsDataDir) await rm(dataDir, { recursive: true, force: true });
  };

  try {
    await Promise.race([
      waitForPong(port, child, options.startTimeoutMs ?? 20_000),
      spawnError.then((error) => Promise.reject(error)),
    ]);
  } catch (error) {
    await terminate(child, [{ signal: 'SIGKILL', timeoutMs: 2_000 }]);
    await cleanup();
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`redis-server did not start on 127.0.0.1:${port}: ${reason}\n${tail.toString()}`);
  }

  const pid = child.pid;
  if (pid === undefined) throw new Error('redis-server started without a pid');

  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    pid,
    dataDir,
    exited,
    async stop() {
      await terminate(child, [{ signal: 'SIGTERM', timeoutMs: 10_000 }]);
      await cleanup();
    },
    async kill() {
      await terminate(child, []);
    },
  };
}

/**
 * Redis does not lock its directory: a second server on the same AOF (say, one orphaned by a killed
 * `make up`, still on the old port) would corrupt it. Its pid file says whether one is still running.
 */
async function refuseIfAlreadyServed(pidFile: string, dataDir: string): Promise<void> {
  const pid = Number.parseInt(await readFile(pidFile, 'utf8').catch(() => ''), 10);
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return;
  const command = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() =>
    isAlive(pid) ? 'redis-server' : '',
  );
  if (command.includes('redis-server')) {
    throw new Error(
      `another redis-server (PID ${pid}) is already using ${dataDir}; stop it first (kill ${pid})`,
    );
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitForPong(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (!isRunning(child)) throw new Error(`process exited with code ${child.exitCode ?? child.signalCode}`);
    last = await ping(port).catch((error: Error) => error.message);
    if (last === '+PONG') return;
    await sleep(50);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for PING (last: ${last})`);
}

/** One inline-protocol PING; answers `+PONG`, or `-LOADING ...` while the AOF is replayed. */
export function ping(port: number, host = '127.0.0.1', timeoutMs = 1_000): Promise<string> {
  return new Promise((resolvePing, reject) => {
    const socket = connect({ host, port });
    let buffer = '';
    socket.setTimeout(timeoutMs, () => {
      socket.destroy();
      reject(new Error('PING timed out'));
    });
    socket.once('error', reject);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      const end = buffer.indexOf('\r\n');
      if (end >= 0) {
        socket.end();
        resolvePing(buffer.slice(0, end));
      }
    });
  });
}
