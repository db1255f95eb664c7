import type { ApiConfig } from '@boltlink/config/services';
import type { Db } from '@boltlink/db/client';
import { domainChecksFromSettings } from '@boltlink/domains/checks';
import { createDependencyMonitor } from '@boltlink/observability/dependencies';
import { healthPlugin, postgresCheck, queueRedisCheck, redisCheck } from '@boltlink/observability/health';
import { type MetricsRegistry, metricsPlugin } from '@boltlink/observability/metrics';
import { logEachRequestOnce, requestLogOptions } from '@boltlink/observability/request-log';
import type { Tracing } from '@boltlink/observability/tracing';
import type { RedisClient } from '@boltlink/redis-keys/clients';
import { createRedisKeys } from '@boltlink/redis-keys/keys';
import cookie from '@fastify/cookie';
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import { createAuthenticator, WORKSPACE_HEADER } from './plugins/auth.ts';
import { CSRF_HEADER } from './plugins/browser-session.ts';
import { registerDocs } from './plugins/docs.ts';
import { notFoundHandler, registerErrorHandling } from './plugins/error-handler.ts';
import { registerInputHygiene } from './plugins/input-hygiene.ts';
import { registerRateLimits } from './plugins/rate-limits.ts';
import { adminBlockRoutes } from './routes/admin-blocks.ts';
import { adminUserRoutes } from './routes/admin-users.ts';
import { apiKeyRoutes } from './routes/api-keys.ts';
import { auditLogRoutes } from './routes/audit-log.ts';
import { authRoutes } from './routes/auth.ts';
import { campaignRoutes } from './routes/campaigns.ts';
import { domainRoutes } from './routes/domains.ts';
import { invitationRoutes } from './routes/invitations.ts';
import { linkDomainRoutes } from './routes/link-domains.ts';
import { linkRoutes } from './routes/links.ts';
import { meRoutes } from './routes/me.ts';
import { orphanVisitRoutes } from './routes/orphan-visits.ts';
import { qrRoutes } from './routes/qr.ts';
import { statsRoutes } from './routes/stats.ts';
import { visitRoutes } from './routes/visits.ts';
import { workspaceRoutes } from './routes/workspaces.ts';
import {
  AdminUserSchema,
  BlockedDestinationSchema,
  BlockedLinkSchema,
  InstanceAuditEventSchema,
} from './schemas/admin.ts';
import { AuditEventSchema } from './schemas/audit.ts';
import { CampaignSchema } from './schemas/campaigns.ts';
import { ProblemSchema } from './schemas/common.ts';
import { DomainSchema } from './schemas/domains.ts';
import { InvitationSchema } from './schemas/invitations.ts';
import { CreateLinkBody, LinkSchema } from './schemas/links.ts';
import { OrphanVisitSchema } from './schemas/orphan-visits.ts';
import { LinkStats } from './schemas/stats.ts';
import { MemberSchema, WorkspaceSchema } from './schemas/workspaces.ts';
import { type AccountBudgets, createAccountBudget } from './services/account-budget.ts';
import { createRedisAccountVisitors } from './services/account-visitors.ts';
import { createApiKeyService } from './services/api-key-service.ts';
import { createAuditLog } from './services/audit-log.ts';
import { createAuthService } from './services/auth-service.ts';
import { createBlocklistService } from './services/blocklist-service.ts';
import { createCampaignService } from './services/campaign-service.ts';
import { createRedisDomainInvalidations } from './services/domain-invalidations.ts';
import { createDomainService } from './services/domain-service.ts';
import { createInstanceAudit } from './services/instance-audit.ts';
import { createInstanceUsers } from './services/instance-users.ts';
import { createInvitationService } from './services/invitation-service.ts';
import { createLastUsedTracker } from './services/last-used-tracker.ts';
import type { LinkCache } from './services/link-cache.ts';
import { createLinkService, type MetadataQueue } from './services/link-service.ts';
import { createMailComposer, type MailQueue } from './services/mail.ts';
import { createOrphanVisitReader } from './services/orphan-visits.ts';
import { createPasswordHasher } from './services/password-hasher.ts';
import { createPasswordResetService } from './services/password-reset-service.ts';
import { createRedisLinkCache } from './services/redis-link-cache.ts';
import { createSessionStore } from './services/session-store.ts';
import { createSignupConfirmationService } from './services/signup-confirmation-service.ts';
import { createStatsService } from './services/stats-service.ts';
import { createVisitsService } from './services/visits-service.ts';
import { createWorkspaceService } from './services/workspace-service.ts';

