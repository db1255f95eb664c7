import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ConfigError, describeConfig } from './env.ts';
import {
  ApiConfigSchema,
  ConsumerConfigSchema,
  EdgeConfigSchema,
  loadApiConfig,
  loadConsumerConfig,
  loadEdgeConfig,
} from './services.ts';

function issuesOf(fn: () => unknown): ConfigError['issues'] {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('service configs', () => {
  it('start on a fresh machine with no variables set', () => {
    const edge = loadEdgeConfig({});
    const api = loadApiConfig({});
    const consumer = loadConsumerConfig({});
    expect([edge.port, api.port, consumer.port]).toEqual([8080, 3000, 3001]);
    for (const config of [edge, api, consumer]) {
      expect(config.databaseUrl).toBe('postgres://boltlink:boltlink@127.0.0.1:5432/boltlink');
      expect(config.databaseReadUrl).toBe(config.databaseUrl);
      expect(config.redisUrl).toBe('redis://127.0.0.1:6379');
      expect(config.cacheRedisUrl).toBe(config.redisUrl);
      expect(config.redisKeyPrefix).toBe('bl');
      expect(config.queuePrefix).toBe('{bl}');
      expect(config.shortDomains).toEqual(['localhost:8080']);
      expect(config.defaultDomain).toBe('localhost:8080');
      expect(config.trustProxy).toEqual([]);
      expect(config.appSecret.length).toBeGreaterThanOrEqual(32);
    }
    expect(edge.webConcurrency).toBe(availableParallelism());
    expect(api.codeLength).toBe(7);
    expect(consumer.metadataMaxBytes).toBe(1_048_576);
  });

  it('takes the default domain from the first short domain', () => {
    const config = loadApiConfig({ SHORT_DOMAINS: 'Bolt.Example, go.example:8443' });
    expect(config.shortDomains).toEqual(['bolt.example', 'go.example:8443']);
    expect(config.defaultDomain).toBe('bolt.example');
  });

  it('accepts a separate cache Redis over TLS and a read replica', () => {
    const config = loadEdgeConfig({
      REDIS_URL: 'redis://queue:6379/0',
      CACHE_REDIS_URL: 'rediss://:pw@cache.example:6380',
      DATABASE_READ_URL: 'postgresql://ro@replica:5432/boltlink',
    });
    expect(config.cacheRedisUrl).toBe('rediss://:pw@cache.example:6380');
    expect(config.databaseReadUrl).toBe('postgresql://ro@replica:5432/boltlink');
    expect(config.databaseUrl).toBe('postgres://boltlink:boltlink@127.0.0.1:5432/boltlink');
  });

  it('rejects Redis URLs of another protocol and a queue prefix without a hash tag', () => {
    const issues = issuesOf(() =>
      loadConsumerConfig({
        REDIS_URL: 'http://127.0.0.1:6379',
        CACHE_REDIS_URL: 'redis:',
        QUEUE_PREFIX: 'bl',
      }),
    );
    expect(issues).toEqual([
      { variable: 'REDIS_URL', problem: 'must be a redis:// or rediss:// URL (got http://)' },
      { variable: 'CACHE_REDIS_URL', problem: 'must be a redis:// or rediss:// URL with a host' },
      { variable: 'QUEUE_PREFIX', problem: 'must be a Redis Cluster hash tag such as {bl} (got "bl")' },
    ]);
  });

  it('validates trusted proxies, CORS origins and blocked domains item by item', () => {
    const issues = issuesOf(() =>
      loadApiConfig({
        TRUST_PROXY: '10.0.0.0/8, ::1, loopback, 10.0.0.0/33, proxy.internal',
        CORS_ORIGINS: 'https://app.example.com,https://app.example.com/path',
        BLOCKED_DOMAINS: 'evil.example, bad.example:8080',
      }),
    );
    expect(issues.map((issue) => issue.variable)).toEqual(['TRUST_PROXY', 'CORS_ORIGINS', 'BLOCKED_DOMAINS']);
    expect(issues[0]?.problem).toContain('invalid: "10.0.0.0/33", "proxy.internal"');
    expect(issues[1]?.problem).toContain('invalid: "https://app.example.com/path"');
    expect(issues[2]?.problem).toContain('invalid: "bad.example:8080"');
    const ok = loadApiConfig({
      TRUST_PROXY: '10.0.0.0/8,::1,loopback',
      CORS_ORIGINS: 'https://app.example.com',
    });
    expect(ok.trustProxy).toEqual(['10.0.0.0/8', '::1', 'loopback']);
    expect(ok.corsOrigins).toEqual(['https://app.example.com']);
  });

  it('reads per-service tuning', () => {
    const edge = loadEdgeConfig({
      CLICK_BATCH_SIZE: '1000',
      NOT_FOUND_RATE_LIMIT_MAX: '5',
      COUNTRY_HEADER: 'CF-IPCountry',
    });
    expect(edge.clickBatchSize).toBe(1000);
    expect(edge.notFoundRateLimitMax).toBe(5);
    expect(edge.countryHeader).toBe('CF-IPCountry');
    expect(edge.geoipDbPath).toBeUndefined();
    expect(issuesOf(() => loadEdgeConfig({ CLICK_BATCH_SIZE: '5001' }))[0]?.variable).toBe(
      'CLICK_BATCH_SIZE',
    );
    const api = loadApiConfig({ SIGNUP_RATE_LIMIT_MAX: '3', BULK_BODY_LIMIT: '2097152' });
    expect(api.signupRateLimitMax).toBe(3);
    expect(api.bulkBodyLimit).toBe(2_097_152);
    expect(loadConsumerConfig({ CLICK_WORKER_CONCURRENCY: '8' }).clickWorkerConcurrency).toBe(8);
  });

  it('document every variable once, with a description', () => {
    for (const schema of [EdgeConfigSchema, ApiConfigSchema, ConsumerConfigSchema]) {
      const rows = describeConfig(schema);
      const names = rows.map((row) => row.variable);
      expect(new Set(names).size).toBe(names.length);
      for (const row of rows) {
        expect(row.variable).toMatch(/^[A-Z][A-Z0-9_]*$/);
        expect(row.description, row.variable).not.toBe('');
        expect(row.rule, row.variable).not.toBe('');
      }
    }
    const consumer = describeConfig(ConsumerConfigSchema).map((row) => row.variable);
    expect(consumer).not.toContain('WEB_CONCURRENCY');
    expect(describeConfig(EdgeConfigSchema).find((row) => row.variable === 'WEB_CONCURRENCY')?.default).toBe(
      'the number of CPU cores',
    );
  });
});
