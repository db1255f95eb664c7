import { type Static, Type } from 'typebox';
import { Compile, type Validator } from 'typebox/compile';

/**
 * What the redirect edge knows of a host name that is not an instance domain (SHORT_DOMAINS), as stored in
 * the Redis cache: a custom domain it serves (verified), or "not served" (unknown, pending, failed, removed).
 * A wire format that outlives a deploy: versioned, validated when written and when read, not the table row.
 * An edge that meets a version it does not know treats it as a cache miss and reads Postgres.
 *
 * Written by the edges only, on a read-through. When a domain changes, every edge that receives the
 * announcement (./domain-invalidation) deletes the entry; its short TTL bounds what survives a change that
 * no edge heard.
 */
export const CachedDomainV1 = Type.Object(
  {
    v: Type.Literal(1),
    hostname: Type.String({ minLength: 1, maxLength: 253 }),
    /** True for a verified domain: its links are served. False: the host is served as any unknown host. */
    served: Type.Boolean(),
    /** Where `/` on this domain redirects; null = BoltLink's default answer. */
    rootRedirectUrl: Type.Union([Type.String({ minLength: 1, maxLength: 8192 }), Type.Null()]),
    /** Where an unknown code on this domain redirects; null = BoltLink's own not-found page. */
    notFoundRedirectUrl: Type.Union([Type.String({ minLength: 1, maxLength: 8192 }), Type.Null()]),
  },
  { additionalProperties: false },
);
export type CachedDomainV1 = Static<typeof CachedDomainV1>;

/** The version this code writes. */
export type CachedDomain = CachedDomainV1;

/** The columns of a `domains` row the cache value is built from. */
export interface DomainRowForCache {
  hostname: string;
  status: string;
  rootRedirectUrl: string | null;
  notFoundRedirectUrl: string | null;
}

/**
 * The one mapping from a domain row (or its absence) to the cached value. Only a verified domain is served;
 * its redirect settings are not kept for one that is not (they would never be read).
 */
export function cachedDomainFromRow(hostname: string, row: DomainRowForCache | null): CachedDomain {
  if (row === null || row.status !== 'verified') {
    return { v: 1, hostname, served: false, rootRedirectUrl: null, notFoundRedirectUrl: null };
  }
  return {
    v: 1,
    hostname: row.hostname,
    served: true,
    rootRedirectUrl: row.rootRedirectUrl,
    notFoundRedirectUrl: row.notFoundRedirectUrl,
  };
}

const checkV1 = Compile(CachedDomainV1);

export class InvalidCachedDomainError extends Error {
  override readonly name = 'InvalidCachedDomainError';
}

function firstError(check: Validator, value: unknown): string {
  const error = check.Errors(value)[0];
  return error ? `${error.instancePath || '/'}: ${error.message}` : 'invalid value';
}

export function encodeCachedDomain(value: CachedDomain): string {
  if (!checkV1.Check(value)) {
    throw new InvalidCachedDomainError(`refusing to cache an invalid domain (${firstError(checkV1, value)})`);
  }
  return JSON.stringify(value);
}

function parse(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return null;
  }
}

/** Null for anything this version cannot use (absent, corrupt, or another version): a cache miss. */
export function decodeCachedDomain(raw: string | null | undefined): CachedDomain | null {
  if (!raw) return null;
  const value = parse(raw);
  if (typeof value !== 'object' || value === null) return null;
  return (value as { v?: unknown }).v === 1 && checkV1.Check(value) ? value : null;
}
