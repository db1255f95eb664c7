import { uniquePrefix } from '@boltlink/testing/redis';
import { describe, expect } from 'vitest';
import {
  DOMAIN,
  test as edgeTest,
  insertLink,
  metricValue,
  startEdge,
  type TestEdge,
} from './support/edge.ts';
import { listenOnLoopback } from './support/http.ts';
import { openRawConnection, type RawConnection } from './support/raw-connection.ts';

// Real sockets against the edge's own server: these limits live below Fastify, where app.inject never goes.

// The file's edge is the one of the slow-headers tests; the connection tests start their own.
const test = edgeTest.extend('edgeEnv', { scope: 'file' }, { EDGE_HEADERS_TIMEOUT_MS: '1000' });

const listen = listenOnLoopback;

async function metric(edge: TestEdge, name: string): Promise<number> {
  return metricValue(await edge.deps.metrics.registry.metrics(), name);
}

/** Resolves with the close time, or with null once `ms` have passed without a close. */
function closedWithin(connection: RawConnection, ms: number): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    connection.closed,
    new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

describe('slow headers', () => {
  let port: number;

  test.beforeAll(async ({ edge }) => {
    port = await listen(edge);
  });

  test('answers 408 and closes a request whose headers trickle in past EDGE_HEADERS_TIMEOUT_MS', async () => {
    const connection = await openRawConnection(port);
    const started = Date.now();
    connection.socket.write(`GET /slow HTTP/1.1\r\nHost: ${DOMAIN}\r\n`);
    // A header line every 200 ms: never silent, so only the headers timeout can end it.
    const trickle = setInterval(() => connection.socket.write('X-Slow: 1\r\n'), 200);
    try {
      const closedAt = await closedWithin(connection, 5000);
      expect(closedAt, 'still open after 5 s').not.toBeNull();
      expect((closedAt ?? 0) - started).toBeGreaterThanOrEqual(1000 - 20);
      expect(connection.received()).toMatch(/^HTTP\/1\.1 408 /);
      expect(connection.received().toLowerCase()).toContain('x-content-type-options: nosniff');
    } finally {
      clearInterval(trickle);
      connection.socket.destroy();
    }
  });

  test('closes a connection that never sends a request after the same timeout', async () => {
    const connection = await openRawConnection(port);
    const closedAt = await closedWithin(connection, 5000);
    connection.socket.destroy();
    expect(closedAt, 'still open after 5 s').not.toBeNull();
  });

  test('keeps an idle keep-alive connection between requests, and serves the next request on it', async ({
    database,
    userId,
  }) => {
    const link = await insertLink(database.db, { userId });
    const connection = await openRawConnection(port);
    try {
      connection.socket.write(`GET /${link.code} HTTP/1.1\r\nHost: ${DOMAIN}\r\n\r\n`);
      // Idle for twice the headers timeout: the keep-alive timeout (65 s here) governs idle connections.
      expect(await closedWithin(connection, 2500)).toBeNull();
      connection.socket.write(`GET /${link.code} HTTP/1.1\r\nHost: ${DOMAIN}\r\n\r\n`);
      await closedWithin(connection, 300);
      expect(connection.received().match(/HTTP\/1\.1 302 /g)).toHaveLength(2);
    } finally {
      connection.socket.destroy();
    }
  });
});

describe('connections per address', () => {
  test('refuses the 257th connection from one address by default, counts it, and accepts again once one closes', async ({
    database,
    userId,
    redisUrl,
  }) => {
    const edge = await startEdge({
      databaseUrl: database.url,
      redisUrl,
      prefix: uniquePrefix('edge-connections'),
    });
    const connections: RawConnection[] = [];
    try {
      const port = await listen(edge);
      const link = await insertLink(database.db, { userId });
      for (let i = 0; i < 256; i += 1) connections.push(await openRawConnection(port));
      const extra = await openRawConnection(port);
      connections.push(extra);
      expect(await closedWithin(extra, 2000), 'the 257th connection stayed open').not.toBeNull();
      expect(extra.received()).toBe('');
      expect(await metric(edge, 'edge_connections_refused_total')).toBe(1);

      // The 256 others are served.
      const kept = connections[255];
      kept?.socket.write(`GET /${link.code} HTTP/1.1\r\nHost: ${DOMAIN}\r\n\r\n`);
      await closedWithin(kept as RawConnection, 300);
      expect(kept?.received()).toMatch(/^HTTP\/1\.1 302 /);

      // One closes: a new connection takes its place.
      const first = connections[0] as RawConnection;
      first.socket.destroy();
      await first.closed;
      await new Promise((resolve) => setTimeout(resolve, 50));
      const again = await openRawConnection(port);
      connections.push(again);
      again.socket.write(`GET /${link.code} HTTP/1.1\r\nHost: ${DOMAIN}\r\n\r\n`);
      await closedWithin(again, 300);
      expect(again.received()).toMatch(/^HTTP\/1\.1 302 /);
      expect(await metric(edge, 'edge_connections_refused_total')).toBe(1);
    } finally {
      for (const connection of connections) connection.socket.destroy();
      await edge.app.close();
    }
  });

  test('does not bound a trusted proxy, which carries many clients', async ({ database, redisUrl }) => {
    const edge = await startEdge({
      databaseUrl: database.url,
      redisUrl,
      prefix: uniquePrefix('edge-connections-proxy'),
      env: { EDGE_MAX_CONNECTIONS_PER_ADDRESS: '3', TRUST_PROXY: '127.0.0.1' },
    });
    const connections: RawConnection[] = [];
    try {
      const port = await listen(edge);
      for (let i = 0; i < 5; i += 1) connections.push(await openRawConnection(port));
      const last = connections[4] as RawConnection;
      expect(await closedWithin(last, 500)).toBeNull();
      expect(await metric(edge, 'edge_connections_refused_total')).toBe(0);
    } finally {
      for (const connection of connections) connection.socket.destroy();
      await edge.app.close();
    }
  });
});
