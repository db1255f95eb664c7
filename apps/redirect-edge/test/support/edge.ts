import { type EdgeConfig, loadEdgeConfig } from '@boltlink/config/services';
import type { Db } from '@boltlink/db/client';
import { campaigns, links, type NewLink, users } from '@boltlink/db/schema';
import type { Tracing } from '@boltlink/observability/tracing';
import { type ClickBatch, parseClickBatch } from '@boltlink/queues/catalog';
import { createQueueRedis, waitForReady } from '@boltlink/redis-keys/clients';
import { bounded, sharedByFiles, test as withDatabase } from '@boltlink/testing/fixtures';
import { Queue } from 'bullmq';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import pino from 'pino';
import { buildApp, type EdgeDeps } from '../../src/app.ts';
import { createEdgeDeps } from '../../src/deps.ts';
import { type CountryLookup, createCountryLookup } from '../../src/domain/geoip.ts';
import type { LinkStore } from '../../src/domain/ports.ts';

export const DOMAIN = 'sho.rt';

export interface TestEdge {
  app: FastifyInstance;
  deps: EdgeDeps;
  config: EdgeConfig;
  /** Calls that reached Postgres through the edge's link store (findLink only). */
  storeLookups: () => number;
}

/**
 * A real edge (real Postgres, Redis and BullMQ producer) built exactly as server.ts builds it — including the
 * country database when the environment names one (`GEOIP_DB_PATH`) —, with one addition: the Postgres link
 * store is wrapped to count the lookups that reached it.
 */
export async function startEdge(options: {
  databaseUrl: string;
  redisUrl: string;
  prefix: string;
  env?: Record<string, string>;
  countryLookup?: CountryLookup;
  /** Where the edge logs; silent by default. */
  logger?: FastifyBaseLogger;
  /** Tracing as server.ts starts it when an OTLP endpoint is configured; none by default. */
  tracing?: Tracing;
}): Promise<TestEdge> {
  const config = loadEdgeConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: options.databaseUrl,
    REDIS_URL: options.redisUrl,
    REDIS_KEY_PREFIX: options.prefix,
    QUEUE_PREFIX: `{${options.prefix}}`,
    SHORT_DOMAINS: `${DOMAIN},localhost:8080`,
    // A loaded test host can take longer than the 50 ms production budget for a healthy Redis read, which would
    // open the cache breaker mid-test; tests of the budget set it themselves.
    CACHE_READ_BUDGET_MS: '0',
    ...options.env,
  });
  const countryLookup =
    options.countryLookup ??
    (config.geoipDbPath === undefined ? undefined : await createCountryLookup(config.geoipDbPath));
  const deps = createEdgeDeps(config, options.logger ?? pino({ level: 'silent' }), {
    countryLookup,
    tracer: options.tracing,
  });
  let lookups = 0;
  const store: LinkStore = deps.linkStore;
  deps.linkStore = {
    findLink(domain, code) {
      lookups += 1;
      return store.findLink(domain, code);
    },
    humanClickCount: (linkId) => store.humanClickCount(linkId),
  };
  await Promise.all(
    [deps.cacheRedis, deps.stateRedis, deps.queueRedis, deps.subscriber].map((redis) =>
      waitForReady(redis, 5000).catch(() => undefined),
    ),
  );
  const app = await buildApp(deps, options.tracing === undefined ? {} : { tracing: options.tracing });
  await app.ready();
  return { app, deps, config, storeLookups: () => lookups };
}

/**
 * vitest's `test` with this file's edge (`edge`, built as server.ts builds it on the file's database and
 * Redis prefix, closed after the file) and the user that owns its links (`userId`). A file whose edge needs
 * other settings gives itself its own `test`, once, at the top:
 * `const test = edgeTest.extend('edgeEnv', { scope: 'file' }, { PASSWORD_RATE_LIMIT_MAX: '3' })` (this one
 * imported as edgeTest; not `test.override`, which would reach the worker's later files: see sharedByFiles).
 */
export const test = sharedByFiles(
  withDatabase
    .extend('edgeEnv', { scope: 'file' }, {} as Record<string, string>)
    .extend('edge', { scope: 'file' }, async ({ database, prefix, redisUrl, edgeEnv }, { onCleanup }) => {
      const edge = await startEdge({ databaseUrl: database.url, redisUrl, prefix, env: edgeEnv });
      onCleanup(() => bounded('redirect edge', () => edge.app.close()));
      return edge;
    })
    .extend('userId', { scope: 'file' }, ({ database }) => createUser(database.db)),
  "const test = edgeTest.extend('edgeEnv', { scope: 'file' }, { … })",
);

export async function createUser(
  db: Db,
  email = `owner-${crypto.randomUUID()}@example.com`,
): Promise<string> {
  const [user] = await db.insert(users).values({ email, passwordHash: 'not-used-by-the-edge' }).returning();
  if (!user) throw new Error('user insert returned nothing');
  return user.id;
}

let codeCounter = 0;
export function uniqueCode(label = 'c'): string {
  codeCounter += 1;
  return `${label}${codeCounter}${Math.random().toString(36).slice(2, 8)}`;
}

export async function insertLink(db: Db, values: Partial<NewLink> & { userId: string }) {
  const [link] = await db
    .insert(links)
    .values({ domain: DOMAIN, code: uniqueCode(), url: 'https://example.com/landing', ...values })
    .returning();
  if (!link) throw new Error('link insert returned nothing');
  return link;
}

export async function insertCampaign(db: Db, userId: string) {
  const [campaign] = await db
    .insert(campaigns)
    .values({
      userId,
      name: 'Spring',
      utmSource: 'newsletter',
      utmMedium: 'email',
      utmCampaign: 'spring sale',
    })
    .returning();
  if (!campaign) throw new Error('campaign insert returned nothing');
  return campaign;
}

/** Reads the click batches the edge enqueued, straight from BullMQ. */
export async function readClickBatches(redisUrl: string, prefix: string): Promise<ClickBatch[]> {
  return (await readClickJobs(redisUrl, prefix)).map((data) => parseClickBatch(data));
}

/** The click jobs' payloads as the edge wrote them (the wire format, before any parsing). */
export async function readClickJobs(redisUrl: string, prefix: string): Promise<unknown[]> {
  const connection = createQueueRedis(redisUrl, 'producer');
  await waitForReady(connection);
  const queue = new Queue('clicks', { connection, prefix: `{${prefix}}` });
  try {
    const jobs = await queue.getJobs(['waiting', 'delayed', 'prioritized', 'active', 'completed', 'failed']);
    return jobs.map((job) => job.data as unknown);
  } finally {
    await queue.close();
    connection.disconnect();
  }
}

export async function waitFor<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs = 3000,
  stepMs = 20,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, stepMs));
  }
}

export function metricValue(text: string, name: string): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name} `) || line.startsWith(`${name}{`))
      total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

/** A logger that keeps the JSON lines it writes, for tests that assert what an operator would read. */
export function capturingLogger(level: pino.Level = 'info'): {
  logger: FastifyBaseLogger;
  lines: () => Record<string, unknown>[];
} {
  const lines: Record<string, unknown>[] = [];
  const logger = pino(
    { level },
    {
      write(line: string) {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      },
    },
  );
  return { logger, lines: () => lines };
}
