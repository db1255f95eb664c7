import type { ApiKeyScope, WorkspaceRole } from '@boltlink/db/schema';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../errors.ts';
import type { ApiKeyService } from '../services/api-key-service.ts';
import { accountDisabled } from '../services/auth-service.ts';
import {
  denial,
  instanceDenial,
  isAccountPermission,
  isInstancePermission,
  type Permission,
} from '../services/permissions.ts';
import { looksLikeApiKey } from '../services/secrets.ts';
import type { SessionStore } from '../services/session-store.ts';
import { checkCsrf, sessionCookieOf } from './browser-session.ts';

/** Who calls: a logged-in user, or an API key (which belongs to one workspace). */
export type Principal =
  | { kind: 'session'; userId: string; tokenHash: string; isAdmin: boolean }
  | { kind: 'apiKey'; userId: string; workspaceId: string; keyId: string; scopes: readonly ApiKeyScope[] };

/** The workspace a request acts in, and as whom: what services read and write with, and what audit records. */
export interface WorkspaceAccess {
  userId: string;
  workspaceId: string;
  /** The session user's role; null for an API key, which acts by its scopes. */
  role: WorkspaceRole | null;
  /** The API key the request came with; null for a session. */
  keyId: string | null;
}

/** The request header that names the workspace a session acts in (docs/workspaces.md). */
export const WORKSPACE_HEADER = 'boltlink-workspace';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
    access: WorkspaceAccess | null;
  }
}

const BEARER = /^Bearer +([A-Za-z0-9._~+/=-]{16,512}) *$/i;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const unauthenticated = (detail: string, error?: 'invalid_token') =>
  new AppError('unauthenticated', detail, {
    'www-authenticate': error ? `Bearer realm="boltlink", error="${error}"` : 'Bearer realm="boltlink"',
  });

export interface MembershipLookup {
  /** The user's role in the workspace, or null when they are not a member (or it does not exist). */
  roleOf(workspaceId: string, userId: string): Promise<WorkspaceRole | null>;
}

export interface UserStatusLookup {
  /** The account behind a session, or null when it no longer exists. */
  statusOf(userId: string): Promise<{ isAdmin: boolean; disabled: boolean } | null>;
}

export interface Authenticator {
  /**
   * preParsing hook: resolves the principal from `Authorization: Bearer`, the only place credentials are
   * read (never a query parameter, which would end up in logs and browser history), then, for a workspace
   * permission, the workspace the request acts in and whether the caller may do this there
   * (services/permissions.ts decides). Without a permission, any authenticated caller passes.
   * The membership is read from Postgres on every request, so a removed member is refused at once; so is the
   * account (a disabled user's sessions and keys are refused on their next request).
   * preParsing, not onRequest: the per-IP rate limit (an onRequest hook) must count a request before
   * authentication can reject it, or guessing tokens would never be limited; the body is still only read
   * once the caller is known.
   */
  require(permission?: Permission): (request: FastifyRequest) => Promise<void>;
}

export function createAuthenticator(
  app: FastifyInstance,
  deps: {
    sessions: SessionStore;
    apiKeys: ApiKeyService;
    members: MembershipLookup;
    /** Origins whose pages may write with the session cookie (CORS_ORIGINS). */
    browserOrigins: readonly string[];
    users: UserStatusLookup;
  },
): Authenticator {
  app.decorateRequest('principal', null);
  app.decorateRequest('access', null);

  async function resolve(request: FastifyRequest): Promise<Principal> {
    const header = request.headers.authorization;
    if (header === undefined || header === '') {
      // A browser's second way to carry a session token (the dashboard); Authorization wins when both come.
      const cookie = sessionCookieOf(request);
      if (cookie === undefined) throw unauthenticated('missing Authorization: Bearer credentials');
      checkCsrf(request, deps.browserOrigins);
      return resolveSession(cookie);
    }
    const token = BEARER.exec(header)?.[1];
    if (token === undefined) throw unauthenticated('malformed Authorization header', 'invalid_token');
    if (looksLikeApiKey(token)) {
      const key = await deps.apiKeys.authenticate(token);
      if (!key) throw unauthenticated('invalid or revoked API key', 'invalid_token');
      const { userDisabled, ...principal } = key;
      if (userDisabled) throw accountDisabled();
      return { kind: 'apiKey', ...principal };
    }
    return resolveSession(token);
  }

  async function resolveSession(token: string): Promise<Principal> {
    const session = await deps.sessions.resolve(token);
    if (!session) throw unauthenticated('invalid or expired session', 'invalid_token');
    // A session that outlived its account is no session.
    const user = await deps.users.statusOf(session.userId);
    if (!user) throw unauthenticated('session is no longer valid', 'invalid_token');
    if (user.disabled) throw accountDisabled();
    return { kind: 'session', ...session, isAdmin: user.isAdmin };
  }

  function namedWorkspace(request: FastifyRequest): string | undefined {
    const raw = request.headers[WORKSPACE_HEADER];
    if (raw === undefined) return undefined;
    const value = Array.isArray(raw) ? raw.join(',') : raw.trim();
    if (!UUID.test(value)) {
      throw new AppError('validation_failed', `${WORKSPACE_HEADER}: must be a workspace id (a UUID)`);
    }
    return value.toLowerCase();
  }

  async function access(request: FastifyRequest, principal: Principal): Promise<WorkspaceAccess> {
    const named = namedWorkspace(request);
    if (principal.kind === 'apiKey') {
      if (named !== undefined && named !== principal.workspaceId) {
        throw new AppError('forbidden', 'this API key belongs to another workspace');
      }
      return {
        userId: principal.userId,
        workspaceId: principal.workspaceId,
        role: null,
        keyId: principal.keyId,
      };
    }
    // Without the header a session acts in the user's personal workspace, which carries the user's id.
    const workspaceId = named ?? principal.userId;
    const role = await deps.members.roleOf(workspaceId, principal.userId);
    // Not a member reads the same as no such workspace: ids of other teams' workspaces are not confirmed.
    if (role === null) throw new AppError('not_found', 'workspace not found');
    return { userId: principal.userId, workspaceId, role, keyId: null };
  }

  return {
    require(permission) {
      return async (request) => {
        const principal = await resolve(request);
        request.principal = principal;
        if (permission === undefined) return;
        if (isInstancePermission(permission)) {
          const refused = instanceDenial(principal);
          if (refused !== null) throw new AppError('forbidden', refused);
          return;
        }
        if (isAccountPermission(permission)) {
          if (principal.kind !== 'session') {
            throw new AppError('forbidden', `${permission} needs a session, not an API key`);
          }
          return;
        }
        const granted = await access(request, principal);
        const refused = denial(
          principal.kind === 'session'
            ? { kind: 'session', role: granted.role ?? 'viewer' }
            : { kind: 'apiKey', scopes: principal.scopes },
          permission,
        );
        if (refused !== null) throw new AppError('forbidden', refused);
        request.access = granted;
      };
    },
  };
}

/** The authenticated principal; routes only call this behind `require()`. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw unauthenticated('authentication required');
  return request.principal;
}

/** The workspace the request acts in; routes only call this behind `require(<workspace permission>)`. */
export function accessOf(request: FastifyRequest): WorkspaceAccess {
  if (!request.access) throw new AppError('internal', 'route reads a workspace it did not require');
  return request.access;
}
