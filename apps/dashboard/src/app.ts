import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { healthPlugin } from '@boltlink/observability/health';
import Fastify, { type FastifyBaseLogger } from 'fastify';

export interface DashboardDeps {
  /** The built pages (vite build's outDir): index.html and assets/. */
  publicDir: string;
  /** The management API's origin, as browsers reach it. */
  apiUrl: string;
  logger: FastifyBaseLogger;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * No inline script or style anywhere (the build emits files only), and the only other origin a page talks
 * to is the API.
 */
export function contentSecurityPolicy(apiUrl: string): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    `connect-src 'self' ${apiUrl}`,
    // blob: the QR codes, fetched from the API with the session cookie and shown from an object URL.
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? listFiles(path) : [path];
  });
}

/**
 * The dashboard's web server: the static build, read into memory once (a few hundred KB), with a strict
 * CSP; every path that is not a file answers index.html, where the client-side router takes over.
 * `/config.json` tells the pages where the API is, so one build serves any deployment.
 */
export async function buildApp(deps: DashboardDeps) {
  const files = new Map<string, Buffer>();
  for (const path of listFiles(deps.publicDir)) {
    files.set(`/${relative(deps.publicDir, path).split(sep).join('/')}`, readFileSync(path));
  }
  const index = files.get('/index.html');
  if (!index) throw new Error(`${deps.publicDir} has no index.html: build the pages first (vite build)`);
  const csp = contentSecurityPolicy(deps.apiUrl);
  const runtimeConfig = JSON.stringify({ apiUrl: deps.apiUrl });

  const app = Fastify({ loggerInstance: deps.logger });
  app.addHook('onSend', async (_request, reply) => {
    reply.header('content-security-policy', csp);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('cross-origin-opener-policy', 'same-origin');
  });

  // /health and /ready like every service (ready while serving, 503 once shutting down); /healthz for
  // platforms that probe that name.
  await app.register(healthPlugin, {});
  app.get('/healthz', { logLevel: 'warn' }, async () => ({ status: 'ok' }));
  app.get('/config.json', async (_request, reply) =>
    reply.type('application/json; charset=utf-8').header('cache-control', 'no-cache').send(runtimeConfig),
  );
  app.get('/*', async (request, reply) => {
    const path = request.url.split('?')[0] ?? '/';
    const file = files.get(path);
    if (file && path !== '/index.html') {
      // Vite names assets by content hash: they never change under the same name.
      const immutable = path.startsWith('/assets/');
      return reply
        .type(TYPES[extname(path)] ?? 'application/octet-stream')
        .header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
        .send(file);
    }
    // A missing asset is a 404, not the app's HTML under a script's name.
    if (extname(path) !== '') return reply.code(404).type('text/plain; charset=utf-8').send('not found');
    return reply
      .type(TYPES['.html'] ?? 'text/html')
      .header('cache-control', 'no-cache')
      .send(index);
  });
  return app;
}
