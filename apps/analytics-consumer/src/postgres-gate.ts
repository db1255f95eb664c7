import {
  createDependencyGate,
  type DependencyGate,
  type DependencyGateOptions,
} from '@boltlink/queues/dependency-gate';
import type { Pool } from 'pg';
import type { ConsumerMetrics } from './metrics.ts';

/** Socket-level failures: the server is not there, went away, or cannot be reached. */
const UNREACHABLE_SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
]);

/**
 * SQLSTATEs that are about the server, not the statement: class 08 (connection exception), and the server
 * shutting down (57P01 admin_shutdown on a fast stop, 57P02 crash_shutdown) or still starting (57P03).
 */
function isUnavailableSqlState(code: string): boolean {
  return code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03';
}

// node-postgres reports a lost or never-made connection with these messages and no code.
const UNREACHABLE_MESSAGES = [
  'Connection terminated', // "...unexpectedly", "...due to connection timeout"
  'timeout exceeded when trying to connect', // pool connectionTimeoutMillis
  'encountered a connection error and is not queryable',
];

/**
 * Does this error from a pg query mean Postgres is unreachable (so no job can succeed right now), rather
 * than that this job's statement failed? Data errors (classes 22, 23), deadlocks, statement timeouts and
 * anything unknown answer false and stay with the job's retry policy.
 */
export function isPostgresUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 5; depth += 1) {
    if (typeof current !== 'object') return false;
    const { code, message, errors, cause } = current as {
      code?: unknown;
      message?: unknown;
      errors?: unknown;
      cause?: unknown;
    };
    if (typeof code === 'string') {
      if (UNREACHABLE_SOCKET_CODES.has(code)) return true;
      // A five-character code is a SQLSTATE from the server; it decides (no need to look further).
      if (/^[0-9A-Z]{5}$/.test(code)) return isUnavailableSqlState(code);
    }
    if (typeof message === 'string' && UNREACHABLE_MESSAGES.some((text) => message.includes(text))) {
      return true;
    }
    // Node's connect to a name with several addresses fails with an AggregateError of each attempt.
    if (Array.isArray(errors) && errors.length > 0 && errors.every((e) => isPostgresUnavailable(e))) {
      return true;
    }
    current = cause;
  }
  return false;
}

/** `select 1` on the pool, bounded in time: a hung server must fail the probe, not hold it forever. */
export async function probePostgres(pool: Pool, timeoutMs = 2_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`Postgres did not answer select 1 in ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    await Promise.race([pool.query('select 1'), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export type PostgresGateOptions = Pick<DependencyGateOptions, 'minDelayMs' | 'maxDelayMs'> & {
  probeTimeoutMs?: number;
  /** Where the gate reports availability (boltlink_consumer_dependency_available{dependency="postgres"}). */
  metrics?: Pick<ConsumerMetrics, 'dependencyAvailable'>;
};

const DEPENDENCY = 'postgres';

/** The consumer's gate on Postgres: closed by an unreachable-server error, opened by a `select 1`. */
export function createPostgresGate(pool: Pool, options: PostgresGateOptions = {}): DependencyGate {
  const gate = createDependencyGate({
    dependency: DEPENDENCY,
    isUnavailable: isPostgresUnavailable,
    probe: () => probePostgres(pool, options.probeTimeoutMs),
    minDelayMs: options.minDelayMs,
    maxDelayMs: options.maxDelayMs,
  });
  const gauge = options.metrics?.dependencyAvailable;
  if (gauge) {
    gauge.set({ dependency: DEPENDENCY }, 1);
    gate.subscribe((available) => gauge.set({ dependency: DEPENDENCY }, available ? 1 : 0));
  }
  return gate;
}
