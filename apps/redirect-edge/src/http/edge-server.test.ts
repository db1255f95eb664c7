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

/** Sends one keep-alive GET and waits for its answer (the connection's nth). */
async function get(connection: Connection, nth: number): Promise<void> {
  connection.socket.write('GET /code HTTP/1.1\r\nHost: edge.test\r\n\r\n');
  const deadline = Date.now() + 2000;
  while (connection.received().split('HTTP/1.1 302').length - 1 < nth) {
    if (Date.now() > deadline) throw new Error(`answer ${nth} did not come: ${connection.received()}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('edge server connections', () => {
  it('keeps connections alive without a Keep-Alive hint, and closes one after the keep-alive timeout of silence', async () => {
    // keepAliveTimeout + node's 1 s buffer = 1.3 s of silence; the sweep runs every 130 ms.
    const port = await listen({ keepAliveTimeout: 300 });
    const connection = await connect(port);
    await get(connection, 1);
    await get(connection, 2);
    const answered = Date.now();
    const head = connection.received().split('\r\n\r\n')[0] ?? '';
    expect(head).toMatch(/^connection: keep-alive$/im);
    expect(head).not.toMatch(/^keep-alive:/im);

    const closedAt = await connection.closed;
    expect(closedAt - answered).toBeGreaterThanOrEqual(1300 - 20);
    expect(closedAt - answered).toBeLessThan(1300 + 2 * 130 + 500);
  });

  it('leaves a connection open while it keeps talking, however long it lives', async () => {
    const port = await listen({ keepAliveTimeout: 0, connectionTimeout: 400 });
    const connection = await connect(port);
    let closed = false;
    void connection.closed.then(() => {
      closed = true;
    });
    // 1.2 s in all, three times the silence limit, never silent for more than 150 ms.
    let lastAsked = 0;
    for (let nth = 1; nth <= 8; nth += 1) {
      lastAsked = Date.now();
      await get(connection, nth);
      await sleep(150);
    }
    expect(closed).toBe(false);
    // Then silent: closed no sooner than 400 ms after the server last wrote, which was after the last request was
    // sent (measured from the send, so a slow sleep on a loaded machine cannot shorten the silence seen).
    const quietFrom = Date.now();
    const closedAt = await connection.closed;
    expect(closedAt - lastAsked).toBeGreaterThanOrEqual(400 - 5);
    expect(closedAt - quietFrom).toBeLessThan(400 + 2 * 50 + 500);
  });

  it('closes a connection that never sends a request after the keep-alive timeout', async () => {
    const port = await listen({ keepAliveTimeout: 300 });
    const connection = await connect(port);
    const opened = Date.now();
    const closedAt = await connection.closed;
    expect(closedAt - opened).toBeGreaterThanOrEqual(1300 - 20);
    expect(closedAt - opened).toBeLessThan(1300 + 2 * 130 + 500);
    expect(connection.received()).toBe('');
  });

  it('takes the shorter of the keep-alive and connection timeouts', async () => {
    const port = await listen({ keepAliveTimeout: 5000, connectionTimeout: 300 });
    const connection = await connect(port);
    await get(connection, 1);
    const answered = Date.now();
    const closedAt = await connection.closed;
    expect(closedAt - answered).toBeLessThan(300 + 2 * 50 + 500);
  });
});
