/**
 * `make test`'s licence check: lists the production dependencies of every workspace package with
 * `pnpm --recursive licenses list --prod` and fails, naming each package, when one is outside the policy (policy.ts).
 */
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type LicensedPackage, violations } from './policy.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const output = execFileSync(
  join(root, 'scripts', 'pnpm.sh'),
  ['--recursive', 'licenses', 'list', '--prod', '--json'],
  {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'inherit'],
  },
);
const byLicence = JSON.parse(output) as Record<string, LicensedPackage[]>;
const packages = Object.values(byLicence).flat();
// A listing of nothing means pnpm was asked the wrong way (pnpm 12 lists only the root without
// --recursive), not that the workspace has no dependencies: a check that checks nothing must fail.
if (packages.length === 0) {
  process.stderr.write('licences: pnpm listed no production dependency at all; the check cannot run\n');
  process.exit(1);
}
const bad = violations(packages);
if (bad.length > 0) {
  process.stderr.write(
    `licences: ${bad.length} production ${bad.length === 1 ? 'dependency is' : 'dependencies are'} outside the policy (scripts/licences/policy.ts):\n`,
  );
  for (const line of bad) process.stderr.write(`  ${line}\n`);
  process.exit(1);
}
process.stdout.write(`licences: ${packages.length} production dependencies, all under allowed licences\n`);