export interface AppDeps {
  config: ApiConfig;
  /** Primary database: every write and the reads that must see them. */
  db: Db;
  /** Replica for statistics (DATABASE_READ_URL); the primary when absent. */
  readDb?: Db;
  /** Queue Redis (noeviction): sessions, rate-limit counters, API key last-use buffer. */
  redis: RedisClient;
  /** Link cache Redis (may evict); invalidations are published here, where the edges subscribe. */
  cacheRedis: RedisClient;
  metadataQueue: MetadataQueue;
  /** The `email` queue; mails are queued only when SMTP_URL is set (email on). */
  mailQueue?: MailQueue;
  metrics: MetricsRegistry;
  logger: FastifyBaseLogger;
  clock?: () => Date;
  /** Server spans for every request (OTEL_EXPORTER_OTLP_ENDPOINT set); none when tracing is off. */
  tracing?: Pick<Tracing, 'instrumentFastify'>;
}

export interface AppOptions {
  /** Overrides the link cache port (tests observe writes through it); Redis-backed by default. */
  linkCache?: LinkCache;
}

export async function buildApp(deps: AppDeps, opts: AppOptions = {}) {
  const { config, db } = deps;
  const clock = deps.clock ?? (() => new Date());
  const keys = createRedisKeys(config.redisKeyPrefix);

  const app = Fastify({
    loggerInstance: deps.logger,
    // One line per request, and ids unique across the API's worker processes.
    ...requestLogOptions(),
    // Client IPs (rate limits, logs) come from the socket unless the proxy is listed in TRUST_PROXY.
    trustProxy: config.trustProxy.length > 0 ? config.trustProxy : false,
    bodyLimit: config.bodyLimit,
    requestTimeout: config.requestTimeoutMs,
    keepAliveTimeout: config.keepAliveTimeoutMs,
    http: { headersTimeout: config.headersTimeoutMs },
    ajv: {
      customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: false },
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  // First, so every other hook and handler runs inside the request's span.
  deps.tracing?.instrumentFastify(app);
  logEachRequestOnce(app);
  registerErrorHandling(app);
  registerInputHygiene(app);
  for (const schema of [
    ProblemSchema,
    LinkSchema,
    CreateLinkBody,
    CampaignSchema,
    LinkStats,
    WorkspaceSchema,
    MemberSchema,
    InvitationSchema,
    AuditEventSchema,
    DomainSchema,
    AdminUserSchema,
    InstanceAuditEventSchema,
    BlockedDestinationSchema,
    BlockedLinkSchema,
    OrphanVisitSchema,
  ]) {
    app.addSchema(schema);
  }

  await app.register(helmet, {
    // The Swagger UI at /docs needs its own inline scripts and styles; the JSON API needs no CSP at all.
    contentSecurityPolicy: false,
  });
  await app.register(cookie);
  await app.register(cors, {
    origin: config.corsOrigins.length > 0 ? config.corsOrigins : false,
    methods: ['GET', 'POST', 'PATCH', 'DELETE'],
    allowedHeaders: ['authorization', 'content-type', WORKSPACE_HEADER, CSRF_HEADER],
    // The dashboard's fetches carry the session cookie (docs/browser-sessions.md).
    credentials: true,
    exposedHeaders: ['retry-after', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset'],
    maxAge: 600,
  });
  await registerRateLimits(app, {
    redis: deps.redis,
    keys,
    perIp: { max: config.defaultRateLimitMax, windowMs: config.defaultRateLimitWindowMs },
  });
  app.setNotFoundHandler({ preHandler: app.rateLimit() }, notFoundHandler);

  // No /metrics here: this is the public port. The cluster's metrics port serves them (METRICS_PORT).
  await app.register(metricsPlugin, { registry: deps.metrics.registry });
  // Ready once Postgres and the queue Redis have answered since start (a pod that cannot reach them never
  // took traffic), then ready through their outages: every API pod shares them, so failing /ready would
  // empty the Service at once, while the API answers a retryable 503 problem itself. See
  // docs/operations/health-and-readiness.md.
  await app.register(healthPlugin, {
    monitor: createDependencyMonitor({
      checks: {
        postgres: postgresCheck(db.$client),
        queueRedis: queueRedisCheck(deps.redis),
        cacheRedis: redisCheck(deps.cacheRedis),
      },
      intervalMs: config.dependencyCheckIntervalMs,
      timeoutMs: config.dependencyCheckTimeoutMs,
      metrics: deps.metrics,
      logger: deps.logger,
    }),
    readyAfterFirstAnswerFrom: ['postgres', 'queueRedis'],
  });
  await registerDocs(app, {});

  const hasher = createPasswordHasher({
    memoryCost: config.argon2MemoryKib,
    timeCost: config.argon2TimeCost,
    parallelism: config.argon2Parallelism,
  });
  const sessions = createSessionStore({
    redis: deps.redis,
    keys,
    ttlSeconds: config.sessionTtlSeconds,
    clock,
  });
  const lastUsed = createLastUsedTracker({
    redis: deps.redis,
    db,
    hashKey: keys.apiKeyLastUsed(),
    clock,
    logger: app.log,
  });
  const apiKeys = createApiKeyService({ db, lastUsed });
  // Email is on when SMTP_URL is set: the consumer sends what the API queues here.
  const mail =
    config.smtpUrl !== undefined && deps.mailQueue !== undefined
      ? { queue: deps.mailQueue, composer: createMailComposer({ appUrl: config.appUrl }) }
      : undefined;
  const budget = (name: string, unit: string, max: number, windowMs: number) =>
    createAccountBudget({
      redis: deps.redis,
      name,
      unit,
      limit: { max, windowMs },
      key: (accountId) => keys.budget(name, accountId),
    });
  const invitations = createInvitationService({
    db,
    clock,
    mail,
    perInviter: budget(
      'invitation',
      'invitations',
      config.invitationRateLimitMax,
      config.invitationRateLimitWindowMs,
    ),
  });
  const audit = createAuditLog({ db, logger: app.log });
  const instanceUsers = createInstanceUsers({ db, clock });
  const instanceAudit = createInstanceAudit({ db, logger: app.log });
  const auth = createAuthService({
    db,
    invitations,
    registration: config.registration,
    redis: deps.redis,
    hasher,
    sessions,
    loginThrottle: {
      keyPrefix: keys.rateLimit('login-account'),
      max: config.loginAccountRateLimitMax,
      windowMs: config.loginAccountRateLimitWindowMs,
    },
  });
  // Mails that unauthenticated requests ask for (reset, sign-up), per address: bounds mail bombing.
  const addressMail = budget(
    'address-mail',
    'mails to this address',
    config.addressMailRateLimitMax,
    config.addressMailRateLimitWindowMs,
  );
  const passwordResets = createPasswordResetService({
    db,
    hasher,
    sessions,
    clock,
    logger: app.log,
    mail,
    perAddress: addressMail,
  });
  // With email on, sign-up without an invitation is confirmed by mail and never reveals an account.
  const signupConfirmations =
    mail === undefined
      ? undefined
      : createSignupConfirmationService({
          db,
          redis: deps.redis,
          keys,
          auth,
          mail,
          perAddress: addressMail,
          clock,
          logger: app.log,
        });
  const budgets: AccountBudgets = {
    linkCreate: budget(
      'link-create',
      'links',
      config.linkCreateRateLimitMax,
      config.linkCreateRateLimitWindowMs,
    ),
    linkPassword: budget(
      'link-password',
      'password hashes',
      config.linkPasswordRateLimitMax,
      config.linkPasswordRateLimitWindowMs,
    ),
    metadataFetch: budget(
      'metadata-fetch',
      'metadata fetches',
      config.metadataFetchRateLimitMax,
      config.metadataFetchRateLimitWindowMs,
    ),
    qrPng: budget('qr-png', 'QR PNG units', config.qrPngRateLimitMax, config.qrPngRateLimitWindowMs),
  };
  const cache =
    opts.linkCache ??
    createRedisLinkCache({
      cache: deps.cacheRedis,
      publisher: deps.cacheRedis,
      keys,
      ttlSeconds: config.linkCacheTtlSeconds,
    });
  const blocklist = createBlocklistService({
    db,
    cache,
    publisher: deps.cacheRedis,
    publishChannel: keys.blocklistChannel(),
    logger: app.log,
    clock,
  });
  const domainInvalidations = createRedisDomainInvalidations({ publisher: deps.cacheRedis, keys });
  const domains = createDomainService({
    db,
    cache,
    checks: domainChecksFromSettings(db, config, clock),
    invalidations: domainInvalidations,
    blockedDestinations: blocklist,
    logger: app.log,
    clock,
    settings: {
      shortDomains: config.shortDomains,
      cnameTarget: config.cnameTarget,
      destinationBlocklist: config.blockedDomains,
    },
  });
  const links = createLinkService({
    db,
    cache,
    customDomains: domains,
    blockedDestinations: blocklist,
    metadataQueue: deps.metadataQueue,
    hasher,
    clock,
    logger: app.log,
    budgets,
    counters: {
      cacheWriteFailures: deps.metrics.counter({
        name: 'boltlink_api_link_cache_write_failures_total',
        help: 'Link cache refreshes/invalidations that failed after the Postgres write committed',
      }),
      metadataEnqueueFailures: deps.metrics.counter({
        name: 'boltlink_api_metadata_enqueue_failures_total',
        help: 'link-metadata jobs that could not be enqueued (the link was still created)',
      }),
      metadataJobsSkipped: deps.metrics.counter({
        name: 'boltlink_api_metadata_jobs_skipped_total',
        help: "link-metadata jobs not queued because the account's metadata fetch budget was spent",
      }),
    },
    settings: {
      shortDomains: config.shortDomains,
      shortUrlScheme: config.shortUrlScheme,
      codeLength: config.codeLength,
      destinationBlocklist: config.blockedDomains,
      passwordHashConcurrency: config.linkPasswordHashConcurrency,
    },
  });
  const campaigns = createCampaignService({ db, cache, logger: app.log });
  const stats = createStatsService({
    db: deps.readDb ?? db,
    primary: db,
    clock,
    visitors: createRedisAccountVisitors(deps.redis, keys),
    retentionDays: config.clickEventRetentionDays,
  });
  const visits = createVisitsService({
    db: deps.readDb ?? db,
    retentionDays: config.clickEventRetentionDays,
    clock,
  });
  const workspaces = createWorkspaceService({ db, cache, domainInvalidations, logger: app.log });
  const authenticator = createAuthenticator(app, {
    sessions,
    apiKeys,
    members: workspaces,
    browserOrigins: config.corsOrigins,
    users: instanceUsers,
  });

  await app.register(
    async (api) => {
      const v1 = api.withTypeProvider<TypeBoxTypeProvider>();
      authRoutes(v1, {
        auth,
        audit,
        sessions,
        authenticator,
        signup: { max: config.signupRateLimitMax, windowMs: config.signupRateLimitWindowMs },
        login: { max: config.loginRateLimitMax, windowMs: config.loginRateLimitWindowMs },
        sessionTtlSeconds: config.sessionTtlSeconds,
        passwordResets,
        signupConfirmations,
        passwordReset: {
          max: config.passwordResetRateLimitMax,
          windowMs: config.passwordResetRateLimitWindowMs,
        },
      });
      meRoutes(v1, { auth, authenticator });
      apiKeyRoutes(v1, {
        apiKeys,
        audit,
        authenticator,
        createLimit: { max: config.apiKeyCreateRateLimitMax, windowMs: config.apiKeyCreateRateLimitWindowMs },
      });
      linkRoutes(v1, {
        links,
        audit,
        db,
        shortUrlScheme: config.shortUrlScheme,
        authenticator,
        bulkBodyLimit: config.bulkBodyLimit,
      });
      qrRoutes(v1, { links, authenticator, pngBudget: budgets.qrPng });
      campaignRoutes(v1, { campaigns, audit, authenticator });
      domainRoutes(v1, { domains, audit, authenticator });
      linkDomainRoutes(v1, { domains, shortDomains: config.shortDomains, authenticator });
      statsRoutes(v1, { stats, authenticator });
      visitRoutes(v1, { visits, links, authenticator });
      orphanVisitRoutes(v1, {
        orphanVisits: createOrphanVisitReader({ db, shortDomains: config.shortDomains }),
        authenticator,
      });
      workspaceRoutes(v1, { workspaces, audit, authenticator });
      invitationRoutes(v1, { invitations, audit, authenticator });
      auditLogRoutes(v1, { audit, authenticator });
      adminUserRoutes(v1, { auth, users: instanceUsers, audit: instanceAudit, authenticator });
      adminBlockRoutes(v1, { blocklist, audit: instanceAudit, authenticator });
    },
    { prefix: '/api/v1' },
  );

  // lastUsedAt reaches Postgres in bulk every few seconds and once more on shutdown.
  let flushTimer: NodeJS.Timeout | undefined;
  const flushLastUsed = async () => {
    try {
      await lastUsed.flush();
    } catch (error) {
      app.log.warn({ err: error }, 'API key lastUsedAt flush failed; will retry');
    }
  };
  app.addHook('onReady', async () => {
    flushTimer = setInterval(() => void flushLastUsed(), config.apiKeyLastUsedFlushMs);
    flushTimer.unref();
  });
  app.addHook('preClose', async () => {
    await app.drainPasswordResets();
    clearInterval(flushTimer);
    await flushLastUsed();
  });

  app.decorate('flushApiKeyUsage', () => lastUsed.flush());
  app.decorate('drainPasswordResets', async () => {
    await Promise.all([passwordResets.drain(), signupConfirmations?.drain()]);
  });
  return app;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Writes buffered API key lastUsedAt values to Postgres now (tests, shutdown). */
    flushApiKeyUsage(): Promise<number>;
    /** Waits until the reset and sign-up mails of requests already answered are queued (tests, shutdown). */
    drainPasswordResets(): Promise<void>;
  }
}

export type BoltlinkApi = Awaited<ReturnType<typeof buildApp>>;
