// The management API's per-account budgets, off against on, in the same run, on the same servers:
//
//   pnpm --filter @boltlink/bench exec tsx api-limits.ts
//   FLOOD_BULKS=10 FLOOD_SIZE=1000 PASSWORD_CLIENTS=4 PASSWORD_BULKS=3 (defaults)
//
// "off" sets every budget (LINK_CREATE, LINK_PASSWORD, METADATA_FETCH, QR_PNG _RATE_LIMIT_MAX) to 1,000,000
// and LINK_PASSWORD_HASH_CONCURRENCY to 64; "on" uses the defaults. The per-request bounds are constants and hold in both modes: at most 50 passwords
// per bulk request and PNGs of at most 1024 px. Per mode, on a real API (HTTP on 127.0.0.1) over local
// Postgres and Redis:
// - flood: one account sends FLOOD_BULKS bulk requests of FLOOD_SIZE untitled links, one after the other;
//   links created, requests refused (429), link-metadata jobs queued and skipped;
// - passwords: login latency (p50/p95) idle, then while PASSWORD_CLIENTS clients each send PASSWORD_BULKS bulk
//   requests of 50 password-protected links (argon2id hashes share libuv's threads with login's verify);
// - QR PNG: time to answer a PNG by size (budgets off), and how many 1024-px PNGs one burst gets (on).
// Results: bench/results/api-limits.json.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { loadApiConfig } from '@boltlink/config/services';
import { createDb, createPool } from '@boltlink/db/client';
import { createMetricsRegistry } from '@boltlink/observability/metrics';
import { createCacheRedis, createQueueRedis, waitForReady } from '@boltlink/redis-keys/clients';
import { Queue } from 'bullmq';
import pino from 'pino';
import { buildApp } from '../apps/management-api/src/app.ts';
import { createQueueProducer } from '../packages/queues/src/producer.ts';
import { writeResults } from './lib/results-file.ts';
import { startBenchStack } from './lib/stack.ts';

const FLOOD_BULKS = Number(process.env.FLOOD_BULKS ?? 10);
const FLOOD_SIZE = Number(process.env.FLOOD_SIZE ?? 1000);
const PASSWORD_CLIENTS = Number(process.env.PASSWORD_CLIENTS ?? 4);
const PASSWORD_BULKS = Number(process.env.PASSWORD_BULKS ?? 3);
const PASSWORDS_PER_BULK = 50;
const IDLE_LOGINS = 20;
const QR_SIZES = [256, 512, 1024] as const;
const QR_REPEATS = 5;
const PASSWORD = 'correct horse battery staple';

const BUDGETS_OFF = {
  LINK_CREATE_RATE_LIMIT_MAX: '1000000',
  LINK_PASSWORD_RATE_LIMIT_MAX: '1000000',
  METADATA_FETCH_RATE_LIMIT_MAX: '1000000',
  QR_PNG_RATE_LIMIT_MAX: '1000000',
  // As many hashes in flight as the bulk route starts (8 per request), as before the bound existed.
  LINK_PASSWORD_HASH_CONCURRENCY: '64',
};
// The bench is one client address: the per-IP request limits are not what is measured.
const PER_IP_RELAXED = {
  DEFAULT_RATE_LIMIT_MAX: '1000000',
  SIGNUP_RATE_LIMIT_MAX: '1000000',
  LOGIN_RATE_LIMIT_MAX: '1000000',
};

const percentile = (values: readonly number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
};
const round = (value: number, digits = 1) => Number(value.toFixed(digits));

interface RunningApi {
  url: string;
  metricsText(): Promise<string>;
  queue: Queue;
  close(): Promise<void>;
}

