import { createHash } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { links } from '@boltlink/db/schema';
import { testRedisUrl, uniquePrefix } from '@boltlink/testing/redis';
import { eq } from 'drizzle-orm';
import { afterAll, describe, expect } from 'vitest';
import { capturingLogger, test as edgeTest, insertLink, startEdge, type TestEdge } from './support/edge.ts';
import { type EdgeAnswer, edgeRequest, listenOnLoopback } from './support/http.ts';

// Every request here goes to the edge's real port, so the fast path in front of Fastify sees it first: what a
// person and an API client get is what either path answers.
const test = edgeTest.extend(
  'edgeEnv',
  { scope: 'file' },
  { NOT_FOUND_RATE_LIMIT_MAX: '100000', CLICK_BATCH_INTERVAL_MS: '20' },
);

/** What Chrome sends for an address typed or clicked. */
const BROWSER = {
  accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8',
  'user-agent':
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
};
/** API clients: a JSON client, curl's default, and one that sends no Accept at all. */
const API_CLIENTS: Record<string, Record<string, string>> = {
  json: { accept: 'application/json' },
  problem: { accept: 'application/problem+json' },
  curl: { accept: '*/*', 'user-agent': 'curl/8.5.0' },
  none: {},
};

let port: number;
const others: TestEdge[] = [];

test.beforeAll(async ({ edge }) => {
  port = await listenOnLoopback(edge);
});

afterAll(async () => {
  for (const other of others) await other.app.close();
});

