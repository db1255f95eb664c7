// Visits API over partitioned click_events: a streamed export of ROWS visits (default 1,000,000) as CSV and
// NDJSON through the real management API on a port, with the process's memory sampled during each, and the
// plans of the queries that read click_events (every one must use the (link_id, occurred_at) index of the
// day partitions it touches, never a sequential scan).
//
//   pnpm --filter @boltlink/bench visits-export   (node --expose-gc: a collection before each export)
//   ROWS=1000000 DAYS=30 (defaults)
//
// The API runs in this process, so the memory figure is the server's and the reading client's together; the
// client counts bytes and lines as they arrive and keeps nothing.
import { randomUUID } from 'node:crypto';
import { loadApiConfig } from '@boltlink/config/services';
import { createDb, createPool } from '@boltlink/db/client';
import { createMetricsRegistry } from '@boltlink/observability/metrics';
import { createCacheRedis, createQueueRedis, waitForReady } from '@boltlink/redis-keys/clients';
import pino from 'pino';
import { buildApp } from '../apps/management-api/src/app.ts';
import { visitsStatement } from '../apps/management-api/src/services/visits-service.ts';
import { createQueueProducer } from '../packages/queues/src/producer.ts';
import { writeResults } from './lib/results-file.ts';
import { startBenchStack } from './lib/stack.ts';

const ROWS = Number(process.env.ROWS ?? 1_000_000);
const DAYS = Number(process.env.DAYS ?? 30);
const SEED_CHUNK = 200_000;

const stack = await startBenchStack({ durable: false });
const pool = createPool({ connectionString: stack.databaseUrl, max: 10, onError: () => {} });
const prefix = `bench-${randomUUID().slice(0, 8)}`;
const config = loadApiConfig({
  NODE_ENV: 'development',
  DATABASE_URL: stack.databaseUrl,
  REDIS_URL: stack.redisUrl,
  REDIS_KEY_PREFIX: prefix,
  QUEUE_PREFIX: `{${prefix}}`,
  SHORT_DOMAINS: 'sho.rt',
  LOG_LEVEL: 'error',
  DEFAULT_RATE_LIMIT_MAX: '1000000',
  SIGNUP_RATE_LIMIT_MAX: '1000000',
});
const quiet = { onError: () => undefined };
const redis = createCacheRedis(stack.redisUrl, quiet);
const cacheRedis = createCacheRedis(stack.redisUrl, quiet);
const queueRedis = createQueueRedis(stack.redisUrl, 'producer', quiet);
await Promise.all([waitForReady(redis), waitForReady(cacheRedis), waitForReady(queueRedis)]);
const producer = createQueueProducer({ connection: queueRedis, prefix: `{${prefix}}` });
const app = await buildApp({
  config,
  db: createDb(pool),
  redis,
  cacheRedis,
  metadataQueue: producer,
  metrics: createMetricsRegistry('management-api', { defaultMetrics: false }),
  logger: pino({ level: 'error' }, pino.destination('/dev/null')),
});
const base = await app.listen({ host: '127.0.0.1', port: 0 });

async function api(path: string, init: RequestInit = {}) {
  const res = await fetch(`${base}/api/v1${path}`, init);
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.json() as Promise<Record<string, unknown>>;
}

