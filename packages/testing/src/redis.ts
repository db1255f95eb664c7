import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { freePort, type LocalRedis, type MaxmemoryPolicy, startRedis } from '@boltlink/local-servers/redis';
import { randomSuffix } from './context.ts';
import { dockerEngineAnswers } from './docker.ts';
import { testEnvironment } from './postgres.ts';
import { makeTempRoot, REDIS_IMAGE } from './servers.ts';

/** The run's shared Redis. Share it safely by putting uniquePrefix() in every key and queue prefix. */
export function testRedisUrl(): string {
  return testEnvironment().redisUrl;
}

/**
 * A prefix no other test file (or run) uses, for REDIS_KEY_PREFIX and QUEUE_PREFIX alike, e.g.
 * `blt-links-3k9x02ab-q7c1`. It carries the run id, so teardown on a shared Redis can delete this run's keys.
 */
export function uniquePrefix(label: string): string {
  const safeLabel =
    label
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 24) || 'test';
  return `blt-${safeLabel}-${testEnvironment().runId}-${randomSuffix(6)}`;
}

export interface PrivateRedisOptions {
  appendOnly?: boolean;
  maxmemoryPolicy?: MaxmemoryPolicy;
  maxmemory?: string;
}

export interface PrivateRedis {
  url: string;
  port: number;
  /** Graceful stop; start() brings a server back on the same port (with the AOF data when appendOnly). */
  stop(): Promise<void>;
  /** Crash-like stop (SIGKILL). */
  kill(): Promise<void>;
  /**
   * A hung server (SIGSTOP): connections stay open and commands get no answer until `resume()` (SIGCONT).
   * Local redis-server only.
   */
  pause(): void;
  resume(): void;
  start(): Promise<void>;
  destroy(): Promise<void>;
  provider: 'local' | 'containers';
}

/**
 * A Redis only this test uses, for tests that stop and restart it (readiness, reconnection). A local
 * redis-server when one is on PATH (fast, keeps its AOF across restarts); otherwise a container on a fixed
 * host port, which comes back empty after stop()/start().
 */
export async function startPrivateRedis(options: PrivateRedisOptions = {}): Promise<PrivateRedis> {
  if (redisServerOnPath()) return startLocalPrivateRedis(options);
  if (await dockerEngineAnswers()) return startContainerPrivateRedis(options);
  throw new Error(
    'startPrivateRedis needs redis-server on PATH or a Docker engine (run ./scripts/ensure-redis.sh)',
  );
}

function redisServerOnPath(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

async function startLocalPrivateRedis(options: PrivateRedisOptions): Promise<PrivateRedis> {
  const root = await makeTempRoot('boltlink-private-redis-');
  const settings = { ...options, dataDir: join(root, 'data') };
  let server: LocalRedis | undefined = await startRedis(settings);
  const port = server.port;
  return {
    provider: 'local',
    url: server.url,
    port,
    async stop() {
      await server?.stop();
      server = undefined;
    },
    async kill() {
      await server?.kill();
      server = undefined;
    },
    async start() {
      if (server) return;
      server = await startRedis({ ...settings, port });
    },
    pause() {
      if (server) process.kill(server.pid, 'SIGSTOP');
    },
    resume() {
      if (server) process.kill(server.pid, 'SIGCONT');
    },
    async destroy() {
      await server?.stop();
      server = undefined;
      const { rm } = await import('node:fs/promises');
      await rm(root, { recursive: true, force: true });
    },
  };
}

async function startContainerPrivateRedis(options: PrivateRedisOptions): Promise<PrivateRedis> {
  const { RedisContainer } = await import('@testcontainers/redis');
  type Started = Awaited<ReturnType<InstanceType<typeof RedisContainer>['start']>>;
  const port = await freePort();
  const command = [
    'redis-server',
    '--appendonly',
    options.appendOnly === false ? 'no' : 'yes',
    '--maxmemory-policy',
    options.maxmemoryPolicy ?? 'noeviction',
  ];
  if (options.maxmemory) command.push('--maxmemory', options.maxmemory);
  // A fixed host port: clients under test reconnect to the same URL after start().
  const launch = () =>
    new RedisContainer(REDIS_IMAGE)
      .withExposedPorts({ container: 6379, host: port })
      .withCommand(command)
      .start();
  let container: Started | undefined = await launch();
  const url = `redis://${container.getHost()}:${port}`;
  return {
    provider: 'containers',
    url,
    port,
    async stop() {
      await container?.stop({ timeout: 5_000 });
      container = undefined;
    },
    async kill() {
      await container?.stop({ timeout: 0 });
      container = undefined;
    },
    async start() {
      container ??= await launch();
    },
    pause() {
      throw new Error('pause() needs a local redis-server (run ./scripts/ensure-redis.sh)');
    },
    resume() {
      throw new Error('resume() needs a local redis-server');
    },
    async destroy() {
      await container?.stop();
      container = undefined;
    },
  };
}
