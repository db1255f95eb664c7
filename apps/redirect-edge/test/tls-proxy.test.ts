import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import {
  type ClientRequest,
  createServer as createHttpServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type Server,
} from 'node:http';
import { request as httpsRequest } from 'node:https';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect } from 'vitest';
import { test as edgeTest, insertLink } from './support/edge.ts';
import { listenOnLoopback } from './support/http.ts';
import { replaceInExample, waitForPort } from './support/proxy-config.ts';

// infra/nginx/boltlink.conf, the example TLS proxy of docs/operations/tls-proxy.md, run as written in front of a
// real edge: only its ports, certificate paths and upstream ports are changed, by exact text replacement, so
// an edit of the example that this test does not know about fails here instead of going untested.

const EXAMPLE = new URL('../../../infra/nginx/boltlink.conf', import.meta.url);
const SHORT = 's.example.com';
const API = 'api.example.com';
const nginx = ['/usr/sbin/nginx', 'nginx'].find((bin) => spawnSync(bin, ['-v']).status === 0);
const hasOpenssl = spawnSync('openssl', ['version']).status === 0;
// Clients on distinct loopback addresses, so the edge has real client addresses to tell apart.
const CLIENT_A = '127.0.0.3';
const CLIENT_B = '127.0.0.4';
const REDIRECT_LIMIT = 3;

const test = edgeTest.extend(
  'edgeEnv',
  { scope: 'file' },
  {
    // The short domain is not the default one: the link is found only if the Host reaches the edge.
    SHORT_DOMAINS: `default.example,${SHORT}`,
    SHORT_URL_SCHEME: 'https',
    // nginx connects from 127.0.0.1; the clients come from other loopback addresses.
    TRUST_PROXY: '127.0.0.1',
    REDIRECT_RATE_LIMIT_MAX: String(REDIRECT_LIMIT),
  },
);

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

const replaceOnce = (text: string, from: string, to: string): string =>
  replaceInExample('infra/nginx/boltlink.conf', text, from, to);

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

