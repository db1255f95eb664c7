/**
 * `make up`: Postgres and Redis (embedded, data under .data/, unless DATABASE_URL / REDIS_URL point at
 * existing servers), migrations, then the three services with readable, prefixed logs. Ctrl-C or SIGTERM
 * stops the services first (they flush to Redis and Postgres), then Redis, then Postgres.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, EXIT_CONFIG } from '@boltlink/config/env';
import { loadStackConfig } from '@boltlink/config/services';
import { runMigrations } from '@boltlink/db/migrate';
import { type LocalPostgres, startPostgres } from '@boltlink/local-servers/postgres';
import { freePort, isPortFree, type LocalRedis, startRedis } from '@boltlink/local-servers/redis';
import { createFormatter } from './log-format.ts';
import { createLogFilter, developmentEnv, readyBanner } from './output.ts';
import { ServiceProcess, type ServiceSpec } from './service.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const dataDir = join(root, '.data');
// Before anything starts: the runner's own variables (EDGE_PORT...) and what each service would be given,
// through the services' schemas, so a bad value is named here instead of failing deep inside a service.
function loadServices(): ServiceSpec[] {
  try {
    return loadStackConfig(process.env).map((service) => ({ ...service, dir: service.name }));
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`make up: ${error.message}\n`);
    process.exit(EXIT_CONFIG);
  }
}
const services = loadServices();

const format = createFormatter({
  color: process.stdout.isTTY === true && !process.env.NO_COLOR,
  width: Math.max(...services.map((service) => service.name.length)),
});
const shown = createLogFilter();
const log = (source: string, line: string) => {
  if (shown(source, line)) process.stdout.write(`${format(source, line)}\n`);
};
const say = (line: string) => log('stack', line);

let postgres: LocalPostgres | undefined;
let redis: LocalRedis | undefined;
const running: ServiceProcess[] = [];
let shuttingDown: Promise<void> | undefined;

function shutdown(reason: string, exitCode: number): Promise<void> {
  shuttingDown ??= (async () => {
    say(`stopping (${reason})`);
    const graceMs = Number(process.env.SHUTDOWN_TIMEOUT_MS ?? 10_000) + 5_000;
    await Promise.all(running.map((service) => service.stop(graceMs)));
    if (redis) {
      await redis.stop();
      say('redis stopped');
    }
    if (postgres) {
      await postgres.stop();
      say('postgres stopped');
    }
    say('everything stopped');
    process.exit(exitCode);
  })();
  return shuttingDown;
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    if (shuttingDown) say(`still stopping; ${signal} again is ignored so nothing is left behind`);
    // Stopping on request is the normal way out: a clean stop exits 0 (make would report "Error 130").
    void shutdown(signal, 0);
  });
}

async function choosePort(wanted: number, what: string): Promise<number> {
  if (await isPortFree(wanted)) return wanted;
  const port = await freePort();
  say(`port ${wanted} is in use: ${what} listens on ${port} instead`);
  return port;
}

async function startDatabases(): Promise<{ databaseUrl: string; redisUrl: string }> {
  await mkdir(dataDir, { recursive: true });
  let databaseUrl = process.env.DATABASE_URL;
  let redisUrl = process.env.REDIS_URL;

  const starting: Promise<void>[] = [];
  if (databaseUrl) say('using DATABASE_URL (no embedded Postgres)');
  else {
    starting.push(
      (async () => {
        const port = await choosePort(5432, 'postgres');
        const fresh = !existsSync(join(dataDir, 'postgres', 'PG_VERSION'));
        say(`${fresh ? 'initialising' : 'starting'} postgres in .data/postgres on 127.0.0.1:${port}`);
        postgres = await startPostgres({
          dataDir: join(dataDir, 'postgres'),
          port,
          user: 'boltlink',
          password: 'boltlink',
          database: 'boltlink',
          detached: true,
          onLog: (line) => {
            // Connection attempts during start-up and shutdown are expected: only real problems are shown.
            if (/ERROR|FATAL|PANIC/.test(line) && !/system is (starting up|shutting down)/.test(line))
              log('postgres', line);
          },
        });
        databaseUrl = postgres.url;
        say(`postgres ready: ${databaseUrl}`);
      })(),
    );
  }
  if (redisUrl) say('using REDIS_URL (no local Redis)');
  else {
    starting.push(
      (async () => {
        const port = await choosePort(6379, 'redis');
        redis = await startRedis({
          dataDir: join(dataDir, 'redis'),
          port,
          appendOnly: true,
          maxmemoryPolicy: 'noeviction',
          detached: true,
          onLog: (line) => {
            // '#' lines are Redis warnings, but its start/stop banner uses them too.
            if (/WARNING|[Ee]rror|[Ff]ailed|[Cc]orrupt/.test(line)) log('redis', line);
          },
        });
        redisUrl = redis.url;
        say(`redis ready: ${redisUrl} (AOF everysec, noeviction, data in .data/redis)`);
      })(),
    );
  }
  const results = await Promise.allSettled(starting);
  const failure = results.find((result) => result.status === 'rejected');
  if (failure) throw failure.reason;
  if (!databaseUrl || !redisUrl) throw new Error('no database or redis URL');
  return { databaseUrl, redisUrl };
}

async function checkServicePorts(): Promise<void> {
  const busy: string[] = [];
  for (const service of services) {
    if (!(await isPortFree(service.port))) busy.push(`${service.name} needs port ${service.port}`);
  }
  if (busy.length > 0) {
    throw new Error(`ports in use (another \`make up\` still running?): ${busy.join(', ')}`);
  }
}

async function waitUntilReady(startedAt: number): Promise<void> {
  const pending = new Set(services);
  const deadline = Date.now() + 120_000;
  while (pending.size > 0 && Date.now() < deadline && !shuttingDown) {
    for (const service of [...pending]) {
      const ok = await fetch(`http://127.0.0.1:${service.port}/ready`, { signal: AbortSignal.timeout(1_000) })
        .then((response) => response.status === 200)
        .catch(() => false);
      if (ok) pending.delete(service);
    }
    if (pending.size > 0) await new Promise((done) => setTimeout(done, 500));
  }
  if (shuttingDown) return;
  if (pending.size > 0) {
    say(
      `not ready after 120 s: ${[...pending].map((service) => service.name).join(', ')} (see their logs above)`,
    );
    return;
  }
  const seconds = ((Date.now() - startedAt) / 1000).toFixed(1);
  for (const line of readyBanner(
    services,
    `all services ready in ${seconds} s on Node ${process.versions.node}:`,
  ))
    say(line);
}

/**
 * The dashboard calls the API from the browser: the API must allow its origin, and it must know the API's.
 * Links in mails (password reset, invitations; when SMTP_URL is set) open the same dashboard.
 */
function dashboardEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const port = (name: string) => services.find((service) => service.name === name)?.port;
  const dashboard = port('dashboard');
  return {
    ...env,
    CORS_ORIGINS: env.CORS_ORIGINS ?? `http://localhost:${dashboard},http://127.0.0.1:${dashboard}`,
    API_URL: env.API_URL ?? `http://localhost:${port('management-api')}`,
    APP_URL: env.APP_URL ?? `http://localhost:${dashboard}`,
  };
}

/** The dashboard serves a static build (strict CSP, no dev server): build it from the current sources. */
async function buildDashboardPages(): Promise<void> {
  say('building the dashboard pages (vite build)');
  const cwd = join(root, 'apps', 'dashboard');
  const code = await new Promise<number | null>((done, fail) => {
    const child = spawn(
      process.execPath,
      [join(cwd, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', 'warn'],
      {
        cwd,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    for (const stream of [child.stdout, child.stderr])
      stream.on('data', (chunk) => log('dashboard', String(chunk).trimEnd()));
    child.on('error', fail);
    child.on('exit', done);
  });
  if (code !== 0) throw new Error(`vite build of the dashboard exited with ${code}`);
}

async function main(): Promise<void> {
  const startedAt = Date.now();
  await checkServicePorts();
  const { databaseUrl, redisUrl } = await startDatabases();
  if (shuttingDown) return;

  say('applying migrations');
  await runMigrations(databaseUrl);
  say('migrations applied');

  const missing = services.filter(
    (service) => !existsSync(join(root, 'apps', service.dir, 'src', 'server.ts')),
  );
  if (missing.length > 0) {
    throw new Error(`missing ${missing.map((service) => `apps/${service.dir}/src/server.ts`).join(', ')}`);
  }

  await buildDashboardPages();
  if (shuttingDown) return;
  const env = dashboardEnv(developmentEnv(process.env, { databaseUrl, redisUrl }));
  for (const spec of services) {
    const service = new ServiceProcess(spec, {
      root,
      env,
      log,
      onGiveUp: (name, reason, exitCode) => {
        say(`${name} ${reason}: stopping the stack`);
        void shutdown(
          `${name} ${exitCode === EXIT_CONFIG ? 'refused its configuration' : 'keeps crashing'}`,
          exitCode,
        );
      },
    });
    running.push(service);
    service.start();
  }
  await waitUntilReady(startedAt);
}

main().catch((error: unknown) => {
  say(`failed: ${error instanceof Error ? error.message : String(error)}`);
  void shutdown('start-up failed', 1);
});
