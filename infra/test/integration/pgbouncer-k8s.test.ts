import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LocalPgBouncer, pgbouncerBinary, startPgBouncer } from '@boltlink/local-servers/pgbouncer';
import { type LocalPostgres, startPostgres } from '@boltlink/local-servers/postgres';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildWithBuiltin, type Manifest } from '../src/kustomize.ts';
import { k8sDir } from '../src/paths.ts';

// The PgBouncer config the Kubernetes add-on ships (infra/k8s/addons/pgbouncer), run on a real PgBouncer: its
// [databases] section comes from a second file through %include, as the Secret provides it in the cluster.
// Only what a local run must change is replaced (address, ports, auth, pid and log files: see startPgBouncer).

const hasPgBouncer = pgbouncerBinary() !== null;
if (!hasPgBouncer) console.warn('[boltlink] pgbouncer is not installed: the add-on config test is skipped');

const USER = { name: 'boltlink', password: 'pooled-secret' };
const work = mkdtempSync(join(tmpdir(), 'boltlink-pgbouncer-k8s-'));
chmodSync(work, 0o755);
let postgres: LocalPostgres | undefined;
let bouncer: LocalPgBouncer | undefined;

beforeAll(async () => {
  if (!hasPgBouncer) return;
  postgres = await startPostgres({
    dataDir: join(work, 'postgres'),
    user: USER.name,
    password: USER.password,
    database: 'boltlink',
    ephemeral: true,
  });
  const [configMap] = buildWithBuiltin(join(k8sDir, 'addons', 'pgbouncer')).filter(
    (m): m is Manifest & { data: Record<string, string> } => m.kind === 'ConfigMap',
  );
  const ini = configMap?.data['pgbouncer.ini'] ?? '';
  const include = /^%include\s+(\S+)$/m.exec(ini)?.[1];
  expect(include).toBeDefined();
  // What the Secret's databases.ini holds, pointing at the local Postgres.
  const databases = join(work, 'databases.ini');
  writeFileSync(databases, `[databases]\nboltlink = host=127.0.0.1 port=${postgres.port} dbname=boltlink\n`);
  const iniFile = join(work, 'pgbouncer.ini');
  writeFileSync(iniFile, ini.replace(`%include ${include}`, `%include ${databases}`));
  for (const file of [databases, iniFile]) chmodSync(file, 0o644);
  bouncer = await startPgBouncer({
    iniFile,
    upstream: {
      host: '127.0.0.1',
      port: postgres.port,
      database: 'boltlink',
      user: USER.name,
      password: USER.password,
    },
    database: 'boltlink',
  });
}, 60_000);

afterAll(async () => {
  await bouncer?.stop();
  await postgres?.stop();
  rmSync(work, { recursive: true, force: true });
});

it.skipIf(!hasPgBouncer)(
  "serves the database of the included [databases] file, pooled by transaction, with the add-on's limits",
  async () => {
    const client = new pg.Client({ connectionString: bouncer?.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ database: string; user: string }>(
        'SELECT current_database() AS database, current_user AS "user"',
      );
      expect(rows).toEqual([{ database: 'boltlink', user: USER.name }]);
    } finally {
      await client.end();
    }
    const config = new Map(
      (await bouncer?.admin<{ key: string; value: string }>('SHOW CONFIG'))?.map((row) => [
        row.key,
        row.value,
      ]),
    );
    expect(config.get('pool_mode')).toBe('transaction');
    expect(config.get('max_client_conn')).toBe('2000');
    expect(config.get('default_pool_size')).toBe('20');
    const databases = await bouncer?.admin<{ name: string; port: number }>('SHOW DATABASES');
    expect(databases?.find((d) => d.name === 'boltlink')?.port).toBe(postgres?.port);
  },
);
