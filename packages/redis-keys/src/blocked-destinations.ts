import { type Static, Type } from 'typebox';
import { Compile } from 'typebox/compile';

/**
 * Published on `RedisKeys.blocklistChannel()` after an instance admin blocks or unblocks a destination
 * host name. It carries no list: every edge reloads the whole (small) list from Postgres, so a lost or
 * reordered message can never leave an edge with a half-applied change. A wire format that outlives a
 * deploy: versioned, validated when received.
 */
export const BlocklistChangeV1 = Type.Object({ v: Type.Literal(1) }, { additionalProperties: false });
export type BlocklistChangeV1 = Static<typeof BlocklistChangeV1>;

const check = Compile(BlocklistChangeV1);

export function encodeBlocklistChange(): string {
  return JSON.stringify({ v: 1 } satisfies BlocklistChangeV1);
}

/** Null for a message this version cannot read; the subscriber then logs and ignores it. */
export function decodeBlocklistChange(raw: string): BlocklistChangeV1 | null {
  try {
    const value: unknown = JSON.parse(raw);
    return check.Check(value) ? value : null;
  } catch {
    return null;
  }
}

/**
 * The one rule of a destination block, shared by the API (which refuses such links) and the edge (which
 * answers 410 for them): a blocked host name blocks itself and every subdomain, never a lookalike suffix
 * (`notexample.com` is not under `example.com`). `hostname` as URL.hostname gives it: lower-case, punycode.
 */
export function isBlockedHostname(hostname: string, blocked: ReadonlySet<string>): boolean {
  if (blocked.size === 0) return false;
  let host = hostname.endsWith('.') ? hostname.slice(0, -1) : hostname;
  for (;;) {
    if (blocked.has(host)) return true;
    const dot = host.indexOf('.');
    if (dot === -1) return false;
    host = host.slice(dot + 1);
  }
}

/** Whether the destination URL's host is blocked; an unparsable URL is not (the edge answers it anyway). */
export function isBlockedDestination(url: string, blocked: ReadonlySet<string>): boolean {
  if (blocked.size === 0) return false;
  let hostname: string;
  try {
    hostname = new URL(url).hostname;
  } catch {
    return false;
  }
  return isBlockedHostname(hostname, blocked);
}
