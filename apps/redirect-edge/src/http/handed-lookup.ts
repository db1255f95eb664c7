import type { IncomingMessage } from 'node:http';
import type { RedirectLink } from '../domain/ports.ts';

/**
 * What the fast path already did for a request it then handed to Fastify (a password link, a 404, a refused
 * client, a lookup error...). Fastify uses it instead of doing it again: the redirect limiter is charged once,
 * and there is one Redis read and one lookup metric per request, whichever path answers.
 */
export interface Handed {
  /** The redirect limiter's verdict for this request (0: allowed, else seconds until the window resets). */
  retryAfterSeconds: number;
  /** The lookup, when the fast path made one. */
  lookup?: HandedLookup;
}

export type HandedLookup =
  | { domain: string; code: string; link: RedirectLink | null; error?: undefined }
  | { domain: string; code: string; link?: undefined; error: unknown };

const HANDED = Symbol('boltlink.handed');
type Carrier = IncomingMessage & { [HANDED]?: Handed };

/** Set only on requests handed over, never on those the fast path answers (one property less per redirect). */
export function handOver(req: IncomingMessage, handed: Handed): void {
  (req as Carrier)[HANDED] = handed;
}

export function handedOf(req: IncomingMessage): Handed | undefined {
  return (req as Carrier)[HANDED];
}

/** The lookup handed over for exactly this domain and code, if any. */
export function takeHandedLookup(
  req: IncomingMessage,
  domain: string,
  code: string,
): HandedLookup | undefined {
  const lookup = (req as Carrier)[HANDED]?.lookup;
  if (lookup === undefined || lookup.domain !== domain || lookup.code !== code) return undefined;
  return lookup;
}
