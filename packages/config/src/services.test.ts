import { availableParallelism } from 'node:os';
import { REDIS_URL_RULE } from '@boltlink/redis-keys/redis-url';
import { describe, expect, it } from 'vitest';
import { ConfigError, describeConfig } from './env.ts';
import {
  ApiConfigSchema,
  ConsumerConfigSchema,
  EdgeConfigSchema,
  loadApiConfig,
  loadConsumerConfig,
  loadEdgeConfig,
  tracingSettingsOf,
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
  it('opens sign-up by default outside production only, and names a bad REGISTRATION', () => {
    expect(loadApiConfig({}).registration).toBe('open');
    const production = { NODE_ENV: 'production', APP_SECRET: 's'.repeat(40) };
    expect(loadApiConfig(production).registration).toBe('invite');
    expect(loadApiConfig({ ...production, REGISTRATION: 'open' }).registration).toBe('open');
    expect(loadApiConfig({ REGISTRATION: 'closed' }).registration).toBe('closed');
    expect(issuesOf(() => loadApiConfig({ REGISTRATION: 'everyone' }))).toEqual([
      { variable: 'REGISTRATION', problem: 'must be one of open, invite, closed (got "everyone")' },
    ]);
  });

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

  it('checks custom domains against the default domain host unless EDGE_HOSTNAME names the edges', () => {
    for (const load of [loadApiConfig, loadConsumerConfig]) {
      expect(load({}).cnameTarget).toBe('localhost');
      expect(load({ SHORT_DOMAINS: 'Bolt.Example:8443' }).cnameTarget).toBe('bolt.example');
      expect(load({ EDGE_HOSTNAME: 'edge.bolt.example' }).cnameTarget).toBe('edge.bolt.example');
      expect(load({}).dnsServers).toEqual([]);
      expect(load({ DNS_SERVERS: '127.0.0.1:5353, 1.1.1.1, [::1]:53' }).dnsServers).toEqual([
        '127.0.0.1:5353',
        '1.1.1.1',
        '[::1]:53',
      ]);
    }
    expect(
      issuesOf(() => loadApiConfig({ DNS_SERVERS: 'dns.example', EDGE_HOSTNAME: 'Edge:80' })).map(
        (i) => i.variable,
      ),
    ).toEqual(['EDGE_HOSTNAME', 'DNS_SERVERS']);
  });

  it('serves metrics on their own ports by default, 0 turns them off, and never on PORT', () => {
    expect([loadEdgeConfig({}).metricsPort, loadApiConfig({}).metricsPort]).toEqual([9101, 9100]);
    expect(loadEdgeConfig({ METRICS_PORT: '0' }).metricsPort).toBe(0);
    expect(issuesOf(() => loadEdgeConfig({ PORT: '9101' }))).toEqual([
      {
        variable: 'METRICS_PORT',
        problem:
          'must differ from PORT (both 9101); metrics are never served on the public port, 0 turns them off',
      },
    ]);
    expect(issuesOf(() => loadApiConfig({ METRICS_PORT: '3000' }))[0]?.variable).toBe('METRICS_PORT');
    expect(issuesOf(() => loadApiConfig({ METRICS_PORT: 'abc' }))).toEqual([
      {
        variable: 'METRICS_PORT',
        problem: 'must be an integer port number between 0 and 65535, other than PORT (got "abc")',
      },
    ]);
  });

  it('checks dependencies every 5 s with a 1 s limit unless told otherwise', () => {
    for (const config of [loadEdgeConfig({}), loadApiConfig({}), loadConsumerConfig({})]) {
      expect([config.dependencyCheckIntervalMs, config.dependencyCheckTimeoutMs]).toEqual([5000, 1000]);
    }
    expect(issuesOf(() => loadConsumerConfig({ DEPENDENCY_CHECK_INTERVAL_MS: 'soon' }))[0]?.variable).toBe(
      'DEPENDENCY_CHECK_INTERVAL_MS',
    );
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
      { variable: 'REDIS_URL', problem: `must be ${REDIS_URL_RULE} (got http://)` },
      { variable: 'CACHE_REDIS_URL', problem: 'must be a redis:// URL with a host' },
      { variable: 'QUEUE_PREFIX', problem: 'must be a Redis Cluster hash tag such as {bl} (got "bl")' },
    ]);
  });

  it('accepts Redis behind Sentinel for the queues and for the cache', () => {
    const queues = 'redis-sentinel://:s3cret@10.0.0.1:26379,10.0.0.2:26379,sentinel-3/boltlink-queues';
    const cache = 'redis-sentinel://cache-sentinel/boltlink-cache?db=2&sentinelPassword=x%2By&tls=true';
    for (const load of [loadEdgeConfig, loadApiConfig, loadConsumerConfig]) {
      const config = load({ REDIS_URL: queues, CACHE_REDIS_URL: cache });
      expect([config.redisUrl, config.cacheRedisUrl]).toEqual([queues, cache]);
    }
    // CACHE_REDIS_URL still defaults to the queue Redis, Sentinel or not.
    expect(loadEdgeConfig({ REDIS_URL: queues }).cacheRedisUrl).toBe(queues);
  });

  it('says what is wrong with a Sentinel URL without echoing its password', () => {
    const issues = issuesOf(() =>
      loadEdgeConfig({
        REDIS_URL: 'redis-sentinel://:hunter2@10.0.0.1:26379,10.0.0.2:99999/queues',
        CACHE_REDIS_URL: 'redis-sentinel://:hunter2@10.0.0.1:26379',
        REDIS_KEY_PREFIX: 'bl',
      }),
    );
    expect(issues).toEqual([
      {
        variable: 'REDIS_URL',
        problem: 'must be a redis-sentinel:// URL whose hosts are host[:port] (invalid: "10.0.0.2:99999")',
      },
      {
        variable: 'CACHE_REDIS_URL',
        problem:
          'must be a redis-sentinel:// URL naming its master group: redis-sentinel://host:26379/MASTER',
      },
    ]);
    expect(JSON.stringify(issues)).not.toContain('hunter2');

    const more = issuesOf(() =>
      loadConsumerConfig({
        REDIS_URL: 'redis-sentinel://s1/queues?db=one&tls=true',
        CACHE_REDIS_URL: 'redis-sentinel://s1/cache?sentinelPasword=typo',
      }),
    );
    expect(more.map((issue) => issue.problem)).toEqual([
      'must be a redis-sentinel:// URL whose db parameter is a database number (0, 1, …)',
      'must be a redis-sentinel:// URL with only the parameters db, sentinelUsername, sentinelPassword, tls (unknown: sentinelPasword)',
    ]);
  });

  it('accepts a Redis Cluster for the queues and for the cache', () => {
    const queues = 'redis-cluster://app:s3cret@10.0.0.1:7000,10.0.0.2:7001,10.0.0.3:7002';
    const cache = 'redis-cluster://cache-1:6379?tls=true';
    for (const load of [loadEdgeConfig, loadApiConfig, loadConsumerConfig]) {
      const config = load({ REDIS_URL: queues, CACHE_REDIS_URL: cache });
      expect([config.redisUrl, config.cacheRedisUrl]).toEqual([queues, cache]);
    }
  });

  it('refuses a Redis Cluster URL it cannot connect with, naming the problem at startup', () => {
    const issues = issuesOf(() =>
      loadApiConfig({
        REDIS_URL: 'redis-cluster://10.0.0.1,10.0.0.2:7001',
        CACHE_REDIS_URL: 'redis-cluster://c:7000/1',
      }),
    );
    expect(issues).toEqual([
      {
        variable: 'REDIS_URL',
        problem: 'must be a redis-cluster:// URL whose hosts are host:port (invalid: "10.0.0.1")',
      },
      {
        variable: 'CACHE_REDIS_URL',
        problem:
          'must be a redis-cluster:// URL without a path: a Redis Cluster has a single database (redis-cluster://host:port,host:port)',
      },
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
      KEEP_ALIVE_TIMEOUT_MS: '30000',
    });
    expect(edge.clickBatchSize).toBe(1000);
    expect(edge.keepAliveTimeoutMs).toBe(30_000);
    expect(loadEdgeConfig({}).keepAliveTimeoutMs).toBe(65_000);
    expect(issuesOf(() => loadEdgeConfig({ KEEP_ALIVE_TIMEOUT_MS: '999' }))[0]?.variable).toBe(
      'KEEP_ALIVE_TIMEOUT_MS',
    );
    expect(edge.notFoundRateLimitMax).toBe(5);
    expect(edge.countryHeader).toBe('CF-IPCountry');
    expect(edge.geoipDbPath).toBeUndefined();
    expect(edge.notFoundRedirectUrl).toBeUndefined();
    const redirects = loadEdgeConfig({
      ROOT_REDIRECT_URL: 'https://example.com/',
      NOT_FOUND_REDIRECT_URL: 'https://example.com/404',
    });
    expect(redirects.rootRedirectUrl).toBe('https://example.com/');
    expect(redirects.notFoundRedirectUrl).toBe('https://example.com/404');
    expect(
      issuesOf(() =>
        loadEdgeConfig({ ROOT_REDIRECT_URL: 'javascript:alert(1)', NOT_FOUND_REDIRECT_URL: 'x' }),
      ).map((issue) => issue.variable),
    ).toEqual(['ROOT_REDIRECT_URL', 'NOT_FOUND_REDIRECT_URL']);
    expect(issuesOf(() => loadEdgeConfig({ CLICK_BATCH_SIZE: '5001' }))[0]?.variable).toBe(
      'CLICK_BATCH_SIZE',
    );
    const api = loadApiConfig({ SIGNUP_RATE_LIMIT_MAX: '3', BULK_BODY_LIMIT: '2097152' });
    expect(api.signupRateLimitMax).toBe(3);
    expect(api.bulkBodyLimit).toBe(2_097_152);
    expect(loadConsumerConfig({ CLICK_WORKER_CONCURRENCY: '8' }).clickWorkerConcurrency).toBe(8);
  });

  it('keep 90 days of raw click events unless told otherwise, and refuse a retention they cannot keep', () => {
    for (const load of [loadApiConfig, loadConsumerConfig]) {
      expect(load({}).clickEventRetentionDays).toBe(90);
      expect(load({ CLICK_EVENT_RETENTION_DAYS: '400' }).clickEventRetentionDays).toBe(400);
      for (const bad of ['0', '-3', '1097', '30d', '1.5']) {
        expect(issuesOf(() => load({ CLICK_EVENT_RETENTION_DAYS: bad }))[0]?.variable).toBe(
          'CLICK_EVENT_RETENTION_DAYS',
        );
      }
    }
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

  it('traces only when a collector is named, each service under its own name', () => {
    expect(tracingSettingsOf(loadApiConfig({}))).toBeUndefined();
    // An empty value (a ConfigMap's placeholder, a blank line in .env) is unset: tracing stays off.
    for (const blank of ['', '  ']) {
      expect(
        tracingSettingsOf(
          loadEdgeConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: blank, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: blank }),
        ),
      ).toBeUndefined();
    }
    expect(
      tracingSettingsOf(loadEdgeConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' })),
    ).toEqual({
      tracesUrl: 'http://collector:4318/v1/traces',
      serviceName: 'redirect-edge',
      sampleRatio: 0.01,
    });
    expect(
      tracingSettingsOf(
        loadConsumerConfig({
          OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
          OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.example.com/otlp/spans',
          OTEL_SERVICE_NAME: 'consumer-eu',
          OTEL_TRACES_SAMPLER_ARG: '0.25',
        }),
      ),
    ).toEqual({
      tracesUrl: 'https://traces.example.com/otlp/spans',
      serviceName: 'consumer-eu',
      sampleRatio: 0.25,
    });
    expect(
      tracingSettingsOf(loadApiConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }))?.sampleRatio,
    ).toBe(1);
  });

  it('names every bad tracing variable at once', () => {
    expect(
      issuesOf(() =>
        loadApiConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'grpc://collector:4317', OTEL_TRACES_SAMPLER_ARG: '5' }),
      ),
    ).toEqual([
      { variable: 'OTEL_EXPORTER_OTLP_ENDPOINT', problem: 'must be a http:// or https:// URL (got grpc://)' },
      { variable: 'OTEL_TRACES_SAMPLER_ARG', problem: 'must be a number between 0 and 1 (got "5")' },
    ]);
  });
});
