import type { ChildProcess } from 'node:child_process';
import { connect } from 'node:net';

/**
 * The shipped reverse-proxy example (`file`) with one of its settings changed for a test; fails when the example
 * no longer holds `from`, so a test never runs a config it did not mean to.
 */
export function replaceInExample(file: string, text: string, from: string, to: string): string {
  if (!text.includes(from)) throw new Error(`${file} no longer contains ${JSON.stringify(from)}`);
  return text.replaceAll(from, to);
}

/** Resolves once `child` (a proxy named `name`) accepts connections on 127.0.0.1:`port`; fails if it exits first. */
export async function waitForPort(
  name: string,
  port: number,
  child: ChildProcess,
  output: () => string,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited (${child.exitCode}): ${output()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`${name} did not listen on ${port}: ${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
