import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  composePath,
  envExamplePath,
  passthroughs,
  readComposeEnvironment,
  renderEnvBlock,
  serviceSchemas,
  withEnvBlock,
} from './env-template.ts';
import { backendServices, repoRoot, type ServiceName, services } from './paths.ts';

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string; target?: string };
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  volumes?: string[];
  ports?: string[];
  stop_grace_period?: string;
}

const composeFile = join(repoRoot, 'docker-compose.yml');
// `merge: true` resolves the `<<: *service-env` keys the way Compose does.
const compose = parse(readFileSync(composeFile, 'utf8'), { merge: true }) as {
  services: Record<string, ComposeService>;
};
const svc = (name: string): ComposeService => {
  const found = compose.services[name];
  if (!found) throw new Error(`docker-compose.yml has no service ${name}`);
  return found;
};

/** Directives of a redis.conf mounted into a compose service, as `directive -> value`. */
function mountedRedisConf(name: string): Map<string, string> {
  const mount = svc(name).volumes?.find((v) => v.endsWith(':/usr/local/etc/redis/redis.conf:ro'));
  expect(mount, `${name} mounts its redis.conf`).toBeDefined();
  expect(svc(name).command).toEqual(['redis-server', '/usr/local/etc/redis/redis.conf']);
  const text = readFileSync(join(repoRoot, (mount as string).split(':')[0] as string), 'utf8');
  const directives = new Map<string, string>();
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const [directive, ...rest] = trimmed.split(/\s+/);
    directives.set(directive as string, rest.join(' '));
  }
  return directives;
}

const durationSeconds = (value: string | undefined): number => {
  const match = /^(\d+)s$/.exec(value ?? '');
  return match ? Number(match[1]) : Number.NaN;
};

describe('docker-compose.yml', () => {
  it('has the stores, the migration, the three services and the dashboard', () => {
    expect(Object.keys(compose.services).sort()).toEqual(
      [
        'analytics-consumer',
        'dashboard',
        'management-api',
        'migrate',
        'postgres',
        'redirect-edge',
        'redis-cache',
        'redis-queue',
      ].sort(),
    );
  });

  it('pins every image to a version tag', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      // `${VAR:-default}` as Compose resolves it when VAR is unset.
      const image = (service.image ?? '').replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1');
      const tag = image.split(':')[1] ?? '';
      expect(tag, name).not.toBe('latest');
      expect(tag, name).toMatch(/\d+\.\d+/);
    }
  });

  it('checks the health of Postgres, both Redis, the three services and the dashboard', () => {
    expect(svc('postgres').healthcheck?.test.join(' ')).toContain('pg_isready');
    for (const name of ['redis-queue', 'redis-cache']) {
      expect(svc(name).healthcheck?.test).toEqual(['CMD', 'redis-cli', 'ping']);
    }
    for (const [name, port] of Object.entries(services)) {
      expect(svc(name).healthcheck?.test.join(' '), name).toContain(`http://127.0.0.1:${port}/health`);
      expect(svc(name).environment?.PORT, name).toBe(String(port));
    }
  });

  it('starts each service only after the stores are healthy and the migration completed', () => {
    expect(svc('migrate').depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
    expect(svc('migrate').build?.target).toBe('migrate');
    for (const name of Object.keys(backendServices)) {
      expect(svc(name).depends_on, name).toEqual({
        postgres: { condition: 'service_healthy' },
        'redis-queue': { condition: 'service_healthy' },
        'redis-cache': { condition: 'service_healthy' },
        migrate: { condition: 'service_completed_successfully' },
      });
    }
  });

  it('points REDIS_URL at the queue Redis and CACHE_REDIS_URL at the cache Redis, in production mode', () => {
    for (const name of Object.keys(backendServices)) {
      const env = svc(name).environment ?? {};
      expect(env.NODE_ENV, name).toBe('production');
      expect(new URL(env.REDIS_URL ?? '').hostname, name).toBe('redis-queue');
      expect(new URL(env.CACHE_REDIS_URL ?? '').hostname, name).toBe('redis-cache');
      expect(new URL(env.DATABASE_URL ?? '').hostname, name).toBe('postgres');
      // Required from the operator's environment: compose refuses to start without it.
      expect(env.APP_SECRET, name).toMatch(/^\$\{APP_SECRET:\?/);
      expect(durationSeconds(svc(name).stop_grace_period), name).toBeGreaterThan(10);
    }
  });

  it('serves the dashboard on its port, calling the API where browsers reach it, and the API allows it', () => {
    const dashboard = svc('dashboard');
    const env = dashboard.environment ?? {};
    expect(env.NODE_ENV).toBe('production');
    expect(dashboard.ports).toEqual([`${services.dashboard}:${services.dashboard}`]);
    expect(dashboard.build?.dockerfile).toBe('infra/docker/dashboard.Dockerfile');
    // Compose's default for API_URL is the API's published port on this host.
    const apiPort = svc('management-api').ports?.[0]?.split(':')[0];
    expect(env.API_URL).toBe(`\${API_URL:-http://localhost:${apiPort}}`);
    // ...and the API's defaults name the dashboard's origin: CORS for its pages, APP_URL for mailed links.
    const dashboardOrigin = `http://localhost:${services.dashboard}`;
    const api = svc('management-api').environment ?? {};
    expect(api.CORS_ORIGINS).toBe(`\${CORS_ORIGINS:-${dashboardOrigin}}`);
    expect(api.APP_URL).toBe(`\${APP_URL:-${dashboardOrigin}}`);
    // Static pages: no store and no secret reach it.
    for (const variable of ['APP_SECRET', 'DATABASE_URL', 'REDIS_URL', 'CACHE_REDIS_URL']) {
      expect(env[variable], variable).toBeUndefined();
    }
    expect(dashboard.depends_on).toEqual({ 'management-api': { condition: 'service_healthy' } });
    expect(durationSeconds(dashboard.stop_grace_period)).toBeGreaterThan(10);
  });

  it('runs the queue Redis with noeviction and an fsync-every-second AOF', () => {
    const conf = mountedRedisConf('redis-queue');
    expect(conf.get('maxmemory-policy')).toBe('noeviction');
    expect(conf.get('appendonly')).toBe('yes');
    expect(conf.get('appendfsync')).toBe('everysec');
    expect(svc('redis-queue').volumes?.some((v) => v.endsWith(':/data'))).toBe(true);
  });

  it('runs the cache Redis bounded, LRU-evicting and without persistence', () => {
    const conf = mountedRedisConf('redis-cache');
    expect(conf.get('maxmemory-policy')).toBe('allkeys-lru');
    expect(conf.get('maxmemory')).toMatch(/^\d+(mb|gb)$/);
    expect(conf.get('appendonly')).toBe('no');
    expect(conf.get('save')).toBe('""');
  });
});