async function startApi(
  databaseUrl: string,
  redisUrl: string,
  env: Record<string, string>,
): Promise<RunningApi> {
  const prefix = `bench-${randomUUID().slice(0, 8)}`;
  const queuePrefix = `{${prefix}}`;
  const config = loadApiConfig({
    NODE_ENV: 'development',
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    REDIS_KEY_PREFIX: prefix,
    QUEUE_PREFIX: queuePrefix,
    SHORT_DOMAINS: 'sho.rt',
    LOG_LEVEL: 'error',
    ...PER_IP_RELAXED,
    ...env,
  });
  const pool = createPool({ connectionString: databaseUrl, max: 10, onError: () => {} });
  const quiet = { onError: () => undefined };
  const redis = createCacheRedis(redisUrl, quiet);
  const cacheRedis = createCacheRedis(redisUrl, quiet);
  const queueRedis = createQueueRedis(redisUrl, 'producer', quiet);
  await Promise.all([waitForReady(redis), waitForReady(cacheRedis), waitForReady(queueRedis)]);
  const producer = createQueueProducer({ connection: queueRedis, prefix: queuePrefix });
  const metrics = createMetricsRegistry('management-api', { defaultMetrics: false });
  const app = await buildApp({
    config,
    db: createDb(pool),
    redis,
    cacheRedis,
    metadataQueue: producer,
    metrics,
    logger: pino({ level: 'error' }, pino.destination('/dev/null')),
  });
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  const queue = new Queue('link-metadata', { connection: queueRedis, prefix: queuePrefix });
  return {
    url: address,
    metricsText: () => metrics.registry.metrics(),
    queue,
    async close() {
      await app.close();
      await queue.close();
      await producer.close();
      await Promise.all([redis.quit(), cacheRedis.quit(), queueRedis.quit()]);
      await pool.end();
    },
  };
}

