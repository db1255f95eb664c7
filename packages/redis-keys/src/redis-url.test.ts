import { Cluster, Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { createCacheRedis, createQueueRedis, createSubscriber } from './clients.ts';
import { parseRedisUrl, RedisUrlError, redisUrlProblem } from './redis-url.ts';

describe('parseRedisUrl', () => {
  it('passes redis:// and rediss:// URLs through untouched', () => {
    expect(parseRedisUrl('redis://:pw@127.0.0.1:6379/2')).toEqual({
      kind: 'standalone',
      url: 'redis://:pw@127.0.0.1:6379/2',
    });
    expect(parseRedisUrl('rediss://cache.example:6380').kind).toBe('standalone');
  });

  it('reads every part of a Sentinel URL, decoding percent-encoded credentials', () => {
    expect(
      parseRedisUrl(
        'redis-sentinel://app:p%40ss%2Fw@10.0.0.1:26380,[::1]:26381,sentinel-3/queues%2Deu?db=3&sentinelUsername=watch&sentinelPassword=a%2Bb&tls=TRUE',
      ),
    ).toEqual({
      kind: 'sentinel',
      sentinels: [
        { host: '10.0.0.1', port: 26380 },
        { host: '::1', port: 26381 },
        { host: 'sentinel-3', port: 26379 },
      ],
      masterName: 'queues-eu',
      username: 'app',
      password: 'p@ss/w',
      db: 3,
      sentinelUsername: 'watch',
      sentinelPassword: 'a+b',
      tls: true,
    });
  });

  it('defaults to db 0, no TLS and no credentials', () => {
    expect(parseRedisUrl('redis-sentinel://s1/mymaster')).toEqual({
      kind: 'sentinel',
      sentinels: [{ host: 's1', port: 26379 }],
      masterName: 'mymaster',
      db: 0,
      tls: false,
    });
    // A password alone, as in redis://:pw@host.
    expect(parseRedisUrl('redis-sentinel://:pw@s1/m')).toMatchObject({ password: 'pw' });
    expect(parseRedisUrl('redis-sentinel://:pw@s1/m')).not.toHaveProperty('username');
  });

  it.each([
    ['redis-sentinel://s1', 'naming its master group'],
    ['redis-sentinel://s1/', 'naming its master group'],
    ['redis-sentinel://s1/a/b', 'naming its master group'],
    ['redis-sentinel:///m', 'comma-separated list of host:port'],
    ['redis-sentinel://s1,,s2/m', 'comma-separated list of host:port'],
    ['redis-sentinel://s1:0/m', 'invalid: "s1:0"'],
    ['redis-sentinel://s1:port/m', 'invalid: "s1:port"'],
    ['redis-sentinel://s1/m?db=-1', 'db parameter is a database number'],
    ['redis-sentinel://s1/m?tls=yes', 'tls parameter is true or false'],
    ['redis-sentinel://s1/m?password=x', 'unknown: password'],
    ['redis-sentinel://:%zz@s1/m', 'correctly percent-encoded password'],
    ['http://127.0.0.1:6379', '(got http://)'],
    ['redis:', 'a redis:// URL with a host'],
    ['not a url', 'a valid URL'],
  ])('rejects %s', (url, problem) => {
    expect(() => parseRedisUrl(url)).toThrow(RedisUrlError);
    expect(redisUrlProblem(url)).toContain(problem);
  });

  it('never puts the URL, and so its password, in the error', () => {
    expect(() => parseRedisUrl('redis-sentinel://:hunter2@s1')).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('hunter2') }),
    );
  });

  it('reads the seed nodes, credentials and TLS of a Redis Cluster URL', () => {
    expect(parseRedisUrl('redis-cluster://10.0.0.1:7000,10.0.0.2:7001')).toEqual({
      kind: 'cluster',
      nodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: '10.0.0.2', port: 7001 },
      ],
      tls: false,
    });
    expect(parseRedisUrl('redis-cluster://app:p%40ss@[::1]:7000?tls=true')).toEqual({
      kind: 'cluster',
      nodes: [{ host: '::1', port: 7000 }],
      username: 'app',
      password: 'p@ss',
      tls: true,
    });
    expect(redisUrlProblem('redis-cluster://10.0.0.1:7000')).toBeUndefined();
  });

  it('refuses Redis Cluster URLs it cannot connect with, saying what is wrong', () => {
    // A cluster node needs its port: there is no conventional default to assume.
    expect(redisUrlProblem('redis-cluster://10.0.0.1')).toContain('host:port');
    expect(redisUrlProblem('redis-cluster://')).toContain('comma-separated list of host:port');
    expect(redisUrlProblem('redis-cluster://10.0.0.1:7000,')).toContain('comma-separated list of host:port');
    expect(redisUrlProblem('redis-cluster://10.0.0.1:7000/2')).toContain('single database');
    expect(redisUrlProblem('redis-cluster://10.0.0.1:7000?db=2')).toContain(
      'only the parameters tls (unknown: db)',
    );
    expect(redisUrlProblem('redis-cluster://10.0.0.1:7000?tls=yes')).toContain(
      'tls parameter is true or false',
    );
    expect(redisUrlProblem('redis-cluster://u:%zz@10.0.0.1:7000')).toContain('percent-encoded password');
  });
});

