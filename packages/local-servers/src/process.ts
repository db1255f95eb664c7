import type { ChildProcess } from 'node:child_process';

/** Children still running when this process exits are killed synchronously, so a crash leaves nothing behind. */
const liveChildren = new Map<number, NodeJS.Signals>();
let exitHookInstalled = false;

export function trackChild(child: ChildProcess, exitSignal: NodeJS.Signals): void {
  const pid = child.pid;
  if (pid === undefined) return;
  liveChildren.set(pid, exitSignal);
  child.once('exit', () => liveChildren.delete(pid));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const [childPid, signal] of liveChildren) {
        try {
          process.kill(childPid, signal);
        } catch {
          // Already gone.
        }
      }
    });
  }
}

export function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/** Resolves once the child has exited, or false when it is still running after timeoutMs. */
export function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (!isRunning(child)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.off('exit', onExit);
      resolve(false);
    }, timeoutMs);
    const onExit = () => {
      clearTimeout(timer);
      resolve(true);
    };
    child.once('exit', onExit);
  });
}

/** Sends each signal in turn, waiting up to its timeout for the child to exit; SIGKILL is the last resort. */
export async function terminate(
  child: ChildProcess,
  steps: ReadonlyArray<{ signal: NodeJS.Signals; timeoutMs: number }>,
): Promise<void> {
  for (const step of steps) {
    if (!isRunning(child)) return;
    child.kill(step.signal);
    if (await waitForExit(child, step.timeoutMs)) return;
  }
  if (isRunning(child)) {
    child.kill('SIGKILL');
    await waitForExit(child, 5_000);
  }
}

/** Keeps the last lines a child printed, so a failed start can say why. */
export class OutputTail {
  readonly #lines: string[] = [];
  constructor(private readonly max = 40) {}

  push(chunk: string): void {
    for (const line of chunk.split('\n')) {
      if (line.trim() === '') continue;
      this.#lines.push(line);
      if (this.#lines.length > this.max) this.#lines.shift();
    }
  }

  toString(): string {
    return this.#lines.join('\n');
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
