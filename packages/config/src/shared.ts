import { isIP } from 'node:net';
import { availableParallelism } from 'node:os';
import { type TInteger, Type } from 'typebox';
import { ConfigError } from './env.ts';
import {
  commaList,
  int,
  isHostWithPort,
  isProxyAddress,
  oneOf,
  optional,
  port,
  redisUrl,
  secret,
  str,
  url,
} from './fields.ts';

const POSTGRES = ['postgres:', 'postgresql:'] as const;

/**
 * Variables every service reads, defined once. Each service spreads these into its own schema with its
 * default port; names and defaults are part of the operator-facing contract (README).
 */
export function sharedFields(defaultPort: number) {
  return {
    nodeEnv: oneOf(['development', 'test', 'production'], {
      default: 'development',
      description: 'Runtime mode; production requires APP_SECRET and disables development conveniences',
    }),
    logLevel: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      default: 'info',
      description: 'Minimum pino log level',
    }),
    host: str({ default: '0.0.0.0', description: 'Interface the HTTP server binds to' }),
    port: port(defaultPort),
    databaseUrl: url({
      protocols: POSTGRES,
      default: 'postgres://boltlink:boltlink@127.0.0.1:5432/boltlink',
      description: 'PostgreSQL connection URL (primary; may point at PgBouncer in transaction mode)',
    }),
    databaseReadUrl: url({
      protocols: POSTGRES,
      defaultFrom: 'databaseUrl',
      description: 'PostgreSQL URL for read-only queries (a replica); used for redirect fallbacks and stats',
    }),
    databasePoolMax: int({ default: 10, min: 1, max: 1000, description: 'Maximum connections per pool' }),
    redisUrl: redisUrl({
      default: 'redis://127.0.0.1:6379',
      description:
        'Redis for queues, sessions, counters and rate limits (must be maxmemory-policy noeviction); a redis-sentinel:// URL follows the master through failovers, a redis-cluster:// URL a Redis Cluster',
    }),
    cacheRedisUrl: redisUrl({
      defaultFrom: 'redisUrl',
      description:
        'Redis for the link cache; may be a separate, evicting (allkeys-lru) instance, standalone, behind Sentinel or a Redis Cluster',
    }),
    redisKeyPrefix: str({
      default: 'bl',
      pattern: '^[A-Za-z0-9_-]+$',
      rule: 'letters, digits, "_" or "-"',
      description: 'Prefix of every Redis key and channel BoltLink writes',
    }),
    queuePrefix: str({
      default: '{bl}',
      pattern: '^\\{[A-Za-z0-9_-]+\\}$',
      rule: 'a Redis Cluster hash tag such as {bl}',
      description: 'BullMQ key prefix; a hash tag keeps each queue in one Redis Cluster slot',
    }),
    shortDomains: commaList({
      default: ['localhost:8080'],
      minItems: 1,
      lowercase: true,
      itemRule: 'a host name with an optional :port',
      item: isHostWithPort,
      description: 'Domains that serve short links (host[:port]); the first is the default domain',
    }),
    shortUrlScheme: oneOf(['http', 'https'], {
      default: 'http',
      description: 'Scheme of generated short URLs',
    }),
    trustProxy: commaList({
      default: [],
      itemRule: 'an IP address, a CIDR range, or loopback/linklocal/uniquelocal',
      item: isProxyAddress,
      description: 'Proxies trusted for X-Forwarded-For (IPs/CIDRs); empty trusts none and uses the socket',
    }),
    appSecret: secret({
      minLength: 32,
      developmentDefault: 'boltlink-development-secret-do-not-use-in-production',
      description: 'Key for signed cookies and visitor hashing (>= 32 characters)',
    }),
    shutdownTimeoutMs: int({
      default: 10_000,
      min: 100,
      max: 600_000,
      description: 'Graceful shutdown deadline before the process exits anyway',
    }),
  };
}

/** TTL of the Redis link cache: written by the API after a change and by the edge on a read-through. */
export function linkCacheFields() {
  return {
    linkCacheTtlSeconds: int({
      default: 3600,
      min: 1,
      max: 30 * 86_400,
      description: 'Lifetime of a link in the Redis cache',
    }),
  };
}

/** How long the HTTP services keep an idle keep-alive connection open. */
export function keepAliveFields() {
  return {
    keepAliveTimeoutMs: int({
      default: 65_000,
      min: 1000,
      max: 600_000,
      description: 'Idle keep-alive connection lifetime (above a typical load balancer idle timeout)',
    }),
  };
}

