import type { IncomingMessage, RequestListener } from 'node:http';
import type { EdgeConfig } from '@boltlink/config/services';
import { shortCodeOfPath } from '@boltlink/db/short-code';
import { createDependencyMonitor } from '@boltlink/observability/dependencies';
import { healthPlugin, postgresCheck, queueRedisCheck, redisCheck } from '@boltlink/observability/health';
import { type MetricsRegistry, metricsPlugin } from '@boltlink/observability/metrics';
import type { Tracing } from '@boltlink/observability/tracing';
import { InvalidJobPayloadError, type OrphanVisitKind } from '@boltlink/queues/catalog';
import type { RedisClient } from '@boltlink/redis-keys/clients';
import { createRedisKeys } from '@boltlink/redis-keys/keys';
import fastifyCookie from '@fastify/cookie';
import fastifyFormbody from '@fastify/formbody';
import proxyAddr from '@fastify/proxy-addr';
import fastifyRateLimit from '@fastify/rate-limit';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from 'fastify';
import type { Pool } from 'pg';
import { createCircuitBreaker } from './domain/circuit-breaker.ts';
import { type ClickBatchPublisher, createClickBuffer } from './domain/click-buffer.ts';
import { createClickCap } from './domain/click-cap.ts';
import { createClickRecorder } from './domain/click-recorder.ts';
import { createDestinationBlocklist } from './domain/destination-blocklist.ts';
import { createDomainDirectory, type ServedDomain } from './domain/domain-directory.ts';
import type { CountryLookup } from './domain/geoip.ts';
import { createOrphanVisitRecorder, type OrphanVisitPublisher } from './domain/orphan-visits.ts';
import { createPasswordAttempts } from './domain/password-attempts.ts';
import type { BlocklistStore, DomainStore, LinkStore } from './domain/ports.ts';
import { domainRedirectHeaders } from './domain/redirect-answer.ts';
import { createVisitorClassifier } from './domain/redirect-rules.ts';
import { createLinkResolver } from './domain/resolve-link.ts';
import { createUnlockCookies } from './domain/unlock-cookie.ts';
import { createUserAgentClassifier } from './domain/user-agent.ts';
import { createClientAddress } from './http/client-address.ts';
import { createEdgeServer } from './http/edge-server.ts';
import { createFastRedirect } from './http/fast-redirect.ts';
import { logContext } from './http/log-context.ts';
import { answerClientError, sendProblem } from './http/problem.ts';
import { createRedirectRateLimiter, registerRedirectRateLimit } from './http/redirect-rate-limit.ts';
import { readRedirectHeaders } from './http/request-headers.ts';
import { subscribeToInvalidations } from './infra/invalidation-subscriber.ts';
import { createRedisDomainCache } from './infra/redis-domain-cache.ts';
import { createRedisLinkCache } from './infra/redis-link-cache.ts';
import { createEdgeMetrics } from './metrics.ts';
import { registerRedirectRoutes } from './routes/redirect.ts';
import { registerTlsAskRoute } from './routes/tls-ask.ts';

/**
 * Kept free of the flush for closing the clients after it (deps.close): the producer and Redis steps of 2 s.
 * Ending the pool is bounded by a third step but returns at once unless Postgres hangs.
 */
const CLIENTS_CLOSE_RESERVE_MS = 4500;

/** How soon a failed read of the blocked destinations is tried again. */
const BLOCKLIST_RETRY_MS = 1000;

export interface EdgeDeps {
  config: EdgeConfig;
  logger: FastifyBaseLogger;
  /** Read pool: the dependency monitor's and the link store's connection. */
  pool: Pool;
  linkStore: LinkStore;
  /** Custom domains (Postgres), behind the domain directory's caches. */
  domainStore: DomainStore;
  /** The destination host names instance admins blocked (Postgres), held whole in memory. */
  blocklistStore: BlocklistStore;
  /** CACHE_REDIS_URL: the link projection (may be an evicting Redis). */
  cacheRedis: RedisClient;
  /** REDIS_URL, fail-fast preset: rate limits, click-cap counters and password attempts (must not evict). */
  stateRedis: RedisClient;
  /** REDIS_URL, BullMQ producer connection; checked for `noeviction` by the dependency monitor. */
  queueRedis: RedisClient;
  /** Pub/sub connection on CACHE_REDIS_URL for link invalidations from the management API. */
  subscriber: RedisClient;
  clickPublisher: ClickBatchPublisher;
  /** Enqueues the counts of requests that reached no link (orphan visits). */
  orphanVisitPublisher: OrphanVisitPublisher;
  /** Country of a client IP from the MaxMind database (GEOIP_DB_PATH), when one is configured. */
  countryLookup?: CountryLookup;
  metrics: MetricsRegistry;
  /** Closes the clients above; runs in onClose after the click buffer has been flushed. */
  close?: () => Promise<void>;
}

