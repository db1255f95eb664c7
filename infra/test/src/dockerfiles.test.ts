import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, services } from './paths.ts';

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

// The images install the same pnpm as scripts/pnpm.sh (package.json's packageManager) and the catalog's turbo.
const rootManifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
  packageManager: string;
};
const pnpmPin = rootManifest.packageManager;
const turboPin = /^\s*turbo: (\S+)$/m.exec(readFileSync(join(repoRoot, 'pnpm-workspace.yaml'), 'utf8'))?.[1];

const args = (list: Instruction[], keyword: string): string[] =>
  list.filter((i) => i.keyword === keyword).map((i) => i.args);

function checkCommon(list: Instruction[]): void {
  const nodeImage = args(list, 'ARG').find((a) => a.startsWith('NODE_IMAGE='));
  // An exact Node release on Debian bookworm (where tini comes from), not `20-slim` or `latest`.
  expect(nodeImage).toMatch(/^NODE_IMAGE=node:20\.\d+\.\d+-bookworm-slim$/);
  // Every stage starts from that image or from an earlier stage.
  const stages: string[] = [];
  for (const from of args(list, 'FROM')) {
    const [base, , stage] = from.split(' ');
    expect(base === NODE_IMAGE_REF || stages.includes(base as string), from).toBe(true);
    if (stage) stages.push(stage);
  }
  const run = args(list, 'RUN').join('\n');
  expect(run).toMatch(/npm install --global /);
  expect(run).toContain(`${pnpmPin} turbo@${turboPin}`);
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
