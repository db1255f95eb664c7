import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Type } from 'typebox';
import { describe, expect, it } from 'vitest';
import {
  bool,
  ConfigError,
  commaList,
  describeConfig,
  EXIT_CONFIG,
  envName,
  int,
  loadConfig,
  oneOf,
  optional,
  port,
  secret,
  str,
  url,
} from './env.ts';

const Schema = Type.Object({
  nodeEnv: oneOf(['development', 'test', 'production'], { default: 'development', description: 'mode' }),
  port: port(8080),
  databaseUrl: url({
    protocols: ['postgres:', 'postgresql:'],
    default: 'postgres://h/db',
    description: 'db',
  }),
  databaseReadUrl: url({
    protocols: ['postgres:', 'postgresql:'],
    defaultFrom: 'databaseUrl',
    description: 'r',
  }),
  workers: int({ default: 2, min: 1, max: 64, description: 'workers' }),
  verbose: bool({ default: false, description: 'verbose' }),
  domains: commaList({ default: ['a.test'], minItems: 1, lowercase: true, description: 'domains' }),
  appSecret: secret({ minLength: 32, developmentDefault: 'd'.repeat(32), description: 'secret' }),
  geoipDbPath: optional(str({ description: 'path' })),
  label: str({ description: 'required label' }),
});

const base = { LABEL: 'x' };

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('applies defaults and returns camelCase keys', () => {
    const config = loadConfig(Schema, base);
    expect(config).toEqual({
      nodeEnv: 'development',
      port: 8080,
      databaseUrl: 'postgres://h/db',
      databaseReadUrl: 'postgres://h/db',
      workers: 2,
      verbose: false,
      domains: ['a.test'],
      appSecret: 'd'.repeat(32),
      label: 'x',
    });
    expect('geoipDbPath' in config).toBe(false);
  });

  it('converts numbers, booleans and comma lists', () => {
    const config = loadConfig(Schema, {
      ...base,
      PORT: ' 3000 ',
      WORKERS: '8',
      VERBOSE: 'yes',
      DOMAINS: ' Short.Example , b.test:8080,, ',
      GEOIP_DB_PATH: '/data/geo.mmdb',
    });
    expect(config.port).toBe(3000);
    expect(config.workers).toBe(8);
    expect(config.verbose).toBe(true);
    expect(config.domains).toEqual(['short.example', 'b.test:8080']);
    expect(config.geoipDbPath).toBe('/data/geo.mmdb');
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig(Schema, { ...base, PORT: '', WORKERS: '  ' }).port).toBe(8080);
  });

  it('defaults a variable from another one', () => {
    const config = loadConfig(Schema, { ...base, DATABASE_URL: 'postgresql://u:p@db:5432/x' });
    expect(config.databaseReadUrl).toBe('postgresql://u:p@db:5432/x');
    const separate = loadConfig(Schema, { ...base, DATABASE_READ_URL: 'postgres://replica/x' });
    expect(separate.databaseReadUrl).toBe('postgres://replica/x');
    expect(separate.databaseUrl).toBe('postgres://h/db');
  });

  it('rejects a non-numeric port and says which rule it broke', () => {
    const error = configError(() => loadConfig(Schema, { ...base, PORT: '80a' }));
    expect(error.issues).toEqual([
      { variable: 'PORT', problem: 'must be an integer port number between 1 and 65535 (got "80a")' },
    ]);
  });

  it.each(['0', '65536', '3000.5', '-1'])('rejects port %s', (value) => {
    expect(configError(() => loadConfig(Schema, { ...base, PORT: value })).issues[0]?.variable).toBe('PORT');
  });

  it('rejects a malformed URL and a URL with the wrong protocol, without echoing it', () => {
    const malformed = configError(() =>
      loadConfig(Schema, { ...base, DATABASE_URL: 'postgres//u:hunter2@db' }),
    );
    expect(malformed.issues).toEqual([
      { variable: 'DATABASE_URL', problem: 'must be a valid postgres:// or postgresql:// URL' },
    ]);
    expect(malformed.message).not.toContain('hunter2');
    const wrong = configError(() => loadConfig(Schema, { ...base, DATABASE_URL: 'mysql://u:hunter2@db/x' }));
    expect(wrong.issues[0]?.problem).toBe('must be a postgres:// or postgresql:// URL (got mysql://)');
    expect(wrong.message).not.toContain('hunter2');
  });

  it('requires the secret in production and refuses the development default there', () => {
    const missing = configError(() => loadConfig(Schema, { ...base, NODE_ENV: 'production' }));
    expect(missing.issues).toEqual([
      {
        variable: 'APP_SECRET',
        problem: 'is required when NODE_ENV=production (must be at least 32 characters)',
      },
    ]);
    const dev = configError(() =>
      loadConfig(Schema, { ...base, NODE_ENV: 'production', APP_SECRET: 'd'.repeat(32) }),
    );
    expect(dev.issues[0]?.problem).toBe('must not be the development default when NODE_ENV=production');
    const ok = loadConfig(Schema, { ...base, NODE_ENV: 'production', APP_SECRET: 's'.repeat(40) });
    expect(ok.appSecret).toBe('s'.repeat(40));
  });

  it('rejects a short secret without echoing it', () => {
    const error = configError(() => loadConfig(Schema, { ...base, APP_SECRET: 'tooshort' }));
    expect(error.issues).toEqual([{ variable: 'APP_SECRET', problem: 'must be at least 32 characters' }]);
    expect(error.message).not.toContain('tooshort');
  });

  it('reports every problem at once, in one readable message', () => {
    const error = configError(() =>
      loadConfig(Schema, {
        NODE_ENV: 'staging',
        PORT: 'http',
        DATABASE_URL: 'not a url',
        WORKERS: '0',
        VERBOSE: 'maybe',
        DOMAINS: ' , ',
      }),
    );
    expect(error.issues.map((issue) => issue.variable)).toEqual([
      'NODE_ENV',
      'PORT',
      'DATABASE_URL',
      'WORKERS',
      'VERBOSE',
      'DOMAINS',
      'LABEL',
    ]);
    expect(error.issues.find((issue) => issue.variable === 'LABEL')?.problem).toBe(
      'is required (must be a non-empty string)',
    );
    expect(error.message.split('\n')[0]).toBe('Invalid configuration (7 problems):');
    expect(error.message).toContain(
      '  - NODE_ENV: must be one of development, test, production (got "staging")',
    );
    expect(error.message).toContain('  - WORKERS: must be an integer between 1 and 64 (got "0")');
  });

  it('names invalid list items', () => {
    const Hosts = Type.Object({
      hosts: commaList({
        default: [],
        item: (v) => /^[a-z.]+$/.test(v),
        itemRule: 'a host',
        description: 'h',
      }),
    });
    const error = configError(() => loadConfig(Hosts, { HOSTS: 'a.test,b_c,d.test,E F' }));
    expect(error.issues[0]?.problem).toBe(
      'must be a comma-separated list, each item a host; invalid: "b_c", "E F"',
    );
  });

  it('does not share default arrays between results', () => {
    const first = loadConfig(Schema, base);
    first.domains.push('mutated');
    expect(loadConfig(Schema, base).domains).toEqual(['a.test']);
  });
});

