import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect } from 'vitest';
import { type TestDatabase, test } from '../../testing/src/fixtures.ts';
import { defaultMigrationsFolder, runMigrations } from '../src/migrate.ts';

const expectedTables = [
  'account_clicks_daily',
  'account_clicks_hourly',
  'account_dimensions_daily',
  'api_keys',
  'audit_events',
  'blocked_destinations',
  'campaigns',
  'click_events',
  'click_rollup_progress',
  'domains',
  'instance_audit_events',
  'link_agents_daily',
  'link_clicks_daily',
  'link_clicks_hourly',
  'link_dimensions_daily',
  'link_visitors_daily',
  'links',
  'orphan_visit_batches',
  'orphan_visits',
  'password_reset_tokens',
  'users',
  'workspace_invitations',
  'workspace_members',
  'workspaces',
];

// The test database (already migrated from the template) is only used as a foothold on the server,
// to create and drop empty databases of our own.
let host: TestDatabase;
const created: string[] = [];

test.beforeAll(({ database }) => {
  host = database;
});
afterAll(async () => {
  for (const name of created) await host.pool.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
});

async function emptyDatabase(): Promise<string> {
  // Prefixed with this file's database name, so @boltlink/testing's per-run cleanup also finds it.
  const name = `${host.name}_m${created.length}`;
  await host.pool.query(`CREATE DATABASE "${name}" TEMPLATE template0`);
  created.push(name);
  const url = new URL(host.url);
  url.pathname = `/${name}`;
  return url.toString();
}

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Every user-visible schema object with its definition, to compare before and after a rerun. */
async function schemaFingerprint(client: pg.Client) {
  const tables = await client.query<{ name: string; oid: number }>(
    `SELECT c.relname AS name, c.oid::int AS oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'public' AND c.relkind IN ('r', 'i') ORDER BY c.relname`,
  );
  const constraints = await client.query<{ name: string; definition: string }>(
    `SELECT conname AS name, pg_get_constraintdef(oid) AS definition FROM pg_constraint
     WHERE connamespace = 'public'::regnamespace ORDER BY conname`,
  );
  return { tables: tables.rows, constraints: constraints.rows };
}

async function journalLength(): Promise<number> {
  const journal = JSON.parse(
    await readFile(join(defaultMigrationsFolder, 'meta', '_journal.json'), 'utf8'),
  ) as {
    entries: unknown[];
  };
  return journal.entries.length;
}

async function appliedMigrations(client: pg.Client): Promise<number> {
  const result = await client.query<{ count: string }>('SELECT count(*) FROM drizzle.__drizzle_migrations');
  return Number(result.rows[0]?.count);
}

/** Applies the migrations up to and including `tag`, as a database of that release would have them. */
async function migrateUpTo(url: string, tag: string) {
  // The migrations folder as it was then: the same files, the journal cut after `tag`.
  const before = await mkdtemp(join(tmpdir(), 'boltlink-migrations-'));
  try {
    await cp(defaultMigrationsFolder, before, { recursive: true });
    const journalPath = join(before, 'meta', '_journal.json');
    const journal = JSON.parse(await readFile(journalPath, 'utf8')) as { entries: { tag: string }[] };
    const upTo = journal.entries.findIndex((entry) => entry.tag === tag);
    expect(upTo).toBeGreaterThanOrEqual(0);
    journal.entries = journal.entries.slice(0, upTo + 1);
    await writeFile(journalPath, JSON.stringify(journal));
    await runMigrations(url, { migrationsFolder: before });
  } finally {
    await rm(before, { recursive: true, force: true });
  }
}

