import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './paths.ts';

/** Settings as Postgres reads them: the last uncommented assignment of each name wins. */
function settings(file: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of readFileSync(file, 'utf8').split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    const match = /^([a-z_]+)\s*=?\s*(.+)$/.exec(line);
    if (match?.[1] && match[2]) out.set(match[1], match[2].replace(/^'(.*)'$/, '$1').trim());
  }
  return out;
}

describe('infra/postgres/postgresql.conf', () => {
  const conf = settings(join(repoRoot, 'infra/postgres/postgresql.conf'));

  // A job is acknowledged and an API write answered once its commit returns: a commit that a crash can
  // still lose would be a counted click or an accepted write gone without a retry.
  it('keeps every commit durable', () => {
    for (const name of ['fsync', 'synchronous_commit', 'full_page_writes']) {
      expect(conf.get(name) ?? 'on', name).not.toMatch(/^(off|false|0|local)$/i);
    }
  });
});