describe('envName', () => {
  it('maps camelCase keys to UPPER_SNAKE_CASE', () => {
    expect(envName('cacheRedisUrl')).toBe('CACHE_REDIS_URL');
    expect(envName('apiKeyCreateRateLimitWindowMs')).toBe('API_KEY_CREATE_RATE_LIMIT_WINDOW_MS');
    expect(envName('geoipDbPath')).toBe('GEOIP_DB_PATH');
  });
});

describe('describeConfig', () => {
  it('lists each variable with its default, whether it is required and its description', () => {
    const rows = describeConfig(Schema);
    expect(rows.map((row) => row.variable)).toEqual([
      'NODE_ENV',
      'PORT',
      'DATABASE_URL',
      'DATABASE_READ_URL',
      'WORKERS',
      'VERBOSE',
      'DOMAINS',
      'APP_SECRET',
      'GEOIP_DB_PATH',
      'LABEL',
    ]);
    const byName = new Map(rows.map((row) => [row.variable, row]));
    expect(byName.get('PORT')).toMatchObject({ default: '8080', required: false });
    expect(byName.get('DATABASE_READ_URL')?.default).toBe('same as DATABASE_URL');
    expect(byName.get('DOMAINS')?.default).toBe('a.test');
    expect(byName.get('APP_SECRET')?.default).toBe('a fixed development value; required in production');
    expect(byName.get('GEOIP_DB_PATH')).toMatchObject({ default: undefined, required: false });
    expect(byName.get('LABEL')).toMatchObject({
      default: undefined,
      required: true,
      description: 'required label',
    });
  });
});

describe('loadConfigOrExit', () => {
  const script = fileURLToPath(new URL('./fixtures/exit-on-bad-config.ts', import.meta.url));
  const tsx = fileURLToPath(new URL('../node_modules/.bin/tsx', import.meta.url));
  // A cold tsx start takes seconds alone and has taken over 30 s while every package's tests run in
  // parallel on a busy 2-core machine: the test waits as long as the child is allowed to run, not vitest's
  // 5 s default. The child runs asynchronously so that a slow start never blocks the vitest worker (whose
  // own calls to the runner time out when its event loop stalls).
  const CHILD_TIMEOUT_MS = 90_000;

  function run(env: NodeJS.ProcessEnv): Promise<{ status: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(tsx, [script], { env, timeout: CHILD_TIMEOUT_MS });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        stdout += chunk;
      });
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        stderr += chunk;
      });
      child.on('error', reject);
      child.on('close', (status) => resolve({ status, stdout, stderr }));
    });
  }

  it(
    'prints one message listing every problem and exits 78 (EXIT_CONFIG) without a stack trace',
    async () => {
      const result = await run({
        PATH: process.env.PATH,
        PORT: 'abc',
        DATABASE_URL: 'nope',
        NODE_ENV: 'production',
      });
      expect(result.status).toBe(EXIT_CONFIG);
      expect(EXIT_CONFIG).toBe(78);
      expect(result.stdout).toBe('');
      expect(result.stderr).toBe(
        [
          'Invalid configuration (3 problems):',
          '  - PORT: must be an integer port number between 1 and 65535 (got "abc")',
          '  - DATABASE_URL: must be a valid postgres:// or postgresql:// URL',
          '  - APP_SECRET: is required when NODE_ENV=production (must be at least 32 characters)',
          '',
        ].join('\n'),
      );
    },
    CHILD_TIMEOUT_MS,
  );

  it(
    'returns the config when it is valid',
    async () => {
      const result = await run({ PATH: process.env.PATH, PORT: '4000' });
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      expect(result.stdout.trim()).toBe('listening on 4000');
    },
    CHILD_TIMEOUT_MS,
  );
});
