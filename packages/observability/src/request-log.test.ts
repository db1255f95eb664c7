import { Writable } from 'node:stream';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { createDependencyMonitor } from './dependencies.ts';
import { healthPlugin } from './health.ts';
import { createLoggerOptions } from './logger.ts';
import { createRequestIdGenerator, logEachRequestOnce, requestLogOptions } from './request-log.ts';

async function service() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      for (const line of String(chunk).split('\n')) if (line) lines.push(JSON.parse(line));
      callback();
    },
  });
  const app = Fastify({
    logger: { ...createLoggerOptions({ service: 'api', level: 'info', pretty: false }), stream },
    ...requestLogOptions(),
  });
  logEachRequestOnce(app);
  const monitor = createDependencyMonitor({
    checks: { noop: async () => {} },
    intervalMs: 60_000,
    timeoutMs: 100,
  });
  await app.register(healthPlugin, { monitor, readyAfterFirstAnswerFrom: ['noop'] });
  app.get('/links/:id', async (request) => {
    request.log.info('handler says hello');
    return { ok: true };
  });
  return { app, lines };
}

describe('request logging', () => {
  it('writes one line per request, with method, path, status and duration, and none for probes', async () => {
    const { app, lines } = await service();
    await app.inject('/links/1?token=query-secret');
    await app.inject('/links/2');
    await app.inject('/nowhere');
    await app.inject('/health');
    await app.close();
    const requestLines = lines.filter((line) => 'req' in line || 'res' in line);
    expect(requestLines.map((line) => [line.msg, line.req, line.res])).toEqual([
      ['request completed', expect.objectContaining({ method: 'GET', url: '/links/1' }), { statusCode: 200 }],
      ['request completed', expect.objectContaining({ method: 'GET', url: '/links/2' }), { statusCode: 200 }],
      ['request completed', expect.objectContaining({ method: 'GET', url: '/nowhere' }), { statusCode: 404 }],
    ]);
    for (const line of requestLines) expect(line.responseTime).toEqual(expect.any(Number));
    expect(JSON.stringify(lines)).not.toContain('query-secret');
  });

  it('gives the lines of one request the same id, and every request its own', async () => {
    const { app, lines } = await service();
    await app.inject('/links/1');
    await app.inject('/links/2');
    await app.close();
    const ids = lines.filter((line) => line.reqId !== undefined).map((line) => [line.msg, line.reqId]);
    expect(ids).toHaveLength(4);
    expect(ids[0]?.[1]).toBe(ids[1]?.[1]);
    expect(ids[2]?.[1]).toBe(ids[3]?.[1]);
    expect(ids[0]?.[1]).not.toBe(ids[2]?.[1]);
  });

  it('hands out request ids that differ between processes (workers), not req-1 in each', () => {
    const workerA = createRequestIdGenerator();
    const workerB = createRequestIdGenerator();
    const a = [workerA(), workerA()];
    const b = [workerB(), workerB()];
    expect(a[0]).toMatch(/^[0-9a-f]{8}-1$/);
    expect(a[1]).toMatch(/^[0-9a-f]{8}-2$/);
    expect(b.some((id) => a.includes(id))).toBe(false);
  });
});