/** Worker processes sharing the port (node:cluster) for the HTTP services, and their metrics port. */
export function webConcurrencyFields(defaultMetricsPort: number) {
  return {
    webConcurrency: int({
      default: availableParallelism(),
      min: 1,
      max: 256,
      defaultDescription: 'the number of CPU cores',
      description: 'Worker processes (node:cluster) sharing the HTTP port; 1 runs a single process',
    }),
    // A scrape of the shared HTTP port would reach one random worker, and the public port must not show
    // process details: the primary serves the sum here, and only here.
    metricsPort: Type.Integer({
      default: defaultMetricsPort,
      minimum: 0,
      maximum: 65535,
      description:
        'Port on which the primary process serves /metrics summed over all workers (never on PORT); 0 serves none',
      config: { rule: 'an integer port number between 0 and 65535, other than PORT' },
    }),
  };
}

/** Background checks of Postgres and Redis: gauges and /health/dependencies, never a probe's answer. */
export function dependencyCheckFields() {
  return {
    dependencyCheckIntervalMs: int({
      default: 5000,
      min: 100,
      max: 600_000,
      description:
        'How often each dependency (Postgres, Redis) is checked for the boltlink_dependency_up gauge',
    }),
    dependencyCheckTimeoutMs: int({
      default: 1000,
      min: 50,
      max: 60_000,
      description: 'Time a dependency check may take before the dependency counts as down',
    }),
  };
}

/** `ip` or `ip:port` (IPv6 in brackets with a port), as node's dns Resolver.setServers takes it. */
export function isDnsServer(value: string): boolean {
  const bracketed = /^\[([0-9a-f:.]+)\](?::(\d{1,5}))?$/.exec(value);
  const plain = /^([0-9.]+)(?::(\d{1,5}))?$/.exec(value);
  const match = bracketed ?? plain;
  if (match) {
    const port = match[2];
    const address = match[1] ?? '';
    return isIP(address) !== 0 && (port === undefined || (Number(port) >= 1 && Number(port) <= 65535));
  }
  return isIP(value) === 6;
}

/**
 * Custom domains (docs/domains.md): the API tells users which records to publish and checks them when asked,
 * the consumer checks pending domains in the background. Both must agree, so the fields are defined once.
 */
export function customDomainFields() {
  return {
    edgeHostname: optional(
      str({
        pattern: '^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$',
        rule: 'a lower-case host name without a port',
        description:
          "Host name a custom domain may point a CNAME at to prove it is ours (the edges' public name); default: the host of the first SHORT_DOMAINS",
      }),
    ),
    dnsServers: commaList({
      default: [],
      itemRule: 'an IP address with an optional :port ([v6]:port)',
      item: isDnsServer,
      description: 'DNS servers that custom domain records are looked up on; empty uses the system resolver',
    }),
    dnsTimeoutMs: int({
      default: 5000,
      min: 100,
      max: 60_000,
      description: 'Time one DNS query of a custom domain check may take before it is retried or given up',
    }),
    domainCheckIntervalMs: int({
      default: 60_000,
      min: 100,
      max: 86_400_000,
      description:
        'Delay before the first background re-check of a pending custom domain; it doubles after each failed check, up to DOMAIN_CHECK_MAX_INTERVAL_MS',
    }),
    domainCheckMaxIntervalMs: int({
      default: 6 * 3_600_000,
      min: 100,
      max: 7 * 86_400_000,
      description: 'Longest delay between two background checks of a pending custom domain',
    }),
    domainCheckMaxAttempts: int({
      default: 30,
      min: 1,
      max: 1000,
      description:
        'Background checks of a pending custom domain before it is marked failed (a user can ask again)',
    }),
  };
}

/**
 * SMTP_URL turns email on: the API then queues mails (password reset, invitations, sign-up of an address
 * that has an account) and stops revealing whether an account exists; the consumer sends them. Both services
 * must be given the same value (docs/operations/email.md).
 */
export function mailFields() {
  return {
    smtpUrl: optional(
      url({
        protocols: ['smtp:', 'smtps:'],
        description:
          'SMTP server for outgoing mail (smtp://user:pass@host:587 with STARTTLS, smtps:// for TLS at connect); unset: email is off. Same value on the API and the consumer',
      }),
    ),
  };
}

/**
 * How long raw click events are kept (click_events, one partition per UTC day; ADR 0015). The consumer drops
 * older days; the API says from when raw events are available. Roll-ups and totals are never dropped. Up to
 * three years: every day is a partition, and a query that is not limited in time plans over all of them.
 */
export function clickEventRetentionFields() {
  return {
    clickEventRetentionDays: int({
      default: 90,
      min: 1,
      max: 1096,
      description:
        'Days of raw click events (visits lists and exports) and orphan visits kept; older days are dropped, roll-ups and totals are kept. Same value on the API and the consumer',
    }),
  };
}

