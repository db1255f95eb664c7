import http from 'node:http';

// Fastify's own default for the servers it creates: longer than common load balancers' idle timeouts.
const DEFAULT_KEEP_ALIVE_TIMEOUT_MS = 72_000;

function numberOption(options: Record<string, unknown>, name: string): number | undefined {
  const value = options[name];
  return typeof value === 'number' ? value : undefined;
}

/**
 * The node:http server of the edge, given to Fastify through `serverFactory` so the fast path sees each
 * request before Fastify does. Configured from Fastify's processed options exactly as Fastify configures the
 * HTTP/1 server it would otherwise create (keep-alive, request and connection timeouts, requests per socket).
 */
export function createEdgeServer(
  listener: http.RequestListener,
  options: Record<string, unknown>,
): http.Server {
  const httpOptions = (options.http ?? {}) as http.ServerOptions;
  const server = http.createServer(httpOptions, listener);
  server.keepAliveTimeout = numberOption(options, 'keepAliveTimeout') ?? DEFAULT_KEEP_ALIVE_TIMEOUT_MS;
  const requestTimeout = numberOption(options, 'requestTimeout');
  if (requestTimeout !== undefined) server.requestTimeout = requestTimeout;
  server.setTimeout(numberOption(options, 'connectionTimeout') ?? 0);
  const maxRequestsPerSocket = numberOption(options, 'maxRequestsPerSocket');
  if (maxRequestsPerSocket !== undefined && maxRequestsPerSocket > 0)
    server.maxRequestsPerSocket = maxRequestsPerSocket;
  return server;
}
