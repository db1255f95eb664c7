import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from '@boltlink/local-servers/free-port';
import { startSmtpServer, type TestSmtpServer } from '@boltlink/local-servers/smtp';
import type { TestEnvironment } from '@boltlink/testing/context';
import { createTestDatabase, type TestDatabase } from '@boltlink/testing/postgres';

const appsDir = fileURLToPath(new URL('../../../', import.meta.url));
const dashboardDir = fileURLToPath(new URL('../../', import.meta.url));

/** Where the services of the stack listen. */
export interface StackUrls {
  api: string;
  edge: string;
  dashboard: string;
}

export interface TestStack extends StackUrls {
  /** The loopback mail server the consumer sends to, with `email: true`. */
  mail?: TestSmtpServer;
  close(): Promise<void>;
}

/** Builds the dashboard's pages (vite build) from the current sources: the test must not run an old build. */
export function buildPages(): void {
  execFileSync(
    process.execPath,
    [`${dashboardDir}node_modules/vite/bin/vite.js`, 'build', '--logLevel', 'warn'],
    {
      cwd: dashboardDir,
      stdio: 'inherit',
    },
  );
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
 * The real stack as `make up` runs it — management API, redirect edge, analytics consumer and dashboard,
 * each its own process — on free loopback ports, a fresh database and its own Redis prefix. Stopped (SIGTERM,
 * then SIGKILL) by `close()`.
 *
 * `email: true` turns email on (SMTP_URL to a loopback mail server, APP_URL to this dashboard), as a
 * deployment with a mail server runs: sign-up then waits for a mailed confirmation, so only a test file that
 * follows mails starts such a stack of its own; the shared one stays without email.
 */
export async function startStack(
  environment: TestEnvironment,
  options: { email?: boolean } = {},
): Promise<TestStack> {
  const database: TestDatabase = await createTestDatabase({ environment });
  const prefix = `blt-dashboard-e2e-${environment.runId}${options.email ? `-mail-${process.pid}` : ''}`;
  const mail = options.email ? await startSmtpServer() : undefined;
  const [apiPort, edgePort, consumerPort, dashboardPort, ...metricsPorts] = await Promise.all(
    Array.from({ length: 6 }, () => freePort()),
  );
  const url = (port: number | undefined) => `http://127.0.0.1:${port}`;
  const common = {
    ...process.env,
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    WEB_CONCURRENCY: '1',
    DATABASE_URL: database.url,
    REDIS_URL: environment.redisUrl,
    REDIS_KEY_PREFIX: prefix,
    QUEUE_PREFIX: `{${prefix}}`,
    SHORT_DOMAINS: `127.0.0.1:${edgePort}`,
    SHORT_URL_SCHEME: 'http',
    CORS_ORIGINS: url(dashboardPort),
    API_URL: url(apiPort),
    // Every person of every test file comes from 127.0.0.1: the limits per client address would count the
    // whole suite as one client (300 requests a minute, 30 sign-ups an hour) and refuse it part-way.
    DEFAULT_RATE_LIMIT_MAX: '1000000',
    SIGNUP_RATE_LIMIT_MAX: '1000000',
    LOGIN_RATE_LIMIT_MAX: '1000000',
    NOT_FOUND_RATE_LIMIT_MAX: '1000000',
    ...(mail
      ? { SMTP_URL: mail.url, MAIL_FROM: 'BoltLink <no-reply@boltlink.test>', APP_URL: url(dashboardPort) }
      : {}),
  };
  const services = [
    { dir: 'management-api', port: apiPort, metricsPort: metricsPorts[0] },
    { dir: 'redirect-edge', port: edgePort, metricsPort: metricsPorts[1] },
    { dir: 'analytics-consumer', port: consumerPort },
    { dir: 'dashboard', port: dashboardPort },
  ];
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
    await mail?.stop();
    await database.drop();
  };
  try {
    await Promise.all(
      services.map(({ dir, port, metricsPort }) => {
        const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
          cwd: `${appsDir}${dir}`,
          env: {
            ...common,
            PORT: String(port),
            ...(metricsPort === undefined ? {} : { METRICS_PORT: String(metricsPort) }),
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        children.push(child);
        let output = '';
        child.stdout?.on('data', (chunk) => (output += chunk));
        child.stderr?.on('data', (chunk) => (output += chunk));
        return waitReady(url(port), child, () => output, 150_000);
      }),
    );
  } catch (error) {
    await close();
    throw error;
  }
  return {
    api: url(apiPort),
    edge: url(edgePort),
    dashboard: url(dashboardPort),
    ...(mail ? { mail } : {}),
    close,
  };
}
