import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.ts';
import { isRunning, OutputTail, sleep, terminate, trackChild } from './process.ts';
import { ping } from './redis.ts';

export interface StartSentinelOptions {
  /** The master group this Sentinel monitors; quorum 1 lets a single Sentinel decide a failover. */
  monitor: { name: string; port: number; host?: string; quorum?: number };
  /** Omitted: a free port chosen by the kernel. */
  port?: number;
  /** How long the master must be unreachable before it counts as down (Sentinel's default is 30 s). */
  downAfterMs?: number;
  failoverTimeoutMs?: number;
  /** Binary to run (default: `redis-server` from PATH, started with --sentinel). */
  binary?: string;
  onLog?: (line: string) => void;
  startTimeoutMs?: number;
}

export interface LocalSentinel {
  /** `redis-sentinel://127.0.0.1:<port>/<name>`, the form BoltLink's REDIS_URL accepts. */
  url: string;
  port: number;
  pid: number;
  stop(): Promise<void>;
  kill(): Promise<void>;
  exited: Promise<void>;
}

/**
 * A Redis Sentinel on 127.0.0.1. Sentinel rewrites its config file as it learns about replicas and other
 * Sentinels, so the file lives in a temporary directory removed on stop().
 */
export async function startSentinel(options: StartSentinelOptions): Promise<LocalSentinel> {
  const port = options.port ?? (await freePort());
  const { name } = options.monitor;
  if (!/^[A-Za-z0-9._-]+$/.test(name))
    throw new Error(`invalid Sentinel master name ${JSON.stringify(name)}`);
  const dir = await mkdtemp(join(tmpdir(), 'boltlink-sentinel-'));
  const configFile = join(dir, 'sentinel.conf');
  await writeFile(
    configFile,
    [
      `port ${port}`,
      'bind 127.0.0.1',
      'protected-mode yes',
      'daemonize no',
      'logfile ""',
      `dir ${dir}`,
      `sentinel monitor ${name} ${options.monitor.host ?? '127.0.0.1'} ${options.monitor.port} ${options.monitor.quorum ?? 1}`,
      `sentinel down-after-milliseconds ${name} ${options.downAfterMs ?? 5_000}`,
      `sentinel failover-timeout ${name} ${options.failoverTimeoutMs ?? 10_000}`,
      `sentinel parallel-syncs ${name} 1`,
      '',
    ].join('\n'),
  );

  const binary = options.binary ?? 'redis-server';
  const child = spawn(binary, [configFile, '--sentinel'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const tail = new OutputTail();
  const onOutput = (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    tail.push(text);
    if (options.onLog) for (const line of text.split('\n')) if (line.trim() !== '') options.onLog(line);
  };
  child.stdout?.on('data', onOutput);
  child.stderr?.on('data', onOutput);
  const spawnError = new Promise<Error>((resolveError) => child.once('error', resolveError));
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  trackChild(child, 'SIGKILL');
  const cleanup = () => rm(dir, { recursive: true, force: true });

  try {
    const deadline = Date.now() + (options.startTimeoutMs ?? 20_000);
    const ready = (async () => {
      let last = 'no answer yet';
      while (Date.now() < deadline) {
        if (!isRunning(child))
          throw new Error(`process exited with code ${child.exitCode ?? child.signalCode}`);
        last = await ping(port).catch((error: Error) => error.message);
        if (last === '+PONG') return;
        await sleep(50);
      }
      throw new Error(`timed out waiting for PING (last: ${last})`);
    })();
    await Promise.race([ready, spawnError.then((error) => Promise.reject(error))]);
  } catch (error) {
    await terminate(child, [{ signal: 'SIGKILL', timeoutMs: 2_000 }]);
    await cleanup();
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`redis sentinel did not start on 127.0.0.1:${port}: ${reason}\n${tail.toString()}`);
  }

  const pid = child.pid;
  if (pid === undefined) throw new Error('redis sentinel started without a pid');
  return {
    url: `redis-sentinel://127.0.0.1:${port}/${name}`,
    port,
    pid,
    exited,
    async stop() {
      await terminate(child, [{ signal: 'SIGTERM', timeoutMs: 5_000 }]);
      await cleanup();
    },
    async kill() {
      await terminate(child, []);
      await cleanup();
    },
  };
}
