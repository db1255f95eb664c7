import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type LocalDnsServer, startLocalDnsServer } from '@boltlink/local-servers/dns';
import { freePort } from '@boltlink/local-servers/free-port';
import { startSmtpServer, type TestSmtpServer } from '@boltlink/local-servers/smtp';
import type { TestEnvironment } from '@boltlink/testing/context';
import { createTestDatabase, type TestDatabase } from '@boltlink/testing/postgres';
import { type ServiceProcesses, startServiceProcesses } from '@boltlink/testing/service-processes';

const dashboardDir = fileURLToPath(new URL('../../', import.meta.url));

/** What a custom domain's CNAME points at in the stack (EDGE_HOSTNAME). */
const EDGE_HOSTNAME = 'edge.boltlink-e2e.test';
/**
 * A custom domain the stack's DNS server publishes a CNAME for, pointing at the edge: a person who adds it
 * can verify it (one workspace per stack at a time, as on the internet).
 */
export const VERIFIABLE_DOMAIN = 'go.orphans-e2e.test';

/** Where the services of the stack listen. */
export interface StackUrls {
  api: string;
  edge: string;
  dashboard: string;
}

export interface TestStack extends Omit<StackUrls, 'edge'> {
  /** The redirect edge; absent from a stack started with `edge: false`. */
  edge?: string;
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

/**
 * The real stack as `make up` runs it — management API, redirect edge, analytics consumer and dashboard,
 * each its own process — on free loopback ports, a fresh database and its own Redis prefix. Stopped (SIGTERM,
 * then SIGKILL) by `close()`.
 *
 * `email: true` turns email on (SMTP_URL to a loopback mail server, APP_URL to this dashboard), as a
 * deployment with a mail server runs: sign-up then waits for a mailed confirmation, so only a test file that
 * follows mails starts such a stack of its own; the shared one stays without email. `edge: false` leaves the
 * redirect edge out, for such a file whose people never open a short link (one service fewer to start).
 */
export async function startStack(
  environment: TestEnvironment,
  options: { email?: boolean; edge?: boolean } = {},
): Promise<TestStack> {
  const database: TestDatabase = await createTestDatabase({ environment });
  const prefix = `blt-dashboard-e2e-${environment.runId}${options.email ? `-mail-${process.pid}` : ''}`;
  const mail = options.email ? await startSmtpServer() : undefined;
  // Custom domains are looked up on a DNS server of the stack's own, never the host's resolver.
  const dns: LocalDnsServer = await startLocalDnsServer();
  dns.zone.cname.set(VERIFIABLE_DOMAIN, `${EDGE_HOSTNAME}.`);
  const [apiPort, edgePort, consumerPort, dashboardPort, apiMetricsPort, edgeMetricsPort] =
    (await Promise.all(Array.from({ length: 6 }, () => freePort()))) as [
      number,
      number,
      number,
      number,
      number,
      number,
    ];
  const url = (port: number) => `http://127.0.0.1:${port}`;
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
    // A click shows in the pages as soon as the pipeline can carry it: the edge enqueues its batch after 20 ms
    // (100 by default), the consumer writes it at once (it gathers for 500 ms by default, a saving in Postgres
    // CPU that the consumer's own tests cover), and requests that reached no link are flushed every 250 ms
    // (5 s by default). Tests poll for the figures; these only shorten the wait, not what is counted.
    CLICK_BATCH_INTERVAL_MS: '20',
    CLICK_INGEST_LINGER_MS: '0',
    ORPHAN_VISITS_FLUSH_MS: '250',
    DNS_SERVERS: dns.address,
    // The breakdowns (countries, devices, variants …) follow the clicks within this; 10 s by default.
    CLICK_ROLLUP_INTERVAL_MS: '200',
    EDGE_HOSTNAME,
    ...(mail
      ? { SMTP_URL: mail.url, MAIL_FROM: 'BoltLink <no-reply@boltlink.test>', APP_URL: url(dashboardPort) }
      : {}),
  };
  const services = [
    { dir: 'management-api', port: apiPort, metricsPort: apiMetricsPort },
    ...(options.edge === false
      ? []
      : [{ dir: 'redirect-edge', port: edgePort, metricsPort: edgeMetricsPort }]),
    { dir: 'analytics-consumer', port: consumerPort },
    { dir: 'dashboard', port: dashboardPort },
  ];
  let processes: ServiceProcesses | undefined;
  const close = async () => {
    await processes?.close();
    await mail?.stop();
    await dns.close();
    await database.drop();
  };
  try {
    processes = await startServiceProcesses(services, common);
  } catch (error) {
    await close();
    throw error;
  }
  return {
    api: url(apiPort),
    ...(options.edge === false ? {} : { edge: url(edgePort) }),
    dashboard: url(dashboardPort),
    ...(mail ? { mail } : {}),
    close,
  };
}
