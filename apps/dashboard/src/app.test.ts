import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from './app.ts';

const dir = mkdtempSync(join(tmpdir(), 'dashboard-'));
let app: Awaited<ReturnType<typeof buildApp>>;

beforeAll(async () => {
  mkdirSync(join(dir, 'assets'));
  writeFileSync(
    join(dir, 'index.html'),
    '<!doctype html><title>BoltLink</title><script type="module" src="/assets/index-abc.js"></script>',
  );
  writeFileSync(join(dir, 'assets', 'index-abc.js'), 'console.log(1)');
  app = await buildApp({
    publicDir: dir,
    apiUrl: 'https://api.example.com',
    logger: pino({ level: 'silent' }),
  });
});
afterAll(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('dashboard web server', () => {
  it('serves the pages with a strict CSP that allows no inline script and only the API besides itself', async () => {
    const res = await app.inject({ url: '/links' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body).toContain('<title>BoltLink</title>');
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("connect-src 'self' https://api.example.com");
    expect(csp).toContain("frame-ancestors 'none'");
  });

  it('lets images come from object URLs (the QR codes) but no other origin', async () => {
    const csp = String((await app.inject({ url: '/links' })).headers['content-security-policy']);
    const images = csp.split('; ').find((directive) => directive.startsWith('img-src '));
    expect(images).toBe("img-src 'self' data: blob:");
  });

  it('serves hashed assets as immutable, and a missing asset as 404 rather than the page', async () => {
    const asset = await app.inject({ url: '/assets/index-abc.js' });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['content-type']).toMatch(/^text\/javascript/);
    expect(asset.headers['cache-control']).toContain('immutable');
    expect((await app.inject({ url: '/assets/gone.js' })).statusCode).toBe(404);
  });

  it('tells the pages where the API is, and answers the probes', async () => {
    expect((await app.inject({ url: '/config.json' })).json()).toEqual({ apiUrl: 'https://api.example.com' });
    expect((await app.inject({ url: '/healthz' })).statusCode).toBe(200);
    expect((await app.inject({ url: '/ready' })).statusCode).toBe(200);
  });
});
