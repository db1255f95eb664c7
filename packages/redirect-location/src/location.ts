/**
 * Builds the `Location` of a redirect: the destination, the visitor's query merged in (the visitor wins on a
 * clash), then the campaign's UTM parameters. UTM parameters are applied last and override both: attribution
 * is what the link owner asked for by attaching a campaign, and a visitor must not be able to rewrite it.
 *
 * The destination's own query is kept byte for byte where nothing clashes (re-encoding it through
 * URLSearchParams would turn `%20` into `+` or `?flag` into `?flag=`, which some servers treat differently).
 * The result goes through the WHATWG URL serializer, which punycodes the host and percent-encodes every
 * non-ASCII code point, so the header is always a valid ASCII href.
 *
 * One rule for both places that need it: the edge answers with it, and the dashboard previews where a link of
 * a campaign sends visitors (with an empty visitor query).
 */
export function buildLocation(
  destination: string,
  visitorQuery: string,
  utm: Readonly<Record<string, string>> | null,
): string | null {
  let url: URL;
  try {
    url = new URL(destination);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;

  const hasVisitorQuery = visitorQuery.length > 0;
  const utmEntries = utm === null ? [] : Object.entries(utm);
  if (!hasVisitorQuery && utmEntries.length === 0) return url.href;

  const visitorPairs = splitQuery(visitorQuery);
  const overridden = new Set<string>();
  for (const pair of visitorPairs) overridden.add(pair.name);
  for (const [name] of utmEntries) overridden.add(name);

  const kept = splitQuery(url.search.slice(1)).filter((pair) => !overridden.has(pair.name));
  const visitorKept = visitorPairs.filter((pair) => !(utm !== null && Object.hasOwn(utm, pair.name)));
  const parts = [...kept, ...visitorKept].map((pair) => pair.raw);
  for (const [name, value] of utmEntries)
    parts.push(`${encodeURIComponent(name)}=${encodeURIComponent(value)}`);

  url.search = parts.length > 0 ? `?${parts.join('&')}` : '';
  return url.href;
}

interface QueryPair {
  /** Decoded name, used only to detect clashes. */
  name: string;
  /** The pair as it was written, re-used verbatim in the output. */
  raw: string;
}

function splitQuery(query: string): QueryPair[] {
  if (query.length === 0) return [];
  const pairs: QueryPair[] = [];
  for (const raw of query.split('&')) {
    if (raw.length === 0) continue;
    const eq = raw.indexOf('=');
    const encodedName = eq === -1 ? raw : raw.slice(0, eq);
    pairs.push({ name: decodeComponent(encodedName), raw });
  }
  return pairs;
}

function decodeComponent(value: string): string {
  const spaced = value.replaceAll('+', ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    // A malformed escape is compared as written; it still merges, it just cannot clash with a decoded name.
    return spaced;
  }
}
