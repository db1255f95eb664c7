import { EXIT_CONFIG } from '@boltlink/config/env';
import { freePort } from '@boltlink/local-servers/redis';
import { describe, expect } from 'vitest';
import { DOMAIN, insertLink, readClickBatches, test, waitFor } from './support/edge.ts';
import { spawnEdge } from './support/edge-process.ts';

const start = spawnEdge;

describe('server.ts', () => {
  test('boots, reports ready, serves metrics on the metrics port only, and on SIGTERM flushes buffered clicks and exits 0', async ({
    database,
    userId,
    prefix,
    redisUrl,
  }) => {
    const port = await freePort();
    const metricsPort = await freePort();
    const link = await insertLink(database.db, { userId });
    const { child, output, exited } = start({
      NODE_ENV: 'production',
      APP_SECRET: 'lifecycle-test-secret-0123456789abcdef',
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'info',
      DATABASE_URL: database.url,
      REDIS_URL: redisUrl,
      REDIS_KEY_PREFIX: prefix,
      QUEUE_PREFIX: `{${prefix}}`,
      SHORT_DOMAINS: DOMAIN,
      // Long enough that only the shutdown flush can deliver the clicks below.
      CLICK_BATCH_INTERVAL_MS: '60000',
      METRICS_PORT: String(metricsPort),
      WEB_CONCURRENCY: '1',
    });
    try {
      const base = `http://127.0.0.1:${port}`;
      await waitFor(
        async () => {
          const res = await fetch(`${base}/ready`).catch(() => undefined);
          return res?.status === 200 ? true : undefined;
        },
        // Booting through tsx compiles the whole service; on a loaded two-core runner that alone has taken 30 s.
        90_000,
        200,
      );
      expect(await (await fetch(`${base}/health`)).json()).toEqual({ status: 'ok' });
      for (let i = 0; i < 3; i += 1) {
        const res = await fetch(`${base}/${link.code}`, { headers: { host: DOMAIN }, redirect: 'manual' });
        expect(res.status).toBe(302);
      }
      // Redirects served by the fast path are counted, not timed; the route's answers (a 404 here) are timed.
      expect((await fetch(`${base}/no-such-code`, { headers: { host: DOMAIN } })).status).toBe(404);
      expect((await fetch(`${base}/metrics`, { headers: { host: DOMAIN } })).status).toBe(404);
      const scrape = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
      expect(scrape.status).toBe(200);
      const metrics = await scrape.text();
      expect(metrics).toContain('clicks_dropped_total');
      expect(metrics).toMatch(/^boltlink_dependency_up\{dependency="postgres"[^}]*\} 1$/m);
      expect(metrics).toMatch(/edge_redirects_total\{[^}]*path="fast"[^}]*\} 3\n/);
      expect(metrics).toContain('http_request_duration_seconds_bucket');

      child.kill('SIGTERM');
      expect(await exited(), output()).toBe(0);
      const events = (await readClickBatches(redisUrl, prefix)).flatMap((batch) => batch.events);
      expect(events.filter((event) => event.linkId === link.id)).toHaveLength(3);
      // One line per request would drown a busy edge: no request logging at info.
      expect(output()).not.toContain(`/${link.code}`);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 150_000);

  test('refuses to start with bad configuration, listing every problem without a stack trace', async () => {
    const { output, exited } = start({ NODE_ENV: 'production', PORT: 'eighty', REDIS_URL: 'http://nope' });
    expect(await exited()).toBe(EXIT_CONFIG);
    const text = output();
    expect(text).toContain('PORT');
    expect(text).toContain('REDIS_URL');
    expect(text).toContain('APP_SECRET');
    expect(text).not.toMatch(/\n\s+at /);
  }, 60_000);
  test('exits 78 (EXIT_CONFIG) with one line naming GEOIP_DB_PATH when the MaxMind file cannot be used', async ({
    database,
    redisUrl,
  }) => {
    const { output, exited } = start({
      NODE_ENV: 'production',
      APP_SECRET: 'lifecycle-test-secret-0123456789abcdef',
      LOG_LEVEL: 'info',
      DATABASE_URL: database.url,
      REDIS_URL: redisUrl,
      GEOIP_DB_PATH: '/nonexistent/GeoLite2-Country.mmdb',
      WEB_CONCURRENCY: '2',
    });
    expect(await exited()).toBe(EXIT_CONFIG);
    const lines = output().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^GEOIP_DB_PATH=\/nonexistent\/GeoLite2-Country\.mmdb: cannot read the MaxMind database file: /,
    );
  }, 60_000);
});
