import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runMigrations } from '@boltlink/db/migrate';
import { freePort } from '@boltlink/local-servers/free-port';
import { type LocalPgBouncer, pgbouncerBinary, startPgBouncer } from '@boltlink/local-servers/pgbouncer';
import { type LocalPostgres, startPostgres } from '@boltlink/local-servers/postgres';
import { type LocalRedis, startRedis } from '@boltlink/local-servers/redis';
import { type ServiceProcesses, startServiceProcesses } from '@boltlink/testing/service-processes';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../src/paths.ts';

// The API, the edge and the consumer, each its own process as deployed, with DATABASE_URL pointing at
// PgBouncer in transaction pooling (infra/pgbouncer/pgbouncer.ini): a person signs up, makes links, their
// links are clicked, the clicks are counted, listed and exported, and the consumer's hourly job runs. Then no
// server connection of the pool carries a setting a transaction left behind.

const hasPgBouncer = pgbouncerBinary() !== null;
if (!hasPgBouncer)
  console.warn('[boltlink] pgbouncer is not installed: the PgBouncer whole-flow test is skipped');

const USER = { name: 'boltlink', password: 'pooled-secret' };
const work = mkdtempSync(join(tmpdir(), 'boltlink-pgbouncer-flow-'));
// Postgres runs as its own user when the tests run as root: it must reach its data directory below.
chmodSync(work, 0o755);
let postgres: LocalPostgres | undefined;
let redis: LocalRedis | undefined;
let bouncer: LocalPgBouncer | undefined;
let processes: ServiceProcesses | undefined;
const urls = { api: '', edge: '' };
let edgeHost = '';

beforeAll(async () => {
  if (!hasPgBouncer) return;
  postgres = await startPostgres({
    dataDir: join(work, 'postgres'),
    user: USER.name,
    password: USER.password,
    database: 'boltlink',
    ephemeral: true,
  });
  // Migrations go straight to Postgres (a session-level advisory lock), as MIGRATE_DATABASE_URL does.
  await runMigrations(postgres.url);
  redis = await startRedis({ appendOnly: false });
  bouncer = await startPgBouncer({
    iniFile: join(repoRoot, 'infra/pgbouncer/pgbouncer.ini'),
    upstream: {
      host: '127.0.0.1',
      port: postgres.port,
      database: 'boltlink',
      user: USER.name,
      password: USER.password,
    },
    database: 'boltlink',
  });
  const [apiPort, edgePort, consumerPort, apiMetrics, edgeMetrics] = (await Promise.all(
    Array.from({ length: 5 }, () => freePort()),
  )) as [number, number, number, number, number];
  urls.api = `http://127.0.0.1:${apiPort}`;
  urls.edge = `http://127.0.0.1:${edgePort}`;
  edgeHost = `127.0.0.1:${edgePort}`;
  const common = {
    ...process.env,
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    WEB_CONCURRENCY: '1',
    DATABASE_URL: bouncer.url,
    REDIS_URL: redis.url,
    SHORT_DOMAINS: edgeHost,
    SHORT_URL_SCHEME: 'http',
    CLICK_BATCH_INTERVAL_MS: '50',
  };
  const services = [
    { dir: 'management-api', port: apiPort, metricsPort: apiMetrics },
    { dir: 'redirect-edge', port: edgePort, metricsPort: edgeMetrics },
    { dir: 'analytics-consumer', port: consumerPort },
  ];
  processes = await startServiceProcesses(services, common);
}, 240_000);

afterAll(async () => {
  await processes?.close();
  await bouncer?.stop();
  await redis?.stop();
  await postgres?.stop();
  rmSync(work, { recursive: true, force: true });
}, 60_000);

