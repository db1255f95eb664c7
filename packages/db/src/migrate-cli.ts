import { runMigrations } from './migrate.ts';

const DEFAULT_DATABASE_URL = 'postgres://boltlink:boltlink@127.0.0.1:5432/boltlink';

function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable DATABASE_URL)';
  }
}

const databaseUrl = process.env.DATABASE_URL || DEFAULT_DATABASE_URL;
// MIGRATIONS_DIR lets a container image point at migrations copied next to a bundled CLI.
const migrationsFolder = process.env.MIGRATIONS_DIR || undefined;

try {
  const started = Date.now();
  await runMigrations(databaseUrl, { migrationsFolder });
  process.stdout.write(`migrations applied to ${redact(databaseUrl)} in ${Date.now() - started} ms\n`);
} catch (error) {
  const reason = error instanceof Error ? error.message : String(error);
  const cause = error instanceof Error && error.cause instanceof Error ? ` (${error.cause.message})` : '';
  process.stderr.write(`migration failed against ${redact(databaseUrl)}: ${reason}${cause}\n`);
  process.exitCode = 1;
}