async function call(api: RunningApi, method: string, path: string, body?: unknown, token?: string) {
  const started = performance.now();
  const res = await fetch(`${api.url}${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const bytes = Buffer.from(await res.arrayBuffer());
  return { status: res.status, bytes, ms: performance.now() - started };
}

async function signup(api: RunningApi) {
  const email = `bench-${randomUUID()}@example.com`;
  const res = await call(api, 'POST', '/api/v1/auth/signup', { email, password: PASSWORD });
  if (res.status !== 201) throw new Error(`signup: ${res.status} ${res.bytes}`);
  return { email, token: (JSON.parse(res.bytes.toString()) as { token: string }).token };
}

const counterValue = (text: string, name: string) =>
  Number(new RegExp(`^${name}\\{[^}]*\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);

async function flood(api: RunningApi) {
  const { token } = await signup(api);
  let created = 0;
  let refused = 0;
  const started = performance.now();
  for (let bulk = 0; bulk < FLOOD_BULKS; bulk++) {
    const links = Array.from({ length: FLOOD_SIZE }, (_, i) => ({ url: `https://example.com/${bulk}/${i}` }));
    const res = await call(api, 'POST', '/api/v1/links/bulk', { links }, token);
    if (res.status === 429) refused++;
    else if (res.status === 200) {
      const items = (JSON.parse(res.bytes.toString()) as { items: { id?: string }[] }).items;
      created += items.filter((item) => item.id !== undefined).length;
    } else throw new Error(`bulk: ${res.status} ${res.bytes}`);
  }
  const seconds = (performance.now() - started) / 1000;
  const counts = await api.queue.getJobCounts('waiting', 'delayed', 'active', 'prioritized');
  const queued = Object.values(counts).reduce((sum, n) => sum + n, 0);
  const skipped = counterValue(await api.metricsText(), 'boltlink_api_metadata_jobs_skipped_total');
  return {
    requests: FLOOD_BULKS,
    linksAsked: FLOOD_BULKS * FLOOD_SIZE,
    created,
    refused,
    queued,
    skipped,
    seconds: round(seconds),
  };
}

async function passwords(api: RunningApi) {
  const owner = await signup(api);
  const viewer = await signup(api);
  const login = async () => {
    const res = await call(api, 'POST', '/api/v1/auth/login', { email: viewer.email, password: PASSWORD });
    if (res.status !== 200) throw new Error(`login: ${res.status}`);
    return res.ms;
  };
  const idle: number[] = [];
  for (let i = 0; i < IDLE_LOGINS; i++) idle.push(await login());

  let hashed = 0;
  let refused = 0;
  let done = false;
  const started = performance.now();
  const clients = Array.from({ length: PASSWORD_CLIENTS }, async (_, client) => {
    for (let bulk = 0; bulk < PASSWORD_BULKS; bulk++) {
      const links = Array.from({ length: PASSWORDS_PER_BULK }, (_, i) => ({
        url: `https://example.com/pw/${client}/${bulk}/${i}`,
        password: `secret ${client}-${bulk}-${i}`,
      }));
      const res = await call(api, 'POST', '/api/v1/links/bulk', { links }, owner.token);
      if (res.status === 429) refused++;
      else if (res.status === 200) hashed += PASSWORDS_PER_BULK;
      else throw new Error(`password bulk: ${res.status} ${res.bytes}`);
    }
  });
  const during: number[] = [];
  const logins = (async () => {
    while (!done || during.length < 5) during.push(await login());
  })();
  await Promise.all(clients);
  const bulkSeconds = (performance.now() - started) / 1000;
  done = true;
  await logins;
  return {
    bulkRequests: PASSWORD_CLIENTS * PASSWORD_BULKS,
    passwordsAsked: PASSWORD_CLIENTS * PASSWORD_BULKS * PASSWORDS_PER_BULK,
    passwordsHashed: hashed,
    requestsRefused: refused,
    bulkSeconds: round(bulkSeconds),
    loginIdleMs: { p50: round(percentile(idle, 50)), p95: round(percentile(idle, 95)), n: idle.length },
    loginDuringMs: {
      p50: round(percentile(during, 50)),
      p95: round(percentile(during, 95)),
      n: during.length,
    },
  };
}

async function qrTimings(api: RunningApi) {
  const { token } = await signup(api);
  const res = await call(api, 'POST', '/api/v1/links', { url: 'https://example.com/qr', title: 'QR' }, token);
  const { id } = JSON.parse(res.bytes.toString()) as { id: string };
  const bySize: Record<string, { medianMs: number; bytes: number }> = {};
  for (const size of QR_SIZES) {
    const times: number[] = [];
    let bytes = 0;
    for (let i = 0; i < QR_REPEATS; i++) {
      const png = await call(api, 'GET', `/api/v1/links/${id}/qr?format=png&size=${size}`, undefined, token);
      if (png.status !== 200) throw new Error(`qr ${size}: ${png.status}`);
      times.push(png.ms);
      bytes = png.bytes.length;
    }
    bySize[size] = { medianMs: round(percentile(times, 50)), bytes };
  }
  const over = await call(api, 'GET', `/api/v1/links/${id}/qr?format=png&size=2048`, undefined, token);
  return { bySize, status2048: over.status };
}

async function qrBurst(api: RunningApi) {
  const { token } = await signup(api);
  const res = await call(api, 'POST', '/api/v1/links', { url: 'https://example.com/qr', title: 'QR' }, token);
  const { id } = JSON.parse(res.bytes.toString()) as { id: string };
  const statuses: number[] = [];
  for (let i = 0; i < 10; i++) {
    statuses.push(
      (await call(api, 'GET', `/api/v1/links/${id}/qr?format=png&size=1024`, undefined, token)).status,
    );
  }
  return {
    asked: statuses.length,
    served: statuses.filter((s) => s === 200).length,
    refused: statuses.filter((s) => s === 429).length,
  };
}

// Servers of its own: the rate-limit counters must start empty.
const stack = await startBenchStack({ fromEnv: false, redis: { appendOnly: true } });

const results: Record<string, unknown> = {};
try {
  for (const [mode, env] of [
    ['off', BUDGETS_OFF],
    ['on', {}],
  ] as const) {
    const api = await startApi(stack.databaseUrl, stack.redisUrl, env);
    try {
      const floodResult = await flood(api);
      console.log(mode, 'flood', floodResult);
      const passwordResult = await passwords(api);
      console.log(mode, 'passwords', passwordResult);
      const qr = mode === 'off' ? await qrTimings(api) : await qrBurst(api);
      console.log(mode, 'qr', qr);
      results[mode] = { flood: floodResult, passwords: passwordResult, qr };
    } finally {
      await api.close();
    }
  }
} finally {
  await stack.stop();
}

const settings = {
  flood: `${FLOOD_BULKS} bulk requests × ${FLOOD_SIZE} untitled links, one account, sequential`,
  passwords: `${PASSWORD_CLIENTS} clients × ${PASSWORD_BULKS} bulk requests × ${PASSWORDS_PER_BULK} passwords, one account, while one client logs in repeatedly`,
  budgetsOff: BUDGETS_OFF,
  budgetsOn:
    'defaults: 2000 links/h, 200 passwords/h, 1000 metadata fetches/h, 120 QR PNG units/60 s, 2 link-password hashes in flight',
};
await writeResults('api-limits', { settings, results });
