import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';

const serverEntry = new URL('../../src/server.ts', import.meta.url).pathname;
const appDir = new URL('../..', import.meta.url).pathname;

/** The edge's server.ts running as its own process (a primary and its workers with WEB_CONCURRENCY > 1). */
export interface EdgeProcess {
  child: ChildProcess;
  /** Everything it wrote so far, stdout and stderr interleaved. */
  output: () => string;
  /** The JSON log lines it wrote so far, parsed. */
  lines: () => Record<string, unknown>[];
  /** The JSON log lines as written, for what parsing would hide (a key written twice). */
  rawLines: () => string[];
  /** Resolves with the exit code once the process has exited (null when a signal ended it). */
  exited: () => Promise<number | null>;
  /** SIGTERM, then SIGKILL after `graceMs` if it has not exited; nothing if it has. */
  stop: (graceMs?: number) => Promise<void>;
}

/** Starts `server.ts` with exactly `env` (plus PATH), as an operator would run it. */
export function spawnEdge(env: Record<string, string>): EdgeProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', serverEntry], {
    cwd: appDir,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exit = once(child, 'exit').then(([code]) => code as number | null);
  const rawLines = () => output.split('\n').filter((line) => line.startsWith('{'));
  return {
    child,
    output: () => output,
    rawLines,
    lines: () => rawLines().map((line) => JSON.parse(line) as Record<string, unknown>),
    exited: () => exit,
    async stop(graceMs = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exit;
      clearTimeout(timer);
    },
  };
}
