import type { AddressInfo } from 'node:net';
import { describe, expect } from 'vitest';
import { createLink, signup, test } from './support/api.ts';

const ROWS = 250_000;
/**
 * Held in memory, 250,000 visits would take well over 100 MB: about 500 bytes per row as a Visit object
 * (nine properties, six strings) plus the ~45 MB of the NDJSON text itself. Streamed, the server holds one
 * batch of 1000 rows (under 1 MB) and the socket's buffers; the client here counts bytes as they come. The
 * bound leaves room for the garbage collector's own pace (young generation and heap growth) and for the
 * test process's other work, and stays far below what holding the rows would cost.
 */
const RSS_GROWTH_BOUND_BYTES = 64 * 1024 * 1024;

describe('visits export', () => {
  test(`streams ${ROWS} visits as NDJSON, every one, with the process's memory flat`, {
    timeout: 180_000,
  }, async ({ api }) => {
    const user = await signup(api);
    const link = await createLink(api, user.auth, { url: 'https://example.com/big' });
    await api.database.pool.query(
      `INSERT INTO click_events (event_id, link_id, occurred_at, referrer_host, country, device, browser, os, is_bot)
       SELECT gen_random_uuid(), $1, now() - g * interval '1 second', 'news.example', 'DE', 'mobile', 'Safari', 'iOS', g % 7 = 0
       FROM generate_series(1, $2::int) AS g`,
      [link.id, ROWS],
    );
    await api.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = api.app.server.address() as AddressInfo;
    const url = `http://127.0.0.1:${port}/api/v1/links/${link.id}/visits/export?format=ndjson`;

    // A small export first, so the code paths are loaded before the baseline is taken.
    await (
      await fetch(`${url}&from=${encodeURIComponent(new Date(Date.now() - 60_000).toISOString())}`, {
        headers: user.auth,
      })
    ).text();
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 20);
    let lines = 0;
    let bytes = 0;
    try {
      const res = await fetch(url, { headers: user.auth });
      expect(res.status).toBe(200);
      const reader = res.body?.getReader();
      if (!reader) throw new Error('the export has no body');
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        bytes += value.length;
        for (const byte of value) if (byte === 10) lines += 1;
        peak = Math.max(peak, process.memoryUsage().rss);
      }
    } finally {
      clearInterval(sampler);
    }

    expect(lines).toBe(ROWS);
    expect(bytes).toBeGreaterThan(ROWS * 150);
    const growth = peak - baseline;
    console.info(
      `exported ${lines} rows, ${(bytes / 1e6).toFixed(1)} MB; rss ${(baseline / 1e6).toFixed(0)} MB before, peak growth ${(growth / 1e6).toFixed(1)} MB`,
    );
    expect(growth).toBeLessThan(RSS_GROWTH_BOUND_BYTES);
  });
});