/** `docker compose` (v2 plugin) or `docker-compose` (v1), whichever this machine has; none needs an engine. */
function composeCli(): string[] | undefined {
  for (const cli of [['docker', 'compose'], ['docker-compose']]) {
    const probe = spawnSync(cli[0] as string, [...cli.slice(1), 'version'], { encoding: 'utf8' });
    if (probe.status === 0) return cli;
  }
  return undefined;
}
const cli = composeCli();

// docker-compose 1.x is a Python program: a cold start takes seconds while other tests run in parallel.
const COMPOSE_TIMEOUT_MS = 30_000;

describe.skipIf(!cli)(`${cli?.join(' ') ?? 'docker compose'} config`, () => {
  const run = (env: Record<string, string>) =>
    spawnSync(cli?.[0] as string, [...(cli?.slice(1) ?? []), '-f', composeFile, 'config', '--quiet'], {
      cwd: repoRoot,
      encoding: 'utf8',
      env: { ...process.env, ...env },
      timeout: COMPOSE_TIMEOUT_MS,
    });

  it(
    'accepts the file',
    () => {
      const result = run({ APP_SECRET: 'a'.repeat(64) });
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
    },
    COMPOSE_TIMEOUT_MS,
  );

  it(
    'refuses to run without APP_SECRET',
    () => {
      const result = run({ APP_SECRET: '' });
      expect(result.status).not.toBe(0);
      expect(result.stderr).toContain('APP_SECRET');
    },
    COMPOSE_TIMEOUT_MS,
  );
});

describe('docker-compose.yml passes every setting through, and .env.example lists each', () => {
  const environment = readComposeEnvironment();
  const envExample = readFileSync(envExamplePath, 'utf8');
  // Set by the compose file itself: the container's mode, interface and port, and where the stores are.
  const wiring = ['NODE_ENV', 'HOST', 'PORT', 'DATABASE_URL', 'REDIS_URL', 'CACHE_REDIS_URL'];

  it.each(Object.keys(serviceSchemas) as ServiceName[])(
    '%s gets every variable of its configuration schema',
    (service) => {
      const passed = new Set(
        passthroughs(environment)
          .filter((p) => p.service === service)
          .map((p) => p.variable),
      );
      const missing = serviceSchemas[service]
        .map((doc) => doc.variable)
        .filter((variable) => !passed.has(variable) && !wiring.includes(variable));
      expect(missing, `variables ${service} never receives from .env`).toEqual([]);
      const unknown = Object.keys(environment[service]).filter(
        (variable) => !serviceSchemas[service].some((doc) => doc.variable === variable),
      );
      expect(unknown, `variables compose sets that ${service} does not read`).toEqual([]);
    },
  );

  it('names in .env.example every variable the compose file reads, and no other', () => {
    const composeText = readFileSync(composePath, 'utf8');
    const read = new Set([...composeText.matchAll(/\$\{([A-Z][A-Z0-9_]*)/g)].map((m) => m[1]));
    const listed = new Set([...envExample.matchAll(/^(?:# )?([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]));
    expect([...read].filter((name) => !listed.has(name)).sort(), 'missing from .env.example').toEqual([]);
    expect([...listed].filter((name) => !read.has(name)).sort(), 'not read by docker-compose.yml').toEqual(
      [],
    );
  });

  it('has the generated block of .env.example up to date (scripts/config-docs.ts writes it)', () => {
    expect(withEnvBlock(envExample, renderEnvBlock(environment))).toBe(envExample);
  });
});
