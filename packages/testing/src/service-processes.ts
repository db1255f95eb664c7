import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const appsDir = fileURLToPath(new URL('../../../apps/', import.meta.url));

export interface ServiceProcessSpec {
  /** The app's folder under apps/ (management-api, redirect-edge, analytics-consumer, dashboard). */
  dir: string;
  port: number;
  /** METRICS_PORT for the edge and the API; omitted for services without one. */
  metricsPort?: number;
}

export interface ServiceProcesses {
  /** SIGTERM to each, SIGKILL after 15 s; resolves once every process has exited. */
  close(): Promise<void>;
}

async function waitReady(url: string, child: ChildProcess, output: () => string, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${url} exited with ${child.exitCode}:\n${output()}`);
    const ok = await fetch(`${url}/ready`, { signal: AbortSignal.timeout(1000) })
      .then((res) => res.status === 200)
      .catch(() => false);
    if (ok) return;
    await new Promise((done) => setTimeout(done, 250));
  }
  throw new Error(`${url} not ready after ${ms} ms:\n${output()}`);
}

/**
 * BoltLink's services as they are deployed, each its own process (`node --import tsx src/server.ts` in its app
 * folder) on loopback, with `env` and its own PORT (and METRICS_PORT); resolves once every one answers 200 on
 * /ready. A service that exits or is not ready in `readyTimeoutMs` fails the start with its output, and the
 * ones started are stopped.
 */
export async function startServiceProcesses(
  services: readonly ServiceProcessSpec[],
  env: NodeJS.ProcessEnv,
  options: { readyTimeoutMs?: number } = {},
): Promise<ServiceProcesses> {
  const children: ChildProcess[] = [];
  const close = async () => {
    await Promise.all(
      children.map(async (child) => {
        if (child.exitCode !== null) return;
        const exited = new Promise((done) => child.once('exit', done));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(timer);
      }),
    );
  };
  try {
    await Promise.all(
      services.map(({ dir, port, metricsPort }) => {
        const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
          cwd: `${appsDir}${dir}`,
          env: {
            ...env,
            PORT: String(port),
            ...(metricsPort === undefined ? {} : { METRICS_PORT: String(metricsPort) }),
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        children.push(child);
        let output = '';
        child.stdout?.on('data', (chunk) => (output += chunk));
        child.stderr?.on('data', (chunk) => (output += chunk));
        return waitReady(`http://127.0.0.1:${port}`, child, () => output, options.readyTimeoutMs ?? 150_000);
      }),
    );
  } catch (error) {
    await close();
    throw error;
  }
  return { close };
}