describe('client factories and topologies', () => {
  const sentinelUrl =
    'redis-sentinel://u:pw@127.0.0.1:26390,127.0.0.1:26391/boltlink?db=4&sentinelPassword=sp';

  it('build Sentinel clients with the same role presets as standalone ones', () => {
    const cache = createCacheRedis(sentinelUrl, { lazyConnect: true });
    const producer = createQueueRedis(sentinelUrl, 'producer', { lazyConnect: true });
    const worker = createQueueRedis(sentinelUrl, 'worker', { lazyConnect: true });
    const subscriber = createSubscriber(sentinelUrl, { lazyConnect: true });
    const sentinelOptions = {
      sentinels: [
        { host: '127.0.0.1', port: 26390 },
        { host: '127.0.0.1', port: 26391 },
      ],
      name: 'boltlink',
      username: 'u',
      password: 'pw',
      db: 4,
      sentinelPassword: 'sp',
      failoverDetector: true,
    };
    expect(cache.options).toMatchObject({
      ...sentinelOptions,
      enableAutoPipelining: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: 500,
    });
    expect(producer.options).toMatchObject({
      ...sentinelOptions,
      enableAutoPipelining: false,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
    });
    expect(worker.options).toMatchObject({
      ...sentinelOptions,
      enableAutoPipelining: false,
      maxRetriesPerRequest: null,
    });
    expect(subscriber.options).toMatchObject({ ...sentinelOptions, autoResubscribe: true });
    for (const client of [cache, producer, worker, subscriber]) expect(client).toBeInstanceOf(Redis);
    expect((cache as Redis).options.tls).toBeUndefined();
    for (const client of [cache, producer, worker, subscriber]) client.disconnect();
  });

  it('turn tls=true into TLS towards both the Sentinels and the master', () => {
    const client = createQueueRedis('redis-sentinel://s1/m?tls=true', 'worker', { lazyConnect: true });
    expect(client.options).toMatchObject({ tls: {}, sentinelTLS: {}, enableTLSForSentinelMode: true });
    client.disconnect();
  });

  it('build Redis Cluster clients with the role presets on every node connection', () => {
    const url = 'redis-cluster://u:pw@127.0.0.1:7000,127.0.0.1:7001?tls=true';
    const cache = createCacheRedis(url, { lazyConnect: true, connectionName: 'edge-cache' });
    const producer = createQueueRedis(url, 'producer', { lazyConnect: true, commandTimeoutMs: 800 });
    const worker = createQueueRedis(url, 'worker', { lazyConnect: true });
    const subscriber = createSubscriber(url, { lazyConnect: true });
    for (const client of [cache, producer, worker, subscriber]) expect(client).toBeInstanceOf(Cluster);
    const options = (client: unknown) => (client as Cluster).options;
    expect(options(cache)).toMatchObject({
      enableAutoPipelining: true,
      enableOfflineQueue: false,
      scaleReads: 'master',
      redisOptions: {
        connectionName: 'edge-cache',
        username: 'u',
        password: 'pw',
        tls: {},
        maxRetriesPerRequest: 1,
        commandTimeout: 500,
      },
    });
    expect(options(producer)).toMatchObject({
      enableAutoPipelining: false,
      enableOfflineQueue: false,
      redisOptions: { maxRetriesPerRequest: 1, commandTimeout: 800 },
    });
    expect(options(worker)).toMatchObject({
      enableOfflineQueue: true,
      redisOptions: { maxRetriesPerRequest: null },
    });
    expect(options(subscriber)).toMatchObject({ redisOptions: { autoResubscribe: true } });
    for (const client of [cache, producer, worker, subscriber]) client.disconnect();
  });
});
