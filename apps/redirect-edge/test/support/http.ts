import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { DOMAIN } from './edge.ts';

/** What a client of the edge sees of one answer. */
export interface EdgeAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** Header names as sent, in order (their case included). */
  rawHeaderNames: string[];
  body: string;
}

export interface EdgeRequestOptions {
  method?: string;
  /** Sent after `host: DOMAIN`, so a test may name another host. */
  headers?: Record<string, string>;
  body?: string;
  /** node's agent for the request: `false` opens a fresh connection (default: node's global agent). */
  agent?: http.Agent | false;
  /** The request fails when the edge sends nothing for this long. */
  timeoutMs?: number;
}

/**
 * One HTTP request to an edge listening on 127.0.0.1:`port`, for the short domain unless the test names
 * another host: what every test that needs a real socket (the fast path sits in front of Fastify's `inject`)
 * sends.
 */
export function edgeRequest(
  port: number,
  path: string,
  options: EdgeRequestOptions = {},
): Promise<EdgeAnswer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: options.method ?? 'GET',
        headers: { host: DOMAIN, ...options.headers },
        ...(options.agent === undefined ? {} : { agent: options.agent }),
        ...(options.timeoutMs === undefined ? {} : { timeout: options.timeoutMs }),
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            rawHeaderNames: res.rawHeaders.filter((_, i) => i % 2 === 0),
            body,
          }),
        );
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer from the edge within ${options.timeoutMs} ms`)));
    req.on('error', reject);
    req.end(options.body);
  });
}

/** The status of `edgeRequest`'s answer, for tests that look at nothing else. */
export async function edgeStatus(
  port: number,
  path: string,
  options: EdgeRequestOptions = {},
): Promise<number> {
  return (await edgeRequest(port, path, options)).status;
}

/** Starts `edge` listening on a free port of 127.0.0.1, for the tests that need a real socket; its port. */
export async function listenOnLoopback(edge: { app: FastifyInstance }): Promise<number> {
  await edge.app.listen({ host: '127.0.0.1', port: 0 });
  return (edge.app.server.address() as AddressInfo).port;
}
