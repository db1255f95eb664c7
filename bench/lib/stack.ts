import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runMigrations } from '@boltlink/db/migrate';
import { startPostgres } from '@boltlink/local-servers/postgres';
import { startRedis } from '@boltlink/local-servers/redis';
import { pinProcessTree } from './processes.ts';

export interface BenchStack {
  databaseUrl: string;
  redisUrl: string;
  /**
   * Pins the local Postgres and Redis (all their processes) to `cpu`, so a server measured on another core has
   * that core to itself, as it would with the databases on their own hosts. No-op for servers from the env.
   */
  pinInfrastructure(cpu: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Postgres and Redis for a benchmark: the servers in DATABASE_URL / REDIS_URL when set, otherwise throwaway
 * local ones (embedded Postgres without fsync, redis-server without AOF) removed afterwards.
 */
export async function startBenchStack(): Promise<BenchStack> {
  const envDb = process.env.DATABASE_URL;
  const envRedis = process.env.REDIS_URL;
  const root = await mkdtemp(join(tmpdir(), 'boltlink-bench-'));
  // Embedded Postgres runs as an unprivileged user when we are root; it must be able to enter the directory.
  await chmod(root, 0o755);
  const postgres = envDb
    ? undefined
    : await startPostgres({ dataDir: join(root, 'pg'), database: 'boltlink', ephemeral: true });
  const redis = envRedis ? undefined : await startRedis({ dataDir: join(root, 'redis'), appendOnly: false });
  const databaseUrl = envDb ?? postgres?.url ?? '';
  const redisUrl = envRedis ?? redis?.url ?? '';
  await runMigrations(databaseUrl);
  return {
    databaseUrl,
    redisUrl,
    async pinInfrastructure(cpu) {
      for (const server of [postgres, redis]) if (server !== undefined) await pinProcessTree(server.pid, cpu);
    },
    async stop() {
      await redis?.stop();
      await postgres?.stop();
      await rm(root, { recursive: true, force: true });
    },
  };
}
