import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdir, readFile } from 'node:fs/promises';

// USER_HZ: 100 on every Linux configuration Node supports.
const CLOCK_TICKS = 100;

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  /** User + system CPU time the server has used so far, in milliseconds (from /proc). */
  cpuMs(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Starts a TypeScript entry point with tsx, pinned to `cpu` with taskset, and waits until GET /ready answers
 * 200. Output is kept and printed only if the process fails to become ready.
 */
export async function startServer(options: {
  entry: string;
  cwd: string;
  port: number;
  cpu: number;
  env: Record<string, string>;
  readyTimeoutMs?: number;
}): Promise<ServerProcess> {
  // BENCH_NODE_OPTIONS, e.g. `--cpu-prof --cpu-prof-dir=/tmp/edge-prof`, profiles the servers under load.
  const nodeArgs = (process.env.BENCH_NODE_OPTIONS ?? '').split(' ').filter((arg) => arg.length > 0);
  const args = ['-c', String(options.cpu), process.execPath, ...nodeArgs, '--import', 'tsx', options.entry];
  const child = spawn('taskset', args, {
    cwd: options.cwd,
    // No metrics port unless a bench asks for one: two servers of one run would both want the default.
    env: { ...process.env, METRICS_PORT: '0', ...options.env, PORT: String(options.port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-8000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const url = `http://127.0.0.1:${options.port}`;
  const deadline = Date.now() + (options.readyTimeoutMs ?? 30_000);
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`${options.entry} exited with ${child.exitCode}:\n${output}`);
    try {
      const res = await fetch(`${url}/ready`);
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${options.entry} not ready in time:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    url,
    child,
    async cpuMs() {
      // taskset execs node, so the child's pid is the server's. Fields 14 and 15 of stat: utime, stime in ticks.
      const stat = await readFile(`/proc/${child.pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
    },
    async stop() {
      if (process.env.BENCH_SHOW_OUTPUT === '1')
        process.stderr.write(`--- ${options.entry} output (tail)\n${output}\n`);
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await once(child, 'exit');
      clearTimeout(timer);
    },
  };
}

/** Runs lib/load-runner.ts pinned to `cpu` and returns its parsed result. */
export async function runPinnedLoad<T>(options: { cpu: number; cwd: string; scenario: object }): Promise<T> {
  const child = spawn(
    'taskset',
    [
      '-c',
      String(options.cpu),
      process.execPath,
      '--import',
      'tsx',
      'lib/load-runner.ts',
      JSON.stringify(options.scenario),
    ],
    { cwd: options.cwd, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let stdout = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`load runner exited with ${code}`);
  const last = stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(last) as T;
}

/** `pid` and every process descending from it, read from /proc. */
async function processTree(pid: number): Promise<number[]> {
  const parents = new Map<number, number>();
  for (const entry of await readdir('/proc')) {
    const child = Number(entry);
    if (!Number.isInteger(child)) continue;
    const stat = await readFile(`/proc/${child}/stat`, 'utf8').catch(() => '');
    // Field 4 (after the parenthesised command, which may contain spaces) is the parent pid.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (Number.isInteger(ppid)) parents.set(child, ppid);
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i += 1) {
    for (const [child, ppid] of parents) if (ppid === tree[i]) tree.push(child);
  }
  return tree;
}

/**
 * Pins a server and all its processes and threads (Postgres backends, Redis I/O threads) to `cpu`. Processes
 * forked later inherit the affinity, so Postgres connections opened afterwards stay there too.
 */
export async function pinProcessTree(pid: number, cpu: number): Promise<void> {
  for (const member of await processTree(pid)) {
    const child = spawn('taskset', ['-a', '-p', '-c', String(cpu), String(member)], { stdio: 'ignore' });
    const [code] = (await once(child, 'exit')) as [number | null];
    // A process that exited meanwhile is fine; anything else means the figures would be mislabelled.
    if (code !== 0 && (await readFile(`/proc/${member}/stat`).catch(() => null)) !== null)
      throw new Error(`taskset could not pin process ${member} to CPU ${cpu}`);
  }
}

/** CPU milliseconds a process and its reaped children have used (utime, stime, cutime, cstime). */
async function processCpuMs(pid: number, withChildren: boolean): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  if (stat === '') return 0;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks =
    Number(fields[11]) + Number(fields[12]) + (withChildren ? Number(fields[13]) + Number(fields[14]) : 0);
  return (ticks * 1000) / CLOCK_TICKS;
}

/** A process tree's CPU: the root with its reaped children, plus every live descendant. */
export async function treeCpuMs(root: number): Promise<number> {
  const parents = new Map<number, number>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    if (stat === '') continue;
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    parents.set(Number(entry), Number(fields[1]));
  }
  const inTree = (pid: number): boolean => {
    for (let p = pid, hops = 0; p > 1 && hops < 20; hops++) {
      if (p === root) return true;
      p = parents.get(p) ?? 0;
    }
    return false;
  };
  let total = await processCpuMs(root, true);
  for (const pid of parents.keys()) if (pid !== root && inTree(pid)) total += await processCpuMs(pid, false);
  return total;
}
