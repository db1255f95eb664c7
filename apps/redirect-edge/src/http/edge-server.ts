import http from 'node:http';
import type { Socket } from 'node:net';

// Fastify's own default for the servers it creates, when the caller gives none (the edge passes
// KEEP_ALIVE_TIMEOUT_MS): longer than common load balancers' idle timeouts.
const DEFAULT_KEEP_ALIVE_TIMEOUT_MS = 72_000;
// What node:http adds to the keep-alive timeout before it closes, so a client that reuses a connection at
// the advertised limit does not race the close.
const KEEP_ALIVE_TIMEOUT_BUFFER_MS = 1000;
/** Sweeps per silence timeout: a connection is closed after one timeout and at most two tenths more of silence. */
const SWEEPS_PER_TIMEOUT = 10;
const MIN_SWEEP_INTERVAL_MS = 50;
/** node:http looks for requests past their headers timeout this often by default (30 s): far too coarse. */
const HEADERS_CHECKS_PER_TIMEOUT = 10;
const MAX_HEADERS_CHECK_INTERVAL_MS = 1000;

/** The edge's own bounds on connections, beyond what Fastify configures. */
export interface EdgeConnectionLimits {
  /**
   * Time a request has to send its complete headers, from the connection's opening for the first request
   * and from its first byte for the next ones (node:http's `headersTimeout`); then 408 and close.
   */
  headersTimeoutMs: number;
  /** Open connections one peer address may hold in this process; the next ones are closed at once. */
  maxConnectionsPerAddress: number;
  /** Peers the bound does not apply to: trusted proxies carry the connections of many clients. */
  isExempt: (address: string) => boolean;
  /** Called for each connection closed because its address holds the maximum already. */
  onRefused: () => void;
}

function numberOption(options: Record<string, unknown>, name: string): number | undefined {
  const value = options[name];
  return typeof value === 'number' ? value : undefined;
}

/**
 * The node:http server of the edge, given to Fastify through `serverFactory` so the fast path sees each
 * request before Fastify does. Configured from Fastify's processed options as Fastify configures the HTTP/1
 * server it would otherwise create (request timeout, requests per socket), with one difference: idle
 * connections are closed by `closeSilentConnections`, not by node:http's keep-alive timer.
 *
 * node:http arms a timer when a response finishes and disarms it when the next request arrives: on a
 * keep-alive connection that is two timer operations per request (a new timer object, a bound function and
 * a timer-list insert each time), measurably a few percent of a cached redirect. The edge sets node's
 * `keepAliveTimeout` to 0 and instead closes every connection that has moved no byte in either direction for
 * the keep-alive timeout (or `connectionTimeout`, if shorter), found by a periodic sweep.
 *
 * What differs from node's own keep-alive handling:
 * - no `Keep-Alive: timeout=…` hint in responses (node sends it only with its own timer). Clients that read
 *   it (Node's agent, undici) default to idle timeouts of a few seconds, far below the edge's;
 * - silence counts whether or not a request is in flight, as with node's `server.timeout`: a request that
 *   moves no byte for the whole timeout (66 s with the edge's default) loses its connection;
 * - a connection that never sends a request is closed too (node's keep-alive timer never starts for it).
 *
 * Two bounds of the edge's own (`limits`): node's headers timeout, checked ten times per timeout instead of
 * node's default every 30 s, so a client that trickles header bytes (never silent, so never swept) is cut
 * after EDGE_HEADERS_TIMEOUT_MS; and a bound on the connections one address holds open at once.
 */
