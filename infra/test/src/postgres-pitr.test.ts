import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runMigrations } from '@boltlink/db/migrate';
import { type LocalPostgres, startPostgres } from '@boltlink/local-servers/postgres';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';

// The restore drill of docs/operations/backups.md, on a real Postgres: WAL archived as it is written, a base
// backup taken while the database serves (Postgres's backup API), the cluster lost, then restored to a moment
// between two batches of writes. Every link and count from before that moment comes back; nothing after it.

const work = mkdtempSync(join(tmpdir(), 'boltlink-pitr-'));
// Postgres runs as its own user when the tests run as root: it must reach the directories below.
chmodSync(work, 0o755);
const archive = join(work, 'wal-archive');
const running: LocalPostgres[] = [];

afterAll(async () => {
  for (const server of running) await server.stop();
  rmSync(work, { recursive: true, force: true });
});

/** Shell-quoted for archive_command / restore_command, which Postgres runs through /bin/sh. */
const quoted = (path: string) => `'${path.replaceAll("'", "'\\''")}'`;

/** An account (its personal workspace made by the database) with `links` links, each with its click events, roll-up and total, in one transaction. */
async function writeBatch(client: pg.Client, label: string, links: number): Promise<void> {
  await client.query('BEGIN');
  const owner = await client.query<{ id: string }>(
    `INSERT INTO users (email, password_hash) VALUES ($1, 'drill') RETURNING id`,
    [`${label}@drill.example`],
  );
  const userId = owner.rows[0]?.id;
  await client.query(
    `WITH made AS (
       INSERT INTO links (user_id, workspace_id, domain, code, url)
       SELECT $1, $1, 'sho.rt', $2 || '-' || g, 'https://drill.example/' || $2 || '/' || g
       FROM generate_series(1, $3::int) AS g
       RETURNING id, code
     ), events AS (
       INSERT INTO click_events (event_id, link_id, occurred_at, device, browser, os)
       SELECT gen_random_uuid(), made.id, now() - make_interval(mins => e), 'desktop', 'Firefox', 'Linux'
       FROM made, generate_series(1, (('x' || substr(md5(made.code), 1, 2))::bit(8)::int % 7) + 1) AS e
       RETURNING link_id
     ), totals AS (
       SELECT link_id, count(*) AS clicks FROM events GROUP BY link_id
     ), daily AS (
       INSERT INTO link_clicks_daily (link_id, bucket, clicks, bot_clicks)
       SELECT link_id, current_date, clicks, 0 FROM totals RETURNING link_id
     )
     UPDATE links SET click_count = totals.clicks FROM totals WHERE links.id = totals.link_id`,
    [userId, label, links],
  );
  await client.query('COMMIT');
}

/** What a restore must bring back: each link with its total, its roll-up and its raw events. */
async function fingerprint(client: pg.Client) {
  const result = await client.query<{ links: number; clicks: number; digest: string }>(`
    SELECT count(*)::int AS links, coalesce(sum(l.click_count), 0)::int AS clicks,
      md5(coalesce(string_agg(l.id || ':' || l.code || ':' || l.url || ':' || l.click_count || ':' ||
        coalesce(d.clicks, 0) || ':' || coalesce(e.events, 0), ',' ORDER BY l.code), '')) AS digest
    FROM links l
    LEFT JOIN (SELECT link_id, sum(clicks) AS clicks FROM link_clicks_daily GROUP BY link_id) d ON d.link_id = l.id
    LEFT JOIN (SELECT link_id, count(*) AS events FROM click_events GROUP BY link_id) e ON e.link_id = l.id`);
  return result.rows[0];
}

async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  // A failed assertion leaves the connection open; the server's stop in afterAll then ends it.
  client.on('error', () => {});
  await client.connect();
  return client;
}

/** Copies a data directory as it is (ownership and modes kept: the server runs as its own user). */
function copyTree(from: string, to: string): void {
  const copy = spawnSync('cp', ['-a', from, to], { encoding: 'utf8' });
  if (copy.status !== 0) throw new Error(`cp -a ${from} ${to}: ${copy.stderr}`);
}

/** A file this process wrote into a data directory, given to the cluster's owner (the server may rename it). */
function ownLikeTheCluster(dataDir: string, file: string): void {
  spawnSync('chown', ['--reference', join(dataDir, 'PG_VERSION'), join(dataDir, file)]);
  chmodSync(join(dataDir, file), 0o600);
}

