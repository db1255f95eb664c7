import { createServer, type Server } from 'node:http';
import type { ClusterLogger } from './logger.ts';

export interface MetricsServerOptions {
  host: string;
  port: number;
  logger: ClusterLogger;
  /** Prometheus text for the whole service: every worker's registry, aggregated. */
  collect: () => Promise<{ contentType: string; body: string }>;
}

/**
 * GET /metrics for the whole process tree. With several workers, a scrape of a worker's own /metrics
 * lands on whichever worker the primary deals the connection to, so counters would jump between
 * workers; this endpoint sums them (prom-client's cluster aggregation) instead.
 */
export function startMetricsServer(options: MetricsServerOptions): Promise<Server> {
  const server = createServer((request, response) => {
    if (request.method !== 'GET' || request.url?.split('?')[0] !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    options.collect().then(
      ({ contentType, body }) => response.writeHead(200, { 'content-type': contentType }).end(body),
      (error: unknown) => {
        options.logger.warn({ err: error }, 'collecting cluster metrics failed');
        response.writeHead(500, { 'content-type': 'text/plain' }).end('metrics unavailable\n');
      },
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: options.host, port: options.port }, () => {
      server.off('error', reject);
      // Never keeps a stopping process alive.
      server.unref();
      resolve(server);
    });
  });
}
