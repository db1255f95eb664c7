/** The request headers the fast path reads, taken from `rawHeaders` as node:http would report them. */
export interface RedirectHeaders {
  host: string | undefined;
  userAgent: string | undefined;
  referer: string | undefined;
  /** The trusted country header, when one is configured. */
  country: string | undefined;
  /** Accept-Language (repeats joined with ", "): read by a link's language rules. */
  acceptLanguage: string | undefined;
  /** X-Forwarded-For and X-Forwarded-Host (repeats joined with ", "): read only behind a trusted proxy. */
  forwardedFor: string | undefined;
  forwardedHost: string | undefined;
}

/**
 * Reads Host, User-Agent, Referer, Accept-Language, X-Forwarded-For, X-Forwarded-Host and the trusted country
 * header in one pass over `req.rawHeaders`.
 *
 * Touching `req.headers` makes node:http build the whole header object (every name lower-cased, every value
 * copied), which costs about half a microsecond per request, a visible share of a cached redirect. The values
 * are the ones `req.headers` would hold: Host, User-Agent and Referer are headers whose duplicates node:http
 * discards (the first wins); any other header's repeats are joined with ", ".
 *
 * `countryHeader` must be lower case.
 */
export function readRedirectHeaders(
  raw: readonly string[],
  countryHeader: string | undefined,
): RedirectHeaders {
  let host: string | undefined;
  let userAgent: string | undefined;
  let referer: string | undefined;
  let country: string | undefined;
  let acceptLanguage: string | undefined;
  let forwardedFor: string | undefined;
  let forwardedHost: string | undefined;
  const countryLength = countryHeader === undefined ? -1 : countryHeader.length;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] as string;
    const length = name.length;
    if (length === 4) {
      if (host === undefined && isName(name, 'host')) host = raw[i + 1];
    } else if (length === 10) {
      if (userAgent === undefined && isName(name, 'user-agent')) userAgent = raw[i + 1];
    } else if (length === 7) {
      if (referer === undefined && isName(name, 'referer')) referer = raw[i + 1];
    } else if (length === 15) {
      if (isName(name, 'accept-language')) acceptLanguage = joined(acceptLanguage, raw[i + 1] as string);
      else if (isName(name, 'x-forwarded-for')) forwardedFor = joined(forwardedFor, raw[i + 1] as string);
    } else if (length === 16 && isName(name, 'x-forwarded-host')) {
      forwardedHost = joined(forwardedHost, raw[i + 1] as string);
    }
    if (length === countryLength && isName(name, countryHeader as string)) {
      country = joined(country, raw[i + 1] as string);
    }
  }
  return { host, userAgent, referer, country, acceptLanguage, forwardedFor, forwardedHost };
}

/** A repeated header's values as node:http joins them. */
function joined(before: string | undefined, value: string): string {
  return before === undefined ? value : `${before}, ${value}`;
}

function isName(name: string, lower: string): boolean {
  return name === lower || name.toLowerCase() === lower;
}
