import type { IncomingMessage } from 'node:http';
import type { RedirectLink } from '../domain/ports.ts';

/**
 * A lookup the fast path already made for a request it then handed to Fastify (a password link, a 404, a
 * lookup error...). The route uses it instead of looking up again: one Redis read and one lookup metric per
 * request, whichever path answers.
 */
export type HandedLookup =
  | { domain: string; code: string; link: RedirectLink | null; error?: undefined }
  | { domain: string; code: string; link?: undefined; error: unknown };

const HANDED = Symbol('boltlink.handedLookup');
type Carrier = IncomingMessage & { [HANDED]?: HandedLookup };

export function handLookup(req: IncomingMessage, lookup: HandedLookup): void {
  (req as Carrier)[HANDED] = lookup;
}

/** The lookup handed over for exactly this domain and code, if any. */
export function takeHandedLookup(
  req: IncomingMessage,
  domain: string,
  code: string,
): HandedLookup | undefined {
  const lookup = (req as Carrier)[HANDED];
  if (lookup === undefined || lookup.domain !== domain || lookup.code !== code) return undefined;
  return lookup;
}
