import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

export interface LogLine {
  time: number;
  msg: string;
  [field: string]: unknown;
}

export interface ClusterServer {
  url: string;
  child: ChildProcess;
  lines: LogLine[];
  waitForLog(predicate: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

const edgeServer = fileURLToPath(new URL('../../apps/redirect-edge/src/server.ts', import.meta.url));

/** The command line (relative to bench/) that runs the real edge in WEB_CONCURRENCY processes. */
export function edgeEntry(): string[] {
  return [edgeServer];
}

/**
 * Starts a server (primary + workers) with tsx, follows its JSON log lines and waits until every worker
 * listens and GET /ready answers 200.
 */
export async function startClusterServer(options: {
  args: string[];
  cwd: string;
  port: number;
  workers: number;
  env: Record<string, string>;
}): Promise<ClusterServer> {
  const child = spawn(process.execPath, ['--import', 'tsx', ...options.args], {
    cwd: options.cwd,
    env: {
      ...process.env,
      // No metrics port unless a bench asks for one: two servers of one run would both want the default.
      METRICS_PORT: '0',
      ...options.env,
      PORT: String(options.port),
      WEB_CONCURRENCY: String(options.workers),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: LogLine[] = [];
  const waiters = new Set<() => void>();
  let buffer = '';
  let tail = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-4000);
  });
  child.stdout?.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    tail = (tail + chunk.toString()).slice(-4000);
    const parts = buffer.split('\n');
    buffer = parts.pop() ?? '';
    for (const raw of parts) {
      if (!raw.startsWith('{')) continue;
      try {
        const line = JSON.parse(raw) as { time: number | string; msg: string; [field: string]: unknown };
        // pino writes ISO time; the bench logger epoch ms.
        lines.push({ ...line, time: typeof line.time === 'string' ? Date.parse(line.time) : line.time });
      } catch {
        // not a log line
      }
    }
    for (const waiter of waiters) waiter();
  });
  const exited = once(child, 'exit').then(([code]) => code as number | null);

  const waitForLog = (predicate: (line: LogLine) => boolean, timeoutMs = 30_000): Promise<LogLine> =>
    new Promise((resolve, reject) => {
      const check = () => {
        const found = lines.find(predicate);
        if (!found) return;
        waiters.delete(check);
        clearTimeout(timer);
        resolve(found);
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`not logged within ${timeoutMs} ms; output tail:\n${tail}`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });

  const url = `http://127.0.0.1:${options.port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`${options.args.join(' ')} exited with ${child.exitCode}:\n${tail}`);
    const listening = lines.filter((line) => line.msg === 'worker listening').length;
    if (options.workers === 1 || listening >= options.workers) {
      const ready = await fetch(`${url}/ready`).then(
        (res) => res.status === 200,
        () => false,
      );
      if (ready) break;
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${options.args.join(' ')} not ready in time:\n${tail}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }

  return {
    url,
    child,
    lines,
    waitForLog,
    exited,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 40_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
