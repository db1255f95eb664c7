import { type SpawnSyncReturns, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from './paths.ts';

const script = join(repoRoot, 'infra/redis/restore-snapshot.sh');
const hasRedis = spawnSync('redis-server', ['--version']).status === 0;
const TIMEOUT_MS = 30_000;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

const cli = (port: number, ...args: string[]): string =>
  spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], {
    encoding: 'utf8',
    timeout: 5000,
  }).stdout.trim();

/** A redis-server like the queue Redis (AOF on) on `dir`; resolves once it answers PING. */
async function startRedis(dir: string, port: number): Promise<void> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--save', ''],
    { stdio: 'ignore', detached: false },
  );
  child.unref();
  const deadline = Date.now() + 10_000;
  while (cli(port, 'ping') !== 'PONG') {
    if (Date.now() > deadline) throw new Error(`redis-server on ${port} did not answer`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A queue Redis with jobs, a snapshot of it, then a write after the snapshot; the server is stopped. */
async function snapshotAndStop(dir: string): Promise<string> {
  const port = await freePort();
  await startRedis(dir, port);
  cli(port, 'rpush', 'bull:clicks:wait', 'job-1', 'job-2', 'job-3');
  cli(port, 'set', 'session', 'kept');
  cli(port, 'bgsave');
  while (!cli(port, 'info', 'persistence').includes('rdb_bgsave_in_progress:0')) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const snapshot = join(dir, '..', `snapshot-${port}.rdb`);
  copyFileSync(join(dir, 'dump.rdb'), snapshot);
  cli(port, 'set', 'written-after-the-snapshot', 'x');
  cli(port, 'shutdown');
  return snapshot;
}

describe.skipIf(!hasRedis)('infra/redis/restore-snapshot.sh', () => {
  const root = mkdtempSync(join(tmpdir(), 'boltlink-redis-restore-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it(
    'restores the snapshot into an AOF data directory, and the server starts from it',
    async () => {
      const dir = mkdtempSync(join(root, 'data-'));
      const snapshot = await snapshotAndStop(dir);

      const restorePort = await freePort();
      const result: SpawnSyncReturns<string> = spawnSync('sh', [script, snapshot, dir], {
        encoding: 'utf8',
        env: { ...process.env, RESTORE_PORT: String(restorePort) },
        timeout: TIMEOUT_MS,
      });
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      expect(result.stdout).toContain('restored 2 keys');

      const port = await freePort();
      await startRedis(dir, port);
      try {
        expect(cli(port, 'lrange', 'bull:clicks:wait', '0', '-1').split('\n')).toEqual([
          'job-1',
          'job-2',
          'job-3',
        ]);
        expect(cli(port, 'get', 'session')).toBe('kept');
        expect(cli(port, 'exists', 'written-after-the-snapshot')).toBe('0');
      } finally {
        cli(port, 'shutdown', 'nosave');
      }
    },
    TIMEOUT_MS,
  );

  it(
    'is needed: a dump.rdb copied over an AOF data directory is ignored at start',
    async () => {
      const dir = mkdtempSync(join(root, 'naive-'));
      const snapshot = await snapshotAndStop(dir);
      rmSync(join(dir, 'appendonlydir'), { recursive: true, force: true });
      copyFileSync(snapshot, join(dir, 'dump.rdb'));

      const port = await freePort();
      await startRedis(dir, port);
      try {
        expect(cli(port, 'dbsize')).toBe('0');
      } finally {
        cli(port, 'shutdown', 'nosave');
      }
    },
    TIMEOUT_MS,
  );
});
