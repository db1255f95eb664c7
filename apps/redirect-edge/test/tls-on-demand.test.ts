import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { domains } from '@boltlink/db/schema';
import { afterAll, describe, expect } from 'vitest';
import { test as edgeTest, insertLink } from './support/edge.ts';
import { listenOnLoopback } from './support/http.ts';
import { replaceInExample, waitForPort } from './support/proxy-config.ts';

// infra/caddy/Caddyfile, the on-demand TLS example of docs/operations/on-demand-tls.md, run in Caddy in front of a real
// edge. Only its ports are changed, by exact text replacement (an edit the test does not know fails here),
// and test-only global options are added: certificates from Caddy's internal CA instead of Let's Encrypt (no
// test reaches the internet), no admin endpoint, storage in a temporary directory, no trust-store install.

const EXAMPLE = new URL('../../../infra/caddy/Caddyfile', import.meta.url);
const caddy = ['caddy', '/usr/bin/caddy'].find((bin) => spawnSync(bin, ['version']).status === 0);
const VERIFIED = 'links.customer.test';
const PENDING = 'pending.customer.test';

const test = edgeTest.extend(
  'edgeEnv',
  { scope: 'file' },
  { SHORT_DOMAINS: 's.example.com', TRUST_PROXY: '127.0.0.1' },
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
  replaceInExample('infra/caddy/Caddyfile', text, from, to);

/** A TLS handshake for `servername`: the names its certificate is for, or the handshake's error. */
function handshake(port: number, servername: string): Promise<{ names: string } | { error: string }> {
  return new Promise((resolve) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, servername, rejectUnauthorized: false });
    socket.setTimeout(10_000, () => socket.destroy(new Error('handshake timed out')));
    socket.once('secureConnect', () => {
      const names = socket.getPeerCertificate().subjectaltname ?? '';
      socket.end();
      resolve({ names });
    });
    socket.once('error', (error) => resolve({ error: error.message }));
  });
}

describe.skipIf(!caddy)('the example Caddy on-demand TLS (infra/caddy/Caddyfile)', () => {
  let caddyProcess: ChildProcess;
  let dir: string;
  let httpsPort: number;
  let code: string;

  test.beforeAll(async ({ database, edge, userId }) => {
    const edgePort = await listenOnLoopback(edge);
    await database.db.insert(domains).values([
      {
        workspaceId: userId,
        hostname: VERIFIED,
        status: 'verified',
        verifiedAt: new Date(),
        verificationToken: `token-${crypto.randomUUID()}`,
      },
      { workspaceId: userId, hostname: PENDING, verificationToken: `token-${crypto.randomUUID()}` },
    ]);
    code = (await insertLink(database.db, { userId, domain: VERIFIED, url: 'https://customer.example/' }))
      .code;

    dir = mkdtempSync(join(tmpdir(), 'boltlink-caddy-'));
    httpsPort = await freePort();
    const httpPort = await freePort();
    let config = readFileSync(EXAMPLE, 'utf8');
    config = replaceOnce(
      config,
      'http://127.0.0.1:8080/_boltlink/tls-ask',
      `http://127.0.0.1:${edgePort}/_boltlink/tls-ask`,
    );
    config = replaceOnce(config, 'reverse_proxy 127.0.0.1:8080', `reverse_proxy 127.0.0.1:${edgePort}`);
    config = replaceOnce(
      config,
      '{\n\ton_demand_tls {',
      [
        '{',
        '\tadmin off',
        '\tlocal_certs',
        '\tskip_install_trust',
        `\thttp_port ${httpPort}`,
        `\thttps_port ${httpsPort}`,
        `\tstorage file_system ${join(dir, 'data')}`,
        '\ton_demand_tls {',
      ].join('\n'),
    );
    writeFileSync(join(dir, 'Caddyfile'), config);
    let output = '';
    caddyProcess = spawn(
      caddy as string,
      ['run', '--config', join(dir, 'Caddyfile'), '--adapter', 'caddyfile'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          ...process.env,
          HOME: dir,
          XDG_DATA_HOME: join(dir, 'xdg-data'),
          XDG_CONFIG_HOME: join(dir, 'xdg-config'),
        },
      },
    );
    for (const stream of [caddyProcess.stdout, caddyProcess.stderr]) {
      stream?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
    }
    await waitForPort('caddy', httpsPort, caddyProcess, () => output);
  }, 60_000);

  afterAll(async () => {
    if (caddyProcess?.exitCode === null) {
      const exited = new Promise((resolve) => caddyProcess.once('exit', resolve));
      caddyProcess.kill('SIGTERM');
      await exited;
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('gets a certificate for a verified custom domain and serves its links through it', async () => {
    const result = await handshake(httpsPort, VERIFIED);
    expect(result).toEqual({ names: `DNS:${VERIFIED}` });

    const answer = await new Promise<{ status: number; location: string | undefined }>((resolve, reject) => {
      const req = httpsRequest(
        {
          host: '127.0.0.1',
          port: httpsPort,
          servername: VERIFIED,
          rejectUnauthorized: false,
          path: `/${code}`,
          headers: { host: VERIFIED },
          agent: false,
          timeout: 10_000,
        },
        (res) => {
          res.resume();
          resolve({ status: res.statusCode ?? 0, location: res.headers.location });
        },
      );
      req.on('timeout', () => req.destroy(new Error('request timed out')));
      req.on('error', reject);
      req.end();
    });
    expect(answer).toEqual({ status: 302, location: 'https://customer.example/' });
  });

  test('gets a certificate for an instance domain', async () => {
    expect(await handshake(httpsPort, 's.example.com')).toEqual({ names: 'DNS:s.example.com' });
  });

  test('refuses the handshake for a pending domain and for a name the edge does not know', async () => {
    for (const name of [PENDING, 'unknown.customer.test']) {
      const result = await handshake(httpsPort, name);
      expect(result, name).toHaveProperty('error');
    }
  });
});