/** METRICS_PORT must not be PORT: metrics are never served on the public port. */
export function checkMetricsPort<C extends { port: number; metricsPort: number }>(config: C): C {
  if (config.metricsPort !== 0 && config.metricsPort === config.port) {
    throw new ConfigError([
      {
        variable: 'METRICS_PORT',
        problem: `must differ from PORT (both ${config.port}); metrics are never served on the public port, 0 turns them off`,
      },
    ]);
  }
  return config;
}

type RateLimitFields<P extends string> = {
  [K in `${P}RateLimitMax` | `${P}RateLimitWindowMs`]: TInteger;
};

/** A `<NAME>_RATE_LIMIT_MAX` / `<NAME>_RATE_LIMIT_WINDOW_MS` pair: at most max requests per window. */
export function rateLimitFields<P extends string>(
  name: P,
  what: string,
  defaults: { max: number; windowMs: number },
): RateLimitFields<P> {
  return {
    [`${name}RateLimitMax`]: int({ default: defaults.max, min: 1, description: `Rate limit: ${what}` }),
    [`${name}RateLimitWindowMs`]: int({
      default: defaults.windowMs,
      min: 1000,
      description: `Window of the ${what} rate limit, in milliseconds`,
    }),
  } as RateLimitFields<P>;
}

/** Fields derived after validation, common to every service. */
export interface DerivedShared {
  /** The first of SHORT_DOMAINS: where links are created when none is given and what the edge assumes. */
  defaultDomain: string;
}

export function deriveShared<C extends { shortDomains: string[] }>(config: C): C & DerivedShared {
  // minItems: 1 in the schema guarantees a first domain.
  const [defaultDomain = 'localhost:8080'] = config.shortDomains;
  return { ...config, defaultDomain };
}

/** Fields derived from customDomainFields. */
export interface DerivedCustomDomains {
  /** What a custom domain's CNAME must point at: EDGE_HOSTNAME, else the host of the default domain. */
  cnameTarget: string;
}

export function deriveCustomDomains<C extends { edgeHostname?: string; shortDomains: string[] }>(
  config: C,
): C & DerivedCustomDomains {
  const [first = 'localhost:8080'] = config.shortDomains;
  // SHORT_DOMAINS items are host[:port] (IPv6 in brackets): the URL parser drops the port.
  const cnameTarget = config.edgeHostname ?? new URL(`http://${first}`).hostname;
  return { ...config, cnameTarget };
}

/** Optional string that is absent rather than empty when unset. */
export function optionalStr(description: string) {
  return optional(str({ description }));
}

/**
 * OpenTelemetry tracing (docs/operations/tracing.md), under the standard OTEL_* names so a collector's usual
 * settings carry over. Off unless an endpoint is set: then no tracing code is even loaded.
 */
export function tracingFields(service: string, defaultSampleRatio: number) {
  return {
    otelExporterOtlpEndpoint: optional(
      url({
        protocols: ['http:', 'https:'],
        description:
          'OTLP/HTTP collector base URL (e.g. http://otel-collector:4318); traces go to its /v1/traces. Unset (with OTEL_EXPORTER_OTLP_TRACES_ENDPOINT): tracing is off',
      }),
    ),
    otelExporterOtlpTracesEndpoint: optional(
      url({
        protocols: ['http:', 'https:'],
        description:
          'Full OTLP/HTTP URL traces are sent to (protobuf), used as given; overrides OTEL_EXPORTER_OTLP_ENDPOINT for traces',
      }),
    ),
    otelServiceName: str({
      default: service,
      maxLength: 200,
      description: 'service.name of the spans this service exports',
    }),
    otelTracesSamplerArg: Type.Number({
      default: defaultSampleRatio,
      minimum: 0,
      maximum: 1,
      description:
        'Share of traces started here that are recorded and exported (0 to 1); a request that carries a sampled W3C traceparent is recorded whatever the ratio, except on the redirect edge',
      config: { rule: 'a number between 0 and 1' },
    }),
  };
}

/** Where and what to trace, or undefined when no endpoint is configured (tracing off). */
export interface TracingSettings {
  tracesUrl: string;
  serviceName: string;
  sampleRatio: number;
}

export function tracingSettingsOf(config: {
  otelExporterOtlpEndpoint?: string;
  otelExporterOtlpTracesEndpoint?: string;
  otelServiceName: string;
  otelTracesSamplerArg: number;
}): TracingSettings | undefined {
  const base = config.otelExporterOtlpEndpoint;
  // The OTLP specification: the signal path is appended to the base URL, after exactly one '/'.
  const tracesUrl =
    config.otelExporterOtlpTracesEndpoint ??
    (base === undefined ? undefined : `${base.replace(/\/+$/, '')}/v1/traces`);
  if (tracesUrl === undefined) return undefined;
  return { tracesUrl, serviceName: config.otelServiceName, sampleRatio: config.otelTracesSamplerArg };
}
