import { type Static, Type } from 'typebox';
import { loadConfig } from './env.ts';
import { int, optional, str, url } from './fields.ts';
import {
  checkMetricsPort,
  type DerivedShared,
  dependencyCheckFields,
  deriveShared,
  keepAliveFields,
  linkCacheFields,
  rateLimitFields,
  sharedFields,
  tracingFields,
  webConcurrencyFields,
} from './shared.ts';

export const EdgeConfigSchema = Type.Object({
  ...sharedFields(8080),
  ...webConcurrencyFields(9101),
  ...dependencyCheckFields(),
  ...keepAliveFields(),
  ...linkCacheFields(),
  ...tracingFields('redirect-edge', 0.01),
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
  // A hung Redis answers nothing: without a budget, every lookup that misses the LRU waits the cache client's
  // 500 ms command timeout. A healthy Redis answers in well under a millisecond.
  cacheReadBudgetMs: int({
    default: 50,
    min: 0,
    max: 10_000,
    description:
      'Longest wait for the Redis link cache before a lookup asks Postgres instead (and the cache breaker opens); 0 waits for the Redis command timeout',
  }),
  cacheBreakerCooldownMs: int({
    default: 5000,
    min: 0,
    max: 600_000,
    description:
      'After a failed or late link-cache read, lookups skip Redis for this long, then one lookup probes it; 0 disables the breaker',
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
  // Requests that reached no link are counted in memory and flushed as one small job per interval; past the key
  // bound only a count per domain, kind and minute is kept, so a storm of random paths costs no more.
  orphanVisitsFlushMs: int({
    default: 5000,
    min: 10,
    max: 300_000,
    description: 'How often the counts of requests that reached no link (orphan visits) are enqueued',
  }),
  orphanVisitsMaxKeys: int({
    default: 1000,
    min: 1,
    max: 5000,
    description:
      'Distinct (domain, path, kind, minute, referrer, country, bot) orphan-visit keys kept per flush; beyond it visits are only counted per domain, kind and minute',
  }),
  // 384 MiB at 192 heap bytes per click (the measured worst case, see the click buffer) holds 2,097,152 clicks:
  // 69 s of a Redis outage at 30,000 clicks/s per process. Memory is the trade: a smaller bound drops clicks sooner.
  clickBufferMaxBytes: int({
    default: 384 * 1024 * 1024,
    min: 1024 * 1024,
    max: 64 * 1024 * 1024 * 1024,
    description:
      'Memory for clicks held while the queue is unreachable (about 192 bytes each); beyond it clicks are dropped and counted',
  }),
  clickBufferMax: optional(
    int({
      min: 1,
      max: 100_000_000,
      description:
        'Deprecated (use CLICK_BUFFER_MAX_BYTES): an additional bound in clicks; the smaller of the two applies',
    }),
  ),
  queueRedisCommandTimeoutMs: int({
    default: 2000,
    min: 100,
    max: 60_000,
    description:
      'Longest wait for one queue Redis command (a click batch write); a hung Redis fails it and the batch is retried',
  }),
  ...rateLimitFields('redirect', 'redirects per client', { max: 6000, windowMs: 60_000 }),
  ...rateLimitFields('notFound', 'unknown-code answers per client', { max: 60, windowMs: 60_000 }),
  ...rateLimitFields('password', 'password attempts per link and client', { max: 5, windowMs: 900_000 }),
  // Per-address limits alone let guesses spread over many addresses go unbounded; this one holds whatever
  // the number of addresses, at the price that a guessing campaign locks the link for its rightful visitors
  // until the window passes (as login does for an account).
  passwordMaxFailuresPerLink: int({
    default: 100,
    min: 1,
    max: 1_000_000,
    description:
      'Wrong passwords per protected link from all clients together within PASSWORD_RATE_LIMIT_WINDOW_MS; then 429 for everyone on that link until the window passes',
  }),
  unlockCookieTtlSeconds: int({
    default: 3600,
    min: 60,
    max: 30 * 86_400,
    description: 'Lifetime of the signed cookie that remembers an unlocked password-protected link',
  }),
  // Shlink's "not found redirects", for the instance domains (SHORT_DOMAINS and any host that is not served);
  // a custom domain has its own settings, set through the API.
  rootRedirectUrl: optional(
    url({
      protocols: ['http:', 'https:'],
      description:
        'Where a request for `/` on an instance domain redirects (302); unset answers 404 as for an unknown code',
    }),
  ),
  notFoundRedirectUrl: optional(
    url({
      protocols: ['http:', 'https:'],
      description:
        'Where an unknown code on an instance domain redirects (302, after the unknown-code rate limit); unset answers the not-found page',
    }),
  ),
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
