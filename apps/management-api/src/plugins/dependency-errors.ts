const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
]);
// SQLSTATE classes 08 (connection exception) and 57P0x (server shutting down / crashed / cannot connect now).
const PG_UNAVAILABLE = /^(08...|57P0[1-3])$/;
const MESSAGES = [
  "Stream isn't writeable and enableOfflineQueue options is false", // ioredis, disconnected, fail-fast client
  'Command timed out', // ioredis commandTimeout
  'Connection is closed.', // ioredis
  'timeout exceeded when trying to connect', // pg pool
  'Connection terminated', // pg
];

/**
 * True when the error means Postgres or Redis could not be reached (as opposed to a bug): the client gets a
 * 503 it may retry instead of a 500. Looks through drizzle's wrapper (`cause`).
 */
export function isDependencyUnavailable(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && typeof current === 'object' && current !== null; depth++) {
    const { code, name, message } = current as { code?: unknown; name?: unknown; message?: unknown };
    if (typeof code === 'string' && (NETWORK_CODES.has(code) || PG_UNAVAILABLE.test(code))) return true;
    if (name === 'MaxRetriesPerRequestError') return true;
    if (typeof message === 'string' && MESSAGES.some((m) => message.startsWith(m))) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}
