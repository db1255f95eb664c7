import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { ServerResponse } from 'node:http';
import { Server as NetServer } from 'node:net';

interface RequestStartMessage {
  response: ServerResponse;
  server: unknown;
}

/**
 * Takes a worker out of rotation without resetting a single client. `http.Server#close()` also closes
 * idle keep-alive sockets, and a client that writes its next request at that instant gets ECONNRESET:
 * under load that is dozens of failed requests per stopped worker. Instead:
 * 1. stop accepting (the net-level close: the primary deals new connections to the other workers only),
 * 2. answer every further request on an open connection with `Connection: close`, so the client closes
 *    it and reconnects to another worker,
 * 3. wait until no connection is left, or `timeoutMs`; the app's own shutdown then closes what remains.
 */
export async function drainServer(
  server: NetServer,
  timeoutMs: number,
): Promise<{ openConnections: number }> {
  const onRequest = (message: unknown): void => {
    const { response, server: origin } = message as RequestStartMessage;
    if (origin === server && !response.headersSent) response.setHeader('connection', 'close');
  };
  subscribe('http.server.request.start', onRequest);
  try {
    // Deliberately the net.Server close, not the http one: see above.
    if (server.listening) NetServer.prototype.close.call(server);
    const deadline = Date.now() + timeoutMs;
    let open = await countConnections(server);
    while (open > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      open = await countConnections(server);
    }
    return { openConnections: open };
  } finally {
    unsubscribe('http.server.request.start', onRequest);
  }
}

function countConnections(server: NetServer): Promise<number> {
  return new Promise((resolve) => {
    server.getConnections((error, count) => resolve(error ? 0 : count));
  });
}