/** The text a person reads on a page: its markup removed, entities of the page's escaping undone. */
function visibleText(html: string): string {
  const main = html.slice(html.indexOf('<main>'), html.indexOf('</main>'));
  return main
    .replace(/<\/?span[^>]*>/g, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
}

/** A branded page: the status, strict headers, its only style allowed by hash, light and dark, no script. */
function expectPage(answer: EdgeAnswer, status: number): string {
  expect(answer.status).toBe(status);
  expect(answer.headers['content-type']).toBe('text/html; charset=utf-8');
  expect(answer.headers.vary).toBe('Accept');
  expect(answer.headers['cache-control']).toBe('no-store');
  expect(answer.headers['x-robots-tag']).toBe('noindex');
  expect(answer.headers['x-content-type-options']).toBe('nosniff');
  const csp = String(answer.headers['content-security-policy']);
  expect(csp).toContain("default-src 'none'");
  const style = /<style>([^<]*)<\/style>/.exec(answer.body)?.[1] ?? '';
  expect(csp).toContain(`'sha256-${createHash('sha256').update(style).digest('base64')}'`);
  expect(style).toContain('prefers-color-scheme:dark');
  expect(answer.body).not.toMatch(/<script|\son\w+=|\s(src|href)="/i);
  return visibleText(answer.body);
}

/** Today's problem+json, with `Vary: Accept` now that the same address may answer a page. */
function expectProblem(answer: EdgeAnswer, status: number): void {
  expect(answer.status).toBe(status);
  expect(answer.headers['content-type']).toContain('application/problem+json');
  expect(answer.headers.vary).toBe('Accept');
  expect(answer.headers['cache-control']).toBe('no-store');
  expect(JSON.parse(answer.body)).toMatchObject({ status });
}

describe('unknown codes (404)', () => {
  test('a browser gets a page that names the address and says what to do', async () => {
    const text = expectPage(await edgeRequest(port, '/nosuchlink', { headers: BROWSER }), 404);
    expect(text).toBe(
      'Link not found There is no link at sho.rt/nosuchlink. Check the address for typing mistakes. If someone sent it to you, ask them for a new one.',
    );
  });

  test('API clients keep problem+json', async () => {
    for (const [name, headers] of Object.entries(API_CLIENTS)) {
      const answer = await edgeRequest(port, '/nosuchlink', { headers });
      expectProblem(answer, 404);
      expect(JSON.parse(answer.body), name).toMatchObject({ title: 'Not found' });
    }
  });

  test('a path that cannot be a code and the bare domain get the same page', async () => {
    for (const path of ['/a/b', '/has.dot', '/']) {
      expectPage(await edgeRequest(port, path, { headers: BROWSER }), 404);
    }
  });

  test('repeats the address escaped and cut short, and never the query string', async () => {
    const answer = await edgeRequest(port, `/nope?token=s3cret&x=<b>`, {
      headers: { ...BROWSER, host: 'evil"<img>.example' },
    });
    const text = expectPage(answer, 404);
    expect(answer.body).not.toContain('<img>');
    expect(answer.body).toContain('evil&quot;&lt;img&gt;.example/nope');
    expect(text).not.toContain('s3cret');

    const long = `/${'x'.repeat(60)}/${'y'.repeat(60)}`;
    const cut = expectPage(await edgeRequest(port, long, { headers: BROWSER }), 404);
    expect(cut).toContain(`sho.rt/${'x'.repeat(60)}/${'y'.repeat(12)}…`);
  });

  test('a HEAD from a browser gets the status and headers of the page, without a body', async () => {
    const answer = await edgeRequest(port, '/nosuchlink', { method: 'HEAD', headers: BROWSER });
    expect(answer.status).toBe(404);
    expect(answer.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(answer.body).toBe('');
  });
});

describe('dead links (410)', () => {
  test('expired: the browser page says so, API clients keep problem+json', async ({ database, userId }) => {
    const link = await insertLink(database.db, { userId, expiresAt: new Date(Date.now() - 1000) });
    const text = expectPage(await edgeRequest(port, `/${link.code}`, { headers: BROWSER }), 410);
    expect(text).toContain('This link has expired');
    expect(text).toContain(`The link at sho.rt/${link.code} no longer leads anywhere.`);
    for (const headers of Object.values(API_CLIENTS)) {
      expectProblem(await edgeRequest(port, `/${link.code}`, { headers }), 410);
    }
  });

  test('used up: the page of a link past its click cap', async ({ database, userId }) => {
    const link = await insertLink(database.db, { userId, maxClicks: 1 });
    expect((await edgeRequest(port, `/${link.code}`, { headers: BROWSER })).status).toBe(302);
    const text = expectPage(await edgeRequest(port, `/${link.code}`, { headers: BROWSER }), 410);
    expect(text).toContain('This link is used up');
    expectProblem(await edgeRequest(port, `/${link.code}`, { headers: API_CLIENTS.json }), 410);
  });

  test('blocked by an instance admin: the page says it was disabled', async ({ database, userId }) => {
    const link = await insertLink(database.db, { userId });
    await database.db.update(links).set({ blockedAt: new Date() }).where(eq(links.id, link.id));
    const text = expectPage(await edgeRequest(port, `/${link.code}`, { headers: BROWSER }), 410);
    expect(text).toContain('This link has been disabled');
    expectProblem(await edgeRequest(port, `/${link.code}`, { headers: API_CLIENTS.none }), 410);
  });

  test('a link the fast path holds in memory when it expires gets the page from either path', async ({
    database,
    userId,
  }) => {
    const expiresAt = new Date(Date.now() + 400);
    const link = await insertLink(database.db, { userId, expiresAt });
    expect((await edgeRequest(port, `/${link.code}`, { headers: BROWSER })).status).toBe(302);
    await new Promise((resolve) => setTimeout(resolve, expiresAt.getTime() - Date.now() + 50));
    // Held in the LRU: the fast path decides it is gone and hands it on with its lookup.
    const text = expectPage(await edgeRequest(port, `/${link.code}`, { headers: BROWSER }), 410);
    expect(text).toContain('This link has expired');
    expectProblem(await edgeRequest(port, `/${link.code}`, { headers: API_CLIENTS.curl }), 410);
  });
});

describe('rate limits (429)', () => {
  test('too many unknown codes: a page that says how long to wait, with Retry-After', async ({
    database,
  }) => {
    const limited = await startEdge({
      databaseUrl: database.url,
      redisUrl: testRedisUrl(),
      prefix: uniquePrefix('edge-pages-404-limit'),
      env: { NOT_FOUND_RATE_LIMIT_MAX: '2' },
    });
    others.push(limited);
    const limitedPort = await listenOnLoopback(limited);
    for (let i = 0; i < 2; i += 1) {
      expect((await edgeRequest(limitedPort, `/scan${i}`, { headers: BROWSER })).status).toBe(404);
    }
    const page = await edgeRequest(limitedPort, '/scan2', { headers: BROWSER });
    const text = expectPage(page, 429);
    const retryAfter = Number(page.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(text).toContain('Too many requests');
    expect(text).toMatch(/Wait (\d+ seconds?|about \d+ minutes), then try again\./);
    const api = await edgeRequest(limitedPort, '/scan3', { headers: API_CLIENTS.json });
    expectProblem(api, 429);
    expect(Number(api.headers['retry-after'])).toBeGreaterThan(0);
  });

  test('too many redirects from one client (charged by the fast path): the same page', async ({
    database,
    userId,
  }) => {
    const limited = await startEdge({
      databaseUrl: database.url,
      redisUrl: testRedisUrl(),
      prefix: uniquePrefix('edge-pages-redirect-limit'),
      env: { REDIRECT_RATE_LIMIT_MAX: '1', REDIRECT_RATE_LIMIT_WINDOW_MS: '60000' },
    });
    others.push(limited);
    const limitedPort = await listenOnLoopback(limited);
    const link = await insertLink(database.db, { userId });
    expect((await edgeRequest(limitedPort, `/${link.code}`, { headers: BROWSER })).status).toBe(302);
    const page = await edgeRequest(limitedPort, `/${link.code}`, { headers: BROWSER });
    expect(expectPage(page, 429)).toContain('Wait ');
    expect(Number(page.headers['retry-after'])).toBeGreaterThan(0);
    expectProblem(await edgeRequest(limitedPort, `/${link.code}`, { headers: API_CLIENTS.none }), 429);
  });
});

describe('outages (503)', () => {
  test('a code that cannot be looked up: a page with a short reference that is in the log line', async ({
    prefix,
  }) => {
    const { logger, lines } = capturingLogger('error');
    // Nothing listens on port 1: every lookup that reaches Postgres fails at once.
    const down = await startEdge({
      databaseUrl: 'postgres://boltlink@127.0.0.1:1/boltlink',
      redisUrl: testRedisUrl(),
      prefix: `${prefix}-down`,
      logger,
    });
    others.push(down);
    const downPort = await listenOnLoopback(down);
    const page = await edgeRequest(downPort, '/cannotlook', { headers: BROWSER });
    const text = expectPage(page, 503);
    expect(text).toContain('Temporarily unavailable');
    const reference = /Reference: ([0-9a-f]{8})/.exec(text)?.[1];
    expect(reference).toBeDefined();
    const logged = lines().find((line) => line.msg === 'link lookup unavailable');
    expect(logged?.reference).toBe(reference);
    // No internals on the page: no error message, no stack, no host of the database.
    expect(page.body).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|at \w+ \(/);

    for (const headers of Object.values(API_CLIENTS)) {
      expectProblem(await edgeRequest(downPort, '/cannotlook', { headers }), 503);
    }
  });
});

/** A connection that has sent the start of a request's headers: busy, so a closing server keeps it open. */
async function startedRequest(edgePort: number, path: string, headers: Record<string, string>) {
  const socket: Socket = connect(edgePort, '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.write(`GET ${path} HTTP/1.1\r\nHost: sho.rt\r\n`);
  return {
    /** Sends the rest of the headers and reads the whole answer (the server closes after it). */
    async finish(): Promise<EdgeAnswer & { connection: string | undefined }> {
      const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
      socket.write(`${lines.join('')}\r\n`);
      await ended;
      const raw = Buffer.concat(chunks).toString('utf8');
      const split = raw.indexOf('\r\n\r\n');
      const [statusLine = '', ...headerLines] = raw.slice(0, split).split('\r\n');
      const parsed: Record<string, string> = {};
      const names: string[] = [];
      for (const line of headerLines) {
        const colon = line.indexOf(':');
        names.push(line.slice(0, colon));
        parsed[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
      }
      return {
        status: Number(statusLine.split(' ')[1]),
        headers: parsed,
        rawHeaderNames: names,
        body: raw.slice(split + 4),
        connection: parsed.connection,
      };
    },
  };
}

/** Resolves once the port refuses new connections: the edge has stopped listening (its preClose hooks ran). */
async function refusing(edgePort: number): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const refused = await new Promise<boolean>((resolve) => {
      const probe = connect(edgePort, '127.0.0.1');
      probe.once('connect', () => {
        probe.destroy();
        resolve(false);
      });
      probe.once('error', () => resolve(true));
    });
    if (refused) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('the edge still accepts connections 10 s after close()');
}

describe('shutting down (503)', () => {
  test('a request still arriving on an open connection while the edge closes: a page for a person, problem+json for a client, then the connection closes', async ({
    database,
    userId,
    prefix,
  }) => {
    const closingEdge = await startEdge({
      databaseUrl: database.url,
      redisUrl: testRedisUrl(),
      prefix: `${prefix}-closing`,
    });
    const closingPort = await listenOnLoopback(closingEdge);
    const link = await insertLink(database.db, { userId, url: 'https://still.example/' });
    expect((await edgeRequest(closingPort, `/${link.code}`, { headers: BROWSER })).status).toBe(302);

    const person = await startedRequest(closingPort, `/${link.code}`, BROWSER);
    const client = await startedRequest(closingPort, `/${link.code}`, { accept: 'application/json' });
    // Loopback delivers the bytes as they are written; one turn of the event loop (its poll phase, while this
    // timer waits) lets the edge's parser read them, so neither connection is idle when the edge closes.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const closed = closingEdge.app.close();
    await refusing(closingPort);

    const page = await person.finish();
    expect(expectPage(page, 503)).toContain('Temporarily unavailable');
    expect(page.connection).toBe('close');
    const problem = await client.finish();
    expectProblem(problem, 503);
    expect(JSON.parse(problem.body)).toMatchObject({ detail: 'The server is shutting down; retry shortly.' });
    expect(problem.connection).toBe('close');
    await closed;
  });
});

describe('not-found and root redirects come first', () => {
  test('a browser is redirected, not shown the page, when the instance has those URLs', async ({
    database,
  }) => {
    const redirecting = await startEdge({
      databaseUrl: database.url,
      redisUrl: testRedisUrl(),
      prefix: uniquePrefix('edge-pages-redirects'),
      env: {
        NOT_FOUND_REDIRECT_URL: 'https://boltlink.example/missing',
        ROOT_REDIRECT_URL: 'https://boltlink.example/',
      },
    });
    others.push(redirecting);
    const redirectingPort = await listenOnLoopback(redirecting);
    const unknown = await edgeRequest(redirectingPort, '/nosuchlink', { headers: BROWSER });
    expect(unknown.status).toBe(302);
    expect(unknown.headers.location).toBe('https://boltlink.example/missing');
    const root = await edgeRequest(redirectingPort, '/', { headers: BROWSER });
    expect(root.status).toBe(302);
    expect(root.headers.location).toBe('https://boltlink.example/');
  });
});
