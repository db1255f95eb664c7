import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { dockerEngineAnswers } from './docker.ts';
import { chooseProvider, environmentUrls } from './servers.ts';

describe('dockerEngineAnswers', () => {
  // No clock in these assertions (a busy machine stretches any bound): the answer must come long before the
  // timeout it was given, which would otherwise outlast the test's own 20 s limit.
  it('is false at once when the socket does not exist', { timeout: 20_000 }, async () => {
    expect(await dockerEngineAnswers({ DOCKER_HOST: 'unix:///nonexistent/docker.sock' }, 600_000)).toBe(
      false,
    );
  });

  it('gives up after the timeout when something listens but never answers', async () => {
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const address = silent.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      expect(await dockerEngineAnswers({ DOCKER_HOST: `tcp://127.0.0.1:${port}` }, 300)).toBe(false);
    } finally {
      silent.close();
    }
  });
});

describe('chooseProvider', () => {
  it('uses the servers named by DATABASE_URL and REDIS_URL', async () => {
    const env = { DATABASE_URL: 'postgres://u:p@db:5432/x', REDIS_URL: 'redis://cache:6379' };
    expect(await chooseProvider(env)).toBe('env');
  });

  it('prefers the shared set that make test exports over DATABASE_URL and REDIS_URL', async () => {
    const env = { BOLTLINK_TEST_DATABASE_URL: 'postgres://t@a/b', BOLTLINK_TEST_REDIS_URL: 'redis://c' };
    expect(await chooseProvider({ ...env, DATABASE_URL: 'postgres://dev@x/y' })).toBe('env');
    expect(environmentUrls({ ...env, DATABASE_URL: 'postgres://dev@x/y', REDIS_URL: 'redis://d' })).toEqual({
      databaseUrl: 'postgres://t@a/b',
      redisUrl: 'redis://c',
    });
  });

  it('falls back to local servers without Docker', async () => {
    expect(await chooseProvider({ DOCKER_HOST: 'unix:///nonexistent/docker.sock' })).toBe('local');
  });

  it('honours and validates BOLTLINK_TEST_PROVIDER', async () => {
    expect(await chooseProvider({ BOLTLINK_TEST_PROVIDER: 'containers' })).toBe('containers');
    await expect(chooseProvider({ BOLTLINK_TEST_PROVIDER: 'podman' })).rejects.toThrow(
      /local" or "containers/,
    );
  });
});
