import { Writable } from 'node:stream';
import { loadApiConfig } from '@boltlink/config/services';
import type { Db } from '@boltlink/db/client';
import { type WorkspaceRole, workspaceMembers } from '@boltlink/db/schema';
import { createLoggerOptions } from '@boltlink/observability/logger';
import { createMetricsRegistry, type MetricsRegistry } from '@boltlink/observability/metrics';
import { parseEmailJob, QUEUE_NAMES } from '@boltlink/queues/catalog';
import { createQueueProducer } from '@boltlink/queues/producer';
import {
  createCacheRedis,
  createQueueRedis,
  createStateRedis,
  type RedisClient,
  waitForReady,
} from '@boltlink/redis-keys/clients';
import { createRedisKeys } from '@boltlink/redis-keys/keys';
import { bounded, sharedByFiles, test as withDatabase } from '@boltlink/testing/fixtures';
import { createTestDatabase, type TestDatabase } from '@boltlink/testing/postgres';
import { testRedisUrl, uniquePrefix } from '@boltlink/testing/redis';
import { Queue } from 'bullmq';
import pino from 'pino';
import { type BoltlinkApi, buildApp } from '../../src/app.ts';
import { API_REDIS_COMMAND_TIMEOUT_MS } from '../../src/redis-options.ts';
import type { LinkView } from '../../src/schemas/links.ts';

export interface TestApi {
  app: BoltlinkApi;
  database: TestDatabase;
  redis: RedisClient;
  prefix: string;
  queuePrefix: string;
  keys: ReturnType<typeof createRedisKeys>;
  /** Every log line the app wrote, as raw JSON text. */
  logs: string[];
  /** The app's Prometheus registry, read directly whichever port serves it. */
  metrics: MetricsRegistry;
  close(): Promise<void>;
}

/** Generous limits so tests that are not about rate limiting never meet one. */
const RELAXED_LIMITS: Record<string, string> = {
  DEFAULT_RATE_LIMIT_MAX: '100000',
  SIGNUP_RATE_LIMIT_MAX: '100000',
  LOGIN_RATE_LIMIT_MAX: '100000',
  LOGIN_ACCOUNT_RATE_LIMIT_MAX: '100000',
  LINK_CREATE_RATE_LIMIT_MAX: '100000',
  LINK_PASSWORD_RATE_LIMIT_MAX: '100000',
  METADATA_FETCH_RATE_LIMIT_MAX: '100000',
  QR_PNG_RATE_LIMIT_MAX: '100000',
  API_KEY_CREATE_RATE_LIMIT_MAX: '100000',
};

/**
 * The real app on a fresh database and its own Redis key/queue prefix, logging into memory so tests can
 * read what would have reached the log pipeline.
 */
export async function startTestApi(
  env: Record<string, string> = {},
  shared?: { database: TestDatabase; prefix: string; readDb?: Db },
): Promise<TestApi> {
  const database = shared?.database ?? (await createTestDatabase());
  const prefix = shared?.prefix ?? uniquePrefix('api');
  const queuePrefix = `{${prefix}}`;
  const redisUrl = env.REDIS_URL ?? testRedisUrl();
  const config = loadApiConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    DATABASE_URL: database.url,
    REDIS_URL: redisUrl,
    REDIS_KEY_PREFIX: prefix,
    QUEUE_PREFIX: queuePrefix,
    SHORT_DOMAINS: 'sho.rt,localhost:8080',
    SHORT_URL_SCHEME: 'https',
    BLOCKED_DOMAINS: 'blocked.example',
    ...RELAXED_LIMITS,
    ...env,
  });
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, callback) {
      logs.push(String(chunk));
      callback();
    },
  });
  const logger = pino(createLoggerOptions({ service: 'management-api', level: 'info', pretty: false }), sink);
  const quiet = { onError: () => undefined };
  const commandTimeoutMs = API_REDIS_COMMAND_TIMEOUT_MS;
  const redis = createStateRedis(redisUrl, { connectionName: 'test-api-state', commandTimeoutMs, ...quiet });
  const cacheRedis = createCacheRedis(env.CACHE_REDIS_URL ?? redisUrl, {
    connectionName: 'test-api-cache',
    commandTimeoutMs,
    ...quiet,
  });
  const queueRedis = createQueueRedis(redisUrl, 'producer', quiet);
  await Promise.all([waitForReady(redis), waitForReady(cacheRedis), waitForReady(queueRedis)]);
  const producer = createQueueProducer({ connection: queueRedis, prefix: queuePrefix });
  const metrics = createMetricsRegistry('management-api', { defaultMetrics: false });
  const app = await buildApp({
    config,
    db: database.db,
    ...(shared?.readDb ? { readDb: shared.readDb } : {}),
    redis,
    cacheRedis,
    metadataQueue: producer,
    mailQueue: producer,
    metrics,
    logger,
  });
  await app.ready();
  return {
    app,
    database,
    redis,
    prefix,
    queuePrefix,
    keys: createRedisKeys(prefix),
    logs,
    metrics,
    async close() {
      await app.close();
      await producer.close();
      await Promise.all([redis.quit(), cacheRedis.quit(), queueRedis.quit()]);
      if (!shared) await database.drop();
    },
  };
}