describe('runMigrations', () => {
  test('builds the whole schema in an empty database', async () => {
    const url = await emptyDatabase();
    await runMigrations(url);
    await withClient(url, async (client) => {
      const tables = await client.query<{ tablename: string }>(
        `SELECT c.relname AS tablename FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition ORDER BY 1`,
      );
      expect(tables.rows.map((row) => row.tablename)).toEqual(expectedTables);
      expect(await appliedMigrations(client)).toBe(await journalLength());
    });
  });

  test('is a no-op on a database that is already current', async () => {
    const url = await emptyDatabase();
    await runMigrations(url);
    const before = await withClient(url, schemaFingerprint);
    await runMigrations(url);
    await withClient(url, async (client) => {
      expect(await schemaFingerprint(client)).toEqual(before);
      expect(await appliedMigrations(client)).toBe(await journalLength());
    });
  });

  test('lets two migrators start at once (two pods): both succeed, each migration applied once', async () => {
    const url = await emptyDatabase();
    await Promise.all([runMigrations(url), runMigrations(url), runMigrations(url)]);
    await withClient(url, async (client) => {
      expect(await appliedMigrations(client)).toBe(await journalLength());
    });
  });

  test('gives up with a clear error while another migrator holds the lock past the timeout', async () => {
    const url = await emptyDatabase();
    await withClient(url, async (holder) => {
      // The same key runMigrations uses: this connection plays a migrator that is still running.
      await holder.query('SELECT pg_advisory_lock(7245861003)');
      await expect(runMigrations(url, { lockTimeoutMs: 300 })).rejects.toThrow(
        /could not take the migration lock/,
      );
    });
    await runMigrations(url);
  });

  test('reports an unreachable server instead of hanging', async () => {
    const url = new URL(host.url);
    url.port = '1';
    await expect(runMigrations(url.toString())).rejects.toThrow(/ECONNREFUSED/);
  });

  test('keeps the device, browser and OS rows written before link_agents_daily (0003), and binds new rows to country and referrer', async () => {
    const url = await emptyDatabase();
    await migrateUpTo(url, '0002_links_delete_rollups');
    const legacy = [
      ['country', 'DE', 3],
      ['referrer', '(direct)', 3],
      ['device', 'desktop', 3],
      ['browser', 'Firefox', 2],
      ['browser', 'Safari', 1],
      ['os', 'Linux', 3],
    ] as const;
    const linkId = await withClient(url, async (client) => {
      const user = await client.query<{ id: string }>(
        `INSERT INTO users (email, password_hash) VALUES ('legacy@example.com', 'x') RETURNING id`,
      );
      const link = await client.query<{ id: string }>(
        `INSERT INTO links (user_id, domain, code, url) VALUES ($1, 'sho.rt', 'legacy', 'https://example.com')
         RETURNING id`,
        [user.rows[0]?.id],
      );
      const id = link.rows[0]?.id;
      for (const [dimension, value, clicks] of legacy) {
        await client.query(
          `INSERT INTO link_dimensions_daily (link_id, bucket, dimension, value, clicks, bot_clicks)
           VALUES ($1, '2026-03-01', $2, $3, $4, 0)`,
          [id, dimension, value, clicks],
        );
      }
      return id;
    });

    await runMigrations(url);

    await withClient(url, async (client) => {
      expect(await appliedMigrations(client)).toBe(await journalLength());
      const kept = await client.query<{ dimension: string; value: string; clicks: number }>(
        `SELECT dimension, value, clicks::int FROM link_dimensions_daily WHERE link_id = $1`,
        [linkId],
      );
      expect(kept.rows.map((r) => [r.dimension, r.value, r.clicks])).toEqual(
        expect.arrayContaining(legacy.map((row) => [...row])),
      );
      expect(kept.rows).toHaveLength(legacy.length);
      // The tightened check binds every row written from now on.
      await expect(
        client.query(
          `INSERT INTO link_dimensions_daily (link_id, bucket, dimension, value, clicks)
           VALUES ($1, '2026-03-02', 'device', 'mobile', 1)`,
          [linkId],
        ),
      ).rejects.toMatchObject({ code: '23514', constraint: 'link_dimensions_daily_dimension_check' });
      // And deleting the link still deletes every roll-up, the new table included.
      await client.query(
        `INSERT INTO link_agents_daily (link_id, bucket, device, browser, os, clicks)
         VALUES ($1, '2026-03-02', 'mobile', 'Safari', 'iOS', 1)`,
        [linkId],
      );
      await client.query('DELETE FROM links WHERE id = $1', [linkId]);
      const left = await client.query<{ n: number }>(
        `SELECT (SELECT count(*) FROM link_dimensions_daily)::int + (SELECT count(*) FROM link_agents_daily)::int AS n`,
      );
      expect(left.rows[0]?.n).toBe(0);
    });
  });

  test('builds the account roll-ups (0005) from the per-link roll-ups already stored, and keeps them right on delete', async () => {
    const url = await emptyDatabase();
    // A database that lived through 0003 (device rows in link_dimensions_daily) and 0004.
    await migrateUpTo(url, '0002_links_delete_rollups');
    const { owner, other, links } = await withClient(url, async (client) => {
      const users: string[] = [];
      for (const email of ['owner@example.com', 'other@example.com']) {
        const user = await client.query<{ id: string }>(
          `INSERT INTO users (email, password_hash) VALUES ($1, 'x') RETURNING id`,
          [email],
        );
        users.push(user.rows[0]?.id as string);
      }
      const ids: string[] = [];
      for (const [i, userId] of [users[0], users[0], users[1]].entries()) {
        const link = await client.query<{ id: string }>(
          `INSERT INTO links (user_id, domain, code, url) VALUES ($1, 'sho.rt', $2, 'https://example.com')
           RETURNING id`,
          [userId, `l${i}`],
        );
        ids.push(link.rows[0]?.id as string);
      }
      // Every link: 5 clicks (1 bot) on 2026-03-01 10:00 and 3 on 2026-03-02 08:00, in every roll-up; the
      // first link also has device rows from before link_agents_daily (0003).
      for (const id of ids) {
        await client.query(
          `INSERT INTO link_clicks_hourly (link_id, bucket, clicks, bot_clicks)
           VALUES ($1, '2026-03-01T10:00:00Z', 5, 1), ($1, '2026-03-02T08:00:00Z', 3, 0)`,
          [id],
        );
        await client.query(
          `INSERT INTO link_clicks_daily (link_id, bucket, clicks, bot_clicks)
           VALUES ($1, '2026-03-01', 5, 1), ($1, '2026-03-02', 3, 0)`,
          [id],
        );
        await client.query(
          `INSERT INTO link_dimensions_daily (link_id, bucket, dimension, value, clicks, bot_clicks)
           VALUES ($1, '2026-03-01', 'country', 'DE', 5, 1), ($1, '2026-03-01', 'referrer', '(direct)', 5, 1),
                  ($1, '2026-03-02', 'country', 'FR', 3, 0), ($1, '2026-03-02', 'referrer', 'x.com', 3, 0)`,
          [id],
        );
      }
      await client.query(
        `INSERT INTO link_dimensions_daily (link_id, bucket, dimension, value, clicks, bot_clicks)
         VALUES ($1, '2026-03-01', 'device', 'desktop', 5, 1)`,
        [ids[0]],
      );
      return { owner: users[0] as string, other: users[1] as string, links: ids };
    });
    await migrateUpTo(url, '0004_click_events_without_foreign_key');
    await withClient(url, async (client) => {
      for (const id of links) {
        await client.query(
          `INSERT INTO link_agents_daily (link_id, bucket, device, browser, os, clicks, bot_clicks)
           VALUES ($1, '2026-03-02', 'mobile', 'Safari', 'iOS', 3, 0)`,
          [id],
        );
      }
    });

    await runMigrations(url);

    const account = (client: pg.Client, userId: string) =>
      Promise.all([
        client.query(
          `SELECT bucket, sum(clicks)::int AS clicks, sum(bot_clicks)::int AS bots FROM account_clicks_hourly
           WHERE user_id = $1 GROUP BY 1 ORDER BY 1`,
          [userId],
        ),
        client.query(
          `SELECT bucket::text, sum(clicks)::int AS clicks, sum(bot_clicks)::int AS bots FROM account_clicks_daily
           WHERE user_id = $1 GROUP BY 1 ORDER BY 1`,
          [userId],
        ),
        client.query(
          `SELECT bucket::text, dimension, value, sum(clicks)::int AS clicks FROM account_dimensions_daily
           WHERE user_id = $1 GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
          [userId],
        ),
      ]).then(([hourly, daily, dimensions]) => ({
        hourly: hourly.rows.map((r) => [r.bucket.toISOString(), r.clicks, r.bots]),
        daily: daily.rows.map((r) => [r.bucket, r.clicks, r.bots]),
        dimensions: dimensions.rows.map((r) => [r.bucket, r.dimension, r.value, r.clicks]),
      }));
    const expected = (links: number, legacyDevice: boolean) => ({
      hourly: [
        ['2026-03-01T10:00:00.000Z', 5 * links, links],
        ['2026-03-02T08:00:00.000Z', 3 * links, 0],
      ],
      daily: [
        ['2026-03-01', 5 * links, links],
        ['2026-03-02', 3 * links, 0],
      ],
      dimensions: [
        ['2026-03-01', 'country', 'DE', 5 * links],
        ...(legacyDevice ? [['2026-03-01', 'device', 'desktop', 5]] : []),
        ['2026-03-01', 'referrer', '(direct)', 5 * links],
        ['2026-03-02', 'browser', 'Safari', 3 * links],
        ['2026-03-02', 'country', 'FR', 3 * links],
        ['2026-03-02', 'device', 'mobile', 3 * links],
        ['2026-03-02', 'os', 'iOS', 3 * links],
        ['2026-03-02', 'referrer', 'x.com', 3 * links],
      ],
    });
    await withClient(url, async (client) => {
      expect(await appliedMigrations(client)).toBe(await journalLength());
      expect(await account(client, owner)).toEqual(expected(2, true));
      expect(await account(client, other)).toEqual(expected(1, false));

      // A deleted link's clicks leave its account's roll-ups; another account's stay.
      await client.query('DELETE FROM links WHERE id = $1', [links[0]]);
      expect(await account(client, owner)).toEqual(expected(1, false));
      expect(await account(client, other)).toEqual(expected(1, false));
      await client.query('DELETE FROM users WHERE id = $1', [owner]);
      expect(await account(client, owner)).toEqual({ hourly: [], daily: [], dimensions: [] });
    });
  });

  test("moves every link, campaign and key into its creator's personal workspace (0006), losing nothing", async () => {
    const url = await emptyDatabase();
    await migrateUpTo(url, '0005_account_rollups');
    const before = await withClient(url, async (client) => {
      const users: string[] = [];
      for (const email of ['ada@example.com', 'bob@example.com']) {
        const user = await client.query<{ id: string }>(
          `INSERT INTO users (email, password_hash) VALUES ($1, 'x') RETURNING id`,
          [email],
        );
        users.push(user.rows[0]?.id as string);
      }
      for (const [i, userId] of users.entries()) {
        const campaign = await client.query<{ id: string }>(
          `INSERT INTO campaigns (user_id, name, utm_source, utm_medium, utm_campaign)
           VALUES ($1, 'Spring', 'news', 'email', 'spring') RETURNING id`,
          [userId],
        );
        for (const code of [`a${i}`, `b${i}`]) {
          await client.query(
            `INSERT INTO links (user_id, domain, code, url, campaign_id) VALUES ($1, 'sho.rt', $2, 'https://example.com', $3)`,
            [userId, code, campaign.rows[0]?.id],
          );
        }
        await client.query(
          `INSERT INTO api_keys (user_id, name, prefix, last_four, key_hash) VALUES ($1, 'ci', 'blk_x', 'abcd', $2)`,
          [userId, String(i).repeat(64)],
        );
      }
      const ada = users[0] as string;
      const adaLink = await client.query<{ id: string }>(`SELECT id FROM links WHERE code = 'a0'`);
      const linkId = adaLink.rows[0]?.id as string;
      await client.query(
        `INSERT INTO link_clicks_daily (link_id, bucket, clicks, bot_clicks) VALUES ($1, '2026-03-01', 4, 1)`,
        [linkId],
      );
      await client.query(
        `INSERT INTO account_clicks_daily (user_id, bucket, shard, clicks, bot_clicks) VALUES ($1, '2026-03-01', 0, 4, 1)`,
        [ada],
      );
      const rows = await client.query<{ t: string; id: string; user_id: string }>(
        `SELECT 'link' AS t, id, user_id FROM links UNION ALL SELECT 'campaign', id, user_id FROM campaigns
         UNION ALL SELECT 'key', id, user_id FROM api_keys ORDER BY 1, 2`,
      );
      return { users, rows: rows.rows, ada, linkId };
    });

    await runMigrations(url);

    await withClient(url, async (client) => {
      expect(await appliedMigrations(client)).toBe(await journalLength());
      const after = await client.query<{ t: string; id: string; user_id: string; workspace_id: string }>(
        `SELECT 'link' AS t, id, user_id, workspace_id FROM links
         UNION ALL SELECT 'campaign', id, user_id, workspace_id FROM campaigns
         UNION ALL SELECT 'key', id, user_id, workspace_id FROM api_keys ORDER BY 1, 2`,
      );
      // Every row is still there, owned by its creator's personal workspace, whose id is the creator's.
      expect(after.rows.map(({ t, id, user_id }) => ({ t, id, user_id }))).toEqual(before.rows);
      for (const row of after.rows) expect(row.workspace_id).toBe(row.user_id);
      const workspaces = await client.query(
        `SELECT w.id, w.personal, m.user_id, m.role FROM workspaces w JOIN workspace_members m ON m.workspace_id = w.id
         ORDER BY w.id`,
      );
      expect(workspaces.rows).toEqual(
        [...before.users].sort().map((id) => ({ id, personal: true, user_id: id, role: 'owner' })),
      );
      // The account roll-ups keep their rows: the account key is the personal workspace's id.
      const account = await client.query(`SELECT user_id, clicks::int FROM account_clicks_daily`);
      expect(account.rows).toEqual([{ user_id: before.ada, clicks: 4 }]);

      // A user created from now on comes with a personal workspace, and a row written without a workspace
      // (a writer from before workspaces) lands in its creator's.
      const carol = await client.query<{ id: string }>(
        `INSERT INTO users (email, password_hash) VALUES ('carol@example.com', 'x') RETURNING id`,
      );
      const carolId = carol.rows[0]?.id as string;
      const carolLink = await client.query<{ workspace_id: string }>(
        `INSERT INTO links (user_id, domain, code, url) VALUES ($1, 'sho.rt', 'c0', 'https://example.com')
         RETURNING workspace_id`,
        [carolId],
      );
      expect(carolLink.rows[0]?.workspace_id).toBe(carolId);
      const carolMember = await client.query(
        `SELECT role FROM workspace_members WHERE workspace_id = $1 AND user_id = $1`,
        [carolId],
      );
      expect(carolMember.rows).toEqual([{ role: 'owner' }]);

      // Deleting a link takes its clicks out of its workspace's account roll-ups.
      await client.query('DELETE FROM links WHERE id = $1', [before.linkId]);
      expect((await client.query(`SELECT * FROM account_clicks_daily`)).rows).toEqual([]);
      // Deleting a user deletes the personal workspace and what it holds.
      await client.query('DELETE FROM users WHERE id = $1', [before.ada]);
      const left = await client.query<{ n: number }>(
        `SELECT (SELECT count(*) FROM workspaces WHERE id = $1)::int + (SELECT count(*) FROM links WHERE workspace_id = $1)::int
           + (SELECT count(*) FROM campaigns WHERE workspace_id = $1)::int AS n`,
        [before.ada],
      );
      expect(left.rows[0]?.n).toBe(0);
    });
  });

  test("moves is_bot into link_visitors_daily's primary key (0007) on a table holding visitors: rows kept, still one per visitor and day, counted from the key alone", async () => {
    const url = await emptyDatabase();
    await migrateUpTo(url, '0006_workspaces');
    // The roll-ups have no foreign key (ADR 0009): visitor rows need no link to exist.
    const linkId = '6f1c2a9e-0b7d-4c3e-9a41-7d2b00000010';
    await withClient(url, async (client) => {
      // 300 visitors over 3 days, every tenth a bot; visitor 0 comes back on every day.
      await client.query(
        `INSERT INTO link_visitors_daily (link_id, bucket, visitor_hash, is_bot)
         SELECT $1, date '2026-03-01' + (g % 3), 'v' || (CASE WHEN g % 100 = 0 THEN 0 ELSE g END), g % 10 = 1
         FROM generate_series(0, 299) AS g`,
        [linkId],
      );
    });

    await runMigrations(url);

    await withClient(url, async (client) => {
      expect(await appliedMigrations(client)).toBe(await journalLength());
      const count = `SELECT count(*)::int AS n FROM (SELECT visitor_hash FROM link_visitors_daily
        WHERE link_id = $1 AND bucket BETWEEN '2026-03-01' AND '2026-03-03' AND NOT is_bot GROUP BY 1) v`;
      const rows = await client.query<{ n: number; bots: number }>(
        `SELECT count(*)::int AS n, count(*) FILTER (WHERE is_bot)::int AS bots FROM link_visitors_daily`,
      );
      expect(rows.rows[0]).toEqual({ n: 300, bots: 30 });
      // 270 human rows, visitor 0 on three days: 268 distinct human visitors.
      expect((await client.query<{ n: number }>(count, [linkId])).rows[0]?.n).toBe(268);
      // Still the key ingestion deduplicates on: a redelivered visitor adds nothing.
      const again = await client.query(
        `INSERT INTO link_visitors_daily (link_id, bucket, visitor_hash, is_bot) VALUES ($1, '2026-03-01', 'v0', false)
         ON CONFLICT (link_id, bucket, visitor_hash) DO NOTHING`,
        [linkId],
      );
      expect(again.rowCount).toBe(0);
      // The count reads the key alone: no heap page per visitor row once the visibility map is set (autovacuum
      // does that on a live table). Scans other than the key's are ruled out so the tiny table plans as a big one.
      await client.query('VACUUM link_visitors_daily');
      await client.query('SET enable_seqscan = off');
      await client.query('SET enable_bitmapscan = off');
      const plan = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${count}`, [linkId]);
      expect(plan.rows.map((r) => r['QUERY PLAN']).join('\n')).toMatch(
        /Index Only Scan using link_visitors_daily_pkey/,
      );
    });
  });

  test('makes the oldest account of an instance from before instance admins its admin (0009), and only it', async () => {
    const url = await emptyDatabase();
    await migrateUpTo(url, '0008_domains');
    await withClient(url, async (client) => {
      await client.query(
        `INSERT INTO users (email, password_hash, created_at)
         VALUES ('second@example.com', 'h', '2026-02-01'), ('first@example.com', 'h', '2026-01-01'),
                ('third@example.com', 'h', '2026-03-01')`,
      );
    });

    await runMigrations(url);

    await withClient(url, async (client) => {
      const rows = await client.query<{ email: string; is_admin: boolean; disabled_at: Date | null }>(
        'SELECT email, is_admin, disabled_at FROM users ORDER BY email',
      );
      expect(rows.rows).toEqual([
        { email: 'first@example.com', is_admin: true, disabled_at: null },
        { email: 'second@example.com', is_admin: false, disabled_at: null },
        { email: 'third@example.com', is_admin: false, disabled_at: null },
      ]);
    });
  });

  test('moves every stored click event into day partitions (0011), losing none, and makes partitions ahead', async () => {
    const url = await emptyDatabase();
    await migrateUpTo(url, '0010_password_resets');
    const linkId = '6f1c2a9e-0b7d-4c3e-9a41-7d2b00000011';
    const before = await withClient(url, async (client) => {
      // 5,000 events over 50 days, two years ago, and one on each side of a midnight.
      await client.query(
        `INSERT INTO click_events (event_id, link_id, occurred_at, referrer_host, country, device, browser, os, is_bot, visitor_hash)
         SELECT gen_random_uuid(), $1, timestamptz '2024-11-01T00:00:00Z' + g * interval '864 seconds',
           CASE WHEN g % 3 = 0 THEN NULL ELSE 'news.example' END, CASE WHEN g % 4 = 0 THEN NULL ELSE 'DE' END,
           'mobile', 'Safari', 'iOS', g % 10 = 0, 'v' || (g % 50)
         FROM generate_series(0, 4999) AS g`,
        [linkId],
      );
      await client.query(
        `INSERT INTO click_events (event_id, link_id, occurred_at, device, browser, os)
         VALUES (gen_random_uuid(), $1, '2025-02-28T23:59:59.999999Z', 'desktop', 'Firefox', 'Linux'),
                (gen_random_uuid(), $1, '2025-03-01T00:00:00Z', 'desktop', 'Firefox', 'Linux')`,
        [linkId],
      );
      const rows = await client.query('SELECT * FROM click_events ORDER BY event_id');
      return rows.rows;
    });

    await runMigrations(url);

    await withClient(url, async (client) => {
      expect(await appliedMigrations(client)).toBe(await journalLength());
      const after = await client.query('SELECT * FROM click_events ORDER BY event_id');
      // Every event as it was, with the A/B variant column of migration 0015 and the ingesting transaction of
      // migration 0017 empty (these events' breakdowns were written when they were stored).
      expect(after.rows).toEqual(before.map((row) => ({ ...row, variant: null, ingest_xid: null })));
      // Each event sits in its own UTC day's partition; none was left to the default partition.
      const misplaced = await client.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM click_events
         WHERE tableoid::regclass::text <> 'click_events_p' || to_char(occurred_at AT TIME ZONE 'UTC', 'YYYYMMDD')`,
      );
      expect(misplaced.rows[0]?.n).toBe(0);
      const parts = await client.query<{ name: string }>(
        `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
         WHERE i.inhparent = 'click_events'::regclass ORDER BY 1`,
      );
      const names = parts.rows.map((row) => row.name);
      expect(names).toEqual(
        expect.arrayContaining([
          'click_events_default',
          'click_events_p20241101',
          'click_events_p20241220',
          'click_events_p20250228',
          'click_events_p20250301',
        ]),
      );
      // Today and the week ahead exist, so the next clicks have their partitions.
      const ahead = await client.query<{ name: string }>(
        `SELECT 'click_events_p' || to_char((now() AT TIME ZONE 'UTC')::date + d, 'YYYYMMDD') AS name
         FROM generate_series(0, 7) AS d`,
      );
      expect(names).toEqual(expect.arrayContaining(ahead.rows.map((row) => row.name)));
      // 50 days of events, the two days of the midnight pair, the day before today, today and 7 ahead, default.
      expect(names).toHaveLength(50 + 2 + 9 + 1);

      // A stored event is still recognised by its key.
      const first = before[0] as { event_id: string; occurred_at: Date };
      const again = await client.query(
        `INSERT INTO click_events (event_id, link_id, occurred_at, device, browser, os)
         VALUES ($1, $2, $3, 'desktop', 'Firefox', 'Linux') ON CONFLICT (event_id, occurred_at) DO NOTHING`,
        [first.event_id, linkId, first.occurred_at],
      );
      expect(again.rowCount).toBe(0);
    });
  });

  test("widens click_events' link index (0016) on stored events: a link's filtered counts read it alone, in every partition, new ones too", async () => {
    const url = await emptyDatabase();
    await migrateUpTo(url, '0015_link_variants');
    const linkId = '6f1c2a9e-0b7d-4c3e-9a41-7d2b00000016';
    // 600 events of today, a third of them from DE on mobile, every tenth a bot.
    const insert = `INSERT INTO click_events (event_id, link_id, occurred_at, referrer_host, country, device, browser, os, is_bot, visitor_hash)
      SELECT gen_random_uuid(), $1, now() - g * interval '1 second', NULL, CASE WHEN g % 3 = 0 THEN 'DE' ELSE 'FR' END,
        CASE WHEN g % 3 = 0 THEN 'mobile' ELSE 'desktop' END, 'Safari', 'iOS', g % 10 = 0, 'v' || (g % 40)
      FROM generate_series(0, 599) AS g`;
    await withClient(url, (client) => client.query(insert, [linkId]));

    await runMigrations(url);

    await withClient(url, async (client) => {
      expect(await appliedMigrations(client)).toBe(await journalLength());
      const filtered = `SELECT count(*)::int AS n, count(DISTINCT visitor_hash)::int AS visitors FROM click_events e
        WHERE e.link_id = $1 AND e.occurred_at >= now() - interval '1 day' AND e.country = 'DE' AND e.device = 'mobile'
          AND NOT e.is_bot`;
      // g % 3 = 0 and not g % 10 = 0: 200 - 20 events; visitors v0…v39 whose number does not end in 0 (36).
      expect((await client.query(filtered, [linkId])).rows[0]).toEqual({ n: 180, visitors: 36 });
      // A day partition made after the migration gets the same index when it is attached.
      await client.query("SELECT click_events_create_partition((now() AT TIME ZONE 'UTC')::date + 30)");
      const definitions = await client.query<{ name: string; definition: string }>(
        `SELECT c.relname AS name, pg_get_indexdef(x.indexrelid) AS definition
         FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_index x ON x.indrelid = c.oid
         JOIN pg_inherits ii ON ii.inhrelid = x.indexrelid
         WHERE i.inhparent = 'click_events'::regclass AND ii.inhparent = 'click_events_link_id_occurred_at_idx'::regclass`,
      );
      const parts = await client.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_inherits WHERE inhparent = 'click_events'::regclass",
      );
      expect(definitions.rows).toHaveLength(parts.rows[0]?.n ?? -1);
      for (const row of definitions.rows) {
        expect(row.definition).toContain(
          'INCLUDE (country, device, browser, os, referrer_host, is_bot, visitor_hash, variant)',
        );
      }
      // Once the visibility map is set (autovacuum does that on a live table), the count reads no heap page.
      await client.query('VACUUM click_events');
      await client.query('SET enable_seqscan = off');
      await client.query('SET enable_bitmapscan = off');
      const plan = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${filtered}`, [linkId]);
      expect(plan.rows.map((r) => r['QUERY PLAN']).join('\n')).toMatch(
        /Index Only Scan using click_events_p/,
      );
    });
  });

  test('reads migrations from an explicit folder (bundled apps, containers)', async () => {
    const url = await emptyDatabase();
    await expect(
      runMigrations(url, { migrationsFolder: join(defaultMigrationsFolder, 'missing') }),
    ).rejects.toThrow(/Can't find meta\/_journal.json/);
    await runMigrations(url, { migrationsFolder: defaultMigrationsFolder });
    await withClient(url, async (client) => {
      expect(await appliedMigrations(client)).toBe(await journalLength());
    });
  });
});
