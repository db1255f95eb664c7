import { type Static, Type } from '@sinclair/typebox';
import { loadConfig } from './env.ts';
import { int, optional, str } from './fields.ts';
import {
  checkMetricsPort,
  type DerivedShared,
  dependencyCheckFields,
  deriveShared,
  keepAliveFields,
  linkCacheFields,
  rateLimitFields,
  sharedFields,
  webConcurrencyFields,
} from './shared.ts';

export const EdgeConfigSchema = Type.Object({
  ...sharedFields(8080),
  ...webConcurrencyFields(9101),
  ...dependencyCheckFields(),
  ...keepAliveFields(),
  ...linkCacheFields(),
  edgeHeadersTimeoutMs: int({
    default: 10_000,
    min: 1000,
    max: 300_000,
    description:
      'Time a request has to send its complete headers (from the connection opening for the first one); then 408 and close',
  }),
  edgeMaxConnectionsPerAddress: int({
    default: 256,
    min: 1,
    max: 1_000_000,
    description:
      'Open connections one client address may hold per edge process (trusted proxies exempt); more are closed on arrival',
  }),
  lruMaxEntries: int({
    default: 100_000,
    min: 0,
    max: 10_000_000,
    description: 'Links kept in the in-process LRU; 0 disables it',
  }),
  lruTtlMs: int({
    default: 5_000,
    min: 0,
    max: 3_600_000,
    description: 'Lifetime of an in-process LRU entry (invalidations drop entries sooner)',
  }),
  negativeCacheTtlSeconds: int({
    default: 30,
    min: 1,
    max: 86_400,
    description: 'How long an unknown code is remembered as unknown in Redis',
  }),
  // Each queue write costs the edge a few hundred microseconds in place, whatever its size: under load,
  // fewer and larger batches are cheaper for the edge, Redis and the consumer alike. At low traffic the
  // interval below decides, so a click still waits at most that long.
  clickBatchSize: int({
    default: 2000,
    min: 1,
    max: 5000,
    description: 'Clicks per queued batch; a full batch is enqueued at once',
  }),
  clickBatchIntervalMs: int({
    default: 100,
    min: 1,
    max: 60_000,
    description: 'Longest time a click waits in memory before its batch is enqueued',
  }),
  clickBufferMax: int({
    default: 50_000,
    min: 1,
    max: 10_000_000,
    description:
      'Clicks held in memory while the queue is unreachable; beyond it clicks are dropped and counted',
  }),
  ...rateLimitFields('redirect', 'redirects per client', { max: 6000, windowMs: 60_000 }),
  ...rateLimitFields('notFound', 'unknown-code answers per client', { max: 60, windowMs: 60_000 }),
  ...rateLimitFields('password', 'password attempts per link and client', { max: 5, windowMs: 900_000 }),
  unlockCookieTtlSeconds: int({
    default: 3600,
    min: 60,
    max: 30 * 86_400,
    description: 'Lifetime of the signed cookie that remembers an unlocked password-protected link',
  }),
  countryHeader: optional(
    str({
      pattern: '^[A-Za-z0-9-]+$',
      rule: 'an HTTP header name',
      description:
        'Trusted request header holding the visitor country (e.g. CF-IPCountry); unset ignores headers',
    }),
  ),
  // Read once at start (the whole file into memory); a missing or unusable file stops the edge with one line.
  geoipDbPath: optional(
    str({
      description:
        'MaxMind GeoLite2/GeoIP2 Country or City .mmdb file: the country of a click when COUNTRY_HEADER gives none; unset records no country from IPs',
    }),
  ),
});

export type EdgeConfig = Static<typeof EdgeConfigSchema> & DerivedShared;

export function loadEdgeConfig(env: NodeJS.ProcessEnv = process.env): EdgeConfig {
  return deriveShared(checkMetricsPort(loadConfig(EdgeConfigSchema, env)));
}
