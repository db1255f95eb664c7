import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, services } from './paths.ts';

const pinnedNode = readFileSync(join(repoRoot, '.node-version'), 'utf8').trim();
const pinnedPnpm = (
  JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { packageManager: string }
).packageManager.split('@')[1] as string;

// The Dockerfile's own variable reference, written literally (not a JS template placeholder).
const NODE_IMAGE_REF = '$' + '{NODE_IMAGE}';

interface Instruction {
  keyword: string;
  args: string;
}

/** Dockerfile instructions with line continuations joined and comments dropped. */
function instructions(file: string): Instruction[] {
  const text = readFileSync(join(repoRoot, 'infra/docker', file), 'utf8').replace(/\\\n\s*/g, ' ');
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const [keyword, ...rest] = line.split(/\s+/);
      return { keyword: (keyword as string).toUpperCase(), args: rest.join(' ') };
    });
}

const args = (list: Instruction[], keyword: string): string[] =>
  list.filter((i) => i.keyword === keyword).map((i) => i.args);

function checkCommon(list: Instruction[]): void {
  const nodeImage = args(list, 'ARG').find((a) => a.startsWith('NODE_IMAGE='));
  // The exact Node release the repository pins (.node-version), on Debian bookworm (where tini comes
  // from): not `26-slim` or `latest`, and not a different Node from the one the tests ran on.
  expect(nodeImage).toBe(`NODE_IMAGE=node:${pinnedNode}-bookworm-slim`);
  // Every stage starts from that image or from an earlier stage.
  const stages: string[] = [];
  for (const from of args(list, 'FROM')) {
    const [base, , stage] = from.split(' ');
    expect(base === NODE_IMAGE_REF || stages.includes(base as string), from).toBe(true);
    if (stage) stages.push(stage);
  }
  const run = args(list, 'RUN').join('\n');
  expect(run).toMatch(new RegExp(`npm install --global .*pnpm@${pinnedPnpm.replaceAll('.', '\\.')}( |$)`));
  expect(run).toContain('pnpm install --frozen-lockfile');
  expect(run).toContain('apt-get install --yes --no-install-recommends tini');
  expect(args(list, 'ENTRYPOINT')).toEqual(['["/usr/bin/tini", "--"]']);
  // The runtime stage ends as the unprivileged user.
  const lastFrom = list.map((i) => i.keyword).lastIndexOf('FROM');
  expect(args(list.slice(lastFrom), 'USER')).toEqual(['node']);
}

describe.each(Object.entries(services))('%s.Dockerfile', (name, port) => {
  const list = instructions(`${name}.Dockerfile`);

  it('prunes the workspace to this service and deploys only its production dependencies', () => {
    checkCommon(list);
    const run = args(list, 'RUN').join('\n');
    expect(run).toContain(`turbo prune @boltlink/${name} --docker`);
    expect(run).toContain(`cd apps/${name} && node .build-app.mjs`);
    expect(run).toMatch(new RegExp(`pnpm --filter @boltlink/${name} deploy --prod`));
  });

  it(`exposes ${port}, checks /health with node and starts the bundle`, () => {
    expect(args(list, 'EXPOSE')).toEqual([String(port)]);
    const healthcheck = args(list, 'HEALTHCHECK')[0] ?? '';
    expect(healthcheck).toContain('CMD ["node"');
    expect(healthcheck).toContain('/health');
    expect(args(list, 'CMD').at(-1)).toBe('["node", "--enable-source-maps", "dist/server.js"]');
  });
});

describe('dashboard.Dockerfile', () => {
  const list = instructions('dashboard.Dockerfile');

  it('builds the pages with vite before bundling the server, and ships both', () => {
    const run = args(list, 'RUN');
    const pages = run.findIndex((r) => r.includes('cd apps/dashboard && pnpm exec vite build'));
    const server = run.findIndex((r) => r.includes('cd apps/dashboard && node .build-app.mjs'));
    expect(pages).toBeGreaterThanOrEqual(0);
    // The server reads dist/public when it starts: the pages must be in dist/ before it is copied out.
    expect(server).toBeGreaterThan(pages);
    expect(run.join('\n')).toContain('cp -r apps/dashboard/dist /out/dist');
  });
});

describe('migrate.Dockerfile', () => {
  const list = instructions('migrate.Dockerfile');

  it('has a migrate target that runs the bundled packages/db migration CLI', () => {
    checkCommon(list);
    expect(args(list, 'FROM').at(-1)).toBe(`${NODE_IMAGE_REF} AS migrate`);
    const run = args(list, 'RUN').join('\n');
    expect(run).toContain('turbo prune @boltlink/db --docker');
    expect(run).toContain('pnpm --filter @boltlink/db deploy --prod');
    expect(run).toContain('packages/db/src/migrate-cli.ts');
    expect(args(list, 'ENV').join(' ')).toContain('MIGRATIONS_DIR=/app/drizzle');
    expect(args(list, 'CMD').at(-1)).toBe('["node", "--enable-source-maps", "dist/migrate-cli.js"]');
  });
});
