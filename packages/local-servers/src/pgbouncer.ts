import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './free-port.ts';
import { isRunning, OutputTail, sleep, terminate, trackChild } from './process.ts';

/** Where Debian puts pgbouncer (/usr/sbin is not on every PATH), else PATH. */
export function pgbouncerBinary(): string | null {
  for (const candidate of ['/usr/sbin/pgbouncer', '/usr/bin/pgbouncer'])
    if (existsSync(candidate)) return candidate;
  const found = spawnSync('sh', ['-c', 'command -v pgbouncer'], { encoding: 'utf8' });
  return found.status === 0 ? found.stdout.trim() || null : null;
}

export interface StartPgBouncerOptions {
  /** An ini file to start from (e.g. infra/pgbouncer/pgbouncer.ini): its settings are kept but those below. */
  iniFile: string;
  /** The Postgres the database entry points at. */
  upstream: { host: string; port: number; database: string; user: string; password: string };
  /** The name clients connect to (the ini's database entry is replaced by this one). */
  database: string;
}

export interface LocalPgBouncer {
  /** Connection string for `database` through the pooler. */
  url: string;
  port: number;
  /** Runs a command of the admin console (SHOW POOLS, SHOW STATS …). */
  admin<T extends pg.QueryResultRow>(command: string): Promise<T[]>;
  stop(): Promise<void>;
}

const ADMIN = { user: 'pgbouncer-admin', password: 'local-admin' };

/**
 * PgBouncer on a free loopback port in front of `upstream`, from a shipped ini file with only what a local
 * run must change replaced: the database entry, the address, the auth file (plain passwords: local only),
 * the pid and log files. Started as the `postgres` user when this process is root (pgbouncer refuses root).
 */
export async function startPgBouncer(options: StartPgBouncerOptions): Promise<LocalPgBouncer> {
  const binary = pgbouncerBinary();
  if (binary === null) throw new Error('pgbouncer is not installed (Debian: apt-get install pgbouncer)');
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'boltlink-pgbouncer-'));
  await chmod(dir, 0o777);
  const { upstream } = options;
  const overrides: Record<string, string> = {
    listen_addr: '127.0.0.1',
    listen_port: String(port),
    unix_socket_dir: '',
    auth_file: join(dir, 'userlist.txt'),
    pidfile: join(dir, 'pgbouncer.pid'),
    logfile: join(dir, 'pgbouncer.log'),
  };
  const lines: string[] = [];
  let section = '';
  for (const raw of (await readFile(options.iniFile, 'utf8')).split('\n')) {
    const line = raw.trim();
    const header = /^\[(\w+)\]$/.exec(line);
    if (header) {
      section = header[1] as string;
      lines.push(raw);
      if (section === 'databases') {
        lines.push(
          `${options.database} = host=${upstream.host} port=${upstream.port} dbname=${upstream.database}`,
        );
      }
      if (section === 'pgbouncer')
        for (const [key, value] of Object.entries(overrides)) lines.push(`${key} = ${value}`);
      continue;
    }
    const key = /^([a-z_]+)\s*=/.exec(line)?.[1];
    if (section === 'databases' && key !== undefined) continue;
    if (section === 'pgbouncer' && key !== undefined && key in overrides) continue;
    lines.push(raw);
  }
  const ini = join(dir, 'pgbouncer.ini');
  await writeFile(ini, `${lines.join('\n')}\n`);
  const quote = (value: string) => `"${value.replaceAll('"', '""')}"`;
  await writeFile(
    join(dir, 'userlist.txt'),
    [
      `${quote(upstream.user)} ${quote(upstream.password)}`,
      `${quote(ADMIN.user)} ${quote(ADMIN.password)}`,
    ].join('\n'),
  );
  for (const file of ['pgbouncer.ini', 'userlist.txt']) await chmod(join(dir, file), 0o644);

  const asRoot = process.getuid?.() === 0;
  const child = spawn(binary, [...(asRoot ? ['-u', 'postgres'] : []), ini], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const tail = new OutputTail();
  child.stdout?.on('data', (chunk: Buffer) => tail.push(chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => tail.push(chunk.toString('utf8')));
  trackChild(child, 'SIGTERM');

  const url = `postgres://${encodeURIComponent(upstream.user)}:${encodeURIComponent(upstream.password)}@127.0.0.1:${port}/${options.database}`;
  const adminUrl = `postgres://${ADMIN.user}:${ADMIN.password}@127.0.0.1:${port}/pgbouncer`;
  const admin = async <T extends pg.QueryResultRow>(command: string): Promise<T[]> => {
    // The admin console speaks the simple query protocol only: what node-postgres sends for a query without values.
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      return (await client.query<T>(command)).rows;
    } finally {
      await client.end();
    }
  };
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (!isRunning(child)) {
      const log = await readFile(overrides.logfile as string, 'utf8').catch(() => '');
      throw new Error(`pgbouncer exited at start:\n${tail.toString()}\n${log}`);
    }
    const ok = await admin('SHOW VERSION').then(
      () => true,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline)
      throw new Error(`pgbouncer did not answer on 127.0.0.1:${port}\n${tail.toString()}`);
    await sleep(100);
  }
  return {
    url,
    port,
    admin,
    stop: async () => {
      await terminate(child, [
        { signal: 'SIGINT', timeoutMs: 5_000 },
        { signal: 'SIGKILL', timeoutMs: 5_000 },
      ]);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
