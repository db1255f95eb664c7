// The local runner (`make up`): run with `node --import tsx --test scripts/stack/*.test.ts` (make test does).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { EXIT_CONFIG } from '@boltlink/config/env';
import { ServiceProcess } from './service.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const fixtures = fileURLToPath(new URL('./fixtures', import.meta.url));

function runUp(env: Record<string, string>) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'scripts/stack/up.ts'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
}

describe('make up', () => {
  it('refuses a bad EDGE_PORT by name before starting anything, and exits 78', () => {
    const result = runUp({ EDGE_PORT: 'abc' });
    assert.equal(result.status, EXIT_CONFIG, result.stderr);
    assert.match(
      result.stderr,
      /EDGE_PORT: must be an integer port number between 1 and 65535 \(got "abc"\)/,
    );
    assert.doesNotMatch(result.stdout, /postgres|redis|migrations/);
  });

  it('names DATABASE_URL when it is not a Postgres URL', () => {
    const result = runUp({ DATABASE_URL: 'nonsense' });
    assert.equal(result.status, EXIT_CONFIG, result.stderr);
    assert.match(result.stderr, /DATABASE_URL: must be a valid postgres:\/\/ or postgresql:\/\/ URL/);
    assert.doesNotMatch(result.stderr, /ENOTFOUND|\n\s+at /);
  });
});

describe('ServiceProcess', () => {
  it('does not restart a service that exits on a configuration error', async () => {
    const lines: string[] = [];
    const gaveUp: Array<[string, number]> = [];
    let done: () => void = () => {};
    const stopped = new Promise<void>((resolve) => {
      done = resolve;
    });
    const service = new ServiceProcess(
      { name: 'config-error', dir: 'config-error', port: 1 },
      {
        root: fixtures,
        env: { PATH: process.env.PATH ?? '' },
        log: (source, line) => lines.push(`${source}: ${line}`),
        onGiveUp: (_name, reason, exitCode) => {
          gaveUp.push([reason, exitCode]);
          done();
        },
      },
    );
    service.start();
    await stopped;
    // A restart would come after 1 s: wait past it.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.deepEqual(gaveUp, [
      [`refused its configuration (exit ${EXIT_CONFIG}, not restarted)`, EXIT_CONFIG],
    ]);
    assert.ok(!lines.some((line) => line.includes('restarting')), lines.join('\n'));
    assert.ok(
      lines.some((line) => line.includes('PORT: must be an integer port number')),
      lines.join('\n'),
    );
    await service.stop(1000);
  });
});
