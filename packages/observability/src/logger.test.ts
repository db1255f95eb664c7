import { Writable } from 'node:stream';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createLoggerOptions, pathOnly } from './logger.ts';

function memoryStream() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      callback();
    },
  });
  return { stream, lines, text: () => lines.join('\n') };
}

const SECRETS = {
  password: 'hunter2-password',
  passwordHash: '$argon2id$v=19$hash-value',
  key: 'bl_live_key_material',
  token: 'session-token-value',
  secret: 'app-secret-value',
  apiKey: 'api-key-value',
};

describe('createLoggerOptions', () => {
  it('writes JSON with the service name and an ISO time when not pretty', () => {
    const out = memoryStream();
    const log = pino(
      createLoggerOptions({ service: 'redirect-edge', level: 'info', pretty: false }),
      out.stream,
    );
    log.info({ linkId: 'l1' }, 'served');
    const line = JSON.parse(out.lines[0] ?? '');
    expect(line).toMatchObject({ service: 'redirect-edge', level: 'info', msg: 'served', linkId: 'l1' });
    expect(new Date(line.time).toISOString()).toBe(line.time);
  });

  it('uses the pretty transport only when asked or when stdout is a terminal', () => {
    expect(createLoggerOptions({ service: 's', level: 'info', pretty: true }).transport).toMatchObject({
      target: expect.stringContaining('pino-pretty'),
    });
    expect(createLoggerOptions({ service: 's', level: 'info', pretty: false }).transport).toBeUndefined();
  });

  it('writes JSON, even when asked for pretty output, where pino-pretty is not installed (the images)', () => {
    const out = memoryStream();
    const options = createLoggerOptions({
      service: 'edge',
      level: 'info',
      pretty: true,
      resolvePretty: (name) => {
        throw Object.assign(new Error(`Cannot find module '${name}'`), { code: 'MODULE_NOT_FOUND' });
      },
    });
    expect(options.transport).toBeUndefined();
    pino(options, out.stream).info('started');
    expect(JSON.parse(out.text())).toMatchObject({ service: 'edge', level: 'info', msg: 'started' });
  });

  it('redacts secret fields at the top level and nested a few levels deep', () => {
    const out = memoryStream();
    const log = pino(createLoggerOptions({ service: 'api', level: 'info', pretty: false }), out.stream);
    log.info({ ...SECRETS }, 'top');
    log.info({ body: { ...SECRETS } }, 'one level');
    log.info({ job: { data: { ...SECRETS } } }, 'two levels');
    log.info({ event: { body: { user: { ...SECRETS } } } }, 'three levels');
    const text = out.text();
    for (const value of Object.values(SECRETS)) expect(text).not.toContain(value);
    expect(out.lines).toHaveLength(4);
    const deepest = JSON.parse(out.lines[3] ?? '');
    expect(deepest.event.body.user.password).toBe('[redacted]');
    expect(deepest.event.body.user.apiKey).toBe('[redacted]');
  });

  it('redacts credential headers wherever headers are logged', () => {
    const out = memoryStream();
    const log = pino(createLoggerOptions({ service: 'api', level: 'info', pretty: false }), out.stream);
    const headers = {
      authorization: 'Bearer bearer-secret',
      cookie: 'sid=cookie-secret',
      'set-cookie': ['sid=set-cookie-secret'],
      'x-api-key': 'header-api-key',
      'user-agent': 'curl/8',
    };
    log.info({ headers }, 'bare');
    log.info({ request: { headers } }, 'request');
    log.info({ response: { headers } }, 'response');
    const text = out.text();
    for (const secret of ['bearer-secret', 'cookie-secret', 'set-cookie-secret', 'header-api-key']) {
      expect(text).not.toContain(secret);
    }
    expect(out.lines.filter((line) => line.includes('curl/8'))).toHaveLength(3);
  });

  const fastifyWith: Record<string, (stream: Writable) => FastifyInstance> = {
    'logger options': (stream: Writable) =>
      Fastify({
        logger: { ...createLoggerOptions({ service: 'edge', level: 'info', pretty: false }), stream },
      }),
    // How the services wire it: one pino instance shared by Fastify and the rest of the process.
    'a pino instance': (stream: Writable) => {
      const loggerInstance: FastifyBaseLogger = pino(
        createLoggerOptions({ service: 'edge', level: 'info', pretty: false }),
        stream,
      );
      return Fastify({ loggerInstance });
    },
  };

  for (const [how, build] of Object.entries(fastifyWith)) {
    it(`keeps the path but never the query string or credentials of a request (Fastify given ${how})`, async () => {
      const out = memoryStream();
      const app = build(out.stream);
      app.post('/login', async (request) => {
        request.log.info({ headers: request.headers, body: request.body }, 'login attempt');
        return { ok: true };
      });
      await app.inject({
        method: 'POST',
        url: '/login?token=query-token-secret&next=%2Fhome',
        headers: { authorization: 'Bearer header-bearer-secret', cookie: 'sid=cookie-secret' },
        payload: { email: 'a@example.com', password: 'body-password-secret' },
      });
      await app.close();
      const text = out.text();
      for (const secret of [
        'query-token-secret',
        'header-bearer-secret',
        'cookie-secret',
        'body-password-secret',
      ]) {
        expect(text).not.toContain(secret);
      }
      const incoming = out.lines.map((l) => JSON.parse(l)).find((l) => l.msg === 'incoming request');
      expect(incoming).toMatchObject({ service: 'edge', req: { method: 'POST', url: '/login' } });
      expect(text).toContain('a@example.com');
    });
  }
});

describe('pathOnly', () => {
  it('drops everything from the first question mark', () => {
    expect(pathOnly('/abc?utm_source=x&token=t')).toBe('/abc');
    expect(pathOnly('/abc')).toBe('/abc');
    expect(pathOnly('/?')).toBe('/');
    expect(pathOnly(undefined)).toBeUndefined();
  });
});