export function createEdgeServer(
  listener: http.RequestListener,
  options: Record<string, unknown>,
  limits: EdgeConnectionLimits,
): http.Server {
  const requestTimeout = numberOption(options, 'requestTimeout');
  // node requires headers to be due no later than the whole request.
  const headersTimeout =
    requestTimeout !== undefined && requestTimeout > 0
      ? Math.min(limits.headersTimeoutMs, requestTimeout)
      : limits.headersTimeoutMs;
  const httpOptions: http.ServerOptions = {
    ...((options.http ?? {}) as http.ServerOptions),
    // A slow-header request is closed between one timeout and one timeout plus a tenth (at most 1 s) after
    // it started; node checks only the requests whose headers are still incomplete.
    connectionsCheckingInterval: Math.min(
      MAX_HEADERS_CHECK_INTERVAL_MS,
      Math.max(MIN_SWEEP_INTERVAL_MS, Math.floor(headersTimeout / HEADERS_CHECKS_PER_TIMEOUT)),
    ),
  };
  const server = http.createServer(httpOptions, listener);
  server.keepAliveTimeout = 0;
  server.headersTimeout = headersTimeout;
  if (requestTimeout !== undefined) server.requestTimeout = requestTimeout;
  boundConnectionsPerAddress(server, limits);
  const maxRequestsPerSocket = numberOption(options, 'maxRequestsPerSocket');
  if (maxRequestsPerSocket !== undefined && maxRequestsPerSocket > 0)
    server.maxRequestsPerSocket = maxRequestsPerSocket;

  // 0 (or unset) means "none" for both, as in node; the shorter limit wins.
  const keepAliveTimeout = numberOption(options, 'keepAliveTimeout') ?? DEFAULT_KEEP_ALIVE_TIMEOUT_MS;
  const connectionTimeout = numberOption(options, 'connectionTimeout') ?? 0;
  const silence = Math.min(
    keepAliveTimeout > 0 ? keepAliveTimeout + KEEP_ALIVE_TIMEOUT_BUFFER_MS : Number.POSITIVE_INFINITY,
    connectionTimeout > 0 ? connectionTimeout : Number.POSITIVE_INFINITY,
  );
  if (silence !== Number.POSITIVE_INFINITY) closeSilentConnections(server, silence);
  return server;
}

interface Traffic {
  read: number;
  written: number;
  /** When `read` or `written` last changed (or the connection opened), by the sweep's clock. */
  since: number;
}

/**
 * Closes (destroys, as node does when its timeouts fire) each connection of `server` that has read and
 * written nothing for `silenceMs`. Nothing runs per request: a sweep every tenth of the timeout compares each
 * connection's byte counters with what it saw last (so a change is seen up to one sweep late, and the close
 * comes up to one sweep after the timeout).
 */
function closeSilentConnections(server: http.Server, silenceMs: number): void {
  const connections = new Map<Socket, Traffic>();
  server.on('connection', (socket: Socket) => {
    connections.set(socket, { read: socket.bytesRead, written: socket.bytesWritten, since: Date.now() });
    socket.once('close', () => connections.delete(socket));
  });

  function sweep(): void {
    const time = Date.now();
    for (const [socket, traffic] of connections) {
      const read = socket.bytesRead;
      const written = socket.bytesWritten;
      if (read !== traffic.read || written !== traffic.written) {
        traffic.read = read;
        traffic.written = written;
        traffic.since = time;
      } else if (time - traffic.since >= silenceMs) {
        connections.delete(socket);
        socket.destroy();
      }
    }
  }

  const timer = setInterval(
    sweep,
    Math.max(MIN_SWEEP_INTERVAL_MS, Math.floor(silenceMs / SWEEPS_PER_TIMEOUT)),
  );
  // The sweep never keeps a process alive, and stops with the server.
  timer.unref();
  server.once('close', () => clearInterval(timer));
}

/**
 * Closes a new connection as soon as it is accepted when its peer address already holds the maximum in this
 * process: one address cannot pin the process's sockets and memory with connections it keeps open (slowly
 * or silently, within the timeouts above). Counted by address as the socket reports it, so behind a proxy
 * that is not trusted every client shares the proxy's count.
 */
function boundConnectionsPerAddress(server: http.Server, limits: EdgeConnectionLimits): void {
  const { maxConnectionsPerAddress: max, isExempt, onRefused } = limits;
  const open = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress;
    if (address === undefined || isExempt(address)) return;
    const count = open.get(address) ?? 0;
    if (count >= max) {
      socket.destroy();
      onRefused();
      return;
    }
    open.set(address, count + 1);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left === 0) open.delete(address);
      else open.set(address, left);
    });
  });
}
