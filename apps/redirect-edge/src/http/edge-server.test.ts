import { once } from 'node:events';
import type http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createEdgeServer } from './edge-server.ts';

const servers: http.Server[] = [];
const NO_LIMITS = {
  headersTimeoutMs: 60_000,
  maxConnectionsPerAddress: 1_000_000,
  isExempt: () => false,
  onRefused: () => undefined,
};

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** The edge's server answering every request with an empty 302, with Fastify's options as given. */
async function listen(options: Record<string, unknown>): Promise<number> {
  const server = createEdgeServer(
    (_req, res) => {
      res.writeHead(302, { location: 'https://example.com/', 'content-length': '0' });
      res.end();
    },
    options,
    NO_LIMITS,
  );
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

interface Connection {
  socket: net.Socket;
  /** Everything received so far. */
  received: () => string;
  /** Resolves with the time the server closed the connection. */
  closed: Promise<number>;
}

async function connect(port: number): Promise<Connection> {
  const socket = net.connect(port, '127.0.0.1');
  await once(socket, 'connect');
  let text = '';
  socket.setEncoding('latin1');
  socket.on('data', (chunk: string) => {
    text += chunk;
  });
  const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now())));
  return { socket, received: () => text, closed };
}

/**
 * Sends one keep-alive GET and waits for its answer (the connection's nth). Returns when it was sent: no later
 * than the server's answer, so the silence the server counts from its answer is at least the time since then.
 */
async function get(connection: Connection, nth: number): Promise<number> {
  const sentAt = Date.now();
  connection.socket.write('GET /code HTTP/1.1\r\nHost: edge.test\r\n\r\n');
  const deadline = Date.now() + 10_000;
  while (connection.received().split('HTTP/1.1 302').length - 1 < nth) {
    if (Date.now() > deadline) throw new Error(`answer ${nth} did not come: ${connection.received()}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return sentAt;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// Lower bounds are measured from a moment no later than the server's (a request's send, the connect call), so a
// slow test process cannot make them fail; upper bounds leave a loaded two-core machine seconds of slack, and
// only show that the connection is closed at all, well before the longer timeout each test sets beside it.
const SLACK_MS = 2500;

describe('edge server connections', () => {
  it('keeps connections alive without a Keep-Alive hint, and closes one after the keep-alive timeout of silence', async () => {
    // keepAliveTimeout + node's 1 s buffer = 1.3 s of silence; the sweep runs every 130 ms.
    const port = await listen({ keepAliveTimeout: 300 });
    const connection = await connect(port);
    await get(connection, 1);
    const lastSent = await get(connection, 2);
    const answered = Date.now();
    const head = connection.received().split('\r\n\r\n')[0] ?? '';
    expect(head).toMatch(/^connection: keep-alive$/im);
    expect(head).not.toMatch(/^keep-alive:/im);

    const closedAt = await connection.closed;
    expect(closedAt - lastSent).toBeGreaterThanOrEqual(1300 - 20);
    expect(closedAt - answered).toBeLessThan(1300 + 2 * 130 + SLACK_MS);
  });

  it('leaves a connection open while it keeps talking, however long it lives', async () => {
    const port = await listen({ keepAliveTimeout: 0, connectionTimeout: 1500 });
    const connection = await connect(port);
    let closed = false;
    void connection.closed.then(() => {
      closed = true;
    });
    // 4.5 s in all, three times the silence limit, silent for 100 ms at a time (a loaded machine may stretch that
    // several times over and still stay under the limit).
    let lastSent = 0;
    const started = Date.now();
    for (let nth = 1; Date.now() - started < 3 * 1500; nth += 1) {
      lastSent = await get(connection, nth);
      await sleep(100);
    }
    expect(closed).toBe(false);
    // Then silent: closed no sooner than the limit after the server last wrote, which was after the last request
    // was sent.
    const quietFrom = Date.now();
    const closedAt = await connection.closed;
    expect(closedAt - lastSent).toBeGreaterThanOrEqual(1500 - 5);
    expect(closedAt - quietFrom).toBeLessThan(1500 + 2 * 150 + SLACK_MS);
  });

  it('closes a connection that never sends a request after the keep-alive timeout', async () => {
    const port = await listen({ keepAliveTimeout: 300 });
    const connecting = Date.now();
    const connection = await connect(port);
    const opened = Date.now();
    const closedAt = await connection.closed;
    expect(closedAt - connecting).toBeGreaterThanOrEqual(1300 - 20);
    expect(closedAt - opened).toBeLessThan(1300 + 2 * 130 + SLACK_MS);
    expect(connection.received()).toBe('');
  });

  it('takes the shorter of the keep-alive and connection timeouts', async () => {
    const port = await listen({ keepAliveTimeout: 10_000, connectionTimeout: 300 });
    const connection = await connect(port);
    const sent = await get(connection, 1);
    const answered = Date.now();
    const closedAt = await connection.closed;
    expect(closedAt - sent).toBeGreaterThanOrEqual(300 - 5);
    // Well before the keep-alive timeout's 11 s of silence.
    expect(closedAt - answered).toBeLessThan(300 + 2 * 50 + SLACK_MS);
  });
});
