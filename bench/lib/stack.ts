import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runMigrations } from '@boltlink/db/migrate';
import { type LocalPostgres, startPostgres } from '@boltlink/local-servers/postgres';
import { type LocalRedis, type MaxmemoryPolicy, startRedis } from '@boltlink/local-servers/redis';
import { pinProcessTree } from './processes.ts';

export interface BenchStackOptions {
  /**
   * Use the servers in DATABASE_URL / REDIS_URL when they are set (default). A bench that stops, kills or
   * freezes a server passes false: it needs servers of its own.
   */
  fromEnv?: boolean;
  /** Postgres with fsync on, as in production. Default off: most benches measure the services, not the disk. */
  durable?: boolean;
  /** redis-server settings; AOF is off unless asked for. */
  redis?: { appendOnly?: boolean; maxmemoryPolicy?: MaxmemoryPolicy };
}

export interface BenchStack {
  databaseUrl: string;
  redisUrl: string;
  /** 'fsync on', 'fsync off', or 'as configured' for a server from the environment. */
  durability: string;
  /** The local servers, for benches that stop or freeze them; undefined for servers from the environment. */
  postgres?: LocalPostgres;
  redis?: LocalRedis;
  /**
   * Pins the local Postgres and Redis (all their processes) to `cpu`, so a server measured on another core has
   * that core to itself, as it would with the databases on their own hosts. No-op for servers from the env.
   */
  pinInfrastructure(cpu: number): Promise<void>;
  /** Stops the local servers (the current ones, if a bench restarted them) and deletes their data. */
  stop(): Promise<void>;
}

/**
 * Postgres and Redis for a benchmark, migrated: the servers in DATABASE_URL / REDIS_URL when set, otherwise
 * throwaway local ones (embedded Postgres, redis-server) in a temporary directory removed by stop().
 */
export async function startBenchStack(options: BenchStackOptions = {}): Promise<BenchStack> {
  const fromEnv = options.fromEnv ?? true;
  const envDb = fromEnv ? process.env.DATABASE_URL : undefined;
  const envRedis = fromEnv ? process.env.REDIS_URL : undefined;
  const root = await mkdtemp(join(tmpdir(), 'boltlink-bench-'));
  // Embedded Postgres runs as an unprivileged user when we are root; it must be able to enter the directory.
  await chmod(root, 0o755);
  const ephemeral = !options.durable;
  const postgres = envDb
    ? undefined
    : await startPostgres({ dataDir: join(root, 'pg'), database: 'boltlink', ephemeral });
  const redis = envRedis
    ? undefined
    : await startRedis({
        dataDir: join(root, 'redis'),
        appendOnly: options.redis?.appendOnly ?? false,
        ...(options.redis?.maxmemoryPolicy ? { maxmemoryPolicy: options.redis.maxmemoryPolicy } : {}),
      });
  const databaseUrl = envDb ?? postgres?.url ?? '';
  const redisUrl = envRedis ?? redis?.url ?? '';
  await runMigrations(databaseUrl);
  const stack: BenchStack = {
    databaseUrl,
    redisUrl,
    durability: envDb ? 'as configured' : ephemeral ? 'fsync off' : 'fsync on',
    postgres,
    redis,
    async pinInfrastructure(cpu) {
      for (const server of [stack.postgres, stack.redis])
        if (server !== undefined) await pinProcessTree(server.pid, cpu);
    },
    async stop() {
      await stack.redis?.stop();
      await stack.postgres?.stop();
      await rm(root, { recursive: true, force: true });
    },
  };
  return stack;
}

/** The stack's own servers, for a bench that stops or freezes them (it starts the stack with fromEnv: false). */
export function localServers(stack: BenchStack): { postgres: LocalPostgres; redis: LocalRedis } {
  if (stack.postgres === undefined || stack.redis === undefined)
    throw new Error('this bench needs servers of its own: startBenchStack({ fromEnv: false })');
  return { postgres: stack.postgres, redis: stack.redis };
}
