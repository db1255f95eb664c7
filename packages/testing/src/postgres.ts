import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createDb, createPool, type Db } from '@boltlink/db/client';
import { type LocalPostgres, startPostgres } from '@boltlink/local-servers/postgres';
import { startStreamingReplica } from '@boltlink/local-servers/postgres-replica';
import pg from 'pg';
import { inject } from 'vitest';
import { databaseUrlFor, randomSuffix, type TestEnvironment } from './context.ts';
import { makeTempRoot } from './servers.ts';
import { withAdminClient } from './template.ts';

export interface TestDatabase {
  /** Connection string of this file's own database. */
  url: string;
  name: string;
  pool: pg.Pool;
  db: Db;
  /** Closes the pool and drops the database. */
  drop(): Promise<void>;
}

export function testEnvironment(): TestEnvironment {
  const environment = inject('boltlinkTest');
  if (environment === undefined) {
    throw new Error(
      "@boltlink/testing: no test servers. Add globalSetup: ['@boltlink/testing/global-setup'] to vitest.config.ts " +
        '(defineIntegrationConfig() from @boltlink/testing/vitest-config does it).',
    );
  }
  return environment;
}

/**
 * A fresh, migrated database cloned from the run's template: one per test file, so files run in parallel
 * without seeing each other's rows. Call drop() in afterAll.
 */
export async function createTestDatabase(
  options: { poolMax?: number; environment?: TestEnvironment } = {},
): Promise<TestDatabase> {
  // A globalSetup of a package (no inject there) passes the environment it got from the project.
  const environment = options.environment ?? testEnvironment();
  const name = `bl_t_${environment.runId}_${randomSuffix(10)}`;
  await cloneTemplate(environment.postgresAdminUrl, environment.templateDatabase, name);
  const url = databaseUrlFor(environment.postgresAdminUrl, name);
  const pool = createPool({
    connectionString: url,
    max: options.poolMax ?? 5,
    applicationName: 'boltlink-test',
  });
  const db = createDb(pool);
  let dropped = false;
  return {
    url,
    name,
    pool,
    db,
    async drop() {
      if (dropped) return;
      dropped = true;
      await pool.end();
      await withAdminClient(environment.postgresAdminUrl, (client) =>
        client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`),
      );
    },
  };
}

async function cloneTemplate(adminUrl: string, template: string, name: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await withAdminClient(adminUrl, (client) =>
        client.query(
          `CREATE DATABASE ${client.escapeIdentifier(name)} TEMPLATE ${client.escapeIdentifier(template)}`,
        ),
      );
      return;
    } catch (error) {
      // 55006: "source database is being accessed by other users", e.g. a lingering migration connection.
      if ((error as { code?: string }).code !== '55006' || attempt >= 20) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
    }
  }
}

export interface PrivatePostgres {
  url: string;
  adminUrl: string;
  port: number;
  /** Graceful stop; the data stays, start() brings the same server back on the same port. */
  stop(): Promise<void>;
  /** Crash-like stop. */
  kill(): Promise<void>;
  start(): Promise<void>;
  /** Stops the server and deletes its data (and its replica's). */
  destroy(): Promise<void>;
  /** A streaming replica of this server (local servers only): a base backup of it, started as a hot standby. */
  startReplica(): Promise<PrivateReplica>;
}

export interface PrivateReplica {
  url: string;
  adminUrl: string;
  /** Stops applying the primary's WAL (it still arrives): the replica lags until resumed. */
  pauseReplay(): Promise<void>;
  resumeReplay(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A Postgres only this test uses (migrated, same port across restarts), for tests that stop and restart
 * the server. Always a local embedded Postgres: it ships with the workspace, so it works with or without
 * Docker, and stop/start keep both the data and the port.
 */
export async function startPrivatePostgres(options: { migrate?: boolean } = {}): Promise<PrivatePostgres> {
  const root = await makeTempRoot('boltlink-private-pg-');
  const dataDir = join(root, 'data');
  const replicas: LocalPostgres[] = [];
  let server: LocalPostgres | undefined = await startPostgres({
    dataDir,
    database: 'boltlink',
    ephemeral: true,
  });
  const { port, url, adminUrl } = server;
  if (options.migrate ?? true) {
    const { runMigrations } = await import('@boltlink/db/migrate');
    await runMigrations(url);
  }
  return {
    url,
    adminUrl,
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
      server = await startPostgres({ dataDir, port, database: 'boltlink', ephemeral: true });
    },
    async destroy() {
      for (const replica of replicas) await replica.stop();
      await server?.stop();
      server = undefined;
      await rm(root, { recursive: true, force: true });
    },
    async startReplica() {
      if (!server) throw new Error('start the primary before its replica');
      const replica = await startStreamingReplica(server, {
        dataDir: join(root, `replica-${replicas.length + 1}`),
        database: 'boltlink',
        ephemeral: true,
      });
      replicas.push(replica);
      const admin = async (statement: string) => {
        const client = new pg.Client({ connectionString: replica.adminUrl });
        await client.connect();
        try {
          await client.query(statement);
        } finally {
          await client.end();
        }
      };
      return {
        url: replica.url,
        adminUrl: replica.adminUrl,
        pauseReplay: () => admin('SELECT pg_wal_replay_pause()'),
        resumeReplay: () => admin('SELECT pg_wal_replay_resume()'),
        stop: () => replica.stop(),
      };
    },
  };
}