describe.skipIf(!nginx || !hasOpenssl)('the example nginx TLS proxy (infra/nginx/boltlink.conf)', () => {
  let echo: Server;
  let nginxProcess: ChildProcess;
  let dir: string;
  let cert: string;
  let httpsPort: number;
  let httpPort: number;
  let code: string;
  const echoed: IncomingHttpHeaders[] = [];

  function get(options: {
    host: string;
    path: string;
    from: string;
    headers?: Record<string, string>;
  }): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const req = httpsRequest(
        {
          host: '127.0.0.1',
          port: httpsPort,
          servername: options.host,
          localAddress: options.from,
          ca: cert,
          path: options.path,
          headers: {
            host: options.host,
            'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0',
            ...options.headers,
          },
          agent: false,
          timeout: 5000,
        },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            body += chunk;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        },
      );
      req.on('timeout', () => req.destroy(new Error('request timed out')));
      req.on('error', reject);
      req.end();
    });
  }

  test.beforeAll(async ({ database, edge, userId }) => {
    const edgePort = await listenOnLoopback(edge);
    code = (await insertLink(database.db, { userId, domain: SHORT, url: 'https://example.com/launch' })).code;

    // Stands in for the management API: answers with the request headers it received.
    echo = createHttpServer((req, res) => {
      echoed.push(req.headers);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(req.headers));
    });
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    const apiPort = (echo.address() as AddressInfo).port;

    dir = mkdtempSync(join(tmpdir(), 'boltlink-nginx-'));
    cert = join(dir, 'fullchain.pem');
    const key = join(dir, 'privkey.pem');
    const openssl = spawnSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '1',
        '-subj',
        `/CN=${SHORT}`,
        '-addext',
        `subjectAltName=DNS:${SHORT},DNS:${API}`,
      ],
      { encoding: 'utf8', timeout: 15_000 },
    );
    expect(openssl.status, openssl.stderr).toBe(0);
    cert = readFileSync(cert, 'utf8');

    httpsPort = await freePort();
    httpPort = await freePort();
    let site = readFileSync(EXAMPLE, 'utf8');
    site = replaceOnce(site, 'listen 443 ssl http2;', `listen 127.0.0.1:${httpsPort} ssl http2;`);
    site = replaceOnce(site, 'listen 80;', `listen 127.0.0.1:${httpPort};`);
    site = replaceOnce(site, 'server 127.0.0.1:8080;', `server 127.0.0.1:${edgePort};`);
    site = replaceOnce(site, 'server 127.0.0.1:3000;', `server 127.0.0.1:${apiPort};`);
    site = replaceOnce(site, '/etc/ssl/boltlink/fullchain.pem', join(dir, 'fullchain.pem'));
    site = replaceOnce(site, '/etc/ssl/boltlink/privkey.pem', key);
    writeFileSync(join(dir, 'boltlink.conf'), site);
    // What a distribution's nginx.conf provides around `http {}`, pointed at the temporary directory.
    writeFileSync(
      join(dir, 'nginx.conf'),
      [
        'daemon off;',
        'worker_processes 1;',
        `pid ${join(dir, 'nginx.pid')};`,
        'error_log stderr warn;',
        'events { worker_connections 64; }',
        'http {',
        '  access_log off;',
        `  client_body_temp_path ${join(dir, 'body')};`,
        `  proxy_temp_path ${join(dir, 'proxy')};`,
        `  include ${join(dir, 'boltlink.conf')};`,
        '}',
      ].join('\n'),
    );
    let stderr = '';
    nginxProcess = spawn(nginx as string, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', 'stderr'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    nginxProcess.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    await waitForPort('nginx', httpsPort, nginxProcess, () => stderr);
  }, 60_000);

  afterAll(async () => {
    if (nginxProcess?.exitCode === null) {
      const exited = new Promise((resolve) => nginxProcess.once('exit', resolve));
      nginxProcess.kill('SIGTERM');
      await exited;
    }
    await new Promise((resolve) => echo?.close(resolve));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('redirects through HTTPS on the short domain, with HSTS', async () => {
    const answer = await get({ host: SHORT, path: `/${code}?ref=tls`, from: CLIENT_B });
    expect(answer.status).toBe(302);
    expect(answer.headers.location).toBe('https://example.com/launch?ref=tls');
    expect(answer.headers['strict-transport-security']).toBe('max-age=31536000');
  });

  test('rate-limits the real client address: neither the proxy nor an X-Forwarded-For the client sends', async () => {
    const statuses: number[] = [];
    for (let i = 0; i <= REDIRECT_LIMIT; i += 1) {
      // A client that invents a new address for every request still gets its own limit.
      const spoofed = { 'x-forwarded-for': `198.51.100.${i + 1}` };
      statuses.push((await get({ host: SHORT, path: `/${code}`, from: CLIENT_A, headers: spoofed })).status);
    }
    expect(statuses).toEqual([...Array(REDIRECT_LIMIT).fill(302), 429]);
    // Another client behind the same proxy is not affected by A's limit.
    expect((await get({ host: SHORT, path: `/${code}`, from: CLIENT_B })).status).toBe(302);
  });

  test('passes the API the client address, the HTTPS scheme and the host', async () => {
    const answer = await get({
      host: API,
      path: '/api/v1/me',
      from: CLIENT_A,
      headers: { 'x-forwarded-for': '198.51.100.9', 'x-forwarded-proto': 'http' },
    });
    expect(answer.status).toBe(200);
    const seen = JSON.parse(answer.body) as IncomingHttpHeaders;
    expect(seen['x-forwarded-for']).toBe(CLIENT_A);
    expect(seen['x-forwarded-proto']).toBe('https');
    expect(seen.host).toBe(API);
  });

  test('sends plain HTTP to HTTPS', async () => {
    const answer = await new Promise<{ status: number; location: string | undefined }>((resolve, reject) => {
      httpRequest(
        { host: '127.0.0.1', port: httpPort, path: `/${code}`, headers: { host: SHORT }, timeout: 5000 },
        (res) => {
          res.resume();
          resolve({ status: res.statusCode ?? 0, location: res.headers.location });
        },
      )
        .on('timeout', function (this: ClientRequest) {
          this.destroy(new Error('request timed out'));
        })
        .on('error', reject)
        .end();
    });
    expect(answer.status).toBe(301);
    expect(answer.location).toBe(`https://${SHORT}/${code}`);
  });
});
