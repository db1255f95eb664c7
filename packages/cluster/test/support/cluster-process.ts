import { type ChildProcess, spawn } from 'node:child_process';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';

export interface LogLine {
  level: string;
  time: number;
  pid: number;
  /** The worker a primary's line is about (the line's own `pid` is the primary's). */
  workerPid?: number;
  msg: string;
  [field: string]: unknown;
}

export interface ClusterProcess {
  child: ChildProcess;
  lines: LogLine[];
  waitForLog(predicate: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const fixture = fileURLToPath(new URL('../fixtures/http-server.ts', import.meta.url));

/** Starts the fixture service (primary + workers) as a real process tree and follows its JSON logs. */
export function startFixture(env: Record<string, string>): ClusterProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: LogLine[] = [];
  const listeners = new Set<() => void>();
  let buffer = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk;
    let newline = buffer.indexOf('\n');
    while (newline !== -1) {
      const raw = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      if (raw.startsWith('{')) lines.push(JSON.parse(raw) as LogLine);
      newline = buffer.indexOf('\n');
    }
    for (const listener of listeners) listener();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });

  const waitForLog = (predicate: (line: LogLine) => boolean, timeoutMs = 15_000): Promise<LogLine> =>
    new Promise((resolve, reject) => {
      const check = (): boolean => {
        const found = lines.find(predicate);
        if (!found) return false;
        listeners.delete(listener);
        clearTimeout(timer);
        resolve(found);
        return true;
      };
      const listener = (): void => {
        check();
      };
      const timer = setTimeout(() => {
        listeners.delete(listener);
        reject(
          new Error(
            `log line not seen within ${timeoutMs} ms; got:\n${lines.map((l) => JSON.stringify(l)).join('\n')}`,
          ),
        );
      }, timeoutMs);
      if (!check()) listeners.add(listener);
    });

  return { child, lines, waitForLog, exited };
}

/** One GET on a fresh connection (no keep-alive), so each request is dealt to a worker anew. */
export function getJson(
  port: number,
  path: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false, timeout: 5_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(body) }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}