describe('Postgres backup and point-in-time recovery (docs/operations/backups.md)', () => {
  it('restores a base backup and the archived WAL up to a chosen moment: every link and count before it, none after', async () => {
    spawnSync('mkdir', ['-p', archive]);
    chmodSync(archive, 0o777);
    const primaryDir = join(work, 'primary');
    const primary = await startPostgres({
      dataDir: primaryDir,
      database: 'boltlink',
      settings: {
        wal_level: 'replica',
        archive_mode: 'on',
        archive_command: `test ! -f ${quoted(archive)}/%f && cp %p ${quoted(archive)}/%f`,
      },
    });
    running.push(primary);
    await runMigrations(primary.url);
    const client = await connect(primary.url);

    // 1. Written before the base backup.
    await writeBatch(client, 'before-backup', 120);

    // 2. The base backup, taken while the database serves (as pg_basebackup does, with Postgres's backup API).
    const base = join(work, 'base-backup');
    await client.query(`SELECT pg_backup_start('boltlink drill', true)`);
    copyTree(primaryDir, base);
    const stopped = await client.query<{ labelfile: string }>('SELECT labelfile FROM pg_backup_stop(true)');
    writeFileSync(join(base, 'backup_label'), stopped.rows[0]?.labelfile ?? '');
    ownLikeTheCluster(base, 'backup_label');
    // What a base backup leaves out: the running server's pid file and its WAL (the archive has it).
    rmSync(join(base, 'postmaster.pid'), { force: true });
    spawnSync('sh', [
      '-c',
      `rm -rf ${quoted(join(base, 'pg_wal'))}/* ${quoted(join(base, 'pg_wal'))}/.[!.]*`,
    ]);

    // 3. Written after the base backup, before the moment to restore to.
    await writeBatch(client, 'after-backup', 80);
    const expected = await fingerprint(client);
    const target = (await client.query<{ at: string }>('SELECT clock_timestamp()::text AS at')).rows[0]?.at;
    await new Promise((resolve) => setTimeout(resolve, 50));

    // 4. Written after that moment: the mistake the restore goes back before.
    await writeBatch(client, 'the-mistake', 40);
    await client.query('SELECT pg_switch_wal()');
    const archived = async () =>
      (
        await client.query<{ done: boolean }>(
          `SELECT last_archived_wal >= pg_walfile_name(pg_current_wal_lsn() - 1) AS done FROM pg_stat_archiver`,
        )
      ).rows[0]?.done === true;
    for (let i = 0; i < 200 && !(await archived()); i++) await new Promise((r) => setTimeout(r, 50));
    expect(await archived()).toBe(true);
    expect((await fingerprint(client))?.links).toBe(240);
    await client.end();

    // 5. The cluster is lost.
    await primary.stop();
    running.splice(running.indexOf(primary), 1);
    rmSync(primaryDir, { recursive: true, force: true });

    // 6. Restore: the base backup, then the archived WAL replayed up to the target, then promoted.
    const restoredDir = join(work, 'restored');
    copyTree(base, restoredDir);
    writeFileSync(join(restoredDir, 'recovery.signal'), '');
    ownLikeTheCluster(restoredDir, 'recovery.signal');
    const restored = await startPostgres({
      dataDir: restoredDir,
      database: 'boltlink',
      settings: {
        restore_command: `cp ${quoted(archive)}/%f %p`,
        recovery_target_time: target ?? '',
        recovery_target_action: 'promote',
      },
    });
    running.push(restored);
    const after = await connect(restored.url);
    try {
      for (let i = 0; i < 200; i++) {
        const recovering = await after.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r');
        if (!recovering.rows[0]?.r) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      expect((await after.query('SELECT pg_is_in_recovery() AS r')).rows[0]?.r).toBe(false);
      const back = await fingerprint(after);
      expect(back).toEqual(expected);
      expect(back?.links).toBe(200);
      const mistake = await after.query(
        `SELECT count(*)::int AS n FROM links WHERE code LIKE 'the-mistake-%'`,
      );
      expect(mistake.rows[0]?.n).toBe(0);
      // The restored database takes writes again.
      await writeBatch(after, 'after-restore', 1);
    } finally {
      await after.end();
    }
  }, 120_000);
});