/**
 * vitest's `test` with the API of this test file: `test('…', async ({ api }) => …)`. One API per file, on
 * the file's database and Redis prefix (from @boltlink/testing), closed after the file. A file whose API needs
 * other settings gives itself its own `test`, once, at the top:
 * `const test = apiTest.extend('apiEnv', { scope: 'file' }, { SIGNUP_RATE_LIMIT_MAX: '3' })` (this one
 * imported as apiTest; not `test.override`, which would reach the worker's later files: see sharedByFiles).
 */
export const test = sharedByFiles(
  withDatabase
    .extend('apiEnv', { scope: 'file' }, {} as Record<string, string>)
    .extend('api', { scope: 'file' }, async ({ database, prefix, apiEnv }, { onCleanup }) => {
      const api = await startTestApi(apiEnv, { database, prefix });
      onCleanup(() => bounded('management API', () => api.close()));
      return api;
    }),
  "const test = apiTest.extend('apiEnv', { scope: 'file' }, { … })",
);

let counter = 0;
export const uniqueEmail = (label = 'user') => `${label}-${Date.now().toString(36)}-${counter++}@example.com`;
export const PASSWORD = 'correct horse battery staple';

export async function signup(api: TestApi, email = uniqueEmail()) {
  const res = await api.app.inject({
    method: 'POST',
    url: '/api/v1/auth/signup',
    payload: { email, password: PASSWORD },
  });
  if (res.statusCode !== 201) throw new Error(`signup failed: ${res.statusCode} ${res.body}`);
  const body = res.json() as { user: { id: string; email: string }; token: string };
  return { ...body, email, auth: { authorization: `Bearer ${body.token}` } };
}

export async function createApiKey(api: TestApi, sessionToken: string, scopes?: string[]) {
  const res = await api.app.inject({
    method: 'POST',
    url: '/api/v1/api-keys',
    headers: { authorization: `Bearer ${sessionToken}` },
    payload: { name: 'test key', ...(scopes ? { scopes } : {}) },
  });
  if (res.statusCode !== 201) throw new Error(`api key failed: ${res.statusCode} ${res.body}`);
  const body = res.json() as { id: string; key: string; prefix: string; scopes: string[] };
  return { ...body, auth: { authorization: `Bearer ${body.key}` } };
}

export async function createLink(
  api: TestApi,
  auth: Record<string, string>,
  payload: Record<string, unknown>,
) {
  const res = await api.app.inject({ method: 'POST', url: '/api/v1/links', headers: auth, payload });
  if (res.statusCode !== 201) throw new Error(`create link failed: ${res.statusCode} ${res.body}`);
  return res.json() as LinkView;
}

export function expectProblem(
  res: { statusCode: number; headers: Record<string, unknown>; json(): unknown },
  status: number,
) {
  const body = res.json() as { type: string; title: string; status: number; detail: string };
  if (
    res.statusCode !== status ||
    !String(res.headers['content-type']).startsWith('application/problem+json')
  ) {
    throw new Error(
      `expected problem ${status}, got ${res.statusCode} ${res.headers['content-type']} ${JSON.stringify(body)}`,
    );
  }
  if (
    body.status !== status ||
    typeof body.type !== 'string' ||
    typeof body.detail !== 'string' ||
    typeof body.title !== 'string'
  ) {
    throw new Error(`malformed problem: ${JSON.stringify(body)}`);
  }
  return body;
}

/**
 * The mails queued so far to `to`, read from the file's `email` queue: what the consumer would
 * send. Tests of the API stop here; the consumer's tests take a mail from the queue to a real SMTP server.
 */
export async function queuedMails(api: TestApi, to: string) {
  const queue = new Queue(QUEUE_NAMES.email, { connection: api.redis, prefix: api.queuePrefix });
  try {
    const jobs = await queue.getJobs(['waiting', 'delayed', 'active', 'completed', 'failed'], 0, -1, true);
    return jobs.map((job) => parseEmailJob(job.data)).filter((mail) => mail.to === to);
  } finally {
    await queue.close();
  }
}

/** A workspace created through the API by `auth`'s user, who owns it. */
export async function createWorkspace(api: TestApi, auth: Record<string, string>, name = 'Team') {
  const res = await api.app.inject({
    method: 'POST',
    url: '/api/v1/workspaces',
    headers: auth,
    payload: { name },
  });
  if (res.statusCode !== 201) throw new Error(`create workspace failed: ${res.statusCode} ${res.body}`);
  const workspace = res.json() as { id: string; name: string };
  return { ...workspace, header: { 'boltlink-workspace': workspace.id } };
}

/** Puts a user in a workspace with a role directly in the database (what an accepted invitation does). */
export async function addMember(api: TestApi, workspaceId: string, userId: string, role: WorkspaceRole) {
  await api.database.db.insert(workspaceMembers).values({ workspaceId, userId, role });
}
