// What `make up` shows and gives its services: run with `node --import tsx --test scripts/stack/*.test.ts`.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createFormatter } from './log-format.ts';
import { createLogFilter, developmentEnv, readyBanner } from './output.ts';

const urls = { databaseUrl: 'postgres://127.0.0.1:5432/boltlink', redisUrl: 'redis://127.0.0.1:6379' };

function listening(address: string, pid: number): string {
  return JSON.stringify({ level: 'info', time: 1, pid, msg: `Server listening at ${address}` });
}

describe('make up output', () => {
  it('binds the services to the loopback interface unless HOST says otherwise', () => {
    assert.equal(developmentEnv({}, urls).HOST, '127.0.0.1');
    assert.equal(developmentEnv({ HOST: '0.0.0.0' }, urls).HOST, '0.0.0.0');
    assert.deepEqual(developmentEnv({ NODE_ENV: 'production' }, urls), {
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      DATABASE_URL: urls.databaseUrl,
      REDIS_URL: urls.redisUrl,
    });
  });

  it('shows "Server listening" once per service, whatever the number of workers and interfaces', () => {
    const shown = createLogFilter();
    const lines: Array<[string, string]> = [
      ['management-api', listening('http://127.0.0.1:3000', 1)],
      ['management-api', listening('http://127.0.0.1:3000', 2)],
      ['management-api', listening('http://192.0.2.2:3000', 1)],
      ['redirect-edge', listening('http://127.0.0.1:8080', 3)],
      ['redirect-edge', listening('http://127.0.0.1:8080', 4)],
      ['management-api', JSON.stringify({ level: 'info', time: 1, msg: 'request completed' })],
    ];
    assert.deepEqual(
      lines.filter(([source, line]) => shown(source, line)),
      [lines[0], lines[3], lines[5]],
    );
  });

  it("drops Redis's overcommit warning and keeps its other warnings", () => {
    const shown = createLogFilter();
    const overcommit =
      "1:M 06 Dec 2026 22:00:00.000 # WARNING Memory overcommit must be enabled! To fix this issue add 'vm.overcommit_memory = 1' to /etc/sysctl.conf";
    assert.equal(shown('redis', overcommit), false);
    assert.equal(
      shown('redis', '1:M 06 Dec 2026 # WARNING: The TCP backlog setting of 511 cannot be enforced'),
      true,
    );
  });

  it('points the ready banner at every service and at the API docs', () => {
    const banner = readyBanner(
      [
        { name: 'management-api', port: 3000 },
        { name: 'redirect-edge', port: 8080 },
      ],
      'all services ready in 3.2 s:',
    );
    assert.equal(banner[0], 'all services ready in 3.2 s:');
    assert.match(banner.join('\n'), /management-api +http:\/\/localhost:3000\n/);
    assert.match(banner.join('\n'), /redirect-edge +http:\/\/localhost:8080\n/);
    assert.match(banner.join('\n'), /API docs +http:\/\/localhost:3000\/docs\n/);
    assert.equal(banner.at(-1), 'Ctrl-C stops everything');
  });
});

describe('log lines', () => {
  const format = createFormatter({ color: false, width: 14 });

  it('prints a pino record on one line behind its service: time, level, message, fields', () => {
    const line = JSON.stringify({
      level: 'info',
      time: '2026-12-06T22:32:05.232Z',
      service: 'management-api',
      pid: 7,
      hostname: 'vm',
      reqId: 'k3x9-1',
      res: { statusCode: 201 },
      msg: 'request completed',
    });
    const text = format('management-api', line);
    assert.equal(text.split('\n').length, 1, text);
    assert.match(text, /^management-api \| \[\d\d:\d\d:\d\d\.\d{3}\] INFO: request completed /);
    assert.match(text, /"reqId":"k3x9-1"/);
    assert.match(text, /"statusCode":201/);
    assert.doesNotMatch(text, /hostname|"pid"|"service"/);
  });

  it('keeps the service tag on every line of an error stack', () => {
    const line = JSON.stringify({
      level: 'error',
      time: 0,
      err: { type: 'Error', message: 'boom', stack: 'Error: boom\n    at handler (app.ts:1:1)' },
      msg: 'request failed',
    });
    const lines = format('redirect-edge', line).split('\n');
    assert.ok(lines.length > 2, lines.join('\n'));
    for (const each of lines) assert.ok(each.startsWith('redirect-edge  | '), each);
    assert.match(lines.join('\n'), /ERROR: request failed/);
    assert.match(lines.join('\n'), /at handler \(app\.ts:1:1\)/);
  });

  it('prints a line that is not a pino record as it is', () => {
    assert.equal(
      format('redis', 'Ready to accept connections'),
      'redis          | Ready to accept connections',
    );
    assert.equal(format('stack', '{"not":"pino"}'), 'stack          | {"not":"pino"}');
  });
});