async function api<T>(
  method: string,
  path: string,
  token?: string,
  body?: unknown,
): Promise<{ status: number; json: T; text: string }> {
  const res = await fetch(`${urls.api}/api/v1${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {}
  return { status: res.status, json: json as T, text };
}

describe.skipIf(!hasPgBouncer)('the whole flow through PgBouncer in transaction pooling', () => {
  it('signs up, makes links, counts, lists and exports clicks, and leaves no setting on a pooled connection', async () => {
    const signup = await api<{ token: string }>('POST', '/auth/signup', undefined, {
      email: `pooled-${Date.now()}@example.com`,
      password: 'correct horse battery staple',
    });
    expect(signup.status, signup.text).toBe(201);
    const token = signup.json.token;
    const link = await api<{ id: string; code: string }>('POST', '/links', token, {
      url: 'https://pooled.example/a',
    });
    expect(link.status, link.text).toBe(201);
    const bulk = await api<{ items: { id?: string }[] }>('POST', '/links/bulk', token, {
      links: [{ url: 'https://pooled.example/b' }, { url: 'https://pooled.example/c', alias: 'pooled-c' }],
    });
    expect(bulk.status, bulk.text).toBe(200);
    expect(bulk.json.items.every((item) => typeof item.id === 'string')).toBe(true);

    const CLICKS = 25;
    for (let i = 0; i < CLICKS; i++) {
      const res = await fetch(`${urls.edge}/${link.json.code}`, {
        redirect: 'manual',
        headers: { 'user-agent': `Mozilla/5.0 (X11; Linux x86_64) Firefox/${120 + i}.0` },
      });
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toBe('https://pooled.example/a');
    }

    // Counted by the consumer through the pooler.
    let total = 0;
    for (let i = 0; i < 240 && total < CLICKS; i++) {
      const stats = await api<{ total: number }>('GET', `/links/${link.json.id}/stats`, token);
      total = stats.json?.total ?? 0;
      if (total < CLICKS) await new Promise((done) => setTimeout(done, 250));
    }
    expect(total).toBe(CLICKS);
    const visits = await api<{ items: unknown[] }>('GET', `/links/${link.json.id}/visits?limit=100`, token);
    expect(visits.json.items).toHaveLength(CLICKS);
    const exported = await fetch(`${urls.api}/api/v1/links/${link.json.id}/visits/export?format=csv`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(exported.status).toBe(200);
    expect((await exported.text()).trim().split('\n')).toHaveLength(CLICKS + 1);

    // The consumer's retention job ran at start, through the pooler: today's partition and a week ahead.
    const direct = new pg.Client({ connectionString: postgres?.url });
    await direct.connect();
    try {
      const parts = await direct.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_inherits WHERE inhparent = 'click_events'::regclass`,
      );
      expect(parts.rows[0]?.n).toBeGreaterThanOrEqual(8);
    } finally {
      await direct.end();
    }

    // The traffic went through PgBouncer, pooled by transaction.
    const pools = await bouncer?.admin<{ database: string; pool_mode: string }>('SHOW POOLS');
    expect(pools?.find((pool) => pool.database === 'boltlink')?.pool_mode).toBe('transaction');
    const clientsOfPool = await bouncer?.admin<{ database: string; application_name: string }>(
      'SHOW CLIENTS',
    );
    const names = new Set(
      clientsOfPool?.filter((c) => c.database === 'boltlink').map((c) => c.application_name),
    );
    for (const service of ['boltlink-management-api', 'boltlink-redirect-edge', 'analytics-consumer']) {
      expect(names, service).toContain(service);
    }

    // Every server connection of the pool, taken at once: none carries a timeout a client set for itself.
    const servers = Number(
      (
        await bouncer?.admin<{ database: string; sv_idle: string; sv_used: string; sv_active: string }>(
          'SHOW POOLS',
        )
      )
        ?.filter((pool) => pool.database === 'boltlink')
        .reduce((sum, pool) => sum + Number(pool.sv_idle) + Number(pool.sv_used) + Number(pool.sv_active), 0),
    );
    expect(servers).toBeGreaterThan(0);
    const clients = await Promise.all(
      Array.from({ length: servers }, async () => {
        const client = new pg.Client({ connectionString: bouncer?.url });
        await client.connect();
        await client.query('BEGIN');
        return client;
      }),
    );
    try {
      for (const client of clients) {
        const settings = await client.query<{ lock: string; statement: string }>(
          `SELECT current_setting('lock_timeout') AS lock, current_setting('statement_timeout') AS statement`,
        );
        expect(settings.rows[0]).toEqual({ lock: '0', statement: '0' });
      }
    } finally {
      for (const client of clients) {
        await client.query('COMMIT');
        await client.end();
      }
    }
  }, 180_000);
});
