import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { EXIT_CONFIG } from '@boltlink/config/env';
import { apiKeys } from '@boltlink/db/schema';
import { startPrivateRedis } from '@boltlink/testing/redis';
import { eq } from 'drizzle-orm';
import { describe, expect } from 'vitest';
import { test as apiTest, createApiKey, expectProblem, signup, startTestApi } from './support/api.ts';

const test = apiTest.extend('apiEnv', { scope: 'file' }, { CORS_ORIGINS: 'https://app.example.com' });

describe('operational endpoints', () => {
  test('answers /health, /ready and /health/dependencies, and keeps /metrics off its public port', async ({
    api,
  }) => {
    expect((await api.app.inject({ url: '/health' })).json()).toEqual({ status: 'ok' });
    const ready = await api.app.inject({ url: '/ready' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ready' });
    const dependencies = (await api.app.inject({ url: '/health/dependencies' })).json();
    expect(Object.keys(dependencies.dependencies).sort()).toEqual(['cacheRedis', 'postgres', 'queueRedis']);
    expect(dependencies.dependencies.postgres.up).toBe(true);
    await api.app.inject({ url: '/api/v1/me' });
    const publicMetrics = await api.app.inject({ url: '/metrics' });
    expect(publicMetrics.statusCode).toBe(404);
    expect(publicMetrics.body).not.toContain('process_');
    // The metrics port serves the same registry (METRICS_PORT, @boltlink/cluster).
    expect(await api.metrics.registry.metrics()).toMatch(
      /http_request_duration_seconds_count\{[^}]*route="\/api\/v1\/me"[^}]*\} 1/,
    );
  });

  test('applies the configured request, header and keep-alive timeouts to the HTTP server', ({ api }) => {
    expect(api.app.server.requestTimeout).toBe(30_000);
    expect(api.app.server.headersTimeout).toBe(10_000);
    expect(api.app.server.keepAliveTimeout).toBe(65_000);
  });

  test('sets security headers and allows CORS only for configured origins', async ({ api }) => {
    const res = await api.app.inject({ url: '/health', headers: { origin: 'https://app.example.com' } });
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['access-control-allow-origin']).toBe('https://app.example.com');
    const other = await api.app.inject({ url: '/health', headers: { origin: 'https://evil.example' } });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('failures', () => {
  test('hides internals of a 500 from the client and logs them with the request context', async () => {
    const broken = await startTestApi();
    try {
      const user = await signup(broken);
      await broken.database.pool.query('ALTER TABLE campaigns RENAME TO campaigns_gone');
      const res = await broken.app.inject({ url: '/api/v1/campaigns', headers: user.auth });
      const problem = expectProblem(res, 500);
      expect(problem.type).toBe('https://boltlink.dev/problems/internal');
      expect(res.body).not.toMatch(/campaigns|relation|select|stack/i);
      const line = broken.logs.map((l) => JSON.parse(l)).find((l) => l.level === 'error');
      expect(line.msg).toBe('unhandled error while serving request');
      expect(line.reqId).toBeDefined();
      expect(line.route).toBe('/api/v1/campaigns');
      expect(JSON.stringify(line.err)).toContain('campaigns');
      expect(problem.detail).toContain(String(line.reqId));
    } finally {
      await broken.close();
    }
  });

  test('stays ready while Redis is down, answering a retryable 503 itself, with the gauge at 0', async () => {
    const redis = await startPrivateRedis({ maxmemoryPolicy: 'noeviction' });
    const isolated = await startTestApi({
      REDIS_URL: redis.url,
      DEPENDENCY_CHECK_INTERVAL_MS: '100',
      DEPENDENCY_CHECK_TIMEOUT_MS: '500',
    });
    const queueRedisUp = async () =>
      /^boltlink_dependency_up\{dependency="queueRedis"[^}]*\} (\d)$/m.exec(
        await isolated.metrics.registry.metrics(),
      )?.[1];
    try {
      expect((await isolated.app.inject({ url: '/ready' })).statusCode).toBe(200);
      const user = await signup(isolated);
      await redis.stop();
      await expect.poll(queueRedisUp, { timeout: 5000 }).toBe('0');
      // Every API pod shares this Redis: failing /ready would empty the Service; the API answers 503s itself.
      expect((await isolated.app.inject({ url: '/ready' })).statusCode).toBe(200);
      // API requests answer a retryable 503 problem, not a 500.
      const request = await isolated.app.inject({ url: '/api/v1/me', headers: user.auth });
      expect(expectProblem(request, 503).type).toBe('https://boltlink.dev/problems/unavailable');
      expect(request.headers['retry-after']).toBe('5');
      await redis.start();
      await expect.poll(queueRedisUp, { timeout: 15_000, interval: 250 }).toBe('1');
      expect((await isolated.app.inject({ url: '/api/v1/me', headers: user.auth })).statusCode).toBe(200);
    } finally {
      await isolated.close().catch(() => undefined);
      await redis.destroy();
    }
  });
});

describe('shutdown', () => {
  test('answers /ready 503 once closing starts and flushes API key usage on close', async () => {
    const app = await startTestApi({}, undefined);
    const user = await signup(app);
    const key = await createApiKey(app, user.token);
    await app.app.inject({ url: '/api/v1/links', headers: key.auth });
    app.app.markShuttingDown();
    expect((await app.app.inject({ url: '/ready' })).statusCode).toBe(503);
    const db = app.database.db;
    await app.app.close();
    const [row] = await db.select().from(apiKeys).where(eq(apiKeys.id, key.id));
    expect(row?.lastUsedAt).toBeInstanceOf(Date);
    await app.close();
  });
});

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

describe('server process', () => {
  test('boots from the environment, becomes ready, and exits 0 on SIGTERM', async ({ api }) => {
    const port = await freePort();
    const cwd = fileURLToPath(new URL('..', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      cwd,
      env: {
        ...process.env,
        NODE_ENV: 'test',
        HOST: '127.0.0.1',
        PORT: String(port),
        METRICS_PORT: String(await freePort()),
        DATABASE_URL: api.database.url,
        REDIS_URL: (await import('@boltlink/testing/redis')).testRedisUrl(),
        REDIS_KEY_PREFIX: `${api.prefix}-proc`,
        QUEUE_PREFIX: `{${api.prefix}-proc}`,
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await expect
        .poll(
          async () => {
            // A process that died will never answer: report its output instead of waiting out the poll.
            if (child.exitCode !== null) return `exited ${child.exitCode}: ${output}`;
            try {
              return (await fetch(`http://127.0.0.1:${port}/ready`)).status;
            } catch {
              return 0;
            }
          },
          // Booting through tsx compiles the whole service; on a loaded two-core runner that alone has taken 30 s.
          { timeout: 90_000, interval: 250 },
        )
        .toBe(200);
      child.kill('SIGTERM');
      expect(await exited, output).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 120_000);

  test('exits 78 (EXIT_CONFIG) with one message listing every bad variable', async () => {
    const cwd = fileURLToPath(new URL('..', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      cwd,
      env: { ...process.env, NODE_ENV: 'production', PORT: 'abc', DATABASE_URL: 'not a url', APP_SECRET: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    // 'close' (not 'exit') fires once stderr has been read to the end.
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(code).toBe(EXIT_CONFIG);
    expect(stderr).toContain('PORT');
    expect(stderr).toContain('DATABASE_URL');
    expect(stderr).toContain('APP_SECRET');
    expect(stderr).not.toMatch(/\n\s+at /);
  }, 60_000);
});
