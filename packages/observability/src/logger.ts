import type { IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import { hostname } from 'node:os';
import pino, { type LoggerOptions } from 'pino';
import { serializeError } from './error-serializer.ts';

export interface CreateLoggerOptionsInput {
  /** Service name, written on every line as `service`. */
  service: string;
  level: string;
  /** Human-readable output. Defaults to whether stdout is a terminal: JSON for files, pipes and collectors. */
  pretty?: boolean;
  /** Finds pino-pretty; tests pass one that fails, as in an image. */
  resolvePretty?: (name: string) => string;
}

// Field names whose values are credentials wherever they appear in a logged object.
// `params`/`parameters` are the bound values of a database query, whatever object carries them.
const SECRET_FIELDS = [
  'password',
  'passwordHash',
  'key',
  'token',
  'secret',
  'apiKey',
  'params',
  'parameters',
] as const;
const SECRET_HEADERS = ['.authorization', '.cookie', '["set-cookie"]', '["x-api-key"]'] as const;

// fast-redact needs explicit paths; a wildcard matches one level, so each depth is listed.
// Four levels cover `{ body: { user: { password } } }` under a logged request or job.
const FIELD_PREFIXES = ['', '*.', '*.*.', '*.*.*.'] as const;
const HEADER_PARENTS = [
  'headers',
  'req.headers',
  'res.headers',
  'request.headers',
  'response.headers',
] as const;

export const REDACT_PATHS: readonly string[] = [
  ...FIELD_PREFIXES.flatMap((prefix) => SECRET_FIELDS.map((field) => `${prefix}${field}`)),
  ...HEADER_PARENTS.flatMap((parent) => SECRET_HEADERS.map((header) => `${parent}${header}`)),
];

/** Fastify hands the request serializer its FastifyRequest; only these fields are read. */
interface LoggableRequest {
  method?: string;
  url?: string;
  host?: string;
  ip?: string;
  headers?: IncomingMessage['headers'];
  socket?: { remotePort?: number } | null;
}

/**
 * Logs the path only: query strings carry tokens, signed parameters and whatever a visitor appended
 * to a short link, and none of that belongs in a log pipeline.
 */
export function pathOnly(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

export const requestSerializers = {
  req(request: LoggableRequest) {
    return {
      method: request.method,
      url: pathOnly(request.url),
      host: request.host ?? request.headers?.host,
      remoteAddress: request.ip,
      remotePort: request.socket?.remotePort,
    };
  },
  res(reply: { statusCode?: number }) {
    return { statusCode: reply.statusCode };
  },
  // Errors lose the bound values of failed queries, argon2 hashes and emails (see error-serializer.ts).
  err: serializeError,
};

// Resolved from this package so the worker thread finds pino-pretty whatever the caller's location.
const resolveFromHere = (name: string): string => createRequire(import.meta.url).resolve(name);

function prettyTransport(resolve: (name: string) => string): LoggerOptions['transport'] {
  let target: string;
  try {
    target = resolve('pino-pretty');
  } catch {
    // pino-pretty is a development dependency: the images do not carry it, so a container run with a
    // terminal (`docker run -t`) writes JSON instead of failing to start.
    return undefined;
  }
  return {
    target,
    options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service' },
  };
}

/**
 * pino options shared by every service; pass them to Fastify's `logger` option or to `pino()`.
 */
export function createLoggerOptions({
  service,
  level,
  pretty,
  resolvePretty = resolveFromHere,
}: CreateLoggerOptionsInput): LoggerOptions {
  const transport = (pretty ?? process.stdout.isTTY === true) ? prettyTransport(resolvePretty) : undefined;
  return {
    level,
    base: { service, pid: process.pid, hostname: hostname() },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: [...REDACT_PATHS], censor: '[redacted]' },
    serializers: requestSerializers,
    ...(transport ? { transport } : {}),
  };
}
