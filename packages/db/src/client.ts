import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import {
  apiKeys,
  campaigns,
  clickEvents,
  linkAgentsDaily,
  linkClicksDaily,
  linkClicksHourly,
  linkDimensionsDaily,
  links,
  linkVisitorsDaily,
  users,
} from './schema/index.ts';

const tables = {
  users,
  apiKeys,
  campaigns,
  links,
  clickEvents,
  linkClicksHourly,
  linkClicksDaily,
  linkDimensionsDaily,
  linkAgentsDaily,
  linkVisitorsDaily,
};

export type DbSchema = typeof tables;
export type Db = NodePgDatabase<DbSchema> & { $client: pg.Pool };

export interface CreatePoolOptions {
  connectionString: string;
  /** Upper bound of open connections in this process (DATABASE_POOL_MAX). */
  max?: number;
  /** Shows up in pg_stat_activity, so a slow query can be traced to its service. */
  applicationName?: string;
  /** Server-side cap per statement; 0 or undefined leaves the server default. */
  statementTimeoutMs?: number;
  /** How long to wait for a free or new connection before failing, instead of queueing forever. */
  connectionTimeoutMs?: number;
  idleTimeoutMs?: number;
  /**
   * Called when an idle pooled connection fails (server restart, network cut). pg emits these on the
   * pool, and an unhandled 'error' event would crash the process; the pool drops the broken client
   * and the next query opens a fresh one.
   */
  onError?: (error: Error) => void;
}

export function createPool(options: CreatePoolOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.max ?? 10,
    application_name: options.applicationName,
    statement_timeout: options.statementTimeoutMs || undefined,
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 5_000,
    idleTimeoutMillis: options.idleTimeoutMs ?? 30_000,
  });
  const onError =
    options.onError ??
    ((error: Error) => {
      process.stderr.write(`postgres pool: idle client error: ${error.message}\n`);
    });
  pool.on('error', (error) => onError(error));
  return pool;
}

export function createDb(pool: pg.Pool): Db {
  return drizzle({ client: pool, schema: tables });
}
