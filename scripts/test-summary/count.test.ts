import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('./count.awk', import.meta.url));
const count = (log: string) => execFileSync('awk', ['-f', script], { input: log, encoding: 'utf8' }).trim();

describe("make test's summary count", () => {
  it('counts the vitest summary lines as turbo prints them, coloured or not', () => {
    const log = [
      '@boltlink/db:test:unit:       Tests  12 passed (12)',
      // vitest 5 through turbo: bold/green codes between the label, the number and "passed".
      '@boltlink/queues:test:unit: \u001b[2m      Tests \u001b[22m \u001b[1m\u001b[32m30 passed\u001b[39m\u001b[22m\u001b[2m | \u001b[22m\u001b[33m2 skipped\u001b[39m\u001b[90m (32)\u001b[39m',
      '@boltlink/queues:test:unit: \u001b[2m Test Files \u001b[22m \u001b[1m\u001b[32m4 passed\u001b[39m\u001b[22m\u001b[90m (4)\u001b[39m',
    ].join('\n');
    assert.equal(count(log), '42 2');
  });

  it("adds node's test runner counts, from its tap or its spec reporter", () => {
    assert.equal(count('# tests 9\n# pass 8\n# skipped 1\n# fail 0\n'), '8 1');
    assert.equal(count('ℹ tests 19\nℹ suites 4\nℹ pass 18\nℹ fail 0\nℹ skipped 1\n'), '18 1');
  });

  it('prints zeros for a log without counts', () => {
    assert.equal(count('nothing here\n'), '0 0');
  });
});
