import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('../', import.meta.url));
const script = fileURLToPath(new URL('./fixtures/next-tick-feedback.ts', import.meta.url));
// A cold tsx start takes seconds while other packages' tests run in parallel.
const CHILD_TIMEOUT_MS = 30_000;

/** The states V8 records for the computed-key properties of Node's next-tick entry, after a GC between ticks. */
function entryFeedbackAfterGc(retain: boolean): string[] {
  const args = ['--allow-natives-syntax', '--expose-gc', '--no-sparkplug', '--import', 'tsx', script];
  if (retain) args.push('--retain');
  // V8 prints straight to the stdout file descriptor: into a pipe, part of it is lost; a file gets it all.
  const dir = mkdtempSync(join(tmpdir(), 'boltlink-tick-'));
  try {
    const output = join(dir, 'stdout');
    const fd = openSync(output, 'w');
    const result = spawnSync(process.execPath, args, {
      cwd: packageDir,
      encoding: 'utf8',
      stdio: ['ignore', fd, 'pipe'],
      timeout: CHILD_TIMEOUT_MS,
    });
    closeSync(fd);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    return parseStates(readFileSync(output, 'utf8'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function parseStates(stdout: string): string[] {
  return [...stdout.matchAll(/DefineKeyedOwnPropertyInLiteral (\w+)/g)].map((match) => match[1] ?? '');
}

describe('retainNextTickShape', () => {
  it(
    'without it, a GC while no next tick is queued leaves the entry literal megamorphic (the slow mode)',
    () => {
      // The control. Should it ever fail, Node no longer builds its entries this way and the retention can go.
      expect(entryFeedbackAfterGc(false)).toContain('MEGAMORPHIC');
    },
    CHILD_TIMEOUT_MS,
  );

  it(
    'keeps every property of the entry literal monomorphic across that GC',
    () => {
      const states = entryFeedbackAfterGc(true);
      expect(states.length).toBeGreaterThan(0);
      expect(states.every((state) => state === 'MONOMORPHIC')).toBe(true);
    },
    CHILD_TIMEOUT_MS,
  );
});