export interface EdgeAppOptions {
  now?: () => number;
  /**
   * Runs at shutdown once the click buffer's last flush is over (its losses counted), before the clients
   * close: in cluster mode, the worker reports its final counters to the primary here.
   */
  afterFinalFlush?: () => Promise<void>;
  /**
   * A server span for a sampled share of requests (OTEL_TRACES_SAMPLER_ARG), whichever path answers them; none
   * when tracing is off (the listener is then not wrapped at all). A sampled request's click carries its span's
   * traceparent into its batch (`traces`).
   */
  tracing?: Pick<Tracing, 'wrapEdgeListener' | 'instrumentEdgeRoutes' | 'sampledTraceparent'>;
}

export async function buildApp(deps: EdgeDeps, opts: EdgeAppOptions = {}): Promise<FastifyInstance> {
  const { config } = deps;
  const now = opts.now ?? Date.now;
  const keys = createRedisKeys(config.redisKeyPrefix);
  const edgeMetrics = createEdgeMetrics(deps.metrics);

  const breaker =
    config.cacheBreakerCooldownMs > 0
      ? createCircuitBreaker({
          cooldownMs: config.cacheBreakerCooldownMs,
          onChange(state, previous) {
            edgeMetrics.cacheBreaker(state, previous);
            // One line per outage and one per recovery; the probes in between are in the gauge.
            if (state === 'open' && previous === 'closed') {
              deps.logger.warn(
                { cooldownMs: config.cacheBreakerCooldownMs },
                'link cache Redis failed or answered late; lookups go to Postgres until a probe succeeds',
              );
            } else if (state === 'closed') deps.logger.info('link cache Redis answers again; breaker closed');
          },
        })
      : undefined;
  const blocklist = createDestinationBlocklist();
  const resolver = createLinkResolver({
    blocklist,
    store: deps.linkStore,
    cache: createRedisLinkCache({
      redis: deps.cacheRedis,
      keys,
      ttlSeconds: config.linkCacheTtlSeconds,
      negativeTtlSeconds: config.negativeCacheTtlSeconds,
    }),
    lruMax: config.lruMaxEntries,
    lruTtlMs: config.lruTtlMs,
    negativeLruTtlMs: Math.min(config.lruTtlMs, config.negativeCacheTtlSeconds * 1000),
    defaultDomain: config.defaultDomain,
    onLookup: edgeMetrics.lookup,
    onCacheError: edgeMetrics.cacheError,
    cacheReadBudgetMs: config.cacheReadBudgetMs,
    breaker,
  });

  // One line when enqueuing starts failing and one when it recovers, not one per attempt every 100 ms.
  let publishFailing = false;
  const buffer = createClickBuffer({
    publisher: deps.clickPublisher,
    batchSize: config.clickBatchSize,
    flushIntervalMs: config.clickBatchIntervalMs,
    maxBufferedBytes: config.clickBufferMaxBytes,
    maxBuffered: config.clickBufferMax,
    onDropped: edgeMetrics.clicksDropped,
    onPublished(count) {
      edgeMetrics.clicksEnqueued(count);
      if (publishFailing) {
        publishFailing = false;
        deps.logger.info('click batches are being enqueued again');
      }
    },
    isPermanent: (error) => error instanceof InvalidJobPayloadError,
    onPublishError(error) {
      edgeMetrics.clickPublishFailed();
      if (error instanceof InvalidJobPayloadError) {
        deps.logger.error({ err: error }, 'click batch rejected by its schema; dropped');
      } else if (!publishFailing) {
        publishFailing = true;
        deps.logger.warn(
          { err: error },
          'click batches cannot be enqueued; buffering in memory up to the bound',
        );
      }
    },
  });
  edgeMetrics.observeBuffer(() => buffer.size);

  const classifyUserAgent = createUserAgentClassifier();
  const visitors = createVisitorClassifier({
    classify: classifyUserAgent,
    countryLookup: deps.countryLookup,
  });
  const recordClick = createClickRecorder({
    buffer,
    classify: classifyUserAgent,
    appSecret: config.appSecret,
    countryLookup: deps.countryLookup,
    now,
    sampledTraceparent: opts.tracing?.sampledTraceparent,
  });
  // One line when enqueuing starts failing and one when it recovers, as for clicks.
  let orphanPublishFailing = false;
  const orphanVisits = createOrphanVisitRecorder({
    publisher: {
      async publish(batch) {
        await deps.orphanVisitPublisher.publish(batch);
        edgeMetrics.orphanVisitBatchEnqueued();
        if (orphanPublishFailing) {
          orphanPublishFailing = false;
          deps.logger.info('orphan visit counts are being enqueued again');
        }
      },
    },
    maxKeys: config.orphanVisitsMaxKeys,
    flushIntervalMs: config.orphanVisitsFlushMs,
    classify: classifyUserAgent,
    countryLookup: deps.countryLookup,
    now,
    onOverflow: edgeMetrics.orphanVisitsOverflowed,
    onDropped: edgeMetrics.orphanVisitsDropped,
    onPublishError(error) {
      if (!orphanPublishFailing) {
        orphanPublishFailing = true;
        deps.logger.warn({ err: error }, 'orphan visit counts cannot be enqueued; kept for the next flush');
      }
    },
  });
  const countryHeader = config.countryHeader?.toLowerCase();
  /** Records a request that reached no link, on the domain it was served as. */
  function recordOrphan(
    request: FastifyRequest,
    kind: OrphanVisitKind,
    served: ServedDomain | undefined,
  ): void {
    const headers = readRedirectHeaders(request.raw.rawHeaders, countryHeader);
    orphanVisits.record({
      domain: (served ?? directory.peek(request.host))?.name ?? config.defaultDomain,
      url: request.url,
      kind,
      method: request.method,
      ip: request.ip,
      userAgent: headers.userAgent,
      referer: headers.referer,
      country: headers.country,
    });
  }

  const directory = createDomainDirectory({
    shortDomains: config.shortDomains,
    defaultDomain: config.defaultDomain,
    rootRedirectUrl: config.rootRedirectUrl,
    notFoundRedirectUrl: config.notFoundRedirectUrl,
    store: deps.domainStore,
    cache: createRedisDomainCache({
      redis: deps.cacheRedis,
      keys,
      ttlSeconds: config.negativeCacheTtlSeconds,
    }),
    lruTtlMs: config.lruTtlMs,
    negativeLruTtlMs: Math.min(config.lruTtlMs, config.negativeCacheTtlSeconds * 1000),
    cacheReadBudgetMs: config.cacheReadBudgetMs,
    breaker,
    onCacheError: edgeMetrics.cacheError,
    onLookup: edgeMetrics.domainLookup,
  });
  const redirectLimiter = createRedirectRateLimiter({
    max: config.redirectRateLimitMax,
    windowMs: config.redirectRateLimitWindowMs,
  });
  // Filled by the onRoute hook below: static single-segment routes (/health, /ready) are Fastify's.
  const reservedPaths = new Set<string>();
  let closing = false;
  /** When the close began: the shutdown deadline (SHUTDOWN_TIMEOUT_MS) counts from here. */
  let closingSince = Date.now();
  const fast = createFastRedirect({
    resolver,
    limiter: redirectLimiter,
    address: createClientAddress(config.trustProxy),
    directory,
    recordClick,
    visitors,
    countryHeader: config.countryHeader?.toLowerCase(),
    reservedPaths,
    isClosing: () => closing,
    onServed(method, status, seconds) {
      edgeMetrics.redirectServed('fast');
      edgeMetrics.fastRedirectDuration(method, status, seconds);
    },
    logger: deps.logger,
    now,
  });

  // The fast path serves `/:code` only; what Fastify answers gets the route it matched (instrumentEdgeRoutes).
  const routeOf = (req: IncomingMessage): string | undefined => {
    const code = req.url === undefined ? null : shortCodeOfPath(req.url);
    return code === null || reservedPaths.has(code) ? undefined : '/:code';
  };
  const listen = (handler: RequestListener): RequestListener => {
    const listener: RequestListener = (req, res) => fast.handle(req, res, handler);
    return opts.tracing === undefined ? listener : opts.tracing.wrapEdgeListener(listener, routeOf);
  };

  const trust = config.trustProxy.length > 0 ? proxyAddr.compile([...config.trustProxy]) : undefined;
  const isTrustedProxy = (address: string): boolean => trust?.(address, 0) === true;

  const app = Fastify({
    loggerInstance: deps.logger,
    // A request line per redirect would cost more than the redirect itself; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    trustProxy: config.trustProxy.length > 0 ? config.trustProxy : false,
    bodyLimit: 16 * 1024,
    // Requests that reach the edge while it closes are answered by the hook below (a page for a person,
    // problem+json for a client) rather than by Fastify's plain JSON 503; Fastify still adds Connection: close.
    return503OnClosing: false,
    // Applied by the edge's own server (http/edge-server.ts), which closes connections silent this long + 1 s.
    keepAliveTimeout: config.keepAliveTimeoutMs,
    // No child logger per request (a measurable cost at redirect rates): request.log is the app logger, and
    // the few error lines the edge writes carry the context they need.
    childLoggerFactory: (logger) => logger,
    // The server is ours so the fast path sees each request before Fastify does (see http/fast-redirect.ts).
    // Configured as Fastify configures its own node:http server.
    serverFactory: (handler, options) =>
      createEdgeServer(listen(handler), options, {
        headersTimeoutMs: config.edgeHeadersTimeoutMs,
        maxConnectionsPerAddress: config.edgeMaxConnectionsPerAddress,
        isExempt: isTrustedProxy,
        onRefused: edgeMetrics.connectionRefused,
      }),
    // Fastify's own answers to these echo the path in JSON; the edge answers with its problems instead.
    frameworkErrors: (error, _request, reply) =>
      sendProblem(reply, error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'uri_too_long' : 'bad_request'),
    clientErrorHandler: answerClientError,
  });
  opts.tracing?.instrumentEdgeRoutes(app);
  // While the edge closes (after preClose), a request still arriving on an open connection is turned away so
  // the client retries elsewhere: the fast path steps aside, and this first hook answers before any route.
  app.addHook('onRequest', (_request, reply, done) => {
    if (closing) {
      sendProblem(reply, 'unavailable', { detail: 'The server is shutting down; retry shortly.' });
      return;
    }
    done();
  });
  // Every answer, whatever route or hook sends it (the fast path and sendProblem set it themselves).
  app.addHook('onRequest', (_request, reply, done) => {
    reply.header('x-content-type-options', 'nosniff');
    done();
  });
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (methods.includes('GET') && /^\/[^/:*]+$/.test(route.url)) reservedPaths.add(route.url.slice(1));
  });
  // From here on requests are answered 503 with Connection: close (the first onRequest hook above).
  app.addHook('preClose', (done) => {
    closing = true;
    closingSince = Date.now();
    done();
  });

  // The list is read at start, on every announced change and on every reconnect of the subscriber; a read
  // that fails (Postgres down) keeps the list the edge has and is retried every second until one succeeds.
  let blocklistRetry: NodeJS.Timeout | undefined;
  let blocklistReads = Promise.resolve();
  const reloadBlocklist = (): Promise<void> => {
    clearTimeout(blocklistRetry);
    // One read at a time, in order: an older answer can never overwrite a newer one.
    blocklistReads = blocklistReads.then(async () => {
      try {
        if (blocklist.replace(await deps.blocklistStore.hostnames())) resolver.clear();
      } catch (error) {
        deps.logger.warn({ err: error }, 'could not read the blocked destinations; retrying');
        if (!closing) {
          blocklistRetry = setTimeout(() => void reloadBlocklist(), BLOCKLIST_RETRY_MS);
          blocklistRetry.unref();
        }
      }
    });
    return blocklistReads;
  };
  // Bounded: with Postgres down at boot the edge still starts (and serves from its caches), reading the list
  // once Postgres answers.
  await Promise.race([
    reloadBlocklist(),
    new Promise((resolve) => setTimeout(resolve, BLOCKLIST_RETRY_MS).unref()),
  ]);

  const unsubscribe = await subscribeToInvalidations({
    subscriber: deps.subscriber,
    channel: keys.invalidationChannel(),
    domainChannel: keys.domainInvalidationChannel(),
    blocklistChannel: keys.blocklistChannel(),
    reloadBlocklist: () => void reloadBlocklist(),
    resolver,
    directory,
    logger: app.log,
  });

  app.addHook('onClose', async () => {
    clearTimeout(blocklistRetry);
    await unsubscribe();
    // The last flush keeps retrying (the queue Redis may come back) until the shutdown deadline, less the time
    // the clients below may take to close.
    const flushBudgetMs =
      config.shutdownTimeoutMs - Math.min(CLIENTS_CLOSE_RESERVE_MS, config.shutdownTimeoutMs / 2);
    await orphanVisits.close();
    const { lost } = await buffer.close({ deadline: closingSince + flushBudgetMs });
    if (lost > 0) {
      deps.logger.error(
        { clicksLost: lost },
        'shutdown: clicks could not be enqueued before the deadline and are lost (counted in clicks_dropped_total)',
      );
    }
    await opts.afterFinalFlush?.();
    await deps.close?.();
  });

  await app.register(fastifyCookie, { hook: false });
  await app.register(fastifyFormbody, { bodyLimit: 4096 });
  // The shared (Redis) limiter for unknown codes: enumeration is spread across edges, so the count must be too.
  // skipOnError: with Redis down an unknown code is still a 404, never a 500.
  await app.register(fastifyRateLimit, {
    global: false,
    redis: deps.stateRedis,
    nameSpace: keys.rateLimit('edge-not-found'),
    skipOnError: true,
  });
  const notFoundLimit = app.createRateLimit({
    max: config.notFoundRateLimitMax,
    timeWindow: config.notFoundRateLimitWindowMs,
  });

  /** The domain's not-found redirect when it has one (GET and HEAD), else the not-found page. */
  async function notFound(
    request: FastifyRequest,
    reply: FastifyReply,
    served?: ServedDomain,
  ): Promise<FastifyReply> {
    const limit = await notFoundLimit(request);
    // Counted whether or not the client is refused: a storm shows as what it is, at no cost per request.
    const kind = request.url === '/' || request.url.startsWith('/?') ? 'root' : 'not-found';
    recordOrphan(request, kind, served);
    if (!limit.isAllowed && limit.isExceeded) {
      return sendProblem(reply, 'rate_limited', { retryAfterSeconds: limit.ttlInSeconds });
    }
    if (request.method === 'GET' || request.method === 'HEAD') {
      // A host not yet known here is looked up; if that fails the page is the safe answer.
      const domain =
        served ??
        directory.peek(request.host) ??
        (await directory.resolve(request.host).catch(() => undefined));
      const location = domain?.notFoundRedirectUrl ?? null;
      if (location !== null) return reply.code(302).headers(domainRedirectHeaders(location)).send();
    }
    return sendProblem(reply, 'not_found');
  }

  // No /metrics here: this is the public port. The cluster's metrics port serves them (METRICS_PORT).
  await app.register(metricsPlugin, { registry: deps.metrics.registry });
  // Ready while listening and not draining, whatever Redis and Postgres do: the edge answers from its caches
  // through their outages, and a shared dependency failing /ready would take every edge out of its load
  // balancer at once. Dependency health goes to gauges and /health/dependencies instead.
  await app.register(healthPlugin, {
    monitor: createDependencyMonitor({
      checks: {
        postgres: postgresCheck(deps.pool),
        queueRedis: queueRedisCheck(deps.queueRedis),
        cacheRedis: redisCheck(deps.cacheRedis),
      },
      intervalMs: config.dependencyCheckIntervalMs,
      timeoutMs: config.dependencyCheckTimeoutMs,
      metrics: deps.metrics,
      logger: deps.logger,
    }),
  });

  app.setNotFoundHandler((request, reply) => notFound(request, reply));
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = typeof error.statusCode === 'number' ? error.statusCode : 500;
    if (error.validation !== undefined || status === 400)
      return sendProblem(reply, 'bad_request', { detail: error.message });
    if (status === 413) return sendProblem(reply, 'payload_too_large', { detail: error.message });
    if (status === 415) return sendProblem(reply, 'unsupported_media_type', { detail: error.message });
    if (status === 429) return sendProblem(reply, 'rate_limited');
    request.log.error({ ...logContext(request.raw), err: error }, 'unhandled error');
    return sendProblem(reply, 'internal');
  });

  registerTlsAskRoute(app, { directory });

  await app.register(async (redirects) => {
    registerRedirectRateLimit(redirects, redirectLimiter);
    registerRedirectRoutes(redirects, {
      resolver,
      clickCap: createClickCap({
        redis: deps.stateRedis,
        keys,
        seed: (id) => deps.linkStore.humanClickCount(id),
      }),
      classifyUserAgent,
      recordClick,
      visitors,
      unlockCookies: createUnlockCookies(config.appSecret, config.unlockCookieTtlSeconds),
      passwordAttempts: createPasswordAttempts({
        redis: deps.stateRedis,
        keys,
        max: config.passwordRateLimitMax,
        maxFailuresPerLink: config.passwordMaxFailuresPerLink,
        windowMs: config.passwordRateLimitWindowMs,
      }),
      directory,
      notFound,
      recordGone: (request, served) => recordOrphan(request, 'gone', served),
      countryHeader: config.countryHeader,
      secureCookies: config.shortUrlScheme === 'https',
      onServed: () => edgeMetrics.redirectServed('fastify'),
      now,
    });
  });

  return app;
}
