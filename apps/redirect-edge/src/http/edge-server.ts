import http from 'node:http';
import type { Socket } from 'node:net';
import { closeSilentConnections, EMPTY_REQUEST_OPTIONS } from './node-internals.ts';

// Fastify's own default for the servers it creates, when the caller gives none (the edge passes
// KEEP_ALIVE_TIMEOUT_MS): longer than common load balancers' idle timeouts.
const DEFAULT_KEEP_ALIVE_TIMEOUT_MS = 72_000;
// What node:http adds to the keep-alive timeout before it closes, so a client that reuses a connection at
// the advertised limit does not race the close.
const KEEP_ALIVE_TIMEOUT_BUFFER_MS = 1000;
const MIN_HEADERS_CHECK_INTERVAL_MS = 50;
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
 * server it would otherwise create (request timeout, requests per socket), with the work-arounds of
 * node-internals.ts: idle connections are closed by `closeSilentConnections`, not by node:http's
 * keep-alive timer, and requests that declare no body are not drained (`optimizeEmptyRequests`).
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
    ...EMPTY_REQUEST_OPTIONS,
    // A slow-header request is closed between one timeout and one timeout plus a tenth (at most 1 s) after
    // it started; node checks only the requests whose headers are still incomplete.
    connectionsCheckingInterval: Math.min(
      MAX_HEADERS_CHECK_INTERVAL_MS,
      Math.max(MIN_HEADERS_CHECK_INTERVAL_MS, Math.floor(headersTimeout / HEADERS_CHECKS_PER_TIMEOUT)),
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
