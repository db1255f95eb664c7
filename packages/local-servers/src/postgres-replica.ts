import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { type LocalPostgres, type StartPostgresOptions, startPostgres } from './postgres.ts';

/** A file written into a data directory, handed to the cluster's owner (the server reads and renames it). */
function ownLikeTheCluster(dataDir: string, file: string): void {
  spawnSync('chown', ['--reference', join(dataDir, 'PG_VERSION'), join(dataDir, file)]);
  chmodSync(join(dataDir, file), 0o600);
}

export interface StartReplicaOptions extends Omit<StartPostgresOptions, 'dataDir' | 'settings'> {
  /** Where the replica's cluster is made (it must not exist yet). */
  dataDir: string;
  /** The primary's superuser, as the primary was started with (default `postgres`/`postgres`). */
  user?: string;
  password?: string;
}

/**
 * A streaming replica of a running local primary: a physical replication slot keeps the WAL it needs, a base
 * backup is taken with Postgres's backup API (what pg_basebackup does: the cluster's files copied between
 * pg_backup_start and pg_backup_stop, its backup_label written), and the copy starts as a hot standby that
 * streams from the primary. Resolves once the replica answers read-only queries and streams.
 */
export async function startStreamingReplica(
  primary: LocalPostgres,
  options: StartReplicaOptions,
): Promise<LocalPostgres> {
  const user = options.user ?? 'postgres';
  const password = options.password ?? 'postgres';
  if (existsSync(options.dataDir)) throw new Error(`${options.dataDir} exists already`);
  const slot = `replica_${primary.port}_${Date.now()}`;
  const client = new pg.Client({ connectionString: primary.adminUrl });
  await client.connect();
  try {
    await client.query('SELECT pg_create_physical_replication_slot($1, true)', [slot]);
    await client.query(`SELECT pg_backup_start('boltlink replica', true)`);
    const copy = spawnSync('cp', ['-a', primary.dataDir, options.dataDir], { encoding: 'utf8' });
    const stopped = await client.query<{ labelfile: string }>('SELECT labelfile FROM pg_backup_stop(true)');
    if (copy.status !== 0) throw new Error(`copying ${primary.dataDir}: ${copy.stderr}`);
    writeFileSync(join(options.dataDir, 'backup_label'), stopped.rows[0]?.labelfile ?? '');
    ownLikeTheCluster(options.dataDir, 'backup_label');
  } finally {
    await client.end();
  }
  rmSync(join(options.dataDir, 'postmaster.pid'), { force: true });
  spawnSync('sh', ['-c', `rm -rf '${join(options.dataDir, 'pg_wal')}'/0*`]);
  writeFileSync(join(options.dataDir, 'standby.signal'), '');
  ownLikeTheCluster(options.dataDir, 'standby.signal');

  const replica = await startPostgres({
    ...options,
    user,
    password,
    settings: {
      // Passed as `-c name=value` (no shell): the value as it is, without quotes around it.
      primary_conninfo: `host=127.0.0.1 port=${primary.port} user=${user} password=${password} application_name=${slot}`,
      primary_slot_name: slot,
      hot_standby: 'on',
    },
  });
  const deadline = Date.now() + 30_000;
  const probe = new pg.Client({ connectionString: primary.adminUrl });
  await probe.connect();
  try {
    for (;;) {
      const streaming = await probe.query(
        `SELECT 1 FROM pg_stat_replication WHERE application_name = $1 AND state = 'streaming'`,
        [slot],
      );
      if (streaming.rowCount) break;
      if (Date.now() > deadline) {
        await replica.stop();
        throw new Error(`the replica on port ${replica.port} did not start streaming from ${primary.port}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    await probe.end();
  }
  return replica;
}
