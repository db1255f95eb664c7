import { basename } from 'node:path';
import { test as base, expect } from 'vitest';
import { createTestDatabase, type TestDatabase } from './postgres.ts';
import { testRedisUrl, uniquePrefix } from './redis.ts';

/** How long one fixture's teardown may take before the file fails with its name instead of hanging. */
export const TEARDOWN_BOUND_MS = 15_000;

/**
 * Runs a teardown step with a time bound: a client that never answers `quit()` fails the file, naming the
 * step, instead of holding the worker until vitest's own timeout says nothing useful.
 */
export async function bounded(label: string, close: () => Promise<unknown>, ms = TEARDOWN_BOUND_MS) {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${label}: teardown did not finish within ${ms} ms`)), ms);
  });
  try {
    await Promise.race([close(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The test file's name without `.test.ts`, as a readable label in Redis prefixes and database names. */
function fileLabel(): string {
  const path = expect.getState().testPath;
  return path ? basename(path).replace(/\.test\.[cm]?[jt]s$/, '') : 'test';
}

/**
 * The shared fixtures every integration test file builds on, one per file (vitest `scope: 'file'`):
 *
 * - `database`: a migrated, empty database of its own (cloned from the run's template), dropped after the file;
 * - `prefix`: a Redis key and BullMQ queue prefix no other file uses, so the run's Redis is shared safely;
 * - `redisUrl`: the run's Redis.
 *
 * A test or a file-level hook asks for them by name: `test('…', async ({ database }) => …)`,
 * `test.beforeAll(async ({ database }) => …)`. Apps extend this `test` with a running service built on
 * them (see each app's test/support).
 */
export const test = base
  .extend('redisUrl', { scope: 'file' }, () => testRedisUrl())
  .extend('prefix', { scope: 'file' }, () => uniquePrefix(fileLabel()))
  // biome-ignore lint/correctness/noEmptyPattern: vitest reads a fixture's dependencies from this pattern, and it needs none.
  .extend('database', { scope: 'file' }, async ({}, { onCleanup }): Promise<TestDatabase> => {
    const database = await createTestDatabase();
    onCleanup(() => bounded('test database', () => database.drop()));
    return database;
  });

export type { TestDatabase };

/**
 * Marks an app's `test` as shared by every file of a worker. The apps run their files one after another in
 * one worker each (vitest `isolate: false`: the app's modules are imported once per worker, not once per file),
 * so a top-level `test.override(…)` in one file would change the fixtures of every later file of that worker.
 * It throws instead, naming the file-local way: a file's own `test`, extended from the shared one.
 */
export function sharedByFiles<T extends object>(test: T, instead: string): T {
  Object.defineProperty(test, 'override', {
    value: () => {
      throw new Error(
        `test.override would change this fixture for every later file of the worker (isolate: false); give the file its own test instead: ${instead}`,
      );
    },
  });
  return test;
}
