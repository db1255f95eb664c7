import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors.ts';

/**
 * The dashboard's session: the same session token an API client gets, carried by an HttpOnly cookie
 * instead of `Authorization: Bearer`, so page scripts never hold it (docs/browser-sessions.md).
 */
export const SESSION_COOKIE = 'boltlink_session';
/**
 * The header a cookie-authenticated write must carry. A page on another origin cannot send a custom header
 * without a CORS preflight, which only CORS_ORIGINS pass: a forged form or image request never has it.
 */
export const CSRF_HEADER = 'boltlink-csrf';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
// The cookie goes to the API's routes only, never to /docs or a probe.
const COOKIE_PATH = '/api/v1';

export function setSessionCookie(
  request: FastifyRequest,
  reply: FastifyReply,
  token: string,
  ttlSeconds: number,
) {
  reply.setCookie(SESSION_COOKIE, token, {
    path: COOKIE_PATH,
    httpOnly: true,
    // Strict: the dashboard only ever sends it from fetches on its own site, never from a navigation.
    sameSite: 'strict',
    // request.protocol follows X-Forwarded-Proto from a TRUST_PROXY proxy that terminates TLS.
    secure: request.protocol === 'https',
    maxAge: ttlSeconds,
  });
}

export function clearSessionCookie(request: FastifyRequest, reply: FastifyReply) {
  reply.clearCookie(SESSION_COOKIE, {
    path: COOKIE_PATH,
    httpOnly: true,
    sameSite: 'strict',
    secure: request.protocol === 'https',
  });
}

/** The session token of the request's cookie, if it has one. */
export function sessionCookieOf(request: FastifyRequest): string | undefined {
  const value = request.cookies[SESSION_COOKIE];
  return value === undefined || value === '' ? undefined : value;
}

/**
 * Refuses a cookie-authenticated write that may have been forged by another site: it must carry the CSRF
 * header, and, when the browser says where it comes from, come from an allowed origin (OWASP's custom
 * request header and origin verification). Bearer requests are never checked: no browser adds them on its own.
 */
export function checkCsrf(request: FastifyRequest, allowedOrigins: readonly string[]): void {
  if (SAFE_METHODS.has(request.method)) return;
  if (request.headers[CSRF_HEADER] === undefined) {
    throw new AppError(
      'forbidden',
      `a request authenticated by the session cookie must carry the ${CSRF_HEADER} header`,
    );
  }
  const origin = request.headers.origin;
  if (origin !== undefined && !allowedOrigins.includes(origin)) {
    throw new AppError('forbidden', `origin ${origin} may not use the session cookie (CORS_ORIGINS)`);
  }
}