try {
  const signup = await api('/auth/signup', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      email: `bench-${randomUUID()}@example.com`,
      password: 'correct horse battery staple',
    }),
  });
  const auth = { authorization: `Bearer ${String(signup.token)}` };
  const createLink = (url: string) =>
    api('/links', {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ url }),
    });
  const big = String((await createLink('https://example.com/big')).id);
  const small = String((await createLink('https://example.com/small')).id);
  const workspaceId = String((signup.user as { id: string }).id);

  // The partitions the consumer's job would have made for the days seeded (ADR 0015).
  await pool.query(
    `SELECT click_events_create_partition((now() AT TIME ZONE 'UTC')::date - d) FROM generate_series(0, $1::int) AS d`,
    [DAYS],
  );
  const seedStarted = performance.now();
  const stepMs = Math.floor((DAYS * 86_400_000) / ROWS);
  for (let first = 0; first < ROWS; first += SEED_CHUNK) {
    await pool.query(
      `INSERT INTO click_events (event_id, link_id, occurred_at, referrer_host, country, device, browser, os, is_bot)
       SELECT gen_random_uuid(), $1, now() - (g::float8 * $4::int) * interval '1 millisecond',
         (ARRAY['news.example', NULL, 'mail.example'])[g % 3 + 1], (ARRAY['DE', 'US', NULL, 'FR'])[g % 4 + 1],
         (ARRAY['desktop', 'mobile', 'tablet'])[g % 3 + 1], (ARRAY['Chrome', 'Firefox', 'Safari'])[g % 3 + 1],
         (ARRAY['Linux', 'iOS'])[g % 2 + 1], g % 9 = 0
       FROM generate_series($2::int, $3::int) AS g`,
      [big, first + 1, Math.min(first + SEED_CHUNK, ROWS), stepMs],
    );
  }
  await pool.query(
    `INSERT INTO click_events (event_id, link_id, occurred_at, device, browser, os)
     SELECT gen_random_uuid(), $1, now() - g * interval '1 hour', 'desktop', 'Chrome', 'Linux'
     FROM generate_series(1, 100) AS g`,
    [small],
  );
  await pool.query('ANALYZE click_events');
  const seedSeconds = (performance.now() - seedStarted) / 1000;

  /** One export read to the end, counting lines and bytes; rss sampled every 10 ms and at every chunk. */
  async function exportRun(name: string, path: string) {
    global.gc?.();
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 10);
    const started = performance.now();
    let bytes = 0;
    let lines = 0;
    // rss after every 100,000 lines: flat means it stops rising with the rows, whatever V8's heap settles at.
    const series: number[] = [];
    try {
      const res = await fetch(`${base}/api/v1${path}`, { headers: auth });
      if (res.status !== 200 || !res.body) throw new Error(`${path}: ${res.status}`);
      const reader = res.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        bytes += value.length;
        for (const byte of value) {
          if (byte !== 10) continue;
          lines += 1;
          if (lines % 100_000 === 0) series.push(Math.round(process.memoryUsage().rss / 1e6));
        }
        peak = Math.max(peak, process.memoryUsage().rss);
      }
    } finally {
      clearInterval(sampler);
    }
    const seconds = (performance.now() - started) / 1000;
    return {
      name,
      rows: path.includes('format=ndjson') ? lines : lines - 1,
      megabytes: Number((bytes / 1e6).toFixed(1)),
      seconds: Number(seconds.toFixed(2)),
      rowsPerSecond: Math.round((path.includes('format=ndjson') ? lines : lines - 1) / seconds),
      rssBeforeMb: Math.round(baseline / 1e6),
      rssPeakGrowthMb: Number(((peak - baseline) / 1e6).toFixed(1)),
      rssEvery100kRowsMb: series,
    };
  }

  const exports = [
    await exportRun('link, NDJSON', `/links/${big}/visits/export?format=ndjson`),
    await exportRun('link, CSV', `/links/${big}/visits/export?format=csv`),
    await exportRun('workspace, CSV (one day at a time)', '/visits/export?format=csv'),
    await exportRun('link, CSV, country=DE&bot=false', `/links/${big}/visits/export?country=DE&bot=false`),
  ];

  // The plans of what reads click_events: a page of a link, a filtered page, a workspace day, and the
  // lookup by link that deleting a link runs (trigger links_delete_rollups).
  const now = new Date();
  const since = new Date(now.getTime() - 90 * 86_400_000);
  const dayStart = new Date(Math.floor(now.getTime() / 86_400_000) * 86_400_000);
  const statements = {
    'link page': visitsStatement(
      { linkId: big },
      { from: since, to: now },
      { from: since, to: now },
      { limit: 51 },
    ),
    'link page, country=DE, bot=false': visitsStatement(
      { linkId: big },
      { from: since, to: now, country: 'DE', bot: false },
      { from: since, to: now },
      { limit: 51 },
    ),
    'workspace page, one day': visitsStatement(
      { workspaceId },
      { from: since, to: now },
      { from: dayStart, to: now },
      {
        limit: 51,
      },
    ),
    'link delete lookup': { text: 'SELECT event_id FROM click_events WHERE link_id = $1', values: [small] },
  };
  const plans: Record<string, { ms: number; seqScans: number; indexScans: number; partitions: number }> = {};
  for (const [name, statement] of Object.entries(statements)) {
    const result = await pool.query<{ 'QUERY PLAN': unknown }>(
      `EXPLAIN (ANALYZE, FORMAT JSON) ${statement.text}`,
      statement.values,
    );
    const explained = result.rows[0]?.['QUERY PLAN'] as [{ 'Execution Time': number }];
    const text = JSON.stringify(explained);
    const [plan] = explained;
    plans[name] = {
      ms: Number(plan['Execution Time'].toFixed(2)),
      seqScans: (
        text.match(/"Node Type":"Seq Scan","Parent Relationship":"Member"|"Node Type":"Seq Scan"/g) ?? []
      ).length,
      indexScans: (text.match(/"Node Type":"Index (Only )?Scan( Backward)?"/g) ?? []).length,
      partitions: new Set(text.match(/click_events_p\d{8}|click_events_default/g) ?? []).size,
    };
  }

  console.log(`\n${ROWS} visits of one link over ${DAYS} days (seeded in ${seedSeconds.toFixed(1)} s)\n`);
  for (const run of exports) console.log(run);
  console.log('\nplans (EXPLAIN ANALYZE):');
  for (const [name, plan] of Object.entries(plans)) console.log(name, plan);
  const body = [
    `${ROWS.toLocaleString('en')} visits of one link over ${DAYS} day partitions, exported through the API on a port (API and client in one process).`,
    '',
    '| export | rows | MB | seconds | rows/s | rss before (MB) | rss peak growth (MB) | rss every 100k rows (MB) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...exports.map(
      (r) =>
        `| ${r.name} | ${r.rows} | ${r.megabytes} | ${r.seconds} | ${r.rowsPerSecond} | ${r.rssBeforeMb} | ${r.rssPeakGrowthMb} | ${r.rssEvery100kRowsMb.join(' ')} |`,
    ),
    '',
    'The first export grows the process to the heap size V8 settles at under that rate of garbage; from then on',
    'rss stays on that plateau whatever the number of rows (the later exports, and the series within each).',
    '',
    '| query on click_events | ms | index scans | seq scans | partitions in plan |',
    '| --- | --- | --- | --- | --- |',
    ...Object.entries(plans).map(
      ([name, p]) => `| ${name} | ${p.ms} | ${p.indexScans} | ${p.seqScans} | ${p.partitions} |`,
    ),
  ].join('\n');
  await writeResults(
    'visits-export',
    { rows: ROWS, days: DAYS, exports, plans },
    { title: 'Visits export and click_events query plans', body },
  );
} finally {
  await app.close();
  await producer.close();
  await Promise.all([redis.quit(), cacheRedis.quit(), queueRedis.quit()]);
  await pool.end();
  await stack.stop();
}
