import { type Static, Type } from 'typebox';
import { Compile } from 'typebox/compile';
import type { RedisKeys } from './keys.ts';

/**
 * Published on `RedisKeys.domainInvalidationChannel()` after a custom domain is added, verified, changed
 * (its root or not-found redirect) or removed, so every edge drops what it holds for the hostname and reads
 * it again. It names the hostname only: the edge reloads the row (or its absence) from the source of truth.
 * A wire format that outlives a deploy: versioned, validated when published and when received.
 */
export const DomainInvalidationV1 = Type.Object(
  {
    v: Type.Literal(1),
    /** Lower-case ASCII (punycode), no port: `domains.hostname`. */
    hostname: Type.String({ minLength: 1, maxLength: 253, pattern: '^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$' }),
  },
  { additionalProperties: false },
);
export type DomainInvalidationV1 = Static<typeof DomainInvalidationV1>;
export type DomainInvalidation = DomainInvalidationV1;

const check = Compile(DomainInvalidationV1);

export class InvalidDomainInvalidationError extends Error {
  override readonly name = 'InvalidDomainInvalidationError';
}

export function encodeDomainInvalidation(message: Omit<DomainInvalidation, 'v'>): string {
  const value: DomainInvalidation = { v: 1, hostname: message.hostname };
  if (!check.Check(value)) {
    throw new InvalidDomainInvalidationError(
      `refusing to publish an invalid domain invalidation (hostname ${JSON.stringify(message.hostname)})`,
    );
  }
  return JSON.stringify(value);
}

/** Null for a message this version cannot read; the subscriber then logs and ignores it. */
export function decodeDomainInvalidation(raw: string): DomainInvalidation | null {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return null;
  }
  return check.Check(value) ? value : null;
}

/** Publishes a domain change where the edges listen; `publisher` is a connection to the cache Redis. */
export async function publishDomainInvalidation(
  publisher: { publish(channel: string, message: string): Promise<unknown> },
  keys: Pick<RedisKeys, 'domainInvalidationChannel'>,
  hostname: string,
): Promise<void> {
  await publisher.publish(keys.domainInvalidationChannel(), encodeDomainInvalidation({ hostname }));
}
