import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const fixture = fileURLToPath(new URL('./fixtures/shutdown-app.ts', import.meta.url));
const packageDir = fileURLToPath(new URL('..', import.meta.url));

interface Fixture {
  child: ChildProcess;
  lines: Array<Record<string, unknown>>;
  address: string;
  /** Exit code, once the process has exited and all its output has been read. */
  exit: Promise<number | null>;
  waitForLog(msg: string): Promise<void>;
}

const started: ChildProcess[] = [];

async function startFixture(env: Record<string, string>): Promise<Fixture> {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture], {
    cwd: packageDir,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  started.push(child);
  const lines: Array<Record<string, unknown>> = [];
  const waiters: Array<() => void> = [];
  let buffered = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    for (const part of parts) if (part.trim()) lines.push(JSON.parse(part));
    for (const wake of waiters.splice(0)) wake();
  });
  // 'close', not 'exit': 'exit' can come before the last stdout chunk is read (node's child_process docs),
  // and on a loaded machine it did, so a log written just before exiting was missing from `lines`.
  let closed = false;
  const exit = new Promise<number | null>((resolve) =>
    child.once('close', (code) => {
      closed = true;
      resolve(code);
    }),
  );
  const waitForLog = async (msg: string) => {
    const deadline = Date.now() + 20_000;
    while (!lines.some((line) => line.msg === msg)) {
      if (Date.now() > deadline || closed) throw new Error(`no "${msg}" log line`);
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
  };
  await waitForLog('fixture listening');
  const address = String(lines.find((line) => line.msg === 'fixture listening')?.address);
  return { child, lines, address, exit, waitForLog };
}

const messages = (f: Fixture) => f.lines.map((line) => line.msg);

afterEach(() => {
  for (const child of started.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

describe('installGracefulShutdown', () => {
  it('on SIGTERM turns /ready 503, runs beforeClose, closes the app and exits 0', async () => {
    const f = await startFixture({ SHUTDOWN_MODE: 'ok' });
    expect((await fetch(`${f.address}/ready`)).status).toBe(200);
    f.child.kill('SIGTERM');
    await f.waitForLog('beforeClose started');
    // The server still accepts requests during beforeClose, and tells load balancers to go away.
    const ready = await fetch(`${f.address}/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ status: 'unavailable', detail: 'shutting down' });
    expect(await f.exit).toBe(0);
    const order = messages(f).filter((m) =>
      ['shutting down', 'beforeClose finished', 'onClose hook ran', 'shutdown complete'].includes(String(m)),
    );
    expect(order).toEqual(['shutting down', 'beforeClose finished', 'onClose hook ran', 'shutdown complete']);
    expect(f.lines.find((line) => line.msg === 'shutting down')).toMatchObject({ signal: 'SIGTERM' });
  });

  it('still closes the app when beforeClose fails, and logs the failure', async () => {
    const f = await startFixture({ SHUTDOWN_MODE: 'fail' });
    f.child.kill('SIGINT');
    expect(await f.exit).toBe(0);
    const failure = f.lines.find((line) => line.msg === 'beforeClose failed; closing anyway');
    expect(failure?.err).toMatchObject({ message: 'flush failed' });
    expect(messages(f)).toContain('onClose hook ran');
  });

  it('exits 1 when shutdown exceeds the delay', async () => {
    const f = await startFixture({ SHUTDOWN_MODE: 'hang', SHUTDOWN_DELAY_MS: '300' });
    f.child.kill('SIGTERM');
    expect(await f.exit).toBe(1);
    expect(f.lines.find((line) => line.msg === 'shutdown timed out, exiting with code 1')).toMatchObject({
      delayMs: 300,
    });
    expect(messages(f)).not.toContain('onClose hook ran');
  });

  it('exits 1 at once on a second signal instead of waiting for a stuck shutdown', async () => {
    const f = await startFixture({ SHUTDOWN_MODE: 'hang', SHUTDOWN_DELAY_MS: '60000' });
    f.child.kill('SIGTERM');
    await f.waitForLog('beforeClose started');
    const sent = Date.now();
    f.child.kill('SIGINT');
    expect(await f.exit).toBe(1);
    expect(Date.now() - sent).toBeLessThan(5000);
    expect(f.lines.find((line) => line.msg === 'second signal during shutdown, exiting now')).toMatchObject({
      signal: 'SIGINT',
    });
  });
});
