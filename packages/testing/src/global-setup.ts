import { join, sep } from 'node:path';
import type { TestProject } from 'vitest/node';
import { randomSuffix, type TestEnvironment } from './context.ts';
import { deleteKeysContaining } from './redis-cleanup.ts';
import { chooseProvider, startServerSet } from './servers.ts';
import { createTemplateDatabase, dropDatabasesWithPrefix } from './template.ts';

export const DATABASE_PREFIX = 'bl_t_';

/**
 * vitest globalSetup: one Postgres and one Redis for the run (from DATABASE_URL/REDIS_URL, Docker or local
 * binaries) and one migrated template database. Test files reach them with createTestDatabase() and
 * testRedisUrl(); everything this run created is dropped on teardown.
 */
export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  // The same vitest.config.ts serves unit runs (`--dir src`): those get no servers, and start faster.
  if (!(await needsServers(project))) return undefined;
  const startedAt = Date.now();
  const provider = await chooseProvider();
  const servers = await startServerSet(provider);
  const runId = randomSuffix(8);
  const runPrefix = `${DATABASE_PREFIX}${runId}_`;
  const templateDatabase = `${runPrefix}template`;

  try {
    await createTemplateDatabase(servers.postgresAdminUrl, templateDatabase);
  } catch (error) {
    await dropDatabasesWithPrefix(servers.postgresAdminUrl, runPrefix).catch(() => []);
    await servers.stop();
    throw error;
  }

  const environment: TestEnvironment = {
    provider,
    postgresAdminUrl: servers.postgresAdminUrl,
    templateDatabase,
    redisUrl: servers.redisUrl,
    runId,
  };
  project.provide('boltlinkTest', environment);
  if (process.env.BOLTLINK_TEST_VERBOSE) {
    console.info(`[boltlink/testing] ${provider} servers and template ready in ${Date.now() - startedAt} ms`);
  }

  return async () => {
    // Servers we started are thrown away whole; shared ones (env URLs) are cleaned of this run's leftovers.
    if (provider === 'env') {
      await dropDatabasesWithPrefix(servers.postgresAdminUrl, runPrefix);
      await deleteKeysContaining(servers.redisUrl, runId);
    }
    await servers.stop();
  };
}

async function needsServers(project: TestProject): Promise<boolean> {
  const { testFiles } = await project.globTestFiles();
  const integrationDir = join(project.config.root, 'test') + sep;
  return testFiles.some((file) => file.startsWith(integrationDir));
}
