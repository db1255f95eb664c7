import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, isPortFree, startRedis } from '../src/redis.ts';
import { processExists, redisCommand } from './resp.ts';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'boltlink-redis-test-'));
  dirs.push(dir);
  return dir;
}

describe('startRedis', () => {
  it('answers on 127.0.0.1 with noeviction and AOF by default, and stop() leaves no process', async () => {
    const redis = await startRedis();
    try {
      expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}`);
      expect(await redisCommand(redis.port, 'PING')).toBe('+PONG\r\n');
      expect(await redisCommand(redis.port, 'CONFIG', 'GET', 'maxmemory-policy')).toContain('noeviction');
      expect(await redisCommand(redis.port, 'CONFIG', 'GET', 'appendonly')).toContain('yes');
      expect(await redisCommand(redis.port, 'CONFIG', 'GET', 'bind')).toContain('127.0.0.1');
    } finally {
      await redis.stop();
    }
    expect(processExists(redis.pid)).toBe(false);
    expect(await isPortFree(redis.port)).toBe(true);
  });

  it('applies the eviction policy and memory limit it is given', async () => {
    const redis = await startRedis({ maxmemoryPolicy: 'allkeys-lru', maxmemory: '64mb', appendOnly: false });
    try {
      expect(await redisCommand(redis.port, 'CONFIG', 'GET', 'maxmemory-policy')).toContain('allkeys-lru');
      expect(await redisCommand(redis.port, 'CONFIG', 'GET', 'maxmemory')).toContain(
        String(64 * 1024 * 1024),
      );
      expect(await redisCommand(redis.port, 'CONFIG', 'GET', 'appendonly')).toContain('no');
    } finally {
      await redis.stop();
    }
  });

  it('keeps data across a graceful restart on the same data dir and port', async () => {
    const dataDir = await tempDir();
    const port = await freePort();
    const first = await startRedis({ dataDir, port });
    await redisCommand(port, 'SET', 'greeting', 'hello');
    await first.stop();

    const second = await startRedis({ dataDir, port });
    try {
      expect(await redisCommand(port, 'GET', 'greeting')).toBe('$5\r\nhello\r\n');
    } finally {
      await second.stop();
    }
  });

  it('refuses a second server on a data dir that a running one uses', async () => {
    const dataDir = await tempDir();
    const first = await startRedis({ dataDir });
    try {
      await expect(startRedis({ dataDir })).rejects.toThrow(
        new RegExp(`another redis-server \\(PID ${first.pid}\\) is already using`),
      );
    } finally {
      await first.stop();
    }
    // Once it is gone (even if the pid file was left behind by a crash), the directory is free again.
    const second = await startRedis({ dataDir });
    await second.kill();
    const third = await startRedis({ dataDir });
    await third.stop();
  });

  it('kill() stops the server abruptly, as a crash would', async () => {
    const redis = await startRedis();
    await redis.kill();
    expect(processExists(redis.pid)).toBe(false);
    await expect(redisCommand(redis.port, 'PING')).rejects.toThrow();
    await redis.stop();
  });

  it('fails with the server output when the port is taken', async () => {
    const blocker = createServer();
    const port = await freePort();
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
    try {
      await expect(startRedis({ port, startTimeoutMs: 5_000 })).rejects.toThrow(
        /did not start.*\n[\s\S]*(in use|bind)/i,
      );
    } finally {
      blocker.close();
    }
  });

  it('says what to install when the binary is missing', async () => {
    await expect(startRedis({ binary: 'redis-server-does-not-exist' })).rejects.toThrow(
      /not found on PATH.*REDIS_URL/,
    );
  });
});
